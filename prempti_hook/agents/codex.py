"""OpenAI Codex CLI: hook input -> Call, Decision -> hook output (checked against
`codex-cli 0.169.0`).

Input: Claude-style (`PreToolUse`, `PermissionRequest`). Codex reports its shell tools
(`exec_command`, `shell`...) as `Bash` with `{"command": ...}`, file edits as `apply_patch`
with the patch text in `command`, MCP tools as `mcp__<server>__<tool>`, and puts an
`exec_command`'s `workdir` into `cwd`.

Output: Codex blocks only on an explicit deny with a non-empty reason (or exit 2 with a
reason on stderr); everything else it does not understand it reports as a failed hook and
lets the tool run. So:
- deny: `hookSpecificOutput.permissionDecision: "deny"` with the reason;
- ask: Codex has no ask ("unsupported permissionDecision:ask" lets the tool run), so an ask
  is a deny whose reason says a person must run the command;
- allow: Codex accepts `allow` only with a rewritten input, so an allow is no answer at all
  (Codex's own approval policy applies, as without the guard);
- PermissionRequest: a deny or an ask rejects the request (`decision.behavior: "deny"`);
  nothing else is answered (approving on the user's behalf is not ours to do);
- notices go in `systemMessage`, which Codex shows as a warning.
"""

from __future__ import annotations

from .. import jsonio
from . import Call, Decision, claude_style_call

AGENT = "codex"
DEFAULT_EVENT = "PreToolUse"
ASK_PREFIX = ("A person must approve this call, and Codex cannot ask, so prempti-hook "
              "blocked it; ask the user to run it themselves if they want it: ")


def read(payload: dict) -> Call:
    """The Call described by a Codex hook input."""
    return claude_style_call(AGENT, payload)


def write(decision: Decision, hook_event_name: str = DEFAULT_EVENT) -> str:
    """The stdout text for `decision`: one JSON object, or "" for no decision at all."""
    out: dict = {}
    verdict = decision.verdict
    reason = decision.reason or "blocked by prempti-hook"
    if verdict == "ask":
        reason = ASK_PREFIX + reason
    if verdict in ("deny", "ask"):
        if hook_event_name == "PermissionRequest":
            out["hookSpecificOutput"] = {"hookEventName": "PermissionRequest",
                                         "decision": {"behavior": "deny", "message": reason}}
        else:
            out["hookSpecificOutput"] = {"hookEventName": "PreToolUse",
                                         "permissionDecision": "deny",
                                         "permissionDecisionReason": reason}
    if decision.notices:
        out["systemMessage"] = "prempti-hook: " + " | ".join(decision.notices)
    return jsonio.dumps(out) if out else ""
