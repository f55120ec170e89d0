"""Claude Code: hook input -> Call, Decision -> hook output (docs/contract.md,
"Claude Code's hook protocol").

Claude Code treats exit 1, crashes, garbage on stdout and timeouts as "continue", so this
module never raises anything but `MalformedCall` from `read`, and `write` always returns
either "" (no decision) or exactly one JSON object.
"""

from __future__ import annotations

from .. import jsonio
from . import Call, Decision, claude_style_call

AGENT = "claude_code"
DEFAULT_EVENT = "PreToolUse"


def read(payload: dict) -> Call:
    """The Call described by a Claude Code hook input (any hook event)."""
    return claude_style_call(AGENT, payload)


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
