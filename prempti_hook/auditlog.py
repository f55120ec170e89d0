"""The audit log: one JSON line per hook call, appended under a lock, rotated by size.

Hot path (every hook call appends one line): only `os`, `fcntl` and `jsonio` are imported.

Writing: take an exclusive `flock` on `events.jsonl.lock` (the same file and the same kind of
lock as the `filelock` package's `UnixFileLock`, so a tool that uses `filelock` on that path
is serialized with us), rotate if this line would push `events.jsonl` past the size limit,
*then* open the log (rotation renames it) and append the line in one `write`. Every line is
therefore whole and lines never interleave, whatever the number of concurrent hook calls.

A lock that does not move (see `_flock_patiently`) does not cost the line: it is appended
without the lock, still in one `O_APPEND` write (which the kernel keeps whole), and the
caller is told so. Only rotation is skipped then.

Rotation keeps `events.jsonl.1` (newest) ... `events.jsonl.N` (oldest). A single line larger
than the limit is still written whole, alone in its file. `log_max_bytes` 0 never rotates.

Reading (for `logs` and `status`): every file, oldest to newest, read under a shared lock so
that a rotation cannot happen halfway through; a torn or non-JSON line is skipped and
counted, never fatal.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time

from . import jsonio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

LOCK_SUFFIX = ".lock"
DIR_MODE = 0o700
FILE_MODE = 0o600
# O_NOFOLLOW: a symlink planted at the log's path must not redirect our writes elsewhere.
_OPEN_FLAGS = os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


def make_private_dirs(path: str) -> None:
    """Create `path` and any missing parents with mode 0700 (os.makedirs applies the mode
    only to the last component)."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        make_private_dirs(parent)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        if not os.path.isdir(path):
            raise NotADirectoryError(f"{path} is not a folder") from None


# Waiting for the log lock: many hooks at once (500 on 2 cores in the load test) can queue
# for seconds, and that is progress; a lock held by a stuck process is not. So the wait is
# cut only when the log has not changed for LOCK_STALL_SECONDS, or after LOCK_WAIT_SECONDS in
# all (the registered hook timeout is 30 s). On a machine that busy, a holder can also sit
# unscheduled for that long: which is why a cut wait still writes the line.
LOCK_STALL_SECONDS = 2.0
LOCK_WAIT_SECONDS = 20.0


def _open_regular(path: str, flags: int) -> int:
    """Open `path` without blocking (a FIFO planted there must not hang the hook) and check
    it is a regular file."""
    fd = os.open(path, flags | os.O_NONBLOCK | _OPEN_FLAGS, FILE_MODE)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


class LockStalled(OSError):
    """The log lock is held by a process that has not written for LOCK_STALL_SECONDS."""


class _LockAlarm(Exception):
    """Raised by the SIGALRM handler to interrupt a blocking flock."""


def _on_alarm(signum, frame):
    raise _LockAlarm()


def _progress_mark(log_file: str):
    try:
        st = os.stat(log_file)
        return (st.st_ino, st.st_size)
    except OSError:
        return None


def _flock_patiently(fd: int, mode: int, log_file: str) -> None:
    """Block on flock, checking every LOCK_STALL_SECONDS that the log still moves."""
    import _signal

    try:
        previous = _signal.signal(_signal.SIGALRM, _on_alarm)
    except (ValueError, OSError):  # not the main thread: wait without a timer (tests only)
        fcntl.flock(fd, mode)
        return
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    mark = _progress_mark(log_file)
    try:
        while True:
            _signal.setitimer(_signal.ITIMER_REAL, LOCK_STALL_SECONDS)
            try:
                fcntl.flock(fd, mode)
                return
            except _LockAlarm:
                now_mark = _progress_mark(log_file)
                if now_mark == mark:
                    raise LockStalled(f"{log_file}{LOCK_SUFFIX} is held by another process "
                                      f"that has not written for {LOCK_STALL_SECONDS:g} s"
                                      ) from None
                if time.monotonic() > deadline:
                    raise LockStalled(f"{log_file}{LOCK_SUFFIX} was busy for over "
                                      f"{LOCK_WAIT_SECONDS:g} s") from None
                mark = now_mark
            finally:
                _signal.setitimer(_signal.ITIMER_REAL, 0)
    finally:
        _signal.signal(_signal.SIGALRM, previous)


def _lock(log_file: str, exclusive: bool) -> int:
    """Open the lock file next to `log_file` and flock it; returns the descriptor (closing it
    releases the lock). A lock held by a stuck process is an OSError, not a hang."""
    fd = _open_regular(log_file + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)  # the usual case: nobody else is writing
        except BlockingIOError:
            _flock_patiently(fd, mode, log_file)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _rotate(log_file: str, backups: int) -> None:
    """events.jsonl -> .1 -> .2 ... -> .N (the old .N is dropped). Caller holds the lock."""
    if backups <= 0:
        os.unlink(log_file)
        return
    for number in range(backups - 1, 0, -1):
        try:
            os.replace(f"{log_file}.{number}", f"{log_file}.{number + 1}")
        except FileNotFoundError:
            pass
    os.replace(log_file, f"{log_file}.1")


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _write_line(log_file: str, line: bytes) -> None:
    fd = _open_regular(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def append_line(log_file: str, line: bytes, max_bytes: int, backups: int) -> str | None:
    """Append `line` (one JSON document and its newline) to `log_file`, rotating first if it
    would not fit. Returns None, or a notice when the lock was stuck and the line went in
    without it. Raises OSError when the log cannot be written."""
    make_private_dirs(os.path.dirname(log_file))
    try:
        lock_fd = _lock(log_file, exclusive=True)
    except LockStalled as stalled:
        _write_line(log_file, line)
        return f"{stalled}: the audit line was appended without the lock"
    try:
        if max_bytes > 0:
            size = _size(log_file)
            if size and size + len(line) > max_bytes:
                _rotate(log_file, backups)
        _write_line(log_file, line)
    finally:
        os.close(lock_fd)
    return None


def append(cfg, record: dict, deadline: float | None = None) -> str | None:
    """Write `record` as one line of the audit log of configuration `cfg`; returns a notice
    for the user, if any (see `append_line`). Every failure, including a record that cannot
    be serialized, is an OSError: the caller's verdict stands and the failure is reported,
    whatever went wrong with the log. `deadline` (a `time.monotonic()` value) is the hook
    call's deadline for waiting on locks, shared with the rule cache; accepted here so that
    the call site is final, its use in the lock wait is the audit log's own change."""
    try:
        text = jsonio.dumps(record)
    except (TypeError, ValueError, RecursionError) as e:
        raise OSError(f"the audit record cannot be written as JSON: {e}") from None
    return append_line(cfg.log_file, (text + "\n").encode("ascii"), cfg.log_max_bytes,
                       cfg.log_backups)


# Reading -----------------------------------------------------------------------------------

def rotated_files(log_file: str) -> list[str]:
    """The rotated files that exist (`events.jsonl.<n>`), oldest (highest n) first. Found by
    listing the folder, so files kept from a larger `log_backups` are read too."""
    folder, base = os.path.split(log_file)
    prefix = base + "."
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    numbered = []
    for name in names:
        suffix = name[len(prefix):]
        if name.startswith(prefix) and suffix.isdigit() and suffix.isascii():
            numbered.append((int(suffix), os.path.join(folder, name)))
    return [path for _, path in sorted(numbered, reverse=True)]


def log_files(log_file: str) -> list[str]:
    """Every file of the log that exists, oldest first."""
    files = rotated_files(log_file)
    if os.path.exists(log_file):
        files.append(log_file)
    return files


def parse_line(raw: bytes):
    """The record on one log line, or None when the line is torn, not JSON or not an object."""
    try:
        value = jsonio.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class LogReader:
    """Records of the whole log, oldest to newest. `skipped` counts the lines that were not
    a JSON object (a torn write, a stray edit); they never stop the reading."""

    def __init__(self, log_file: str) -> None:
        self.log_file = log_file
        self.skipped = 0

    def _snapshot(self) -> list[bytes]:
        """The bytes of every file, read under a shared lock (a consistent cut: no rotation
        or append can happen while we read)."""
        if not os.path.isdir(os.path.dirname(self.log_file) or "."):
            return []
        try:
            lock_fd = _lock(self.log_file, exclusive=False)
        except OSError:
            lock_fd = None  # read-only log folder: read without the lock rather than not at all
        try:
            blobs = []
            for path in log_files(self.log_file):
                try:
                    with open(path, "rb") as f:
                        blobs.append(f.read())
                except FileNotFoundError:
                    continue
            return blobs
        finally:
            if lock_fd is not None:
                os.close(lock_fd)

    def raw_records(self) -> Iterator[tuple[bytes, dict]]:
        """(line as stored, record) pairs, oldest first."""
        for blob in self._snapshot():
            for raw in blob.splitlines():
                if not raw.strip():
                    continue
                record = parse_line(raw)
                if record is None:
                    self.skipped += 1
                    continue
                yield raw, record

    def __iter__(self) -> Iterator[dict]:
        for _, record in self.raw_records():
            yield record


def total_size(log_file: str) -> tuple[int, int]:
    """(bytes, number of files) of the whole log."""
    size = count = 0
    for path in log_files(log_file):
        try:
            size += os.stat(path).st_size
            count += 1
        except OSError:
            continue
    return size, count
