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
from .derived_fields import SHELL_EXTRACTORS, fetch_urls, patch_files
from .paths import Folders
from .tools import CONTENT_KEYS, MCP_PREFIXES, MCP_SEPARATORS, SHELL_TOOLS, path_keys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..agents import Call
    from .patch import PatchFile


_OS_NAMES = {"linux": "linux", "darwin": "macos", "win32": "windows", "cygwin": "windows"}


def new_correlation_id() -> int:
    """Random, non-zero, and below 2**53 so JavaScript log tooling keeps it exact."""
    return (int.from_bytes(os.urandom(7), "big") & ((1 << 53) - 1)) or 1


class Event(dict):
    """Field values of one call; see the module docstring."""

    __slots__ = ("agent_files", "call", "claude_dir", "correlation_id", "folders", "home",
                 "memo", "patch_file", "prempti_home")

    def __init__(self, call: Call, home: str, correlation_id: int | None = None, *,
                 prempti_home: str = "", claude_dir: str = "",
                 patch_file: PatchFile | None = None, agent_files: tuple = (),
                 folders: Folders | None = None) -> None:
        super().__init__()
        # The folders above the paths this call names, resolved once (`paths.Folders`).
        self.folders = Folders() if folders is None else folders
        self.call = call
        self.agent_files = agent_files
        # One file of a multi-file patch: this event shows the rules that file alone
        # (tool.file_path, tool.patch_op, tool.content, tool.paths...); see `events_for`.
        self.patch_file = patch_file
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
    def mcp_server(self) -> str:
        return self.call.mcp_server

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


def events_for(call: Call, home: str, **options) -> list[Event]:
    """The events the rules see for `call`: one, or for a patch that touches several files
    one per file (all with one correlation id), so that every file is judged on its own
    and a rule that looks at `tool.file_path` sees each of them."""
    files = patch_files(call.tool_name, call.tool_input)
    if not files:
        return [Event(call, home, **options)]
    options.setdefault("correlation_id", new_correlation_id())
    options.setdefault("folders", Folders())
    return [Event(call, home, patch_file=entry, **options) for entry in files]


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
    """The path the tool acts on, as given: the patch file of this event, else the first
    key present among the tool's path keys (`tools.path_keys`; a list gives its first)."""
    if ev.patch_file is not None:
        return ev.patch_file.path
    for key in path_keys(ev.call.tool_name):
        value = ev.call.tool_input.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            return _as_text(value)
    return ""


def _file_name(ev: Event, _arg) -> str:
    return ev["tool.file_path"].rsplit("/", 1)[-1]


def _real_file_path(ev: Event, _arg) -> str:
    path = ev["tool.file_path"]
    return ev.folders.resolve(path, ev["agent.real_cwd"], ev.home) if path else ""


def _file_exists(ev: Event, _arg) -> bool:
    path = ev["tool.real_file_path"]
    return bool(path) and "\x00" not in path and os.path.lexists(path)


def _real_cwd(ev: Event, _arg) -> str:
    cwd = ev.call.cwd
    if not cwd:
        try:
            cwd = os.getcwd()
        except OSError:
            return ""
    return ev.folders.resolve(cwd, "/", ev.home)


def _real_cwd_prefix(ev: Event, _arg) -> str:
    cwd = ev["agent.real_cwd"]
    return cwd.rstrip("/") + "/"


def _content(ev: Event, _arg):
    """What the call writes: the patch file's added lines, or the tool's content keys (all
    of those present, one per line)."""
    if ev.patch_file is not None:
        return ev.patch_file.content
    data = ev.call.tool_input
    tool = ev.call.tool_name
    if tool == "MultiEdit":
        edits = data.get("edits")
        if not isinstance(edits, list):
            return None
        parts = [e.get("new_string") for e in edits if isinstance(e, dict)]
        return "\n".join(_as_text(p) for p in parts if p is not None)
    values = [data.get(key) for key in CONTENT_KEYS.get(tool, ())]
    present = [_as_text(value) for value in values if value is not None]
    return "\n".join(present) if present else None


def _url(ev: Event, _arg):
    """The URL a fetch tool fetches; a prompt that names several gives them one per line."""
    urls = fetch_urls(ev.call.tool_name, ev.call.tool_input)
    return None if urls is None else "\n".join(urls)


def _url_host(ev: Event, _arg):
    url = ev["tool.url"]
    if url is None:
        return None
    from .netaddr import url_host

    return url_host(url)


def _mcp_parts(ev: Event):
    """(server, tool) of an MCP call (`mcp__<server>__<tool>`, Gemini's
    `mcp_<server>_<tool>`, or any tool whose server the adapter named: Copilot's
    `<server>-<tool>`), else None. The server the agent names wins over splitting."""
    name = ev.call.tool_name
    server = ev.call.mcp_server
    found = next((pair for pair in MCP_PREFIXES if name.startswith(pair[0])), None)
    if found is None:
        if not server:
            return None
        for sep in MCP_SEPARATORS:
            if name.startswith(server + sep):
                return server, name[len(server) + len(sep):]
        return server, name
    prefix, sep = found
    rest = name[len(prefix):]
    if server and rest.startswith(server + sep):
        return server, rest[len(server) + len(sep):]
    server, separated, tool = rest.partition(sep)
    return (server, tool) if separated else (rest, "")


def _mcp_server(ev: Event, _arg):
    parts = _mcp_parts(ev)
    return parts[0] if parts else None


def _mcp_tool(ev: Event, _arg):
    parts = _mcp_parts(ev)
    return parts[1] if parts else None


def _prempti_home(ev: Event, _arg) -> str:
    return ev.folders.resolve(ev.prempti_home, "/", ev.home)


def _protected_paths(ev: Event, _arg) -> tuple:
    """What the agent must never change: the guard's home (binary, extraction, rules,
    config, cache, log), the files the hook is registered in (Claude Code's user settings,
    and those of the Codex, Gemini and Copilot CLIs), the `prempti-hook` command the
    installer puts on PATH and the interpreter the hook runs with."""
    settings = os.path.join(ev.claude_dir, "settings.json")
    resolve = ev.folders.resolve
    return (ev["prempti.home"], resolve(settings, "/", ev.home),
            *(resolve(path, "/", ev.home) for path in ev.agent_files),
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
    "tool.file_exists": _file_exists,
    "tool.patch_op": lambda ev, _arg: "" if ev.patch_file is None else ev.patch_file.op,
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
