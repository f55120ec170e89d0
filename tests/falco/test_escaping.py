"""String escaping: section C of the vectors (libsinsp filter_escaping.ut.cpp), plus the
round-trip writer `quote_str` the vectors do not cover."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vectors import params

from prempti_hook.falco.errors import FalcoError
from prempti_hook.falco.escaping import EscapeError, escape_str, quote_str, unescape_str


def as_text(raw: bytes) -> str:
    """Bytes as the engine's str values stand for them (see escaping's docstring)."""
    return raw.decode("utf-8", "surrogateescape")


def as_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def case_input(case: dict) -> str:
    if "input_bytes_hex" in case:
        return as_text(bytes.fromhex(case["input_bytes_hex"]))
    return case["input"]


def hex_escape_error_matches(message: str, allowed: list[str]) -> bool:
    """`allowed` spells the two hex digits of the invalid-sequence message `<2 chars>`."""
    for pattern in allowed:
        prefix, placeholder, _ = pattern.partition("<2 chars>")
        if placeholder:
            if message.startswith(prefix) and len(message) == len(prefix) + 2:
                return True
        elif message == pattern:
            return True
    return False


@pytest.mark.parametrize("case", params("C_escaping"))
def test_vector(case: dict) -> None:
    function = case["function"]
    value = case_input(case)
    if case.get("expect") == "error":
        with pytest.raises(EscapeError) as raised:
            unescape_str(value)
        assert hex_escape_error_matches(raised.value.message, case["error_one_of"])
        return
    if function == "escape_str":
        result = escape_str(value)
    elif function.startswith("unescape_str(escape_str(x))"):
        result = unescape_str(escape_str(value))
    elif function.startswith("unescape_str"):
        result = unescape_str(value)
    else:
        pytest.fail(f"unknown vector function {function!r}")
    if "expect_bytes_hex" in case:
        assert as_bytes(result) == bytes.fromhex(case["expect_bytes_hex"])
    else:
        assert result == case["expect"]


@pytest.mark.parametrize(("token", "value"), [
    ('"a\\bb"', "a\bb"), ('"\\f\\n\\r\\t"', "\f\n\r\t"), ('"a\\\\b"', "a\\b"),
    ('"a\\/b"', "a/b"), ('"it\\"s"', 'it"s'), ("'it\\'s'", "it's"),
    ('"a\\ b"', "a\\b"),                        # backslash-space: one backslash, no space
    ('""', ""), ("''", ""), ('"plain"', "plain"),
    ('"\\x41\\x42"', "AB"), ('"\\xc3\\xa9"', "é"), ('"\\xe2\\x82\\xac!"', "€!"),
    ('"\\xff"', "\udcff"), ('"\\xc3a"', "\udcc3a"), ('"\\x00"', "\0"),
    ('"x\\"', "x"),                             # a dangling backslash is dropped
])
def test_unescape(token: str, value: str) -> None:
    assert unescape_str(token) == value


@pytest.mark.parametrize(("token", "message"), [
    ('"a\\\'b"', "invalid \\' escape in \"-quoted string"),
    ("'a\\\"b'", "invalid \\\" escape in '-quoted string"),
    ('"\\q"', "unsupported string escape sequence: \\q"),
    ('"\\u0041"', "unsupported string escape sequence: \\u"),
    ('"\\x4"', "truncated hex char escape sequence"),
    ('"\\xg1"', "invalid hex char escape sequence: g1"),
    ('"\\x\\x"', "invalid hex char escape sequence: \\x"),
])
def test_unescape_errors(token: str, message: str) -> None:
    with pytest.raises(EscapeError) as raised:
        unescape_str(token)
    assert raised.value.message == message
    assert isinstance(raised.value, FalcoError)


@pytest.mark.parametrize(("value", "shown"), [
    ("", ""), ("plain", "plain"), ("a=b", '"a=b"'), ("it's", "\"it's\""),
    ("tab\there", '"tab\\there"'), ("back\\slash", '"back\\\\slash"'),
    ("a,b(c)", "a,b(c)"),                       # not quoted: libsinsp's lossy rendering
    ("\0", '"\0"'),
])
def test_escape_str(value: str, shown: str) -> None:
    assert escape_str(value) == shown


@pytest.mark.parametrize(("value", "quoted"), [
    ("", '""'), ("a b", '"a b"'), ('say "hi"', '"say \\"hi\\""'), ("\0", '"\\x00"'),
    ("ends\\", '"ends\\x5c"'), ("\\\\", '"\\\\\\x5c"'), ("a,b", '"a,b"'),
])
def test_quote_str(value: str, quoted: str) -> None:
    assert quote_str(value) == quoted


@given(st.text(st.characters(exclude_categories=())))
def test_quote_str_round_trips(value: str) -> None:
    assert unescape_str(quote_str(value)) == value


@given(st.text(st.characters(exclude_categories=())))
def test_unescape_never_crashes(body: str) -> None:
    for token in ('"' + body + '"', "'" + body + "'"):
        try:
            unescape_str(token)
        except EscapeError as error:
            assert error.message
