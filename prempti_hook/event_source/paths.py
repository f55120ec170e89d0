"""Path resolution shared by every field that names a file.

A path the agent gives is resolved the way the kernel would see it, without requiring it
to exist: `~`, `~/x`, `$HOME/x` and `${HOME}/x` expand to the user's home; a relative path
is joined to the (resolved) working directory; symlinks of the existing part are resolved;
`.` and `..` are folded; the missing tail is appended as written. A `..` after a missing
component folds lexically, which is what a guard wants (`mkdir -p` would make it real).

Besides the resolved ("real") form, `lexical` gives the form as written (absolute, `..`
folded, symlinks kept) and `prefixes` lists every ancestor of a path, so that list fields
can be matched exactly with `in`/`intersects` (see docs/fields-shell.md).
"""

from __future__ import annotations

import os
from stat import S_ISLNK

_HOME_PREFIXES = ("$HOME", "${HOME}")
# Longer than PATH_MAX: no system call can use it, so fold it lexically and save the work.
_PATH_MAX = 4096
# Names that are not files: reading or writing them touches no file a rule cares about.
_PSEUDO_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/stdin", "/dev/stdout",
                             "/dev/stderr", "/dev/tty", "/dev/random", "/dev/urandom",
                             "/dev/full"})
_FD_DIRS = ("/dev/fd/", "/proc/self/fd/")


def expand_home(path: str, home: str) -> str:
    """Expand a leading `~` or `$HOME`/`${HOME}` (followed by `/` or the end) to `home`."""
    if path == "~" or path.startswith("~/"):
        return home + path[1:]
    for prefix in _HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return home + path[len(prefix):]
    return path


def user_home(user: str) -> str | None:
    """Home directory of `user` from the password database (`~user`), else None."""
    if not user or "/" in user or "\x00" in user:
        return None
    try:
        import pwd

        return pwd.getpwnam(user).pw_dir
    except (KeyError, ImportError, ValueError, UnicodeError, OSError):
        return None


def _fold(path: str) -> str:
    # POSIX normpath keeps a leading `//`, which the kernel treats as `/`.
    folded = os.path.normpath(path)
    return "/" + folded.lstrip("/") if folded.startswith("//") else folded


def lexical(path: str, cwd: str) -> str:
    """`path` made absolute against `cwd` with `.`/`..` folded and symlinks kept."""
    if not path:
        return ""
    if not path.startswith("/"):
        path = (cwd.rstrip("/") or "") + "/" + path
    return _fold(path)


def resolve_expanded(path: str, cwd: str) -> str:
    """Like `resolve` for a path whose `~`/`$HOME` were already expanded (by the shell)."""
    if not path:
        return ""
    if not path.startswith("/"):
        path = (cwd.rstrip("/") or "") + "/" + path
    if len(path) > _PATH_MAX:
        return _fold(path)
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        # ValueError: embedded NUL or a lone surrogate. Fold lexically rather than give up.
        return _fold(path)


def resolve(path: str, cwd: str, home: str) -> str:
    """The canonical absolute form of `path` as seen from `cwd` (already resolved)."""
    if not path:
        return ""
    return resolve_expanded(expand_home(path, home), cwd)


class Folders:
    """What `realpath` would do to the folders above a path, learnt once: `resolve` and
    `resolve_expanded` for many paths of one call (the file system is only looked at, not
    changed, while a call is judged). A path is *plain* when none of its names is empty,
    `.`, `..` or a symlink: realpath leaves it as it is. The plain folders met are
    remembered, so a path below one costs an `lstat` of each name after it (realpath costs
    one per name); a path that is not plain is left to `resolve_expanded`."""

    __slots__ = ("linked", "plain")

    def __init__(self) -> None:
        self.plain: set[str] = set()
        self.linked: set[str] = set()  # paths one of whose names is a symlink

    def resolve(self, path: str, cwd: str, home: str) -> str:
        """`resolve(path, cwd, home)`."""
        return self.resolve_expanded(expand_home(path, home), cwd) if path else ""

    def resolve_expanded(self, text: str, cwd: str) -> str:
        """`resolve_expanded(text, cwd)`."""
        if not text:
            return ""
        full = text if text.startswith("/") else (cwd.rstrip("/") or "") + "/" + text
        if len(full) > _PATH_MAX:
            return resolve_expanded(full, "/")
        plain, linked = self.plain, self.linked
        names: list[str] = []
        path = full
        while path and path not in plain:
            if path in linked:
                return resolve_expanded(full, "/")
            path, _slash, name = path.rpartition("/")
            if not name or name == "." or name == "..":
                return resolve_expanded(full, "/")
            names.append(name)
        for name in reversed(names):
            path = path + "/" + name
            try:
                link = S_ISLNK(os.lstat(path).st_mode)
            except OSError:
                link = False  # (realpath takes a name it cannot look at as it is)
            except ValueError:  # a NUL, a lone surrogate: resolve_expanded folds it
                return resolve_expanded(full, "/")
            if link:
                linked.add(path)
                return resolve_expanded(full, "/")
            plain.add(path)
        return full


def is_pseudo_device(path: str) -> bool:
    """`/dev/null`, `/dev/stdout`, `/dev/fd/3`...: names that are not files."""
    if not path.startswith(("/dev/", "/proc/self/fd/")):  # most paths: one C-speed test
        return False
    if path in _PSEUDO_DEVICES:
        return True
    return any(path.startswith(prefix) and path[len(prefix):].isdigit() for prefix in _FD_DIRS)


def prefixes(path: str, home: str) -> list[str]:
    """Every ancestor of an absolute `path` and the path itself, outermost first, then the
    same under `~` when the path is inside `home`: `/h/u/.ssh/k` gives `/h`, `/h/u`,
    `/h/u/.ssh`, `/h/u/.ssh/k`, `~`, `~/.ssh`, `~/.ssh/k`. `/` is listed only for `/`
    itself (as an ancestor every path has it, so it would tell nothing apart).

    Ancestors are listed down to `MAX_PREFIX_DEPTH` components (the path itself always is):
    listing all of them would cost time and memory quadratic in the depth, and rules name
    shallow directories."""
    if not path.startswith("/"):
        return []
    path = path.rstrip("/")
    if not path:
        return ["/"]
    out = _ancestors(path, 1, "")
    out.append(path)
    home = home.rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        out.append("~")
        rest = path[len(home):]
        if rest:
            out.extend(_ancestors(rest, 1, "~"))
            out.append("~" + rest)
    return out


MAX_PREFIX_DEPTH = 64


def _ancestors(path: str, start: int, lead: str) -> list[str]:
    """`lead` + each proper prefix of `path` ending before a `/` (at most MAX_PREFIX_DEPTH)."""
    out: list[str] = []
    end = path.find("/", start)
    while end > 0 and len(out) < MAX_PREFIX_DEPTH:
        out.append(lead + path[:end])
        end = path.find("/", end + 1)
    return out
