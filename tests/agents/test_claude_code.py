from __future__ import annotations

import json
from pathlib import Path

import pytest

from prempti_hook.agents import Decision, MalformedCall, claude_code

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "claude_code_samples"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_real_sample_reads(path):
    payload = json.loads(path.read_text())
    call = claude_code.read(payload)
    assert call.agent == "claude_code"
    assert call.hook_event_name == payload["hook_event_name"]
    assert call.tool_name == payload.get("tool_name", "")
    assert call.tool_input == payload.get("tool_input", {})
    assert call.cwd == payload["cwd"]
    assert call.session_id == payload["session_id"]


def test_subagent_and_mcp_metadata():
    call = claude_code.read(json.loads((SAMPLES / "pretooluse_Bash_in_subagent.json").read_text()))
    assert (call.agent_id, call.agent_type) == ("af654e7ca3e1deffc", "general-purpose")
    call = claude_code.read(json.loads((SAMPLES / "pretooluse_mcp__demo__echo.json").read_text()))
    assert call.mcp_server == "demo"


@pytest.mark.parametrize("payload,message", [
    ({}, "no hook_event_name"),
    ({"hook_event_name": 3}, "no hook_event_name"),
    ({"hook_event_name": "PreToolUse", "tool_name": ["Bash"]}, "tool_name is not a string"),
    ({"hook_event_name": "PreToolUse"}, "without tool_name"),
    ({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": "ls"},
     "tool_input is not a JSON object"),
    ({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": 7}, "cwd is not a string"),
])
def test_malformed_calls_are_reported(payload, message):
    with pytest.raises(MalformedCall, match=message):
        claude_code.read(payload)


def test_non_string_metadata_is_kept_as_json_text():
    call = claude_code.read({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                             "session_id": {"x": 1}, "permission_mode": None})
    assert call.session_id == '{"x":1}'
    assert call.permission_mode == ""


@pytest.mark.parametrize("verdict", ["deny", "ask", "allow"])
def test_pretooluse_decisions(verdict):
    out = json.loads(claude_code.write(Decision(verdict, "R: why | correlation=1")))
    assert out == {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                          "permissionDecision": verdict,
                                          "permissionDecisionReason": "R: why | correlation=1"}}


def test_defer_is_no_output_unless_there_are_notices():
    assert claude_code.write(Decision("defer")) == ""
    out = json.loads(claude_code.write(Decision("defer", notices=["log not written"])))
    assert out == {"systemMessage": "prempti-hook: log not written"}


def test_notices_ride_along_with_the_verdict():
    out = json.loads(claude_code.write(Decision("deny", "no", ["a", "b"])))
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert out["systemMessage"] == "prempti-hook: a | b"


def test_permission_request_answers_only_deny():
    out = json.loads(claude_code.write(Decision("deny", "no"), "PermissionRequest"))
    assert out == {"hookSpecificOutput": {"hookEventName": "PermissionRequest",
                                          "decision": {"behavior": "deny", "message": "no"}}}
    assert claude_code.write(Decision("allow"), "PermissionRequest") == ""
    assert claude_code.write(Decision("deny", "no"), "PostToolUse") == ""
