"""RE2 in POSIX mode, translated to Python `re` syntax (cold path: compiling rules).

Falco's `regex` operator runs Google RE2 with `RE2::POSIX` options; the hook has only
Python's `re`. `translate_re2(pattern)` reads the pattern the way RE2's parser does, with
RE2's error messages for what it rejects, and writes the equivalent `re` source for a full
match. Only the translation happens here: the check itself (`runtime.Regex`, with its
CPU-time bound) runs on the hot path and never imports this module.
"""

from __future__ import annotations

from .errors import CompileError

__all__ = ["translate_re2"]

_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"

_RE2_POSIX_CLASSES = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),),
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0x5F, 0x5F)),
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_RUNE_MAX = 0x10FFFF
_RE2_MAX_REPEAT = 1000


class _RegexSyntaxError(Exception):
    """RE2's error text (`code: argument`), turned into `invalid regex pattern: ...`."""


def _py_char(code: int) -> str:
    if code < 0x80 and chr(code).isalnum():
        return chr(code)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class _Re2Translator:
    """A recursive-descent reading of RE2's parser with RE2::POSIX options.

    POSIX mode means: no Perl classes (`\\d`), no `\\b`, no `(?` flags or groups, no
    non-greedy operators (`a*?` is `(a*)?`), no `\\pN`; `^`/`$` match at line breaks
    (one_line is off); `.` is any character but newline. Errors carry RE2's messages.
    Each method returns (python_source, max_counted_repetition_product).
    """

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        # Python source -> the code point ranges it matches, for every source that matches
        # exactly one character (a literal, `.`, a class): see `alternation`.
        self.singles: dict[str, list[tuple[int, int]]] = {}

    def single(self, source: str, ranges: list[tuple[int, int]]) -> str:
        self.singles[source] = ranges
        return source

    def fail(self, what: str, arg: str | None = None):
        raise _RegexSyntaxError(what if not arg else f"{what}: {arg}")

    def translate(self) -> str:
        body, _ = self.alternation()
        if self.i < len(self.s):  # only a `)` stops an alternation early
            self.fail("unexpected )", self.s)
        return "(?m)" + body

    def alternation(self) -> tuple[str, int]:
        """Alternatives that each match one character (`(.|\\n)`, `(a|[0-9])`) become one
        character class: Python's engine keeps backtracking state for every repetition of
        an alternation (`(?:.|\\n)*` over a 1 MB value costs 130 MB and 70 ms), never for a
        class (0 and 3 ms)."""
        parts = [self.concatenation()]
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            parts.append(self.concatenation())
        if len(parts) > 1 and all(p in self.singles for p, _ in parts):
            ranges = _merge_ranges(r for p, _ in parts for r in self.singles[p])
            return self.single(_class_source(ranges), ranges), 1
        return "|".join(p for p, _ in parts), max(m for _, m in parts)

    def concatenation(self) -> tuple[str, int]:
        pieces: list[tuple[str, int]] = []
        s = self.s
        while self.i < len(s) and s[self.i] not in "|)":
            c = s[self.i]
            if c in "*+?":
                if not pieces:
                    self.fail("no argument for repetition operator", c)
                self.i += 1
                body, mult = pieces.pop()
                pieces.append((f"(?:{body}){c}", mult))
                continue
            if c == "{":
                repeat = self.counted_repetition()
                if repeat is not None:
                    opstr, lo, hi = repeat
                    if not pieces:
                        self.fail("no argument for repetition operator", opstr)
                    if (hi != -1 and hi < lo) or lo > _RE2_MAX_REPEAT or hi > _RE2_MAX_REPEAT:
                        self.fail("invalid repetition size", opstr)
                    body, mult = pieces.pop()
                    factor = hi if hi != -1 else lo
                    if factor > 0:
                        mult *= factor
                    if mult > _RE2_MAX_REPEAT:
                        self.fail("invalid repetition size", opstr)
                    bound = f"{{{lo}}}" if lo == hi else f"{{{lo},{'' if hi == -1 else hi}}}"
                    pieces.append((f"(?:{body}){bound}", mult))
                    continue
                self.i += 1
                pieces.append((_py_char(ord("{")), 1))
                continue
            pieces.append(self.atom())
        return "".join(p for p, _ in pieces), max((m for _, m in pieces), default=1)

    def counted_repetition(self):
        """`{n}`, `{n,}` or `{n,m}` at the cursor (consumed), else None (a literal `{`)."""
        s, start = self.s, self.i
        j = start + 1

        def integer(k):
            m = k
            while m < len(s) and s[m] in "0123456789":
                m += 1
            if m == k or (m - k > 1 and s[k] == "0") or m - k > 9:
                return None, k
            return int(s[k:m]), m

        lo, j = integer(j)
        if lo is None or j >= len(s):
            return None
        if s[j] == ",":
            j += 1
            if j >= len(s):
                return None
            if s[j] == "}":
                hi = -1
            else:
                hi, j = integer(j)
                if hi is None:
                    return None
        else:
            hi = lo
        if j >= len(s) or s[j] != "}":
            return None
        self.i = j + 1
        return s[start:self.i], lo, hi

    def atom(self) -> tuple[str, int]:
        s = self.s
        c = s[self.i]
        if c == "(":
            self.i += 1
            body, mult = self.alternation()
            if self.i >= len(s):
                self.fail("missing )", s)
            self.i += 1
            if body in self.singles:
                return body, mult
            return f"(?:{body})", mult
        if c == "[":
            return self.char_class(), 1
        if c == ".":
            self.i += 1
            return self.single(".", _DOT_RANGES), 1
        if c in "^$":
            self.i += 1
            return c, 1
        if c == "\\":
            code = self.escape()
            return self.single(_py_char(code), [(code, code)]), 1
        self.i += 1
        code = self.rune(c)
        return self.single(_py_char(code), [(code, code)]), 1

    def rune(self, c: str) -> int:
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            self.fail("invalid UTF-8")
        return code

    def escape(self) -> int:
        """ParseEscape: the cursor is on a backslash; returns the code point."""
        s, begin = self.s, self.i
        if self.i + 1 >= len(s):
            self.fail("trailing \\")
        self.i += 1
        c = s[self.i]
        self.i += 1

        def bad():
            self.fail("invalid escape sequence", s[begin:self.i])

        if c in "1234567" and not (self.i < len(s) and s[self.i] in _OCTAL):
            bad()  # a backreference, which RE2 does not support
        if c in _OCTAL:
            code = int(c)
            for _ in range(2):
                if self.i < len(s) and s[self.i] in _OCTAL:
                    code = code * 8 + int(s[self.i])
                    self.i += 1
            return code
        if c == "x":
            if self.i >= len(s):
                bad()
            c = s[self.i]
            self.i += 1
            if c == "{":
                code, digits = 0, 0
                while True:
                    if self.i >= len(s):
                        bad()
                    c = s[self.i]
                    self.i += 1
                    if c not in _HEX:
                        break
                    digits += 1
                    code = code * 16 + int(c, 16)
                    if code > _RUNE_MAX:
                        bad()
                if c != "}" or digits == 0:
                    bad()
                return code
            if self.i >= len(s):
                bad()
            c1 = s[self.i]
            self.i += 1
            if c not in _HEX or c1 not in _HEX:
                bad()
            return int(c + c1, 16)
        simple = {"n": 10, "r": 13, "t": 9, "a": 7, "f": 12, "v": 11}
        if c in simple:
            return simple[c]
        if ord(c) < 0x80 and not c.isalnum():
            return ord(c)
        bad()
        return 0  # unreachable

    def class_char(self, whole_start: int) -> int:
        s = self.s
        if self.i >= len(s):
            self.fail("missing ]", s[whole_start:])
        if s[self.i] == "\\":
            return self.escape()
        c = s[self.i]
        self.i += 1
        return self.rune(c)

    def char_class(self) -> str:
        s, start = self.s, self.i
        self.i += 1
        negated = False
        if self.i < len(s) and s[self.i] == "^":
            negated = True
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while self.i < len(s) and (s[self.i] != "]" or first):
            if s[self.i] == "-" and not first and (self.i + 1 == len(s)
                                                  or s[self.i + 1] != "]"):
                if self.i + 1 == len(s):
                    self.fail("invalid UTF-8")
                self.fail("invalid character class range", s[self.i:self.i + 2])
            first = False
            if s.startswith("[:", self.i):
                end = s.find(":]", self.i + 2)
                if end >= 0:
                    name = s[self.i:end + 2]
                    inner = name[2:-2]
                    negate_group = inner.startswith("^")
                    group = _RE2_POSIX_CLASSES.get(inner[1:] if negate_group else inner)
                    if group is None:
                        self.fail("invalid character class range", name)
                    ranges.extend(_complement(group) if negate_group else group)
                    self.i = end + 2
                    continue
            range_start = self.i
            lo = self.class_char(start)
            hi = lo
            if self.i + 1 < len(s) and s[self.i] == "-" and s[self.i + 1] != "]":
                self.i += 1
                hi = self.class_char(start)
                if hi < lo:
                    self.fail("invalid character class range", s[range_start:self.i])
            ranges.append((lo, hi))
        if self.i >= len(s):
            self.fail("missing ]", s[start:])
        self.i += 1
        if not ranges:
            return "[^\\x00-\\U0010ffff]" if not negated else "[\\x00-\\U0010ffff]"
        items = "".join(_py_char(lo) if lo == hi else f"{_py_char(lo)}-{_py_char(hi)}"
                        for lo, hi in ranges)
        source = f"[{'^' if negated else ''}{items}]"
        return self.single(source, _complement(ranges) if negated else _merge_ranges(ranges))


def _merge_ranges(ranges) -> list[tuple[int, int]]:
    """Sorted, merged code point ranges."""
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _class_source(ranges: list[tuple[int, int]]) -> str:
    """A class matching `ranges`, written small: `re` compiles a class reaching U+10FFFF
    into a charset of that size (milliseconds per pattern), but not its complement."""
    if ranges == [(0, _RUNE_MAX)]:
        return "(?s:.)"
    negated = bool(ranges) and ranges[-1][1] == _RUNE_MAX
    items = "".join(_py_char(lo) if lo == hi else f"{_py_char(lo)}-{_py_char(hi)}"
                    for lo, hi in (_complement(ranges) if negated else ranges))
    return f"[{'^' if negated else ''}{items}]"


_DOT_RANGES = [(0, 9), (11, 0x10FFFF)]  # RE2's `.`: anything but newline


def _complement(ranges) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in sorted(ranges):
        if nxt < lo:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _RUNE_MAX:
        out.append((nxt, _RUNE_MAX))
    return out


def translate_re2(pattern: str) -> str:
    """Python `re` source equivalent to the RE2 POSIX `pattern` for full matches.

    Raises CompileError(`invalid regex pattern: <RE2 error>`) for what RE2 rejects.
    """
    try:
        python = _Re2Translator(pattern).translate()
    except _RegexSyntaxError as exc:
        raise CompileError(f"invalid regex pattern: {exc}") from None
    except RecursionError:
        raise CompileError("invalid regex pattern: expression nests too deeply") from None
    import re

    try:
        re.compile(python)
    except (re.error, RecursionError, OverflowError) as exc:  # defence in depth
        raise CompileError(f"invalid regex pattern: {exc}") from None
    return python
