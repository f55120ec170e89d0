"""`glob` and `iglob`: glibc's fnmatch(pattern, value, 0 or FNM_CASEFOLD) in the C locale.

Loaded the first time a rule's glob is built or checked (a `glob`/`iglob` constant, a
`pmatch` path with a wildcard, or a glob against another field): rules without globs never
import it. Values are matched as bytes would be (`?` is one byte, see `runtime.byte_form`),
and `iglob` folds ASCII case only, as `tolower` does in the C locale.
"""

from __future__ import annotations

from .runtime import ascii_lower, byte_form

__all__ = ["Glob", "compile_glob", "glob_match"]

# A compiled pattern is a tuple of segments (the parts between `*`s). A segment is a str
# when it is all literal characters, else a tuple of items: a 1-char str (literal),
# None (`?`), or a bracket (negated: bool, chars: frozenset, ranges: tuple of (lo, hi)).
# Every item matches exactly one character, which is what makes the leftmost placement
# of the middle segments correct (no backtracking needed).

_CCLASS = {
    "alnum": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "alpha": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "blank": " \t",
    "cntrl": "".join(map(chr, range(32))) + "\x7f",
    "digit": "0123456789",
    "graph": "".join(map(chr, range(33, 127))),
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "print": "".join(map(chr, range(32, 127))),
    "punct": "".join(c for c in map(chr, range(33, 127)) if not c.isalnum()),
    "space": " \t\n\r\x0b\x0c",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "xdigit": "0123456789ABCDEFabcdef",
}


_IRREGULAR = "irregular"


def _bracket_end(p: str, i: int, fold: bool):
    """Parse a well-formed bracket expression starting just after its `[`.

    Returns (item, index after `]`), or (_IRREGULAR, 0) for anything glibc treats in a
    way that depends on the character being matched (unterminated brackets, malformed
    `[:`, `[=` or `[.` constructs, collating symbols in ranges...): those patterns are
    matched by `_fnmatch_slow` instead.
    """
    n = len(p)
    negated = False
    if i < n and p[i] in "!^":
        negated = True
        i += 1
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    first = True
    while True:
        if i >= n:
            return _IRREGULAR, 0
        c = p[i]
        if c == "]" and not first:
            return (negated, frozenset(chars), tuple(ranges)), i + 1
        first = False
        if c == "[" and i + 1 < n and p[i + 1] == ":":
            j = i + 2
            while j < n and "a" <= p[j] < "z":
                j += 1
            name = p[i + 2:j]
            members = _CCLASS.get(name)
            if members is None or not p.startswith(":]", j) or (fold and name in
                                                                ("upper", "lower")):
                # glibc tests a class against the unfolded character, so under iglob
                # [:upper:] is not [:alpha:]: the slow path keeps the raw character
                return _IRREGULAR, 0
            chars.update(members)
            i = j + 2
            continue
        if c == "[" and i + 1 < n and p[i + 1] in "=.":
            kind = p[i + 1]
            if not p.startswith(kind + "]", i + 3) or (fold and p[i + 2].isascii()
                                                        and p[i + 2].isalpha()):
                return _IRREGULAR, 0
            if p.startswith("-", i + 5) and kind == ".":
                return _IRREGULAR, 0
            chars.add(p[i + 2])
            i += 5
            continue
        if c == "\\":
            if i + 1 >= n:
                return _IRREGULAR, 0
            i += 1
            c = p[i]
        lo = ascii_lower(c) if fold else c
        i += 1
        if i + 1 < n and p[i] == "-" and p[i + 1] != "]":
            hi = p[i + 1]
            i += 2
            if hi == "[" and i < n and p[i] in ":=.":
                # glibc skips `[:`, `[=`, `[.` as units once a bracket has matched, but
                # reads a plain `[` here: where the bracket ends depends on the character
                return _IRREGULAR, 0
            if hi == "\\":
                if i >= n:
                    return _IRREGULAR, 0
                hi = p[i]
                i += 1
            ranges.append((lo, ascii_lower(hi) if fold else hi))
        else:
            chars.add(lo)


def compile_glob(pattern: str, fold: bool = False):
    """Parse an fnmatch pattern.

    Returns a tuple of segments (the common case), None when the pattern can never match
    (a trailing backslash), or the pattern's byte form (a str) when it is malformed in a
    way only glibc's own algorithm reproduces (`_fnmatch_slow`).
    """
    p = byte_form(pattern)
    items: list = []
    segments: list = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        i += 1
        if c == "*":
            segments.append(items)
            items = []
            while i < n and p[i] == "*":
                i += 1
        elif c == "?":
            items.append(None)
        elif c == "\\":
            if i >= n:
                return None  # a trailing backslash never matches (glibc)
            items.append(ascii_lower(p[i]) if fold else p[i])
            i += 1
        elif c == "[":
            item, i = _bracket_end(p, i, fold)
            if item is _IRREGULAR:
                return p
            items.append(item)
        else:
            items.append(ascii_lower(c) if fold else c)
    segments.append(items)
    return tuple("".join(s) if all(type(x) is str for x in s) else tuple(s)
                 for s in segments)


def _fnmatch_slow(p: str, s: str, fold: bool) -> bool:
    """glibc's fnmatch loop (flags 0 or FNM_CASEFOLD, C locale) on byte-form strings.

    Used only for malformed patterns, where the meaning of a `[` depends on the
    character it is tried against. Like glibc, the pattern ends at a NUL.
    """
    if "\0" in p:
        p = p[:p.index("\0")]
    return _fnmatch_at(p + "\0", 0, s, 0, fold)


def _fnmatch_at(p: str, pi: int, s: str, si: int, fold: bool) -> bool:
    """Match p[pi:] (NUL-terminated) against s[si:]."""
    fl = ascii_lower if fold else _same
    ns = len(s)
    while True:
        c = fl(p[pi])
        pi += 1
        if c == "\0":
            return si == ns
        if c == "?":
            if si == ns:
                return False
            si += 1
        elif c == "\\":
            c = p[pi]
            if c == "\0":
                return False
            pi += 1
            if si == ns or fl(c) != fl(s[si]):
                return False
            si += 1
        elif c == "*":
            return _star_at(p, pi, s, si, fold)
        elif c == "[":
            if si == ns:
                return False
            after = _bracket_slow(p, pi, s[si], fold)
            if after is None:  # unterminated: the `[` is an ordinary character
                if fl(s[si]) != "[":
                    return False
            elif after is False:
                return False
            else:
                pi = after
            si += 1
        elif si == ns or c != fl(s[si]):
            return False
        else:
            si += 1


def _star_at(p: str, pi: int, s: str, si: int, fold: bool) -> bool:
    """Match p[pi:] against s[si:] just after a `*`: the `?`s and `*`s that follow it are
    consumed, then the rest of the pattern is tried at each position left."""
    fl = ascii_lower if fold else _same
    ns = len(s)
    c = p[pi]
    pi += 1
    while c in "?*":
        if c == "?":
            if si == ns:
                return False
            si += 1
        c = p[pi]
        pi += 1
    if c == "\0":
        return True
    if c == "[":
        return any(_fnmatch_at(p, pi - 1, s, k, fold) for k in range(si, ns))
    if c == "\\":
        c = p[pi]
    c = fl(c)
    return any(fl(s[k]) == c and _fnmatch_at(p, pi - 1, s, k, fold) for k in range(si, ns))


def _same(c: str) -> str:
    return c


def _collating_symbol(p: str, k: int):
    """`[.x.]` with `k` on the `.`: (symbol, index after `.]`), or None (no match at all:
    unterminated, or not exactly one character in the C locale)."""
    count = 0
    while True:
        k += 1
        if p[k] == "." and p[k + 1] == "]":
            break
        if p[k] == "\0":
            return None
        count += 1
    return (p[k - 1], k + 2) if count == 1 else None


def _bracket_slow(p: str, pi: int, ch: str, fold: bool):
    """One bracket at `pi` (just after `[`) against `ch`: the index after it when it
    matches, False when it does not, None when it is unterminated (a literal `[`)."""
    fl = ascii_lower if fold else _same
    negated = p[pi] in "!^"
    if negated:
        pi += 1
    fn = fl(ch)
    c = p[pi]
    pi += 1
    while True:
        ordinary = False  # an ordinary character (or collating symbol) that may start a range
        if c == "\\":
            if p[pi] == "\0":
                return False
            c = fl(p[pi])
            pi += 1
            ordinary = True
        elif c == "[" and p[pi] == ":":
            found = _class_name(p, pi)
            if found is False:
                return False
            if found is None:
                c, ordinary = "[", True  # not a class name: a plain `[`
            else:
                name, pi = found
                members = _CCLASS.get(name)
                if members is None:
                    return False
                if ch in members:  # the unfolded character, as glibc
                    return _skip_matched(p, pi, negated)
                c = p[pi]
                pi += 1
        elif c == "[" and p[pi] == "=":
            if p[pi + 1] == "\0" or p[pi + 2] != "=" or p[pi + 3] != "]":
                c, ordinary = "[", True
            else:
                symbol = p[pi + 1]
                pi += 4
                if ch == symbol:
                    return _skip_matched(p, pi, negated)
                c = p[pi]
                pi += 1
        elif c == "\0":
            return None
        elif c == "[" and p[pi] == ".":
            answer, pi, c = _collating_item(p, pi, ch, fn, fold, negated)
            if answer is not _GO_ON:
                return answer
        else:
            c = fl(c)
            ordinary = True
        if ordinary:
            if not (p[pi] == "-" and p[pi + 1] not in "\0]") and c == fn:
                return _skip_matched(p, pi, negated)
            answer, pi, c = _range_tail(p, pi, c, fn, fold, negated)
            if answer is not _GO_ON:
                return answer
        if c == "]":
            return pi if negated else False


def _class_name(p: str, pi: int):
    """`[:name:]` with `pi` on the first `:`: (name, index after `:]`); None when it is
    not a class name (then the `[` is a plain character); False when the name is too long
    for glibc (no match at all)."""
    k, name = pi, ""
    while True:
        if len(name) == 256:
            return False
        k += 1
        if p[k] == ":" and p[k + 1] == "]":
            return name, k + 2
        if not ("a" <= p[k] < "z"):
            return None
        name += p[k]


_GO_ON = object()  # from `_range_tail`: no answer yet, read on in the bracket


def _collating_item(p: str, pi: int, ch: str, fn: str, fold: bool, negated: bool):
    """A `[.x.]` bracket item (`pi` on the `.`), alone or starting a range: as
    `_range_tail`."""
    found = _collating_symbol(p, pi)
    if found is None:
        return False, pi, ""
    cold, pi = found
    if not (p[pi] == "-" and p[pi + 1] != "\0") and ch == cold:
        return _skip_matched(p, pi, negated), pi, ""
    return _range_tail(p, pi, cold, fn, fold, negated)


def _range_tail(p: str, pi: int, cold: str, fn: str, fold: bool, negated: bool):
    """After an ordinary bracket item `cold` (the next pattern character at `pi`): the
    bracket's answer if a range `cold-x` decides it, else `_GO_ON`; with the index and the
    character to go on from."""
    c = p[pi]
    pi += 1
    matched = _range_slow(p, pi, c, cold, fn, fold)
    if matched is None:
        return _GO_ON, pi, c
    if matched is False:
        return False, pi, c
    hit, pi, c = matched
    return (_skip_matched(p, pi, negated) if hit else _GO_ON), pi, c


def _range_slow(p: str, pi: int, c: str, cold: str, fn: str, fold: bool):
    """After a range start `cold`, with `c` the next pattern character: None when `c` does
    not start a range end, False when the pattern is broken there, else (matched, index,
    next character)."""
    if not (c == "-" and p[pi] != "]"):
        return None
    cend = p[pi]
    pi += 1
    if cend == "[" and p[pi] == ".":
        found = _collating_symbol(p, pi)
        if found is None:
            return False
        cend, pi = found
    else:
        if cend == "\\":
            cend = p[pi]
            pi += 1
        if cend == "\0":
            return False
        cend = ascii_lower(cend) if fold else cend
    if cold <= fn <= cend:
        return True, pi, ""
    return False, pi + 1, p[pi]


def _skip_matched(p: str, pi: int, negated: bool):
    """Skip the rest of a bracket whose item matched, with glibc's own rules (2.36: an
    unterminated bracket makes its `[` a literal, None)."""
    while True:
        c = p[pi]
        pi += 1
        if c == "]":
            break
        if c == "\0":
            return None  # glibc >= 2.36: unterminated after all, the `[` is a literal
        if c == "\\":
            if p[pi] == "\0":
                return False
            pi += 1
        elif c == "[" and p[pi] == ":":
            start, count = pi, 0
            while True:
                pi += 1
                count += 1
                if count == 256:
                    return False
                if p[pi] == ":" and p[pi + 1] == "]":
                    break
                if not ("a" <= p[pi] < "z"):
                    pi = start - 2
                    break
            pi += 2
        elif c == "[" and p[pi] == "=":
            if p[pi + 1] == "\0" or p[pi + 2] != "=" or p[pi + 3] != "]":
                return False
            pi += 4
        elif c == "[" and p[pi] == ".":
            while True:
                pi += 1
                if p[pi] == "\0":
                    return False
                if p[pi] == "." and p[pi + 1] == "]":
                    break
            pi += 2
    return False if negated else pi


def _item_matches(item, ch: str) -> bool:
    if item is None:
        return True
    if type(item) is str:
        return item == ch
    negated, chars, ranges = item
    hit = ch in chars or any(lo <= ch <= hi for lo, hi in ranges)
    return hit != negated


def _segment_at(seg, s: str, i: int) -> bool:
    if type(seg) is str:
        return s.startswith(seg, i)
    return all(_item_matches(item, s[i + k]) for k, item in enumerate(seg))


def _anchor(seg: tuple) -> tuple[int, str]:
    """The longest run of literal characters in a segment, and its offset."""
    best, best_at, run, run_at = "", 0, "", 0
    for k, item in enumerate(seg):
        if type(item) is str:
            if not run:
                run_at = k
            run += item
            if len(run) > len(best):
                best, best_at = run, run_at
        else:
            run = ""
    return best_at, best


# Beyond this many candidate positions, a segment with no literal character is searched
# with a regular expression (in C) instead of item by item (in Python).
_LONG_SCAN = 2048
_SEGMENT_RX: dict = {}


def _segment_regex(seg: tuple):
    """A compiled `re` pattern matching one glob segment (imports `re` on first use)."""
    compiled = _SEGMENT_RX.get(seg)
    if compiled is None:
        import re

        parts = []
        for item in seg:
            if item is None:
                parts.append(".")
            elif type(item) is str:
                parts.append(re.escape(item))
            else:
                negated, chars, ranges = item
                body = "".join(re.escape(c) for c in sorted(chars))
                body += "".join(f"{re.escape(lo)}-{re.escape(hi)}" for lo, hi in ranges
                                if lo <= hi)
                parts.append(f"[{'^' if negated else ''}{body}]" if body
                             else ("." if negated else "(?!)"))
        compiled = _SEGMENT_RX[seg] = re.compile("".join(parts), re.DOTALL)
    return compiled


def _segment_find(seg, s: str, start: int, end: int) -> int:
    """Leftmost i in [start, end - len(seg)] where `seg` matches, or -1.

    Candidates come from `str.find` of the segment's longest literal run, so a value of
    megabytes is scanned in C, not character by character in Python.
    """
    if type(seg) is str:
        return s.find(seg, start, end)
    last = end - len(seg)
    offset, literal = _anchor(seg)
    if not literal:
        if last - start > _LONG_SCAN:
            found = _segment_regex(seg).search(s, start, end)
            return found.start() if found else -1
        for i in range(start, last + 1):
            if _segment_at(seg, s, i):
                return i
        return -1
    i = start
    while i <= last:
        hit = s.find(literal, i + offset, last + offset + len(literal))
        if hit < 0:
            return -1
        i = hit - offset
        if _segment_at(seg, s, i):
            return i
        i += 1
    return -1


def glob_match(segments, value: str, fold: bool = False) -> bool:
    """fnmatch(pattern, value) for a pattern compiled by `compile_glob`."""
    if segments is None:
        return False
    s = byte_form(value)
    if type(segments) is str:
        return _fnmatch_slow(segments, s, fold)
    if fold:
        s = ascii_lower(s)
    n = len(s)
    first = segments[0]
    if len(segments) == 1:
        return n == len(first) and _segment_at(first, s, 0)
    last = segments[-1]
    if n < len(first) + len(last) or not _segment_at(first, s, 0) \
            or not _segment_at(last, s, n - len(last)):
        return False
    pos, end = len(first), n - len(last)
    for seg in segments[1:-1]:
        i = _segment_find(seg, s, pos, end)
        if i < 0:
            return False
        pos = i + len(seg)
    return True


class Glob:
    """A `glob`/`iglob` constant, parsed once; `match(value)` is fnmatch without flags."""

    __slots__ = ("fold", "pattern", "segments")

    def __init__(self, pattern: str, fold: bool = False, segments=False) -> None:
        self.pattern = pattern
        self.fold = fold
        self.segments = compile_glob(pattern, fold) if segments is False else segments

    def match(self, value: str) -> bool:
        return glob_match(self.segments, value, self.fold)

    def __reduce__(self):
        return (Glob, (self.pattern, self.fold, self.segments))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r}{', fold=True' if self.fold else ''})"
