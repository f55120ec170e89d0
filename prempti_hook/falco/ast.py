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

from dataclasses import dataclass, field
from typing import Union

from .escaping import escape_str

__all__ = [
    "And", "BinaryCheck", "FieldRef", "Identifier", "ListValue", "Node", "Not", "Or", "Pos",
    "Transformer", "TransformerList", "UnaryCheck", "Value", "as_string", "escape_str",
]


@dataclass(frozen=True)
class Pos:
    """A position in condition text: 0-based byte index, 1-based line and column."""

    idx: int = 0
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    child: Node
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Identifier:
    name: str
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Value:
    value: str
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ListValue:
    values: tuple[str, ...]
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TransformerList:
    items: tuple[Node, ...]
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FieldRef:
    name: str
    arg: str | None = None
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Transformer:
    name: str
    args: tuple[Node, ...]
    arg: str | None = None
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class UnaryCheck:
    left: Node
    op: str
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BinaryCheck:
    left: Node
    op: str
    right: Node
    pos: Pos | None = field(default=None, compare=False, repr=False)


Node = Union[
    And, Or, Not, Identifier, Value, ListValue, TransformerList, FieldRef, Transformer,
    UnaryCheck, BinaryCheck,
]


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
