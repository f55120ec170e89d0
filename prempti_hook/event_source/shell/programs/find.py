"""find: a search that runs commands on what it finds (`-exec`, `-execdir`, `-ok`,
`-okdir`) or deletes it (`-delete`).

What it finds is known as a pattern: the roots, and the name or path tests that are not
negated (`find . -name '*.db'` finds `./**/*.db`; with `-maxdepth 1`, `./*.db`). `{}` in a
command stands for that pattern, so `-exec rm -rf {} +` deletes exactly what `rm -rf
./**/*.db` would, and the delete is judged by the pattern (`programs/destructive.py`).
"""

from __future__ import annotations

from ..analysis import Call
from .destructive import delete

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..evaluate import Evaluator

_NAME_TESTS = frozenset({"-name", "-iname"})
_PATH_TESTS = frozenset({"-path", "-ipath", "-wholename", "-iwholename"})
_REGEX_TESTS = frozenset({"-regex", "-iregex"})
_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# Tests and options that take one value.
_ONE_VALUE = frozenset({"-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm", "-size",
                        "-mtime", "-atime", "-ctime", "-mmin", "-amin", "-cmin", "-newer",
                        "-anewer", "-cnewer", "-samefile", "-links", "-inum", "-fstype",
                        "-used", "-lname", "-ilname", "-printf", "-fprint", "-fprint0",
                        "-fls", "-context", "-regextype", "-files0-from", "-newerXY"})
_MAX_PATTERNS = 4


class _Search:
    """What one find command looks for and does."""

    def __init__(self) -> None:
        self.roots: list[str] = []
        self.leaves: list[str] = []   # name patterns
        self.paths: list[str] = []    # whole-path patterns
        self.maxdepth: int | None = None
        self.empty = False            # -empty: only empty files and folders
        self.deletes = False
        self.commands: list[list[str]] = []

    def patterns(self) -> list[str]:
        """The paths found, as glob patterns."""
        found = list(self.paths)
        for root in self.roots[:_MAX_PATTERNS]:
            if self.maxdepth == 0:
                found.append(root)
                continue
            middle = "/" if self.maxdepth == 1 else "/**/"
            for leaf in self.leaves or ["*"]:
                found.append(root.rstrip("/") + middle + leaf)
        return found[:_MAX_PATTERNS * 2]


def _parse(args: list) -> _Search:
    search = _Search()
    i = 0
    while i < len(args) and (args[i] in ("-H", "-L", "-P", "-D", "-O") or (
            args[i][:2] in ("-D", "-O") and len(args[i]) > 2)):
        i += 2 if args[i] in ("-D", "-O") else 1
    while i < len(args) and (not args[i].startswith(("-", "(", "!", ")")) or args[i] == "-"):
        search.roots.append(args[i])
        i += 1
    search.roots = search.roots or ["."]
    negated = False
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg in ("!", "-not"):
            negated = True
            i += 1
            continue
        if arg in _ACTIONS:
            end = i + 1
            while end < len(args) and args[end] not in (";", "+"):
                end += 1
            if args[i + 1:end]:
                search.commands.append(args[i + 1:end])
            i = end + 1
        elif arg in _NAME_TESTS | _PATH_TESTS | _REGEX_TESTS and value is not None:
            if not negated:
                if arg in _NAME_TESTS:
                    search.leaves.append(value)
                elif arg in _PATH_TESTS:
                    search.paths.append(value)
                else:
                    search.leaves.append("*\ufffdregex")  # some names: narrower than `*`
            i += 2
        elif arg in ("-maxdepth", "-mindepth") and value is not None:
            if arg == "-maxdepth" and value.isdigit():
                search.maxdepth = int(value)
            i += 2
        elif arg in _ONE_VALUE:
            i += 2
        else:
            search.empty = search.empty or arg == "-empty"
            search.deletes = search.deletes or arg == "-delete"
            i += 1
        negated = False
    return search


def _h_find(ev: Evaluator, call: Call) -> None:
    search = _parse(call.argv[1:])
    st = call.st
    for command in search.commands:
        for pattern in search.patterns():
            argv = [w.replace("{}", pattern) for w in command]
            ev.command(Call(argv, st, None, call.env, call.net))
    if search.deletes and not search.empty:
        for pattern in search.patterns():
            delete(ev, pattern, st, "many")
    for root in search.roots:
        ev.path(root, st, write=search.deletes)


HANDLERS: dict = {"find": _h_find, "gfind": _h_find}
