"""A tool call from a short form, or from the agent's real event JSON (as the hook reads it).

Short forms (Claude Code's tool names and input shapes, docs/contract.md, "Claude Code's
hook protocol"):

    bash: "cat ~/.ssh/id_rsa"                 Bash {command}
    read: ~/.aws/credentials                  Read {file_path}
    write: {path: notes.txt, content: "..."}  Write {file_path, content}
    edit: {path: a.py, old: "x", new: "y"}    Edit {file_path, old_string, new_string}
    fetch: https://example.com/               WebFetch {url, prompt}
    mcp: {server: github, tool: create_issue, args: {...}}     mcp__github__create_issue
    tool: Glob                                any tool by name, with
    input: {pattern: "**/*.pem"}              its tool_input as the agent sends it
    event: {...}                              the whole hook input (JSON text or a mapping)

`bash`, `read` and `fetch` also take a mapping, used as the tool_input itself. Every call
gets the context a real one has: `cwd` (default: the project), a session id, the permission
mode, `hook_event_name: PreToolUse`; an `event` keeps whatever it already has.
"""

from __future__ import annotations

FORMS = ("bash", "read", "write", "edit", "fetch", "mcp", "tool", "event")
DEFAULT_AGENT = "claude_code"


class CallError(ValueError):
    """A call that cannot be built; `key` names the part of the test that is wrong."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def _text(value, key: str, what: str) -> str:
    if not isinstance(value, str):
        raise CallError(f"`{key}` {what} must be a string", key)
    return value


def _mapping(value, key: str) -> dict:
    if not isinstance(value, dict):
        raise CallError(f"`{key}` must be a mapping", key)
    return value


def _pick(spec: dict, key: str, names: tuple[str, ...], required: bool = True):
    """The value of the first of `names` present in `spec` (a short form's mapping)."""
    for name in names:
        if name in spec:
            return spec[name]
    if required:
        raise CallError(f"`{key}` needs `{names[0]}`", key)
    return None


def _unknown(spec: dict, key: str, allowed: tuple[str, ...]) -> None:
    extra = sorted(str(k) for k in spec if k not in allowed)
    if extra:
        raise CallError(f"`{key}` has unknown key(s) {', '.join(extra)} (expected "
                        f"{', '.join(allowed)})", key)


def tool_call(form: str, value, extra_input=None) -> tuple[str, dict]:
    """(tool_name, tool_input) for one short form."""
    if form == "bash":
        if isinstance(value, dict):
            return "Bash", dict(value)
        return "Bash", {"command": _text(value, form, "(the command)")}
    if form == "read":
        if isinstance(value, dict):
            return "Read", dict(value)
        return "Read", {"file_path": _text(value, form, "(the path)")}
    if form == "fetch":
        if isinstance(value, dict):
            return "WebFetch", dict(value)
        return "WebFetch", {"url": _text(value, form, "(the URL)"),
                            "prompt": "Summarize the page"}
    if form == "write":
        if isinstance(value, str):
            return "Write", {"file_path": value, "content": ""}
        spec = _mapping(value, form)
        _unknown(spec, form, ("path", "file_path", "content"))
        return "Write", {"file_path": _text(_pick(spec, form, ("path", "file_path")), form,
                                            "path"),
                         "content": _text(spec.get("content", ""), form, "content")}
    if form == "edit":
        spec = _mapping(value, form)
        _unknown(spec, form, ("path", "file_path", "old", "old_string", "new", "new_string",
                              "replace_all"))
        tool_input = {"file_path": _text(_pick(spec, form, ("path", "file_path")), form, "path"),
                      "old_string": _text(_pick(spec, form, ("old", "old_string")), form,
                                          "old"),
                      "new_string": _text(_pick(spec, form, ("new", "new_string")), form,
                                          "new")}
        if "replace_all" in spec:
            tool_input["replace_all"] = spec["replace_all"]
        return "Edit", tool_input
    if form == "mcp":
        spec = _mapping(value, form)
        _unknown(spec, form, ("server", "tool", "args"))
        server = _text(_pick(spec, form, ("server",)), form, "server")
        tool = _text(_pick(spec, form, ("tool",)), form, "tool")
        args = spec.get("args", {})
        if not isinstance(args, dict):
            raise CallError("`mcp` args must be a mapping (the tool's arguments)", form)
        return f"mcp__{server}__{tool}", dict(args)
    if form == "tool":
        name = _text(value, form, "(the tool name)")
        tool_input = {} if extra_input is None else extra_input
        if not isinstance(tool_input, dict):
            raise CallError("`input` must be a mapping (the tool's input)", "input")
        return name, dict(tool_input)
    raise CallError(f"unknown call form `{form}`", form)


def payload(form: str, value, *, cwd: str, extra_input=None, session_id: str = "",
            permission_mode: str = "default", hook_event_name: str = "PreToolUse",
            tool_use_id: str = "toolu_prempti_test") -> dict:
    """The hook input (Claude Code's JSON shape) for a short form or an `event`."""
    if form == "event":
        event = parse_event(value)
        event.setdefault("hook_event_name", hook_event_name)
        event.setdefault("cwd", cwd)
        return event
    tool_name, tool_input = tool_call(form, value, extra_input)
    out = {
        "session_id": session_id or "prempti-test-session",
        "transcript_path": "",
        "cwd": cwd,
        "permission_mode": permission_mode,
        "hook_event_name": hook_event_name,
        "tool_name": tool_name,
        "tool_input": tool_input,
        "tool_use_id": tool_use_id,
    }
    if tool_name.startswith("mcp__"):
        out["mcp_server"] = {"name": tool_name.split("__")[1], "source": "dynamic"}
    return out


def parse_event(value) -> dict:
    """A hook input given as a mapping or as JSON text."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError as e:
            raise CallError(f"`event` is not valid JSON: {e}", "event") from None
    if not isinstance(value, dict):
        raise CallError("`event` must be a JSON object (the hook input)", "event")
    return dict(value)


def adapter(agent: str):
    """The agent adapter module (`prempti_hook.agents.<agent>`) that reads its hook input."""
    import importlib

    if not agent.replace("_", "").isalnum():
        raise CallError(f"unknown agent {agent!r}", "agent")
    try:
        module = importlib.import_module(f"prempti_hook.agents.{agent}")
    except ImportError:
        raise CallError(f"unknown agent {agent!r}", "agent") from None
    if not callable(getattr(module, "read", None)):
        raise CallError(f"unknown agent {agent!r}", "agent")
    return module


def describe(tool_name: str, tool_input: dict, limit: int = 100) -> str:
    """One line naming a call for people: `Bash: cat ~/.ssh/id_rsa`, `Read: ~/.aws/x`."""
    from ..falco.loader.results import one_line

    detail = ""
    for key in ("command", "file_path", "notebook_path", "url", "pattern", "path", "query",
                "prompt"):
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            detail = value
            break
    text = one_line(f"{tool_name}: {detail}" if detail else tool_name)
    return text if len(text) <= limit else text[:limit - 3] + "..."
