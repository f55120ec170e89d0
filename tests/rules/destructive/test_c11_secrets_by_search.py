"""Class 11: secrets read by content search (grep, rg, awk, sed over .env files for key
names) are denied; a presence check that prints nothing is allowed, and so is searching code
for the name of a variable."""

from __future__ import annotations

import pytest

ENV = [{"file": "{project}/.env", "content": "STRIPE_SECRET_KEY=sk_live_51abc\n"},
       {"file": "{project}/.env.local", "content": "OPENAI_API_KEY=sk-proj-abc\n"},
       {"file": "{project}/src/pay.ts", "content": "process.env.STRIPE_SECRET_KEY\n"}]

DENIES = [
    "grep STRIPE .env",
    "grep -r API_KEY .env*",
    "rg -n 'KEY|SECRET' .env.local",
    "awk -F= '/^STRIPE/ {print $2}' .env",
    "sed -n 's/^OPENAI_API_KEY=//p' .env.local",
    "cat .env.local | grep -i openai",
    "grep -h KEY .env .env.local | head -1",
]

ALLOWS = [
    "grep -q '^STRIPE_SECRET_KEY=' .env && echo present",
    "grep -qE '^OPENAI_API_KEY=.+' .env.local || echo missing",
    "grep -c KEY .env",
    "grep -l STRIPE .env .env.local",
    "grep -rn 'process.env.STRIPE_SECRET_KEY' src/",
    "rg -l dotenv src",
]


@pytest.mark.parametrize("command", DENIES)
def test_printing_secret_values_by_search_is_denied(verdict, command):
    result = verdict(command, setup=ENV)
    assert result == "deny", result.rules


@pytest.mark.parametrize("command", ALLOWS)
def test_presence_checks_and_code_searches_are_allowed(verdict, command):
    result = verdict(command, setup=ENV)
    assert result == "allow", result.rules


def test_a_listed_name_fed_to_a_reader_is_not_a_mention(verdict):
    assert verdict("grep -l STRIPE .env | xargs cat", setup=ENV) == "deny"
    assert verdict("cat $(grep -l STRIPE .env)", setup=ENV) == "deny"
