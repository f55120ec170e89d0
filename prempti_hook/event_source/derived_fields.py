"""Fields that see through shell commands, paths of every tool, hosts, and secrets.

`SHELL_FIELDS` declares them (name, type, description; see docs/fields-shell.md for why
each exists and how to write exact rules with them); `SHELL_EXTRACTORS` maps each name to
`extract(ev, arg) -> value`. `ev` is duck-typed (see `source.event.Event`): `tool_name`,
`tool_input`, `real_cwd`, `home` and `memo`, a per-call dict where the shell analysis is
cached so that all `tool.cmd.*` fields share one parse.

Falco list fields only support `in` (subset), `intersects` and `exists`, so every list
here holds exact, comparable values: resolved absolute paths, every ancestor of each path
(`tool.path_prefixes`), basenames, lowercase normalized hosts.

Hot path: this module is imported by `event_source.event` on every call, so it imports nothing
heavy; the shell analysis, secrets scanner and field declarations load on first use.
"""

from __future__ import annotations

import sys

from .paths import expand_home, lexical, prefixes, resolve_expanded
from .tools import (
    COMMAND_DIR_KEYS,
    COMMAND_KEY,
    FETCHES,
    MANY_READS,
    MCP_PREFIXES,
    PATCHES,
    READS,
    SEARCHES,
    SHELL_TOOLS,
    URL_IN_TEXT,
    WRITES,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .patch import PatchFile
    from .shell import Analysis

R_UNSUPPORTED_SHELL = "unsupported_shell"
_GLOB_CHARS = frozenset("*?[{")
# macOS file systems ignore case: `/ETC/Hosts` is `/etc/hosts` there, so prefix and name
# lists also carry the lowercase forms (rules are written in lowercase).
_CASE_INSENSITIVE = sys.platform == "darwin"


# --- the shell analysis, once per call -------------------------------------------------------

def analysis(ev) -> Analysis | None:
    """The shell analysis of this call's command (cached in `ev.memo`), or None when the
    call is not a shell command."""
    memo = ev.memo
    if "derived.analysis" in memo:
        return memo["derived.analysis"]
    result = None
    tool_input = ev.tool_input
    if (ev.tool_name in SHELL_TOOLS and isinstance(tool_input, dict)
            and COMMAND_KEY in tool_input):
        from .shell import R_SYNTAX, analyze

        command = tool_input.get(COMMAND_KEY)
        result = analyze(command if isinstance(command, str) else "", _command_cwd(ev),
                         ev.home, folders=ev.folders)
        if not isinstance(command, str):
            result.reasons[R_SYNTAX] = None
        if ev.tool_name == "powershell":
            result.reasons[R_UNSUPPORTED_SHELL] = None
    memo["derived.analysis"] = result
    return result


def _command_cwd(ev) -> str:
    """Where the command runs: the session's working directory, or the folder the tool's
    input names (Gemini's `dir_path`), resolved against it."""
    key = COMMAND_DIR_KEYS.get(ev.tool_name)
    folder = _text(ev.tool_input.get(key)) if key else None
    if folder is None:
        return ev.real_cwd
    return ev.folders.resolve(folder, ev.real_cwd, ev.home)


def _cmd_list(attr: str):
    def extract(ev, _arg):
        result = analysis(ev)
        return None if result is None else tuple(getattr(result, attr))
    return extract


def _pipes_to_shell(ev, _arg):
    result = analysis(ev)
    return None if result is None else result.pipes_to_shell


def _incomplete(ev, _arg):
    result = analysis(ev)
    return None if result is None else bool(result.reasons)


def _incomplete_reasons(ev, _arg):
    result = analysis(ev)
    return None if result is None else tuple(result.reasons)


# --- paths of every tool -----------------------------------------------------------------

def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _all(data: dict, keys: tuple) -> list[str]:
    """The non-empty strings at `keys` (a key may hold a list of them), in key order."""
    found = []
    for key in keys:
        value = data.get(key)
        for item in value[:1000] if isinstance(value, list) else (value,):
            text = _text(item)
            if text is not None:
                found.append(text)
    return found


def _literal_prefix(pattern: str) -> tuple[str, str | None]:
    """(directories before the first wildcard, literal last component or None)."""
    parts = pattern.split("/")
    literal = []
    for part in parts[:-1]:
        if any(c in _GLOB_CHARS for c in part):
            break
        literal.append(part)
    else:
        last = parts[-1]
        if last and not any(c in _GLOB_CHARS for c in last):
            return "/".join(parts), last
    last = parts[-1]
    name = last if last and not any(c in _GLOB_CHARS for c in last) else None
    prefix = "/".join(literal)
    return (prefix or ("/" if pattern.startswith("/") else "")), name


_PATH_STARTS = ("/", "~/", "$HOME/", "${HOME}/", "./", "../")
_MCP_STARTS = tuple(prefix for prefix, _sep in MCP_PREFIXES)
_MCP_MAX_STRINGS = 2000


def _mcp_paths(data, found: list[str], depth: int = 0) -> None:
    """Strings in an MCP call's arguments that are plainly paths (`/x`, `~/x`, `$HOME/x`,
    `./x`, `../x`; one line, no blank), wherever they sit in the arguments. MCP tools are
    the user's own servers: their names do not say whether they read or write, so rules
    look at what they are pointed at."""
    if depth > 16 or len(found) >= _MCP_MAX_STRINGS:
        return
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for value in values:
        if isinstance(value, str):
            if (value.startswith(_PATH_STARTS) and len(value) < 4096
                    and not any(c in value for c in " \t\n\r")):
                found.append(value)
        elif isinstance(value, (dict, list)):
            _mcp_paths(value, found, depth + 1)


def patch_files(tool: str, data) -> list[PatchFile]:
    """The files a patch tool's input touches (empty for other tools)."""
    keys = PATCHES.get(tool)
    if keys is None or not isinstance(data, dict):
        return []
    from .patch import parse, patch_text

    return parse(patch_text(data, keys))


def fetch_urls(tool: str, data) -> list[str] | None:
    """The URLs a fetch tool fetches (None for other tools): its URL keys, and each
    whitespace-separated word with `://` in a prompt (how Gemini's web_fetch finds them)."""
    keys = FETCHES.get(tool)
    if keys is None or not isinstance(data, dict):
        return None
    urls = []
    for key in keys:
        value = data.get(key)
        if not isinstance(value, str):
            continue
        if key in URL_IN_TEXT:
            urls.extend(word for word in value[:100_000].split() if "://" in word)
        else:
            urls.append(value)
    return urls or None


class _Paths:
    """Every path one call reads or writes, resolved and as written."""

    __slots__ = ("extra_names", "lexical", "lexical_writes", "real", "writes")

    def __init__(self) -> None:
        self.real: dict[str, None] = {}
        self.writes: dict[str, None] = {}
        self.lexical: dict[str, None] = {}
        self.lexical_writes: dict[str, None] = {}
        self.extra_names: dict[str, None] = {}

    def add(self, path: str, cwd: str, home: str, write: bool) -> None:
        path = expand_home(path, home)
        real = resolve_expanded(path, cwd)
        lex = lexical(path, cwd)
        self.real[real] = None
        self.lexical[lex] = None
        if write:
            self.writes[real] = None
            self.lexical_writes[lex] = None


def tool_paths(ev) -> _Paths | None:
    """The paths of this call (cached), or None when the tool names no file."""
    memo = ev.memo
    if "derived.paths" in memo:
        return memo["derived.paths"]
    result = _collect_paths(ev)
    memo["derived.paths"] = result
    return result


def _collect_paths(ev) -> _Paths | None:
    tool = ev.tool_name
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    shell = analysis(ev)
    out = _Paths()
    if shell is not None:
        out.real.update(shell.paths)
        out.writes.update(shell.write_paths)
        out.lexical.update(shell.lexical_paths)
        out.lexical_writes.update(shell.lexical_write_paths)
        out.extra_names.update(shell.tail_names)
        return out
    cwd, home = ev.real_cwd, ev.home
    if tool in WRITES:
        for path in _all(data, WRITES[tool]):
            out.add(path, cwd, home, write=True)
    elif tool in READS:
        for path in _all(data, READS[tool]) or [cwd]:
            out.add(path, cwd, home, write=False)
    elif tool in SEARCHES:
        _search_paths(out, data, SEARCHES[tool], cwd, home)
    elif tool in MANY_READS:
        for pattern in _all(data, MANY_READS[tool]):
            prefix, _name = _literal_prefix(expand_home(pattern, home))
            out.add(prefix or cwd, cwd, home, write=False)
    elif tool in PATCHES:
        patch_file = getattr(ev, "patch_file", None)
        files = [patch_file] if patch_file is not None else patch_files(tool, data)
        for entry in files:
            out.add(entry.path, cwd, home, write=True)
    elif tool.startswith(_MCP_STARTS) or getattr(ev, "mcp_server", ""):
        found: list[str] = []
        _mcp_paths(data, found)
        if not found:
            return None
        for path in found:
            out.add(path, cwd, home, write=False)
    else:
        return None
    return out


def _search_paths(out: _Paths, data: dict, spec: tuple, cwd: str, home: str) -> None:
    """A search's folders (default: the working directory), narrowed by the literal start
    of a pattern that names files (`keys/*.pem` searches `keys`; its name is recorded)."""
    pattern_key, root_keys = spec
    roots = _all(data, root_keys) or [cwd]
    pattern = _text(data.get(pattern_key))
    prefix, name = ("", None) if pattern is None else _literal_prefix(expand_home(pattern, home))
    if name is not None:
        out.extra_names[name] = None
    for root in roots:
        base = root
        if prefix.startswith("/"):
            base = prefix
        elif prefix:
            base = expand_home(root, home).rstrip("/") + "/" + prefix
        out.add(base, cwd, home, write=False)


def _paths(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else tuple(found.real)


def _write_paths(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else tuple(found.writes)


def _outside(paths: dict, cwd: str) -> tuple:
    """The paths that are neither the working directory nor inside it (both resolved)."""
    inside = cwd.rstrip("/") + "/"
    return tuple(p for p in paths if p != cwd and not p.startswith(inside))


def _paths_outside_cwd(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else _outside(found.real, ev.real_cwd)


def _write_paths_outside_cwd(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else _outside(found.writes, ev.real_cwd)


def _prefix_list(ev, real: dict, lexical_forms: dict) -> tuple:
    out: dict[str, None] = {}
    home = ev.home
    for path in (*real, *lexical_forms):
        for prefix in prefixes(path, home):
            out[prefix] = None
        if _CASE_INSENSITIVE and path.lower() != path:
            for prefix in prefixes(path.lower(), home.lower()):
                out[prefix] = None
    return tuple(out)


def _path_prefixes(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else _prefix_list(ev, found.real, found.lexical)


def _write_path_prefixes(ev, _arg):
    found = tool_paths(ev)
    return None if found is None else _prefix_list(ev, found.writes, found.lexical_writes)


def _basenames(paths) -> dict[str, None]:
    out: dict[str, None] = {}
    for path in paths:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if name:
            out[name] = None
            if _CASE_INSENSITIVE:
                out[name.lower()] = None
    return out


def _path_names(ev, _arg):
    found = tool_paths(ev)
    if found is None:
        return None
    names = _basenames((*found.real, *found.lexical))
    names.update(found.extra_names)
    return tuple(names)


def _write_path_names(ev, _arg):
    found = tool_paths(ev)
    if found is None:
        return None
    return tuple(_basenames((*found.writes, *found.lexical_writes)))


# --- hosts and secrets -------------------------------------------------------------------

def _hosts(ev, _arg):
    """Hosts the call reaches: a shell command's, or a fetch tool's URL host."""
    shell = analysis(ev)
    if shell is not None:
        return tuple(shell.hosts)
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    urls = fetch_urls(ev.tool_name, data)
    if urls is None:
        url = _text(data.get("url"))  # an MCP fetcher, or any tool with a `url` input
        if url is None:
            return None
        urls = [url]
    from .netaddr import url_hosts

    hosts: dict[str, None] = {}
    for url in urls[:100]:
        hosts.update(dict.fromkeys(url_hosts(url)))
    return tuple(hosts)


# Settings that name a proxy: a `NAME=` whose name ends in `_proxy` (`HTTPS_PROXY=`,
# `npm_config_https_proxy=`), or these keys before the value (`npm config set proxy URL`,
# `git config http.proxy URL`, `pip --proxy URL`, `--proxy=URL`).
_PROXY_KEYS = frozenset({"proxy", "https-proxy", "http-proxy", "http.proxy", "https.proxy",
                         "--proxy", "--https-proxy", "--http-proxy"})


def _after_proxy_key(text: str, start: int) -> bool:
    """Whether the value starting at `start` of the command text is a proxy setting's."""
    head = text[max(0, start - 64):start]
    if head[-1:] in ("'", '"'):
        head = head[:-1]
    if head[-1:] not in ("=", " ", "\t"):
        return False
    key = head[:-1].rstrip() if head[-1:] != "=" else head[:-1]
    cut = max(key.rfind(c) for c in " \t;&|(\n'\"")
    key = key[cut + 1:].lower()
    if head[-1:] == "=" and key.endswith("_proxy"):
        return True
    return key in _PROXY_KEYS


def _proxy_urls(ev, _arg):
    """tool.cmd.urls that the command text names only as proxies' addresses."""
    shell = analysis(ev)
    if shell is None:
        return None
    text = ev.tool_input.get(COMMAND_KEY) if isinstance(ev.tool_input, dict) else None
    if not isinstance(text, str) or "roxy" not in text.lower():
        return ()
    found = []
    for url in list(shell.urls)[:64]:
        starts = []
        at = text.find(url)
        while at >= 0 and len(starts) < 64:
            starts.append(at)
            at = text.find(url, at + 1)
        if starts and all(_after_proxy_key(text, k) for k in starts):
            found.append(url)
    return tuple(found)


def _secrets(ev, _arg):
    from .secrets import find_secrets

    return find_secrets(ev.tool_input)


def _settings_credentials(ev, _arg):
    """Credential entries of the agent settings files the call touches (agent_settings)."""
    found = tool_paths(ev)
    if found is None:
        return None
    paths = [p for p in found.real if p.rsplit("/", 1)[-1] in CLAUDE_SETTINGS_NAMES]
    if not paths:
        return ()  # most calls: nothing to import or read
    from .agent_settings import settings_credentials

    return settings_credentials(paths)


# The names of Claude Code's settings files (agent_settings reads them): here, so that a call
# touching no settings file does not import that module.
CLAUDE_SETTINGS_NAMES = frozenset({"settings.json", "settings.local.json"})


SHELL_EXTRACTORS = {
    "tool.cmd.names": _cmd_list("names"),
    "tool.cmd.args": _cmd_list("args"),
    "tool.cmd.paths": _cmd_list("paths"),
    "tool.cmd.write_paths": _cmd_list("write_paths"),
    "tool.cmd.urls": _cmd_list("urls"),
    "tool.cmd.hosts": _cmd_list("hosts"),
    "tool.cmd.hardlinks": _cmd_list("hardlinks"),
    "tool.cmd.program_paths": _cmd_list("program_paths"),
    "tool.cmd.code_producers": _cmd_list("code_producers"),
    "tool.cmd.credential_reads": _cmd_list("credential_reads"),
    "tool.cmd.credential_sinks": _cmd_list("credential_sinks"),
    "tool.cmd.container_mounts": _cmd_list("container_mounts"),
    "tool.cmd.container_privileges": _cmd_list("container_privileges"),
    "tool.cmd.container_paths": _cmd_list("container_paths"),
    "tool.cmd.data_hosts": _cmd_list("data_hosts"),
    "tool.cmd.data_channels": _cmd_list("data_channels"),
    "tool.cmd.served_paths": _cmd_list("served_paths"),
    "tool.cmd.listen_hosts": _cmd_list("listen_hosts"),
    "tool.cmd.pipes_to_shell": _pipes_to_shell,
    "tool.cmd.incomplete": _incomplete,
    "tool.cmd.incomplete_reasons": _incomplete_reasons,
    "tool.paths": _paths,
    "tool.write_paths": _write_paths,
    "tool.paths_outside_cwd": _paths_outside_cwd,
    "tool.write_paths_outside_cwd": _write_paths_outside_cwd,
    "tool.path_prefixes": _path_prefixes,
    "tool.write_path_prefixes": _write_path_prefixes,
    "tool.path_names": _path_names,
    "tool.write_path_names": _write_path_names,
    "tool.hosts": _hosts,
    "tool.secrets": _secrets,
    "tool.cmd.proxy_urls": _proxy_urls,
    "tool.settings_credentials": _settings_credentials,
}

# What a call destroys and where its deletes and writes land (tool.effects,
# tool.delete_places...): `destructive_fields` loads only for the calls that can have them
# (shell commands, MCP tools, writes of an agent's settings or a git hook, writes outside the
# working directory); every other call answers here, since the audit log reads every field.
DESTRUCTIVE_FIELDS = ("tool.effects", "tool.production_effects", "tool.deletes",
                      "tool.delete_places", "tool.write_places")
# Files whose content can switch off another agent's approvals, and git hook folders.
AGENT_SETTINGS_NAMES = frozenset({"settings.json", "config.toml", "cli.json", "cli-config.json",
                                  "permissions.json", "config.json"})
HOOK_FOLDERS = ("/.husky/", "/.git/hooks/", "/.githooks/", "/.hooks/")


def _destructive(name: str):
    def extract(ev, arg):
        from .destructive_fields import EXTRACTORS

        return EXTRACTORS[name](ev, arg)
    return extract


def _may_have_effects(ev) -> bool:
    if analysis(ev) is not None or ev.tool_name.startswith("mcp__"):
        return True
    found = tool_paths(ev)
    return found is not None and any(
        p.rsplit("/", 1)[-1] in AGENT_SETTINGS_NAMES or any(f in p for f in HOOK_FOLDERS)
        for p in found.writes)


def _effects(ev, arg):
    shell = analysis(ev)
    if shell is not None:
        return tuple(shell.effects)
    return _destructive("tool.effects")(ev, arg) if _may_have_effects(ev) else ()


def _production_effects(ev, arg):
    return _destructive("tool.production_effects")(ev, arg) if _effects(ev, arg) else ()


def _deletes(name: str):
    def extract(ev, arg):
        shell = analysis(ev)
        if shell is None:
            return None
        return _destructive(name)(ev, arg) if shell.deletes else ()
    return extract


def _write_places(ev, arg):
    """tool.write_places; writes inside the working directory (the usual Write/Edit call)
    are all in the project."""
    found = tool_paths(ev)
    if found is None:
        return None
    inside = ev.real_cwd.rstrip("/") + "/"
    if all(p == ev.real_cwd or p.startswith(inside) for p in found.writes):
        return ("project",) if found.writes else ()
    return _destructive("tool.write_places")(ev, arg)


SHELL_EXTRACTORS.update({
    "tool.effects": _effects, "tool.production_effects": _production_effects,
    "tool.deletes": _deletes("tool.deletes"),
    "tool.delete_places": _deletes("tool.delete_places"),
    "tool.write_places": _write_places,
})

# name, is_list, type, description
_DECLARATIONS = (
    ("tool.cmd.names", True, "CHARBUF",
     "basename of every program a shell command would run, through quotes, expansions, "
     "pipelines, lists, subshells, $(...), functions, wrappers (sudo, env, xargs, "
     "timeout...) and nested `bash -c`/`eval` code"),
    ("tool.cmd.args", True, "CHARBUF",
     "every argument word of every command, unquoted and expanded (run-time parts as <?>)"),
    ("tool.cmd.paths", True, "CHARBUF",
     "every path a shell command reads or writes (arguments, redirections), `~`/`$HOME`/"
     "variables/`cd` applied, resolved like tool.real_file_path"),
    ("tool.cmd.write_paths", True, "CHARBUF",
     "the tool.cmd.paths the command writes, creates, moves or deletes"),
    ("tool.cmd.urls", True, "CHARBUF", "URLs in the command's arguments"),
    ("tool.cmd.hosts", True, "CHARBUF",
     "hosts the command connects to (URLs, ssh/scp/rsync/git remotes, nc/socat, "
     "/dev/tcp), lowercase, IDNA and IP-literal normalized"),
    ("tool.cmd.hardlinks", True, "CHARBUF",
     "existing files the command gives another name by a hard link (ln, link, cp -l, "
     "rsync --link-dest), resolved; they are in tool.cmd.write_paths too"),
    ("tool.cmd.program_paths", True, "CHARBUF",
     "programs started by their path (./x, /tmp/x/tool), resolved; a program this command "
     "line wrote first is left out (see tool.cmd.pipes_to_shell, dynamic_command)"),
    ("tool.cmd.code_producers", True, "CHARBUF",
     "the programs, with their subcommand, whose output a shell or interpreter runs as code "
     "(curl, base64, pyenv init, ssh-agent, kubectl completion)"),
    ("tool.cmd.credential_reads", True, "CHARBUF",
     "kinds of stored credentials the command prints through a helper or store (gh_token, "
     "gcloud_token, aws_credentials, keychain, password_store, k8s_secret...)"),
    ("tool.cmd.credential_sinks", True, "CHARBUF",
     "where those credentials go: output (the terminal or a file), login (a program that "
     "reads a password on stdin), issuer (a request to the service that issued it), "
     "elsewhere (another host), argument (a local program), variable"),
    ("tool.cmd.container_mounts", True, "CHARBUF",
     "host paths mounted into containers or pods (bind mounts, hostPath, the runtime "
     "socket), resolved and as written, and as ~/... under home"),
    ("tool.cmd.container_privileges", True, "CHARBUF",
     "what containers and pods get of the host: privileged, host_pid, host_network, "
     "host_ipc, cap_<name>, device, apparmor_unconfined, seccomp_unconfined, runtime_socket, "
     "node_debug"),
    ("tool.cmd.container_paths", True, "CHARBUF",
     "paths read or written inside containers and pods (docker exec, kubectl exec, the "
     "command of docker run) that are not host mounts, as written"),
    ("tool.cmd.data_hosts", True, "CHARBUF",
     "hosts that receive data known only at run time in the host name itself "
     "($(...).example.net), a ping pattern or a request (header, body, URL)"),
    ("tool.cmd.data_channels", True, "CHARBUF",
     "how that data leaves: dns, icmp, http"),
    ("tool.cmd.served_paths", True, "CHARBUF",
     "folders the command publishes with a local server (python -m http.server, php -S, "
     "http-server, busybox httpd...), resolved, and as ~/... under home"),
    ("tool.cmd.listen_hosts", True, "CHARBUF",
     "addresses those servers listen on; 0.0.0.0 or :: is every interface (their default)"),
    ("tool.cmd.pipes_to_shell", False, "BOOL",
     "a shell or interpreter runs code from a pipe or program output (`curl x | sh`, "
     "`bash <(curl x)`, `sh -c \"$(curl x)\"`, `eval \"$(...)\"`, a socket)"),
    ("tool.cmd.incomplete", False, "BOOL",
     "the analysis could not see everything the command does (see "
     "tool.cmd.incomplete_reasons); ask rather than guess"),
    ("tool.cmd.incomplete_reasons", True, "CHARBUF",
     "why tool.cmd.incomplete: syntax_error, dynamic_command, dynamic_code, inline_code, "
     "computed_path, computed_host, unknown_variable, unknown_cwd, too_large, too_deep, "
     "too_complex, nul_byte, unsupported_shell"),
    ("tool.paths", True, "CHARBUF",
     "every path the call reads or writes, resolved, for any tool (Read/Write/Edit "
     "file_path, NotebookEdit notebook_path, Glob/Grep search root, Bash tool.cmd.paths)"),
    ("tool.write_paths", True, "CHARBUF", "the tool.paths the call writes"),
    ("tool.paths_outside_cwd", True, "CHARBUF",
     "the tool.paths that are neither agent.real_cwd nor inside it: "
     "`len(tool.paths_outside_cwd) > 0` means the call reaches outside the project"),
    ("tool.write_paths_outside_cwd", True, "CHARBUF",
     "the tool.write_paths that are neither agent.real_cwd nor inside it"),
    ("tool.path_prefixes", True, "CHARBUF",
     "every ancestor directory and self of each of tool.paths (resolved and as written), "
     "absolute and as ~/... under home: `tool.path_prefixes intersects (~/.ssh)` is exact"),
    ("tool.write_path_prefixes", True, "CHARBUF", "tool.path_prefixes of tool.write_paths"),
    ("tool.path_names", True, "CHARBUF",
     "basename of each of tool.paths, and the literal file name a Glob/Grep pattern seeks"),
    ("tool.write_path_names", True, "CHARBUF", "basename of each of tool.write_paths"),
    ("tool.hosts", True, "CHARBUF",
     "hosts the call reaches, for any tool: tool.cmd.hosts, or the host of a `url` input"),
    ("tool.secrets", True, "CHARBUF",
     "kinds of credentials found in any string of tool_input (aws_access_key_id, "
     "github_token, private_key, jwt...); never the secret itself"),
    ("tool.cmd.proxy_urls", True, "CHARBUF",
     "the tool.cmd.urls that the command text names only as a proxy's address "
     "(HTTPS_PROXY=URL and other *_proxy settings, `npm config set proxy URL`, "
     "`git config http.proxy URL`, `--proxy URL`): requests are tunnelled through them, code "
     "does not come from them"),
    ("tool.settings_credentials", True, "CHARBUF",
     "credential entries of the agent settings files (settings.json, settings.local.json) "
     "among tool.paths, read from disk: env:NAME (an `env` entry named like a credential, "
     "with a value), secret:KIND (a credential anywhere in the file), apiKeyHelper and "
     "other helpers that print credentials, unreadable (not a regular JSON file within "
     "256 KiB); never the value"),
)


# What may run later, by name (a pre-filter: `code.later.plan` decides). Anything else is
# data, and a write of it imports no analysis.
_LATER_NAMES = frozenset({
    "package.json", "Makefile", "makefile", "GNUmakefile", "justfile", "Justfile",
    ".justfile", ".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml",
    "azure-pipelines.yaml", "bitbucket-pipelines.yml", ".travis.yml", ".drone.yml",
    ".woodpecker.yml", "cloudbuild.yaml", "cloudbuild.yml", "buildspec.yml", "appveyor.yml",
    ".cirrus.yml", "Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "lefthook.yml",
    ".lefthook.yml", "codemagic.yaml", ".gitpod.yml", "Procfile", ".pre-commit-config.yaml",
    "devcontainer.json", ".devcontainer.json", "tasks.json", ".envrc", ".gitconfig",
    ".gitmodules", "config", "config.toml", "settings.json", "settings.local.json",
    ".mcp.json", "mcp.json", "claude_desktop_config.json", "Cargo.toml", "go.mod",
    "go.work", ".npmrc", ".yarnrc", ".yarnrc.yml", "pip.conf", "pip.ini", "uv.toml",
    ".pypirc", "bunfig.toml", ".condarc", ".gemrc", ".pdmrc", "poetry.toml", "pixi.toml",
    ".bowerrc", "pyproject.toml", "Gemfile", "Rakefile", "Vagrantfile", "Podfile",
    "Fastfile", "Brewfile", "Guardfile", "SConstruct", "SConscript", "wscript", "BUCK",
    "Tiltfile", ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
    ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".kshrc", ".mkshrc", ".cshrc",
    ".tcshrc", ".xprofile", ".xsessionrc", "config.fish", "bashrc", "zshrc", "profile",
    "Containerfile"})
_LATER_EXTENSIONS = frozenset({
    "py", "pyw", "pyi", "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "pl", "pm",
    "t", "rb", "rake", "gemspec", "php", "lua", "awk", "ps1", "psm1", "applescript", "rs",
    "go", "sh", "bash", "zsh", "ksh", "command", "mk", "ipynb", "pth", "service", "timer",
    "dockerfile", "yml", "yaml", "fish"})


def may_run_later(path: str) -> bool:
    """Whether a file at `path` may hold what runs later (`code.later.plan` decides)."""
    parts = path.rstrip("/").split("/")
    name = parts[-1]
    if name in _LATER_NAMES or name.lower().startswith(("dockerfile", "requirements",
                                                         "constraints")):
        return True
    folders = parts[:-1]
    if folders[-2:] == [".git", "hooks"] or folders[-1:] in ([".husky"], [".git"]):
        return True
    _stem, dot, extension = name.rpartition(".")
    return bool(dot) and extension.lower() in _LATER_EXTENSIONS


# Fields about code (tool.code.*, tool.later.*): declared and extracted by `code_fields`,
# which is imported only when a rule or the log reads one of them.
_CODE_FIELDS = (
    "tool.code.languages", "tool.code.network", "tool.code.process", "tool.code.delete",
    "tool.code.decode_exec", "tool.code.env_dump", "tool.code.remote_shell",
    "tool.code.obfuscated", "tool.code.calls", "tool.code.commands", "tool.later.kinds",
    "tool.later.commands", "tool.later.names", "tool.later.args", "tool.later.paths",
    "tool.later.write_paths", "tool.later.path_prefixes", "tool.later.write_path_prefixes",
    "tool.later.path_names", "tool.later.urls", "tool.later.hosts",
    "tool.later.pipes_to_shell", "tool.later.incomplete_reasons", "tool.later.sources",
    "tool.later.source_hosts",
)


def written_path(ev) -> str | None:
    """The file a write tool (or this event's file of a patch) writes, as given; None for a
    deleted patch file."""
    patch = getattr(ev, "patch_file", None)
    if patch is not None:
        return None if patch.op == "Delete" else patch.path
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    for key in WRITES.get(ev.tool_name, ()):
        value = data.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str):
            return value
    return None


# MCP tools that write files into a repository (GitHub's and GitLab's servers): what such a
# file runs later (a CI workflow on the next push) is analysed like a Write of that path in
# the project, whose copy on disk (if any) is the text before.
MCP_REPO_WRITES = ("create_or_update_file", "push_files", "create_file", "update_file")
MAX_REPO_FILES = 64


def mcp_repo_write(ev) -> tuple[str, str] | None:
    """(path in the repository, content) of the first file an MCP repository write puts
    where it may run later, else None."""
    name = ev.tool_name
    if name in WRITES or name in PATCHES:
        return None
    tool = next((t for t in MCP_REPO_WRITES if name.endswith(t)), None)
    if tool is None or name[:-len(tool)][-1:] not in ("_", "-"):
        return None
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    files = data.get("files")
    for entry in (files if isinstance(files, list) else [data])[:MAX_REPO_FILES]:
        if not isinstance(entry, dict):
            continue
        path, content = entry.get("path"), entry.get("content")
        if isinstance(path, str) and isinstance(content, str) and path.strip("/"):
            path = path.lstrip("/")
            if may_run_later(ev.folders.resolve(path, ev.real_cwd, ev.home)):
                return path, content
    return None


def _writes_what_may_run(ev) -> bool:
    """Whether the written file's name says it may run later (without importing the
    analysis: most writes are of data)."""
    memo = ev.memo
    found = memo.get("code.may_run_later")
    if found is None:
        path = written_path(ev)
        found = bool(path) and may_run_later(ev.folders.resolve(path, ev.real_cwd, ev.home))
        memo["code.may_run_later"] = found
    return found


def _code_field(name: str):
    """A code field's extractor. Without code to look at (a read, a search, a command
    that runs no interpreter code) the value is given here, so `code_fields` loads only
    for calls that carry code or write a file."""
    later = name.startswith("tool.later.")
    if name in ("tool.code.languages", "tool.code.calls"):
        empty: object = ()
    elif name == "tool.code.commands":
        empty = ""
    else:
        empty = False
    # a write of a file that runs nothing later: the value `code_fields` would give
    write_empty = ("" if name == "tool.later.commands" else False
                   if name == "tool.later.pipes_to_shell" else () if later else empty)

    def extract(ev, arg):
        tool = ev.tool_name
        if tool in SHELL_TOOLS:
            if later:
                return None
            found = analysis(ev)
            if found is None:
                return None
            if found.code is None:
                return empty
        elif tool not in WRITES and tool not in PATCHES:
            if mcp_repo_write(ev) is None:
                return None
        elif not _writes_what_may_run(ev):
            return write_empty
        from .code_fields import EXTRACTORS

        return EXTRACTORS[name](ev, arg)
    return extract


SHELL_EXTRACTORS.update({name: _code_field(name) for name in _CODE_FIELDS})


def _build_fields() -> list:
    from ..falco.fields import FieldInfo
    from .code_fields import DECLARATIONS as CODE
    from .destructive_fields import DECLARATIONS as DESTRUCTIVE

    return [FieldInfo(name, type_, is_list=is_list, desc=desc)
            for name, is_list, type_, desc in (*_DECLARATIONS, *DESTRUCTIVE, *CODE)]


def __getattr__(name: str):
    # SHELL_FIELDS is built on first use: `event_source.event` imports this module on every hook
    # call for the extractors only, and should not pay for the engine's field classes.
    if name == "SHELL_FIELDS":
        fields = _build_fields()
        globals()["SHELL_FIELDS"] = fields
        return fields
    raise AttributeError(name)

