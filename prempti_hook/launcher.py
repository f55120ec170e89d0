"""The zipapp's `__main__.py` (build_zipapp.py copies this file into the pyz, with the
build's id and the place of its code bundle filled in): run prempti-hook from the zipapp
itself, with `os` and `marshal` alone.

Why: shiv's own bootstrap imports zipfile, hashlib, shutil, subprocess, pathlib,
compileall... on every run and then imports every module from files it extracted, each
with its own stat, open and read. Here the code of every pure-Python module the zipapp
carries (ours and the bundled libraries) is one *code bundle*, stored uncompressed inside
the zipapp: a small index (module -> where its marshalled code is), read with one `pread`,
then one `pread` + `marshal.loads` per module actually imported (lazy modules stay lazy).
A finder placed first on `sys.meta_path` serves those modules, so nothing on `sys.path` (a
`prempti_hook` folder dropped into the interpreter's own library folder, for one) can
shadow them.

What is trusted, and checked on every run:
- the zipapp file: a regular file with one name (a hard link would let its contents be
  changed without touching its protected path), owned by this user or root, writable by no
  one else. Otherwise the hook fails closed and says how to fix it;
- its code bundle: found where the build put it, with this build's id.
The bundle holds code for the Python that built it (marshal is per Python version). Any
other Python gets a bundle compiled for it from the zipapp's own sources, once, written by
this launcher into the extraction folder with a record of the file's identity (inode,
size, times, in a symlink next to it: a symlink cannot be changed through a hard link). A
bundle whose identity no longer matches its record is rebuilt, never run.

The extraction folder (`<root>/<archive name>_<build id>`) holds only what cannot run from
inside a zip: PyYAML's C extension and the embedded copy of the shipped rules. It is made
on first need (compiling rules, a bare zipapp without installed rules), under a lock, into
`<folder>.tmp` renamed into place, with this build's id written last
(`site-packages/~prempti-build-id`); anything else found under that name is removed first.
Each file is checked against the build's SHA-256 before use (the C extension before it is
loaded, rules before they are compiled); a file that fails is not used.

Where: the installed zipapp (`$PREMPTI_HOME/bin/prempti-hook`) always extracts into
`$PREMPTI_HOME/lib`, which the self-protection rules cover; any other copy follows shiv
(SHIV_ROOT, else ~/.shiv). No other SHIV_* variable has any effect.

Failures (contract: never exit 1, never a traceback; Claude Code would let the tool run):
- before the entry point starts: as the hook (no arguments, or only `--agent NAME`), one
  JSON deny in that agent's shape on stdout and the reason on stderr, exit 0 (exit 2 for an
  agent it does not know: every agent blocks on that); as a command, the reason on stderr,
  exit 2;
- after it started the hook handles its own errors; whatever still escapes is reported in
  one line with exit 2, which Claude Code treats as a block.
A hook call ends with `os._exit` once its answer is written: tearing down the interpreter
(freeing every module and the ruleset) would cost more than the rest of the call.

This file must parse on old Pythons (3.6 and later) so that they get a clear message
instead of a SyntaxError: hence no annotations and no `from __future__ import annotations`.
"""

import os
import stat
import sys

BUILD_ID = ""  # filled in by build_zipapp.py
BUNDLE_AT = 0  # filled in by build_zipapp.py: where the code bundle starts in the zipapp
STAMP_NAME = "~prempti-build-id"
BUNDLE_MAGIC = b"prempti-hook code bundle 2\n"
BUNDLE_HEAD = len(BUNDLE_MAGIC) + 64 + 4 + 4  # magic, build id, Python magic, index size
SITE_PACKAGES = "site-packages/"
RECORD_SUFFIX = ".id"
ENTRY_MODULE = "prempti_hook.cli"
MIN_PYTHON = (3, 9)
# The deny of each agent's pre-tool event (agents/<agent>.py write the same), as templates
# for one JSON string: the reason.
DENY_TEMPLATES = {
    "claude_code": '{"hookSpecificOutput":{"hookEventName":"PreToolUse",'
                   '"permissionDecision":"deny","permissionDecisionReason":%s}}',
    "codex": '{"hookSpecificOutput":{"hookEventName":"PreToolUse",'
             '"permissionDecision":"deny","permissionDecisionReason":%s}}',
    "gemini": '{"decision":"deny","reason":%s}',
    "copilot": '{"permissionDecision":"deny","permissionDecisionReason":%s}',
}


class Untrusted(Exception):
    """A file prempti-hook would run cannot be trusted; the message says how to fix it."""


class OldPython(Exception):
    """The interpreter is older than the code supports."""


# Where things are ---------------------------------------------------------------------------

def installed_home(archive, environ):
    """PREMPTI_HOME when `archive` is that installation's `bin/prempti-hook`, else None."""
    home = environ.get("PREMPTI_HOME") or os.path.join(os.path.expanduser("~"), ".prempti")
    installed = os.path.join(home, "bin", "prempti-hook")
    if os.path.realpath(archive) == os.path.realpath(installed):
        return home
    return None


def extraction_root(archive, environ):
    """The folder to extract into. The installed zipapp always uses `<PREMPTI_HOME>/lib`:
    its files must stay where the self-protection rules look (and where the uninstaller
    cleans up), whatever SHIV_ROOT says. Anything else follows shiv 1.0's `cache_path`:
    SHIV_ROOT (`$NAME` means another variable's value), else ~/.shiv."""
    home = installed_home(archive, environ)
    if home is not None:
        return os.path.join(home, "lib")
    root = environ.get("SHIV_ROOT")
    if root:
        if root.startswith("$"):
            root = environ.get(root[1:], root[1:])
        return os.path.expanduser(root)
    return os.path.expanduser("~/.shiv")


def extraction_dir(archive, environ, build_id):
    """`<root>/<archive name>_<build id>`; shiv names it after the archive's real path."""
    name = os.path.basename(os.path.realpath(archive))
    return os.path.join(extraction_root(archive, environ), f"{name}_{build_id}")


# Trusting files -----------------------------------------------------------------------------

def check_trusted(st, path, what):
    """Raise Untrusted unless `st` (of `path`) is a regular file with one name, owned by
    this user or root and writable by no one else."""
    if not stat.S_ISREG(st.st_mode):
        raise Untrusted(f"{what} {path} is not a regular file; reinstall with "
                        "install/install.sh")
    if st.st_nlink != 1:
        raise Untrusted(
            f"{what} {path} has {st.st_nlink} names (hard links): through another name its "
            f"contents can be changed without touching {path}. Delete the other names (find "
            f"them with: find / -xdev -samefile {path}) or reinstall with install/install.sh, "
            "which replaces the file")
    if st.st_uid not in (os.geteuid(), 0):
        raise Untrusted(f"{what} {path} is owned by uid {st.st_uid}, not by you or root; "
                        "reinstall with install/install.sh")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Untrusted(f"{what} {path} can be written by group or others; fix: chmod go-w "
                        f"{path}")


def identity(st):
    """What changes whenever a file is written, replaced, linked, chmod-ed or touched: the
    status change time cannot be set back by its owner."""
    return f"v1:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def write_record(path):
    """Record `path`'s identity in the symlink `<path>.id` (replaced atomically)."""
    record = path + RECORD_SUFFIX
    temporary = f"{record}.{os.getpid()}.tmp"
    os.symlink(identity(os.stat(path, follow_symlinks=False)), temporary)
    os.replace(temporary, record)


def matches_record(st, path):
    """Whether `st` is the file whose identity was recorded for `path`."""
    try:
        return os.readlink(path + RECORD_SUFFIX) == identity(st)
    except OSError:
        return False


# The code bundle ----------------------------------------------------------------------------

def _python_magic():
    # The frozen module importlib.util takes it from: already loaded at startup, whereas
    # importing importlib.util pulls in contextlib, collections and functools (~1 ms).
    from _frozen_importlib_external import MAGIC_NUMBER

    return MAGIC_NUMBER


def _read_exactly(fd, size, offset):
    data = os.pread(fd, size, offset)
    if len(data) != size:
        raise EOFError("short read")
    return data


class ReadBuffer:
    """One buffer that the code a run unmarshals is read into, again and again. Each fresh
    `bytes` of a few hundred KiB (a group of modules) would be memory the process touches
    for the first time, and a first touch is a page fault, which costs microseconds on a
    VM; marshal copies what it keeps, so the buffer's pages serve every read (a Bash call
    faults about 30 pages fewer, `perf stat -e page-faults`). `read` returns a view that is
    valid until the next `read`."""

    def __init__(self):
        self.buffer = bytearray()

    def read(self, fd, size, offset):
        if len(self.buffer) < size:
            self.buffer = bytearray(size)
        view = memoryview(self.buffer)[:size]
        preadv = getattr(os, "preadv", None)
        if preadv is None:  # pragma: no cover - every platform we run on has it
            return _read_exactly(fd, size, offset)
        if preadv(fd, [view], offset) != size:
            raise EOFError("short read")
        return view


class Bundle:
    """The code of every bundled pure-Python module, served to the import system.

    Also the zipapp's answer to the few questions the package asks about where it runs
    from (`build_id`, `extracted_files`, `verify_extracted`): the package reaches it as
    its modules' `__spec__.loader`, so it never needs to know about this file."""

    def __init__(self, fd, start, archive, build_id, index):
        self.fd = fd
        self.archive = archive
        self.build_id = build_id
        # name -> (offset, size, path in the zip, position): a position of -1 is a blob of
        # its own; otherwise the blob at offset is a group's, and position is the module's
        # place in it (see pack_bundle)
        self.modules = index["modules"]
        self.extensions = index["extensions"]  # name -> path in the zip
        self.manifest_at = index["manifest"]   # (offset, size) of the cold-path manifest
        self.base = start
        self._manifest = None
        self._folder = None
        self._groups = {}  # offset -> [code of each module of the group not yet executed]
        self.reader = ReadBuffer()

    @classmethod
    def read(cls, fd, start, archive, build_id, python_magic):
        """The bundle at `start` in `fd`, or None when it is not this build's or was made
        for another Python. Raises OSError/EOFError/ValueError on a damaged one."""
        import marshal

        head = _read_exactly(fd, BUNDLE_HEAD, start)
        magic_end = len(BUNDLE_MAGIC)
        if head[:magic_end] != BUNDLE_MAGIC or head[magic_end:magic_end + 64] != \
                build_id.encode("ascii"):
            return None
        if head[magic_end + 64:magic_end + 68] != python_magic:
            return None
        size = int.from_bytes(head[magic_end + 68:], "little")
        index = marshal.loads(_read_exactly(fd, size, start + BUNDLE_HEAD))
        return cls(fd, start + BUNDLE_HEAD + size, archive, build_id, index)

    # importlib's finder and loader --------------------------------------------------------
    def find_spec(self, name, path=None, target=None):
        entry = self.modules.get(name)
        if entry is None:
            relpath = self.extensions.get(name)
            return None if relpath is None else self._extension_spec(name, relpath)
        from _frozen_importlib import ModuleSpec  # importlib.machinery's, without the import

        origin = self.archive + "/" + entry[2]
        package = entry[2].endswith("/__init__.py")
        spec = ModuleSpec(name, self, origin=origin, is_package=package)
        if package:
            spec.submodule_search_locations = [os.path.dirname(origin)]
        return spec

    def create_module(self, spec):
        return None

    def is_package(self, name):
        return self.modules[name][2].endswith("/__init__.py")

    def exec_module(self, module):
        import marshal

        spec = module.__spec__
        offset, size, _, position = self.modules[spec.name]
        read = self.reader.read
        if position < 0:
            code = marshal.loads(read(self.fd, size, self.base + offset))
        else:
            group = self._groups.get(offset)
            if group is None:
                group = list(marshal.loads(read(self.fd, size, self.base + offset)))
                self._groups[offset] = group
            code, group[position] = group[position], None
            if code is None:  # a module executed again (it failed the first time)
                code = marshal.loads(read(self.fd, size, self.base + offset))[position]
        # __file__ set here rather than through `has_location`, which would also compute a
        # __cached__ path (a .pyc that never exists) for every module.
        module.__file__ = spec.origin
        exec(code, module.__dict__)

    def _extension_spec(self, name, relpath):
        """A C extension from the extraction, after checking it is the build's; None (the
        library falls back to pure Python) when it is for another Python or not intact."""
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec

        if not relpath.endswith(tuple(EXTENSION_SUFFIXES)):
            return None
        try:
            path = self.extracted(relpath)
            with open(path, "rb") as f:
                problem = self._file_problem(relpath, f)
        except (OSError, Untrusted):
            return None
        if problem is not None:
            return None
        return ModuleSpec(name, ExtensionFileLoader(name, path), origin=path)

    # Cold path: the manifest and the extraction -------------------------------------------
    def manifest(self):
        """{"files": {path in the zip: (size, sha256)}} of everything not in the bundle."""
        if self._manifest is None:
            import marshal

            offset, size = self.manifest_at
            self._manifest = marshal.loads(_read_exactly(self.fd, size, self.base + offset))
        return self._manifest

    def folder(self):
        if self._folder is None:
            self._folder = extraction_dir(self.archive, os.environ, self.build_id)
        return self._folder

    def ensure_extracted(self):
        """The extraction folder, made now if it is not complete."""
        folder = self.folder()
        if not is_complete(folder, self.build_id):
            extract(self.archive, folder, self.build_id, self.manifest()["files"])
        return folder

    def extracted(self, relpath):
        return os.path.join(self.ensure_extracted(), relpath)

    def extracted_files(self, reldir):
        """Paths of the build's extracted files directly in `reldir` (a folder of the
        package, e.g. `prempti_hook/rules_default`), sorted: never a file the build did
        not ship, whatever the folder holds."""
        prefix = SITE_PACKAGES + reldir.strip("/") + "/"
        names = sorted(p for p in self.manifest()["files"]
                       if p.startswith(prefix) and "/" not in p[len(prefix):])
        return [self.extracted(p) for p in names]

    def verify_extracted(self, path, data):
        """None when `data`, read from `path`, is what the build shipped there (or `path` is
        not in the extraction); otherwise what is wrong."""
        folder = self.folder() + os.sep
        if not path.startswith(folder):
            return None
        relpath = path[len(folder):]
        expected = self.manifest()["files"].get(relpath)
        if expected is None:
            return f"{path} is not a file of this build"
        import hashlib

        if (len(data), hashlib.sha256(data).hexdigest()) != tuple(expected):
            return (f"{path} differs from the copy in the zipapp (changed after extraction); "
                    f"delete {self.folder()} to extract it afresh")
        return None

    def _file_problem(self, relpath, f):
        check_trusted(os.fstat(f.fileno()), f.name, "extracted file")
        return self.verify_extracted(f.name, f.read())


def is_complete(folder, build_id):
    """True when `folder` holds a finished extraction of build `build_id`."""
    if not build_id:
        return False
    try:
        with open(os.path.join(folder, "site-packages", STAMP_NAME), "rb") as f:
            return f.read(256) == build_id.encode("ascii")
    except (OSError, UnicodeError):
        return False


def _remove(path):
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


EXTRACT_WAIT_SECONDS = 2.0  # extracting takes well under a second; a lock held longer is stuck
COMPILE_WAIT_SECONDS = 20.0  # compiling a bundle for another Python takes a second or two


class _FolderLock:
    """shiv's lock file for `folder` (`.<name>_lock` next to it), held with flock; waiting
    for it longer than `wait` seconds is an OSError (a lock held by a stuck process, or on
    purpose, must not hang the hook)."""

    def __init__(self, folder, wait):
        parent, name = os.path.split(folder)
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self.path = os.path.join(parent, f".{name}_lock")
        self.wait = wait

    def __enter__(self):
        import fcntl
        import time

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                          0o600)
        give_up = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > give_up:
                    os.close(self.fd)
                    raise OSError(f"{self.path} has been held by another process for more "
                                  f"than {self.wait:g} s (if no prempti-hook is running, "
                                  f"delete it)") from None
                time.sleep(0.02)

    def __exit__(self, *exc):
        os.close(self.fd)


def extract(archive, folder, build_id, files):
    """Under the lock: remove whatever is at `folder` (and a leftover `<folder>.tmp`) unless
    it is a complete extraction of this build, then extract `files` into `<folder>.tmp`,
    write the build id last and rename it into place."""
    import zipfile

    temporary = folder + ".tmp"
    with _FolderLock(folder, EXTRACT_WAIT_SECONDS):
        if is_complete(folder, build_id):
            return
        for leftover in (folder, temporary):
            if os.path.lexists(leftover):
                _remove(leftover)
        with zipfile.ZipFile(archive) as zipped:
            for relpath in sorted(files):
                target = os.path.join(temporary, relpath)
                os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
                with open(target, "wb") as out:
                    out.write(zipped.read(relpath))
                os.chmod(target, 0o644)
        stamp = os.path.join(temporary, "site-packages", STAMP_NAME)
        os.makedirs(os.path.dirname(stamp), mode=0o700, exist_ok=True)
        with open(stamp, "w") as out:
            out.write(build_id)
        os.rename(temporary, folder)


# A bundle for another Python ----------------------------------------------------------------

def compile_module(source, filename):
    """Code for `source`, with `from __future__ import ...` applied as compiler flags and
    the statement itself dropped (it would import `__future__` at run time), and without
    docstrings."""
    import __future__

    import ast

    tree = ast.parse(source, filename)
    flags = 0
    kept = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                flags |= getattr(__future__, alias.name).compiler_flag
            continue
        kept.append(node)
    tree.body = kept
    _drop_docstrings(tree, ast)
    return compile(tree, filename, "exec", flags=flags, dont_inherit=True)


def _drop_docstrings(tree, ast):
    """Remove the docstrings of `tree`'s module, classes and functions (nothing the zipapp
    runs reads them), as `python -OO` would, but keep the asserts that -OO also drops.
    They are about a sixth of the code's bytes, which every run reads and unmarshals."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0].value if body and isinstance(body[0], ast.Expr) else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                node.body = body[1:] or [ast.copy_location(ast.Pass(), body[0])]


def pack_bundle(build_id, python_magic, compiled, extensions, manifest, groups=()):
    """The bytes of a bundle: `compiled` is [(module name, path in the zip, code)].

    `groups` are lists of modules that are always imported together (every hook call
    imports the same two dozen): each group is one blob, read and unmarshalled at once
    when its first module is imported, which costs less than one blob per module (one
    read, and the names the modules share are made and interned once). Every other module
    is a blob of its own, loaded only if imported."""
    import marshal

    blobs = []
    modules = {}
    offset = 0
    code_of = {name: (relpath, code) for name, relpath, code in compiled}
    for names in groups:
        missing = [name for name in names if name not in code_of]
        if missing:
            raise ValueError(f"modules of a group that are not in the bundle: {missing}")
        blob = marshal.dumps(tuple(code_of[name][1] for name in names))
        for position, name in enumerate(names):
            modules[name] = (offset, len(blob), code_of[name][0], position)
        blobs.append(blob)
        offset += len(blob)
    for name, relpath, code in compiled:
        if name in modules:
            continue
        blob = marshal.dumps(code)
        modules[name] = (offset, len(blob), relpath, -1)
        blobs.append(blob)
        offset += len(blob)
    manifest_blob = marshal.dumps(manifest, 4)
    index = marshal.dumps({"modules": modules, "extensions": extensions,
                           "manifest": (offset, len(manifest_blob))}, 4)
    head = [BUNDLE_MAGIC, build_id.encode("ascii"), python_magic,
            len(index).to_bytes(4, "little"), index]
    return b"".join([*head, *blobs, manifest_blob])


def compile_bundle(embedded, python_magic):
    """A bundle of `embedded`'s modules compiled for this Python from the zipapp's own
    sources."""
    import zipimport

    importer = zipimport.zipimporter(embedded.archive)
    compiled = []
    groups = {}  # the embedded bundle's groups, kept: offset -> {position: name}
    for name in sorted(embedded.modules):
        offset, _, relpath, position = embedded.modules[name]
        source = importer.get_data(embedded.archive + "/" + relpath)
        compiled.append((name, relpath, compile_module(source, relpath)))
        if position >= 0:
            groups.setdefault(offset, {})[position] = name
    ordered = [[names[p] for p in sorted(names)] for _, names in sorted(groups.items())]
    return pack_bundle(embedded.build_id, python_magic, compiled, embedded.extensions,
                       embedded.manifest(), ordered)


def _open_own_bundle(path, archive, build_id, python_magic):
    """The bundle this launcher wrote at `path`, if it is still exactly what was written;
    None otherwise (missing, replaced, changed: rebuild it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        check_trusted(st, path, "code bundle")
        if matches_record(st, path):
            bundle = Bundle.read(fd, 0, archive, build_id, python_magic)
            if bundle is not None:
                return bundle
    except (OSError, EOFError, ValueError, Untrusted):
        pass
    os.close(fd)
    return None


def bundle_for_this_python(embedded, python_magic):
    """A bundle compiled for this Python, in the extraction folder (made once)."""
    folder = embedded.ensure_extracted()
    path = os.path.join(folder, f"code-{python_magic.hex()}.bundle")
    bundle = _open_own_bundle(path, embedded.archive, embedded.build_id, python_magic)
    if bundle is not None:
        return bundle
    with _FolderLock(folder, COMPILE_WAIT_SECONDS):
        bundle = _open_own_bundle(path, embedded.archive, embedded.build_id, python_magic)
        if bundle is not None:
            return bundle
        data = compile_bundle(embedded, python_magic)
        temporary = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(temporary, path)
        write_record(path)
    bundle = _open_own_bundle(path, embedded.archive, embedded.build_id, python_magic)
    if bundle is None:
        raise RuntimeError(f"the code bundle compiled for this Python in {folder} cannot be read "
                           "back")
    return bundle


def open_bundle(archive):
    """The checked zipapp's code bundle for this Python (see the module docstring)."""
    fd = os.open(archive, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    check_trusted(os.fstat(fd), archive, "the zipapp")
    python_magic = _python_magic()
    try:
        bundle = Bundle.read(fd, BUNDLE_AT, archive, BUILD_ID, python_magic)
        if bundle is not None:
            return bundle
        embedded = Bundle.read(fd, BUNDLE_AT, archive, BUILD_ID,
                               _read_exactly(fd, 4, BUNDLE_AT + len(BUNDLE_MAGIC) + 64))
    except (OSError, EOFError, ValueError):
        embedded = None
    if embedded is None or not BUILD_ID:
        raise RuntimeError(f"{archive} has no code bundle where its launcher expects it: the file "
                           "is damaged or was not built by build_zipapp.py; reinstall with "
                           "install/install.sh")
    return bundle_for_this_python(embedded, python_magic)


# Answering when nothing else can ------------------------------------------------------------

def _json_string(text):
    try:
        from _json import encode_basestring_ascii
    except ImportError:  # pragma: no cover - every CPython has it
        from json.encoder import py_encode_basestring_ascii as encode_basestring_ascii
    return encode_basestring_ascii(text)


def _write(fd, text):
    data = text.encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(fd, data):]
        return True
    except OSError:
        return False


def deny_json(reason, agent="claude_code"):
    """The hook's deny answer in `agent`'s shape (None for an agent it does not know),
    built without `json`."""
    template = DENY_TEMPLATES.get(agent)
    return None if template is None else (template % _json_string(reason)) + "\n"


def hook_agent(argv):
    """The agent when `argv` runs the hook (no arguments: Claude Code; `--agent NAME`),
    else None (a command)."""
    if len(argv) <= 1:
        return "claude_code"
    if len(argv) == 3 and argv[1] == "--agent":
        return argv[2]
    return None


def fail_to_start(message, hook_mode, folder=None, agent="claude_code"):
    """Report that prempti-hook could not start, in the way that blocks the tool call."""
    fix = ""
    if folder:
        fix = (f". It extracts files into {folder}: make sure that folder can be written (or "
               "delete it to extract afresh), or reinstall with install/install.sh")
    reason = f"prempti-hook could not start, so the call was blocked to be safe: {message}{fix}."
    _write(2, "prempti-hook: " + reason.replace("\n", " ") + "\n")
    answer = deny_json(reason, agent) if hook_mode else None
    if answer is not None and _write(1, answer):
        os._exit(0)
    os._exit(2)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def describe(error):
    text = str(error).replace("\n", " ").strip()
    if isinstance(error, (OldPython, Untrusted)):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_entry(entry, hook_mode=False):
    """Call the entry point and exit with its code; whatever escapes it exits 2. A hook
    call exits at once (`os._exit`): it writes with os.write, so nothing is left to flush
    but the standard streams, and interpreter teardown is pure cost."""
    try:
        code = entry()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _flush()
        os._exit(2 if hook_mode else 130)
    except BaseException as error:  # the hook reports its own failures; this is a last resort
        _flush()
        _write(2, f"prempti-hook: internal error: {describe(error)}\n")
        os._exit(2)
    if hook_mode:
        _flush()
        os._exit(code if isinstance(code, int) else 2)
    sys.exit(code)


def main():
    agent = hook_agent(sys.argv)
    hook_mode = agent is not None
    if hook_mode:
        # A hook call is a short-lived process that frees nothing worth collecting: cyclic
        # garbage collection passes during imports are pure cost (up to ~1 ms).
        import gc

        gc.disable()
    archive = None
    try:
        if sys.version_info < MIN_PYTHON:
            found = sys.version.split()[0]
            raise OldPython(f"it needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, and "
                            f"{sys.executable} is Python {found}; run it with a newer python3 "
                            "(install/install.sh records the one it runs with)")
        archive = os.path.abspath(sys.argv[0])
        sys.meta_path.insert(0, open_bundle(archive))
        entry = __import__(ENTRY_MODULE, fromlist=["main"]).main
    except SystemExit:
        raise
    except (OldPython, Untrusted) as error:
        fail_to_start(describe(error), hook_mode, agent=agent)
    except BaseException as error:
        fail_to_start(describe(error), hook_mode, _folder_for_message(archive), agent=agent)
    run_entry(entry, hook_mode)


def _folder_for_message(archive):
    try:
        return extraction_dir(archive, os.environ, BUILD_ID) if archive else None
    except Exception:
        return None


if __name__ == "__main__":
    main()
