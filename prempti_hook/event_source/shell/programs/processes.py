"""Observers of programs that kill processes: one process the agent started is routine
(`kill 4821`, `kill %1`, `kill $!`), killing by name, pattern, port or all at once is not
(`pkill node`, `killall -9 python3`, `kill -9 -1`, `kill $(pgrep -f vite)`, `fuser -k`).
"""

from __future__ import annotations

from ..analysis import COMPUTED
from .destructive import effect, flags

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

# Programs that find processes by name, pattern or port: a pid computed right after one of
# them ran (`kill $(pgrep x)`, `lsof -ti:3000 | xargs kill`) may be many processes.
LOOKUP_PROGRAMS = frozenset({"pgrep", "pidof", "lsof", "ps", "fuser", "ss", "netstat",
                             "pstree", "top", "htop", "docker"})
_PROBE_SIGNALS = frozenset({"-0", "-s0", "--signal=0"})


def _kill(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if not args or args[0] in ("-l", "-L", "--list", "--table") or args[0] in _PROBE_SIGNALS \
            or args[:2] in (["-s", "0"], ["-n", "0"], ["--signal", "0"]):
        return
    if args[0].startswith("-") and args[0] != "--":
        args = args[2:] if args[0] in ("-s", "-n", "--signal") else args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    for target in args:
        if target == "-1" or (target.startswith("-") and target[1:].isdigit()):
            effect(ev, "kill.broad")  # every process of the user, or a process group
        elif COMPUTED in target and not ev.out.names.keys().isdisjoint(LOOKUP_PROGRAMS):
            effect(ev, "kill.broad")


def _by_name(ev: Evaluator, call: Call) -> None:
    """pkill/killall: every process whose name or command line matches."""
    args = call.argv[1:]
    if not args or flags(args) & {"-l", "--list", "-V", "--version", "-h", "--help"} or \
            any(a in _PROBE_SIGNALS for a in args):
        return
    effect(ev, "kill.broad")


def _fuser(ev: Evaluator, call: Call) -> None:
    if "-k" in flags(call.argv[1:]) or "--kill" in call.argv:
        effect(ev, "kill.broad")


def _pm2(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if args[:1] == ["kill"] or (args[:1] in (["delete"], ["del"], ["stop"])
                                and "all" in args[1:]):
        effect(ev, "kill.broad")


def _tmux(ev: Evaluator, call: Call) -> None:
    if "kill-server" in call.argv[1:]:
        effect(ev, "kill.broad")


OBSERVERS: dict = {"kill": _kill, "pkill": _by_name, "killall": _by_name, "fuser": _fuser,
                   "pm2": _pm2, "tmux": _tmux}
