"""Compiling output formats (cold path: when the rules are compiled). The token syntax and
what a compiled format renders are described in `falco.output`.
"""

from __future__ import annotations

from .output import FieldToken, OutputFormat, TransformerToken

MAX_TOKEN_CHARS = 1024  # longest token text tried when the parser cannot delimit it


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
