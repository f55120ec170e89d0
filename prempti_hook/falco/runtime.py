"""What compiled conditions call at evaluation time (HOT PATH: imported on every hook call).

`codegen.py` turns each condition into one Python expression over the event `e`; every
constant it needs (field keys, parsed values, glob patterns, value trees...) is passed in
as `_c0, _c1, ...`, and the helpers below are the only other names the expression uses.
This module must stay cheap to import: no `re`, `typing`, `dataclasses`, `enum`, `json`
or `pickle` at module level (`re` is imported the first time a `regex` check runs).

Value model (see `fields.py`): strings are `str`, numbers `int` (DOUBLE: `float`), BOOL
`bool`, BYTEBUF `bytes`, IP addresses packed `bytes` (4 or 16 bytes), list fields tuples.

Strings are compared as Falco compares them, byte by byte: equality, `contains`,
`startswith` and `endswith` are the same on `str` as on their UTF-8 bytes, ordering and
`len()` go through the bytes, and `glob`/`pmatch` match bytes (`?` is one byte, as
glibc's fnmatch in the C locale; that engine is `glob.py`, loaded only by rules with
globs). A raw byte that is not valid UTF-8 is represented in
a `str` the way Python does it for file names (`surrogateescape`: byte 0xff is U+DCFF).
Case folding (`icontains`, `iglob`, `tolower`, `toupper`) is ASCII only, like C's
`tolower` in the C locale: `É` never matches `é`.

One deliberate deviation from Falco: values are NOT cut at a NUL byte. Falco compares C
strings, so `rm -rf /\\0harmless` would only be seen as `rm -rf /` by `contains`; a rule
written against the whole command must see the whole command, so we keep every byte.
(Constants cannot contain NUL: the compiler rejects them, as libsinsp master does.)
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# ---------------------------------------------------------------------------------------
# Bytes, ASCII case folding
# ---------------------------------------------------------------------------------------

def ascii_lower(s: str) -> str:
    """Lower-case A-Z only (C `tolower` in the C locale); other characters are kept.

    Non-ASCII text goes through its UTF-8 bytes, whose `lower()` is ASCII-only; with
    `surrogatepass` the round trip is exact for any str, lone surrogates included.
    """
    if s.isascii():
        return s.lower()
    return s.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def ascii_upper(s: str) -> str:
    """Upper-case a-z only; `ß`, `é`... are kept as they are."""
    if s.isascii():
        return s.upper()
    return s.encode("utf-8", "surrogatepass").upper().decode("utf-8", "surrogatepass")


_LAST_LOWERED: list = [("", "")]


def lower_once(s: str) -> str:
    """`ascii_lower`, remembering the last value: the `icontains` checks of a rule set
    usually test one field value many times (a multi-megabyte command is lowered once).

    The (value, result) pair is swapped in as one tuple, and holding `value` keeps its
    identity from being reused, so the `is` test cannot return another value's result.
    """
    last = _LAST_LOWERED[0]
    if last[0] is s:
        return last[1]
    lowered = ascii_lower(s)
    _LAST_LOWERED[0] = (s, lowered)
    return lowered


def to_bytes(s: str) -> bytes:
    """The bytes a `str` value stands for: UTF-8, with surrogate-escaped raw bytes restored.

    A lone surrogate that is not an escaped byte (JSON can carry `\\ud800`) is kept as its
    3-byte CESU form so that the conversion never fails on hostile input.
    """
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        out = bytearray()
        for ch in s:
            try:
                out += ch.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                out += ch.encode("utf-8", "surrogatepass")
        return bytes(out)


def from_bytes(b: bytes) -> str:
    """The inverse of `to_bytes` for bytes produced by a transformer (b64 of a string)."""
    return b.decode("utf-8", "surrogateescape")


def byte_form(s: str) -> str:
    """`s` as one character per byte (latin-1 view of its UTF-8), for byte-wise matching."""
    return s if s.isascii() else to_bytes(s).decode("latin-1")


def byte_len(s: str) -> int:
    return len(s) if s.isascii() else len(to_bytes(s))


def as_text(value: object) -> str:
    """How a non-string value reads inside join()/concat() (libsinsp renders it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return from_bytes(bytes(value))
    return str(value)


# ---------------------------------------------------------------------------------------
# pmatch: path-prefix search (libsinsp prefix_search.h)
# ---------------------------------------------------------------------------------------

def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c]


class PathPrefixes:
    """The RHS of `pmatch`: true when some path's components are a prefix of the value's.

    A trie keyed by component; a component with `?`, `*` or `[` is an fnmatch pattern
    matched against one component only. A node is (terminal, literal children, glob
    children); a terminal node ends the search (shorter paths subsume longer ones).
    """

    __slots__ = ("paths", "root")

    def __init__(self, paths, root=None) -> None:
        self.paths = tuple(paths)
        self.root = self._build(self.paths) if root is None else root

    @staticmethod
    def _build(paths):
        root: list = [False, {}, []]
        for path in paths:
            node = root
            for comp in _components(path):
                if node[0]:
                    break
                if any(ch in comp for ch in "?*["):
                    for pattern, child in node[2]:
                        if pattern.pattern == comp:
                            node = child
                            break
                    else:
                        from .glob import Glob

                        child = [False, {}, []]
                        node[2].append((Glob(comp), child))
                        node = child
                else:
                    node = node[1].setdefault(comp, [False, {}, []])
            else:
                node[0] = True
                node[1] = {}
                node[2] = []

        def freeze(node):
            return (node[0], {k: freeze(v) for k, v in node[1].items()},
                    tuple((g, freeze(c)) for g, c in node[2]))
        return freeze(root)

    def match(self, value: str) -> bool:
        return _trie_match(self.root, _components(value), 0)

    def __reduce__(self):
        return (PathPrefixes, (self.paths, self.root))

    def __repr__(self) -> str:
        return f"PathPrefixes({list(self.paths)!r})"


def _trie_match(node, comps: list[str], i: int) -> bool:
    terminal, literals, globs = node
    if terminal:
        return True
    if i == len(comps):
        return False
    comp = comps[i]
    child = literals.get(comp)
    if child is not None and _trie_match(child, comps, i + 1):
        return True
    return any(g.match(comp) and _trie_match(c, comps, i + 1) for g, c in globs)


# ---------------------------------------------------------------------------------------
# regex: RE2 POSIX syntax, translated to Python syntax at compile time, compiled lazily
# ---------------------------------------------------------------------------------------

# Python's `re` backtracks where RE2 runs in linear time, so a rule author's pattern can
# take exponential (`(a+)+b`) or quadratic (`(.|\n)*x[^|]*y` over one long line) time on
# hostile input. Each match is given a time limit: the matcher checks for signals as it
# runs, so an interval timer interrupts it, and the check raises EvaluationError, which the
# hook turns into a fail-closed deny naming the rule (never a hang, never an allow). The
# timer counts the process's own CPU time, so a busy machine does not trip it.
REGEX_TIME_LIMIT = 0.5  # seconds of CPU per regex check


class _RegexAlarm(Exception):
    """Raised by the SIGVTALRM handler inside a regex match that ran over its time."""


def _on_alarm(signum, frame):
    raise _RegexAlarm()


def _bounded_fullmatch(compiled, value: str, source: str) -> bool:
    """`compiled.fullmatch(value)`, interrupted after REGEX_TIME_LIMIT seconds.

    Uses `_signal` (the C module behind `signal`, which would import `enum`). Off the main
    thread timers cannot be used, and the match runs unbounded (tests only: the hook is
    single-threaded)."""
    import _signal

    try:
        previous = _signal.signal(_signal.SIGVTALRM, _on_alarm)
    except (ValueError, OSError):
        return compiled.fullmatch(value) is not None
    try:
        _signal.setitimer(_signal.ITIMER_VIRTUAL, REGEX_TIME_LIMIT)
        try:
            return compiled.fullmatch(value) is not None
        finally:
            _signal.setitimer(_signal.ITIMER_VIRTUAL, 0)
    except _RegexAlarm:
        from .errors import EvaluationError

        raise EvaluationError(
            f"regex {source!r} used more than {REGEX_TIME_LIMIT} s of CPU on a "
            f"{len(value)}-character value (Python's regex engine backtracks; simplify the "
            f"pattern, or guard it with a cheaper check)") from None
    finally:
        _signal.signal(_signal.SIGVTALRM, previous)


class Regex:
    """A `regex` constant: `source` is the rule's RE2 text, `pattern` its Python form.

    `match` is an anchored full match, bounded in time (see REGEX_TIME_LIMIT). The Python
    pattern is compiled on first use, so a hook call whose candidate rules have no regex
    never imports `re`.
    """

    __slots__ = ("_compiled", "pattern", "source")

    def __init__(self, source: str, pattern: str) -> None:
        self.source = source
        self.pattern = pattern
        self._compiled = None

    def match(self, value: str) -> bool:
        compiled = self._compiled
        if compiled is None:
            import re

            compiled = self._compiled = re.compile(self.pattern)
        return _bounded_fullmatch(compiled, value, self.source)

    def __reduce__(self):
        return (Regex, (self.source, self.pattern))

    def __repr__(self) -> str:
        return f"Regex({self.source!r})"


# ---------------------------------------------------------------------------------------
# IP networks (values are packed addresses; a network constant is (net, mask, size))
# ---------------------------------------------------------------------------------------

def ip_in_net(addr: bytes, net: tuple[int, int, int]) -> bool:
    """CIDR containment; an address of the other family is never inside."""
    return (len(addr) == net[2]
            and (int.from_bytes(addr, "big") & net[1]) == net[0])


def ip_in_any(addr: bytes, nets) -> bool:
    return any(ip_in_net(addr, n) for n in nets)


def ips_in_nets(addrs, nets) -> bool:
    return all(ip_in_any(a, nets) for a in addrs)


def ips_meet_nets(addrs, nets) -> bool:
    return any(ip_in_any(a, nets) for a in addrs)


# ---------------------------------------------------------------------------------------
# Transformers
# ---------------------------------------------------------------------------------------

def _each(fn: Callable) -> Callable:
    """Apply a one-value transformer to a value or to every element of a list value."""
    def apply(v):
        if type(v) is tuple:
            out = tuple(fn(x) for x in v)
            return None if None in out else out
        return fn(v)
    return apply


def _basename(s: str) -> str:
    return s[s.rfind("/") + 1:]


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def b64_decode(data):
    """libsinsp's decodeWithoutPadding: padding optional, anything else invalid -> None."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    for _ in range(2):
        if text.endswith("="):
            text = text[:-1]
    if len(text) % 4 == 1 or not _B64_ALPHABET.issuperset(text):
        return None
    import binascii

    raw = binascii.a2b_base64(text + "=" * (-len(text) % 4))
    return raw if isinstance(data, bytes) else from_bytes(raw)


def _len(v) -> int:
    if type(v) is tuple:
        return len(v)
    return byte_len(v) if isinstance(v, str) else len(v)


TRANSFORMS: dict[str, Callable] = {
    "tolower": _each(ascii_lower),
    "toupper": _each(ascii_upper),
    "basename": _each(_basename),
    "b64": _each(b64_decode),
    "len": _len,
}


# ---------------------------------------------------------------------------------------
# Value trees: a field, a constant, or transformers over them. `raw(e)` is the value or
# None when extraction (or a transformer) fails.
# ---------------------------------------------------------------------------------------

class FieldValue:
    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def raw(self, e):
        return e[self.key]

    def __reduce__(self):
        return (FieldValue, (self.key,))


class ConstValue:
    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def raw(self, e):
        return self.value

    def __reduce__(self):
        return (ConstValue, (self.value,))


class Transform:
    """A one-value transformer (`tolower`, `toupper`, `b64`, `basename`, `len`)."""

    __slots__ = ("child", "fn", "name")

    def __init__(self, name: str, child) -> None:
        self.name = name
        self.child = child
        self.fn = TRANSFORMS[name]

    def raw(self, e):
        v = self.child.raw(e)
        return None if v is None else self.fn(v)

    def __reduce__(self):
        return (Transform, (self.name, self.child))


class ListItems:
    """A transformer list `(a, "b", tolower(c))`: one flat tuple of strings."""

    __slots__ = ("items",)

    def __init__(self, items) -> None:
        self.items = tuple(items)

    def raw(self, e):
        out: list[str] = []
        for item in self.items:
            v = item.raw(e)
            if v is None:
                return None
            if type(v) is tuple:
                out.extend(as_text(x) for x in v)
            else:
                out.append(as_text(v))
        return tuple(out)

    def __reduce__(self):
        return (ListItems, (self.items,))


def _single(v):
    return v[0] if type(v) is tuple and v else v


class Join:
    __slots__ = ("items", "sep")

    def __init__(self, sep, items) -> None:
        self.sep = sep
        self.items = items

    def raw(self, e):
        sep = self.sep.raw(e)
        if sep is None:
            return None
        items = self.items.raw(e)
        if items is None:
            return None
        return as_text(_single(sep)).join(as_text(x) for x in items)

    def __reduce__(self):
        return (Join, (self.sep, self.items))


class Concat:
    __slots__ = ("items",)

    def __init__(self, items) -> None:
        self.items = tuple(items)

    def raw(self, e):
        out = []
        for item in self.items:
            v = item.raw(e)
            if v is None:
                return None
            out.append(as_text(_single(v)))
        return "".join(out)

    def __reduce__(self):
        return (Concat, (self.items,))


class ValueExpr:
    """A compiled field or transformer expression, as used by output formats.

    `extract(event)` returns the list of values (one element unless `is_list`), or None
    when the field cannot be extracted. `type` is the libsinsp type name of the result.
    """

    __slots__ = ("is_list", "root", "type")

    def __init__(self, root, type: str, is_list: bool) -> None:
        self.root = root
        self.type = type
        self.is_list = is_list

    def extract(self, event: Mapping) -> list | None:
        v = self.root.raw(event)
        if v is None:
            return None
        return list(v) if self.is_list else [v]

    def __reduce__(self):
        return (ValueExpr, (self.root, self.type, self.is_list))

    def __repr__(self) -> str:
        return f"ValueExpr({self.type}{' list' if self.is_list else ''})"


# ---------------------------------------------------------------------------------------
# Compiled conditions
# ---------------------------------------------------------------------------------------

def _glob_match(segments, value: str, fold: bool) -> bool:
    from .glob import glob_match

    return glob_match(segments, value, fold)


def _compile_glob(pattern: str, fold: bool):
    from .glob import compile_glob

    return compile_glob(pattern, fold)


# Every name a generated expression may use besides `e`, `v`, `w` and its `_cN` constants.
# (`_glob`/`_compile_glob` serve `glob` against another field, known only at evaluation;
# they load the fnmatch engine, `glob.py`, on first use.)
RUNTIME_GLOBALS: dict[str, object] = {
    "__builtins__": {},
    "_lower": lower_once,
    "_bytes": to_bytes,
    "_glob": _glob_match,
    "_compile_glob": _compile_glob,
    "_in_net": ip_in_net,
    "_in_any": ip_in_any,
    "_all_in": ips_in_nets,
    "_any_in": ips_meet_nets,
    "_set": frozenset,
}


PYTHON_TAG = (sys.implementation.name, sys.hexversion)
