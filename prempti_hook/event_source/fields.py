"""The `coding_agent` field table: what rules can ask about a tool call.

Names, types and meanings follow Prempti's plugin, so Prempti rules load unchanged; the
fields after `BEYOND_PREMPTI` are ours. This module only *declares* fields (the rules
compiler type-checks against it); `event_source.event` extracts their values, lazily, on the hot
path. `tests/event_source/test_fields.py` checks the two agree.
"""

from __future__ import annotations

from ..falco.fields import ARG_OPTIONAL, FieldInfo, FieldTable
from . import SOURCE as SOURCE  # the source these fields belong to

INDEX_FIELD = "tool.name"


def _s(name: str, desc: str, **kw) -> FieldInfo:
    return FieldInfo(name, "CHARBUF", desc=desc, **kw)


def _u(name: str, desc: str) -> FieldInfo:
    return FieldInfo(name, "UINT64", desc=desc)


def _list(name: str, desc: str) -> FieldInfo:
    return FieldInfo(name, "CHARBUF", is_list=True, desc=desc)


PREMPTI_FIELDS = [
    _u("correlation.id", "random non-zero id of this hook call"),
    _s("agent.name", "the agent that sent the call: claude_code, codex, copilot, gemini"),
    _s("agent.os", "linux, macos or windows"),
    _u("agent.pid", "pid of the agent process (the hook's parent)"),
    _s("agent.hook_event_name", "PreToolUse, PermissionRequest, ... as received"),
    _s("agent.session_id", "session id, as received"),
    _s("agent.permission_mode", "permission mode, as received"),
    _s("agent.transcript_path", "transcript path, as received"),
    _s("agent.model", "model, as received"),
    _s("agent.turn_id", "turn id, as received"),
    _s("agent.cwd", "working directory, as received"),
    _s("agent.real_cwd", "working directory resolved (symlinks, `.`/`..`, missing tail)"),
    _s("agent.real_cwd_prefix", "agent.real_cwd with exactly one trailing /"),
    _s("tool.use_id", "tool_use_id"),
    _s("tool.name", "tool_name verbatim, e.g. Bash, Read, mcp__github__create_issue"),
    _s("tool.input", "tool_input as compact JSON with sorted keys; tool.input[K] is the "
       "value at key K (or JSON pointer /a/0/b): strings raw, others compact JSON",
       arg=ARG_OPTIONAL),
    _s("tool.input_command", "tool_input.command for shell tools, else empty"),
    _s("tool.file_path", "the path the tool acts on, as given"),
    _s("tool.file_name", "last component of tool.file_path"),
    _s("tool.real_file_path", "tool.file_path resolved against agent.real_cwd"),
    _s("tool.patch_op", "Add/Update/Delete/Move for one file of a Codex apply_patch"),
]

BEYOND_PREMPTI = [
    _s("tool.content", "text the call would write (Write content, Edit new_string, ...)"),
    FieldInfo("tool.file_exists", "BOOL", desc="something (a file, a folder, a link) is at "
              "tool.real_file_path when the call is checked: a Write that creates a file "
              "overwrites nothing"),
    _s("tool.url", "WebFetch url"),
    _s("tool.url.host", "lowercase host of tool.url (IP literals and IDNA normalized)"),
    _s("mcp.server", "MCP server of an mcp__<server>__<tool> call"),
    _s("mcp.tool", "MCP tool of an mcp__<server>__<tool> call"),
    _s("prempti.home", "prempti-hook's own folder (PREMPTI_HOME), resolved"),
    _list("prempti.protected_paths", "what the agent must not change: prempti-hook's folder, "
          "the files the hook is registered in (Claude Code's user settings; Codex's "
          "hooks.json and config.toml, Gemini's settings.json, Copilot's hook file), the "
          "prempti-hook command on PATH (~/.local/bin, $XDG_BIN_HOME) and "
          "prempti.interpreter_paths, resolved; compare with `tool.write_path_prefixes "
          "intersects val(prempti.protected_paths)`"),
    _list("prempti.interpreter_paths", "what decides the code the hook's interpreter runs: "
          "the sys.path entries searched before prempti-hook's own code (standard library, "
          "its zip, lib-dynload), the executable, pyvenv.cfg beside it, its libpython"),
    _list("prempti.protected_ancestors", "every folder that holds one of "
          "prempti.protected_paths, up to /: `tool.write_paths intersects "
          "val(prempti.protected_ancestors)` catches deleting or moving such a folder"),
]

# Fields declared by the shell-analysis module (tool.cmd.*, tool.paths..., tool.secrets)
# are appended here by `event_source.derived_fields`, which owns their definitions.


def all_fields() -> list[FieldInfo]:
    from .derived_fields import SHELL_FIELDS

    return PREMPTI_FIELDS + BEYOND_PREMPTI + SHELL_FIELDS


def table() -> FieldTable:
    """The field table rules of `source: coding_agent` are compiled against."""
    return FieldTable(SOURCE, all_fields(), index_field=INDEX_FIELD)
