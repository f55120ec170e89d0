from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from prempti_hook import auditlog, config, rulefiles
from prempti_hook import claude_settings as cs
from prempti_hook.commands import install, status


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "p"))
    for name in ("PREMPTI_MODE", "PREMPTI_RULES", "CLAUDE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "p"


def lines_of(capsys) -> dict:
    """status output by its leading word."""
    out = capsys.readouterr().out
    return {line.split(":", 1)[0]: line for line in out.splitlines() if ":" in line}, out


def test_nothing_installed(home, capsys):
    assert status.main("status", []) == 0
    by_label, out = lines_of(capsys)
    assert by_label["home"] == f"home: {home}"
    assert by_label["installed"].startswith("installed: no (")
    assert by_label["hook"].startswith("hook: NOT registered in ")
    assert by_label["mode"] == "mode: guardrails (the default)"
    assert by_label["rules"].startswith("rules: ")
    assert by_label["cache"].startswith("cache: missing (")
    assert by_label["log"] == f"log: empty ({home / 'log' / 'events.jsonl'})"
    assert out.splitlines()[1].startswith("prempti-hook 0.1.0")


def test_registered_mode_rules_and_log(home, capsys, monkeypatch):
    zipapp = Path(cs.zipapp_path(str(home)))
    zipapp.parent.mkdir(parents=True)
    zipapp.write_bytes(b"not a zip")
    assert install.main("install", []) == 0
    (home / "rules" / "user").mkdir(parents=True)
    (home / "rules" / "user" / "a.yaml").write_text("- list: a\n  items: []\n")
    (home / "config.yaml").write_text("mode: monitor\nbogus line\n")
    cfg = config.load()
    for n, verdict in enumerate(["allow", "deny", "allow", "ask", "deny", "allow", "allow"]):
        auditlog.append(cfg, {"time": f"2026-11-25T10:00:0{n}.0Z", "verdict": verdict,
                              "rule": f"r{n}", "output_fields": {"tool.name": "Bash"},
                              "enforced": False})
    capsys.readouterr()
    assert status.main("status", []) == 0
    by_label, out = lines_of(capsys)
    assert by_label["installed"].startswith(f"installed: {zipapp} is damaged")
    assert by_label["hook"].startswith(f"hook: registered in {home.parent}/.claude/settings.json")
    assert by_label["mode"] == f"mode: monitor (from {home / 'config.yaml'})"
    expected = len(rulefiles.rules_files(cfg))  # the shipped rules plus the user's a.yaml
    assert f"{expected} file(s)" in by_label["rules"]
    assert str(home / "rules" / "user") in by_label["rules"]
    assert "7 call(s) (4 allow, 2 deny, 1 ask)" in by_label["log"]
    last = out.split("last calls:\n", 1)[1].splitlines()[:status.LAST + 1]
    assert [line.startswith("  2026-") for line in last] == [True] * status.LAST + [False]
    assert "r6" in last[status.LAST - 1] and "DENY (monitor)" in last[2]
    assert "config problem:" in out and "bogus line" in out


def test_hook_problems_are_listed(home, capsys):
    settings_file = Path(cs.settings_path())
    settings_file.parent.mkdir(parents=True)
    command = cs.hook_command(os.path.realpath(sys.executable), str(home))
    settings_file.write_text(
        '{"disableAllHooks": true, "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": '
        f'[{{"type": "command", "command": {command!r}}}]}}]}}}}'.replace("'", '"'))
    assert status.main("status", []) == 0
    out = capsys.readouterr().out
    for expected in ("matcher is 'Bash'", "onFailure", "no timeout", "disableAllHooks",
                     "does not exist"):
        assert expected in out


def test_a_failing_section_does_not_hide_the_others(home, capsys, monkeypatch):
    def broken(cfg):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(status, "SECTIONS", (status.version_lines, broken, status.mode_lines))
    assert status.main("status", []) == 0
    out = capsys.readouterr().out
    assert "broken: cannot tell (RuntimeError: disk on fire)" in out
    assert "mode: guardrails" in out


def test_arguments_are_refused(home, capsys):
    assert status.main("status", ["--json"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_the_command_on_path(home, capsys, monkeypatch, tmp_path):
    assert status.main("status", []) == 0
    assert lines_of(capsys)[0]["command"].startswith("command: none (install/install.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "prempti-hook"
    (home / "install").mkdir(parents=True)
    (home / "install" / "launcher").write_text(f"{launcher}\n{bin_dir}\n")
    assert status.main("status", []) == 0
    assert lines_of(capsys)[0]["command"] == f"command: {launcher} is gone (install/install.sh " \
        "puts it back)"
    launcher.write_text(f"#!/bin/sh\n{status.LAUNCHER_MARK}\nexec true\n")
    monkeypatch.setenv("PATH", f"/usr/bin:{bin_dir}")
    assert status.main("status", []) == 0
    assert lines_of(capsys)[0]["command"] == f"command: {launcher}"
    monkeypatch.setenv("PATH", "/usr/bin")
    assert status.main("status", []) == 0
    assert lines_of(capsys)[0]["command"] == \
        f"command: {launcher} (not on PATH: add {bin_dir} to PATH)"
    launcher.write_text("#!/bin/sh\necho theirs\n")
    assert status.main("status", []) == 0
    assert "is no longer prempti-hook's launcher" in lines_of(capsys)[0]["command"]


def test_the_launcher_mark_is_the_installers():
    installer = (Path(__file__).resolve().parents[2] / "install" / "install.sh").read_text()
    assert f'LAUNCHER_MARK="{status.LAUNCHER_MARK}"' in installer
