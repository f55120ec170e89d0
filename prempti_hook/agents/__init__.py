"""Agent adapters: the only code that knows an agent's JSON shapes.

Each adapter turns the agent's hook input into an agent-neutral `Call` and renders a
`Decision` back in the agent's own output shape. Everything in between works on `Call`.
"""

from __future__ import annotations


class MalformedCall(ValueError):
    """The input is a JSON object but not a tool call we can evaluate (wrong or missing
    fields). The hook fails closed on it, with this message as the reason."""


class Call:
    """One tool call, as every agent describes it."""

    __slots__ = ("agent", "agent_id", "agent_type", "cwd", "hook_event_name", "mcp_server",
                 "model", "permission_mode", "raw", "session_id", "tool_input", "tool_name",
                 "tool_use_id", "transcript_path", "turn_id")

    def __init__(self, agent: str, raw: dict, *, hook_event_name: str = "", tool_name: str = "",
                 tool_input: dict | None = None, cwd: str = "", session_id: str = "",
                 transcript_path: str = "", permission_mode: str = "", model: str = "",
                 turn_id: str = "", tool_use_id: str = "", agent_id: str = "",
                 agent_type: str = "", mcp_server: str = "") -> None:
        self.agent = agent
        self.raw = raw
        self.hook_event_name = hook_event_name
        self.tool_name = tool_name
        self.tool_input = {} if tool_input is None else tool_input
        self.cwd = cwd
        self.session_id = session_id
        self.transcript_path = transcript_path
        self.permission_mode = permission_mode
        self.model = model
        self.turn_id = turn_id
        self.tool_use_id = tool_use_id
        self.agent_id = agent_id
        self.agent_type = agent_type
        self.mcp_server = mcp_server


class Decision:
    """What the hook answers. `verdict` is deny | ask | allow | none (no decision: let the
    agent's own permission flow decide); `notices` are problems the user must see even though
    the verdict stands (audit log unwritable, stale rules in force...)."""

    __slots__ = ("notices", "reason", "verdict")

    def __init__(self, verdict: str, reason: str = "", notices: list[str] | None = None) -> None:
        self.verdict = verdict
        self.reason = reason
        self.notices = [] if notices is None else notices
