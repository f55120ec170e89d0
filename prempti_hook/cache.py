"""The precompiled rule cache: load it fast, rebuild it safely.

Hot path: list the rules files, stat them, open `cache/ruleset.cache`, check it is the
file we wrote, compare its header (a fingerprint of every rules file, the engine code and
the Python version), and read the index of the stored ruleset (`falco.stored`); the rules
that can apply to the call's tool are read when it is matched. Nothing here imports yaml,
pyparsing, pickle or the rule compiler on that path.

Cold path (rules changed, cache missing, corrupt, foreign): take `cache/rebuild.lock`
(other hook processes starting at the same moment wait for it and then use the new cache),
compile, write the cache atomically (temporary file + rename) and keep a copy as
`last-good.cache`. When the rules do not compile, the hook keeps enforcing the last good
ruleset (and says so); the failure is remembered in `failed.txt` under the same fingerprint
so that every following call does not pay for a doomed recompile. Waiting for the lock is
bounded by the call's deadline (`deadline`, a `time.monotonic()` value shared with the
audit log's lock): a lock held past it costs the call no more; the last good ruleset (or,
without one, a compile in this process) is used, and the user is told.

The lock is a `flock` on `rebuild.lock`, taken two ways that exclude each other (both are
flock on the same file): a hook call (one passes `deadline`) takes it with `fcntl` directly,
because importing `filelock` would cost every hook call that rebuilds ~50 ms; the commands
(`--check` refreshes the cache: no `deadline`) take it with `filelock`.

Reading the cache runs code, so a cache file is used only when it is the very file this
code wrote: a regular file we own that nobody else can write, with one name (a hard link
would let it be changed through another name: the hook fails closed and says how to fix
it), matching the identity recorded when it was written (`integrity`: a file changed since
then is rebuilt, and the user told). A cache folder writable by others is not used at all.
The system install's cache is compiled by root and read by every user: files owned by root
are trusted as well.

A managed policy (`config.py`) that is expected but cannot be used fails every call closed
(RulesUnavailable); its rules are compiled as a layer of their own, apart from the others,
and then matched with them, first.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from . import __version__, integrity, rulefiles, running_zipapp
from .files import NotRegularFile, open_regular, read_all, unlink_quietly, write_atomic

CACHE_FORMAT = 2
MAGIC = b"prempti-hook cache %d\n" % CACHE_FORMAT
RULESET_FILE = "ruleset.cache"
LAST_GOOD_FILE = "last-good.cache"
FAILED_FILE = "failed.txt"
LOCK_FILE = "rebuild.lock"
FORMER_FILES = ("ruleset.pickle", "last-good.pickle")  # the cache of 0.1.0
# Waiting for another process's rebuild: until the call's deadline (LOCK_DEADLINE_SECONDS
# from now when the caller gives none); past it only while the holder is a live process
# using CPU (a compile under heavy load), and never past LOCK_WAIT_SECONDS in all.
LOCK_DEADLINE_SECONDS = 2.0
LOCK_WAIT_SECONDS = 20.0
HEAD_BYTES = 1 << 14  # the first read: the header and, usually, the ruleset's index
CHECK_HINT = "run `prempti-hook --check` to see the error with file, line and column"

# What identifies the engine code: in the zipapp, its build id (no file to read); in a
# development checkout, the modules whose code shapes the compiled ruleset (editing one
# invalidates the cache).
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_ENGINE_DIRS = ("falco", os.path.join("falco", "loader"), "event_source")


class RulesUnavailable(Exception):
    """No ruleset can be enforced: the rules do not compile and no good cache exists."""


class CacheProblem(Exception):
    """The cache folder or file cannot be trusted or used; the message says how to fix it."""


class Loaded:
    """A ruleset ready to match, and what the user must be told about how it was obtained."""

    __slots__ = ("from_cache", "notices", "ruleset")

    def __init__(self, ruleset, notices: list[str], from_cache: bool) -> None:
        self.ruleset = ruleset
        self.notices = notices
        self.from_cache = from_cache


# Fingerprints ------------------------------------------------------------------------------

def _stat_entry(path: str, linked: list[str] | None = None) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}\0missing"
    if st.st_nlink > 1 and linked is not None and stat.S_ISREG(st.st_mode):
        linked.append(integrity.linked_message("rules file", path, st.st_nlink))
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def engine_stamp() -> str:
    """What the compiled form depends on besides the rules: versions and engine code."""
    parts = [__version__, str(CACHE_FORMAT), sys.version]
    zipapp = running_zipapp()
    if zipapp is not None:
        return "\n".join([*parts, "build " + zipapp.build_id])
    for sub in _ENGINE_DIRS:
        folder = os.path.join(_PACKAGE, sub)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
        except OSError:
            continue
        parts.extend(_stat_entry(os.path.join(folder, n)) for n in names)
    return "\n".join(parts)


def fingerprint(files: list[str], linked: list[str] | None = None) -> bytes:
    """The cache header for these rules files: any added, removed, renamed or edited file,
    or any engine change, gives a different fingerprint. A rules file with more than one
    name is reported in `linked`."""
    text = engine_stamp() + "\n--\n" + "\n".join(_stat_entry(p, linked) for p in files)
    return MAGIC + text.encode("utf-8", "surrogateescape").replace(b"\n", b"\x1f") + b"\n"


# Safe file access --------------------------------------------------------------------------

def _check_private(st, what: str, path: str) -> None:
    if st.st_uid not in (os.geteuid(), 0):
        raise CacheProblem(f"{what} {path} is not owned by you (uid {st.st_uid}); not using "
                           f"it. Fix: remove it, prempti-hook recreates it")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheProblem(f"{what} {path} is writable by group or others; not using it. "
                           f"Fix: chmod go-w {path} (or remove it)")


def ensure_cache_dir(path: str) -> None:
    """Create the cache folder (0700) if needed and check it can be trusted."""
    try:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            os.makedirs(path, mode=0o700, exist_ok=True)
            st = os.stat(path)
    except OSError as e:
        raise CacheProblem(f"cache folder {path} is not usable: {e.strerror or e}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise CacheProblem(f"cache folder {path} is not usable: it is not a folder")
    _check_private(st, "cache folder", path)


def open_ours(path: str, seen: list[str] | None = None) -> int | None:
    """An open descriptor on the cache file `path` if it is the file we wrote (see the
    module docstring); None when it does not exist or no longer matches its record (a
    record that exists and differs is reported in `seen`: someone changed the file).
    Raises CacheProblem for a file that is not ours to read, and RulesUnavailable for one
    with another name (a hard link): the hook fails closed on that."""
    try:
        # Not blocking: a FIFO planted at the cache's path must not hang the hook on open.
        fd = open_regular(path)
    except FileNotFoundError:
        return None
    except NotRegularFile:
        raise CacheProblem(f"cache file {path} is not a regular file") from None
    except OSError as e:
        raise CacheProblem(f"cache file {path} cannot be read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        _check_private(st, "cache file", path)
        if st.st_nlink > 1:
            raise RulesUnavailable(integrity.linked_message(
                "the rule cache", path, st.st_nlink,
                f"delete {path} and its other names (find them with: find / -xdev "
                f"-samefile {path}); prempti-hook rebuilds it"))
        record = integrity.recorded(path)
        if record != integrity.identity(st):
            if record is not None and seen is not None:
                _tell(seen, f"the rule cache {path} was changed since prempti-hook wrote it; "
                            f"not using it (rebuilt from the rules)")
            os.close(fd)
            return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _tell(notices: list[str], text: str) -> None:
    if text not in notices:
        notices.append(text)


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


def _stored_ruleset(fd: int, header: bytes | None):
    """The ruleset stored in `fd` after `header` (None: any header written by this engine),
    or None when the file is stale, foreign or damaged. Takes ownership of `fd`."""
    try:
        head = os.pread(fd, HEAD_BYTES, 0)
        if header is None:
            header = _engine_header(head)
        elif len(head) < len(header) + 16 and len(head) == HEAD_BYTES:
            head = os.pread(fd, len(header) + HEAD_BYTES, 0)
        if header is None or not head.startswith(header):
            os.close(fd)
            return None
        from .falco.stored import StoredRuleset

        return StoredRuleset(fd, len(header), head[len(header):])
    except (ValueError, EOFError, OSError, TypeError, KeyError, IndexError):
        os.close(fd)
        return None


def _engine_header(head: bytes) -> bytes | None:
    """The header at the start of `head` if this engine wrote it (whatever the rules)."""
    if not head.startswith(MAGIC):
        return None
    newline = head.find(b"\n", len(MAGIC))
    stamp = engine_stamp().encode("utf-8", "surrogateescape").replace(b"\n", b"\x1f")
    if newline < 0 or not head[len(MAGIC):newline].startswith(stamp + b"\x1f--\x1f"):
        return None
    return head[:newline + 1]


def _read_ruleset(path: str, header: bytes | None, notices: list[str],
                  seen: list[str] | None = None):
    """The ruleset cached in `path` for `header` (None: any rules), or None. A file we must
    not trust is reported in `notices` and treated as absent (the rebuild replaces it)."""
    try:
        fd = open_ours(path, seen)
    except CacheProblem as problem:
        _tell(notices, str(problem))
        return None
    return None if fd is None else _stored_ruleset(fd, header)


# Compiling ---------------------------------------------------------------------------------

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
    others = [path for path in files if path not in managed]
    if not others and not managed:
        return None, "no rules files found (nothing would be enforced)"
    if not managed:
        ruleset, error, _ = _compile_layer(others)
        return ruleset, error
    policy, error, reserved = _compile_layer(list(managed))
    if error:
        return None, f"the managed policy does not compile: {error}"
    rest, error, _ = _compile_layer(others, reserved)
    if error:
        return None, error
    # Each compiled rule carries its own condition (lists and macros already resolved in its
    # layer), so the two layers match as one ruleset, the managed rules first.
    from .event_source import fields
    from .falco.ruleset import Ruleset

    return Ruleset.build([*policy.rules, *rest.rules], fields.INDEX_FIELD), None


def _compile(files: list[str], managed):
    """compile_rules, with the managed layer only when there is one."""
    return compile_rules(files, managed) if managed else compile_rules(files)


def _compile_layer(files: list[str], reserved: dict | None = None):
    """(ruleset, None, names it defines) or (None, error text, {})."""
    from .event_source import fields
    from .falco.loader import load as load_rules
    from .falco.ruleset import Ruleset

    try:
        texts = read_rules_texts(files)
    except FileNotFoundError as e:
        return None, f"rules file not found: {e.filename}", {}
    except (OSError, UnicodeDecodeError) as e:
        return None, f"cannot read rules: {e}", {}
    result = load_rules(texts, {fields.SOURCE: fields.table()}, reserved=reserved)
    if not result.successful:
        first = result.errors[0]
        return None, first.one_line(), {}
    ruleset = result.rulesets.get(fields.SOURCE)
    if ruleset is None:
        ruleset = Ruleset.build([], fields.INDEX_FIELD)
    return ruleset, None, defined_names(result)


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


# The hot-path entry point ------------------------------------------------------------------

def load(cfg, deadline: float | None = None) -> Loaded:
    """The ruleset to enforce for configuration `cfg` (see the module docstring).
    `deadline` (`time.monotonic()`) bounds the wait for a lock held by another process;
    the hook passes one, the commands do not (see the module docstring on the lock).

    Raises RulesUnavailable when nothing can be enforced, or when a rules or cache file has
    another name (a hard link)."""
    problems = cfg.managed_problems
    if problems:
        raise RulesUnavailable(f"the managed policy cannot be used: {'; '.join(problems)}. "
                               f"Every call is blocked until an administrator fixes it")
    managed = rulefiles.managed_files(cfg)
    try:
        files = rulefiles.rules_files(cfg)
    except OSError as e:
        raise RulesUnavailable(f"the rules embedded in the zipapp cannot be used: {e}") from None
    linked: list[str] = []
    header = fingerprint(files, linked)
    if linked:
        raise RulesUnavailable("; ".join(linked))
    on_hook_call = deadline is not None
    if deadline is None:
        deadline = time.monotonic() + LOCK_DEADLINE_SECONDS
    cache_dir = cfg.cache_dir
    notices: list[str] = []
    try:
        ensure_cache_dir(cache_dir)
        ruleset = _read_ruleset(os.path.join(cache_dir, RULESET_FILE), header, notices)
        if ruleset is not None:
            return Loaded(ruleset, notices, True)
        loaded = _rebuild(cache_dir, files, header, notices, deadline, managed, on_hook_call)
        loaded.notices[:0] = notices
        return loaded
    except CacheProblem as problem:
        notices.append(str(problem))
    # The cache cannot be trusted: compile in this process and use the result directly.
    ruleset, error = _compile(files, managed)
    if ruleset is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; {CHECK_HINT}")
    return Loaded(ruleset, notices, False)


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
    ruleset, error = _compile(files, managed)
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


def _rebuild(cache_dir: str, files: list[str], header: bytes, seen: list[str],
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
    ruleset, error = _compile(files, managed)
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
