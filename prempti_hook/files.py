"""Small file helpers shared by the hook and the CLI (standard library only, hot path).

Every file the hook reads may have been planted by the agent it guards (same OS user), so
reading goes through `open_regular`: no blocking open (a FIFO would hang every hook call),
no following a symlink at the last component where the caller says so, and a regular-file
check on the open descriptor (`fstat`), never on the name (which can change between the
check and the open). Writing a whole file goes through `write_atomic`: readers see the old
file or the new one, never a part.

`launcher.py` keeps its own copies: it runs before the package can be imported.
"""

from __future__ import annotations

import os
import stat

# Rules files are the YAML files of a rules folder (dot files excluded by the callers).
RULE_SUFFIXES = (".yaml", ".yml")

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class NotRegularFile(OSError):
    """Something other than a regular file (a FIFO, a device, a folder) sits at a path."""


def open_regular(path: str, flags: int = os.O_RDONLY, mode: int = 0o600, *,
                 follow: bool = False, blocking: bool = False) -> int:
    """Open `path` without blocking on a FIFO and check (on the descriptor) that it is a
    regular file; raises NotRegularFile (an OSError) otherwise. `follow=False` adds
    O_NOFOLLOW (a symlink at the path is an OSError); `blocking=True` clears O_NONBLOCK
    once the check passed (for writes that must not fail with EAGAIN)."""
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else NOFOLLOW),
                 mode)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{path} is not a regular file")
        if blocking:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_all(fd: int, limit: int = -1) -> bytes:
    """Everything left in `fd` (at most `limit` bytes when `limit` >= 0)."""
    chunks = []
    left = limit
    while left:
        chunk = os.read(fd, 1 << 20 if left < 0 else min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        if left > 0:
            left -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` (`os.write` may write less than asked, e.g. to a pipe)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_atomic(path: str, data: bytes, mode: int = 0o600, *, durable: bool = False,
                 through_symlink: bool = False) -> None:
    """Replace `path` with `data` in one rename, with permissions `mode`.

    `durable`: fsync before the rename, for files a person wrote and a crash must not
    empty (agents' settings, config.yaml); caches that are rebuilt from their sources skip
    it (an fsync costs milliseconds on a hook call). `through_symlink`: when `path` is a
    symlink (dotfile managers link settings files), replace the file it points to and keep
    the link; otherwise the link itself is replaced."""
    target = os.path.realpath(path) if through_symlink else path
    temporary = f"{target}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | NOFOLLOW
    try:
        fd = os.open(temporary, flags, 0o600)
    except FileExistsError:  # left by a process that had our pid and died mid-write
        os.unlink(temporary)
        fd = os.open(temporary, flags, 0o600)
    try:
        try:
            write_all(fd, data)
            os.fchmod(fd, mode)  # exactly `mode`, whatever the umask
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        unlink_quietly(temporary)
        raise


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def make_private_dirs(path: str) -> None:
    """Create `path` and any missing parents with mode 0700 (os.makedirs applies the mode
    only to the last component)."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        make_private_dirs(parent)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not os.path.isdir(path):
            raise NotADirectoryError(f"{path} is not a folder") from None
