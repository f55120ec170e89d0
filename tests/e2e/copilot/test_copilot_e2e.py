"""The Copilot CLI 1.0.102, for real, guarded by prempti-hook as `install.sh --agent copilot`
installs it (a user-level hook), offline with a BYOK provider against a mock of the Chat
Completions API. Each test asserts on what Copilot did (files a command creates, what Copilot
told the model) and on the audit log.

Copilot: a `permissionDecision` of deny blocks and the reason reaches the model; `ask` in a
`-p` run (nobody to ask) is denied with the reason; any exit code but 0 blocks (without the
reason); a timeout lets the tool run, hence the hook's watchdog.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from agentkit import contract
from agentkit.machine import CANARY, SSH_KEY_RULE
from agentkit.mock_model import call

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).resolve().parents[1] / "claude" / "mcp_server.py"
ERRORED = "Denied by preToolUse hook from"


def test_deny_blocks_and_the_model_gets_the_reason(copilot):
    contract.deny_blocks(copilot)


def test_a_call_no_rule_decides_runs(copilot):
    contract.allow_runs(copilot)


def test_ask_in_a_prompt_run_is_denied_with_the_reason(copilot):
    run, marker = contract.ask_call(copilot)
    record = contract.asked(copilot, run, marker)
    assert run.only_result() == ("Denied by preToolUse hook (unable to ask user for "
                                 f"confirmation): {record['reason']}")


def test_monitor_mode_never_blocks(copilot):
    contract.monitor_never_blocks(copilot)


def test_a_rules_edit_applies_on_the_next_call(copilot):
    contract.rules_edit_applies(copilot)


def test_a_broken_rules_edit_keeps_the_last_good_rules(copilot):
    contract.broken_edit_keeps_last_good(copilot)


def test_file_tools_are_guarded_in_both_dialects(own_copilot):
    """`view` of the key through the installed (camelCase) hook, then the same call through
    a Claude-style `PreToolUse` hook, where Copilot calls it `Read` with Copilot's `path`."""
    run = own_copilot.run([[call("view", path=str(own_copilot.machine.ssh_key))]])
    record = contract.assert_blocked_with_reason(own_copilot, run, SSH_KEY_RULE)
    assert record["output_fields"]["tool.name"] == "view"
    hook_file = own_copilot.config_dir / "hooks" / "prempti-hook.json"
    data = json.loads(hook_file.read_text())
    data["hooks"] = {"PreToolUse": data["hooks"]["preToolUse"]}
    hook_file.write_text(json.dumps(data))
    run = own_copilot.run([[call("view", path=str(own_copilot.machine.ssh_key))]])
    record = contract.assert_blocked_with_reason(own_copilot, run, SSH_KEY_RULE)
    fields = record["output_fields"]
    assert (fields["tool.name"], fields["tool.file_path"], fields["agent.hook_event_name"]) == \
        ("Read", str(own_copilot.machine.ssh_key), "PreToolUse")
    assert CANARY not in run.mock.received()


def test_mcp_tools_are_guarded(own_copilot):
    """Copilot names MCP tools `<server>-<tool>`, with no prefix: the MCP rules see them."""
    config = own_copilot.machine.prempti / "rules" / "user" / "from-mcp.yaml"
    mcp = {"mcpServers": {"demo": {"type": "local", "command": sys.executable,
                                   "args": [str(MCP_SERVER)], "tools": ["*"]}}}
    (own_copilot.config_dir / "mcp-config.json").write_text(json.dumps(mcp))
    run = own_copilot.run([[call("demo-write_file", path=str(config),
                                 content="- list: x\n  items: []\n")]])
    assert not config.exists(), run.describe()
    record = contract.assert_blocked_with_reason(
        own_copilot, run, "Deny MCP tools that change prempti-hook files")
    fields = record["output_fields"]
    assert (fields["mcp.server"], fields["mcp.tool"]) == ("demo", "write_file")


def test_uninstall_leaves_the_copilot_folder_as_it_was(fresh_copilot):
    contract.uninstall_restores(fresh_copilot, fresh_copilot.config_dir)


def test_status_says_when_the_hook_file_would_be_skipped(own_copilot):
    """A hook file whose `version` is not 1: Copilot skips it without a word; status says so,
    and a denied command indeed runs."""
    hook_file = own_copilot.config_dir / "hooks" / "prempti-hook.json"
    hook_file.write_text(json.dumps(dict(json.loads(hook_file.read_text()), version=2)))
    status = own_copilot.machine.cli("status").stdout
    assert "hook (copilot): registered in" in status and "it would NOT fire" in status, status
    assert '"version" is 2, not 1' in status
    marker = own_copilot.machine.marker()
    run = own_copilot.run([[own_copilot.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert marker.exists(), run.describe()  # no hook ran, as status said


# The failure matrix: every failure of ours ends with the call blocked ---------------------

def test_missing_zipapp_blocks(own_copilot):
    own_copilot.machine.zipapp.unlink()
    run = contract.blocked_benign(own_copilot)
    assert run.only_result() == "Denied by preToolUse hook: hook exited with code 2"


def test_missing_interpreter_blocks(own_copilot):
    command = own_copilot.machine.cli("hook", "command", "copilot").stdout.strip()
    python = command.split()[1]
    contract.rewrite_command(own_copilot, command.replace(python, "/nonexistent/python3", 1))
    assert contract.blocked_benign(own_copilot).only_result().startswith(ERRORED)


def test_damaged_zipapp_blocks(own_copilot):
    data = own_copilot.machine.zipapp.read_bytes()
    contract.replace_zipapp(own_copilot.machine, data[: len(data) // 2])
    assert contract.blocked_benign(own_copilot).only_result().startswith(ERRORED)


def test_killed_hook_blocks(own_copilot):
    contract.replace_zipapp(own_copilot.machine, contract.KILLS_ITSELF)
    assert contract.blocked_benign(own_copilot).only_result().startswith(ERRORED)


def test_a_hook_out_of_time_answers_a_deny_itself(own_copilot):
    with contract.cache_lock_held(own_copilot.machine):
        run = contract.blocked_benign(own_copilot, env=contract.WATCHDOG_ENV)
    assert run.only_result().startswith("Denied by preToolUse hook: prempti-hook could not "
                                        "decide within 1 s")


def test_no_usable_rules_blocks_every_call(own_copilot):
    contract.no_usable_rules(own_copilot)
