"""Path resolution shared by every field that names a file.

A path the agent gives is resolved the way the kernel would see it, without requiring it
to exist: `~`, `~/x`, `$HOME/x` and `${HOME}/x` expand to the user's home; a relative path
is joined to the (resolved) working directory; symlinks of the existing part are resolved;
`.` and `..` are folded; the missing tail is appended as written. A `..` after a missing
component folds lexically, which is what a guard wants (`mkdir -p` would make it real).
"""

from __future__ import annotations

import os

_HOME_PREFIXES = ("$HOME", "${HOME}")


def expand_home(path: str, home: str) -> str:
    """Expand a leading `~` or `$HOME`/`${HOME}` (followed by `/` or the end) to `home`."""
    if path == "~" or path.startswith("~/"):
        return home + path[1:]
    for prefix in _HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return home + path[len(prefix):]
    return path


def resolve(path: str, cwd: str, home: str) -> str:
    """The canonical absolute form of `path` as seen from `cwd` (already resolved)."""
    if not path:
        return ""
    path = expand_home(path, home)
    if not path.startswith("/"):
        path = (cwd.rstrip("/") or "") + "/" + path
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        # ValueError: embedded NUL. Fold lexically rather than give up; POSIX normpath
        # keeps a leading `//`, which the kernel treats as `/`.
        folded = os.path.normpath(path)
        return "/" + folded.lstrip("/") if folded.startswith("//") else folded
