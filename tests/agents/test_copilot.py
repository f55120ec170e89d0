"""The Copilot CLI adapter: both input dialects and permissionRequest in, Copilot's
`permissionDecision` (or `behavior`) out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prempti_hook.agents import Decision, MalformedCall, copilot

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "agent_samples"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("copilot_preToolUse_*.json")),
                         ids=lambda p: p.stem)
def test_every_real_camel_case_sample_reads(path):
    payload = json.loads(path.read_text())
    call = copilot.read(payload)
    assert (call.agent, call.hook_event_name, call.tool_name) == \
        ("copilot", "preToolUse", payload["toolName"])
    assert call.tool_input == payload["toolArgs"] and call.cwd == payload["cwd"]
    assert call.session_id == payload["sessionId"]


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("copilot_PreToolUse_*.json")),
                         ids=lambda p: p.stem)
def test_every_real_claude_style_sample_reads(path):
    payload = json.loads(path.read_text())
    call = copilot.read(payload)
    assert (call.agent, call.hook_event_name, call.tool_name) == \
        ("copilot", "PreToolUse", payload["tool_name"])
    assert call.tool_input == payload["tool_input"] and call.session_id == payload["session_id"]


def test_permission_request_reads():
    call = copilot.read({"hookName": "permissionRequest", "sessionId": "s", "timestamp": 1,
                         "cwd": "/w", "toolName": "bash", "toolInput": {"command": "ls"},
                         "permissionSuggestions": []})
    assert (call.hook_event_name, call.tool_name, call.tool_input) == \
        ("permissionRequest", "bash", {"command": "ls"})


def test_tool_args_as_json_text_are_read():
    call = copilot.read({"sessionId": "s", "cwd": "/w", "toolName": "bash",
                         "toolArgs": '{"command": "cat ~/.ssh/id_rsa"}'})
    assert call.tool_input == {"command": "cat ~/.ssh/id_rsa"}
    with pytest.raises(MalformedCall, match="not JSON"):
        copilot.read({"sessionId": "s", "cwd": "/w", "toolName": "bash", "toolArgs": "{oops"})


def test_mcp_tools_name_their_server():
    assert copilot.read({"sessionId": "s", "cwd": "/w", "toolName": "demo-echo",
                         "toolArgs": {}}).mcp_server == "demo"
    assert copilot.read({"sessionId": "s", "cwd": "/w", "toolName": "bash",
                         "toolArgs": {}}).mcp_server == ""


@pytest.mark.parametrize("payload, message", [
    ({"sessionId": "s"}, "no toolName"),
    ({"toolName": "bash", "toolArgs": [1]}, "not a JSON object"),
    ({"hookName": 3, "toolName": "bash"}, "hookName"),
    ({"hook_event_name": "PreToolUse"}, "without tool_name"),
])
def test_malformed_input_is_refused(payload, message):
    with pytest.raises(MalformedCall, match=message):
        copilot.read(payload)


@pytest.mark.parametrize("event", ["preToolUse", "PreToolUse"])
def test_decisions_in_both_dialects(event):
    for verdict in ("deny", "ask"):
        assert json.loads(copilot.write(Decision(verdict, "R"), event)) == \
            {"permissionDecision": verdict, "permissionDecisionReason": "R"}
    assert json.loads(copilot.write(Decision("allow", "R"), event)) == \
        {"permissionDecision": "allow"}
    assert copilot.write(Decision("none", "R", ["notice"]), event) == ""


def test_permission_request_answers():
    for verdict in ("deny", "ask"):
        assert json.loads(copilot.write(Decision(verdict, "R"), "permissionRequest")) == \
            {"behavior": "deny", "message": "R"}
    assert copilot.write(Decision("allow", "R"), "permissionRequest") == ""
