"""person.py: the commands that weaken the guard act only for a person at a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import run_at_terminal

from prempti_hook import person

REPO = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PREMPTI_", "CLAUDE"))}
    env.update(HOME=str(tmp_path), PREMPTI_HOME=str(tmp_path / "p"), PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def _mode(tmp_path: Path) -> str:
    config = tmp_path / "p" / "config.yaml"
    return config.read_text() if config.exists() else ""


@pytest.mark.parametrize("marker", person.AGENT_ENV_MARKERS)
def test_an_agent_marker_in_the_environment_refuses(marker):
    reason = person.refusal("switching to monitor", {marker: "1"})
    assert reason.startswith(f"switching to monitor refused: {marker} is set")


def test_agent_programs_and_packages_are_recognised():
    assert person._describe_agent(["/usr/bin/claude", "-p"], set()) == "runs claude"
    assert person._describe_agent(["node", "/x/node_modules/@anthropic-ai/claude-code/cli.js"],
                                  set()) == "runs @anthropic-ai/claude-code"
    assert person._describe_agent(["bash"], {"CLAUDECODE"}) == "was started with CLAUDECODE set"
    assert person._describe_agent(["bash", "-c", "make claude"], set()) is None


def test_no_terminal_refuses_and_changes_nothing(tmp_path):
    run = subprocess.run([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                         env=_env(tmp_path), stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "prempti-hook: setting mode to monitor refused: there is no terminal to confirm it on; "
        "only a person at a terminal can weaken the guard (an agent runs as the same user, so "
        "this command checks who runs it).")
    assert _mode(tmp_path) == ""


def test_a_person_who_types_the_code_is_obeyed(tmp_path):
    code, output = run_at_terminal([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                                   _env(tmp_path))
    assert code == 0, output
    assert "type " in output and "mode: monitor (was guardrails" in output
    assert "mode: monitor" in _mode(tmp_path)


def test_a_wrong_code_refuses(tmp_path):
    code, output = run_at_terminal([sys.executable, "-m", "prempti_hook", "config", "fail_open",
                                    "true"], _env(tmp_path), answer="000000x")
    assert code == 1, output
    assert "the confirmation code was not typed back" in output
    assert _mode(tmp_path) == ""


def test_a_terminal_inside_an_agents_tool_call_still_refuses(tmp_path):
    """`script` gives the command a terminal, but the agent's marker is in the environment
    (and, had it been removed, in the ancestors' start environments)."""
    code, output = run_at_terminal([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                                   _env(tmp_path, CLAUDECODE="1"))
    assert code == 1
    assert "CLAUDECODE is set" in output
    inner = " ".join([sys.executable, "-m", "prempti_hook", "mode", "monitor"])
    # The shell stays the parent (`; exit $?`), as the agent's Bash tool shell does.
    code, output = run_at_terminal(["env", "CLAUDECODE=1", "sh", "-c",
                                    f"env -u CLAUDECODE {inner}; exit $?"], _env(tmp_path))
    assert code == 1, output
    assert "started by an agent" in output and "CLAUDECODE" in output
    assert _mode(tmp_path) == ""


def test_strengthening_needs_no_person(tmp_path):
    run = subprocess.run([sys.executable, "-m", "prempti_hook", "mode", "guardrails"],
                         env=_env(tmp_path), stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "prempti_hook", "config", "fail_open",
                          "false"], env=_env(tmp_path), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("args", [["uninstall"], ["hook", "remove"]])
def test_removing_the_hook_without_a_person_refuses(tmp_path, args):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"hooks": {}}\n')
    run = subprocess.run([sys.executable, "-m", "prempti_hook", *args],
                         env=_env(tmp_path), stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1
    assert "removing the hook refused" in run.stderr
    assert settings.read_text() == '{"hooks": {}}\n'
