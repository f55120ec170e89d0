"""The text-level rules of bash words that several stages need: character classes and valid
names, assignment words (`NAME=value`), ANSI-C strings (`$'...'`), the reserved words that
declare variables, the file operators of `test`/`[[ ]]`, and patterns: pathname-pattern
matching (`*`, `?`, `[...]`, `\\x`; the parameter operators built on it, `${v#p}`,
`${v/p/r}`, are in `parameters`).

Pure functions of strings, kept apart so that the parser, the expander and the program
handlers can use them without importing one another.
"""

from __future__ import annotations

from .analysis import name_set
from .nodes import Assignment, Literal

# --- names and assignment words ---------------------------------------------------------

NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
NAME_CHARS = NAME_START | frozenset("0123456789")
DIGITS = frozenset("0123456789")
# Builtins whose arguments are assignments (`export K=~/x`: `~` expands, no word splitting).
DECLARATION_BUILTINS = frozenset({"export", "declare", "typeset", "local", "readonly"})
# The operators of `test`, `[` and `[[ ]]` whose operands are files.
FILE_TESTS = name_set("-a -b -c -d -e -f -g -h -k -p -r -s -u -w -x -G -L -N -O -S -nt -ot "
                      "-ef")
# The operators of `[[ ]]` whose operands are arithmetic expressions.
ARITH_TESTS = name_set("-eq -ne -lt -le -gt -ge")


def is_name(text: str) -> bool:
    return bool(text) and text[0] in NAME_START and all(c in NAME_CHARS for c in text)


def plain_word(word: list) -> str | None:
    """The text of a word that is a single unquoted literal (a possible reserved word)."""
    if len(word) == 1:
        part = word[0]
        if isinstance(part, Literal):
            return part.text
    return None


def split_assignment(word: list) -> Assignment | None:
    """The assignment a word is (`NAME=value`, `NAME+=value`, `NAME[i]=v`), else None."""
    if not word:
        return None
    first = word[0]
    if not isinstance(first, Literal):
        return None
    text = first.text
    eq = text.find("=")
    if eq <= 0:
        return None
    name = text[:eq]
    append = name.endswith("+")
    if append:
        name = name[:-1]
    bracket = name.find("[")
    subscript = None
    base = name
    if bracket > 0 and name.endswith("]"):
        base, subscript = name[:bracket], name[bracket + 1:-1]
    if not is_name(base):
        return None
    value = [Literal(text[eq + 1:])] if eq + 1 < len(text) else []
    value.extend(word[1:])
    return Assignment(base, append, value, None, subscript)


# --- ANSI-C strings ($'...') ------------------------------------------------------------

_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b",
                "E": "\x1b", "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def ansi_c(s: str, i: int, end_char: str = "'") -> tuple[str, int]:
    """Decode a `$'...'` string starting after the quote: (text, index after the end).

    Bash stops the string at a decoded NUL, so the rest is dropped the same way.
    """
    out = []
    n = len(s)
    truncated = False
    while i < n:
        c = s[i]
        if c == end_char:
            break
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = s[i + 1]
        i += 2
        if e in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[e])
        elif e in "01234567":
            j = i - 1
            k = j
            while k < n and k < j + 3 and s[k] in "01234567":
                k += 1
            out.append(chr(int(s[j:k], 8) & 0xFF))
            i = k
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            k = i
            while k < n and k < i + width and s[k] in HEX_DIGITS:
                k += 1
            if k == i:
                out.append("\\" + e)
            else:
                code = int(s[i:k], 16)
                out.append(chr(code) if code <= 0x10FFFF else "\ufffd")
                i = k
        elif e == "c" and i < n:
            out.append(chr(ord(s[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + e)
        if out and "\x00" in out[-1]:
            out[-1] = out[-1].split("\x00", 1)[0]
            truncated = True
            break
    if truncated:
        while i < n and s[i] != end_char:
            i += 1 if s[i] != "\\" else 2
    return "".join(out), i + 1


# --- patterns: `*`, `?`, `[...]` --------------------------------------------------------

GLOB_CHARS = frozenset("*?[")


def glob_escape(text: str) -> str:
    if not any(c in text for c in "*?[\\"):
        return text
    return "".join("\\" + c if c in "*?[\\" else c for c in text)


def has_glob(pattern: str) -> bool:
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in GLOB_CHARS:
            return True
    return False


def glob_unescape(pattern: str) -> str:
    if "\\" not in pattern:
        return pattern
    out = []
    escaped = False
    for char in pattern:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def _class_match(pattern: str, p: int, char: str) -> tuple[bool, int]:
    """Match `char` against the bracket expression at `pattern[p]` (`[`).

    Returns (matched, index after `]`), or (False, -1) when the `[` opens no expression
    (then it is a literal character, as in bash).
    """
    q = p + 1
    size = len(pattern)
    negate = q < size and pattern[q] in "!^"
    if negate:
        q += 1
    matched = False
    first = True
    while q < size:
        c = pattern[q]
        if c == "]" and not first:
            return matched != negate, q + 1
        first = False
        if c == "[" and q + 1 < size and pattern[q + 1] == ":":
            end = pattern.find(":]", q + 2)
            if end > 0:
                name = pattern[q + 2:end]
                matched = matched or _char_class(name, char)
                q = end + 2
                continue
        if c == "\\" and q + 1 < size:
            q += 1
            c = pattern[q]
        if q + 2 < size and pattern[q + 1] == "-" and pattern[q + 2] != "]":
            high = pattern[q + 2]
            if high == "\\" and q + 3 < size:
                high = pattern[q + 3]
                q += 1
            matched = matched or c <= char <= high
            q += 3
        else:
            matched = matched or c == char
            q += 1
    return False, -1


def _char_class(name: str, char: str) -> bool:
    tests = {"alpha": str.isalpha, "digit": str.isdigit, "alnum": str.isalnum,
             "upper": str.isupper, "lower": str.islower, "space": str.isspace,
             "xdigit": lambda c: c in HEX_DIGITS, "punct": lambda c: c.isprintable()
             and not c.isalnum() and not c.isspace(), "blank": lambda c: c in " \t"}
    test = tests.get(name)
    return bool(test and test(char))


def glob_match(pattern: str, name: str) -> bool:
    """Bash pathname-pattern match (`*`, `?`, `[...]`, `\\x`) of one name; no `/` logic."""
    p = n = 0
    star_p, star_n = -1, 0
    psize, nsize = len(pattern), len(name)
    while n < nsize:
        if p < psize:
            c = pattern[p]
            if c == "*":
                star_p, star_n = p, n
                p += 1
                continue
            if c == "?":
                p += 1
                n += 1
                continue
            if c == "[":
                matched, end = _class_match(pattern, p, name[n])
                if end > 0:
                    if matched:
                        p, n = end, n + 1
                        continue
                elif name[n] == "[":
                    p += 1
                    n += 1
                    continue
            elif c == "\\" and p + 1 < psize:
                if pattern[p + 1] == name[n]:
                    p += 2
                    n += 1
                    continue
            elif c == name[n]:
                p += 1
                n += 1
                continue
        if star_p < 0:
            return False
        star_n += 1
        p, n = star_p + 1, star_n
    while p < psize and pattern[p] == "*":
        p += 1
    return p == psize
