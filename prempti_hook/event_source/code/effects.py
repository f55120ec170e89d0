"""Effects that every code analyzer records the same way: running a command line, running a
program with arguments, naming hosts in a network call. Both analyzers (the Python AST one in
`python.py` and the token one in `scripted.py`) call these with their report."""

from __future__ import annotations

from .report import (
    DECODE_EXEC_ACTION,
    DECODED,
    FETCHED,
    NETWORK,
    PROCESS_ACTION,
    SIGNAL_SHELL,
    UNKNOWN,
)
from .values import Text, as_text, host_in, url_in

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .report import CodeReport

# Programs that are shells: running one (or a command line starting with one) is a shell.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "ash", "cmd",
                    "cmd.exe", "powershell", "pwsh", "powershell.exe"})


def _runs_fetched_or_decoded(report: CodeReport, fetched: bool, flags: int) -> None:
    report.act(PROCESS_ACTION)
    if fetched:
        report.act(DECODE_EXEC_ACTION)
        report.runs_fetched = True
    elif flags & DECODED:
        report.act(DECODE_EXEC_ACTION)


def shell_command(report: CodeReport, value) -> None:
    """A command line given to a shell (`os.system(...)`, `` `...` ``, `exec(...)`)."""
    text = as_text(value)
    _runs_fetched_or_decoded(report, bool(text.flags & NETWORK) or FETCHED in text.s,
                             text.flags)
    stripped = text.s.strip()
    first = stripped.split(" ", 1)[0].rsplit("/", 1)[-1]
    # a shell, nothing known, or an interactive flag: the agent gets a shell
    if first in SHELLS or not stripped.strip(UNKNOWN + FETCHED + " ") or " -i" in text.s:
        report.signal(SIGNAL_SHELL)
    report.command("shell", text.s)


def argv_command(report: CodeReport, texts: list, flags: int) -> None:
    """A program run with the arguments `texts` (no shell); `flags` of all the words."""
    _runs_fetched_or_decoded(report, bool(flags & NETWORK), flags)
    if not texts:
        report.signal(SIGNAL_SHELL)
        return
    program = texts[0].s.rsplit("/", 1)[-1]
    if program in SHELLS or not texts[0].known():
        report.signal(SIGNAL_SHELL)
    report.command("argv", [t.s for t in texts])


def hosts_in(report: CodeReport, values: list, depth: int = 0) -> None:
    """Hosts named in a network call's arguments (`('1.2.3.4', 443)`, `'h:80'`)."""
    for value in values[:32]:
        if isinstance(value, list) and depth < 3:
            hosts_in(report, value, depth + 1)
        elif isinstance(value, Text):
            url = url_in(value.s)
            if url:
                report.add(report.urls, url)
                continue
            host = host_in(value.s)
            if host:
                report.add(report.hosts, host)
