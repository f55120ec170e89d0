"""Command-line dispatch only: `prempti-hook` with no argument is the hook itself; every
other command lives in its own module under `commands/`, imported only when it runs."""

from __future__ import annotations

import sys

# command word -> (module under prempti_hook.commands, one-line help)
COMMANDS = {
    "--check": ("check", "validate rules like `falco -V` (default: the rules the hook loads)"),
    "mode": ("mode", "show or set the mode: monitor | guardrails"),
    "logs": ("logs", "show the audit log (-f, --tail N, --show deny,ask,allow, --raw)"),
    "status": ("status", "installed version, hook registration, mode, rules, cache, log"),
    "install": ("install", "register the hook in ~/.claude/settings.json"),
    "uninstall": ("install", "remove the hook entry this tool added"),
    "hook": ("install", "hook add | remove | status | command"),
}
ALIASES = {"check": "--check"}


def usage() -> str:
    lines = [
        "usage: prempti-hook [COMMAND] [ARGS]",
        "",
        "With no command, runs as the agent's pre-tool hook: reads one tool call as JSON on",
        "stdin and prints the verdict as JSON on stdout.",
        "",
        "commands:",
    ]
    for word, (_, text) in COMMANDS.items():
        lines.append(f"  {word:<12} {text}")
    lines += ["  --version    print the version", "  --help       print this help"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from .hook import run

        return run()
    word = ALIASES.get(args[0], args[0])
    if word in ("--help", "-h", "help"):
        print(usage())
        return 0
    if word in ("--version", "-V", "version"):
        from . import __version__

        print(f"prempti-hook {__version__}")
        return 0
    entry = COMMANDS.get(word)
    if entry is None:
        print(f"prempti-hook: unknown command {args[0]!r} (try --help)", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(f"prempti_hook.commands.{entry[0]}")
    return module.main(word, args[1:])
