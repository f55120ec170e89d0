"""Values that code computes, as far as they can be known without running it.

A value is one of:
- `Text`: a string, with the parts known only at run time as `UNKNOWN` (or `FETCHED` for
  what comes from the network), and flags saying how it was made (decoded, built from
  pieces, read from the network or a file, holding the whole environment);
- `Ref`: a module, class or function by its qualified name (`os.path.join`), so that calls
  through aliases, `getattr` and `__import__` resolve to what they really call;
- `Obj`: an object whose kind matters (a socket, an HTTP response, an open file, the
  environment mapping);
- a Python `int`, or a `list` of values (a tuple, a list, an array literal);
- None: nothing is known.

The helpers here combine values the way code does (concatenation, path joins, `~`), decode
literal payloads (base64, hex, zlib, char codes), and tell paths, URLs and hosts apart.
Every result is bounded (`MAX_VALUE` characters, `MAX_CODE` for decoded code).
"""

from __future__ import annotations

from .report import (
    BUILT,
    DECODED,
    FETCHED,
    MARKERS,
    MAX_CODE,
    MAX_VALUE,
    NETWORK,
    UNKNOWN,
)


class Text:
    """A string value and the flags of how it was made (`report.DECODED`...)."""

    __slots__ = ("flags", "path", "s")

    def __init__(self, s: str, flags: int = 0, path: str = "") -> None:
        if len(s) > MAX_VALUE:
            s = s[:MAX_VALUE] + UNKNOWN
        self.s = s
        self.flags = flags
        self.path = path  # for a file's content: the file it was read from

    def known(self) -> bool:
        return not any(m in self.s for m in MARKERS)

    def __repr__(self) -> str:  # for tests and debugging
        return f"Text({self.s!r}, {self.flags})"


class Ref:
    """A module, class or function by qualified name; `flags` tell how it was named."""

    __slots__ = ("flags", "name")

    def __init__(self, name: str, flags: int = 0) -> None:
        self.name = name
        self.flags = flags

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


class Obj:
    """An object of a kind that matters: `socket`, `response`, `file`, `environ`, `code`."""

    __slots__ = ("flags", "kind", "path")

    def __init__(self, kind: str, flags: int = 0, path: str = "") -> None:
        self.kind = kind
        self.flags = flags
        self.path = path

    def __repr__(self) -> str:
        return f"Obj({self.kind!r}, {self.flags})"


UNKNOWN_TEXT = Text(UNKNOWN)


def flags_of(value) -> int:
    if isinstance(value, (Text, Ref, Obj)):
        return value.flags
    if isinstance(value, list):
        out = 0
        for item in value[:64]:
            out |= flags_of(item)
        return out
    return 0


def as_text(value) -> Text:
    """The value as a string (what `str(x)` or interpolation would give)."""
    if isinstance(value, Text):
        return value
    if isinstance(value, bool) or value is None:
        return UNKNOWN_TEXT
    if isinstance(value, int):
        return Text(str(value))
    if isinstance(value, Obj):
        if value.flags & NETWORK:
            return Text(FETCHED, value.flags)
        return Text(UNKNOWN, value.flags, value.path)
    if isinstance(value, list):
        return Text(UNKNOWN, flags_of(value))
    return UNKNOWN_TEXT


def concat(parts: list, built: bool = True) -> Text:
    """Values joined end to end (`a + b`, `"$a/b"`, awk's juxtaposition). Two or more
    pieces make the result `BUILT` unless `built` is False (an f-string, an
    interpolation: ordinary ways of writing one string)."""
    texts = [as_text(p) for p in parts]
    flags = 0
    for text in texts:
        flags |= text.flags
    if built and len(texts) > 1:
        flags |= BUILT
    path = texts[0].path if len(texts) == 1 else ""
    joined = "".join(t.s for t in texts)
    return Text(joined, flags, path)


def join_path(parts: list) -> Text:
    """`os.path.join`, `path.join`, `File.join`, `Path(a) / b`: later absolute parts restart."""
    texts = [as_text(p) for p in parts]
    flags = 0
    out = ""
    for text in texts:
        flags |= text.flags
        piece = text.s
        if piece.startswith("/") or not out:
            out = piece
        elif out.endswith("/"):
            out += piece
        else:
            out += "/" + piece
    return Text(out, flags & ~BUILT)


def expand_user(value, home: str) -> Text:
    """`~` and `~/x` at the start become the home folder (`os.path.expanduser`)."""
    text = as_text(value)
    s = text.s
    if s == "~" or s.startswith("~/"):
        return Text(home + s[1:], text.flags)
    return text


def expand_vars(value, home: str) -> Text:
    """`$HOME`/`${HOME}` become the home folder (`os.path.expandvars`)."""
    text = as_text(value)
    s = text.s
    for name in ("${HOME}", "$HOME"):
        if name in s:
            s = s.replace(name, home)
    return Text(s, text.flags)


# --- decoding literal payloads -----------------------------------------------------------

_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\r\t")
_HEX = frozenset("0123456789abcdefABCDEF \n\r\t")


def _bytes_text(data: bytes) -> str:
    if len(data) > MAX_CODE:
        data = data[:MAX_CODE]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_base64(text: str) -> str | None:
    """The text a base64 (or base64url) literal decodes to, else None."""
    if not text or len(text) > 4 * MAX_CODE or not _B64.issuperset(text):
        return None
    import binascii

    data = text.strip().replace("-", "+").replace("_", "/")
    data += "=" * (-len(data) % 4)
    try:
        return _bytes_text(binascii.a2b_base64(data.encode("ascii")))
    except (binascii.Error, ValueError):
        return None


def decode_hex(text: str) -> str | None:
    text = text.strip()
    if text.startswith(("0x", "0X")):
        text = text[2:]
    if not text or len(text) > 2 * MAX_CODE or not _HEX.issuperset(text):
        return None
    try:
        return _bytes_text(bytes.fromhex(text))
    except ValueError:
        return None


def decode_utf16(text: str) -> str | None:
    """PowerShell's -EncodedCommand: base64 of UTF-16LE."""
    if not text or len(text) > 4 * MAX_CODE or not _B64.issuperset(text):
        return None
    import binascii

    try:
        data = binascii.a2b_base64(text.encode("ascii"))
        return data[:2 * MAX_CODE].decode("utf-16-le", "replace")
    except (binascii.Error, ValueError):
        return None


def decompress(text: str) -> str | None:
    """zlib/gzip data (given as latin-1 text of its bytes), bounded."""
    try:
        import zlib
    except ImportError:  # pragma: no cover - every CPython has it
        return None
    data = text.encode("latin-1", "replace")
    for wbits in (15, 31, -15):
        try:
            inflater = zlib.decompressobj(wbits)
            return _bytes_text(inflater.decompress(data, MAX_CODE))
        except zlib.error:
            continue
    return None


def rot13(text: str) -> str:
    out = []
    for char in text:
        if "a" <= char <= "z":
            out.append(chr((ord(char) - 97 + 13) % 26 + 97))
        elif "A" <= char <= "Z":
            out.append(chr((ord(char) - 65 + 13) % 26 + 65))
        else:
            out.append(char)
    return "".join(out)


def chars(codes: list) -> Text:
    """`String.fromCharCode(99, 104...)`, `chr(99) + ...`, `bytes([99, ...])`."""
    out = []
    for code in codes[:MAX_VALUE]:
        if isinstance(code, int) and 0 <= code <= 0x10FFFF:
            out.append(chr(code))
        else:
            out.append(UNKNOWN)
    return Text("".join(out), DECODED | BUILT)


def decoded(value, decoder) -> Text:
    """Apply `decoder` (text -> text or None) to a literal value; a value that cannot be
    decoded now is still marked as decoded (it will be, at run time)."""
    text = as_text(value)
    if text.known():
        result = decoder(text.s)
        if result is not None:
            return Text(result, text.flags | DECODED)
    marker = FETCHED if text.flags & NETWORK or FETCHED in text.s else UNKNOWN
    return Text(marker, text.flags | DECODED)


# --- what a string is ---------------------------------------------------------------------

def looks_like_path(text: str, home: str) -> bool:
    """An absolute path, `~`, or a path under the home folder, on one line."""
    if not text or len(text) > 4096 or any(c in text for c in "\n\r\t\x00<>|;&`"):
        return False
    if "://" in text or " -" in text or text.startswith(("/inet/", "/inet4/", "/inet6/")):
        return False
    return text[0] == "/" or text == "~" or text.startswith("~/")


def url_in(text: str) -> str | None:
    """The URL `text` starts with (`scheme://...`, up to the first blank), else None."""
    sep = text.find("://")
    if sep <= 0 or sep > 16 or not text[0].isalpha():
        return None
    if not all(c.isalnum() or c in "+-." for c in text[:sep]):
        return None
    end = len(text)
    for blank in " \t\n\r\"'<>":
        pos = text.find(blank)
        if 0 <= pos < end:
            end = pos
    return text[:end]


def host_in(text: str) -> str | None:
    """The host of `host`, `host:port`, `[v6]:port` or `/inet/tcp/0/host/port` (gawk),
    when `text` is one, else None."""
    if not text or len(text) > 300 or any(c in text for c in " \t\n/\\@'\""):
        if text.startswith(("/inet/", "/inet4/", "/inet6/")):
            parts = text.split("/")
            if len(parts) >= 6 and parts[4] and parts[4] != "0":
                return parts[4]
        return None
    if any(m in text for m in MARKERS):
        return None
    from ..netaddr import looks_like_hostname

    if text.startswith("["):
        end = text.find("]")
        candidate = text[:end + 1] if end > 0 else text
    elif text.count(":") == 1:
        candidate, _, port = text.partition(":")
        if port and not port.isdigit():
            return None
    else:
        candidate = text
    if not looks_like_hostname(candidate):
        return None
    last = candidate.rsplit(".", 1)[-1].lower()
    if last in _FILE_SUFFIXES:
        return None
    return candidate


# Name endings that make a dotted word a file, not a host (`config.yaml`, `main.py`).
_FILE_SUFFIXES = frozenset((
    "py", "js", "ts", "json", "yaml", "yml", "toml", "txt", "md", "cfg", "ini", "conf", "log",
    "sh", "rb", "pl", "php", "lua", "go", "rs", "c", "h", "cpp", "java", "class", "jar", "csv",
    "xml", "html", "css", "lock", "env", "pem", "key", "crt", "pub", "tgz", "gz", "zip", "tar",
    "bz2", "xz", "so", "dll", "exe", "bin", "db", "sqlite"))
