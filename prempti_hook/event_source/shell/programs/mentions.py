"""Observers of commands that mention a path without reading what is in it: file tests
(`test -f ~/.ssh/id_rsa`, `[ -s .env ]`), listings (`ls ~/.ssh`, `stat`, `du`, `file`) and
searches that print no content (`grep -q '^KEY=' .env`, `grep -l`, `grep -c`). The paths they
name are not recorded (a mention is not a read), unless their output feeds another program
(`ls ~/.ssh | xargs cat`, `cat $(grep -l . ~/.ssh/*)`): then the names they print may be read
next, and the paths count as usual.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

_QUIET = frozenset({"-q", "--quiet", "--silent"})
_NAMES_ONLY = frozenset({"-c", "--count", "-l", "--files-with-matches", "-L",
                         "--files-without-match", "--files-without-matches"})


def _test(ev: Evaluator, call: Call) -> None:
    """test/[: prints nothing, only an exit status."""
    ev.mentioning = True


def _listing(ev: Evaluator, call: Call) -> None:
    if not ev.consumed:
        ev.mentioning = True


def _search(ev: Evaluator, call: Call) -> None:
    from .destructive import flags  # (not loaded for the listings and tests above)

    opts = flags(call.argv[1:])
    if opts & _QUIET or (opts & _NAMES_ONLY and not ev.consumed):
        ev.mentioning = True


OBSERVERS: dict = dict.fromkeys(("test", "["), _test)
OBSERVERS.update(dict.fromkeys(("ls", "dir", "vdir", "exa", "eza", "lsd", "tree", "du",
                                "stat", "file"), _listing))
OBSERVERS.update(dict.fromkeys(("grep", "egrep", "fgrep", "rg", "ag", "ack"), _search))
