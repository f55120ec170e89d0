from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from importcheck import heavy_imports

from prempti_hook import jsonio

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_agrees_with_json(value):
    text = jsonio.dumps(value)
    assert text.isascii()
    assert json.loads(text) == value
    assert jsonio.loads(text) == value
    assert jsonio.loads(json.dumps(value, indent=2)) == value


@given(st.text(max_size=30))
def test_invalid_text_raises_value_error_like_json(text):
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            jsonio.loads(text)
    else:
        if text.strip() in ("NaN", "Infinity", "-Infinity"):
            with pytest.raises(ValueError):
                jsonio.loads(text)
        else:
            assert jsonio.loads(text) == expected


def test_non_ascii_kept_when_asked_and_keys_sorted():
    assert jsonio.dumps({"b": "é", "a": [1]}, sort_keys=True, ensure_ascii=False) == \
        '{"a":[1],"b":"é"}'
    assert jsonio.dumps("\ud800") == '"\\ud800"'


def test_deep_nesting_is_a_recursion_error_not_a_crash():
    with pytest.raises(RecursionError):
        jsonio.loads("[" * 100000)


def test_valid_json_needs_neither_json_nor_re():
    code = "import prempti_hook.jsonio as j; j.loads('{\"a\": [1]}'); j.dumps({'a': 1})"
    assert heavy_imports(code) == set()
