"""What loading rules reports: diagnostics (Falco's error and warning codes, each with where it
happened) and the per-file result objects in the shape of Falco's `load_rules` JSON.

A diagnostic carries a chain of *locations*, outermost first, like Falco's
`rule_loader::context`: the file ("rules content"), the item ("rule 'x'"), then the part of it
("rule condition", "exception 'ex1'", "value for 'priority'"...). Lines and columns are 1-based
(Falco prints yaml-cpp's 0-based marks; ours are meant for people and editors), offsets are
0-based character offsets into the file.
"""

from __future__ import annotations

# Falco's codes and their short descriptions (`codedesc`), from falco_load_result.cpp.
ERROR_CODES = {
    "LOAD_ERR_FILE_READ": "File read error",
    "LOAD_ERR_YAML_PARSE": "YAML parse error",
    "LOAD_ERR_YAML_VALIDATE": "Error validating internal structure of YAML file",
    "LOAD_ERR_COMPILE_CONDITION": "Error compiling condition",
    "LOAD_ERR_COMPILE_OUTPUT": "Error compiling output",
    "LOAD_ERR_VALIDATE": "Error validating rule/macro/list/exception objects",
    "LOAD_ERR_EXTENSION": "Error in extension item",
}
WARNING_CODES = {
    "LOAD_UNKNOWN_SOURCE": "A rule has a unknown event source. This can occur when reading rules "
    "content without having a corresponding plugin loaded, etc. The rule will be silently "
    "ignored.",
    "LOAD_UNSAFE_NA_CHECK": "Comparing a field value with <NA> is unsafe and can lead to "
    "unpredictable behavior of the rule condition. If you need to check for the existence of a "
    "field, consider using the 'exists' operator instead.",
    "LOAD_NO_EVTTYPE": "A rule condition matches too many evt.type values. This has a "
    "significant performance penalty. Make the condition more specific by adding an evt.type "
    "field or further restricting the number of evt.type values in the condition.",
    "LOAD_UNKNOWN_FILTER": "A rule condition or output refers to a field or evt.type that does "
    "not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, "
    "the error is downgraded to a warning.",
    "LOAD_UNUSED_MACRO": "A macro is defined in the rules content but is not used by any other "
    "macro or rule.",
    "LOAD_UNUSED_LIST": "A list is defined in the rules content but is not used by any other "
    "list, macro, or rule.",
    "LOAD_UNKNOWN_ITEM": "An unknown top-level object is in the rules content. It will be "
    "ignored.",
    "LOAD_DEPRECATED_ITEM": "A deprecated item is employed by lists, macros, or rules.",
    "LOAD_WARNING_EXTENSION": "An extension item has a warning",
    "LOAD_APPEND_NO_VALUES": "A rule exception is overriding/appending with no values",
    "LOAD_EXCEPTION_NAME_NOT_UNIQUE": "A rule is defining multiple exceptions with the same name",
    "LOAD_INVALID_MACRO_NAME": "A macro is defined with an invalid name",
    "LOAD_INVALID_LIST_NAME": "A list is defined with an invalid name",
    "LOAD_COMPILE_CONDITION": "A rule condition or output have been parsed with a warning",
    "LOAD_UNKNOWN_KEY": "An item in the rules content contains an unrecognized key. The key "
    "will be ignored. This may indicate a typo or a property placed on the wrong item type.",
}

# Falco's one-line titles of the warnings, used when a warning has no message of its own
# (LOAD_UNSAFE_NA_CHECK).
WARNING_TITLES = {
    "LOAD_UNSAFE_NA_CHECK": "Unsafe <NA> comparison in condition",
    "LOAD_NO_EVTTYPE": "Condition has no event-type restriction",
}

# Item types of a location, as Falco spells them.
RULES_CONTENT = "rules content"
RULES_CONTENT_ITEM = "rules content item"
VALUE_FOR = "value for"
# The item types that name something a rule author defined; the one-line rendering of a
# diagnostic names the innermost of these (see Diagnostic.subject).
_NAMED_TYPES = ("list", "macro", "rule", "exception", "required plugin versions entry",
                "required plugin versions alternative")

SNIPPET_WIDTH = 160


class Location:
    """One step of a diagnostic's context: an item (type and name) and where it is."""

    __slots__ = ("column", "file", "item_name", "item_type", "line", "offset", "text",
                 "text_column", "text_end")

    def __init__(self, item_type: str, item_name: str, file: str, line: int = 0,
                 column: int = 0, offset: int = 0, text_column: int = 0) -> None:
        self.item_type = item_type
        self.item_name = item_name
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
        # For a scalar written verbatim on one line: the column of its first character (so a
        # position inside the text maps to a file column); 0 otherwise.
        self.text_column = text_column
        # For a scalar's location: the file offset just past its last character (0: unknown),
        # so a position in its text can be found in the file even when it spans lines.
        self.text_end = 0
        # Condition-expression locations: the condition text the position is in (`offset`
        # indexes it); the snippet is taken from it, as Falco does.
        self.text: str | None = None

    def as_json(self) -> dict:
        return {"item_type": self.item_type, "item_name": self.item_name,
                "position": {"name": self.file, "line": self.line, "column": self.column,
                             "offset": self.offset}}

    def __repr__(self) -> str:
        return (f"Location({self.item_type!r}, {self.item_name!r}, "
                f"{self.file}:{self.line}:{self.column})")


Context = tuple  # tuple[Location, ...], outermost first


def document_context(file: str) -> Context:
    """The context every diagnostic of `file` starts from: the whole rules content."""
    return (Location(RULES_CONTENT, "", file),)


class Diagnostic:
    """One error or warning: Falco's code and message, plus where it happened."""

    __slots__ = ("code", "context", "focus", "message", "scalar")

    def __init__(self, code: str, message: str, context: Context) -> None:
        self.code = code
        self.message = message
        self.context = tuple(context)
        # Where in a condition's text the problem is, when the location (kept as Falco
        # reports it) is less precise: an index into `where.text`, or None.
        self.focus: int | None = None
        # The location of the condition text `focus` is in, when the context does not end
        # with it (Falco places macro errors at the item, not at its condition).
        self.scalar: Location | None = None

    @property
    def is_error(self) -> bool:
        return self.code in ERROR_CODES

    @property
    def codedesc(self) -> str:
        return ERROR_CODES.get(self.code) or WARNING_CODES.get(self.code, "")

    @property
    def where(self) -> Location:
        """The innermost location that has a position in a file (condition-expression
        locations already carry file positions, see loader.compiler)."""
        for loc in reversed(self.context):
            if loc.line > 0:
                return loc
        return self.context[-1] if self.context else Location(RULES_CONTENT, "", "")

    @property
    def subject(self) -> tuple[str, str]:
        """(item type, item name) naming what the diagnostic is about: the innermost named
        list/macro/rule/exception/plugin entry, else the outermost item after the document."""
        for loc in reversed(self.context):
            if loc.item_type in _NAMED_TYPES and loc.item_name:
                return loc.item_type, loc.item_name
        for loc in self.context:
            if loc.item_type != RULES_CONTENT:
                return loc.item_type, loc.item_name
        return RULES_CONTENT, ""

    @property
    def file(self) -> str:
        return self.context[0].file if self.context else ""

    # Flat accessors: what the diagnostic is about and where (see `subject`, `where`).
    @property
    def item_type(self) -> str:
        return self.subject[0]

    @property
    def item_name(self) -> str:
        return self.subject[1]

    @property
    def line(self) -> int:
        return self.where.line

    @property
    def column(self) -> int:
        return self.where.column

    @property
    def offset(self) -> int:
        return self.where.offset

    def snippet(self, contents: dict[str, str]) -> str:
        """Falco's snippet (the line at the position, with a caret); `contents` maps file
        names to their text (LoadResult.contents)."""
        return snippet_at(contents, self.where)

    def as_line(self) -> str:
        """`file:line:col: error|warning: CODE: message (item type 'name')`."""
        where = self.where
        kind = "error" if self.is_error else "warning"
        item_type, item_name = self.subject
        about = f" ({item_type} '{item_name}')" if item_name else f" ({item_type})"
        position = f"{where.file or self.file}:{max(where.line, 1)}:{max(where.column, 1)}"
        message = self.message or WARNING_TITLES.get(self.code, "")
        return one_line(f"{position}: {kind}: {self.code}: {message}{about}")

    def one_line(self) -> str:
        """Same as as_line() (the name cache.py uses)."""
        return self.as_line()

    def as_json(self, contents: dict[str, str] | None = None) -> dict:
        snippet = snippet_at(contents or {}, self.where)
        return {"code": self.code, "codedesc": self.codedesc, "message": self.message,
                "context": {"locations": [loc.as_json() for loc in self.context],
                            "snippet": snippet}}

    def __repr__(self) -> str:
        return f"Diagnostic({self.code}, {self.message!r})"


_INVISIBLE = frozenset("\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\u061c")


def one_line(text: str) -> str:
    """A message on one line: newlines and other control characters escaped, so a hostile
    rules file cannot forge extra lines in `--check` output."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0xD800 <= ord(ch) <= 0xDFFF
              or ch in _INVISIBLE):
            # C0/C1 controls (the 8-bit CSI U+009B drives terminals), line and paragraph
            # separators, bidi overrides: anything that could forge or reorder output.
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def snippet_at(contents: dict[str, str], loc: Location, width: int = SNIPPET_WIDTH) -> str:
    """Falco's snippet: the line holding the position (capped at `width` characters around
    it), then a line with a `^` under the position."""
    if loc.text is not None:
        before = loc.text[:loc.offset]
        line = loc.text.split("\n")[before.count("\n")] if loc.text else ""
        col = len(before) - (before.rfind("\n") + 1)
        return _snippet_line(line, col, width)
    text = contents.get(loc.file)
    if text is None:
        return f"<No context for file + {loc.file}>\n"
    if not text or loc.line <= 0:
        return "<No context available>\n"
    lines = text.split("\n")
    if loc.line > len(lines):
        return "<No context available>\n"
    return _snippet_line(lines[loc.line - 1], max(loc.column - 1, 0), width)


def _snippet_line(line: str, col: int, width: int) -> str:
    col = min(col, max(len(line) - 1, 0))
    half = width // 2
    start = max(col - half, 0)
    end = min(col + half, len(line))
    shown = line[start:end]
    if not shown.strip():
        return "<No context available>\n"
    if start > 0:
        shown = "..." + shown[3:]
    if end < len(line):
        shown = shown[:-3] + "..."
    return shown + "\n" + " " * (col - start) + "^\n"


class LoadError(Exception):
    """Raised inside the loader stages to stop at the first error, as Falco does."""

    def __init__(self, code: str, message: str, context: Context) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(code, message, context)


class FileResult:
    """The outcome of loading one file (one Falco `load_rules` call)."""

    __slots__ = ("errors", "name", "warnings")

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    @property
    def successful(self) -> bool:
        return not self.errors

    def add(self, diagnostic: Diagnostic) -> None:
        (self.errors if diagnostic.is_error else self.warnings).append(diagnostic)

    def as_json(self, contents: dict[str, str] | None = None) -> dict:
        """Falco's per-file load result object."""
        return {"name": self.name, "successful": self.successful,
                "errors": [d.as_json(contents) for d in self.errors],
                "warnings": [d.as_json(contents) for d in self.warnings]}
