"""Rebuilding the rule cache (the cold path of `cache.load`, imported only when the cache is
not fresh, and by the commands): compile the rules, take the rebuild lock, write the cache
and the last good copy, remember a failure, fall back to the last good ruleset, and
describe the cache for `status`. See `cache` for what is guaranteed and why.
"""

from __future__ import annotations

import os
import stat
import time

from . import integrity, rulefiles, running_zipapp
from .cache import (
    CHECK_HINT,
    FAILED_FILE,
    FORMER_FILES,
    LAST_GOOD_FILE,
    LOCK_FILE,
    LOCK_WAIT_SECONDS,
    RULESET_FILE,
    CacheProblem,
    Loaded,
    RulesUnavailable,
    _read_ruleset,
    ensure_cache_dir,
    fingerprint,
    open_ours,
)
from .files import open_regular, read_all, unlink_quietly, write_atomic


def read_ours(path: str, seen: list[str] | None = None) -> bytes | None:
    """The bytes of a small cache file we wrote (see `open_ours`), or None."""
    fd = open_ours(path, seen)
    if fd is None:
        return None
    try:
        return read_all(fd)
    finally:
        os.close(fd)


def write_ours(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write a cache file atomically and record its identity."""
    write_atomic(path, data, mode)
    integrity.write_record(path)


def _file_mark(path: str):
    """What changes when a file is replaced or rewritten (None when it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_rules_texts(files: list[str]) -> list[tuple[str, str]]:
    """(name, text) of each rules file; OSError/UnicodeDecodeError propagate. A path that is
    not a regular file (a FIFO would block the hook forever) is an OSError."""
    texts = []
    zipapp = running_zipapp()
    for path in files:
        fd = open_regular(path, follow=True)  # a FIFO would block the hook forever
        try:
            data = read_all(fd)
        finally:
            os.close(fd)
        # The zipapp's embedded rules are checked against the build before they are used.
        problem = zipapp.verify_extracted(path, data) if zipapp is not None else None
        if problem is not None:
            raise OSError(problem)
        texts.append((path, data.decode("utf-8")))
    return texts


def compile_rules(files: list[str], managed: list[str] | tuple = ()):
    """Compile the rules files into the coding_agent Ruleset. The files in `managed` (the
    managed policy's, first in `files`) are compiled apart, as a layer the others cannot
    touch, and their compiled rules come first in the one ruleset returned.

    Returns (ruleset, None) or (None, error text)."""
    from .event_source import fields
    from .falco.ruleset import Ruleset

    others = [path for path in files if path not in managed]
    if not others and not managed:
        return None, "no rules files found (nothing would be enforced)"
    policy: list = []
    reserved = None
    if managed:
        policy, error, reserved = _compile_layer(list(managed))
        if error:
            return None, f"the managed policy does not compile: {error}"
    rest, error, _ = _compile_layer(others, reserved)
    if error:
        return None, error
    # Each compiled rule carries its own condition (lists and macros already resolved in its
    # layer), so the two layers match as one ruleset, the managed rules first.
    return Ruleset.build([*policy, *rest], fields.INDEX_FIELD), None


def _compile_layer(files: list[str], reserved: dict | None = None):
    """(the layer's runtime rules, None, names it defines) or (None, error text, {}).
    The loader compiles as few times as give Falco's result (its warnings are not used
    here); errors are Falco's."""
    from .event_source import fields
    from .falco.loader import load as load_rules
    from .falco.loader import runtime_rules

    if not files:
        return [], None, {}
    try:
        texts = read_rules_texts(files)
    except FileNotFoundError as e:
        return None, f"rules file not found: {e.filename}", {}
    except (OSError, UnicodeDecodeError) as e:
        return None, f"cannot read rules: {e}", {}
    result = load_rules(texts, {fields.SOURCE: fields.table()}, build=False,
                        compile_each_file=False, reserved=reserved)
    if not result.successful:
        first = result.errors[0]
        return None, first.one_line(), {}
    return runtime_rules(result, fields.SOURCE), None, defined_names(result)


def defined_names(result) -> dict:
    """(kind, name) -> the file that defines it, for every list, macro and rule loaded."""
    collector = result.collector
    names: dict = {}
    for kind, table in (("list", collector.lists), ("macro", collector.macros),
                        ("rule", collector.rules)):
        for name, info in table.items():
            where = info.ctx[0].file if getattr(info, "ctx", None) else "?"
            names[(kind, name)] = where
    return names


def _failed_marker(header: bytes, error: str) -> bytes:
    return header + error.encode("utf-8", "replace")


def _read_last_good(cache_dir: str):
    """(the last ruleset that compiled, when) or None."""
    path = os.path.join(cache_dir, LAST_GOOD_FILE)
    ruleset = _read_ruleset(path, None, [])
    if ruleset is None:
        return None
    try:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(path).st_mtime))
    except OSError:
        when = "earlier"
    return ruleset, when


def _last_good(cache_dir: str, error: str) -> Loaded:
    """The last ruleset that compiled, with a notice saying why it is in force."""
    found = _read_last_good(cache_dir)
    if found is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; no earlier rules to fall "
                               f"back to; {CHECK_HINT}")
    ruleset, when = found
    return Loaded(ruleset, [f"the rules do not compile ({error}); still enforcing the last "
                            f"rules that compiled ({when}); {CHECK_HINT}"], True)


def _lock_held_too_long(cache_dir: str, files: list[str], lock_path: str,
                        managed: list[str] | tuple = ()) -> Loaded:
    """The lock was not ours in time: this call uses the last good rules (or compiles its
    own, without writing), and the user is told, since these may be older than the files."""
    why = (f"{lock_path} has been held by another process for longer than a hook call waits "
           f"(if no prempti-hook is running, delete it)")
    found = _read_last_good(cache_dir)
    if found is not None:
        ruleset, when = found
        return Loaded(ruleset, [f"{why}; this call used the last rules that compiled "
                                f"({when})"], True)
    ruleset, error = compile_rules(files, managed)
    if ruleset is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; {CHECK_HINT}")
    return Loaded(ruleset, [f"{why}; this call compiled the rules for itself"], False)


def _cpu_ticks(pid: int):
    """CPU time used so far by process `pid` (clock ticks), or None if it is gone or this
    system has no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


class _Holder:
    """Whether the process holding the rebuild lock (it writes its pid into the lock file)
    is a live process using CPU, sampled at most every half second."""

    def __init__(self, lock_fd: int) -> None:
        self.lock_fd = lock_fd
        self.sample = None
        self.sampled_at = 0.0
        self.busy = True

    def working(self, now: float) -> bool:
        if now - self.sampled_at < 0.5:
            return self.busy
        try:
            pid = int(os.pread(self.lock_fd, 32, 0).split()[0])
        except (OSError, ValueError, IndexError):
            # Emptied since: filelock before 3.20 (the one bundled for Python 3.9) opens the
            # lock file with O_TRUNC at each try of a waiting command. Keep the pid we saw.
            pid = self.sample[0] if self.sample is not None else None
        sample = (pid, _cpu_ticks(pid) if pid else None)
        self.busy = sample[1] is not None and (self.sample is None or sample != self.sample)
        self.sample, self.sampled_at = sample, now
        return self.busy


class _FcntlLock:
    """The rebuild lock as a hook call takes it: flock on the descriptor we opened."""

    def __init__(self, lock_fd: int, lock_path: str) -> None:
        self.fd = lock_fd

    def try_acquire(self) -> bool:
        import fcntl

        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def release(self) -> None:
        pass  # closing the descriptor releases it


class _FileLock:
    """The rebuild lock as the commands take it: `filelock` (flock on Unix, on a descriptor
    of its own), so it excludes the hook calls' `_FcntlLock` on the same file."""

    def __init__(self, lock_fd: int, lock_path: str) -> None:
        import filelock

        self.lock = filelock.FileLock(lock_path)
        self.timeout = filelock.Timeout
        self.held = False

    def try_acquire(self) -> bool:
        try:
            self.lock.acquire(timeout=0)
        except self.timeout:
            return False
        self.held = True
        return True

    def release(self) -> None:
        if self.held:
            self.lock.release()
            self.held = False


def _wait_for_lock(lock, lock_fd: int, ruleset_path: str, header: bytes, seen: list[str],
                   deadline: float):
    """Wait for the rebuild lock (`lock`, see `_FcntlLock`): True once held; a ruleset when
    the holder's result is there first; False when waiting longer would mean waiting for a
    lock held by a process that does not work toward releasing it."""
    give_up = time.monotonic() + LOCK_WAIT_SECONDS
    holder = _Holder(lock_fd)
    seen_file = _file_mark(ruleset_path)
    pause = 0.005
    while True:
        if lock.try_acquire():
            return True
        # Someone else is compiling: once the cache file changes, their result is in place
        # (it is renamed in whole). A stat per wait keeps hundreds of waiting hooks from
        # re-reading an unchanged file.
        mark = _file_mark(ruleset_path)
        if mark != seen_file:
            seen_file = mark
            ruleset = _read_ruleset(ruleset_path, header, seen)
            if ruleset is not None:
                return ruleset
        now = time.monotonic()
        if now >= give_up or (now >= deadline and not holder.working(now)):
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def rebuild(cache_dir: str, files: list[str], header: bytes, seen: list[str],
             deadline: float, managed: list[str] | tuple = (), on_hook_call: bool = True
             ) -> Loaded:
    """Rebuild the cache under the lock, or use what another process just built."""
    ruleset_path = os.path.join(cache_dir, RULESET_FILE)
    failed_path = os.path.join(cache_dir, FAILED_FILE)
    failed = read_ours(failed_path)
    if failed is not None and failed.startswith(header):
        return _last_good(cache_dir, failed[len(header):].decode("utf-8", "replace"))
    lock_path = os.path.join(cache_dir, LOCK_FILE)
    try:
        lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                          0o600)
    except OSError as e:
        raise CacheProblem(f"cannot create {lock_path}: {e.strerror or e}") from None
    try:
        lock = (_FcntlLock if on_hook_call else _FileLock)(lock_fd, lock_path)
    except BaseException:
        os.close(lock_fd)
        raise
    try:
        waited = _wait_for_lock(lock, lock_fd, ruleset_path, header, seen, deadline)
        if waited is False:
            return _lock_held_too_long(cache_dir, files, lock_path, managed)
        if waited is not True:
            return Loaded(waited, [], True)
        try:
            os.ftruncate(lock_fd, 0)
            os.pwrite(lock_fd, b"%d\n" % os.getpid(), 0)  # who works, for the waiters
        except OSError:
            pass
        # We hold the lock: check once more (now reporting a file someone changed), then
        # compile.
        ruleset = _read_ruleset(ruleset_path, header, seen, seen)
        if ruleset is not None:
            return Loaded(ruleset, [], True)
        failed = read_ours(failed_path)
        if failed is not None and failed.startswith(header):
            return _last_good(cache_dir, failed[len(header):].decode("utf-8", "replace"))
        return _compile_and_store(cache_dir, files, header, managed)
    finally:
        lock.release()
        os.close(lock_fd)


def _compile_and_store(cache_dir: str, files: list[str], header: bytes,
                       managed: list[str] | tuple = ()) -> Loaded:
    """Compile (the caller holds the lock) and write the cache, or remember the failure."""
    failed_path = os.path.join(cache_dir, FAILED_FILE)
    ruleset, error = compile_rules(files, managed)
    if ruleset is None:
        try:
            write_ours(failed_path, _failed_marker(header, error))
        except OSError:
            pass  # we will just try again next time
        return _last_good(cache_dir, error)
    notices = []
    try:
        from .falco.storing import dump

        data = header + dump(ruleset)
        mode = _shared_mode(cache_dir)
        write_ours(os.path.join(cache_dir, RULESET_FILE), data, mode)
        write_ours(os.path.join(cache_dir, LAST_GOOD_FILE), data, mode)
        for name in (FAILED_FILE, FAILED_FILE + integrity.RECORD_SUFFIX, *FORMER_FILES):
            unlink_quietly(os.path.join(cache_dir, name))
    except OSError as e:
        notices.append(f"could not write the rule cache in {cache_dir}: "
                       f"{e.strerror or e}; every call recompiles the rules until this "
                       f"is fixed")
    except (TypeError, ValueError) as e:  # a bug: a rule holds what the cache cannot store
        notices.append(f"the rule cache cannot store these rules ({e}); every call "
                       f"recompiles the rules until this is fixed")
    return Loaded(ruleset, notices, False)


def _shared_mode(cache_dir: str) -> int:
    """The system install's cache folder is readable by every user (root compiles, users
    read): what root writes there is readable too (set before the file's identity is
    recorded). A private folder keeps private files."""
    if os.geteuid() == 0 and os.stat(cache_dir).st_mode & stat.S_IROTH:
        return 0o644
    return 0o600


def describe(cfg) -> dict:
    """What `status` shows about the cache: where, fresh or stale, which rules."""
    files = rulefiles.rules_files(cfg)
    header = fingerprint(files)
    path = os.path.join(cfg.cache_dir, RULESET_FILE)
    info: dict = {"path": path, "rules_files": files, "state": "missing", "problem": None}
    changed: list[str] = []
    try:
        ensure_cache_dir(cfg.cache_dir)
        data = read_ours(path, changed)
    except (CacheProblem, RulesUnavailable) as problem:
        info["state"] = "untrusted"
        info["problem"] = str(problem)
        return info
    if changed:
        info["state"] = "untrusted"
        info["problem"] = changed[0]
        return info
    if data is not None:
        info["state"] = "fresh" if data.startswith(header) else "stale"
    try:
        failed = read_ours(os.path.join(cfg.cache_dir, FAILED_FILE))
    except (CacheProblem, RulesUnavailable):
        failed = None
    if failed is not None and failed.startswith(header):
        info["state"] = "broken-rules"
        info["problem"] = failed[len(header):].decode("utf-8", "replace")
    return info

