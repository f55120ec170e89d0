from __future__ import annotations

import json
import os
import shlex
import stat
import sys
from pathlib import Path

import pytest

from prempti_hook import claude_settings as cs

HOME = "/home/u/.prempti"
ZIPAPP = cs.zipapp_path(HOME)
PYTHON = "/usr/bin/python3.11"
COMMAND = cs.hook_command(PYTHON, HOME)


def test_hook_command_is_quoted_and_isolated():
    home = "/tmp/it's a \"home\"; rm -rf ~ $(x)"
    words = shlex.split(cs.hook_command("/opt/py thon/bin/python3", home))
    assert words == [f"PREMPTI_HOME={home}", "PREMPTI_MANAGED_DIR=", "/opt/py thon/bin/python3",
                     "-I", "-S", f"{home}/bin/prempti-hook"]


def test_settings_path_follows_claude_config_dir():
    assert cs.settings_path({"HOME": "/h"}) == "/h/.claude/settings.json"
    assert cs.settings_path({"HOME": "/h", "CLAUDE_CONFIG_DIR": "/c"}) == "/c/settings.json"


def test_add_to_empty_settings_creates_the_documented_shape():
    data, created = cs.add({}, COMMAND, ZIPAPP)
    assert data == {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": COMMAND, "timeout": 30, "onFailure": "block"}]}]}}
    assert created == ["hooks", "hooks.PreToolUse"]


def _user_settings() -> dict:
    return {
        "model": "opus",
        "permissions": {"allow": ["Bash(git *)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command",
                                                          "command": "my-hook.sh"}]}],
            "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command",
                                                        "command": "log.sh"}]}],
        },
    }


def test_add_keeps_everything_else_and_is_idempotent():
    original = _user_settings()
    once, created = cs.add(original, COMMAND, ZIPAPP)
    assert created == []
    assert original == _user_settings()  # the input is not modified
    twice, _ = cs.add(once, COMMAND, ZIPAPP)
    assert twice == once
    groups = once["hooks"]["PreToolUse"]
    assert groups[0] == _user_settings()["hooks"]["PreToolUse"][0]
    assert groups[1]["hooks"][0]["command"] == COMMAND
    assert once["hooks"]["PostToolUse"] == original["hooks"]["PostToolUse"]
    assert [k for k in once] == ["model", "permissions", "hooks"]


def test_add_updates_in_place_and_removes_duplicates():
    old_command = cs.hook_command("/old/python3.9", HOME)
    data = {"hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [{"type": "command", "command": "first.sh"},
                                   {"type": "command", "command": old_command, "timeout": 5}]},
        {"matcher": "Bash", "hooks": [{"type": "command", "command": "mine.sh"}]},
        {"matcher": "*", "hooks": [{"type": "command", "command": old_command}]},
    ]}}
    new, _ = cs.add(data, COMMAND, ZIPAPP)
    groups = new["hooks"]["PreToolUse"]
    assert len(groups) == 2
    assert groups[0]["hooks"] == [{"type": "command", "command": "first.sh"},
                                  cs.hook_entry(COMMAND)]  # same place as before
    assert groups[1]["hooks"] == [{"type": "command", "command": "mine.sh"}]
    assert cs.find(new, ZIPAPP) == [(0, 1)]


def test_a_registration_under_a_narrow_matcher_moves_to_star():
    data = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": COMMAND}]}]}}
    new, _ = cs.add(data, COMMAND, ZIPAPP)
    assert new["hooks"]["PreToolUse"] == [{"matcher": "*", "hooks": [cs.hook_entry(COMMAND)]}]


def test_other_installations_and_lookalikes_are_not_ours():
    other = cs.hook_command(PYTHON, "/home/u/.other-prempti")
    lookalikes = [other, f"echo {ZIPAPP}x", f"cat {ZIPAPP}.bak", "unbalanced 'quote"]
    data = {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": c} for c in lookalikes]
        + [{"type": "http", "url": ZIPAPP}, "not a hook", {"type": "command"}]}]}}
    assert cs.find(data, ZIPAPP) == []
    assert cs.remove(data, ZIPAPP, ["hooks", "hooks.PreToolUse"]) == data
    assert cs.find(data, "/home/u/.other-prempti/bin/prempti-hook") == [(0, 0)]


def test_remove_takes_only_our_entry_and_the_containers_we_created():
    added, created = cs.add({"model": "x"}, COMMAND, ZIPAPP)
    assert cs.remove(added, ZIPAPP, created) == {"model": "x"}
    mixed, created = cs.add(_user_settings(), COMMAND, ZIPAPP)
    assert cs.remove(mixed, ZIPAPP, created) == _user_settings()
    # containers that existed before stay, even if empty
    empty_before = {"hooks": {"PreToolUse": []}}
    added, created = cs.add(empty_before, COMMAND, ZIPAPP)
    assert created == []
    assert cs.remove(added, ZIPAPP, created) == empty_before


@pytest.mark.parametrize("data", [{"hooks": []}, {"hooks": {"PreToolUse": {}}},
                                  {"hooks": "x"}])
def test_malformed_containers_are_refused_not_rewritten(data):
    with pytest.raises(cs.SettingsError):
        cs.add(data, COMMAND, ZIPAPP)


@pytest.mark.parametrize(("raw", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "not an object"),
    (b'"text"', "not an object"),
    (b'{"a": 1, "a": 2}', "appears twice"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"a": ' * 100000, "not valid JSON"),
])
def test_parse_refuses_what_it_cannot_rewrite_faithfully(raw, message):
    with pytest.raises(cs.SettingsError, match=message):
        cs.parse(raw, "settings.json")


def test_parse_accepts_empty_and_bom():
    assert cs.parse(b"", "s") == {}
    assert cs.parse(b"  \n", "s") == {}
    assert cs.parse(b'\xef\xbb\xbf{"a": 1}', "s") == {"a": 1}


def test_problems_name_what_weakens_the_registration(tmp_path):
    home = str(tmp_path)
    zipapp = cs.zipapp_path(home)
    command = cs.hook_command("/nonexistent/python3", home)
    assert cs.problems({}, zipapp) == ["the hook is not registered"]
    weak = {"disableAllHooks": True, "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": command}]}]}}
    found = " | ".join(cs.problems(weak, zipapp, expected_command="other"))
    for expected in ("matcher is 'Bash'", '"onFailure" is not "block"', "no timeout",
                     "command differs", "disableAllHooks", "/nonexistent/python3",
                     f"{zipapp} does not exist"):
        assert expected in found
    os.makedirs(os.path.dirname(zipapp))
    open(zipapp, "w").close()
    good, _ = cs.add({}, cs.hook_command(os.path.realpath(sys.executable), home), zipapp)
    assert cs.problems(good, zipapp) == []


def test_render_keeps_indentation_and_unicode():
    data = {"a": {"b": "caf\u00e9"}}
    assert cs.render(data, b'{\n    "x": 1\n}') == \
        '{\n    "a": {\n        "b": "caf\u00e9"\n    }\n}\n'.encode()
    assert cs.render(data, None) == '{\n  "a": {\n    "b": "caf\u00e9"\n  }\n}\n'.encode()
    assert cs.render(data, b'{\n\t"x": 1\n}').startswith(b'{\n\t"a"')
    assert json.loads(cs.render(data, None)) == data


def test_write_atomic_keeps_a_symlinked_file_linked(tmp_path):
    target = tmp_path / "dotfiles" / "settings.json"
    target.parent.mkdir()
    target.write_text("{}")
    link = tmp_path / "settings.json"
    link.symlink_to(target)
    cs.write_atomic(str(link), b'{"a": 1}\n', 0o640)
    assert link.is_symlink()
    assert target.read_bytes() == b'{"a": 1}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["settings.json"]  # no temp left


def test_backup_is_a_private_timestamped_copy_never_overwritten(tmp_path):
    path = str(tmp_path / "settings.json")
    first = cs.backup(path, b"one")
    second = cs.backup(path, b"two")
    assert first != second
    assert os.path.basename(first).startswith("settings.json" + cs.BACKUP_INFIX)
    assert Path(first).read_bytes() == b"one" and Path(second).read_bytes() == b"two"
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
