"""The Gemini CLI 0.61.0, for real, guarded by prempti-hook as `install.sh --agent gemini`
installs it, against a mock of the Gemini API. Each test asserts on what Gemini did (files
a command creates, what Gemini told the model) and on the audit log.

Gemini: a `deny` decision or exit 2 with a reason blocks, and the reason reaches the model as
the tool's error; `ask` makes Gemini ask the user even in YOLO mode (a headless run has
nobody to ask and cancels the call); exit 1, a crash, a kill or a timeout let the tool run,
hence the command's exit-2 fallback and the hook's watchdog.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from agentkit import contract
from agentkit.machine import SSH_KEY_RULE
from agentkit.mock_model import call

pytestmark = pytest.mark.e2e

MCP_SERVER = Path(__file__).resolve().parents[1] / "claude" / "mcp_server.py"


def test_deny_blocks_and_the_model_gets_the_reason(gemini):
    contract.deny_blocks(gemini)


def test_a_call_no_rule_decides_runs(gemini):
    contract.allow_runs(gemini)


def test_ask_makes_gemini_ask_and_a_headless_run_cancels_the_call(gemini):
    run, marker = contract.ask_call(gemini)
    record = contract.asked(gemini, run, marker)
    assert run.result_texts() == [], run.describe()  # cancelled: the model got no result
    assert f"prempti-hook asks before this call: {record['reason']}" in run.stderr


def test_monitor_mode_never_blocks(gemini):
    contract.monitor_never_blocks(gemini)


def test_a_rules_edit_applies_on_the_next_call(gemini):
    contract.rules_edit_applies(gemini)


def test_a_broken_rules_edit_keeps_the_last_good_rules(gemini):
    contract.broken_edit_keeps_last_good(gemini)


def test_the_command_runs_where_dir_path_says(gemini):
    """`dir_path` moves the command; `../../.ssh/id_rsa` from project/sub is the key."""
    (gemini.machine.project / "sub").mkdir(exist_ok=True)
    marker = gemini.machine.marker()
    step = call("run_shell_command", command=f"touch {marker} && cat ../../.ssh/id_rsa",
                description="scripted command", dir_path="sub")
    run = gemini.run([[step]])
    assert not marker.exists(), run.describe()
    record = contract.assert_blocked_with_reason(gemini, run, SSH_KEY_RULE)
    assert str(gemini.machine.ssh_key) in record["output_fields"]["tool.cmd.paths"]


def test_mcp_tools_are_guarded(own_gemini):
    """Gemini names MCP tools `mcp_<server>_<tool>`: the MCP rules see them (an MCP tool
    may not rewrite the guard's settings)."""
    settings = json.loads(own_gemini.settings_file.read_text())
    settings["mcpServers"] = {"demo": {"command": sys.executable, "args": [str(MCP_SERVER)],
                                       "trust": True}}
    own_gemini.settings_file.write_text(json.dumps(settings, indent=2))
    config = own_gemini.machine.prempti / "rules" / "user" / "from-mcp.yaml"
    run = own_gemini.run([[call("mcp_demo_write_file", path=str(config),
                                content="- list: x\n  items: []\n")]])
    assert not config.exists(), run.describe()
    record = contract.assert_blocked_with_reason(
        own_gemini, run, "Deny MCP tools that change prempti-hook files")
    fields = record["output_fields"]
    assert (fields["tool.name"], fields["mcp.server"], fields["mcp.tool"]) == \
        ("mcp_demo_write_file", "demo", "write_file")


def test_uninstall_leaves_the_gemini_folder_as_it_was(fresh_gemini):
    contract.uninstall_restores(fresh_gemini, fresh_gemini.config_dir)


def test_status_says_when_hooks_are_switched_off(own_gemini):
    settings = json.loads(own_gemini.settings_file.read_text())
    settings["hooksConfig"] = {"enabled": False}
    own_gemini.settings_file.write_text(json.dumps(settings, indent=2))
    status = own_gemini.machine.cli("status").stdout
    assert "hook (gemini): registered in" in status and "it would NOT fire" in status, status
    assert "hooksConfig.enabled is false" in status
    marker = own_gemini.machine.marker()
    run = own_gemini.run([[own_gemini.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert marker.exists(), run.describe()  # no hook ran, as status said


# The failure matrix: every failure of ours ends with the call blocked ---------------------

def _blocked_text(run) -> str:
    text = run.only_result()
    assert text.startswith('{"error": "Tool execution blocked: '), text
    return text


def test_missing_zipapp_blocks(own_gemini):
    own_gemini.machine.zipapp.unlink()
    assert "prempti-hook" in _blocked_text(contract.blocked_benign(own_gemini))


def test_missing_interpreter_blocks(own_gemini):
    command = own_gemini.machine.cli("hook", "command", "gemini").stdout.strip()
    python = command.split()[1]
    contract.rewrite_command(own_gemini, command.replace(python, "/nonexistent/python3", 1))
    text = _blocked_text(contract.blocked_benign(own_gemini))
    assert "prempti-hook failed (exit 127), so the call is blocked" in text


def test_damaged_zipapp_blocks(own_gemini):
    data = own_gemini.machine.zipapp.read_bytes()
    contract.replace_zipapp(own_gemini.machine, data[: len(data) // 2])
    text = _blocked_text(contract.blocked_benign(own_gemini))
    assert "prempti-hook failed (exit 1), so the call is blocked" in text


def test_killed_hook_blocks(own_gemini):
    contract.replace_zipapp(own_gemini.machine, contract.KILLS_ITSELF)
    text = _blocked_text(contract.blocked_benign(own_gemini))
    assert "prempti-hook failed (exit 137), so the call is blocked" in text


def test_a_hook_out_of_time_answers_a_deny_itself(own_gemini):
    with contract.cache_lock_held(own_gemini.machine):
        run = contract.blocked_benign(own_gemini, env=contract.WATCHDOG_ENV)
    assert "could not decide within 1 s" in _blocked_text(run)


def test_no_usable_rules_blocks_every_call(own_gemini):
    contract.no_usable_rules(own_gemini)
