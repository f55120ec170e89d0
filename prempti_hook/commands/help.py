"""`prempti-hook --help` (and `help`): every command with its arguments, the exit codes, the
settings and every environment variable prempti-hook reads (`tests/test_cli.py` compares
this text with the variables the code reads, so a new one without help fails)."""

from __future__ import annotations

import textwrap

from .. import config, person
from . import arguments

WIDTH = 92

# Every environment variable prempti-hook reads, but the settings' own (config.SETTINGS)
# and the agents' markers (person.AGENT_ENV_MARKERS), which have their own sections.
ENVIRONMENT = (
    ("PREMPTI_HOME", "where everything is (default ~/.prempti)"),
    ("PREMPTI_RULES", "`:`-separated rules files or folders to load instead of "
                      "rules/default + rules/user (the managed rules still load first)"),
    ("PREMPTI_HOOK_TIMEOUT", "seconds after which the hook answers a deny itself if it has "
                             "not decided (default 25; can only be made shorter)"),
    ("PREMPTI_MANAGED_DIR", "the managed policy folder (default /etc/prempti; for tests)"),
    ("PREMPTI_SYSTEM", "1 in the hardened install's hook command: read no other variable"),
    ("PREMPTI_TEST_HOMES", "where `test` makes its throw-away homes (default "
                           "$XDG_CACHE_HOME/prempti-hook, XDG_CACHE_HOME defaulting to "
                           "~/.cache)"),
    ("XDG_CACHE_HOME", "see PREMPTI_TEST_HOMES"),
    ("HOME", "your home: ~ in paths, and the default of every folder below"),
    ("CLAUDE_CONFIG_DIR", "Claude Code's folder (default ~/.claude)"),
    ("CODEX_HOME", "Codex's folder (default ~/.codex)"),
    ("GEMINI_CLI_HOME", "the folder holding Gemini's .gemini/ (default ~)"),
    ("GEMINI_CLI_SYSTEM_SETTINGS_PATH", "Gemini's system settings file (status reads it)"),
    ("COPILOT_HOME", "Copilot's folder (default ~/.copilot)"),
    ("XDG_BIN_HOME", "where install/install.sh puts the `prempti-hook` command (default "
                     "~/.local/bin); the hook protects the command in both places"),
    ("SHIV_ROOT", "where the zipapp extracts what cannot run from inside it (default "
                  "$PREMPTI_HOME/lib for the installed zipapp, else ~/.shiv)"),
    ("FALCO_HOSTNAME", "the `hostname` of audit log lines (default the machine's name)"),
    ("NO_COLOR", "`logs` prints no colour"),
    ("PATH, TMPDIR", "the call's environment as the agent's commands see it (what `$PATH`, "
                     "`$TMPDIR`... in a command stand for)"),
)

HOOK = """\
With no command, prempti-hook is Claude Code's PreToolUse hook: it reads one tool call as
JSON on stdin and prints the verdict as JSON on stdout. `prempti-hook --agent NAME` does the
same for another agent (codex, gemini, copilot), in that agent's own JSON. The hook exits 0
(with a verdict, or nothing: no decision) or 2 with one line on stderr (the call is
blocked); never 1."""


def _wrapped(head: str, text: str, indent: int = 18) -> list[str]:
    """`head` in a column of `indent`, then `text` wrapped beside it."""
    first = f"  {head}".ljust(indent)
    if len(first) > indent:
        return [first.rstrip(), *textwrap.wrap(text, WIDTH, initial_indent=" " * indent,
                                               subsequent_indent=" " * indent)]
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=" " * indent)


def main_help(commands: dict) -> str:
    lines = ["usage: prempti-hook [--agent NAME]", "       prempti-hook COMMAND [ARGS]",
             "       prempti-hook COMMAND --help", "", HOOK, "", "commands:"]
    for word, (_, synopsis, text) in commands.items():
        lines += textwrap.wrap(f"{word} {synopsis}".rstrip(), WIDTH, initial_indent="  ",
                               subsequent_indent="      ")
        lines += textwrap.wrap(text, WIDTH, initial_indent="      ", subsequent_indent="      ")
    lines += ["  --version, --help, help [COMMAND]", ""]
    lines += ["exit status of every command:"]
    for code, text in arguments.EXIT_CODES:
        lines += _wrapped(str(code), text, 6)
    lines += ["", "settings (`prempti-hook config`: in $PREMPTI_HOME/config.yaml, overridden by "
              "the", "environment, both overridden and locked by the managed policy):"]
    for key, (env, default, kind) in config.SETTINGS.items():
        choices = " | ".join(kind) if isinstance(kind, tuple) else kind.__name__
        lines += _wrapped(key, f"{env}; {choices}; default {_shown(default)}", 18)
    for key in config.MANAGED_ONLY:
        lines += _wrapped(key, "the managed policy's config.yaml only (%u: the user name); "
                               "default $PREMPTI_HOME/log", 18)
    lines += ["", "environment:"]
    for name, text in ENVIRONMENT:
        lines += _wrapped(name, text, 34)
    lines += textwrap.wrap(", ".join(person.AGENT_ENV_MARKERS) + ": set by an agent for the "
                           "commands it runs; the commands that weaken the guard refuse then",
                           WIDTH, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def _shown(default) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, int) and default >= 1 << 20 and not default % (1 << 20):
        return f"{default} ({default >> 20} MiB)"
    return str(default)
