"""The Codex CLI 0.169.0, for real, guarded by prempti-hook as `install.sh --agent codex`
installs it, against a mock of the Responses API. Each test asserts on what Codex did (files
a command creates, what Codex told the model) and on the audit log.

Codex: only an explicit deny (or exit 2 with a reason) blocks; it has no "ask"; exit 1, a
crash, a kill or a timeout let the tool run, hence the command's exit-2 fallback and the
hook's watchdog; an untrusted or stale hook entry is skipped without a word.
"""

from __future__ import annotations

import json

import pytest
from agentkit import contract
from agentkit.machine import SSH_KEY_RULE
from agentkit.mock_model import custom_call

pytestmark = pytest.mark.e2e


def test_deny_blocks_and_the_model_gets_the_reason(codex):
    contract.deny_blocks(codex)


def test_a_call_no_rule_decides_runs(codex):
    contract.allow_runs(codex)


def test_ask_becomes_a_deny_that_says_a_person_must_run_it(codex):
    run, marker = contract.ask_call(codex)
    record = contract.asked(codex, run, marker)
    text = run.only_result()
    assert text.startswith("Command blocked by PreToolUse hook: A person must approve this call")
    assert record["reason"] in text


def test_monitor_mode_never_blocks(codex):
    contract.monitor_never_blocks(codex)


def test_a_rules_edit_applies_on_the_next_call(codex):
    contract.rules_edit_applies(codex)


def test_a_broken_rules_edit_keeps_the_last_good_rules(codex):
    contract.broken_edit_keeps_last_good(codex)


def test_apply_patch_is_judged_file_by_file(codex):
    """One patch, two files: the project file alone would be fine, the SSH folder file is
    not; the whole patch is denied (neither file written) and the log names the file."""
    machine = codex.machine
    harmless = machine.project / "notes.txt"
    backdoor = machine.home / ".ssh" / "authorized_keys"
    patch = ("*** Begin Patch\n*** Add File: notes.txt\n+hello\n"
             f"*** Add File: {backdoor}\n+ssh-ed25519 AAAAC3Nz attacker\n*** End Patch\n")
    run = codex.run([[custom_call("apply_patch", patch)]])
    assert not harmless.exists() and not backdoor.exists(), run.describe()
    record = contract.last_record(codex)
    assert record["rule"] == "Deny writes into the SSH folder", record
    fields = record["output_fields"]
    assert (fields["tool.name"], fields["tool.patch_op"], fields["tool.file_path"]) == \
        ("apply_patch", "Add", str(backdoor))
    assert record["reason"] in run.only_result()
    # the same patch with the harmless file only goes through
    run = codex.run([[custom_call("apply_patch", "*** Begin Patch\n*** Add File: notes.txt\n"
                                                 "+hello\n*** End Patch\n")]])
    assert harmless.read_text() == "hello\n", run.describe()


def test_apply_patch_run_from_the_shell_is_seen_through(codex):
    """Codex applies `apply_patch <<EOF` itself when a shell command runs it; the hook sees a
    Bash call, whose write paths are the patch's files."""
    backdoor = codex.machine.home / ".ssh" / "authorized_keys"
    command = (f"apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {backdoor}\n"
               "+ssh-ed25519 AAAAC3Nz attacker\n*** End Patch\nEOF\n")
    run = codex.run([[codex.shell(command)]])
    assert not backdoor.exists(), run.describe()
    contract.assert_blocked_with_reason(codex, run, "Deny writes into the SSH folder")


def test_uninstall_leaves_the_codex_folder_as_it_was(fresh_codex):
    contract.uninstall_restores(fresh_codex, fresh_codex.config_dir)


def test_status_says_when_a_stale_entry_would_not_fire(own_codex):
    """Edit the registered entry (its timeout): its trust hash no longer matches, `status`
    says the hook would not fire, and Codex indeed runs a denied command without it."""
    hooks_file = own_codex.config_dir / "hooks.json"
    data = json.loads(hooks_file.read_text())
    data["hooks"]["PreToolUse"][-1]["hooks"][0]["timeout"] = 29
    hooks_file.write_text(json.dumps(data))
    status = own_codex.machine.cli("status").stdout
    assert "hook (codex): registered in" in status and "it would NOT fire" in status, status
    assert "trust hash is stale" in status, status
    marker = own_codex.machine.marker()
    run = own_codex.run([[own_codex.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert marker.exists(), run.describe()  # Codex skipped the stale hook, as status said
    # `hook add codex` trusts it again, and the next call is guarded again
    assert own_codex.machine.cli("hook", "add", "codex").returncode == 0
    marker = own_codex.machine.marker()
    run = own_codex.run([[own_codex.shell(f"touch {marker} && cat ~/.ssh/id_rsa")]])
    assert not marker.exists(), run.describe()
    contract.assert_blocked_with_reason(own_codex, run, SSH_KEY_RULE)


# The failure matrix: every failure of ours ends with the call blocked ---------------------

def test_missing_zipapp_blocks(own_codex):
    own_codex.machine.zipapp.unlink()
    run = contract.blocked_benign(own_codex)
    text = run.only_result()
    assert text.startswith("Command blocked by PreToolUse hook: ") and "prempti-hook" in text


def test_missing_interpreter_blocks(own_codex):
    """The interpreter recorded at install is gone (exit 127, which Codex would let
    through): the command's fallback turns it into exit 2 with a reason."""
    command = own_codex.machine.cli("hook", "command", "codex").stdout.strip()
    python = command.split()[1]
    contract.rewrite_command(own_codex, command.replace(python, "/nonexistent/python3", 1))
    run = contract.blocked_benign(own_codex)
    assert "prempti-hook failed (exit 127), so the call is blocked" in run.only_result()


def test_damaged_zipapp_blocks(own_codex):
    """A truncated zipapp makes Python exit 1, which Codex would let through."""
    data = own_codex.machine.zipapp.read_bytes()
    contract.replace_zipapp(own_codex.machine, data[: len(data) // 2])
    run = contract.blocked_benign(own_codex)
    assert "prempti-hook failed (exit 1), so the call is blocked" in run.only_result()


def test_killed_hook_blocks(own_codex):
    contract.replace_zipapp(own_codex.machine, contract.KILLS_ITSELF)
    run = contract.blocked_benign(own_codex)
    assert "prempti-hook failed (exit 137), so the call is blocked" in run.only_result()


def test_a_hook_out_of_time_answers_a_deny_itself(own_codex):
    """The hook waits on a lock that is not released; its watchdog (shortened to 1 s here)
    denies before Codex's own timeout, which would let the tool run."""
    with contract.cache_lock_held(own_codex.machine):
        run = contract.blocked_benign(own_codex, env=contract.WATCHDOG_ENV)
    assert "could not decide within 1 s" in run.only_result(), run.describe()


def test_no_usable_rules_blocks_every_call(own_codex):
    contract.no_usable_rules(own_codex)
