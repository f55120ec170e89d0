"""Is a person at the keyboard? Commands that weaken the guard (`mode monitor`, `hook remove`,
`uninstall`, `config fail_open true`, `config default_action allow`) act only for one.

The agent we guard runs as the same OS user, so it can run our CLI (or a renamed copy of the
zipapp) like anyone else; the refusal therefore lives in the command itself, not in the rules.
What an agent's tool call looks like, and what it can fake:

- **Environment markers** (`CLAUDECODE=1`, `CLAUDE_CODE_ENTRYPOINT`, Gemini's `GEMINI_CLI`,
  Codex's `CODEX_SANDBOX`, Copilot's `COPILOT_CLI`...): set in every tool call's shell, but
  the agent can drop them (`env -u`, `env -i`).
- **Process ancestry**: an agent (its executable, its npm package, or a process whose start
  environment carries a marker) among our ancestors. The agent cannot rewrite its ancestors'
  command lines or start environments; it can only break the chain by re-parenting
  (`setsid -f`, a double fork), which also drops the controlling terminal.
- **A controlling terminal with stdin on it**: Claude Code runs each Bash command in a new
  session without one. A program can make a pseudo-terminal (`script`, `expect`, Python's
  `pty`), so the last check is a random code printed on the terminal that must be typed back
  within a time limit: a one-liner cannot know it in advance, and a program written to read
  it and answer is the "same-user code" that only the hardened (root) install stops.

Cold path only (CLI commands); nothing here runs during a hook call.
"""

from __future__ import annotations

import os
import sys

# Variables an agent sets in the environment of the commands it runs (and of its hooks).
AGENT_ENV_MARKERS = (
    "CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_CODE_SESSION_ID", "GEMINI_CLI",
    "GEMINI_SESSION_ID", "CODEX_SANDBOX", "CODEX_MANAGED_BY_NPM", "COPILOT_CLI",
    "CURSOR_AGENT",
)
# Executables (basename) and npm packages (a path part) of coding agents.
AGENT_PROGRAMS = frozenset({"claude", "claude.exe", "codex", "gemini", "copilot",
                            "cursor-agent"})
AGENT_PACKAGES = ("@anthropic-ai/claude-code", "@openai/codex", "@google/gemini-cli",
                  "@github/copilot")
CONFIRM_SECONDS = 120
MAX_ANCESTORS = 64


class NotAPerson(Exception):
    """The command was not typed by a person; the message says why and what to do."""


def _marker_in(environ) -> str | None:
    for name in AGENT_ENV_MARKERS:
        if environ.get(name):
            return name
    return None


def _read_proc(pid: int, name: str, limit: int = 1 << 20) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read(limit)
    except OSError:
        return b""


def _parent_linux(pid: int) -> int:
    stat = _read_proc(pid, "stat", 4096)
    try:
        return int(stat.rsplit(b")", 1)[1].split()[1])
    except (IndexError, ValueError):
        return 0


def _describe_agent(argv: list[str], environ_names: set[str]) -> str | None:
    """What makes a process an agent, or None."""
    for word in argv[:2]:
        if os.path.basename(word) in AGENT_PROGRAMS:
            return f"runs {os.path.basename(word)}"
    joined = "\0".join(argv[:4])
    for package in AGENT_PACKAGES:
        if package in joined:
            return f"runs {package}"
    for name in AGENT_ENV_MARKERS:
        if name in environ_names:
            return f"was started with {name} set"
    return None


def _ancestors_linux() -> list[tuple[int, list[str], set[str]]]:
    """(pid, argv, names of the variables it was started with) from our parent up to pid 1."""
    out = []
    pid = os.getppid()
    while pid > 1 and len(out) < MAX_ANCESTORS:
        argv = [a.decode("utf-8", "replace")
                for a in _read_proc(pid, "cmdline").split(b"\0") if a]
        names = {entry.split(b"=", 1)[0].decode("utf-8", "replace")
                 for entry in _read_proc(pid, "environ").split(b"\0") if b"=" in entry}
        exe = ""
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            pass
        out.append((pid, [exe, *argv] if exe else argv, names))
        pid = _parent_linux(pid)
    return out


def _ancestors_ps() -> list[tuple[int, list[str], set[str]]]:
    """The same without /proc (macOS): `ps` gives each parent and its command line."""
    import subprocess

    out = []
    pid = os.getppid()
    while pid > 1 and len(out) < MAX_ANCESTORS:
        try:
            text = subprocess.run(["ps", "-o", "ppid=,command=", "-p", str(pid)],
                                  capture_output=True, text=True, timeout=5).stdout.strip()
            ppid_text, _, command = text.partition(" ")
            parent = int(ppid_text)
        except (OSError, ValueError, subprocess.SubprocessError):
            break
        out.append((pid, command.split(), set()))
        pid = parent
    return out


def agent_ancestor() -> str | None:
    """A description of the first agent among our ancestors, or None."""
    ancestors = _ancestors_linux() if os.path.isdir("/proc/self") else _ancestors_ps()
    for pid, argv, names in ancestors:
        why = _describe_agent(argv, names)
        if why:
            program = os.path.basename(argv[0]) if argv else "?"
            return f"process {pid} ({program}) {why}"
    return None


def _open_terminal() -> int | None:
    try:
        return os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None


def _confirm(fd: int, action: str, seconds: float = CONFIRM_SECONDS) -> bool:
    """Print a random code on the terminal and read it back; True when typed correctly."""
    import select
    import time

    code = f"{int.from_bytes(os.urandom(3), 'big') % 1000000:06d}"
    prompt = (f"prempti-hook: {action} weakens the guard. To confirm that you, not an agent, "
              f"want this, type {code} and press Enter: ")
    os.write(fd, prompt.encode("utf-8"))
    deadline = time.monotonic() + seconds
    typed = b""
    while b"\n" not in typed and b"\r" not in typed and len(typed) < 256:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            os.write(fd, b"\n")
            return False
        chunk = os.read(fd, 64)
        if not chunk:
            return False
        typed += chunk
    return typed.strip().decode("ascii", "replace") == code


def refusal(action: str, environ=None) -> str | None:
    """Why `action` must not run now (one sentence), or None when a person confirmed it."""
    environ = os.environ if environ is None else environ
    why = ("only a person at a terminal can weaken the guard (an agent runs as the same user, "
           "so this command checks who runs it)")
    marker = _marker_in(environ)
    if marker:
        return f"{action} refused: {marker} is set, so this runs inside an agent's tool call; " \
               f"{why}"
    ancestor = agent_ancestor()
    if ancestor:
        return f"{action} refused: it was started by an agent ({ancestor}); {why}"
    fd = _open_terminal()
    if fd is None or not os.isatty(0):
        if fd is not None:
            os.close(fd)
        return f"{action} refused: there is no terminal to confirm it on; {why}"
    try:
        if not _confirm(fd, action):
            return f"{action} refused: the confirmation code was not typed back"
    finally:
        os.close(fd)
    return None


def require(action: str, environ=None) -> bool:
    """True when a person confirmed `action`; otherwise print why not on stderr."""
    reason = refusal(action, environ)
    if reason is None:
        return True
    print(f"prempti-hook: {reason}.", file=sys.stderr)
    return False
