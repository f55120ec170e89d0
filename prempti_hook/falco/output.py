"""Output formats (docs/falco-language.md, "Outputs"): `%field` tokens in a rule's output,
compiled once, rendered on every alert.

`falco.output_compiler.compile_format(text, table)` (cold path) turns a format string into
an `OutputFormat`; this module is what renders it, on the hot path (an `OutputFormat`
imports nothing) for the rule that decides a call:

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
