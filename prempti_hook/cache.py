"""The precompiled rule cache: load it fast, rebuild it safely.

Hot path: list the rules files, stat them, read `cache/ruleset.pickle`, compare its header
(a fingerprint of every rules file, the engine code and the Python version) and unpickle.
Nothing here imports yaml, pyparsing or the `pickle` module on that path.

Cold path (rules changed, cache missing, corrupt, foreign): take `cache/rebuild.lock`
(other hook processes starting at the same moment wait for it and then use the new cache),
compile, write the cache atomically (temporary file + rename) and keep a copy as
`last-good.pickle`. When the rules do not compile, the hook keeps enforcing the last good
ruleset (and says so); the failure is remembered in `failed.txt` under the same fingerprint
so that every following call does not pay for a doomed recompile.

Unpickling runs code, so a cache file or folder that is not owned by this user (or by root:
the system install's cache is compiled by root and read by everyone), or that group/others
can write, is never read (and the problem is reported).

A managed policy (`config.py`) that is expected but cannot be used fails every call closed
(RulesUnavailable); its rules are compiled as a layer of their own, apart from the others,
and then matched with them, first.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from . import __version__, rulefiles

CACHE_FORMAT = 1
MAGIC = b"prempti-hook cache %d\n" % CACHE_FORMAT
RULESET_FILE = "ruleset.pickle"
LAST_GOOD_FILE = "last-good.pickle"
FAILED_FILE = "failed.txt"
LOCK_FILE = "rebuild.lock"
LOCK_WAIT_SECONDS = 20.0
CHECK_HINT = "run `prempti-hook --check` to see the error with file, line and column"

# What identifies the engine code: in the zipapp, the build id stamped next to the package
# (one read); in a development checkout, the modules whose code shapes the compiled ruleset
# (editing one invalidates the cache).
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_BUILD_STAMP = os.path.join(os.path.dirname(_PACKAGE), "~prempti-build-id")
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

def _stat_entry(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}\0missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def engine_stamp() -> str:
    """What the compiled form depends on besides the rules: versions and engine code."""
    parts = [__version__, str(CACHE_FORMAT), sys.version]
    try:
        with open(_BUILD_STAMP, "rb") as f:
            build_id = f.read(256).decode("ascii", "replace")
    except OSError:
        build_id = ""
    if build_id:
        return "\n".join([*parts, "build " + build_id])
    for sub in _ENGINE_DIRS:
        folder = os.path.join(_PACKAGE, sub)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
        except OSError:
            continue
        parts.extend(_stat_entry(os.path.join(folder, n)) for n in names)
    return "\n".join(parts)


def fingerprint(files: list[str]) -> bytes:
    """The cache header for these rules files: any added, removed, renamed or edited file,
    or any engine change, gives a different fingerprint."""
    text = engine_stamp() + "\n--\n" + "\n".join(_stat_entry(p) for p in files)
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
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError as e:
        raise CacheProblem(f"cache folder {path} is not usable: {e.strerror or e}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise CacheProblem(f"cache folder {path} is not a folder")
    _check_private(st, "cache folder", path)


def read_private(path: str) -> bytes | None:
    """The bytes of a cache file we own and only we can write; None if it does not exist."""
    try:
        # O_NONBLOCK: a FIFO planted at the cache's path must not hang the hook on open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise CacheProblem(f"cache file {path} cannot be read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CacheProblem(f"cache file {path} is not a regular file")
        _check_private(st, "cache file", path)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        _unlink_quietly(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _file_mark(path: str):
    """What changes when a file is replaced or rewritten (None when it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _unpickle(data: bytes, header: bytes):
    """The ruleset in `data` if its header is `header`; None if stale, foreign or corrupt
    (including a well-formed pickle of something that is not a ruleset)."""
    if data is None or not data.startswith(header):
        return None
    try:
        import _pickle

        loaded = _pickle.loads(memoryview(data)[len(header):])
    except Exception:
        return None
    return loaded if callable(getattr(loaded, "match", None)) else None


def _read_ruleset(path: str, header: bytes, notices: list[str]):
    """The ruleset cached in `path` for `header`, or None. A file we must not trust is
    reported in `notices` and treated as absent (the rebuild replaces it)."""
    try:
        return _unpickle(read_private(path), header)
    except CacheProblem as problem:
        if str(problem) not in notices:
            notices.append(str(problem))
        return None


def _unpickle_any(data: bytes | None):
    """A ruleset from a last-good file whatever its rules fingerprint, if this engine can
    read it (its engine stamp matches)."""
    if data is None or not data.startswith(MAGIC):
        return None
    newline = data.find(b"\n", len(MAGIC))
    if newline < 0:
        return None
    stamp = engine_stamp().encode("utf-8", "surrogateescape").replace(b"\n", b"\x1f")
    if not data[len(MAGIC):newline].startswith(stamp + b"\x1f--\x1f"):
        return None
    return _unpickle(data, data[:newline + 1])


# Compiling ---------------------------------------------------------------------------------

def read_rules_texts(files: list[str]) -> list[tuple[str, str]]:
    """(name, text) of each rules file; OSError/UnicodeDecodeError propagate. A path that is
    not a regular file (a FIFO would block the hook forever) is an OSError."""
    texts = []
    for path in files:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{path} is not a regular file")
            texts.append((path, f.read().decode("utf-8")))
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

def load(cfg) -> Loaded:
    """The ruleset to enforce for configuration `cfg` (see the module docstring).

    Raises RulesUnavailable when nothing can be enforced."""
    problems = cfg.managed_problems
    if problems:
        raise RulesUnavailable(f"the managed policy cannot be used: {'; '.join(problems)}. "
                               f"Every call is blocked until an administrator fixes it")
    files = rulefiles.rules_files(cfg)
    header = fingerprint(files)
    cache_dir = cfg.cache_dir
    notices: list[str] = []
    try:
        ensure_cache_dir(cache_dir)
        ruleset = _read_ruleset(os.path.join(cache_dir, RULESET_FILE), header, notices)
        if ruleset is not None:
            return Loaded(ruleset, notices, True)
        loaded = _rebuild(cache_dir, files, header, notices, rulefiles.managed_files(cfg))
        loaded.notices[:0] = notices
        return loaded
    except CacheProblem as problem:
        notices.append(str(problem))
    # The cache cannot be trusted: compile in this process and use the result directly.
    ruleset, error = _compile(files, rulefiles.managed_files(cfg))
    if ruleset is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; {CHECK_HINT}")
    return Loaded(ruleset, notices, False)


def _failed_marker(header: bytes, error: str) -> bytes:
    return header + error.encode("utf-8", "replace")


def _last_good(cache_dir: str, error: str) -> Loaded:
    """The last ruleset that compiled, with a notice saying why it is in force."""
    path = os.path.join(cache_dir, LAST_GOOD_FILE)
    ruleset = _unpickle_any(read_private(path))
    if ruleset is None:
        raise RulesUnavailable(f"the rules do not compile: {error}; no earlier rules to fall "
                               f"back to; {CHECK_HINT}")
    try:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(path).st_mtime))
    except OSError:
        when = "earlier"
    return Loaded(ruleset, [f"the rules do not compile ({error}); still enforcing the last "
                            f"rules that compiled ({when}); {CHECK_HINT}"], True)


def _rebuild(cache_dir: str, files: list[str], header: bytes, seen: list[str],
             managed: list[str] | tuple = ()) -> Loaded:
    """Rebuild the cache under the lock, or use what another process just built."""
    ruleset_path = os.path.join(cache_dir, RULESET_FILE)
    failed_path = os.path.join(cache_dir, FAILED_FILE)
    failed = read_private(failed_path)
    if failed is not None and failed.startswith(header):
        return _last_good(cache_dir, failed[len(header):].decode("utf-8", "replace"))

    import fcntl

    lock_path = os.path.join(cache_dir, LOCK_FILE)
    try:
        lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                          0o600)
    except OSError as e:
        raise CacheProblem(f"cannot create {lock_path}: {e.strerror or e}") from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        seen_file = _file_mark(ruleset_path)
        pause = 0.005
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            # Someone else is compiling: once the cache file changes, their result is in
            # place (it is renamed in whole). A stat per wait keeps hundreds of waiting hooks
            # from re-reading an unchanged file.
            mark = _file_mark(ruleset_path)
            if mark != seen_file:
                seen_file = mark
                ruleset = _read_ruleset(ruleset_path, header, seen)
                if ruleset is not None:
                    return Loaded(ruleset, [], True)
            if time.monotonic() > deadline:
                raise CacheProblem("timed out waiting for another prempti-hook process to "
                                   "rebuild the rule cache")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        # We hold the lock: check once more, then compile.
        ruleset = _read_ruleset(ruleset_path, header, seen)
        if ruleset is not None:
            return Loaded(ruleset, [], True)
        failed = read_private(failed_path)
        if failed is not None and failed.startswith(header):
            return _last_good(cache_dir, failed[len(header):].decode("utf-8", "replace"))
        ruleset, error = _compile(files, managed)
        if ruleset is None:
            try:
                write_atomic(failed_path, _failed_marker(header, error))
            except OSError:
                pass  # we will just try again next time
            return _last_good(cache_dir, error)
        notices = []
        try:
            import pickle

            data = header + pickle.dumps(ruleset, protocol=4)
            # The system install's cache folder is readable by every user (root compiles,
            # users read); a private folder keeps private files.
            shared = os.stat(cache_dir).st_mode & stat.S_IROTH
            mode = 0o644 if shared and os.geteuid() == 0 else 0o600
            write_atomic(ruleset_path, data, mode)
            write_atomic(os.path.join(cache_dir, LAST_GOOD_FILE), data, mode)
            _unlink_quietly(failed_path)
        except OSError as e:
            notices.append(f"could not write the rule cache in {cache_dir}: "
                           f"{e.strerror or e}; every call recompiles the rules until this "
                           f"is fixed")
        return Loaded(ruleset, notices, False)
    finally:
        os.close(lock_fd)


def describe(cfg) -> dict:
    """What `status` shows about the cache: where, fresh or stale, which rules."""
    files = rulefiles.rules_files(cfg)
    header = fingerprint(files)
    path = os.path.join(cfg.cache_dir, RULESET_FILE)
    info: dict = {"path": path, "rules_files": files, "state": "missing", "problem": None}
    try:
        ensure_cache_dir(cfg.cache_dir)
        data = read_private(path)
    except CacheProblem as problem:
        info["state"] = "untrusted"
        info["problem"] = str(problem)
        return info
    if data is not None:
        info["state"] = "fresh" if data.startswith(header) else "stale"
    try:
        failed = read_private(os.path.join(cfg.cache_dir, FAILED_FILE))
    except CacheProblem:
        failed = None
    if failed is not None and failed.startswith(header):
        info["state"] = "broken-rules"
        info["problem"] = failed[len(header):].decode("utf-8", "replace")
    return info
