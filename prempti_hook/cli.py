"""Command-line dispatch only: `prempti-hook` with no argument (Claude Code) or with only
`--agent NAME` is the hook itself; every other command lives in its own module under
`commands/`, imported only when it runs."""

from __future__ import annotations

import sys

# command word -> (module under prempti_hook.commands, one-line help)
COMMANDS = {
    "--check": ("check", "validate rules like `falco -V` (default: the rules the hook loads)"),
    "test": ("test", "run rule test files: each states a call and the verdict it must get"),
    "explain": ("explain", "why a call gets its verdict: every candidate rule, check by check"),
    "replay": ("replay", "re-decide past calls (audit log, Claude Code transcripts) under "
               "other rules"),
    "mode": ("mode", "show or set the mode: monitor | guardrails"),
    "config": ("settings", "show the settings and where they come from, or set one"),
    "logs": ("logs", "show the audit log (-f, --tail N, --show deny,ask,allow,none,event, "
             "--raw), or check its hash chain (--verify [FILE...])"),
    "status": ("status", "installed version, hook registration, mode, rules, cache, log"),
    "install": ("install", "register the hook in ~/.claude/settings.json (--system: for "
                           "every user, as root)"),
    "uninstall": ("install", "remove the hook from every agent it was added to"),
    "hook": ("install", "hook add|remove|status|command [claude|codex|gemini|copilot]"),
}
ALIASES = {"check": "--check"}


def usage() -> str:
    lines = [
        "usage: prempti-hook [COMMAND] [ARGS]",
        "",
        "With no command, runs as Claude Code's pre-tool hook: reads one tool call as JSON on",
        "stdin and prints the verdict as JSON on stdout. `prempti-hook --agent NAME` does the",
        "same for another agent (codex, gemini, copilot), in that agent's own JSON.",
        "",
        "commands:",
    ]
    for word, (_, text) in COMMANDS.items():
        lines.append(f"  {word:<12} {text}")
    lines += ["  --version    print the version", "  --help       print this help"]
    return "\n".join(lines)


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
    if "--help" in args[1:] or "-h" in args[1:]:
        print(getattr(module, "USAGE", f"usage: prempti-hook {word}\n\n{entry[1]}").rstrip())
        return 0
    return module.main(word, args[1:])
