"""Credential detection for `tool.secrets`: each kind, near misses, walking, bounds.

Sample tokens are assembled at run time from pieces so that this file itself does not
look like a leaked credential to secret scanners.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from importcheck import heavy_imports

from prempti_hook.event_source import secrets
from prempti_hook.event_source.secrets import find_secrets


def _alnum(length: int, seed: str = "a1B2c3D4e5F6g7H8") -> str:
    return (seed * (length // len(seed) + 1))[:length]


def _base32(length: int) -> str:
    return ("QWERTYUIOPASDFGHJKLZXCVBNM234567" * 3)[:length]


SAMPLES = {
    "aws_access_key_id": "AKIA" + _base32(16),
    "aws_access_key_id (temporary)": "ASIA" + _base32(16),
    "aws_secret_access_key": "aws_secret_access_key = " + _alnum(36) + "/+ab",
    "aws_secret_access_key (json)": '"SecretAccessKey": "' + _alnum(40) + '"',
    "github_token": "ghp_" + _alnum(36),
    "github_token (oauth)": "gho_" + _alnum(36),
    "github_token (app)": "ghs_" + _alnum(36),
    "github_token (fine-grained)": "github_pat_11" + _alnum(20) + "_" + _alnum(59),
    "gitlab_token": "glpat-" + _alnum(20),
    "slack_token": "xoxb-" + "123456789012-1234567890123-" + _alnum(24),
    "slack_webhook": "https://hooks.slack.com/services/T" + _alnum(8) + "/B" + _alnum(8)
                     + "/" + _alnum(24),
    "anthropic_api_key": "sk-ant-api03-" + _alnum(93) + "AA",
    "openai_api_key": "sk-proj-" + _alnum(100),
    "openai_api_key (legacy)": "sk-" + _alnum(20) + "T3BlbkFJ" + _alnum(20),
    "google_api_key": "AIza" + _alnum(35),
    "stripe_secret_key": "sk_" + "live_" + _alnum(24),
    "npm_token": "npm_" + _alnum(36),
    "huggingface_token": "hf_" + _alnum(34),
    "private_key": "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEow...",
    "private_key (openssh)": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3Blbn...",
    "private_key (pgp)": "-----BEGIN PGP " + "PRIVATE KEY BLOCK-----",
    "jwt": "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + _alnum(43),
    "url_password": "postgres://app:" + "S3cr3tP4ss@db.example:5432/app",
    "age_secret_key": "AGE-SECRET-KEY-1" + ("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L" * 2)[:58].upper(),
}


@pytest.mark.parametrize("label", sorted(SAMPLES))
def test_each_kind_is_found(label):
    kind = label.split(" ")[0]
    assert find_secrets({"command": "echo " + SAMPLES[label] + " | x"}) == (kind,)


@pytest.mark.parametrize("text", [
    "AKIA" + _base32(15),                           # too short
    "AKIA" + _base32(16) + "Z",                     # too long
    "xAKIA" + _base32(16),                          # inside a longer word
    "AKIAIOSFODNN7EXAMPLE",                         # the documentation example
    "ghp_" + _alnum(20),                            # too short
    "sk-learn is a library; sk-ant-short",
    "sk-" + "a" * 48,                               # no digits or upper case
    "-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----",
    "eyJhbGciOi.eyJzdWIi.x",                        # too short to be a token
    "https://user:$PASSWORD@example.com", "https://user:<password>@example.com",
    "https://example.com/path@2x.png", "mailto:someone@example.com",
    "The token goes in GITHUB_TOKEN; AIza is a prefix; xoxb- too.",
    "AIza" + _alnum(20),
    "sk_" + "test_" + _alnum(24),
])
def test_near_misses_are_not_reported(text):
    assert find_secrets({"content": text}) == ()


def test_walks_nested_values_and_keys():
    value = {"a": [{"b": ["x", {"c": "ghp_" + _alnum(36)}]}],
             "AKIA" + _base32(16): 1, "n": 5, "t": True, "z": None}
    assert find_secrets(value) == ("aws_access_key_id", "github_token")


def test_reports_each_kind_once_and_sorted():
    text = " ".join(["ghp_" + _alnum(36)] * 3 + ["AIza" + _alnum(35)])
    assert find_secrets(text) == ("github_token", "google_api_key")


def test_never_returns_the_secret_itself():
    token = "ghp_" + _alnum(36)
    assert token not in repr(find_secrets({"x": token}))


def test_depth_and_node_bounds():
    deep: object = "ghp_" + _alnum(36)
    for _ in range(secrets.MAX_DEPTH + 10):
        deep = [deep]
    assert find_secrets(deep) == ()  # below the depth limit: not examined
    wide = ["x"] * (secrets.MAX_NODES * 2) + ["ghp_" + _alnum(36)]
    start = time.perf_counter()
    find_secrets(wide)
    assert time.perf_counter() - start < 1.0


def test_huge_text_is_bounded():
    text = "a" * (4 * 1024 * 1024) + "ghp_" + _alnum(36)
    start = time.perf_counter()
    assert find_secrets({"content": text}) == ()  # past MAX_CHARS: documented limit
    assert time.perf_counter() - start < 1.0
    assert find_secrets({"content": "a" * 1000 + " ghp_" + _alnum(36)}) == ("github_token",)


@settings(max_examples=300)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=60),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=30))
def test_never_raises(value):
    assert isinstance(find_secrets(value), tuple)


def test_import_stays_light():
    assert heavy_imports("import prempti_hook.event_source.secrets") == set()


# --- labelled secrets: NAME=value lines whose name says secret (quality2) ---------------------

@pytest.mark.parametrize("text", [
    "SESSION_SECRET=q8Zr2LmX0vB7",
    "export GITLAB_API_TOKEN='x9Y8w7V6u5T4'",
    "a=1\n  DB_PASSWORD=Zq8#mL2v\n",
    "//npm.pkg.example.com/:_authToken=abc123def456ghi",
])
def test_labelled_secrets(text):
    assert "labelled_secret" in find_secrets(text)


@pytest.mark.parametrize("text", [
    "SECRET_KEY=your-secret-key-here",
    "API_TOKEN=${API_TOKEN}",
    "MAX_TOKENS=4096",
    "https://api.example.com/list?page_token=CAESBggDEAEY2",
    "PASSWORD=<set me>",
    "STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "token_count=12ab",
])
def test_placeholders_and_lookalikes_are_no_labelled_secrets(text):
    assert "labelled_secret" not in find_secrets(text)
