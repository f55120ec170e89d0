from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import run_at_terminal

from prempti_hook import config
from prempti_hook.commands import mode

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, monkeypatch, a_person) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "p"))
    monkeypatch.delenv("PREMPTI_MODE", raising=False)
    return tmp_path / "p"


def test_show_default(home, capsys):
    assert mode.main("mode", []) == 0
    assert capsys.readouterr().out == "mode: guardrails (the default)\n"


def test_set_creates_a_private_config_and_takes_effect(home, capsys):
    assert mode.main("mode", ["monitor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mode: monitor (was guardrails")
    config_file = home / "config.yaml"
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600
    assert config.load().mode == "monitor"
    assert mode.main("mode", []) == 0
    assert capsys.readouterr().out == f"mode: monitor (from {config_file})\n"
    assert mode.main("mode", ["GUARDRAILS"]) == 0
    assert config.load().mode == "guardrails"
    # no temp files left (the lock file stays: removing it while another waits is unsafe)
    assert sorted(p.name for p in home.iterdir()) == ["config.yaml", "config.yaml.lock"]


def test_other_lines_are_kept_and_duplicates_collapse(home):
    home.mkdir()
    original = ("# my settings\nfail_open: no\nmode: guardrails  # was monitor\n"
                "log_max_bytes: 2048\nmode: monitor\nsomething_new: 1\n")
    (home / "config.yaml").write_text(original)
    assert mode.main("mode", ["monitor"]) == 0
    assert (home / "config.yaml").read_text() == (
        "# my settings\nfail_open: no\nmode: monitor\nlog_max_bytes: 2048\nsomething_new: 1\n")
    cfg = config.load()
    assert (cfg.mode, cfg.log_max_bytes, cfg.fail_open) == ("monitor", 2048, False)


def test_environment_override_is_reported(home, capsys, monkeypatch):
    monkeypatch.setenv("PREMPTI_MODE", "monitor")
    assert mode.main("mode", []) == 0
    assert capsys.readouterr().out == "mode: monitor (from PREMPTI_MODE in the environment)\n"
    assert mode.main("mode", ["guardrails"]) == 0
    captured = capsys.readouterr()
    assert "PREMPTI_MODE=monitor in the environment overrides" in captured.err


@pytest.mark.parametrize("args", [["off"], ["monitor", "extra"], ["--monitor"]])
def test_bad_arguments_are_one_line_and_change_nothing(home, capsys, args):
    assert mode.main("mode", args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("prempti-hook mode: ")
    assert not home.exists()


def test_unwritable_home_is_an_error_not_a_traceback(tmp_path, capsys, monkeypatch, a_person):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("PREMPTI_HOME", str(blocker / "p"))
    monkeypatch.delenv("PREMPTI_MODE", raising=False)
    assert mode.main("mode", ["monitor"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot" in err and "config.yaml" in err


def test_monitor_mode_stops_blocking_on_the_next_call(tmp_path):
    """End to end through the CLI: the hook denies, `mode monitor`, the hook answers nothing."""
    rules = tmp_path / "deny.yaml"
    rules.write_text(
        "- rule: Deny ssh key\n  desc: d\n"
        "  condition: tool.name = \"Bash\" and tool.input_command contains \".ssh\"\n"
        "  output: \"ssh (%tool.input_command)\"\n  priority: CRITICAL\n"
        "  source: coding_agent\n  tags: [coding_agent_deny]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREMPTI_")}
    env.update(HOME=str(tmp_path), PREMPTI_HOME=str(tmp_path / "p"), PREMPTI_RULES=str(rules),
               PYTHONPATH=str(REPO))
    call = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": "/",
                       "session_id": "s", "tool_use_id": "t",
                       "tool_input": {"command": "cat ~/.ssh/id_rsa"}})

    def hook() -> str:
        return subprocess.run([sys.executable, "-m", "prempti_hook"], input=call, env=env,
                              capture_output=True, text=True, check=True).stdout

    assert json.loads(hook())["hookSpecificOutput"]["permissionDecision"] == "deny"
    # Without a terminal (as from an agent's tool call) the command refuses and says why.
    refused = subprocess.run([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                             env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert refused.returncode == 1
    assert "refused: there is no terminal to confirm it on" in refused.stderr
    assert json.loads(hook())["hookSpecificOutput"]["permissionDecision"] == "deny"
    # A person at a terminal who types the code back.
    code, output = run_at_terminal([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                                   env)
    assert code == 0, output
    assert "mode: monitor (was guardrails" in output
    assert hook() == ""
