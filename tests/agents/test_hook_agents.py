"""The hook for every agent, through the real entry point (`hook.run`, in-process; the
watchdog through `python -m prempti_hook`, since it ends the process): each agent gets its
own blocking answer, the log names the agent, a patch is judged file by file, and a hook out
of time answers a deny before the agent's own timeout would let the tool run."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prempti_hook import hook
from prempti_hook.cache import LOCK_FILE

REPO = Path(__file__).resolve().parents[2]
DENY = "cat ~/.ssh/id_rsa"


def payload_for(agent: str, command: str, cwd: str) -> dict:
    """A shell call in the agent's own input shape."""
    if agent == "gemini":
        return {"session_id": "s", "transcript_path": "/t", "cwd": cwd,
                "hook_event_name": "BeforeTool", "timestamp": "2026-11-25T18:58:27.543Z",
                "tool_name": "run_shell_command", "tool_input": {"command": command}}
    if agent == "copilot":
        return {"sessionId": "s", "timestamp": 1, "cwd": cwd, "toolName": "bash",
                "toolArgs": {"command": command, "description": "d"}}
    if agent == "copilot-pascal":
        return {"hook_event_name": "PreToolUse", "session_id": "s", "timestamp": "t",
                "cwd": cwd, "tool_name": "Bash", "tool_input": {"command": command}}
    return {"session_id": "s", "turn_id": "t", "transcript_path": None, "cwd": cwd,
            "hook_event_name": "PreToolUse", "model": "m", "permission_mode": "default",
            "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "c"}


def decision_of(agent: str, out: dict) -> tuple[str, str]:
    """(verdict, reason) from an agent's answer."""
    if agent == "gemini":
        return out["decision"], out.get("reason", "")
    if agent.startswith("copilot"):
        return out["permissionDecision"], out.get("permissionDecisionReason", "")
    specific = out["hookSpecificOutput"]
    return specific["permissionDecision"], specific.get("permissionDecisionReason", "")


class Home:
    """A PREMPTI_HOME with the shipped rules, and the hook run in-process against it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "u"
        self.project = self.home / "project"
        self.project.mkdir(parents=True)
        self.prempti = self.home / ".prempti"
        self.env = {"HOME": str(self.home), "PREMPTI_HOME": str(self.prempti),
                    "PREMPTI_RULES": str(REPO / "rules")}

    def run(self, agent: str, payload, **env) -> tuple[int, str, str]:
        files = [self.root / name for name in ("in", "out", "err")]
        files[0].write_bytes(payload if isinstance(payload, bytes)
                             else json.dumps(payload).encode())
        fds = [os.open(files[0], os.O_RDONLY)] + [
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for path in files[1:]]
        try:
            code = hook.run(*fds, environ=dict(self.env, **env),
                            agent=agent.replace("-pascal", ""))
        finally:
            for fd in fds:
                os.close(fd)
        return code, files[1].read_text(), files[2].read_text()

    def records(self) -> list[dict]:
        log = self.prempti / "log" / "events.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Home:
    """One home for the module: the rule cache compiles once."""
    return Home(tmp_path_factory.mktemp("hook-agents"))


@pytest.mark.parametrize("agent", ["claude_code", "codex", "gemini", "copilot",
                                   "copilot-pascal"])
def test_each_agent_gets_its_own_deny_and_the_log_names_it(home, agent):
    code, out, err = home.run(agent, payload_for(agent, DENY, str(home.project)))
    assert code == 0 and err == ""
    verdict, reason = decision_of(agent, json.loads(out))
    assert verdict == "deny" and reason.startswith("Deny access to SSH private keys: ")
    record = home.records()[-1]
    assert record["output_fields"]["agent.name"] == agent.replace("-pascal", "")
    assert (record["verdict"], record["reason"]) == ("deny", reason)


@pytest.mark.parametrize("agent", ["codex", "gemini", "copilot"])
def test_no_decision_is_no_output_for_every_agent(home, agent):
    code, out, _ = home.run(agent, payload_for(agent, "ls", str(home.project)))
    assert (code, out) == (0, "")
    assert home.records()[-1]["verdict"] == "none"


def test_an_unknown_agent_is_blocked_by_exit_2(home):
    code, out, err = home.run("cursor", payload_for("codex", "ls", str(home.project)))
    assert (code, out) == (2, "")
    assert "unknown agent 'cursor'" in err and err.count("\n") == 1


@pytest.mark.parametrize("agent, payload", [
    ("copilot", {"sessionId": "s", "cwd": "/w"}),
    ("gemini", {"hook_event_name": "BeforeTool", "tool_input": {}}),
])
def test_a_malformed_call_is_denied_in_the_agents_shape(home, agent, payload):
    code, out, _ = home.run(agent, payload)
    verdict, reason = decision_of(agent, json.loads(out))
    assert (code, verdict) == (0, "deny") and reason.startswith("prempti-hook could not decide")
    assert home.records()[-1]["output_fields"]["agent.name"] == agent


def test_a_patch_is_denied_when_one_of_its_files_is(home):
    patch = ("*** Begin Patch\n*** Add File: notes.txt\n+hello\n"
             f"*** Update File: {home.home}/.ssh/authorized_keys\n@@\n+ssh-ed25519 AAAA x\n"
             "*** End Patch\n")
    payload = dict(payload_for("codex", "", str(home.project)), tool_name="apply_patch",
                   tool_input={"command": patch})
    logged = len(home.records())
    code, out, _ = home.run("codex", payload)
    assert code == 0
    verdict, reason = decision_of("codex", json.loads(out))
    assert verdict == "deny" and f"{home.home}/.ssh/authorized_keys" in reason
    (record,) = home.records()[logged:]  # one call, one audit line
    assert record["output_fields"]["tool.patch_op"] == "Update"
    assert record["output_fields"]["tool.file_path"] == f"{home.home}/.ssh/authorized_keys"
    # the harmless file alone: no decision
    payload["tool_input"] = {"command": "*** Begin Patch\n*** Add File: notes.txt\n+hi\n"}
    assert home.run("codex", payload)[:2] == (0, "")


def test_monitor_mode_answers_nothing_for_every_agent(home):
    for agent in ("codex", "gemini", "copilot"):
        code, out, _ = home.run(agent, payload_for(agent, DENY, str(home.project)),
                                PREMPTI_MODE="monitor")
        assert (code, out) == (0, "")
        assert home.records()[-1]["enforced"] is False


def test_fail_open_tells_the_user_in_the_agents_shape(tmp_path):
    home = Home(tmp_path)  # no earlier rules to fall back to
    code, out, _ = home.run("gemini", payload_for("gemini", DENY, str(home.project)),
                            PREMPTI_RULES=str(home.root / "missing.yaml"),
                            PREMPTI_FAIL_OPEN="1")
    answer = json.loads(out)
    assert code == 0 and "decision" not in answer
    assert "could not decide" in answer["systemMessage"]


@pytest.mark.parametrize("value, seconds", [(None, 25.0), ("1", 1.0), ("0.5", 0.5),
                                            ("300", 25.0), ("-3", 0.0), ("nan", 25.0),
                                            ("soon", 25.0)])
def test_the_watchdog_budget_can_only_be_shortened(value, seconds):
    environ = {} if value is None else {"PREMPTI_HOOK_TIMEOUT": value}
    assert hook.watchdog_seconds(environ) == seconds


@pytest.mark.parametrize("agent", ["codex", "gemini", "copilot"])
def test_a_hook_out_of_time_answers_a_deny_itself(tmp_path, agent):
    """The rules changed and another process holds the rebuild lock (up to 20 s of waiting):
    the watchdog answers a deny at its budget and ends the process."""
    home = Home(tmp_path)
    cache = home.prempti / "cache"
    cache.mkdir(parents=True, mode=0o700)
    rules = home.root / "rules.yaml"
    rules.write_text("- list: nothing\n  items: []\n")
    fd = os.open(cache / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "prempti_hook", "--agent", agent],
            input=json.dumps(payload_for(agent, "ls", str(home.project))),
            capture_output=True, text=True, timeout=30, cwd=REPO,
            env=dict(home.env, PREMPTI_RULES=str(rules), PREMPTI_HOOK_TIMEOUT="0.5",
                     PATH=os.environ.get("PATH", "")))
        elapsed = time.monotonic() - started
    finally:
        os.close(fd)
    verdict, reason = decision_of(agent, json.loads(done.stdout))
    assert (done.returncode, verdict) == (0, "deny")
    assert reason.startswith("prempti-hook could not decide within 0.5 s")
    assert elapsed < 10 and "Traceback" not in done.stderr
