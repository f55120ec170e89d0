"""Output formats (docs/falco-language.md, "Outputs"): `%field` tokens in a rule's output,
compiled once, rendered on every alert.

`compile_format(text, table)` (cold path) turns a format string into an `OutputFormat`; the
parser and the field table are only needed there and are imported lazily. An `OutputFormat`
(hot path, picklable, imports nothing) renders an event:

- `render(event) -> str`: the text, missing values as `<NA>` (Falco prepends `*` to rule
  outputs, so this is what rule outputs always do), lists as `(a,b)`, booleans `true`/`false`,
  a `%<width>` token truncated to that width;
- `fields(event) -> dict`: Falco's JSON `output_fields`: each field token by its canonical
  text with its native value (`None` when missing); a transformer token contributes the
  plain fields inside it (Falco runs with `resolve_transformed_fields` false).

Without a leading `*`, a format stops at the first missing value (`render_checked` and
`fields_checked` report whether it got to the end), as libsinsp's formatter does.

Token syntax: `%`, an optional decimal width, then the longest prefix of the rest that parses
as a field (with an optional `[arg]`) or a transformer call *and* names a real field: the
text is shrunk one character at a time until it does, so `%proc.name.` is `%proc.name`
followed by a literal `.`. There is no escape for a literal `%`.
"""

from __future__ import annotations

NA = "<NA>"
MAX_TOKEN_CHARS = 1024  # longest token text tried when the parser cannot delimit it


def to_text(value) -> str:
    """How Falco prints a field value in a text output."""
    if value is None:
        return NA
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(to_text(v) for v in value) + ")"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    return str(value)


def to_json_value(value):
    """A field value as it goes into JSON `output_fields` (native types, null when missing)."""
    if isinstance(value, (tuple, list)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    return value


def _lookup(event, key: str):
    try:
        return event[key]
    except (KeyError, IndexError, TypeError):
        return None


class FieldToken:
    """`%field` or `%field[arg]`: `key` is what the event is asked for, `json_key` the
    canonical text used in `output_fields`."""

    __slots__ = ("json_key", "key", "width")

    def __init__(self, key: str, json_key: str, width: int) -> None:
        self.key = key
        self.json_key = json_key
        self.width = width

    def value(self, event):
        return _lookup(event, self.key)

    def json_items(self, event, value):
        return ((self.json_key, value),)

    def __reduce__(self):
        return (FieldToken, (self.key, self.json_key, self.width))


class TransformerToken:
    """`%tolower(field)`, `%join(...)`...: evaluated by the compiled value expression.
    `inner` lists the plain fields inside, (json_key, event key), for `output_fields`;
    `resolved` is None, or (when transformed fields are resolved, a libsinsp option Falco
    leaves off) the nested (json_key, expression) pairs reported besides the token itself."""

    __slots__ = ("expr", "inner", "is_list", "json_key", "resolved", "width")

    def __init__(self, expr, json_key: str, inner: tuple, resolved: tuple | None, is_list: bool,
                 width: int) -> None:
        self.expr = expr
        self.json_key = json_key
        self.inner = inner
        self.resolved = resolved
        self.is_list = is_list
        self.width = width

    def value(self, event):
        try:
            values = self.expr.extract(event)
        except Exception:  # a transformer failing on hostile data is a missing value
            return None
        if values is None:
            return None
        if self.is_list:
            return tuple(values)
        return values[0] if values else None

    def json_items(self, event, value):
        items = [(key, _lookup(event, field)) for key, field in self.inner]
        if self.resolved is None:
            return items
        for key, expr in self.resolved:
            try:
                got = expr.extract(event)
            except Exception:
                got = None
            items.append((key, got[0] if got else None))
        items.append((self.json_key, value))
        return items

    def __reduce__(self):
        return (TransformerToken, (self.expr, self.json_key, self.inner, self.resolved,
                                   self.is_list, self.width))


class OutputFormat:
    """A compiled output format. `parts` alternates literal strings and tokens."""

    __slots__ = ("all_optional", "format", "parts")

    def __init__(self, format: str, parts: tuple, all_optional: bool) -> None:
        self.format = format
        self.parts = parts
        self.all_optional = all_optional

    @property
    def field_names(self) -> list[str]:
        """The field keys this format puts in `output_fields`, in order."""
        names: list[str] = []
        for part in self.parts:
            if isinstance(part, FieldToken):
                names.append(part.json_key)
            elif isinstance(part, TransformerToken):
                names.extend(key for key, _ in part.inner)
                if part.resolved is not None:
                    names.extend(key for key, _ in part.resolved)
                    names.append(part.json_key)
        return list(dict.fromkeys(names))

    def render_checked(self, event) -> tuple[bool, str]:
        """(complete, text): without `*`, text stops at the first missing value."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.value(event)
            if value is None and not self.all_optional:
                return False, "".join(out)
            text = to_text(value)
            if part.width and len(text) > part.width:
                text = text[:part.width]
            out.append(text)
        return True, "".join(out)

    def render(self, event) -> str:
        return self.render_checked(event)[1]

    def fields_checked(self, event) -> tuple[bool, dict]:
        out: dict = {}
        for part in self.parts:
            if isinstance(part, str):
                continue
            value = part.value(event)
            if value is None and not self.all_optional:
                return False, out
            for key, got in part.json_items(event, value):
                out[key] = to_json_value(got)
        return True, out

    def fields(self, event) -> dict:
        return self.fields_checked(event)[1]

    def __reduce__(self):
        return (OutputFormat, (self.format, self.parts, self.all_optional))

    def __repr__(self) -> str:
        return f"OutputFormat({self.format!r})"


# -- compiling (cold path) ----------------------------------------------------------------

def _is_field_name(text: str) -> bool:
    """libsinsp's field-name token: identifiers joined by dots, at least one dot."""
    parts = text.split(".")
    if len(parts) < 2:
        return False
    for part in parts:
        if not part or not part.isascii() or not part[0].isalpha():
            return False
        if not all(c.isalnum() or c == "_" for c in part):
            return False
    return True


def _event_key(node) -> str:
    return node.name if node.arg is None else f"{node.name}[{node.arg}]"


def _plain_fields(node, out: dict) -> None:
    from .ast import FieldRef, Transformer, TransformerList, as_string

    if isinstance(node, FieldRef):
        out.setdefault(as_string(node), _event_key(node))
    elif isinstance(node, Transformer):
        for arg in node.args:
            _plain_fields(arg, out)
    elif isinstance(node, TransformerList):
        for item in node.items:
            _plain_fields(item, out)


def _first_transformer_args(node, out: list) -> None:
    """libsinsp with resolve_transformed_fields also reports, below the token itself, the
    first element of a multi-value transformer's arguments (join's list, concat's arguments)
    when that element is itself a transformer, and nothing else nested (vectors F0055-F0060)."""
    from .ast import Transformer, TransformerList

    if not isinstance(node, Transformer):
        return
    args = list(node.args)
    elems = None
    if node.name == "join" and len(args) == 2 and isinstance(args[1], TransformerList):
        elems = list(args[1].items)
    elif node.name == "concat":
        elems = args
    if elems is not None and elems and isinstance(elems[0], Transformer):
        out.append(elems[0])
    for child in (elems if elems is not None else args):
        _first_transformer_args(child, out)


def _check_token(node, table):
    """None if `node` names a real field (or a transformer that compiles), else why not."""
    from .ast import FieldRef, Transformer, as_string
    from .errors import CompileError

    if isinstance(node, FieldRef):
        if table.lookup(node.name, node.arg) is None:
            return f"filter_check called with nonexistent field {as_string(node)}"
        return None
    if isinstance(node, Transformer):
        if node.name == "val":
            return "'val' is only allowed on the right-hand side of a comparison"
        from .codegen import compile_value

        try:
            compile_value(node, table)
        except CompileError as e:
            return e.message
        return None
    return "expected a field or a transformer"


def _parse_token(text: str, start: int, table):
    """The longest token at `start` that parses and names a real field: (node, end).
    Raises CompileError("unknown filter: ...") when no prefix does, with the reason the
    longest candidate was refused."""
    from .ast import FieldRef
    from .errors import CompileError, ParseError
    from .parser import parse_field_or_transformer

    try:
        node, end = parse_field_or_transformer(text, start)
    except ParseError as e:
        reason = e.message
        if reason.startswith("unexpected token after"):  # nothing at all parsed here
            reason = f"expected a field or a transformer after '%' at {text[start:start + 30]!r}"
        node, end = None, min(len(text), start + MAX_TOKEN_CHARS)
    if node is not None:
        reason = _check_token(node, table)
        if reason is None:
            return node, end
        if isinstance(node, FieldRef) and node.arg is None:
            # Shrinking a plain field name only ever yields shorter plain names.
            for stop in range(end - 1, start, -1):
                name = text[start:stop]
                if _is_field_name(name) and table.lookup(name) is not None:
                    return FieldRef(name), stop
            raise CompileError("unknown filter: " + reason)
    for stop in range(end - (node is not None), start, -1):
        try:
            candidate, got = parse_field_or_transformer(text[:stop], start)
        except ParseError:
            continue
        if got == stop and _check_token(candidate, table) is None:
            return candidate, stop
    raise CompileError("unknown filter: " + reason)


def compile_format(fmt: str, table, *, all_optional: bool | None = None,
                   resolve_transformed: bool = False) -> OutputFormat:
    """Compile an output format against a field table. A leading `*` (or `all_optional`)
    renders missing values as `<NA>` instead of stopping. Raises CompileError with libsinsp's
    messages (`unknown filter: ...` for a token that names no field)."""
    from .ast import FieldRef, as_string
    from .errors import CompileError

    star = fmt.startswith("*")
    text = fmt[1:] if star else fmt
    parts: list = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        percent = text.find("%", i)  # (the text up to it is literal: taken in one piece)
        if percent != i:
            literal.append(text[i:] if percent < 0 else text[i:percent])
            if percent < 0:
                break
        i = percent + 1
        if i >= len(text):
            raise CompileError("invalid formatting syntax: formatting cannot end with a %")
        j = i
        while j < len(text) and "0" <= text[j] <= "9":
            j += 1
        width = int(text[i:j]) if j > i else 0
        if j >= len(text):
            raise CompileError("invalid formatting syntax: formatting cannot end with a number")
        node, end = _parse_token(text, j, table)
        if literal:
            parts.append("".join(literal))
            literal = []
        if isinstance(node, FieldRef):
            parts.append(FieldToken(_event_key(node), as_string(node), width))
        else:
            from .codegen import compile_value

            expr = compile_value(node, table)
            inner: dict = {}
            _plain_fields(node, inner)
            resolved = None
            if resolve_transformed:
                nested: list = []
                _first_transformer_args(node, nested)
                resolved = tuple((as_string(n), compile_value(n, table)) for n in nested)
            parts.append(TransformerToken(expr, as_string(node), tuple(inner.items()), resolved,
                                          bool(getattr(expr, "is_list", False)), width))
        i = end
    if literal:
        parts.append("".join(literal))
    return OutputFormat(fmt, tuple(parts), star if all_optional is None else all_optional)
