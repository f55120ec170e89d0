"""tool.settings_credentials: what an agent settings file holds that is a credential."""

from __future__ import annotations

import os

from prempti_hook.event_source.agent_settings import (
    MAX_BYTES,
    credentials_of,
    settings_credentials,
)


def test_env_entries_named_like_credentials_with_a_value():
    text = ('{"env": {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIexampleexample", '
            '"MAX_THINKING_TOKENS": "31999", "OTEL_EXPORTER_OTLP_HEADERS_AUTH": "", '
            '"DISABLE_AUTOUPDATER": "1"}}')
    assert credentials_of(text) == ["env:AWS_SECRET_ACCESS_KEY"]


def test_helpers_and_credentials_anywhere_in_the_file():
    text = ('{"awsCredentialExport": "aws-vault export dev --format=json", '
            '"mcpServers": {"gh": {"args": ["ghp_0123456789abcdefghijABCDEFGHIJ012345"]}}}')
    assert credentials_of(text) == ["awsCredentialExport", "secret:github_token"]


def test_plain_settings_hold_nothing():
    text = '{"permissions": {"allow": ["Bash(npm test)"]}, "hooks": {"PreToolUse": []}}'
    assert credentials_of(text) == []


def test_what_cannot_be_read_as_json_is_unreadable():
    assert credentials_of('{"env": {') == ["unreadable"]
    assert credentials_of('["a list"]') == ["unreadable"]


def test_files_on_disk(tmp_path):
    plain = tmp_path / "a" / "settings.json"
    plain.parent.mkdir()
    plain.write_text('{"hooks": {}}')
    keyed = tmp_path / "b" / "settings.local.json"
    keyed.parent.mkdir()
    keyed.write_text('{"env": {"OPENAI_API_KEY": "sk-proj-abcdefghijklmnop"}}')
    huge = tmp_path / "c" / "settings.json"
    huge.parent.mkdir()
    huge.write_text('{"x": "' + "y" * MAX_BYTES + '"}')
    missing = tmp_path / "d" / "settings.json"
    assert settings_credentials([str(plain), str(missing)]) == ()
    assert "env:OPENAI_API_KEY" in settings_credentials([str(plain), str(keyed)])
    assert settings_credentials([str(huge)]) == ("unreadable",)
    # other names are not agent settings
    assert settings_credentials([str(tmp_path / "b")]) == ()


def test_a_fifo_is_never_opened_for_reading(tmp_path):
    fifo = tmp_path / "settings.json"
    os.mkfifo(fifo)
    # O_NONBLOCK: no writer, no hang; not a regular file: nothing known about it
    assert settings_credentials([str(fifo)]) == ("unreadable",)
