"""The Codex adapter: real hook inputs in, Codex's own output shapes out (the shapes Codex
0.169.0 was seen to block on; everything else it lets through)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prempti_hook.agents import Decision, MalformedCall, codex

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "agent_samples"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("codex_*.json")), ids=lambda p: p.stem)
def test_every_real_sample_reads(path):
    payload = json.loads(path.read_text())
    call = codex.read(payload)
    assert (call.agent, call.hook_event_name, call.tool_name) == \
        ("codex", "PreToolUse", payload["tool_name"])
    assert call.tool_input == payload["tool_input"] and call.cwd == payload["cwd"]
    assert (call.session_id, call.turn_id, call.model, call.tool_use_id) == \
        (payload["session_id"], payload["turn_id"], payload["model"], payload["tool_use_id"])
    assert call.transcript_path == ""  # null with --ephemeral


def test_permission_request_reads():
    call = codex.read({"session_id": "s", "turn_id": "t", "transcript_path": None, "cwd": "/w",
                       "hook_event_name": "PermissionRequest", "model": "m",
                       "permission_mode": "default", "tool_name": "Bash",
                       "tool_input": {"command": "ls", "description": "why"}})
    assert (call.hook_event_name, call.tool_name, call.permission_mode) == \
        ("PermissionRequest", "Bash", "default")


def test_malformed_input_is_refused():
    with pytest.raises(MalformedCall):
        codex.read({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": "ls"})


def test_deny_is_codexs_blocking_answer():
    out = json.loads(codex.write(Decision("deny", "R: why | correlation=1")))
    assert out == {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                          "permissionDecision": "deny",
                                          "permissionDecisionReason": "R: why | correlation=1"}}


def test_ask_is_a_deny_that_says_a_person_must_run_it():
    out = json.loads(codex.write(Decision("ask", "R: why | correlation=1")))["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny"  # Codex runs the tool on "ask"
    assert out["permissionDecisionReason"] == codex.ASK_PREFIX + "R: why | correlation=1"


@pytest.mark.parametrize("verdict", ["allow", "none"])
def test_allow_and_no_decision_are_no_answer(verdict):
    # Codex refuses a bare "allow" (it only takes one with a rewritten input)
    assert codex.write(Decision(verdict, "R")) == ""


def test_a_deny_always_has_a_reason():
    # an empty reason is invalid for Codex, which then lets the tool run
    out = json.loads(codex.write(Decision("deny", "")))["hookSpecificOutput"]
    assert out["permissionDecisionReason"]


def test_notices_go_in_system_message():
    assert json.loads(codex.write(Decision("none", "", ["log not written"]))) == \
        {"systemMessage": "prempti-hook: log not written"}
    out = json.loads(codex.write(Decision("deny", "R", ["stale rules"])))
    assert out["systemMessage"] == "prempti-hook: stale rules" and "hookSpecificOutput" in out


@pytest.mark.parametrize("verdict", ["deny", "ask"])
def test_permission_request_is_rejected_for_deny_and_ask(verdict):
    out = json.loads(codex.write(Decision(verdict, "R"), "PermissionRequest"))
    assert out["hookSpecificOutput"]["hookEventName"] == "PermissionRequest"
    assert out["hookSpecificOutput"]["decision"]["behavior"] == "deny"
    assert out["hookSpecificOutput"]["decision"]["message"].endswith("R")
    assert codex.write(Decision("allow", "R"), "PermissionRequest") == ""
