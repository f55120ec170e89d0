"""JSON in and out without importing the `json` package on the hot path.

`import json` costs ~10 ms here because `json.decoder` imports `re`. The C accelerator
`_json` that `json` itself uses needs neither, so valid input and all output go straight
through it; only invalid input (a cold, rare path) falls back to the `json` package, for
its error message. Output is compact and ASCII-only (lone surrogates become `\\udXXX`
escapes instead of failing to encode).
"""

from __future__ import annotations

try:
    import _json
except ImportError:  # pragma: no cover - every CPython has it
    _json = None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class _ScanContext:
    """The attributes `_json.make_scanner` reads from a `json.JSONDecoder`."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_reject_constant)

    def __init__(self) -> None:
        self.memo: dict = {}


_WHITESPACE = " \t\n\r"


def loads(text: str):
    """Parse one JSON document. Raises ValueError (or RecursionError) when it is not valid."""
    if _json is not None:
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = _json.make_scanner(_ScanContext())(text, start)
        except RecursionError:
            raise
        except Exception:
            value, end = None, -1
        if end >= 0 and not text[end:].strip(_WHITESPACE):
            return value
    import json

    return json.loads(text, parse_constant=_reject_constant)


def _fail_default(obj):
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _encoder(sort_keys: bool, ensure_ascii: bool):
    if _json is None:  # pragma: no cover
        return None
    encode = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    return _json.make_encoder(None, _fail_default, encode, None, ":", ",", sort_keys, False,
                              False)


_ENCODERS = {(s, a): _encoder(s, a) for s in (False, True) for a in (False, True)}


def dumps(obj, sort_keys: bool = False, ensure_ascii: bool = True) -> str:
    """Compact JSON text of `obj` (dict, list, tuple, str, int, float, bool, None).

    ASCII-only by default (safe to write anywhere, lone surrogates escaped); with
    `ensure_ascii=False` non-ASCII text stays as is, the way serde_json (Prempti) writes it.
    """
    encoder = _ENCODERS[(sort_keys, ensure_ascii)]
    if encoder is None:  # pragma: no cover
        import json

        return json.dumps(obj, separators=(",", ":"), sort_keys=sort_keys,
                          ensure_ascii=ensure_ascii, allow_nan=False)
    return "".join(encoder(obj, 0))
