"""Compile a condition AST into a hot-path `Condition` (cold path: loading and checking rules).

What libsinsp's `sinsp_filter_compiler` does at compile time happens here, with its messages
(docs/falco-language.md, "Compile-time checks"): field lookup, transformer typing,
operator/type compatibility, right-hand-side field rules, constants parsed per field type
(decimal integers only, `true`/`false`, hex for `bcontains`, IP addresses...), RE2 syntax
checks for `regex` (`re2.py` translates the pattern), and the compiler warnings Falco
reports as LOAD_COMPILE_CONDITION.

The result is code, not a tree to walk: each condition becomes ONE Python expression over
the event `e`, e.g. `((v := e[_c0]) is not None and _c1 in v)`. Every constant and every
field key is a numbered parameter `_cN` (see `condition.factory_source`); rule text never
becomes Python source, so a rule author cannot inject code. Semantics that the expression
shapes encode:

* A failed extraction (the event returns None) makes every check false, `!=` and
  `exists` included; `not` still inverts. Hence the `(v := ...) is not None and` guard.
* `=`/`in` on a single value are plain `==`/set membership (None is never equal/member).
* List fields support `in` (subset), `intersects` and `exists` only.
* `oneof`/`anyof`/`allof` with an empty list are false.

`compile_value` compiles a field or transformer (an output token such as
`%toupper(proc.name)`) into a `runtime.ValueExpr`.
"""

from __future__ import annotations

import functools

from . import ast as A
from . import runtime as rt
from .condition import Condition
from .errors import CompileError
from .fields import NUMERIC_TYPES, STRING_TYPES, FieldInfo, FieldTable
from .glob import Glob
from .re2 import translate_re2

__all__ = ["Condition", "compile_condition", "compile_value"]

# ---------------------------------------------------------------------------------------
# Types and operators (filter_compare.cpp flt_is_comparable)
# ---------------------------------------------------------------------------------------

_IP_ADDR_TYPES = frozenset({"IPV4ADDR", "IPV6ADDR", "IPADDR"})
_IP_NET_TYPES = frozenset({"IPV4NET", "IPV6NET", "IPNET"})
_IP_TYPES = _IP_ADDR_TYPES | _IP_NET_TYPES
_LIST_TYPES = frozenset({"CHARBUF", "UINT64", "RELTIME", "ABSTIME", "BOOL", "IPADDR", "IPNET"})

_OPS_NUMERIC = frozenset({"=", "!=", "<", "<=", ">", ">=", "in", "intersects", "exists"})
_OPS_BOOL = frozenset({"=", "!=", "in", "intersects", "exists"})
_OPS_STRING = frozenset({"=", "!=", "<", "<=", ">", ">=", "contains", "icontains",
                         "startswith", "endswith", "glob", "iglob", "regex", "pmatch", "in",
                         "intersects", "exists"})
_OPS_BUFFER = frozenset({"=", "!=", "contains", "startswith", "endswith", "bcontains",
                         "bstartswith", "in", "intersects", "exists"})
_OPS_IP = frozenset({"=", "!=", "in", "intersects", "exists"})
_OPS_LIST = frozenset({"in", "intersects", "exists"})
_ALL_OPS = _OPS_STRING | _OPS_BUFFER
_MODIFIERS = ("oneof", "anyof", "allof")
_ORDERING = frozenset({"<", "<=", ">", ">="})

# type -> (bits, signed), how sscanf("%hd"/"%u"/...) reads a constant for that type
_INT_TYPES = {
    "INT8": (8, True), "INT16": (16, True), "INT32": (32, True), "INT64": (64, True),
    "FD": (64, True), "PID": (64, True), "ERRNO": (64, True),
    "UINT8": (8, False), "FLAGS8": (8, False), "ENUMFLAGS8": (8, False),
    "SIGTYPE": (8, False), "UINT16": (16, False), "FLAGS16": (16, False),
    "ENUMFLAGS16": (16, False), "SYSCALLID": (16, False), "UINT32": (32, False),
    "FLAGS32": (32, False), "ENUMFLAGS32": (32, False), "MODE": (32, False),
    "UINT64": (64, False), "RELTIME": (64, False), "ABSTIME": (64, False),
}

_SINGLE_TRANSFORMERS = ("tolower", "toupper", "b64", "basename", "len")
_MULTI_TRANSFORMERS = ("join", "concat", "getopt")
_WARN_TRANSFORMERS = _SINGLE_TRANSFORMERS + _MULTI_TRANSFORMERS + ("val",)
_C_SPACE = " \t\n\v\f\r"
_HEX = "0123456789abcdefABCDEF"
_MAX_VALUE_BYTES = 255  # libsinsp's 256-byte value storage, terminator included


def _opname(op: str) -> str:
    """The operator as libsinsp's cmpop_to_str spells it in messages."""
    return "=" if op == "==" else op


def _check_comparable(op: str, type_: str, is_list: bool) -> None:
    if op == "exists":
        return
    if is_list:
        if type_ not in _LIST_TYPES:
            raise CompileError(
                f"filter error: list filters are not supported for type '{type_}'")
        if op not in _OPS_LIST:
            raise CompileError(f"filter error: '{op}' operator not supported list filters")
        return
    if type_ in NUMERIC_TYPES:
        kind, ops = "numeric", _OPS_NUMERIC
    elif type_ == "BOOL":
        kind, ops = "numeric", _OPS_BOOL
    elif type_ in _IP_TYPES:
        kind, ops = "ip address and network", _OPS_IP
    elif type_ in STRING_TYPES:
        kind, ops = "string", _OPS_STRING
    elif type_ == "BYTEBUF":
        kind, ops = "buffer", _OPS_BUFFER
    else:
        raise CompileError(f"filter error: '{op}' operator not supported for type '{type_}'")
    if op not in ops:
        raise CompileError(f"filter error: '{op}' operator not supported for {kind} filters")


# ---------------------------------------------------------------------------------------
# Constants (libsinsp value_parser / numparser)
# ---------------------------------------------------------------------------------------

def _parse_int(raw: str, type_: str) -> int:
    """Read `raw` as sscanf does for `type_`: decimal only, wrap/clamp like glibc."""
    bits, signed = _INT_TYPES[type_]
    text = raw.lstrip(_C_SPACE)
    negative = text.startswith("-")
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise CompileError(f"{raw} is not a valid number")
    magnitude = int(digits)
    if signed:
        value = -magnitude if negative else magnitude
        value = max(-(1 << 63), min((1 << 63) - 1, value))  # strtol clamps
    elif magnitude >= 1 << 64:
        value = (1 << 64) - 1  # strtoul clamps
    else:
        value = (-magnitude) % (1 << 64) if negative else magnitude
    if bits < 64 or not signed:
        value &= (1 << bits) - 1
        if signed and value >= 1 << (bits - 1):
            value -= 1 << bits
    return value


def _unhex(raw: str) -> bytes | None:
    """libsinsp's unhex: an even number of hex digits, nothing else (not even spaces)."""
    if len(raw) % 2 or any(c not in _HEX for c in raw):
        return None
    return bytes.fromhex(raw)


def _parse_ip(raw: str, family: str) -> bytes:
    import socket

    af = socket.AF_INET if family == "4" else socket.AF_INET6
    try:
        return socket.inet_pton(af, raw)
    except (OSError, ValueError):
        raise CompileError(
            f"unrecognized IPv{family} address {raw}") from None


def _parse_net(raw: str, family: str) -> tuple[int, int, int]:
    import socket

    if "/" not in raw:
        raise CompileError(f"unrecognized IP network {raw}")
    address, _, mask_text = raw.partition("/")
    af = socket.AF_INET if family == "4" else socket.AF_INET6
    try:
        packed = socket.inet_pton(af, address)
    except (OSError, ValueError):
        raise CompileError(f"unrecognized IP address {raw}") from None
    size = len(packed)
    prefix = _parse_int(mask_text, "UINT8" if family == "4" else "UINT16")
    if prefix > size * 8:
        raise CompileError(f"invalid netmask {mask_text}")
    mask = ((1 << prefix) - 1) << (size * 8 - prefix)
    return (int.from_bytes(packed, "big") & mask, mask, size)


def _parse_port(raw: str) -> int:
    if raw == "":
        return 0
    if raw.isascii() and raw.isdigit():
        return int(raw) & 0xFFFF
    import socket

    try:
        return socket.getservbyname(raw)
    except (OSError, ValueError):
        raise CompileError(f"unrecognized protocol {raw}") from None


def _parse_constant(raw: str, type_: str, op: str):
    """One RHS constant, parsed for the (transformed) LHS type and the operator."""
    if op in ("bcontains", "bstartswith"):
        data = _unhex(raw)
        if data is None:
            raise CompileError(
                "filter error: bcontains and bstartswith operator support hex strings only")
        if len(data) > _MAX_VALUE_BYTES:
            raise CompileError("filter parameter too long (byte buf)")
        return data
    if type_ == "BYTEBUF":
        data = rt.to_bytes(raw)
        if len(data) > _MAX_VALUE_BYTES:
            raise CompileError("filter parameter too long (byte buf)")
        return data
    if "\x00" in raw:
        raise CompileError("filter error: filter value cannot contain a NUL byte (\\x00)")
    if type_ in STRING_TYPES:
        if rt.byte_len(raw) > _MAX_VALUE_BYTES:
            raise CompileError(f"filter parameter too long:{raw}")
        return raw
    if type_ in _INT_TYPES:
        return _parse_int(raw, type_)
    if type_ == "DOUBLE":
        return float(_parse_int(raw, "INT64"))
    if type_ == "PORT":
        return _parse_port(raw)
    if type_ == "BOOL":
        if raw == "true":
            return True
        if raw == "false":
            return False
        raise CompileError(f"filter error: unrecognized boolean value {raw}")
    if type_ in _IP_TYPES:
        return _parse_address(raw, type_)
    raise CompileError(f"wrong parameter type {type_}")


_IP_FAMILY = {"IPV4ADDR": "4", "IPV6ADDR": "6", "IPV4NET": "4", "IPV6NET": "6"}


def _parse_address(raw: str, type_: str):
    """An address or network constant; IPADDR and IPNET take the family the text has."""
    family = _IP_FAMILY.get(type_) or ("4" if "." in raw else "6")
    return _parse_net(raw, family) if type_ in _IP_NET_TYPES else _parse_ip(raw, family)


# ---------------------------------------------------------------------------------------
# Compiler warnings (filter.cpp check_value_and_add_warnings)
# ---------------------------------------------------------------------------------------

def _regex_may_be_simple(v: str) -> bool:
    special, occurrence = ".+*?^$()[]{}|\\", "+*?"
    n, i = len(v), 0
    while i < n:
        c = v[i]
        if (i == 0 and c == "^") or (i == n - 1 and c == "$"):
            i += 1
            continue
        if ((i == 0 and n > 1) or i == n - 2) and c == "." and v[i + 1] in occurrence:
            i += 2
            continue
        if c in special:
            return False
        i += 1
    return True


def _looks_like_field(table: FieldTable, text: str) -> bool:
    name, arg = text, None
    if text.endswith("]") and "[" in text:
        name, _, rest = text.partition("[")
        arg = rest[:-1]
    info = table.lookup(name, arg or None)
    return info is not None and "." in name


_NO_C_SPACE = str.maketrans("", "", _C_SPACE)


@functools.lru_cache(maxsize=65536)
def _value_warnings(table: FieldTable, op: str, v: str) -> tuple[str, ...]:
    """The warnings for one constant (the same constants recur in every rule that expands
    the same macro, hence the cache; it holds the tables it has seen, so an id is never
    reused under it)."""
    out = []
    nospaces = v.translate(_NO_C_SPACE)
    if op == "regex" and _regex_may_be_simple(v):
        out.append(f"regex check with '{v}' may be optimized with simpler operators such as "
                   "'=', 'contains', 'startswith', 'endswith'")
    if "." in nospaces and _looks_like_field(table, nospaces):  # a field name has a dot
        out.append(f"'{v}' may be a valid field misused as a const string value")
    if not nospaces.endswith(")"):  # nothing below can match
        return tuple(out)
    for t in _WARN_TRANSFORMERS:
        if (len(nospaces) >= len(t) + 2 and nospaces.startswith(t)
                and nospaces[len(t)] == "(" and nospaces.endswith(")")):
            out.append(f"'{v}' may be a valid field transformer misused as a const string value")
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Values: fields and transformers
# ---------------------------------------------------------------------------------------

class _Value:
    """A compiled field/transformer expression and what the type checks need to know."""

    __slots__ = ("compare", "is_list", "key", "name", "no_rhs", "no_transformer", "node",
                 "type")

    def __init__(self, node, type_: str, is_list: bool, name: str, *, key: str | None = None,
                 no_rhs: bool = False, no_transformer: bool = False, compare=None) -> None:
        self.node = node
        self.type = type_
        self.is_list = is_list
        self.name = name
        self.key = key  # set only for a plain field (no transformer)
        self.no_rhs = no_rhs
        self.no_transformer = no_transformer
        self.compare = compare


def _type_label(type_: str, is_list: bool) -> str:
    return type_ + (" (list)" if is_list else "")


class _Compiler:
    # A nested and/or/not deeper than this becomes a helper function, so that generated
    # Python never exceeds the interpreter's parenthesis nesting limit (200).
    SPLIT_DEPTH = 24

    def __init__(self, table: FieldTable) -> None:
        self.table = table
        self.consts: list = []
        self._const_names: dict = {}
        self.helpers: list[str] = []
        self.fields: set[str] = set()
        self.warnings: list[str] = []
        # Checks of the form `((v := <operand>) is not None and <test>)`, by their code:
        # (operand, test), so that neighbours in an and/or testing the same operand share
        # one extraction (see `_merged`).
        self._guarded: dict[str, tuple[str, str]] = {}

    def guarded(self, operand: str, test: str) -> str:
        """`test` of the extracted value `v` of `operand`, false when it extracts None."""
        code = f"((v := {operand}) is not None and {test})"
        self._guarded[code] = (operand, test)
        return code

    # -- constants ------------------------------------------------------------------

    def const(self, value) -> str:
        """The `_cN` name of a constant; equal scalars (field keys...) share one name.

        Containers and objects are never shared: `frozenset({1}) == frozenset({True})`
        in Python, and a BOOL set must not stand in for a numeric one.
        """
        if type(value) in (str, bytes, int, float, bool):
            key: tuple = (type(value), value)
        else:
            key = (object, id(value))
        name = self._const_names.get(key)
        if name is None:
            name = self._const_names[key] = f"_c{len(self.consts)}"
            self.consts.append(value)
        return name

    # -- values ---------------------------------------------------------------------

    def field(self, ref: A.FieldRef) -> _Value:
        arg = ref.arg or None  # libsinsp treats `f[""]` as `f`
        key = ref.name if arg is None else f"{ref.name}[{arg}]"
        info: FieldInfo | None = self.table.lookup(ref.name, arg)
        if info is None:
            raise _located(CompileError(f"filter_check called with nonexistent field {key}"),
                           ref.pos)
        self.fields.add(key)
        return _Value(rt.FieldValue(key), info.type, info.is_list, info.name, key=key,
                      no_rhs=info.no_rhs, no_transformer=info.no_transformer,
                      compare=info.compare)

    def value(self, node) -> _Value:
        """A field or transformer usable as an operand (LHS, RHS field, output token)."""
        if isinstance(node, A.FieldRef):
            return self.field(node)
        if isinstance(node, A.Transformer):
            if node.name == "val":
                raise CompileError(
                    "filter error: the 'val' transformer can only wrap a right-hand side field")
            if node.name in _MULTI_TRANSFORMERS:
                return self.multi_transformer(node)
            return self.single_transformer(node)
        if isinstance(node, A.Identifier):
            raise CompileError(f"filter error: unexpected identifier '{node.name}'")
        raise CompileError("filter error: expected a field or a field transformer")

    def argument(self, node) -> _Value:
        """A transformer argument: also a literal or a transformer list."""
        if isinstance(node, A.Value):
            return _Value(rt.ConstValue(node.value), "CHARBUF", False, node.value)
        if isinstance(node, (A.ListValue, A.TransformerList)):
            items = ([self.argument(A.Value(v)) for v in node.values]
                     if isinstance(node, A.ListValue)
                     else [self.argument(item) for item in node.items])
            return _Value(rt.ListItems(i.node for i in items), "CHARBUF", True, "INTERNAL")
        return self.value(node)

    def single_transformer(self, node: A.Transformer) -> _Value:
        name = node.name
        if name not in _SINGLE_TRANSFORMERS:
            raise CompileError(f"filter error: unknown transformer '{name}'")
        if node.arg is not None:
            raise CompileError(f"filter error: transformer '{name}' does not support field "
                               "arguments")
        if len(node.args) != 1:
            raise CompileError(f"filter error: transformer '{name}' takes exactly one argument")
        child = self.argument(node.args[0])
        if child.no_transformer:
            raise CompileError(f"field '{child.name}' does not support transformers")
        type_, is_list = child.type, child.is_list
        if name in ("tolower", "toupper", "basename"):
            ok = type_ in STRING_TYPES
        elif name == "b64":
            ok = type_ in ("CHARBUF", "BYTEBUF")
        else:  # len
            ok = is_list or type_ in STRING_TYPES or type_ == "BYTEBUF"
            if ok:
                type_, is_list = "UINT64", False
        if not ok:
            raise CompileError(
                f"can't add field transformer: type '{type_}' is not supported by '{name}' "
                f"transformer applied on {'list ' if is_list else ''}field '{child.name}'")
        return _Value(rt.Transform(name, child.node), type_, is_list, child.name,
                      no_rhs=child.no_rhs)

    def multi_transformer(self, node: A.Transformer) -> _Value:
        name = node.name
        args = [self.argument(a) for a in node.args]
        if name == "join":
            if len(args) != 2:
                raise CompileError("join() requires exactly 2 arguments: separator and list")
            if args[0].is_list:
                raise CompileError(
                    "join() first argument (separator) must be a single value, not a list")
            if not args[1].is_list:
                raise CompileError("join() second argument must be a list")
            result, is_list = rt.Join(args[0].node, args[1].node), False
        elif name == "concat":
            if len(args) < 2:
                raise CompileError("concat() requires at least 2 arguments")
            if any(a.type != "CHARBUF" or a.is_list for a in args):
                raise CompileError("concat() arguments must be strings")
            result, is_list = rt.Concat(a.node for a in args), False
        else:  # getopt
            if len(args) != 2:
                raise CompileError(
                    "getopt() requires exactly 2 arguments: args list and optstring")
            if not args[0].is_list:
                raise CompileError("getopt() first argument must be a list")
            if args[1].is_list:
                raise CompileError(
                    "getopt() second argument (optstring) must be a single value")
            if args[0].type != "CHARBUF" or args[1].type != "CHARBUF":
                raise CompileError("getopt() arguments must be strings")
            if node.arg is not None and len(node.arg) != 1:
                raise CompileError("getopt() field argument must be a single option character")
            from .getopt import Getopt

            result = Getopt(args[0].node, args[1].node, node.arg)
            is_list = node.arg is None
        if name != "getopt" and node.arg is not None:
            raise CompileError(f"transformer '{name}' does not support field arguments")
        return _Value(result, "CHARBUF", is_list, "INTERNAL")

    def operand_code(self, value: _Value) -> str:
        """Python source reading an operand: its value, or None when extraction fails."""
        if value.key is not None:
            return f"e[{self.const(value.key)}]"
        return f"{self.const(value.node)}.raw(e)"

    # -- boolean structure ----------------------------------------------------------

    def expression(self, node, depth: int = 0) -> tuple[str, frozenset | None]:
        """(Python boolean expression, index values) for a condition node."""
        if isinstance(node, (A.And, A.Or, A.Not)) and depth >= self.SPLIT_DEPTH:
            code, index = self.expression(node, 0)
            self.helpers.append(code)
            return f"_h{len(self.helpers) - 1}(e)", index
        if isinstance(node, A.Not):
            child = node.child
            if isinstance(child, A.Not):
                return self.expression(child.child, depth)
            code, _ = self.expression(child, depth + 1)
            return f"(not {code})", None
        if isinstance(node, (A.And, A.Or)):
            parts = [self.expression(c, depth + 1) for c in node.children]
            if not parts:
                raise CompileError("filter error: empty boolean expression")
            if len(parts) == 1:
                return parts[0]
            joiner = " and " if isinstance(node, A.And) else " or "
            code = "(" + joiner.join(self._merged([p for p, _ in parts], joiner)) + ")"
            return code, (_intersect([i for _, i in parts]) if isinstance(node, A.And)
                          else _union([i for _, i in parts]))
        try:
            if isinstance(node, A.UnaryCheck):
                return self.unary(node), None
            if isinstance(node, A.BinaryCheck):
                return self.binary(node)
        except CompileError as e:
            raise _located(e, node.pos) from None
        if isinstance(node, A.Identifier):
            raise CompileError(f"filter error: unexpected identifier '{node.name}'")
        raise CompileError("filter error: expected a check, 'and', 'or' or 'not'")

    def _merged(self, codes: list[str], joiner: str) -> list[str]:
        """`codes` (the operands of one and/or) with each run of neighbours that test the
        same operand made one check that extracts it once: `(v := x) is not None and (a or
        b)` for `((v := x) is not None and a) or ((v := x) is not None and b)`, and likewise
        for `and`. The same truth value (an operand that extracts None makes each check of
        it false), with less code to compile and run."""
        out: list[str] = []
        run: list[str] = []  # tests of the operand of the last check in `out`
        operand = None
        for code in codes:
            guarded = self._guarded.get(code)
            if guarded is not None and guarded[0] == operand:
                run.append(guarded[1])
                inner = joiner.join(f"({test})" for test in run)
                out[-1] = self.guarded(operand, inner if joiner == " and " else f"({inner})")
                continue
            out.append(code)
            operand, run = (guarded[0], [guarded[1]]) if guarded is not None else (None, [])
        return out

    # -- checks ---------------------------------------------------------------------

    def lhs(self, node) -> _Value:
        if not isinstance(node, (A.FieldRef, A.Transformer)):
            raise CompileError("filter error: missing field in left-hand of binary check")
        return self.value(node)

    def unary(self, node: A.UnaryCheck) -> str:
        if node.op != "exists":
            raise CompileError(f"unrecognized filter comparison operator '{node.op}'")
        left = self.lhs(node.left)
        code = self.operand_code(left)
        if left.compare is not None and left.key is not None:
            lhs_values = "v" if left.is_list else "(v,)"
            return (f"((v := {code}) is not None and "
                    f"{self.const(left.compare)}({self.const(node.op)}, {lhs_values}, ()))")
        return f"({code} is not None)"

    def binary(self, node: A.BinaryCheck) -> tuple[str, frozenset | None]:
        op_text = node.op
        op, _, modifier = op_text.partition(" ")
        op = _opname(op)
        if op not in _ALL_OPS or op == "exists" or (modifier and modifier not in _MODIFIERS):
            raise CompileError(f"unrecognized filter comparison operator '{op_text}'")
        left = self.lhs(node.left)
        _check_comparable(op, left.type, left.is_list)
        right = node.right
        if isinstance(right, (A.FieldRef, A.Transformer)):
            return self.field_comparison(node, op, left, right), None
        if isinstance(right, A.Value):
            raw_values = [right.value]
        elif isinstance(right, A.ListValue):
            raw_values = list(right.values)
        elif isinstance(right, A.Identifier):
            raise CompileError(f"filter error: unexpected identifier '{right.name}'")
        else:
            raise CompileError("filter error: expected a value, a list or a field on the "
                               "right-hand side")
        for raw in raw_values:
            self.warnings.extend(_value_warnings(self.table, op, raw))
        type_ = left.type
        values = [_parse_constant(raw, type_, op) for raw in raw_values]
        if left.compare is not None and left.key is not None:
            code = self.operand_code(left)
            lhs_values = "v" if left.is_list else "(v,)"
            return (f"((v := {code}) is not None and {self.const(left.compare)}"
                    f"({self.const(op_text)}, {lhs_values}, {self.const(tuple(values))}))"), None
        code = self.constant_comparison(left, op, modifier, values, raw_values)
        return code, self.index_values(left, op, modifier, values)

    def index_values(self, left: _Value, op: str, modifier: str, values: list):
        index_field = self.table.index_field
        if (index_field is None or left.key != index_field or left.is_list
                or left.compare is not None):
            return None
        if op == "=" and not modifier:
            return frozenset(values[:1])
        if op in ("in", "intersects") or (op == "=" and modifier):
            return frozenset(values)
        return None

    def constant(self, op: str, type_: str, raw: str, value) -> str:
        """The constant a single-value comparison term uses, prepared for `op`."""
        if op in ("glob", "iglob"):
            return self.const(Glob(raw, fold=op == "iglob"))
        if op == "regex":
            return self.const(rt.Regex(raw, _translated(raw)))
        if op == "pmatch":
            return self.const(rt.PathPrefixes([raw]))
        if op == "icontains":
            return self.const(rt.ascii_lower(value))
        if op in _ORDERING and type_ in STRING_TYPES:
            return self.const(rt.to_bytes(value))
        return self.const(value)

    @staticmethod
    def term(op: str, type_: str, c: str) -> str:
        """A comparison of the extracted `v` with one prepared constant `c`."""
        if op in ("=", "in", "intersects"):
            return f"_in_net(v, {c})" if type_ in _IP_NET_TYPES else f"v == {c}"
        if op == "!=":
            return f"(not _in_net(v, {c}))" if type_ in _IP_NET_TYPES else f"v != {c}"
        if op in _ORDERING:
            return f"_bytes(v) {op} {c}" if type_ in STRING_TYPES else f"v {op} {c}"
        if op in ("contains", "bcontains"):
            return f"{c} in v"
        if op == "icontains":
            return f"{c} in _lower(v)"
        if op in ("startswith", "bstartswith"):
            return f"v.startswith({c})"
        if op == "endswith":
            return f"v.endswith({c})"
        return f"{c}.match(v)"  # glob, iglob, regex, pmatch

    def constant_comparison(self, left: _Value, op: str, modifier: str, values: list,
                            raw_values: list[str]) -> str:
        code = self.operand_code(left)
        type_ = left.type
        is_net = type_ in _IP_NET_TYPES
        if left.is_list:
            if is_net:
                helper = "_all_in" if op == "in" else "_any_in"
                return self.guarded(code, f"{helper}(v, {self.const(tuple(values))})")
            members = self.const(frozenset(values))
            if op == "in":
                return self.guarded(code, f"{members}.issuperset(v)")
            return self.guarded(code, f"not {members}.isdisjoint(v)")
        if modifier:
            if not values:
                return "False"
            if type_ in _IP_TYPES and op not in ("=", "!="):
                op = "="
            if op == "=" and modifier == "anyof" and not is_net:
                return f"({code} in {self.const(frozenset(values))})"
            if op == "!=" and modifier == "allof" and not is_net:
                return self.guarded(code, f"v not in {self.const(frozenset(values))}")
            if modifier == "anyof" and op in ("startswith", "bstartswith", "endswith"):
                # One call with a tuple: the same test as a chain of calls, and less code to
                # compile (a rules compile compiles all of it).
                method = "endswith" if op == "endswith" else "startswith"
                return self.guarded(code, f"v.{method}({self.const(tuple(values))})")
            terms = [self.term(op, type_, self.constant(op, type_, raw, value))
                     for raw, value in zip(raw_values, values)]
            if modifier == "anyof":
                combined = "(" + " or ".join(terms) + ")"
            elif modifier == "allof":
                combined = " and ".join(terms)
            else:
                combined = "(" + " + ".join(f"({t})" for t in terms) + ") == 1"
            return self.guarded(code, combined)
        if op in ("in", "intersects"):
            if is_net:
                return self.guarded(code, f"_in_any(v, {self.const(tuple(values))})")
            return f"({code} in {self.const(frozenset(values))})"
        if op == "pmatch":
            return self.guarded(code, f"{self.const(rt.PathPrefixes(raw_values))}.match(v)")
        if not values:
            return "False"
        c = self.constant(op, type_, raw_values[0], values[0])
        if op == "=" and not is_net:
            return f"({code} == {c})"
        return self.guarded(code, self.term(op, type_, c))

    def field_comparison(self, node: A.BinaryCheck, op: str, left: _Value, right_node) -> str:
        if isinstance(right_node, A.Transformer) and right_node.name == "val":
            if right_node.arg is not None:
                raise CompileError(
                    "filter error: transformer 'val' does not support field arguments")
            if len(right_node.args) != 1 or not isinstance(right_node.args[0], A.FieldRef):
                raise CompileError("filter error: expected a field within 'val' transformer")
            right = self.field(right_node.args[0])
        else:
            right = self.value(right_node)
        if op in ("regex", "pmatch"):
            raise CompileError(
                f"operator '{op.upper()}' doesn't support right-hand side fields")
        if left.type in _IP_NET_TYPES:
            raise CompileError("field type 'IPNET' doesn't support right-hand side fields")
        if left.no_rhs:
            raise CompileError(f"field '{left.name}' doesn't support right-hand side fields")
        if right.no_rhs:
            raise CompileError(f"field '{right.name}' can't be used as a right-hand side field")
        if (left.type, left.is_list) != (right.type, right.is_list):
            raise CompileError(
                f"field '{left.name}' has type '{_type_label(left.type, left.is_list)}' while "
                f"the right-hand side field '{right.name}' has incompatible type "
                f"'{_type_label(right.type, right.is_list)}'")
        lhs, rhs = self.operand_code(left), self.operand_code(right)
        bind = f"(v := {lhs}) is not None and (w := {rhs}) is not None"
        if left.compare is not None and left.key is not None:
            lhs_values = "v" if left.is_list else "(v,)"
            rhs_values = "w" if right.is_list else "(w,)"
            return (f"({bind} and {self.const(left.compare)}({self.const(node.op)}, "
                    f"{lhs_values}, {rhs_values}))")
        type_ = left.type
        if left.is_list:
            test = ("_set(w).issuperset(v)" if op == "in"
                    else "not _set(w).isdisjoint(v)")
        elif op in ("=", "in", "intersects"):
            test = "v == w"
        elif op == "!=":
            test = "v != w"
        elif op in _ORDERING:
            test = (f"_bytes(v) {op} _bytes(w)" if type_ in STRING_TYPES else f"v {op} w")
        elif op in ("contains", "bcontains"):
            test = "w in v"
        elif op == "icontains":
            test = "_lower(w) in _lower(v)"
        elif op in ("startswith", "bstartswith"):
            test = "v.startswith(w)"
        elif op == "endswith":
            test = "v.endswith(w)"
        else:  # glob, iglob: the pattern comes from the event
            fold = op == "iglob"
            test = f"_glob(_compile_glob(w, {fold}), v, {fold})"
        return f"({bind} and {test})"


# `translate_re2`, once per pattern in a process: rules repeat their patterns (through
# macros, in exceptions), and translating and checking one costs ~0.2 ms. A pattern that
# does not translate raises each time (lru_cache keeps no exception).
_translated = functools.lru_cache(maxsize=None)(translate_re2)


def _located(error: CompileError, pos) -> CompileError:
    """`error` with `pos` (where in the condition text it happened) unless it has one: the
    innermost node that knows wins, so `--check` can point at the very field."""
    if getattr(error, "pos", None) is None:
        error.pos = pos
    return error


def _intersect(sets: list) -> frozenset | None:
    known = [s for s in sets if s is not None]
    if not known:
        return None
    out = known[0]
    for s in known[1:]:
        out = out & s
    return out


def _union(sets: list) -> frozenset | None:
    if any(s is None for s in sets):
        return None
    return frozenset().union(*sets)  # one pass: folding with `|` is quadratic


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------

def _depth(node) -> int:
    """How deep a condition tree is, measured without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, (A.And, A.Or)):
            stack.extend((child, depth + 1) for child in current.children)
        elif isinstance(current, A.Not):
            stack.append((current.child, depth + 1))
    return deepest


class _RecursionRoom:
    """Temporarily allow the recursion a deep tree needs (macros nest conditions: a
    chain of them can exceed Python's default limit of 1000 frames)."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.saved = 0

    def __enter__(self) -> None:
        import sys

        self.saved = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.saved, self.frames))

    def __exit__(self, *exc) -> None:
        import sys

        sys.setrecursionlimit(self.saved)


def compile_condition(node, table: FieldTable) -> Condition:
    """Compile a macro-free condition AST against a source's field table.

    Raises CompileError with libsinsp's message when the condition does not compile.
    """
    compiler = _Compiler(table)
    try:
        with _RecursionRoom(2 * _depth(node) + 500):
            expr, index = compiler.expression(node)
    except RecursionError:
        raise CompileError("filter error: condition nests too deeply") from None
    return Condition(expr, tuple(compiler.consts), tuple(compiler.helpers),
                     frozenset(compiler.fields), index, compiler.warnings,
                     index_field=table.index_field, required=_required_lists(node, table))


def _required_lists(node, table: FieldTable) -> frozenset:
    """The list fields that must hold at least one value for `node` (compiled) to be true:
    `F intersects (...)` is false when F is missing or empty, so an `and` needs what any of
    its operands needs, an `or` what every one of them needs, a `not` nothing. The rule
    cache uses it to leave unread the rules a call cannot match (`falco.stored`)."""
    if isinstance(node, A.And):
        return frozenset().union(*(_required_lists(c, table) for c in node.children))
    if isinstance(node, A.Or):
        needs = [_required_lists(c, table) for c in node.children]
        return frozenset.intersection(*needs) if needs else frozenset()
    if (isinstance(node, A.BinaryCheck) and node.op == "intersects"
            and isinstance(node.left, A.FieldRef) and node.left.arg is None
            and isinstance(node.right, (A.Value, A.ListValue))):
        info = table.lookup(node.left.name)
        if info is not None and info.is_list and info.compare is None:
            return frozenset({node.left.name})
    return frozenset()


def compile_value(node, table: FieldTable) -> rt.ValueExpr:
    """Compile a field (`FieldRef`) or transformer (`Transformer`) for output rendering."""
    compiler = _Compiler(table)
    try:
        value = compiler.value(node)
    except RecursionError:
        raise CompileError("filter error: expression nests too deeply") from None
    return rt.ValueExpr(value.node, value.type, value.is_list)
