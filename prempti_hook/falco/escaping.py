"""String escapes of the condition language (libsinsp `filter/escaping.cpp`).

Three functions, one per direction of travel:

* `unescape_str(token)` turns a quoted-string token, quotes included, into its value (the
  table in docs/falco-language.md, "Strings and escapes", `\\xHH` included, errors with
  libsinsp's messages);
* `escape_str(value)` is libsinsp's rendering of a value inside `ast::as_string()`: quotes
  only when needed, and it is lossy on purpose (the empty string renders as nothing);
* `quote_str(value)` always quotes, and `unescape_str(quote_str(v)) == v` for every `v`: what
  a tool that must write a condition back out (`parser.unparse`) needs.

libsinsp values are byte strings; ours are `str`. A `str` stands for its UTF-8 bytes, with
the code points U+DC80..U+DCFF standing for single raw bytes 0x80..0xFF (Python's
`surrogateescape` convention for undecodable bytes). So `"\\xc3\\xa9"` is `"é"` and
`"\\xff"` is `"\\udcff"`: the same bytes libsinsp would compare.

Imported by `ast`, so it stays free of `re` and anything else heavy.
"""

from __future__ import annotations

from .errors import FalcoError


class EscapeError(FalcoError):
    """A quoted string with an escape libsinsp refuses; `message` is libsinsp's text."""


# One-character escapes and what they stand for. A backslash-space is a single backslash
# (libsinsp keeps it for old, wrongly-escaped Falco rules; the space is dropped).
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "\\": "\\",
                   " ": "\\", "/": "/"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def unescape_str(token: str) -> str:
    """The value of a quoted-string token, `token` including its opening and closing quote.

    Raises EscapeError for `\\"` inside `'...'`, `\\'` inside `"..."`, a bad `\\xHH`, or any
    other escape letter. A backslash left dangling before the closing quote is dropped, as
    libsinsp does (its lexer never produces such a token).
    """
    body = token[1:-1]
    if "\\" not in body:
        return body
    quote = token[0]
    out: list[str] = []
    raw = bytearray()  # a run of \xHH bytes >= 0x80, decoded together (UTF-8 sequences)
    i, end = 0, len(body)
    while i < end:
        char = body[i]
        if char != "\\":
            if raw:
                out.append(_decode_raw(raw))
            out.append(char)
            i += 1
            continue
        if i + 1 >= end:
            break
        letter = body[i + 1]
        if letter == "x":
            digits = body[i + 2:i + 4]
            if len(digits) < 2:
                raise EscapeError("truncated hex char escape sequence")
            if not (digits[0] in _HEX_DIGITS and digits[1] in _HEX_DIGITS):
                raise EscapeError(f"invalid hex char escape sequence: {digits}")
            byte = int(digits, 16)
            if byte < 0x80:
                if raw:
                    out.append(_decode_raw(raw))
                out.append(chr(byte))
            else:
                raw.append(byte)
            i += 4
            continue
        if raw:
            out.append(_decode_raw(raw))
        if letter in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[letter])
        elif letter in "\"'":
            if letter != quote:
                raise EscapeError(f"invalid \\{letter} escape in {quote}-quoted string")
            out.append(letter)
        else:
            raise EscapeError(f"unsupported string escape sequence: \\{letter}")
        i += 2
    if raw:
        out.append(_decode_raw(raw))
    return "".join(out)


def _decode_raw(raw: bytearray) -> str:
    """Empty `raw` and return its bytes as text (invalid UTF-8 as U+DC80..U+DCFF)."""
    text = bytes(raw).decode("utf-8", "surrogateescape")
    raw.clear()
    return text


# Characters that make escape_str quote a value, and how each is written inside the quotes
# (NUL triggers quoting but is copied raw, as libsinsp does).
_QUOTE_TRIGGERS = frozenset(" =\b\f\n\r\t\\\"'\0")
_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\",
            '"': '\\"'}


def escape_str(value: str) -> str:
    """libsinsp's `escape_str`: the value as `ast::as_string()` shows it.

    Quoted only when it contains a blank, `=`, a quote, a backslash, a control character
    among `\\b \\f \\n \\r \\t`, or NUL. The empty string renders as nothing (libsinsp quirk:
    `proc.name = ""` prints as `proc.name = `), so the output does not always parse back.
    """
    if not any(char in _QUOTE_TRIGGERS for char in value):
        return value
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


# quote_str writes NUL as \x00 (the lexer ends a quoted string at a raw NUL).
_QUOTED = {**_ESCAPES, "\0": "\\x00"}


def quote_str(value: str) -> str:
    """`value` as a double-quoted token that unescape_str maps back to `value` exactly.

    A final backslash is written `\\x5c`: the lexer ends a string at the first quote not
    preceded by a raw backslash, so `"x\\\\"` would never close.
    """
    body = "".join(_QUOTED.get(char, char) for char in value)
    if body.endswith("\\\\"):
        body = body[:-2] + "\\x5c"
    return '"' + body + '"'
