"""Google Gemini CLI: hook input -> Call, Decision -> hook output (checked against
`@google/gemini-cli` 0.61.0).

Input (`BeforeTool`): `session_id`, `transcript_path`, `cwd`, `hook_event_name`,
`timestamp`, `tool_name`, `tool_input`, and for MCP tools (`mcp_<server>_<tool>`)
`mcp_context` with the server's name. No permission mode, model or tool-use id.

Output: top-level `decision`, no `hookSpecificOutput` wrapper.
- deny: `{"decision": "deny", "reason": R}`; Gemini sends the reason to the model as the
  tool's error ("Tool execution blocked: R");
- ask: `{"decision": "ask"}` makes Gemini ask the user even in YOLO mode (the reason goes
  in `systemMessage`, shown with the question); a headless run has nobody to ask and
  cancels the call;
- allow: `{"decision": "allow"}`;
- notices: `systemMessage` ("Hook system message: ..." in the terminal).
Anything else (exit 1, a crash, text that is not JSON, a timeout) lets the tool run.
"""

from __future__ import annotations

from .. import jsonio
from . import Call, Decision, MalformedCall, event_and_tool, text_of, tool_input_of

AGENT = "gemini"
DEFAULT_EVENT = "BeforeTool"
TOOL_EVENTS = ("BeforeTool", "AfterTool")


def read(payload: dict) -> Call:
    """The Call described by a Gemini CLI hook input."""
    event_name, tool_name = event_and_tool(payload, TOOL_EVENTS)
    cwd = payload.get("cwd", "")
    if not isinstance(cwd, str):
        raise MalformedCall("cwd is not a string")
    context = payload.get("mcp_context")
    server = context.get("server_name") if isinstance(context, dict) else None
    return Call(AGENT, payload, hook_event_name=event_name, tool_name=tool_name,
                tool_input=tool_input_of(payload.get("tool_input", {}), "tool_input"),
                cwd=cwd, session_id=text_of(payload.get("session_id")),
                transcript_path=text_of(payload.get("transcript_path")),
                mcp_server=server if isinstance(server, str) else "")


def write(decision: Decision, hook_event_name: str = DEFAULT_EVENT) -> str:
    """The stdout text for `decision`: one JSON object, or "" for no decision at all."""
    out: dict = {}
    verdict = decision.verdict
    messages = []
    if verdict == "deny":
        out["decision"] = "deny"
        out["reason"] = decision.reason or "blocked by prempti-hook"
    elif verdict == "ask":
        out["decision"] = "ask"
        out["reason"] = decision.reason
        messages.append("prempti-hook asks before this call: " + decision.reason)
    elif verdict == "allow":
        out["decision"] = "allow"
    if decision.notices:
        messages.append("prempti-hook: " + " | ".join(decision.notices))
    if messages:
        out["systemMessage"] = "\n".join(messages)
    return jsonio.dumps(out) if out else ""
