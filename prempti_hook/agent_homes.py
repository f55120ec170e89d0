"""Where each agent keeps the files the hook is registered in, found the way the agent
finds them. Used by the registration (cold path) and by the hook itself, whose
`prempti.protected_paths` protect these files like Claude Code's settings (so: `os.path`
only, no file system access here).
"""

from __future__ import annotations

import os


def codex_home(environ, home: str) -> str:
    """`$CODEX_HOME` (made absolute), else `~/.codex`."""
    given = environ.get("CODEX_HOME")
    return os.path.abspath(os.path.expanduser(given)) if given else os.path.join(home, ".codex")


def gemini_dir(environ, home: str) -> str:
    """`$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`."""
    base = environ.get("GEMINI_CLI_HOME") or home
    return os.path.join(os.path.abspath(os.path.expanduser(base)), ".gemini")


def copilot_home(environ, home: str) -> str:
    """`$COPILOT_HOME` (made absolute), else `~/.copilot`."""
    given = environ.get("COPILOT_HOME")
    return os.path.abspath(os.path.expanduser(given)) if given else \
        os.path.join(home, ".copilot")


COPILOT_HOOK_FILE = "prempti-hook.json"
COMMAND_NAME = "prempti-hook"


def command_files(environ, home: str) -> tuple[str, ...]:
    """Where `install/install.sh` puts the `prempti-hook` command a person types:
    `$XDG_BIN_HOME` when set, and `~/.local/bin` (an agent that replaced it would answer for
    the guard the next time the person asks `prempti-hook status` or `mode`)."""
    folders = [os.path.join(home, ".local", "bin")]
    given = environ.get("XDG_BIN_HOME")
    if given and os.path.isabs(given):
        folders.insert(0, os.path.normpath(given))
    return tuple(dict.fromkeys(os.path.join(folder, COMMAND_NAME) for folder in folders))


def registration_files(environ, home: str) -> tuple[str, ...]:
    """The files the hook is (or would be) registered in, for Codex, Gemini and Copilot."""
    codex = codex_home(environ, home)
    return (os.path.join(codex, "hooks.json"), os.path.join(codex, "config.toml"),
            os.path.join(gemini_dir(environ, home), "settings.json"),
            os.path.join(copilot_home(environ, home), "hooks", COPILOT_HOOK_FILE))
