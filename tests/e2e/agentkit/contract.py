"""What must hold for every agent, run the same way with each real CLI (the agent test
modules call these with their `AgentCLI`).

Each check asserts on what the CLI did (a marker file a command creates, the tool result the
"model" received from the CLI) and on the audit log, never only on the hook's own output.
The commands under test `touch` a fresh marker first: a marker that is absent proves the
command did not run, one that exists proves it did.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from prempti_hook.cache import LOCK_FILE

from .cli import AgentCLI, Run
from .machine import CANARY, SSH_KEY_RULE, Machine

NO_RULE = "prempti-hook: no matching rule"
SSH_ASK_RULE = "Ask before touching SSH configuration or known hosts"
E2E_RULE = "E2E forbids its marker word"
E2E_WORD = "PREMPTI_E2E_FORBIDDEN"
E2E_RULES = f"""\
- rule: {E2E_RULE}
  desc: A rule the end-to-end tests add and remove to see edits apply on the next call.
  condition: tool.name in (shell_tools) and tool.input_command contains "{E2E_WORD}"
  output: prempti-hook blocked a command with the end-to-end test's forbidden word.
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"""
BROKEN_RULES = """\
- rule: Half-written rule
  desc: the user is still typing
  condition: tool.name = Bash and (
  output: x
  priority: CRITICAL
  source: coding_agent
"""


def _records_for(machine: Machine, agent: str) -> list[dict]:
    return [r for r in machine.records()
            if r.get("output_fields", {}).get("agent.name") == agent]


def last_record(cli: AgentCLI) -> dict:
    found = _records_for(cli.machine, cli.agent)
    assert found, f"no audit record for {cli.agent} in {cli.machine.log}"
    return found[-1]


def assert_blocked_with_reason(cli: AgentCLI, run, rule: str) -> dict:
    """The command did not run, the model was told our reason, and the log agrees."""
    record = last_record(cli)
    assert (record["verdict"], record["enforced"], record["rule"]) == ("deny", True, rule), \
        f"{record}\n{run.describe()}"
    assert record["reason"].startswith(f"{rule}: ") and "| correlation=" in record["reason"]
    text = run.only_result()
    assert text.startswith(cli.blocked_text(record["reason"])), run.describe()
    return record


def deny_blocks(cli: AgentCLI) -> None:
    """The shell tool reading the SSH key: blocked, the reason reaches the model, and the
    key's content never does."""
    marker = cli.machine.marker()
    run = cli.run([[cli.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert not marker.exists(), run.describe()
    record = assert_blocked_with_reason(cli, run, SSH_KEY_RULE)
    assert record["output_fields"]["tool.name"] == cli.hook_shell_name  # verbatim
    assert CANARY not in run.mock.received(), run.describe()


def allow_runs(cli: AgentCLI) -> None:
    """A call no rule decides runs (no decision: the agent's own flow lets it), and is logged."""
    marker = cli.machine.marker()
    run = cli.run([[cli.shell(f"touch {marker}")]])
    assert marker.exists(), run.describe()
    record = last_record(cli)
    assert (record["verdict"], record["rule"], record["enforced"]) == ("none", NO_RULE, False)
    assert "blocked" not in run.only_result()


def asked(cli: AgentCLI, run, marker) -> dict:
    """Common part of the ask checks: the command did not run, the log says ask."""
    assert not marker.exists(), run.describe()
    record = last_record(cli)
    assert (record["verdict"], record["rule"], record["enforced"]) == ("ask", SSH_ASK_RULE,
                                                                      True), record
    return record


def ask_call(cli: AgentCLI):
    """Run a call a shipped rule asks about (reading known_hosts); returns (run, marker)."""
    marker = cli.machine.marker()
    return cli.run([[cli.shell(f"touch {marker} && cat ~/.ssh/known_hosts")]]), marker


def monitor_never_blocks(cli: AgentCLI) -> None:
    """In monitor mode the same denied call runs; the log says what would have happened."""
    machine = cli.machine
    assert machine.cli("mode", "monitor", person=True).returncode == 0
    try:
        marker = machine.marker()
        run = cli.run([[cli.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
        assert marker.exists(), run.describe()
        record = last_record(cli)
        assert (record["verdict"], record["mode"], record["enforced"]) == ("deny", "monitor",
                                                                          False)
        assert "blocked" not in run.only_result()
    finally:
        assert machine.cli("mode", "guardrails").returncode == 0


def _run_e2e_word(cli: AgentCLI) -> tuple[Path, Run]:
    """Run `touch <a fresh marker> && echo E2E_WORD` (what E2E_RULE denies) through the agent;
    the marker exists afterwards only if the command ran."""
    marker = cli.machine.marker()
    return marker, cli.run([[cli.shell(f"touch {marker} && echo {E2E_WORD}")]])


def rules_edit_applies(cli: AgentCLI) -> None:
    """A rule added to rules/user/ decides the very next call, and removing it undoes that."""
    machine = cli.machine
    rules = machine.write_user_rules("e2e.yaml", E2E_RULES)
    try:
        marker, run = _run_e2e_word(cli)
        assert not marker.exists(), run.describe()
        assert_blocked_with_reason(cli, run, E2E_RULE)
    finally:
        rules.unlink()
    marker, run = _run_e2e_word(cli)
    assert marker.exists(), run.describe()


def broken_edit_keeps_last_good(cli: AgentCLI) -> None:
    """A rules edit that does not compile: the last rules that compiled stay in force (the
    call is still denied by them), and the log says so."""
    machine = cli.machine
    rules = machine.write_user_rules("e2e.yaml", E2E_RULES)
    try:
        marker, run = _run_e2e_word(cli)
        assert not marker.exists(), run.describe()
        rules.write_text(E2E_RULES + BROKEN_RULES)
        marker, run = _run_e2e_word(cli)
        assert not marker.exists(), run.describe()
        record = assert_blocked_with_reason(cli, run, E2E_RULE)
        assert any("still enforcing the last rules that compiled" in notice
                   for notice in record.get("notices", [])), record
    finally:
        rules.unlink()


def uninstall_restores(cli: AgentCLI, config_dir) -> None:
    """install.sh then uninstall: every file the agent's folder had is back byte for byte,
    every file installing added is gone, and the hook fired in between (and no longer does
    after). Files the agent writes for itself while it runs (caches, logs) are its own."""
    machine = cli.machine
    cli.prepare()
    before = machine.snapshot(config_dir)
    machine.install()
    installed = machine.snapshot(config_dir)
    added = set(installed) - set(before)
    assert added or installed != before, "installing changed nothing in the agent's folder"
    marker = machine.marker()
    run = cli.run([[cli.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert not marker.exists(), run.describe()
    machine.uninstall()
    after = machine.snapshot(config_dir)
    assert {path: after.get(path) for path in before} == before
    assert not added & set(after), f"left behind: {sorted(added & set(after))}"
    marker = machine.marker()
    run = cli.run([[cli.shell(f"touch {marker} && echo hook gone")]])
    assert marker.exists(), run.describe()


# The failure matrix --------------------------------------------------------------------------

def rewrite_command(cli: AgentCLI, command: str) -> None:
    """Register `command` in place of the installed one, exactly as `hook add` would (Codex:
    with its trust), to stand for an installation whose interpreter has gone."""
    from prempti_hook import registration

    module = registration.module(cli.agent)
    place = module.locate(dict(os.environ, HOME=str(cli.machine.home)))
    for key in ("CODEX_HOME", "GEMINI_CLI_HOME", "COPILOT_HOME"):
        assert key not in os.environ, f"{key} is set in the test environment"
    current = registration.read_all(place)
    new = module.add(current, command, str(cli.machine.zipapp), place)
    for path, raw in new.items():
        if raw != current[path]:
            with open(path, "wb") as f:
                f.write(raw)


def blocked_benign(cli: AgentCLI, env: dict | None = None) -> object:
    """A harmless command (no rule would stop it) must still be blocked: returns the run."""
    marker = cli.machine.marker()
    run = cli.run([[cli.shell(f"touch {marker}")]], env=env)
    assert not marker.exists(), f"the command ran although the hook failed\n{run.describe()}"
    return run


def replace_zipapp(machine: Machine, content: bytes) -> None:
    machine.zipapp.write_bytes(content)


KILLS_ITSELF = b"import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"


def no_usable_rules(cli: AgentCLI) -> None:
    """Rules that do not compile and no earlier rules to fall back to: every call, however
    harmless, is denied with a reason that says what to fix."""
    machine = cli.machine
    shutil.rmtree(machine.prempti / "cache", ignore_errors=True)
    machine.write_user_rules("broken.yaml", BROKEN_RULES)
    run = blocked_benign(cli)
    record = last_record(cli)
    assert (record["rule"], record["verdict"], record["enforced"]) == \
        ("prempti-hook: failed to decide", "deny", True), record
    assert "prempti-hook could not decide" in run.only_result(), run.describe()
    assert "prempti-hook --check" in run.only_result()


WATCHDOG_ENV = {"PREMPTI_HOOK_TIMEOUT": "1"}


@contextmanager
def cache_lock_held(machine: Machine):
    """Another process holds the rule cache's rebuild lock while the rules changed, so the
    hook waits for a rebuild that does not come (as behind a stuck or very slow process)."""
    cache = machine.prempti / "cache"
    cache.mkdir(mode=0o700, exist_ok=True)
    lock = cache / LOCK_FILE
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(600)\n",
         str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        machine.write_user_rules("e2e-stale.yaml", "- list: e2e_stale\n  items: [a]\n")
        yield
    finally:
        holder.kill()
        holder.wait()
        (machine.prempti / "rules" / "user" / "e2e-stale.yaml").unlink()
