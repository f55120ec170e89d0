"""The Claude Code plugin's files (install/claude-plugin/, .claude-plugin/marketplace.json):
manifests that agree with the package, a hook entry that blocks on failure, a launcher that
fails closed and steps aside for install.sh's registration, and a skill whose fields exist and
whose example rule and tests pass `--check` and `test`. The real Claude Code installs and runs
the plugin in tests/e2e/claude/test_plugin.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prempti_hook import __version__
from prempti_hook.commands import check
from prempti_hook.commands import test as test_command
from prempti_hook.event_source.fields import all_fields

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "install" / "claude-plugin"
MARKETPLACE = REPO / ".claude-plugin" / "marketplace.json"
LAUNCHER = PLUGIN / "hooks" / "prempti-hook-launch"
SKILL = PLUGIN / "skills" / "prempti-rules" / "SKILL.md"
CALL = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": "/",
                   "tool_input": {"command": "cat ~/.ssh/id_rsa"}, "session_id": "s"})


def test_manifests_agree_with_the_package():
    market = json.loads(MARKETPLACE.read_text())
    plugin = json.loads((PLUGIN / ".claude-plugin" / "plugin.json").read_text())
    (entry,) = market["plugins"]
    assert entry["name"] == plugin["name"] == market["name"] == "prempti-hook"
    assert entry["version"] == plugin["version"] == __version__
    assert (REPO / entry["source"]).resolve() == PLUGIN.resolve()


def test_the_hook_entry_blocks_on_failure_and_runs_the_launcher():
    hooks = json.loads((PLUGIN / "hooks" / "hooks.json").read_text())["hooks"]
    (group,) = hooks["PreToolUse"]
    (hook,) = group["hooks"]
    assert group["matcher"] == "*"
    assert hook["type"] == "command" and hook["onFailure"] == "block"
    assert isinstance(hook["timeout"], int) and 0 < hook["timeout"] <= 60
    assert hook["command"] == '"${CLAUDE_PLUGIN_ROOT}/hooks/prempti-hook-launch"'
    assert LAUNCHER.stat().st_mode & 0o111


def launch(home: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin",
               "PREMPTI_PYTHON": sys.executable, **(env or {})}
    return subprocess.run([str(LAUNCHER)], input=CALL, capture_output=True, text=True,
                          env=environ, timeout=120)


def test_launcher_fails_closed_when_prempti_hook_is_not_installed(tmp_path):
    result = launch(tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "prempti-hook is not installed" in line and "install/install.sh" in line


@pytest.fixture
def installed(tmp_path, built_zipapp) -> Path:
    home = tmp_path / "home"
    (home / ".prempti" / "bin").mkdir(parents=True)
    shutil.copy(built_zipapp, home / ".prempti" / "bin" / "prempti-hook")
    return home


def test_launcher_runs_the_installed_hook(installed):
    result = launch(installed)
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)["hookSpecificOutput"]
    assert decision["permissionDecision"] == "deny"
    assert decision["permissionDecisionReason"].startswith("Deny access to SSH private keys:")
    assert (installed / ".prempti" / "log" / "events.jsonl").exists()


def test_launcher_steps_aside_when_settings_json_registers_the_hook(installed):
    settings = installed / ".claude" / "settings.json"
    settings.parent.mkdir()
    app = installed / ".prempti" / "bin" / "prempti-hook"
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": f"PREMPTI_HOME={installed}/.prempti python3 -I -S "
                                       f"{app}"}]}]}}))
    result = launch(installed)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not (installed / ".prempti" / "log").exists()  # decided by the registered hook


# --- the skill ---------------------------------------------------------------------------------

def skill_text() -> str:
    return SKILL.read_text(encoding="utf-8")


def test_skill_front_matter():
    text = skill_text()
    front = text.split("---\n")[1]
    assert re.search(r"^name: prempti-rules$", front, re.M)
    description = re.search(r"^description: (.+)$", front, re.M).group(1)
    assert "prempti-hook" in description and len(description) < 1024


def test_every_field_the_skill_names_exists():
    known = {f.name for f in all_fields()}
    named = set(re.findall(r"`((?:tool|agent|mcp|prempti)\.[a-z_.]+)", skill_text()))
    assert named and not sorted(named - known)


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", skill_text(), re.S)


def test_the_skills_example_rule_and_tests_pass(tmp_path, capsys, monkeypatch):
    """What the skill tells Claude to write, checked and tested with the shipped rules loaded
    first, as `--check` and `test` run for a user."""
    rule, tests = _yaml_blocks()
    shipped = tmp_path / "default"
    shipped.mkdir()
    for path in (REPO / "rules").glob("*.yaml"):
        shutil.copy(path, shipped / path.name)
    user = tmp_path / "user"
    (user / "tests").mkdir(parents=True)
    (user / "deploy.yaml").write_text(rule, encoding="utf-8")
    (user / "tests" / "deploy.yaml").write_text(tests, encoding="utf-8")
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PREMPTI_RULES", f"{shipped}:{user}")
    assert check.main("--check", []) == 0, capsys.readouterr().out
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out
    assert test_command.main("test", []) == 0, capsys.readouterr().out
    assert "4 passed" in capsys.readouterr().out
