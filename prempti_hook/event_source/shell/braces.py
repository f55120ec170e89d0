"""Brace expansion: `a{b,c}d` -> `abd acd`, `{1..3}`, `{a..e..2}`, over the unquoted
characters of a word, bounded (MAX_FIELDS words, the expansion budget).

Loaded by the expander only for a word with an unquoted `{`.
"""

from __future__ import annotations

from .analysis import MAX_FIELDS, R_TOO_COMPLEX
from .nodes import Literal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import Context


def brace_expand(word: list, ctx: Context) -> list[list]:
    """Bash brace expansion (`a{b,c}d`, `{1..3}`) over the unquoted characters of a word."""
    tokens: list = []
    for part in word:
        if isinstance(part, Literal):
            tokens.extend(part.text)
        else:
            tokens.append(part)
    if "," not in tokens and ".." not in "".join(t for t in tokens if isinstance(t, str)):
        return [word]
    words = []
    for toks in _brace_tokens(tokens, ctx):
        parts: list = []
        buf: list[str] = []
        for token in toks:
            if isinstance(token, str):
                buf.append(token)
            else:
                if buf:
                    parts.append(Literal("".join(buf)))
                    buf = []
                parts.append(token)
        if buf:
            parts.append(Literal("".join(buf)))
        words.append(parts)
    return words


def _brace_tokens(tokens: list, ctx: Context) -> list[list]:
    index = 0
    size = len(tokens)
    while index < size:
        if tokens[index] != "{":
            index += 1
            continue
        depth, commas, close = 0, [], -1
        for j in range(index, size):
            token = tokens[j]
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    close = j
                    break
            elif token == "," and depth == 1:
                commas.append(j)
        if close < 0:
            index += 1
            continue
        if commas:
            bounds = [index, *commas, close]
            alternatives = [tokens[bounds[k] + 1:bounds[k + 1]] for k in range(len(bounds) - 1)]
        else:
            alternatives = _sequence(tokens[index + 1:close])
            if alternatives is None:
                index += 1
                continue
        prefix, suffix = tokens[:index], tokens[close + 1:]
        out: list[list] = []
        ctx.enter()
        for alternative in alternatives:
            ctx.grow(len(prefix) + len(alternative) + len(suffix))
            for result in _brace_tokens(prefix + alternative + suffix, ctx):
                out.append(result)
                if len(out) >= MAX_FIELDS:
                    ctx.reason(R_TOO_COMPLEX)
                    ctx.leave()
                    return out
        ctx.leave()
        return out
    return [tokens]


def _sequence(tokens: list) -> list[list] | None:
    """`1..5`, `a..e`, `01..10..2` -> the values as token lists; None if not a sequence."""
    if not all(isinstance(t, str) for t in tokens):
        return None
    pieces = "".join(tokens).split("..")
    if len(pieces) not in (2, 3):
        return None
    step = 1
    if len(pieces) == 3:
        if not _is_int(pieces[2]):
            return None
        step = abs(int(pieces[2])) or 1
    start, end = pieces[0], pieces[1]
    if _is_int(start) and _is_int(end):
        low, high = int(start), int(end)
        width = max(len(start), len(end)) if (start.lstrip("-").startswith("0")
                                               or end.lstrip("-").startswith("0")) else 0
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [list(str(v).zfill(width)) for v in values[:MAX_FIELDS]]
    if len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        low, high = ord(start), ord(end)
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [[chr(v)] for v in values[:MAX_FIELDS]]
    return None


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return 0 < len(digits) < 10 and digits.isdigit() and digits.isascii()
