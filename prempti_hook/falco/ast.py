"""The condition AST, node for node as libsinsp builds it, and its canonical string form.

Node kinds (libsinsp `filter/ast.h`):

    And(children)            Or(children)            Not(child)
    Identifier(name)         a macro reference (only ever a whole check)
    Value(value)             one constant; also a bare name on the right of `in`,
                             `intersects`, `pmatch` or a modifier (`x in my_list`), as in
                             libsinsp, so macro resolution never touches it
    ListValue(values)        `(a, b, c)`
    TransformerList(items)   `(a.b, "x", tolower(c.d))`, the argument of join()
    FieldRef(name, arg)      `proc.name`, `evt.arg[0]`, `evt.arg[""]` (arg "" is not arg None)
    Transformer(name, args, arg)   `tolower(x)`, `join(sep, (..))`, `val(x)`; arg as for fields
    UnaryCheck(left, op)     `x exists`
    BinaryCheck(left, op, right)   op is the trimmed token, or "<op> <modifier>" ("== oneof")

`as_string(node)` renders libsinsp's `ast::as_string()` exactly; Falco shows it as the
rule's `condition_compiled`. That rendering is lossy (`join("-", (a.b))` prints as
`join(-,(a.b))`, an empty value prints as nothing); `parser.unparse` writes text that always
parses back. Equality ignores positions, as libsinsp's does. Values are `str`; see
`escaping` for how they stand for libsinsp's byte strings.

This module is on the cold path only (loading and checking rules); the hot path never sees ASTs.
"""

from __future__ import annotations

from .escaping import escape_str

__all__ = [
    "And", "BinaryCheck", "FieldRef", "Identifier", "ListValue", "Node", "Not", "Or", "Pos",
    "Transformer", "TransformerList", "UnaryCheck", "Value", "as_string", "escape_str",
]

# Plain classes with __slots__ rather than dataclasses: importing `dataclasses` (with
# `inspect`, `typing`...) and building the classes cost about 10 ms, which every compile of
# the rules (the first hook call after a rules edit) paid. Semantics are a frozen
# dataclass's: immutable, equality and hash by the fields (by value, recursively), `pos`
# left out of both and out of the repr.
_set = object.__setattr__


class _Frozen:
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: "
                             f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: "
                             f"{type(self).__name__} is immutable")

    def _key(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self):
        return (type(self), self._key())


class Pos(_Frozen):
    """A position in condition text: 0-based byte index, 1-based line and column."""

    __slots__ = ("col", "idx", "line")
    _fields = ("idx", "line", "col")

    def __init__(self, idx: int = 0, line: int = 1, col: int = 1) -> None:
        _set(self, "idx", idx)
        _set(self, "line", line)
        _set(self, "col", col)


class _Node(_Frozen):
    """A condition node: its hash (by value, over the whole subtree) is kept once computed,
    since compiled conditions are cached by their tree."""

    __slots__ = ("_hash",)

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash((self.__class__.__name__, *self._key()))
            _set(self, "_hash", value)
            return value

    def __reduce__(self):
        return (type(self), (*self._key(), self.pos))


class And(_Node):
    __slots__ = ("children", "pos")
    _fields = ("children",)

    def __init__(self, children: tuple[Node, ...], pos: Pos | None = None) -> None:
        _set(self, "children", children)
        _set(self, "pos", pos)


class Or(_Node):
    __slots__ = ("children", "pos")
    _fields = ("children",)

    def __init__(self, children: tuple[Node, ...], pos: Pos | None = None) -> None:
        _set(self, "children", children)
        _set(self, "pos", pos)


class Not(_Node):
    __slots__ = ("child", "pos")
    _fields = ("child",)

    def __init__(self, child: Node, pos: Pos | None = None) -> None:
        _set(self, "child", child)
        _set(self, "pos", pos)


class Identifier(_Node):
    __slots__ = ("name", "pos")
    _fields = ("name",)

    def __init__(self, name: str, pos: Pos | None = None) -> None:
        _set(self, "name", name)
        _set(self, "pos", pos)


class Value(_Node):
    __slots__ = ("pos", "value")
    _fields = ("value",)

    def __init__(self, value: str, pos: Pos | None = None) -> None:
        _set(self, "value", value)
        _set(self, "pos", pos)


class ListValue(_Node):
    __slots__ = ("pos", "values")
    _fields = ("values",)

    def __init__(self, values: tuple[str, ...], pos: Pos | None = None) -> None:
        _set(self, "values", values)
        _set(self, "pos", pos)


class TransformerList(_Node):
    __slots__ = ("items", "pos")
    _fields = ("items",)

    def __init__(self, items: tuple[Node, ...], pos: Pos | None = None) -> None:
        _set(self, "items", items)
        _set(self, "pos", pos)


class FieldRef(_Node):
    __slots__ = ("arg", "name", "pos")
    _fields = ("name", "arg")

    def __init__(self, name: str, arg: str | None = None, pos: Pos | None = None) -> None:
        _set(self, "name", name)
        _set(self, "arg", arg)
        _set(self, "pos", pos)


class Transformer(_Node):
    __slots__ = ("arg", "args", "name", "pos")
    _fields = ("name", "args", "arg")

    def __init__(self, name: str, args: tuple[Node, ...], arg: str | None = None,
                 pos: Pos | None = None) -> None:
        _set(self, "name", name)
        _set(self, "args", args)
        _set(self, "arg", arg)
        _set(self, "pos", pos)


class UnaryCheck(_Node):
    __slots__ = ("left", "op", "pos")
    _fields = ("left", "op")

    def __init__(self, left: Node, op: str, pos: Pos | None = None) -> None:
        _set(self, "left", left)
        _set(self, "op", op)
        _set(self, "pos", pos)


class BinaryCheck(_Node):
    __slots__ = ("left", "op", "pos", "right")
    _fields = ("left", "op", "right")

    def __init__(self, left: Node, op: str, right: Node, pos: Pos | None = None) -> None:
        _set(self, "left", left)
        _set(self, "op", op)
        _set(self, "right", right)
        _set(self, "pos", pos)


Node = _Node  # any of the node classes above


def _field_arg(arg: str | None) -> str:
    if arg is None:
        return ""
    return "[" + (escape_str(arg) if arg else '""') + "]"


def as_string(node: Node) -> str:
    """Render `node` in libsinsp's canonical form (`ast::as_string`)."""
    if isinstance(node, And):
        return "(" + " and ".join(as_string(c) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " or ".join(as_string(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return "not " + as_string(node.child)
    if isinstance(node, Identifier):
        return node.name
    if isinstance(node, Value):
        return escape_str(node.value)
    if isinstance(node, ListValue):
        return "(" + ", ".join(escape_str(v) for v in node.values) + ")"
    if isinstance(node, TransformerList):
        return "(" + ",".join(as_string(c) for c in node.items) + ")"
    if isinstance(node, FieldRef):
        return node.name + _field_arg(node.arg)
    if isinstance(node, Transformer):
        return (node.name + "(" + ",".join(as_string(a) for a in node.args) + ")"
                + _field_arg(node.arg))
    if isinstance(node, UnaryCheck):
        return as_string(node.left) + " " + node.op
    if isinstance(node, BinaryCheck):
        return as_string(node.left) + " " + node.op + " " + as_string(node.right)
    raise TypeError(f"not an AST node: {node!r}")
