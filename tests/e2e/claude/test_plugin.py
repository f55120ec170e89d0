"""The Claude Code plugin from this repository, with the real Claude Code (offline, mock API).

The marketplace (`.claude-plugin/marketplace.json`) is added from a release copy of the
repository with `claude plugin marketplace add`, the plugin installed with `claude plugin
install`, as a user does. Then, in a `claude -p` session: the rule-authoring skill is offered
to the model (it is in what the mock received, and the Skill tool loads it), and the hook the
plugin carries denies, with install.sh's own settings.json registration removed so that the
plugin's hook is the only guard.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from mock_api import final_text, tool_call
from product import BYPASS, CANARY, assert_denied, canary_reached_model

pytestmark = pytest.mark.e2e

PLUGIN = "prempti-hook@prempti-hook"
SKILL = "prempti-rules"
SKILL_DESCRIPTION = "Write, test and tune prempti-hook rules"
SSH_RULE = "Deny access to SSH private keys"


def claude_cli(product, *args: str) -> subprocess.CompletedProcess:
    """`claude ARGS` with the product's HOME and nothing else of this environment."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(product.home),
           "TMPDIR": str(product.root), "LANG": "C.UTF-8", "DISABLE_TELEMETRY": "1",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
           "DISABLE_ERROR_REPORTING": "1"}
    return subprocess.run([str(product.claude.claude), *args], env=env, cwd=product.project,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=180, check=False)


def install_plugin(product, release: Path) -> None:
    added = claude_cli(product, "plugin", "marketplace", "add", str(release))
    assert added.returncode == 0, added.stdout + added.stderr
    installed = claude_cli(product, "plugin", "install", PLUGIN)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = claude_cli(product, "plugin", "list")
    assert PLUGIN in listed.stdout and "enabled" in listed.stdout, listed.stdout


def settings_hooks(product) -> list:
    if not product.settings_file.exists():  # uninstall restores a missing file as missing
        return []
    settings = json.loads(product.settings_file.read_text())
    return [hook["command"] for group in settings.get("hooks", {}).get("PreToolUse", [])
            for hook in group.get("hooks", [])]


@pytest.fixture
def plugin_product(fresh, release):
    """prempti-hook installed by install.sh, its settings.json entry handed to the plugin."""
    product = fresh.install()
    removed = product.cli("uninstall", person=True)  # the hook entry only; files stay
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert settings_hooks(product) == []
    install_plugin(product, release)
    return product


def test_the_plugin_installs_offers_the_skill_and_its_hook_denies(plugin_product):
    product = plugin_product
    key_read = tool_call("Bash", command="cat ~/.ssh/id_rsa", description="Show the key")
    load_skill = tool_call("Skill", skill=f"prempti-hook:{SKILL}")
    # bypassPermissions: Claude Code's own guard stands aside, so the deny is the plugin's.
    session = product.run([key_read, load_skill, final_text("done")],
                          permission_mode=BYPASS)

    assert settings_hooks(product) == []  # the only guard is the plugin's hook
    assert_denied(product, session, session.only_result_for("Bash"), SSH_RULE)
    assert not canary_reached_model(session), CANARY

    # The skill is offered to the model: named and described in what the mock received.
    first = json.dumps(session.requests[0]["body"]) if session.requests else ""
    offered = [r for r in session.requests if SKILL in json.dumps(r["body"])]
    assert offered, session.describe()
    assert any(SKILL_DESCRIPTION in json.dumps(r["body"]) for r in offered), first[:2000]
    # ... and loading it gives the model the skill's instructions.
    loaded = session.only_result_for("Skill")
    assert loaded["is_error"] is False, session.describe()
    bodies = json.dumps([r["body"] for r in session.requests])
    assert "prempti-hook --check" in bodies and "rules/user/tests/" in bodies


def test_with_install_sh_registration_too_each_call_is_decided_once(fresh, release):
    """install.sh registered the hook and the plugin is installed: the plugin's hook steps
    aside, so the call is decided (and logged) once, by the registered hook."""
    product = fresh.install()
    install_plugin(product, release)
    assert len(settings_hooks(product)) == 1
    session = product.run([tool_call("Bash", command="cat ~/.ssh/id_rsa",
                                     description="Show the key"), final_text("done")],
                          permission_mode=BYPASS)
    result = session.only_result_for("Bash")
    # assert_denied finds exactly one audit record for the call: the plugin's hook stepped
    # aside (two hooks deciding would have logged it twice).
    assert_denied(product, session, result, SSH_RULE)
