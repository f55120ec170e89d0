"""Claude Code: hook input -> Call, Decision -> hook output (agent-protocols.md §1).

Claude Code treats exit 1, crashes, garbage on stdout and timeouts as "continue", so this
module never raises anything but `MalformedCall` from `read`, and `write` always returns
either "" (no decision) or exactly one JSON object.
"""

from __future__ import annotations

from .. import jsonio
from . import Call, Decision, MalformedCall

AGENT = "claude_code"

# Keys copied from the input when present; anything that is not a string is kept as its
# compact JSON text rather than dropped, so that rules still see it.
_METADATA = {
    "session_id": "session_id",
    "transcript_path": "transcript_path",
    "permission_mode": "permission_mode",
    "model": "model",
    "turn_id": "turn_id",
    "tool_use_id": "tool_use_id",
    "agent_id": "agent_id",
    "agent_type": "agent_type",
}


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else jsonio.dumps(value)


def read(payload: dict) -> Call:
    """The Call described by a Claude Code hook input (any hook event)."""
    event_name = payload.get("hook_event_name")
    if not isinstance(event_name, str) or not event_name:
        raise MalformedCall("the hook input has no hook_event_name string")
    tool_name = payload.get("tool_name", "")
    if not isinstance(tool_name, str):
        raise MalformedCall("tool_name is not a string")
    if not tool_name and event_name in ("PreToolUse", "PermissionRequest"):
        raise MalformedCall(f"a {event_name} input without tool_name")
    tool_input = payload.get("tool_input", {})
    if tool_input is None:
        tool_input = {}
    if not isinstance(tool_input, dict):
        raise MalformedCall("tool_input is not a JSON object")
    cwd = payload.get("cwd", "")
    if not isinstance(cwd, str):
        raise MalformedCall("cwd is not a string")
    server = payload.get("mcp_server")
    server_name = server.get("name") if isinstance(server, dict) else None
    metadata = {attr: _text(payload.get(key)) for key, attr in _METADATA.items()}
    return Call(AGENT, payload, hook_event_name=event_name, tool_name=tool_name,
                tool_input=tool_input, cwd=cwd,
                mcp_server=server_name if isinstance(server_name, str) else "", **metadata)


def write(decision: Decision, hook_event_name: str = "PreToolUse") -> str:
    """The stdout text for `decision`: one JSON object, or "" for no decision at all."""
    out: dict = {}
    verdict = decision.verdict
    if hook_event_name == "PreToolUse" and verdict in ("deny", "ask", "allow"):
        specific = {"hookEventName": "PreToolUse", "permissionDecision": verdict}
        if decision.reason:
            specific["permissionDecisionReason"] = decision.reason
        out["hookSpecificOutput"] = specific
    elif hook_event_name == "PermissionRequest" and verdict == "deny":
        # Only a deny is answered: approving a permission prompt on the user's behalf is not
        # ours to do, and "ask" is what the prompt already does.
        out["hookSpecificOutput"] = {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "deny", "message": decision.reason},
        }
    if decision.notices:
        out["systemMessage"] = "prempti-hook: " + " | ".join(decision.notices)
    return jsonio.dumps(out) if out else ""
