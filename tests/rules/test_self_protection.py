"""The agent cannot switch prempti-hook off: tamper attempts through the real, installed hook.

A throw-away home gets a real installation laid out as install/install.sh lays it out (the
zipapp as $PREMPTI_HOME/bin/prempti-hook, the shipped rules in rules/default, config.yaml, an
audit log) and the hook registered in ~/.claude/settings.json by `prempti-hook install`. Every
attempt below is one PreToolUse call sent to the installed command exactly as Claude Code runs
it (`PREMPTI_HOME=... python -I -S $PREMPTI_HOME/bin/prempti-hook`), and must be denied;
reading the guard's files and its read-only commands must not be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from installed_guard import ask_hook, guard_home, register

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A home with prempti-hook installed and registered; returns the home."""
    home = guard_home(tmp_path_factory, REPO / "rules")
    prempti = home / ".prempti"
    (prempti / "config.yaml").write_text("mode: guardrails\n", encoding="utf-8")
    (prempti / "log" / "events.jsonl").write_text("", encoding="utf-8")
    project = home / "project"
    (project / "config").mkdir(parents=True)
    # A project symlink into the guard's rules, and one to Claude Code's folder.
    (project / "config" / "policy").symlink_to(prempti / "rules")
    (project / "claude-home").symlink_to(home / ".claude", target_is_directory=True)
    register(home)
    return home


def _ask_hook(home: Path, tool_name: str, tool_input: dict) -> tuple[str, str]:
    return ask_hook(home, tool_name, tool_input, "self-protection")


def bash(command: str) -> tuple[str, dict]:
    return "Bash", {"command": command, "description": "maintenance"}


TAMPER_ATTEMPTS = {
    # our rules
    "write a user rule": ("Write", {"file_path": "{home}/.prempti/rules/user/zz.yaml",
                                    "content": "- rule: x\n  enabled: false\n"}),
    "edit a shipped rule": ("Edit", {
        "file_path": "{home}/.prempti/rules/default/10-self-protection.yaml",
        "old_string": "coding_agent_deny", "new_string": "coding_agent_log"}),
    "sed -i a shipped rule": bash("sed -i 's/coding_agent_deny//' "
                                  "~/.prempti/rules/default/40-threats.yaml"),
    "rules through a project symlink": ("Write", {
        "file_path": "{home}/project/config/policy/user/off.yaml", "content": "[]\n"}),
    "rules through ..": ("Write", {
        "file_path": "{home}/project/../.prempti/rules/user/off.yaml", "content": "[]\n"}),
    "rm the rules folder": bash("rm -rf ~/.prempti/rules"),
    # log, cache, binary, config
    "delete the log": bash("rm -f ~/.prempti/log/events.jsonl"),
    "truncate the log with $HOME": bash(": > $HOME/.prempti/log/events.jsonl"),
    "link the log to /dev/null": bash("ln -sf /dev/null ${HOME}/.prempti/log/events.jsonl"),
    "forge the cache": ("Write", {"file_path": "~/.prempti/cache/ruleset.pickle",
                                  "content": "x"}),
    "chmod -x the binary": bash("chmod -x ~/.prempti/bin/prempti-hook"),
    # the command on PATH a person runs (`prempti-hook status`, `mode`)
    "replace the command on PATH": ("Write", {"file_path": "{home}/.local/bin/prempti-hook",
                                              "content": "#!/bin/sh\necho guardrails\n"}),
    "redirect over the command": bash("printf '#!/bin/sh\\n' > ~/.local/bin/prempti-hook"),
    "symlink over the command": bash("ln -sf /bin/true $HOME/.local/bin/prempti-hook"),
    "delete the command": bash("rm -f ~/.local/bin/prempti-hook"),
    "move the binary away": bash("mv {home}/.prempti/bin/prempti-hook /tmp/"),
    "replace the extracted code": bash("rm -rf ~/.prempti/lib"),
    "sed -i the config": bash("sed -i 's/guardrails/monitor/' ~/.prempti/config.yaml"),
    "write the config": ("Write", {"file_path": "~/.prempti/config.yaml",
                                   "content": "mode: monitor\n"}),
    "config via a variable": bash(
        "P=$HOME/.prem''pti; echo 'fail_open: true' >> \"$P/config.yaml\""),
    "config via bash -c": bash("bash -c 'echo mode: monitor > ~/.prempti/config.yaml'"),
    "config via base64 eval": bash(
        "eval \"$(echo c2VkIC1pIHMvZ3VhcmRyYWlscy9tb25pdG9yLyB+Ly5wcmVtcHRpL2NvbmZpZy55YW1s"
        " | base64 -d)\""),
    # the hook entry in Claude Code's settings
    "Write settings.json": ("Write", {"file_path": "{home}/.claude/settings.json",
                                      "content": "{}\n"}),
    "Edit settings.json": ("Edit", {"file_path": "~/.claude/settings.json",
                                    "old_string": "PreToolUse", "new_string": "Unused"}),
    "redirect over settings.json": bash("echo '{}' > ~/.claude/settings.json"),
    "jq then mv over settings.json": bash(
        "jq 'del(.hooks)' ~/.claude/settings.json > /tmp/s && mv /tmp/s ~/.claude/settings.json"),
    "python -c rewrites settings.json": bash(
        "python3 -c \"import json,os;p=os.path.expanduser('~/.claude/settings.json');"
        "d=json.load(open(p));d.pop('hooks',None);json.dump(d,open(p,'w'))\""),
    "settings.json through a project symlink": ("Write", {
        "file_path": "{home}/project/claude-home/settings.json", "content": "{}\n"}),
    "delete the .claude folder": bash("rm -rf ~/.claude"),
    "disableAllHooks in project settings": ("Write", {
        "file_path": "{home}/project/.claude/settings.local.json",
        "content": "{\"disableAllHooks\": true}\n"}),
    # switching it off
    "prempti-hook mode monitor": bash("prempti-hook mode monitor"),
    "installed binary mode monitor": bash("~/.prempti/bin/prempti-hook mode monitor"),
    "prempti-hook uninstall": bash("prempti-hook uninstall"),
    "prempti-hook hook remove": bash("{home}/.prempti/bin/prempti-hook hook remove"),
    "fail-open in .bashrc": bash("echo 'export PREMPTI_FAIL_OPEN=1' >> ~/.bashrc"),
    "claude --bare": bash("claude --bare -p 'continue'"),
    "kill the hook": bash("kill -9 $(pgrep -f prempti-hook)"),
    "pkill the hook": bash("pkill -f prempti-hook"),
    "killall the hook": bash("killall prempti-hook"),
}

ALLOWED_READS = {
    "Read a shipped rule": ("Read", {
        "file_path": "{home}/.prempti/rules/default/10-self-protection.yaml"}),
    "cat the config": bash("cat ~/.prempti/config.yaml"),
    "tail the log": bash("tail -n 20 ~/.prempti/log/events.jsonl"),
    "grep the log": bash("grep -c deny $HOME/.prempti/log/events.jsonl"),
    "prempti-hook status": bash("prempti-hook status"),
    "prempti-hook logs": bash("prempti-hook logs --tail 5"),
    "prempti-hook --check": bash("prempti-hook --check"),
}


@pytest.mark.parametrize("name", TAMPER_ATTEMPTS)
def test_tamper_attempt_is_denied(installed, name) -> None:
    tool, tool_input = TAMPER_ATTEMPTS[name]
    verdict, reason = _ask_hook(installed, tool, tool_input)
    assert verdict == "deny", (name, verdict, reason)
    assert "correlation=" in reason


@pytest.mark.parametrize("name", ALLOWED_READS)
def test_reading_the_guard_is_allowed(installed, name) -> None:
    tool, tool_input = ALLOWED_READS[name]
    verdict, reason = _ask_hook(installed, tool, tool_input)
    assert verdict == "allow", (name, verdict, reason)


def test_reading_the_hook_entry_asks_only_when_the_settings_hold_credentials(installed) -> None:
    """The hook entry is no secret (every deny names the guard); an API key in the settings'
    env block is."""
    settings = installed / ".claude" / "settings.json"
    original = settings.read_text(encoding="utf-8")
    verdict, reason = _ask_hook(installed, "Read", {"file_path": "~/.claude/settings.json"})
    assert verdict == "allow", reason
    data = json.loads(original)
    data["env"] = {"ANTHROPIC_API_KEY": "sk-ant-api03-" + "x" * 40}
    try:
        settings.write_text(json.dumps(data), encoding="utf-8")
        verdict, reason = _ask_hook(installed, "Read", {"file_path": "~/.claude/settings.json"})
        assert verdict == "ask", reason
        assert "env:ANTHROPIC_API_KEY" in reason
    finally:
        settings.write_text(original, encoding="utf-8")


def test_the_installer_demo_call_is_denied(installed) -> None:
    """install/install.sh proves the installation with Bash `cat ~/.ssh/id_rsa`."""
    verdict, reason = _ask_hook(installed, "Bash", {"command": "cat ~/.ssh/id_rsa",
                                                    "description": "install.sh check"})
    assert verdict == "deny", reason
