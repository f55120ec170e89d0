"""Parameter operators: `${name:-default}`, `${name#pattern}`, `${name/pattern/r}`,
`${name^^}`, `${name:offset:length}`, `${name@E}`... over each alternative value of a
variable, with the pattern operators they are built on.

Loaded by the expander only for a parameter written with an operator: most commands have
none.
"""

from __future__ import annotations

from .analysis import COMPUTED, MAX_ALTS, UNSET, has_marker
from .expand import PLAIN
from .syntax import GLOB_CHARS, ansi_c, glob_match

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import State
    from .expand import Expander
    from .nodes import Parameter


def param_op(ex: Expander, part: Parameter, values: list, st: State) -> list[str]:
    """`${name op arg}` over each alternative value of `name`."""
    op, arg = part.op, part.arg
    out: list[str] = []
    for value in values:
        unset = value == UNSET
        empty = unset or value == ""
        if op in (":-", "-", ":=", "="):
            use_default = empty if op[0] == ":" else unset
            if use_default:
                out.extend(_word_text(ex, arg, st))
            else:
                out.append(value)
        elif op in (":+", "+"):
            use_alt = not empty if op[0] == ":" else not unset
            out.extend(_word_text(ex, arg, st) if use_alt else [""])
        elif op in (":?", "?"):
            out.append(value)
        elif op in ("#", "##", "%", "%%"):
            patterns = _word_text(ex, arg, st)
            for pattern in patterns:
                out.append(strip_pattern(value, pattern, op))
        elif op[0] == "/":
            for pattern in _word_text(ex, arg, st):
                for replacement in _word_text(ex, part.replacement, st):
                    ex.ctx.grow(_substituted_size(value, pattern, replacement))
                    out.append(substitute(value, pattern, replacement, op))
        elif op in ("^^", ",,", "^", ","):
            ex.ctx.grow(len(value))
            out.append(_case_converted(op, value))
        elif op == ":":
            spec = _word_text(ex, arg, st)[0]
            for piece in spec.split(":"):
                ex.arith_text(piece.strip(), st)
            out.append(_substring(value, spec))
        elif op == "@":
            transform = (_word_text(ex, arg, st) or [""])[0]
            out.append(_transformed(ex, transform, value, st))
        else:
            out.append(COMPUTED)
    return out[:MAX_ALTS] or [""]


def _transformed(ex: Expander, transform: str, value: str, st: State) -> str:
    """`${name@E}`, `${name@U}`, `${name@L}`, `${name@P}`..."""
    ex.ctx.grow(len(value))
    if transform == "P":
        ex.expand_text(value, st)  # prompt expansion runs $(...)
    if transform == "E" and not has_marker(value):
        return ansi_c(value, 0, end_char="\x00")[0]
    if transform == "U":
        return value.upper()
    if transform == "L":
        return value.lower()
    return value


def _word_text(ex: Expander, parts: list | None, st: State) -> list[str]:
    """Alternatives of an operator's argument word (no splitting, no globbing)."""
    if not parts:
        return [""]
    return [" ".join(alt) for alt in ex.expand(parts, st, PLAIN)] or [""]


def strip_pattern(value: str, pattern: str, op: str) -> str:
    """`${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`."""
    if has_marker(pattern):
        return COMPUTED
    if has_marker(value):
        return value
    if len(value) > 512:
        return COMPUTED
    size = len(value)
    if op == "#":
        order = range(size + 1)
    elif op == "##" or op == "%":
        order = range(size, -1, -1)
    else:
        order = range(size + 1)
    for k in order:
        if op[0] == "#" and glob_match(pattern, value[:k]):
            return value[k:]
        if op[0] == "%" and glob_match(pattern, value[k:]):
            return value[:k]
    return value


def substitute(value: str, pattern: str, replacement: str, op: str) -> str:
    """`${v/p/r}`, `${v//p/r}`, `${v/#p/r}`, `${v/%p/r}`."""
    if has_marker(pattern) or (has_marker(replacement) and not pattern):
        return COMPUTED
    if not pattern:
        return value
    literal = not any(c in GLOB_CHARS or c == "\\" for c in pattern)
    if literal and op in ("/#", "/%"):
        if op == "/#":
            return replacement + value[len(pattern):] if value.startswith(pattern) else value
        return value[:-len(pattern)] + replacement if value.endswith(pattern) else value
    if not literal and (has_marker(value) or len(value) > 256):
        return COMPUTED  # matching a pattern at every position is quadratic
    if op == "/#":
        for k in range(len(value), -1, -1):
            if glob_match(pattern, value[:k]):
                return replacement + value[k:]
        return value
    if op == "/%":
        for k in range(len(value) + 1):
            if glob_match(pattern, value[k:]):
                return value[:k] + replacement
        return value
    if literal:
        return value.replace(pattern, replacement, -1 if op == "//" else 1)
    out = []
    index = 0
    size = len(value)
    while index <= size:
        match_end = -1
        for end in range(size, index, -1):
            if glob_match(pattern, value[index:end]):
                match_end = end
                break
        if match_end < 0:
            if index < size:
                out.append(value[index])
            index += 1
            continue
        out.append(replacement)
        index = match_end
        if op != "//":
            out.append(value[index:])
            return "".join(out)
    return "".join(out)


def _case_converted(op: str, value: str) -> str:
    """`${v^^}`, `${v,,}`, `${v^}`, `${v,}`."""
    if has_marker(value):
        return value
    if op == "^^":
        return value.upper()
    if op == ",,":
        return value.lower()
    if op == "^":
        return value[:1].upper() + value[1:]
    return value[:1].lower() + value[1:]


def _substituted_size(value: str, pattern: str, replacement: str) -> int:
    """An upper bound of the length of `${value/pattern/replacement}` (any `/` operator),
    computed without building it."""
    if not pattern:
        return len(value)
    if any(c in GLOB_CHARS or c == "\\" for c in pattern):
        # glob patterns are matched only against short values (see syntax.substitute)
        return len(value) * max(1, len(replacement)) if len(value) <= 256 else 1
    return len(value) + value.count(pattern) * max(0, len(replacement) - len(pattern))


def _substring(value: str, spec: str) -> str:
    """`${v:offset}` and `${v:offset:length}` with literal integers."""
    if has_marker(value) or has_marker(spec):
        return COMPUTED
    pieces = spec.split(":")
    try:
        offset = int(pieces[0].strip() or "0")
        length = int(pieces[1].strip()) if len(pieces) > 1 else None
    except ValueError:
        return COMPUTED
    if offset < 0:
        offset = max(0, len(value) + offset)
    if length is None:
        return value[offset:]
    if length < 0:
        return value[offset:len(value) + length]
    return value[offset:offset + length]
