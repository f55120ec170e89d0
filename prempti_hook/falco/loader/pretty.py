"""Diagnostics for people, the way ruff and rustc show them (cold path, `--check` only).

    file:line:col: error: CODE: message (rule 'name')
        |
     12 |   condition: tool.name = Bash and tool.pathnames intersects (id_rsa)
        |                                   ^^^^^^^^^^^^^^
        = help: did you mean `tool.path_names`?

The first line is the one-line form (`Diagnostic.as_line`), at the exact token where it can
be found; the snippet shows the file line with a caret span under that token, also inside a
condition written over several lines (`condition: >`); the help lines are suggestions
computed from what the rules define (fields, macros, lists, keys). Falco's JSON keeps
Falco's own locations: only this text view is refined.

`suspicious_list_names` adds the one check Falco cannot make: a word in `in (...)` that is
not a list but is spelled almost like one is compared as a literal, so the rule silently
never matches.
"""

from __future__ import annotations

import difflib
import re

from .reader import LIST_KEYS, MACRO_KEYS, RULE_KEYS
from .results import Diagnostic, Location, one_line

SNIPPET_MAX = 160  # characters of a source line shown around the caret
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_.\-/~*\[\]]+")
_NONEXISTENT_FIELD = re.compile(r"nonexistent field (\S+)")
_UNDEFINED_MACRO = re.compile(r"Undefined macro '([^']*)'")
_UNKNOWN_KEY = re.compile(r"Unknown key '([^']*)'")
_LIST_OPERAND = re.compile(r"\b(?:in|intersects|pmatch|oneof|anyof|allof)\s*\(([^()]*)\)")
_QUOTED = re.compile(r"'([^']+)'")
_LIST_LIKE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_KEYS = {"rule": RULE_KEYS, "macro": MACRO_KEYS, "list": LIST_KEYS}


class Names:
    """What a rule author can refer to, for "did you mean" suggestions."""

    def __init__(self, fields=(), macros=(), lists: dict | None = None) -> None:
        self.fields = sorted(fields)
        self.macros = sorted(macros)
        self.lists = dict(lists or {})  # name -> items

    @classmethod
    def of(cls, result, table) -> Names:
        """The names a LoadResult defines, and the fields of `table`."""
        collector = result.collector
        lists = {name: info.items for name, info in collector.lists.items()} \
            if collector else {}
        return cls(getattr(table, "fields", {}), collector.macros if collector else (), lists)

    def lists_holding(self, item: str) -> list[str]:
        return [name for name, items in self.lists.items() if item in items]


def closest(word: str, candidates, cutoff: float = 0.75) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


# -- where exactly ----------------------------------------------------------------------------

class Span:
    """A place in a file: 1-based line and column, and how many characters to underline."""

    __slots__ = ("column", "length", "line")

    def __init__(self, line: int, column: int, length: int = 1) -> None:
        self.line = line
        self.column = column
        self.length = max(length, 1)


def token_at(text: str, index: int) -> str:
    """The word of a condition at `index` (a field, a name, a quoted string), or ""."""
    if index < 0 or index >= len(text):
        return ""
    if text[index] in "\"'":
        end = text.find(text[index], index + 1)
        return text[index:end + 1] if end > index else text[index:]
    match = _TOKEN_CHARS.match(text, index)
    return match.group(0) if match else ""


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def span_of(diagnostic: Diagnostic, contents: dict[str, str],
            names: Names | None = None) -> Span | None:
    """The exact place of a diagnostic in its file, or None when it has no position. A
    token that list substitution put in the text is found as the list's name."""
    where = diagnostic.where
    text = contents.get(where.file) or ""
    if where.text is None:
        if where.line <= 0:
            return None
        quoted = _QUOTED.search(diagnostic.message)
        if quoted and where.text_end > where.offset:  # a compiler warning about a value
            found = text.find(quoted.group(1), where.offset, where.text_end)
            if found >= 0:
                line, column = _line_col(text, found)
                return Span(line, column, len(quoted.group(1)))
        line_text = text.split("\n")[where.line - 1] if where.line <= text.count("\n") + 1 \
            else ""
        token = "" if diagnostic.code == "LOAD_ERR_YAML_PARSE" else \
            token_at(line_text, where.column - 1)
        return Span(where.line, where.column, len(token))
    index = diagnostic.focus if diagnostic.focus is not None else where.offset
    token = token_at(where.text, index)
    parent = _scalar_location(diagnostic)
    if token and parent is not None and parent.text_end > parent.offset:
        region = text[parent.offset:parent.text_end]
        found = _nth(region, token, where.text[:index].count(token))
        if found < 0 and names is not None:  # the token came from a list put in its place
            for name in names.lists_holding(token):
                found = _word(region, name)
                if found >= 0:
                    token = name
                    break
        if found >= 0:
            line, column = _line_col(text, parent.offset + found)
            return Span(line, column, len(token))
    if parent is not None and parent.text_column:
        return Span(parent.line, parent.text_column + index, len(token))
    return Span(where.line, where.column, len(token)) if where.line > 0 else None


def _nth(region: str, token: str, n: int) -> int:
    found = -1
    for _ in range(n + 1):
        found = region.find(token, found + 1)
        if found < 0:
            return -1
    return found


def _word(region: str, name: str) -> int:
    match = re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w.])", region)
    return match.start() if match else -1


def _scalar_location(diagnostic: Diagnostic) -> Location | None:
    """The location of the scalar (the condition text) a condition position is inside."""
    if diagnostic.scalar is not None:
        return diagnostic.scalar
    context = diagnostic.context
    for loc in reversed(context[:-1]):
        if loc.line > 0:
            return loc
    return None


# -- suggestions ------------------------------------------------------------------------------

def hints(diagnostic: Diagnostic, names: Names) -> list[str]:
    """`help:` lines for a diagnostic: what the author probably meant, or how to fix it."""
    message = diagnostic.message
    out: list[str] = []
    match = _NONEXISTENT_FIELD.search(message)
    if match:
        name = match.group(1).split("[", 1)[0]
        guess = closest(name, names.fields, 0.6)
        if guess:
            out.append(f"did you mean `{guess}`?")
        out.append("the fields are listed in the README's field reference "
                   "(`prempti-hook explain` shows their values for a call)")
        return out
    match = _UNDEFINED_MACRO.search(message)
    if match:
        name = match.group(1)
        holders = [name] if name in names.lists else names.lists_holding(name)
        if holders:
            out.append(f"`{holders[0]}` is a list: compare a field with it, e.g. "
                       f"`tool.name in ({holders[0]})` (a list's name is replaced by its "
                       f"items wherever it appears)")
        else:
            guess = closest(name, names.macros)
            if guess:
                out.append(f"did you mean the macro `{guess}`?")
            elif "." in name:
                field = closest(name, names.fields, 0.6)
                if field:
                    out.append(f"a field needs an operator: `{field} exists`, "
                               f"`{field} = ...`")
        return out
    match = _UNKNOWN_KEY.search(message)
    if match:
        keys = _KEYS.get(diagnostic.item_type, ())
        guess = closest(match.group(1), keys, 0.6)
        if guess:
            out.append(f"did you mean `{guess}`?")
        return out
    if "mapping values are not allowed" in message:
        out.append("a plain YAML value cannot contain `: `; put the value in quotes, or write "
                   "it as a block: `condition: >` with the text on the next lines, indented")
    elif "found character '\\t'" in message:
        out.append("YAML indents with spaces, never tabs")
    return out


def suspicious_list_names(result) -> list[Diagnostic]:
    """Warnings for words inside `in (...)` (and other list operators) that name no list
    but are spelled almost like one: Falco compares them as literal values, so the check
    is silently false where the author meant the list."""
    collector = result.collector
    if collector is None:
        return []
    lists = set(collector.lists)
    if not lists:
        return []
    out: list[Diagnostic] = []
    items = sorted([*collector.macros.values(), *collector.rules.values()],
                   key=lambda info: info.index)
    for info in items:
        cond = getattr(info, "cond", "") or ""
        for match in _LIST_OPERAND.finditer(cond):
            inner_start = match.start(1)
            for part in re.finditer(r"[^,]+", match.group(1)):
                word = part.group(0).strip()
                if word in lists or not _LIST_LIKE_NAME.fullmatch(word):
                    continue
                guess = closest(word, lists, 0.8)
                if guess is None:
                    continue
                index = inner_start + part.start() + (len(part.group(0))
                                                      - len(part.group(0).lstrip()))
                where = Location("condition expression", "", info.cond_ctx[-1].file,
                                 info.cond_ctx[-1].line, info.cond_ctx[-1].column, index)
                where.text = cond
                diagnostic = Diagnostic(
                    "LOAD_COMPILE_CONDITION",
                    f"'{word}' is not a list, so it is compared as a literal value; did you "
                    f"mean the list '{guess}'?", (*info.cond_ctx, where))
                diagnostic.focus = index
                out.append(diagnostic)
    return out


# -- rendering --------------------------------------------------------------------------------

def _escaped(text: str) -> str:
    return one_line(text)


def snippet(span: Span, contents: dict[str, str], file: str) -> list[str]:
    """The source line of `span` and a caret line under it, with a line-number gutter."""
    text = contents.get(file)
    if text is None:
        return []
    lines = text.split("\n")
    if not 1 <= span.line <= len(lines):
        return []
    raw = lines[span.line - 1].rstrip("\r")
    col = min(max(span.column - 1, 0), len(raw))
    length = max(1, min(span.length, len(raw) - col)) if raw else 1
    start = 0
    if len(raw) > SNIPPET_MAX:  # a window around the caret
        start = max(0, min(col - SNIPPET_MAX // 2, len(raw) - SNIPPET_MAX))
    shown = raw[start:start + SNIPPET_MAX]
    prefix = ("..." if start > 0 else "")
    caret_at = len(prefix) + len(_escaped(shown[:col - start]))
    caret_len = len(_escaped(raw[col:col + length])) or 1
    suffix = "..." if start + SNIPPET_MAX < len(raw) else ""
    gutter = f" {span.line}"  # every line but the diagnostic's own starts with a blank
    pad = " " * len(gutter)
    return [f"{pad} |",
            f"{gutter} | {prefix}{_escaped(shown)}{suffix}",
            f"{pad} | {' ' * caret_at}{'^' * caret_len}"]


def render(diagnostic: Diagnostic, contents: dict[str, str], names: Names) -> list[str]:
    """The diagnostic as text lines: its one-line form at the exact place, the snippet,
    the help lines."""
    span = span_of(diagnostic, contents, names)
    line = diagnostic.as_line()
    where = diagnostic.where
    if span is not None and where.file:
        kind = "error" if diagnostic.is_error else "warning"
        head = f"{where.file or diagnostic.file}:{max(where.line, 1)}:{max(where.column, 1)}"
        exact = f"{where.file or diagnostic.file}:{span.line}:{span.column}"
        if line.startswith(one_line(head) + f": {kind}: "):
            line = one_line(exact) + line[len(one_line(head)):]
    out = [line]
    if span is not None:
        out.extend(snippet(span, contents, where.file or diagnostic.file))
    pad = " " * (len(str(span.line)) + 1 if span is not None else 2)
    out.extend(f"{pad} = help: {one_line(text)}" for text in hints(diagnostic, names))
    return out
