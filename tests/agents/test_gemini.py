"""The Gemini CLI adapter: real BeforeTool inputs in, Gemini's top-level `decision` out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prempti_hook.agents import Decision, MalformedCall, gemini

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "agent_samples"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("gemini_*.json")), ids=lambda p: p.stem)
def test_every_real_sample_reads(path):
    payload = json.loads(path.read_text())
    call = gemini.read(payload)
    assert (call.agent, call.hook_event_name, call.tool_name) == \
        ("gemini", "BeforeTool", payload["tool_name"])
    assert call.tool_input == payload["tool_input"] and call.cwd == payload["cwd"]
    assert (call.session_id, call.transcript_path) == (payload["session_id"],
                                                        payload["transcript_path"])


def test_mcp_context_names_the_server():
    call = gemini.read(json.loads((SAMPLES / "gemini_BeforeTool_mcp_demo_echo.json")
                                  .read_text()))
    assert call.mcp_server == "demo"


@pytest.mark.parametrize("payload, message", [
    ({}, "no hook_event_name"),
    ({"hook_event_name": "BeforeTool"}, "without tool_name"),
    ({"hook_event_name": "BeforeTool", "tool_name": "x", "tool_input": []}, "not a JSON object"),
    ({"hook_event_name": "BeforeTool", "tool_name": "x", "cwd": 1}, "cwd is not a string"),
])
def test_malformed_input_is_refused(payload, message):
    with pytest.raises(MalformedCall, match=message):
        gemini.read(payload)


def test_deny_ask_allow_and_no_decision():
    assert json.loads(gemini.write(Decision("deny", "R"))) == {"decision": "deny", "reason": "R"}
    assert json.loads(gemini.write(Decision("ask", "R"))) == {
        "decision": "ask", "reason": "R",
        "systemMessage": "prempti-hook asks before this call: R"}
    assert json.loads(gemini.write(Decision("allow", "R"))) == {"decision": "allow"}
    assert gemini.write(Decision("none", "R")) == ""


def test_notices_go_in_system_message():
    assert json.loads(gemini.write(Decision("none", "", ["a", "b"]))) == \
        {"systemMessage": "prempti-hook: a | b"}
    out = json.loads(gemini.write(Decision("deny", "", ["a"])))
    assert out["decision"] == "deny" and out["reason"] and out["systemMessage"]
