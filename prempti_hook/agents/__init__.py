"""Agent adapters: the only code that knows an agent's JSON shapes.

Each adapter (one module per agent: `claude_code`, `codex`, `gemini`, `copilot`) turns the
agent's hook input into an agent-neutral `Call` and renders a `Decision` back in the
agent's own output shape. Everything in between works on `Call`. An adapter module has:

- `AGENT`: the agent's name (`agent.name`);
- `DEFAULT_EVENT`: the pre-tool event, for answers given before the input is understood;
- `read(payload) -> Call` (raises `MalformedCall`);
- `write(decision, hook_event_name) -> str`: "" for no decision, else one JSON object; a
  deny always comes out as the agent's blocking answer.

Which adapter runs is never guessed from the input: the installed hook command names it
(`prempti-hook --agent codex`); without `--agent` it is Claude Code's.
"""

from __future__ import annotations

# Agent name (as in `--agent` and `agent.name`) -> its adapter module in this package.
ADAPTERS = {"claude_code": "claude_code", "codex": "codex", "gemini": "gemini",
            "copilot": "copilot"}
ALIASES = {"claude": "claude_code", "claude-code": "claude_code", "gemini-cli": "gemini",
           "copilot-cli": "copilot", "codex-cli": "codex"}
DEFAULT_AGENT = "claude_code"


class UnknownAgent(ValueError):
    """`--agent` names no agent this version knows."""


def canonical(name: str) -> str:
    """The agent's name as `agent.name` spells it; raises UnknownAgent."""
    name = ALIASES.get(name, name)
    if name not in ADAPTERS:
        raise UnknownAgent(f"unknown agent {name!r} (known: {', '.join(ADAPTERS)})")
    return name


def adapter(name: str):
    """The adapter module of agent `name` (imported now: a hook call loads only its own)."""
    module = ADAPTERS[canonical(name)]
    return __import__(module, globals(), None, ("read",), 1)


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


def text_of(value) -> str:
    """A metadata value as text: strings as they are, None as "", anything else as its
    compact JSON (kept rather than dropped, so that rules still see it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    from .. import jsonio

    return jsonio.dumps(value)


# Claude-style input keys (Claude Code, Codex, Copilot's PascalCase dialect) -> Call field.
CLAUDE_STYLE_METADATA = {
    "session_id": "session_id",
    "transcript_path": "transcript_path",
    "permission_mode": "permission_mode",
    "model": "model",
    "turn_id": "turn_id",
    "tool_use_id": "tool_use_id",
    "agent_id": "agent_id",
    "agent_type": "agent_type",
}
TOOL_EVENTS = ("PreToolUse", "PermissionRequest")


def claude_style_call(agent: str, payload: dict) -> Call:
    """The Call described by a Claude-style hook input (`hook_event_name`, `tool_name`,
    `tool_input`, `cwd`, `session_id`...), as Claude Code, Codex and Copilot's PascalCase
    dialect send it."""
    event_name, tool_name = event_and_tool(payload, TOOL_EVENTS)
    tool_input = tool_input_of(payload.get("tool_input", {}), "tool_input")
    cwd = payload.get("cwd", "")
    if not isinstance(cwd, str):
        raise MalformedCall("cwd is not a string")
    server = payload.get("mcp_server")
    server_name = server.get("name") if isinstance(server, dict) else None
    metadata = {attr: text_of(payload.get(key)) for key, attr in CLAUDE_STYLE_METADATA.items()}
    return Call(agent, payload, hook_event_name=event_name, tool_name=tool_name,
                tool_input=tool_input, cwd=cwd,
                mcp_server=server_name if isinstance(server_name, str) else "", **metadata)


def event_and_tool(payload: dict, tool_events: tuple[str, ...]) -> tuple[str, str]:
    """A hook input's `hook_event_name` (a non-empty string) and `tool_name` (a string, "" if
    absent, non-empty for the `tool_events`)."""
    event_name = payload.get("hook_event_name")
    if not isinstance(event_name, str) or not event_name:
        raise MalformedCall("the hook input has no hook_event_name string")
    tool_name = payload.get("tool_name", "")
    if not isinstance(tool_name, str):
        raise MalformedCall("tool_name is not a string")
    if not tool_name and event_name in tool_events:
        raise MalformedCall(f"a {event_name} input without tool_name")
    return event_name, tool_name


def tool_input_of(value, key: str) -> dict:
    """A tool's input: a JSON object (None is an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedCall(f"{key} is not a JSON object")
    return value


class Decision:
    """What the hook answers. `verdict` is deny | ask | allow | none (no decision: let the
    agent's own permission flow decide); `notices` are problems the user must see even though
    the verdict stands (audit log unwritable, stale rules in force...)."""

    __slots__ = ("notices", "reason", "verdict")

    def __init__(self, verdict: str, reason: str = "", notices: list[str] | None = None) -> None:
        self.verdict = verdict
        self.reason = reason
        self.notices = [] if notices is None else notices
