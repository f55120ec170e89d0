"""Agent tool names by what they do, and where each tool's input says what it touches: the
one place that knows the tools of Claude Code, the Codex CLI, the Gemini CLI and the Copilot
CLI (both of Copilot's hook dialects: `bash`, `view`... and the Claude-style `Bash`, `Read`...
with Copilot's own input keys).

`tool.name` stays verbatim (Prempti's contract), so rules may still name a tool; the fields
that see *through* a call (`tool.input_command`, `tool.file_path`, `tool.cmd.*`,
`tool.paths`, `tool.content`, `tool.url`, `mcp.*`...) use these tables, so one rule protects
every agent. The shipped rules' tool lists (`shell_tools`, `file_read_tools`...) must name
the same tools: `tests/agents/test_tools.py` checks that they do.

One table for all agents, not one per agent: a name means the same kind of tool wherever it
appears, and where two agents give the same tool different input keys (Claude Code's `Read`
takes `file_path`, Copilot's Claude-style `Read` takes `path`) the tool lists both, and every
key present is a path the rules see. So a hook registered under the wrong agent, or a call
that carries a decoy key next to the real one, still shows the rules what the tool touches.

Hot path: imported on every hook call, so it holds nothing but literals.
"""

from __future__ import annotations

# Tools whose `command` input is a shell command line: Claude Code and Codex `Bash` (Codex
# reports exec_command/shell calls as `Bash`), Copilot `bash`, `powershell` (and `Bash` in
# its Claude-style dialect), Gemini `run_shell_command`.
SHELL_TOOLS = frozenset({"Bash", "bash", "powershell", "run_shell_command"})
COMMAND_KEY = "command"
# Shell tools whose input names the folder the command runs in (relative to the session's
# working directory). Codex puts its `workdir` into the hook input's `cwd` itself.
COMMAND_DIR_KEYS = {"run_shell_command": "dir_path"}

# Tools that read one file or list one folder -> the input keys naming it.
READS = {
    "Read": ("file_path", "path"),  # Claude Code; Copilot (Claude-style dialect)
    "view": ("path",),  # Copilot
    "view_image": ("path",),  # Codex: the image is sent to the model
    "read_file": ("file_path", "absolute_path", "path"),  # Gemini (absolute_path: before 0.2x)
    "LS": ("path",),  # Claude Code (older versions)
    "list_directory": ("dir_path", "path"),  # Gemini
}
# Tools that read files named by glob patterns -> the input keys holding the pattern(s).
MANY_READS = {"read_many_files": ("include", "paths")}  # Gemini (paths: older versions)

# Tools that write one file -> the input keys naming it.
WRITES = {
    "Write": ("file_path", "path"),  # Claude Code; Copilot (Claude-style dialect)
    "Edit": ("file_path", "path"),  # idem
    "MultiEdit": ("file_path",),  # Claude Code (older versions)
    "NotebookEdit": ("notebook_path",),  # Claude Code
    "create": ("path",),  # Copilot
    "edit": ("path",),  # Copilot
    "write_file": ("file_path", "path"),  # Gemini
    "replace": ("file_path", "path"),  # Gemini
}
# Where the text a write tool writes sits (`tool.content`). MultiEdit's `edits[].new_string`
# is read by the extractor itself.
CONTENT_KEYS = {
    "Write": ("content", "file_text"),
    "Edit": ("new_string", "new_str"),
    "NotebookEdit": ("new_source",),
    "create": ("file_text",),
    "edit": ("new_str",),
    "write_file": ("content",),
    "replace": ("new_string",),
}

# Tools that write several files from one patch text (`*** Update File: path`) -> the input
# keys that may hold the patch. Each file is evaluated on its own (`tool.patch_op`).
PATCHES = {"apply_patch": ("command", "input", "patch")}  # Codex

# Search tools -> (the input key of a pattern that may name files, the keys of the folders
# searched: a string or a list of strings). Without a folder they search the working
# directory.
SEARCHES = {
    "Glob": ("pattern", ("path", "paths")),  # Claude Code; Copilot (Claude-style dialect)
    "glob": ("pattern", ("paths", "path", "dir_path")),  # Copilot; Gemini
    "Grep": ("glob", ("path", "paths")),  # idem
    "grep": ("glob", ("paths", "path")),  # Copilot
    "grep_search": ("include_pattern", ("dir_path", "path")),  # Gemini
    "search_file_content": ("include", ("dir_path", "path")),  # Gemini (older name, still taken)
}
# Search tools that match file *names* (their pattern is a file name), not contents.
NAME_SEARCHES = frozenset({"Glob", "glob"})

# Tools that fetch URLs -> the input keys holding them. Gemini's web_fetch takes a prompt
# with up to 20 URLs in its text; every one of them is fetched.
FETCHES = {"WebFetch": ("url",), "web_fetch": ("url", "prompt")}
URL_IN_TEXT = frozenset({"prompt"})

# Tools that start a subagent with a prompt of its own.
SUBAGENTS = frozenset({"Agent", "Task", "task", "invoke_agent"})

# MCP tools: `mcp__<server>__<tool>` (Claude Code, Codex), `mcp_<server>_<tool>` (Gemini,
# whose server names hold no `_`). Longest prefix first.
MCP_PREFIXES = (("mcp__", "__"), ("mcp_", "_"))
# Copilot names an MCP tool `<server>-<tool>`, without a prefix, in both of its dialects (its
# own tools never hold a `-`); its adapter records the server (up to the last `-`: server
# names hold dashes far more often than tool names), so `mcp.server`, `mcp.tool` and the MCP
# rules see the call.
COPILOT_MCP_SEPARATOR = "-"
MCP_SEPARATORS = ("__", "_", COPILOT_MCP_SEPARATOR)


def path_keys(tool: str) -> tuple:
    """The input keys that name the file or folder `tool` acts on (empty if none)."""
    keys = READS.get(tool) or WRITES.get(tool)
    if keys is not None:
        return keys
    search = SEARCHES.get(tool)
    return search[1] if search is not None else ()
