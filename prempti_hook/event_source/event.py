"""The `coding_agent` event: field values of one tool call, extracted lazily (hot path).

`Event` is a dict keyed by field (`"tool.name"`, `"tool.input[/edits/0/new_string]"`);
a key seen for the first time is extracted by `__missing__` and remembered, so a call pays
only for the fields its candidate rules (and the audit log) actually read. A value of None
means "missing" (Falco: every check on it is false). Declarations (types, descriptions) are
in `event_source.fields`; `tests/event_source/test_fields.py` checks both agree.
"""

from __future__ import annotations

import os
import sys

from .. import jsonio
from .derived_fields import SHELL_EXTRACTORS
from .paths import resolve
from .tools import SHELL_TOOLS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..agents import Call


# Where each tool keeps the path it acts on (contract §2).
PATH_KEYS = {
    "Read": ("file_path",),
    "Write": ("file_path",),
    "Edit": ("file_path",),
    "MultiEdit": ("file_path",),
    "NotebookEdit": ("notebook_path",),
    "Glob": ("path",),
    "Grep": ("path",),
    "view": ("path", "file_path"),
    "create": ("path", "file_path"),
    "edit": ("path", "file_path"),
}

_OS_NAMES = {"linux": "linux", "darwin": "macos", "win32": "windows", "cygwin": "windows"}


def new_correlation_id() -> int:
    """Random, non-zero, and below 2**53 so JavaScript log tooling keeps it exact."""
    return (int.from_bytes(os.urandom(7), "big") & ((1 << 53) - 1)) or 1


class Event(dict):
    """Field values of one call; see the module docstring."""

    __slots__ = ("call", "claude_dir", "correlation_id", "home", "memo", "prempti_home")

    def __init__(self, call: Call, home: str, correlation_id: int | None = None, *,
                 prempti_home: str = "", claude_dir: str = "") -> None:
        super().__init__()
        self.call = call
        self.home = home
        self.prempti_home = prempti_home or os.path.join(home, ".prempti")
        self.claude_dir = claude_dir or os.path.join(home, ".claude")
        self.correlation_id = new_correlation_id() if correlation_id is None else correlation_id
        self.memo: dict = {}

    # Conveniences for extractors (including the shell-analysis ones).
    @property
    def tool_name(self) -> str:
        return self.call.tool_name

    @property
    def tool_input(self) -> dict:
        return self.call.tool_input

    @property
    def real_cwd(self) -> str:
        return self["agent.real_cwd"]

    def __missing__(self, key: str):
        name, bracket, arg = key.partition("[")
        if bracket:
            if not arg.endswith("]"):
                return None
            arg = arg[:-1]
        else:
            arg = None
        extractor = EXTRACTORS.get(name) or SHELL_EXTRACTORS.get(name)
        value = extractor(self, arg) if extractor is not None else None
        self[key] = value
        return value


# Extractors: (event, argument or None) -> value or None -----------------------------------

def _input_value(ev: Event, arg: str | None):
    """`tool.input` (compact sorted JSON) or `tool.input[K]` (key or JSON pointer)."""
    data = ev.call.tool_input
    if arg is None:
        return jsonio.dumps(data, sort_keys=True, ensure_ascii=False)
    if arg.startswith("/"):
        value = data
        for token in arg[1:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                return None
    elif arg in data:
        value = data[arg]
    else:
        return None
    return value if isinstance(value, str) else jsonio.dumps(value, sort_keys=True,
                                                             ensure_ascii=False)


def _as_text(value) -> str:
    return value if isinstance(value, str) else jsonio.dumps(value, ensure_ascii=False)


def _input_command(ev: Event, _arg) -> str:
    if ev.call.tool_name not in SHELL_TOOLS:
        return ""
    command = ev.call.tool_input.get("command")
    return "" if command is None else _as_text(command)


def file_path(ev: Event) -> str:
    """The path the tool acts on, as given (first key present for this tool)."""
    for key in PATH_KEYS.get(ev.call.tool_name, ()):
        value = ev.call.tool_input.get(key)
        if value is not None:
            return _as_text(value)
    return ""


def _file_name(ev: Event, _arg) -> str:
    return ev["tool.file_path"].rsplit("/", 1)[-1]


def _real_file_path(ev: Event, _arg) -> str:
    path = ev["tool.file_path"]
    return resolve(path, ev["agent.real_cwd"], ev.home) if path else ""


def _real_cwd(ev: Event, _arg) -> str:
    cwd = ev.call.cwd
    if not cwd:
        try:
            cwd = os.getcwd()
        except OSError:
            return ""
    return resolve(cwd, "/", ev.home)


def _real_cwd_prefix(ev: Event, _arg) -> str:
    cwd = ev["agent.real_cwd"]
    return cwd.rstrip("/") + "/"


def _content(ev: Event, _arg):
    data = ev.call.tool_input
    tool = ev.call.tool_name
    if tool == "Write":
        value = data.get("content")
    elif tool == "Edit":
        value = data.get("new_string")
    elif tool == "NotebookEdit":
        value = data.get("new_source")
    elif tool == "MultiEdit":
        edits = data.get("edits")
        if not isinstance(edits, list):
            return None
        parts = [e.get("new_string") for e in edits if isinstance(e, dict)]
        return "\n".join(_as_text(p) for p in parts if p is not None)
    else:
        return None
    return None if value is None else _as_text(value)


def _url(ev: Event, _arg):
    if ev.call.tool_name != "WebFetch":
        return None
    url = ev.call.tool_input.get("url")
    return None if url is None else _as_text(url)


def _url_host(ev: Event, _arg):
    url = ev["tool.url"]
    if url is None:
        return None
    from .netaddr import url_host

    return url_host(url)


def _mcp_parts(ev: Event):
    """(server, tool) of an `mcp__<server>__<tool>` call, else None."""
    name = ev.call.tool_name
    if not name.startswith("mcp__"):
        return None
    server = ev.call.mcp_server
    rest = name[5:]
    if server and rest.startswith(server + "__"):
        return server, rest[len(server) + 2:]
    server, sep, tool = rest.partition("__")
    return (server, tool) if sep else (rest, "")


def _mcp_server(ev: Event, _arg):
    parts = _mcp_parts(ev)
    return parts[0] if parts else None


def _mcp_tool(ev: Event, _arg):
    parts = _mcp_parts(ev)
    return parts[1] if parts else None


def _prempti_home(ev: Event, _arg) -> str:
    return resolve(ev.prempti_home, "/", ev.home)


def _protected_paths(ev: Event, _arg) -> tuple:
    """What the agent must never change: the guard's home (binary, extraction, rules,
    config, cache, log), Claude Code's user settings, where the hook is registered, and the
    interpreter the hook runs with."""
    settings = os.path.join(ev.claude_dir, "settings.json")
    return (ev["prempti.home"], resolve(settings, "/", ev.home),
            *ev["prempti.interpreter_paths"])


# The folder our package was imported from (the zipapp's extraction, or a checkout).
_OUR_SYS_PATH = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _interpreter_paths(ev: Event, _arg) -> tuple:
    """What decides which code this hook process runs, besides our own files: every
    sys.path entry searched before our package (the standard library, its zip, lib-dynload:
    a `prempti_hook` planted there would shadow ours), the executable, the `pyvenv.cfg`
    files that would redirect its standard library, and its shared libpython."""
    # Python builds these entries from the real (symlink-free) prefix, so they are compared
    # as they are: resolving each would cost ~0.1 ms on every call.
    # The zipapp being run is first on sys.path: it is our own code (protected as the
    # guard's files once installed), not the interpreter's.
    archive = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    out: dict = {}
    for entry in sys.path:
        if entry == _OUR_SYS_PATH:
            break
        if entry.startswith("/") and entry != archive:
            out[os.path.normpath(entry)] = None
    for executable in (sys.executable, os.path.realpath(sys.executable)):
        if not executable:
            continue
        out[executable] = None
        folder = os.path.dirname(executable)
        out[os.path.join(folder, "pyvenv.cfg")] = None
        out[os.path.join(os.path.dirname(folder), "pyvenv.cfg")] = None
    major, minor = sys.version_info[:2]
    library = os.path.join(sys.base_prefix, "lib", f"libpython{major}.{minor}")
    out[library + ".so"] = None
    out[library + ".so.1.0"] = None
    return tuple(out)


def _protected_ancestors(ev: Event, _arg) -> tuple:
    """Every folder that holds a protected path (up to `/`): deleting or moving one of them
    deletes or moves the protected path too."""
    out: dict = {}
    for path in ev["prempti.protected_paths"]:
        while path not in ("", "/"):
            path = path.rsplit("/", 1)[0] or "/"
            out[path] = None
    return tuple(out)


def _call_attr(attr: str):
    return lambda ev, _arg: getattr(ev.call, attr)


EXTRACTORS = {
    "correlation.id": lambda ev, _arg: ev.correlation_id,
    "agent.name": lambda ev, _arg: ev.call.agent,
    "agent.os": lambda ev, _arg: _OS_NAMES.get(sys.platform, sys.platform),
    "agent.pid": lambda ev, _arg: os.getppid(),
    "agent.hook_event_name": _call_attr("hook_event_name"),
    "agent.session_id": _call_attr("session_id"),
    "agent.permission_mode": _call_attr("permission_mode"),
    "agent.transcript_path": _call_attr("transcript_path"),
    "agent.model": _call_attr("model"),
    "agent.turn_id": _call_attr("turn_id"),
    "agent.cwd": _call_attr("cwd"),
    "agent.real_cwd": _real_cwd,
    "agent.real_cwd_prefix": _real_cwd_prefix,
    "tool.use_id": _call_attr("tool_use_id"),
    "tool.name": _call_attr("tool_name"),
    "tool.input": _input_value,
    "tool.input_command": _input_command,
    "tool.file_path": lambda ev, _arg: file_path(ev),
    "tool.file_name": _file_name,
    "tool.real_file_path": _real_file_path,
    "tool.patch_op": lambda ev, _arg: "",
    "tool.content": _content,
    "tool.url": _url,
    "tool.url.host": _url_host,
    "mcp.server": _mcp_server,
    "mcp.tool": _mcp_tool,
    "prempti.home": _prempti_home,
    "prempti.protected_paths": _protected_paths,
    "prempti.interpreter_paths": _interpreter_paths,
    "prempti.protected_ancestors": _protected_ancestors,
}
