"""Command-line dispatch only: `prempti-hook` with no argument (Claude Code) or with only
`--agent NAME` is the hook itself; every other command lives in its own module under
`commands/`, imported only when it runs."""

from __future__ import annotations

import sys

# command word -> (module under prempti_hook.commands, its arguments, one-line help); the
# options of each are its module's; `prempti-hook --help` (commands/help.py) shows them all.
COMMANDS = {
    "--check": ("check", "[FILE|FOLDER...] [--json | --concise]",
                "validate rules like `falco -V` (default: the rules the hook loads, and then "
                "refresh its rule cache); --json: Falco's load-result JSON"),
    "test": ("test", "[FILE|FOLDER...] [--rules PATH]... [-k TEXT] [-v] [--json] "
                     "[--junit FILE]",
             "run rule test files: each states a call and the verdict it must get"),
    "explain": ("explain", "[FORM ARGS... | -] [--rules PATH]... [--cwd DIR] [--agent NAME] "
                           "[--rule NAME] [--full] [--json] | --fields",
                "why a call gets its verdict: every candidate rule, check by check (FORM: "
                "bash, read, write, edit, fetch, mcp, tool; -: the hook input on stdin)"),
    "replay": ("replay", "[--log FILE]... [--transcript PATH]... [--rules PATH]... "
                         "[--limit N] [--json]",
               "re-decide past calls (audit log, Claude Code transcripts) under other rules"),
    "mode": ("mode", "[monitor | guardrails]", "show or set the mode"),
    "config": ("settings", "[KEY [VALUE]]",
               "show the settings and where they come from, or set one (see settings below)"),
    "logs": ("logs", "[-f|--follow] [--tail|-n N|all] [--show deny,ask,allow,none,event] "
                     "[--agent NAME] [--raw] | --verify [FILE...]",
             "show the audit log, or check its hash chain (--verify)"),
    "status": ("status", "", "installed version, the command on PATH, hook registration with "
                             "every agent, mode, rules, cache, log, last verdicts"),
    "install": ("install", "[--settings FILE] [--python PATH] | --system [--python PATH] "
                           "[--user NAME]...",
                "register the hook with Claude Code (--system: for every user, as root)"),
    "uninstall": ("install", "[--settings FILE] | --system [--purge]",
                  "remove the hook from every agent it was added to (needs a person at a "
                  "terminal)"),
    "hook": ("install", "add|remove|status|command [claude|codex|gemini|copilot] "
                        "[--settings FILE] [--python PATH]",
             "register, unregister, check or show the hook of one agent"),
}
ALIASES = {"check": "--check"}


def usage() -> str:
    from .commands.help import main_help

    return main_help(COMMANDS)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or (len(args) == 2 and args[0] == "--agent"):
        from .hook import run

        # The hook handles every failure itself (fail-closed), an unknown agent included.
        return run(agent=args[1] if args else "claude_code", watchdog=argv is None)
    try:
        return _command(args)
    except BrokenPipeError:
        # `prempti-hook logs | head`: the reader has gone, which is not an error.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: one line, never a traceback
        print(f"prempti-hook: internal error in {args[0]!r}: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _command(args: list[str]) -> int:
    from .commands.arguments import UsageError, report

    word = ALIASES.get(args[0], args[0])
    try:
        return _run(word, args)
    except UsageError as e:
        report(word, e)
        return 2


def _run(word: str, args: list[str]) -> int:
    if word == "help" and len(args) == 2:  # `prempti-hook help logs`
        return _run(ALIASES.get(args[1], args[1]), [args[1], "--help"])
    if word in ("--help", "-h", "help"):
        print(usage())
        return 0
    if word in ("--version", "-V", "version"):
        from . import __version__

        print(f"prempti-hook {__version__}")
        return 0
    entry = COMMANDS.get(word)
    if word == "--agent":  # the hook is `--agent NAME` exactly: this is not a hook call
        print("prempti-hook: --agent takes one agent name (codex, gemini, copilot) and "
              "nothing after it; the hook reads the call on stdin (see prempti-hook --help)",
              file=sys.stderr)
        return 2
    if entry is None:
        print(f"prempti-hook: unknown command {args[0]!r} (see prempti-hook --help)",
              file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(f"prempti_hook.commands.{entry[0]}")
    if "--help" in args[1:] or "-h" in args[1:]:
        print(getattr(module, "USAGE", f"usage: prempti-hook {word}\n\n{entry[2]}").rstrip())
        return 0
    return module.main(word, args[1:])
