"""The audit log: one JSON line per hook call, appended under a lock, in numbered files.

Hot path (every hook call appends one line): only `os`, `fcntl`, `time`, `jsonio` and
`auditchain` are imported (`auditcap` too, for a record over the line budget).

Files: `events-00000001.jsonl`, `events-00000002.jsonl`, ... next to the configured
`events.jsonl`, the newest one being written. A file is never renamed: when the newest
would grow past `log_max_bytes`, the next number is started, and the oldest files beyond
`log_backups` are deleted. Log shippers that remember their place by file name or by inode
(rsyslog, syslog-ng, Fluent Bit, Vector) therefore ship every line exactly once, even when
files were started while the shipper was down (renaming rotation loses those lines: the
shipper finds a new file under the old name and the rest of the old one under a name it
never read). `events.jsonl` itself is a symbolic link to the newest file, for people and
tools that read one file; the hook never follows it. Logs of older versions
(`events.jsonl` as a regular file, `events.jsonl.1..N`) are read before the numbered files
and count toward `log_backups`.

Writing: take an exclusive `flock` on `events.jsonl.lock` (the same file and the same kind of
lock as the `filelock` package's `UnixFileLock`, so a tool that uses `filelock` on that path
is serialized with us), read where the chain stands (the end of the newest file, see
`auditchain`), start the next file if this line would not fit, and append the line in one
`write`. Every line is therefore whole, lines never interleave, and each line is chained to
the one before it, whatever the number of concurrent hook calls. The lock file then holds
`<seq> <hash>` of the line just written: a second witness of where the chain stands (a log
cut short behind our back shows as missing lines, not as a chain that quietly goes on), and
the sign of progress that waiters watch.

Bounds: a line is at most LINE_MAX_BYTES; a record over that is cut (`auditcap`, which says
what was cut). A lock that does not move (see `_flock_patiently`) does not cost the line: it
is appended without the lock, still in one `O_APPEND` write (which the kernel keeps whole),
marked `unlocked` in its chain, and the caller is told so. Only starting a new file is
skipped then. With `deadline` (a `time.monotonic()` value shared by every wait of one hook
call), a lock that shows no progress is given up once the deadline has passed, so locks held
on purpose cost a call about that long once, not once per lock.

Reading (for `logs` and `status`): every file, oldest to newest, read under a shared lock so
that no file is started or deleted halfway through; a torn or non-JSON line is skipped and
counted, never fatal.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time

from . import auditchain, jsonio
from .files import NotRegularFile, make_private_dirs, open_regular, write_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

LOCK_SUFFIX = ".lock"
FILE_MODE = 0o600
# Read as well as append: a file another writer created meanwhile may end in a torn line,
# which the next line must not be glued to (checked with pread on this descriptor).
_APPEND_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT
# A whole line, chain and newline included. Big enough for any ordinary call (about 2 KiB),
# small enough that a burst of giant calls cannot rotate the evidence out of a 10 MiB x 3 log
# in a few dozen calls (it takes 640 of the largest lines).
LINE_MAX_BYTES = 65536
# The end of a file read to find where the chain stands: more than a chain object.
TAIL_BYTES = 2 * auditchain.MAX_CHAIN_BYTES
# Numbered files: <stem>-<number><suffix>, e.g. events-00000012.jsonl.
NUMBER_DIGITS = 8


# Waiting for the log lock: many hooks at once (500 on 2 cores in the load test) can queue
# for seconds, and that is progress; a lock held by a stuck process is not. Progress is the
# lock file's content changing (every writer holding the lock writes its line's seq and hash
# there; a line appended without the lock does not count). Without a deadline, the wait is
# cut when nothing moved for LOCK_STALL_SECONDS, or after LOCK_WAIT_SECONDS in all (the
# registered hook timeout is 30 s). With the hook call's deadline: a lock that does not move
# until the deadline (or, reached after it, for MIN_STALL_SECONDS) is given up, and a queue
# that moves is waited for at most LOCK_STALL_SECONDS beyond the deadline (a process that
# fakes progress by writing the lock file cannot hold the call longer). On a machine that
# busy, a holder can also sit unscheduled for that long: which is why a cut wait still writes
# the line.
LOCK_STALL_SECONDS = 2.0
MIN_STALL_SECONDS = 0.5
LOCK_WAIT_SECONDS = 20.0


def _open_regular(path: str, flags: int) -> int:
    """Open `path` without blocking (a FIFO planted there must not hang the hook), without
    following a symlink (one planted at a log file's path must not redirect our writes
    elsewhere), and check it is a regular file (NotRegularFile otherwise)."""
    return open_regular(path, flags, FILE_MODE, blocking=True)


class LockStalled(OSError):
    """The log lock is held by a process that has not written for LOCK_STALL_SECONDS."""


class _LockAlarm(Exception):
    """Raised by the SIGALRM handler to interrupt a blocking flock."""


# Whether a SIGALRM now means "stop waiting for the lock". The timer can run out just as
# the lock is taken; the alarm is then handled a few instructions later, and must not cut
# whatever runs by then (it made a call under heavy load fail with an internal error).
_WAITING = [False]


def _on_alarm(signum, frame):
    if _WAITING[0]:
        raise _LockAlarm()


def _progress_mark(lock_fd: int) -> bytes | None:
    try:
        return os.pread(lock_fd, 128, 0)
    except OSError:
        return None


def _flock_patiently(fd: int, mode: int, lock_path: str, deadline: float | None) -> None:
    """Block on flock, checking at the end of each window that the lock still moves."""
    import _signal

    try:
        previous = _signal.signal(_signal.SIGALRM, _on_alarm)
    except (ValueError, OSError):  # not the main thread: wait without a timer (tests only)
        fcntl.flock(fd, mode)
        return
    now = time.monotonic()
    give_up_at = now + LOCK_WAIT_SECONDS
    window = LOCK_STALL_SECONDS
    if deadline is not None:
        give_up_at = min(give_up_at, max(deadline, now) + LOCK_STALL_SECONDS)
        window = max(deadline - now, MIN_STALL_SECONDS)
    mark = _progress_mark(fd)
    try:
        while True:
            _WAITING[0] = True
            _signal.setitimer(_signal.ITIMER_REAL, window)
            try:
                fcntl.flock(fd, mode)
                return
            except _LockAlarm:
                now_mark = _progress_mark(fd)
                if now_mark == mark:
                    raise LockStalled(f"{lock_path} is held by another process that has "
                                      f"not written for {window:.1f} s") from None
                left = give_up_at - time.monotonic()
                if left <= 0:
                    raise LockStalled(f"{lock_path} stayed busy past this call's time for "
                                      f"waiting") from None
                mark = now_mark
                window = max(min(LOCK_STALL_SECONDS, left), MIN_STALL_SECONDS)
            finally:
                _WAITING[0] = False
                _signal.setitimer(_signal.ITIMER_REAL, 0)
    finally:
        _signal.signal(_signal.SIGALRM, previous)


def _lock(log_file: str, exclusive: bool, deadline: float | None = None) -> int:
    """Open the lock file next to `log_file` and flock it; returns the descriptor (closing it
    releases the lock). A lock held by a stuck process is an OSError, not a hang."""
    lock_path = log_file + LOCK_SUFFIX
    fd = _open_regular(lock_path, os.O_RDWR | os.O_CREAT)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)  # the usual case: nobody else is writing
        except BlockingIOError:
            _flock_patiently(fd, mode, lock_path, deadline)
    except _LockAlarm:  # the timer ran out as the wait ended: count it as stalled
        os.close(fd)
        raise LockStalled(f"{lock_path} was still held when this call's wait ran out") from None
    except BaseException:
        os.close(fd)
        raise
    return fd


# The files of a log ---------------------------------------------------------------------

def _stem_suffix(log_file: str) -> tuple[str, str]:
    base = os.path.basename(log_file)
    stem, dot, suffix = base.rpartition(".")
    return (stem, "." + suffix) if dot and stem else (base, "")


def numbered_path(log_file: str, number: int) -> str:
    """The path of file `number` of the log configured as `log_file`."""
    stem, suffix = _stem_suffix(log_file)
    return os.path.join(os.path.dirname(log_file),
                        f"{stem}-{number:0{NUMBER_DIGITS}d}{suffix}")


def _numbers(log_file: str, names: list[str]) -> list[int]:
    """The numbers of the numbered files among `names`, ascending."""
    stem, suffix = _stem_suffix(log_file)
    prefix = stem + "-"
    found = []
    for name in names:
        if name.startswith(prefix) and name.endswith(suffix):
            digits = name[len(prefix):len(name) - len(suffix)]
            if digits.isdigit() and digits.isascii():
                found.append(int(digits))
    return sorted(found)


def _list(folder: str) -> list[str]:
    try:
        return os.listdir(folder or ".")
    except OSError:
        return []


def rotated_files(log_file: str) -> list[str]:
    """The rotated files of older versions that exist (`events.jsonl.<n>`), oldest (highest
    n) first."""
    folder, base = os.path.split(log_file)
    prefix = base + "."
    numbered = []
    for name in _list(folder):
        suffix = name[len(prefix):]
        if name.startswith(prefix) and suffix.isdigit() and suffix.isascii():
            numbered.append((int(suffix), os.path.join(folder, name)))
    return [path for _, path in sorted(numbered, reverse=True)]


def _legacy_live(log_file: str) -> list[str]:
    """`events.jsonl` when it is a file of an older version (not our symbolic link)."""
    try:
        return [log_file] if stat.S_ISREG(os.lstat(log_file).st_mode) else []
    except OSError:
        return []


def numbered(log_file: str) -> list[tuple[int, str]]:
    """(number, path) of the numbered files that exist, oldest first."""
    folder = os.path.dirname(log_file)
    return [(n, numbered_path(log_file, n)) for n in _numbers(log_file, _list(folder))]


def numbered_files(log_file: str) -> list[str]:
    """The numbered files that exist, oldest first."""
    return [path for _, path in numbered(log_file)]


def log_files(log_file: str) -> list[str]:
    """Every file of the log that exists, oldest first: an older version's files, then the
    numbered files."""
    return rotated_files(log_file) + _legacy_live(log_file) + numbered_files(log_file)


# Writing ----------------------------------------------------------------------------------

def _read_tail(path_or_fd, size: int | None = None) -> bytes:
    """The last TAIL_BYTES of a file (an open descriptor with its size, or a path)."""
    if isinstance(path_or_fd, int):
        return os.pread(path_or_fd, TAIL_BYTES, max(0, size - TAIL_BYTES)) if size else b""
    try:
        fd = _open_regular(path_or_fd, os.O_RDONLY)
    except OSError:
        return b""
    try:
        return _read_tail(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def _earlier_tail(log_file: str, numbers: list[int]) -> bytes:
    """The end of the newest non-empty file before the newest numbered one (its chain
    continues into the next file)."""
    candidates = [numbered_path(log_file, n) for n in reversed(numbers[:-1])]
    candidates += list(reversed(rotated_files(log_file) + _legacy_live(log_file)))
    for path in candidates[:3]:
        tail = _read_tail(path)
        if tail:
            return tail
    return b""


def _lock_head(lock_fd: int | None) -> auditchain.Link | None:
    """Where the lock file says the chain stands: `<seq> <hash>` of the last locked line."""
    if lock_fd is None:
        return None
    try:
        data = os.pread(lock_fd, 128, 0)
    except OSError:
        return None
    seq, _, digest = data.partition(b"\n")[0].partition(b" ")
    if not seq.isdigit() or len(seq) > 20 or len(digest) != auditchain.HASH_HEX:
        return None
    try:
        return auditchain.Link(int(seq), digest.decode("ascii"))
    except UnicodeDecodeError:
        return None


def _chain_position(tail: bytes, lock_fd: int | None):
    """(link to follow, or None; why a chain starts when it is None). Of the log's own last
    line and the lock file's record, the further one wins: the log is ahead after lines
    appended without the lock; the lock is ahead when lines were cut from the log."""
    link = auditchain.last_link(tail) if tail else None
    witness = _lock_head(lock_fd)
    if witness is not None and (link is None or witness.seq > link.seq):
        link = witness
    if link is not None:
        return link, ""
    return None, auditchain.UNREADABLE if tail else auditchain.NEW


def _start_file(log_file: str, number: int, numbers: list[int], backups: int) -> int:
    """Create numbered file `number`, point the `events.jsonl` link at it and delete the
    oldest files beyond `backups`; returns the new file's descriptor. Caller holds the lock."""
    fd = _open_regular(numbered_path(log_file, number), _APPEND_FLAGS)
    try:
        _point_link(log_file, number)
        old = rotated_files(log_file) + _legacy_live(log_file)
        old += [numbered_path(log_file, n) for n in numbers if n != number]
        for path in old[:max(0, len(old) - backups)]:
            try:
                os.unlink(path)
            except OSError:
                pass  # already gone, or an append-only folder: its owner rotates
    except BaseException:
        os.close(fd)
        raise
    return fd


def _point_link(log_file: str, number: int) -> None:
    """Make `events.jsonl` a symbolic link to file `number`. An older version's
    `events.jsonl` becomes `events.jsonl.0` first (its lines stay in the log). Failures are
    ignored: the link is for people; the hook never follows it."""
    target = os.path.basename(numbered_path(log_file, number))
    temporary = f"{log_file}.{os.getpid()}.link"
    try:
        if _legacy_live(log_file) and not os.path.lexists(log_file + ".0"):
            os.rename(log_file, log_file + ".0")
        if _legacy_live(log_file):
            return
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        os.symlink(target, temporary)
        os.replace(temporary, log_file)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _first_file(log_file: str, numbers: list[int], backups: int, locked: bool) -> int:
    """The file to write when there is no numbered file yet: the first one; or, in a folder
    the hook may not create files in (the hardened install provisions one append-only
    `events.jsonl` per user and rotates it as root), the provisioned `events.jsonl`."""
    try:
        if locked:
            return _start_file(log_file, 1, numbers, backups)
        return _open_regular(numbered_path(log_file, 1), _APPEND_FLAGS)
    except PermissionError:
        if not _legacy_live(log_file):
            raise
    return _open_regular(log_file, os.O_RDWR | os.O_APPEND)


def _append_chained(log_file: str, body: bytes, max_bytes: int, backups: int,
                    lock_fd: int | None) -> auditchain.Link:
    """Seal `body` after the last line of the log and append it to the newest file, starting
    the next file first if it would not fit (only with the lock: `lock_fd` set)."""
    numbers = _numbers(log_file, _list(os.path.dirname(log_file)))
    fd = size = None
    try:
        if numbers:
            fd = _open_regular(numbered_path(log_file, numbers[-1]),
                               os.O_RDWR | os.O_APPEND | os.O_CREAT)
            size = os.fstat(fd).st_size
        tail = _read_tail(fd, size) if size else _earlier_tail(log_file, numbers)
        prev, start = _chain_position(tail, lock_fd)
        line, link = auditchain.seal(body, prev, start, unlocked=lock_fd is None)
        if size and not tail.endswith(b"\n"):
            line = b"\n" + line  # a torn last line stays a line of its own
        if fd is None:
            fd = _first_file(log_file, numbers, backups, locked=lock_fd is not None)
            end = os.fstat(fd).st_size  # the provisioned file may hold a torn line
            if end and os.pread(fd, 1, end - 1) != b"\n":
                line = b"\n" + line
        elif lock_fd is not None and max_bytes > 0 and size and size + len(line) > max_bytes:
            os.close(fd)
            fd = None
            line = line.lstrip(b"\n")
            fd = _start_file(log_file, numbers[-1] + 1, numbers, backups)
        write_all(fd, line)
    finally:
        if fd is not None:
            os.close(fd)
    return link


def append_line(log_file: str, body: bytes, max_bytes: int, backups: int,
                deadline: float | None = None) -> str | None:
    """Append the record `body` (one JSON object; a trailing newline is ignored), chained,
    to the log configured as `log_file`. Returns None, or a notice when the lock was stuck
    and the line went in without it. Raises OSError when the log cannot be written."""
    body = body.rstrip(b"\n")
    if not (body.startswith(b"{") and body.endswith(b"}")):
        raise ValueError("an audit line must be one JSON object")
    make_private_dirs(os.path.dirname(log_file))
    try:
        lock_fd = _lock(log_file, exclusive=True, deadline=deadline)
    except LockStalled as stalled:
        _append_chained(log_file, body, 0, 0, None)
        return f"{stalled}: the audit line was appended without the lock"
    try:
        link = _append_chained(log_file, body, max_bytes, backups, lock_fd)
        try:
            os.pwrite(lock_fd, b"%d %s\n" % (link.seq, link.digest.encode("ascii")), 0)
        except OSError:
            pass  # a read-only lock file: the chain still holds, waiters see less progress
    finally:
        os.close(lock_fd)
    return None


def append(cfg, record: dict, deadline: float | None = None) -> str | None:
    """Write `record` as one line of the audit log of configuration `cfg`; returns a notice
    for the user, if any (see `append_line`). A record over the line budget is cut, saying
    what was cut (`auditcap`). `deadline`: see the module docstring (None: no deadline, a
    stuck lock is given up after LOCK_STALL_SECONDS). Every failure, including a record that
    cannot be serialized, is an OSError: the caller's verdict stands and the failure is
    reported, whatever went wrong with the log."""
    budget = LINE_MAX_BYTES - auditchain.MAX_CHAIN_BYTES
    try:
        text = jsonio.dumps(record)
        if len(text) > budget:
            from . import auditcap

            text = auditcap.fit(record, budget)
    except (TypeError, ValueError, RecursionError) as e:
        raise OSError(f"the audit record cannot be written as JSON: {e}") from None
    return append_line(cfg.log_file, text.encode("ascii"), cfg.log_max_bytes,
                       cfg.log_backups, deadline)


# Reading -----------------------------------------------------------------------------------

def parse_line(raw: bytes):
    """The record on one log line, or None when the line is torn, not JSON or not an object."""
    try:
        value = jsonio.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def open_for_reading(path: str):
    """A binary file object for one file of the log; a FIFO or device planted under a log
    name is an OSError, not a hang."""
    return os.fdopen(_open_regular(path, os.O_RDONLY), "rb")


def read_file(path: str) -> bytes:
    with open_for_reading(path) as f:
        return f.read()


def snapshot(log_file: str) -> list[tuple[str, bytes]]:
    """(path, bytes) of every file of the log, oldest first, read under a shared lock (a
    consistent cut: no line is appended and no file started or deleted while we read)."""
    if not os.path.isdir(os.path.dirname(log_file) or "."):
        return []
    try:
        lock_fd = _lock(log_file, exclusive=False)
    except OSError:
        lock_fd = None  # read-only log folder: read without the lock rather than not at all
    try:
        blobs = []
        for path in log_files(log_file):
            try:
                blobs.append((path, read_file(path)))
            except (FileNotFoundError, NotRegularFile):
                continue  # gone since the listing, or planted there: not part of the log
        return blobs
    finally:
        if lock_fd is not None:
            os.close(lock_fd)


class LogReader:
    """Records of the whole log, oldest to newest. `skipped` counts the lines that were not
    a JSON object (a torn write, a stray edit); they never stop the reading."""

    def __init__(self, log_file: str) -> None:
        self.log_file = log_file
        self.skipped = 0

    def _snapshot(self) -> list[bytes]:
        return [blob for _, blob in snapshot(self.log_file)]

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
