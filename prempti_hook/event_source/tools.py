"""Agent tool names by what they do: the one place that says which tools run shell commands.

`tool.name` stays verbatim (Prempti's contract), so rules may still name a tool; the fields
that see *through* a call (`tool.input_command`, `tool.cmd.*`, `tool.paths`...) use these
tables, so one rule protects every agent.
"""

from __future__ import annotations

# Tools whose `command` input is a shell command line: Claude Code `Bash`, Copilot `bash` and
# `powershell`, Gemini `run_shell_command`.
SHELL_TOOLS = frozenset({"Bash", "bash", "powershell", "run_shell_command"})
