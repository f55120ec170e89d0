"""Hostile stdin through the real hook entry point (`hook.run`), in-process.

Every example is checked against the whole contract (reliability_harness.check): exit 0
with one JSON answer or the empty answer the contract allows, exit 2 with one stderr line
for unreadable input, never exit 1, never a traceback, within the CPU and wall bounds
(rule cache warm), and exactly one audit line, valid JSON, agreeing with the answer.
Beyond the shape, the properties that matter for security: nothing an agent puts around
a call that a rule denies turns it into an allow.
"""

from __future__ import annotations

import json

import pytest
from hostile_inputs import edge_text, huge_text, json_values, stdin_bytes
from hypothesis import event, given, settings
from hypothesis import strategies as st
from reliability_harness import (
    ALLOW_COMMAND,
    ASK_COMMAND,
    DEFAULT_INPUT_MAX,
    DENY_COMMAND,
    DENY_RULE,
    HookResult,
    Settings,
    check,
    encode,
    examples,
    problems_of,
    tool_call,
)

PROFILE = settings.get_profile("reliability")

METADATA_KEYS = ("session_id", "transcript_path", "permission_mode", "tool_use_id", "model",
                 "turn_id", "agent_id", "agent_type", "mcp_server", "prompt_id", "effort")
# Keys whose new value may legitimately change the verdict of a denied call.
DECIDING_KEYS = ("hook_event_name", "tool_name", "tool_input", "tool_input.command")


@settings(PROFILE, max_examples=examples(400))
@given(data=stdin_bytes())
def test_any_stdin_keeps_the_contract(warm_home, data):
    result = warm_home.run(data)
    check(result, data)
    event(f"exit {result.rc}, decision {result.decision() if result.rc == 0 else None}")


def _with(payload: dict, key: str, value) -> dict:
    if key.startswith("tool_input."):
        payload["tool_input"][key.split(".", 1)[1]] = value
    else:
        payload[key] = value
    return payload


@settings(PROFILE, max_examples=examples(300))
@given(key=st.sampled_from((*METADATA_KEYS, "hook_event_name", "tool_name", "tool_input",
                            "cwd", "tool_input.command", "tool_input.description",
                            "tool_input.timeout", "tool_input.file_path", "tool_input.url")),
       value=st.one_of(json_values(), edge_text(), huge_text()))
def test_wrong_types_in_every_field_never_turn_a_deny_into_an_allow(warm_home, key, value):
    payload = _with(tool_call(DENY_COMMAND), key, value)
    data = encode(payload)
    result = warm_home.run(data)
    check(result, data)
    if key in DECIDING_KEYS or len(data) > DEFAULT_INPUT_MAX:
        return
    # Whatever a non-deciding field holds, the call is denied (by the rule, or fail-closed
    # because the input is malformed): never allowed, never left undecided.
    assert result.decision() == "deny", result


@settings(PROFILE, max_examples=examples(200))
@given(before=edge_text(), after=edge_text(), cwd=edge_text(), session=edge_text(),
       extra=st.dictionaries(edge_text(8), json_values(), max_size=3))
def test_unicode_around_a_denied_command_keeps_it_denied(warm_home, before, after, cwd,
                                                         session, extra):
    payload = tool_call(before + DENY_COMMAND + after, cwd=cwd, session_id=session)
    payload["tool_input"].update({k: v for k, v in extra.items() if k != "command"})
    data = encode(payload)
    result = warm_home.run(data)
    check(result, data)
    assert result.decision() == "deny", result
    assert result.reason().startswith(DENY_RULE + ": "), result


@pytest.mark.parametrize("command, verdict", [(DENY_COMMAND, "deny"), (ASK_COMMAND, "ask"),
                                              (ALLOW_COMMAND, "none")])
@pytest.mark.parametrize("mode", ["guardrails", "monitor"])
def test_the_ruleset_verdicts_and_the_modes(warm_home, command, verdict, mode):
    data = encode(tool_call(command))
    result = warm_home.run(data, env={"PREMPTI_MODE": mode})
    check(result, data, Settings(mode=mode))
    record = result.records()[0]
    assert record["verdict"] == verdict
    if mode == "guardrails":
        assert result.decision() == verdict
        assert record["enforced"] is (verdict != "none")
    else:  # monitor: logged, never enforced, no decision and nothing to say
        assert result.stdout == b"" and result.stderr == b""
        assert record["enforced"] is False


def _padded(size: int, command: str = DENY_COMMAND) -> bytes:
    """A valid call of exactly `size` bytes (padding inside a string field); when `size` is
    too small for one, the call cut to `size` bytes."""
    data = encode(tool_call(command, description=""))
    pad = size - len(data)
    if pad < 0:
        return data[:size]
    return data.replace(b'"description": ""', b'"description": "' + b"x" * pad + b'"', 1)


@pytest.mark.parametrize("delta", [-1, 0, 1, 65536])
def test_the_default_input_limit_is_4_mib(warm_home, delta):
    data = _padded(DEFAULT_INPUT_MAX + delta)
    assert len(data) == DEFAULT_INPUT_MAX + delta
    result = warm_home.run(data)
    check(result, data)
    if delta <= 0:
        assert result.decision() == "deny", result
    else:
        assert result.rc == 2 and b"larger than 4194304 bytes" in result.stderr, result


@settings(PROFILE, max_examples=examples(100))
@given(limit=st.integers(0, 3000), size=st.integers(0, 3200),
       command=st.sampled_from([DENY_COMMAND, ALLOW_COMMAND]))
def test_any_input_limit_is_exact(warm_home, limit, size, command):
    data = _padded(size, command)
    result = warm_home.run(data, env={"PREMPTI_INPUT_MAX_BYTES": str(limit)})
    check(result, data, Settings(input_max_bytes=limit))


@pytest.mark.parametrize("depth", [100, 900, 1000, 10_000, 1_000_000])
@pytest.mark.parametrize("where", ["top", "tool_input", "session_id"])
def test_deep_json(warm_home, depth, where):
    inner = "[" * depth + "]" * depth
    if where == "top":
        data = inner.encode()
    else:
        text = json.dumps(tool_call(DENY_COMMAND, session_id="@@"))
        if where == "tool_input":
            text = text.replace('"tool_input": {', '"tool_input": {"deep": @@, ', 1)
        data = text.replace('"@@"' if where == "session_id" else "@@", inner, 1).encode()
    result = warm_home.run(data)
    check(result, data)
    if where != "top" and result.rc == 0:
        assert result.decision() == "deny", result


_VALID = {"PREMPTI_MODE": ("guardrails", "monitor"),
          "PREMPTI_DEFAULT_ACTION": ("allow", "none", "defer"),
          "PREMPTI_FAIL_OPEN": ("0", "1", "true", "no")}
_GARBAGE = st.one_of(edge_text(12), st.sampled_from(["MONITOR", "guardrails!", "2", "-1",
                                                     "yes please", "\x00"]))


@st.composite
def environments(draw) -> tuple[dict, Settings, bool]:
    """Environment settings, valid or garbage; the settings they must give, and whether
    a garbage value was set (which the user must be told about)."""
    env: dict = {}
    garbage = False
    for name, valid in _VALID.items():
        choice = draw(st.sampled_from(["unset", "valid", "garbage"]))
        if choice == "valid":
            env[name] = draw(st.sampled_from(valid))
        elif choice == "garbage":
            value = draw(_GARBAGE)
            if value.strip().strip("'\"").lower() in {v.lower() for v in valid} | \
                    {"1", "true", "yes", "on", "y", "0", "false", "no", "off", "n", ""}:
                continue
            env[name] = value
            garbage = True
    expected = Settings(mode=env.get("PREMPTI_MODE", "guardrails")
                        if env.get("PREMPTI_MODE") in _VALID["PREMPTI_MODE"] else "guardrails",
                        default_action="allow"
                        if env.get("PREMPTI_DEFAULT_ACTION") == "allow" else "none",
                        fail_open=env.get("PREMPTI_FAIL_OPEN") in ("1", "true"))
    return env, expected, garbage


@settings(PROFILE, max_examples=examples(150))
@given(environment=environments(),
       data=st.one_of(st.sampled_from([DENY_COMMAND, ASK_COMMAND, ALLOW_COMMAND])
                      .map(lambda c: encode(tool_call(c))),
                      st.just(encode({"hook_event_name": "PreToolUse", "tool_name": 1})),
                      stdin_bytes()))
def test_settings_from_the_environment(warm_home, environment, data):
    env, expected, garbage = environment
    # \x00 cannot be in a real environment; in-process it can, and must not crash either.
    result = warm_home.run(data, env=env)
    check(result, data, expected)
    undecided = "could not decide" in result.reason() + result.system_message()
    if garbage and result.stdout and not undecided:
        # A setting that cannot be read is reported, never silently replaced by the default
        # (for calls that could not be decided, see the test below).
        assert "prempti-hook: PREMPTI_" in result.system_message(), result


def test_setting_problems_are_reported_when_failing_closed(warm_home):
    data = encode({"hook_event_name": "PreToolUse", "tool_name": 1})
    result = warm_home.run(data, env={"PREMPTI_MODE": "guardrails!"})
    check(result, data)
    assert result.decision() == "deny"
    assert b"PREMPTI_MODE" in result.stderr, result


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b"\xff" * 10],
                         ids=["empty", "not-json", "not-object", "not-utf8"])
def test_unreadable_input_is_logged(warm_home, data):
    result = warm_home.run(data)
    assert result.rc == 2
    assert len(result.log_lines) == 1, result


# The checker itself: each break of the contract must be caught ------------------------------

def _record(verdict: str = "deny", correlation: int = 7) -> bytes:
    return json.dumps({"time": "t", "hostname": "h", "source": "coding_agent", "rule": "r",
                       "priority": "Critical", "output": "o", "tags": [], "matched": [],
                       "output_fields": {"correlation.id": correlation}, "verdict": verdict,
                       "mode": "guardrails", "enforced": True, "duration_ms": 1.0}).encode()


_DENY = (b'{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
         b'"permissionDecisionReason":"r: x | correlation=7"}}\n')


@pytest.mark.parametrize("result, data, broken", [
    (HookResult(0, _DENY, b"", 0.01, 0.01, [_record()]), encode(tool_call()), ""),
    (HookResult(1, b"", b"x\n", 0.01, 0.01, [_record()]), encode(tool_call()), "exit 1"),
    (HookResult(0, _DENY, b"Traceback (most recent call last):\n", 0.01, 0.01, [_record()]),
     encode(tool_call()), "traceback"),
    (HookResult(0, _DENY + _DENY, b"", 0.01, 0.01, [_record()]), encode(tool_call()),
     "one line"),
    (HookResult(0, b"", b"", 0.01, 0.01, [_record()]), encode(tool_call()), "no decision"),
    (HookResult(0, _DENY, b"prempti-hook: log failed\n", 0.01, 0.01, [_record()]),
     encode(tool_call()), "stderr only"),
    (HookResult(0, _DENY, b"", 6.0, 6.0, [_record()]), encode(tool_call()), "CPU"),
    (HookResult(0, _DENY, b"", 0.01, 0.01, []), encode(tool_call()), "0 audit lines"),
    (HookResult(0, _DENY, b"", 0.01, 0.01, [b"{torn"]), encode(tool_call()), "not JSON"),
    (HookResult(0, _DENY, b"", 0.01, 0.01, [_record("allow")]), encode(tool_call()),
     "logged allow"),
    (HookResult(0, _DENY, b"", 0.01, 0.01, [_record(correlation=8)]), encode(tool_call()),
     "correlation"),
    (HookResult(0, _DENY, b"", 0.01, 0.01, [_record()]), b"[]", "must exit 2"),
    (HookResult(2, b"", b"prempti-hook: a\nprempti-hook: b\n", 0.01, 0.01, []), b"x",
     "exactly one stderr line"),
    (HookResult(2, b"", b"prempti-hook: bad\n", 0.01, 0.01, [_record()]),
     encode(tool_call()), "exit 2 on a readable PreToolUse"),
])
def test_the_checker_catches_each_break_of_the_contract(result, data, broken):
    # Giving no decision breaks the contract only where every call must be decided.
    settings = Settings(default_action="allow" if broken == "no decision" else "none")
    problems = problems_of(result, data, settings)
    if not broken:
        assert problems == []
    else:
        assert any(broken in p for p in problems), problems
