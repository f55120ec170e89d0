"""Choosing the adapter: by the name the installed command gives (`--agent`), never from the
input; and the launcher's own deny when prempti-hook cannot even start."""

from __future__ import annotations

import json

import pytest

from prempti_hook import launcher
from prempti_hook.agents import ADAPTERS, Decision, UnknownAgent, adapter, canonical


def test_every_agent_has_an_adapter_with_the_same_shape():
    for name in ADAPTERS:
        module = adapter(name)
        assert (module.AGENT, module.__name__) == (name, f"prempti_hook.agents.{name}")
        assert callable(module.read) and callable(module.write) and module.DEFAULT_EVENT


@pytest.mark.parametrize("alias, name", [("claude", "claude_code"), ("claude-code", "claude_code"),
                                         ("codex", "codex"), ("gemini-cli", "gemini")])
def test_aliases(alias, name):
    assert canonical(alias) == name


def test_an_unknown_agent_is_refused():
    with pytest.raises(UnknownAgent, match="unknown agent 'cursor'"):
        adapter("cursor")


@pytest.mark.parametrize("argv, agent", [
    (["pyz"], "claude_code"), (["pyz", "--agent", "codex"], "codex"),
    (["pyz", "--agent"], None), (["pyz", "status"], None),
    (["pyz", "--agent", "codex", "x"], None),
])
def test_the_launcher_knows_hook_mode(argv, agent):
    assert launcher.hook_agent(argv) == agent


@pytest.mark.parametrize("agent, decision", [
    ("claude_code", lambda o: o["hookSpecificOutput"]["permissionDecision"]),
    ("codex", lambda o: o["hookSpecificOutput"]["permissionDecision"]),
    ("gemini", lambda o: o["decision"]),
    ("copilot", lambda o: o["permissionDecision"]),
])
def test_the_launchers_deny_is_each_agents_deny(agent, decision):
    out = json.loads(launcher.deny_json('a "quoted" reason\n', agent))
    assert decision(out) == "deny"
    written = adapter(agent).write(Decision("deny", 'a "quoted" reason\n'))
    assert json.loads(written) == out  # the launcher answers as the adapter would


def test_the_launcher_has_no_json_for_an_unknown_agent():
    assert launcher.deny_json("r", "cursor") is None
