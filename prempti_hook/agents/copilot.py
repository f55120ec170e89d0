"""GitHub Copilot CLI: hook input -> Call, Decision -> hook output (checked against
`@github/copilot` 1.0.102).

Copilot has two input dialects, chosen by how the event is spelled in the hook file:
- `preToolUse` (camelCase, Copilot's own): `{sessionId, timestamp, cwd, toolName,
  toolArgs}` with Copilot's tool names (`bash`, `view`, `create`, `edit`, `glob`, `grep`,
  `task`...), and no event name at all; `toolArgs` is an object (older versions: its JSON
  text);
- `PreToolUse` (PascalCase, Claude-compatible): `{hook_event_name, session_id, timestamp,
  cwd, tool_name, tool_input}` with Claude's tool names (`Bash`, `Read`, `Write`, `Edit`,
  `Glob`, `Grep`, `WebFetch`, `Agent`) but Copilot's input keys (`path`, `file_text`...);
- MCP tools are `<server>-<tool>` in both (no `mcp__` prefix): the adapter records the
  server, so the MCP rules apply;
- and `permissionRequest`: `{hookName: "permissionRequest", sessionId, timestamp, cwd,
  toolName, toolInput, permissionSuggestions}`.
The dialect is read from the keys Copilot sends (`toolName` or `tool_name`), which differ in
every one of them.

Output, in both dialects: `{"permissionDecision": "deny"|"ask"|"allow",
"permissionDecisionReason": R}`. Copilot tells the model "Denied by preToolUse hook: R";
an ask in a `-p` run (nobody to ask) is denied with the reason. For `permissionRequest`:
`{"behavior": "deny", "message": R}` for a deny or an ask, nothing otherwise. Copilot blocks
on any exit code but 0, and lets the tool run when the hook times out.
"""

from __future__ import annotations

from .. import jsonio
from ..event_source.tools import COPILOT_MCP_SEPARATOR
from . import Call, Decision, MalformedCall, claude_style_call, text_of, tool_input_of

AGENT = "copilot"
DEFAULT_EVENT = "preToolUse"
PERMISSION_EVENTS = ("permissionRequest", "PermissionRequest")


def read(payload: dict) -> Call:
    """The Call described by a Copilot CLI hook input, in either dialect."""
    call = _read(payload)
    # `<server>-<tool>`: an MCP tool (Copilot's own tools hold no dash).
    server, sep, _tool = call.tool_name.rpartition(COPILOT_MCP_SEPARATOR)
    if sep and server and not call.mcp_server:
        call.mcp_server = server
    return call


def _read(payload: dict) -> Call:
    # Copilot's own dialects name the tool `toolName`; the Claude-style one `tool_name`.
    if "tool_name" in payload or ("hook_event_name" in payload and "toolName" not in payload):
        return claude_style_call(AGENT, payload)
    event_name = payload.get("hookName", DEFAULT_EVENT)
    if not isinstance(event_name, str) or not event_name:
        raise MalformedCall("hookName is not a string")
    tool_name = payload.get("toolName")
    if not isinstance(tool_name, str) or not tool_name:
        raise MalformedCall("the hook input has no toolName string")
    key = "toolArgs" if "toolArgs" in payload else "toolInput"
    arguments = payload.get(key, {})
    if isinstance(arguments, str):  # older Copilot versions send the arguments' JSON text
        try:
            arguments = jsonio.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):
            raise MalformedCall(f"{key} is a string that is not JSON") from None
    cwd = payload.get("cwd", "")
    if not isinstance(cwd, str):
        raise MalformedCall("cwd is not a string")
    return Call(AGENT, payload, hook_event_name=event_name, tool_name=tool_name,
                tool_input=tool_input_of(arguments, key), cwd=cwd,
                session_id=text_of(payload.get("sessionId")))


def write(decision: Decision, hook_event_name: str = DEFAULT_EVENT) -> str:
    """The stdout text for `decision`: one JSON object, or "" for no decision at all."""
    out: dict = {}
    verdict = decision.verdict
    reason = decision.reason or "blocked by prempti-hook"
    if hook_event_name in PERMISSION_EVENTS:
        if verdict in ("deny", "ask"):
            out = {"behavior": "deny", "message": reason}
    elif verdict in ("deny", "ask"):
        out = {"permissionDecision": verdict, "permissionDecisionReason": reason}
    elif verdict == "allow":
        out = {"permissionDecision": "allow"}
    if decision.notices and out:
        out["systemMessage"] = "prempti-hook: " + " | ".join(decision.notices)
    return jsonio.dumps(out) if out else ""
