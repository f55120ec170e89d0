"""The precompiled rule cache: load it fast, rebuild it safely.

Hot path: list the rules files, stat them, open `cache/ruleset.cache`, check it is the
file we wrote, compare its header (a fingerprint of every rules file, the engine code and
the Python version), and read the index of the stored ruleset (`falco.stored`); the rules
that can apply to the call's tool are read when it is matched. Nothing here imports yaml,
pyparsing, pickle or the rule compiler on that path.

Cold path (rules changed, cache missing, corrupt, foreign; `rebuild.py`, imported only
then): take `cache/rebuild.lock` (other hook processes starting at the same moment wait for
it and then use the new cache), compile, write the cache atomically (temporary file +
rename) and keep a copy as `last-good.cache`. When the rules do not compile, the hook keeps
enforcing the last good ruleset (and says so); the failure is remembered in `failed.txt`
under the same fingerprint so that every following call does not pay for a doomed
recompile. Waiting for the lock is bounded by the call's deadline (`deadline`, a
`time.monotonic()` value shared with the audit log's lock): a lock held past it costs the
call no more; the last good ruleset (or, without one, a compile in this process) is used,
and the user is told.

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
from .files import NotRegularFile, open_regular

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
        from .rebuild import rebuild  # the cold path: only when the cache is not fresh

        loaded = rebuild(cache_dir, files, header, notices, deadline, managed, on_hook_call)
        loaded.notices[:0] = notices
        return loaded
    except CacheProblem as problem:
        notices.append(str(problem))
    # The cache cannot be trusted: compile in this process and use the result directly.
    from .rebuild import compile_rules

    ruleset, error = compile_rules(files, managed)
    if ruleset is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; {CHECK_HINT}")
    return Loaded(ruleset, notices, False)
