"""Where a path is, for deciding what deleting or writing it costs: the project root or a
folder above it, project content, its data, its build outputs, what its `.gitignore`
ignores, the user's temp space, the home folder, the system, or elsewhere.

    Places(cwd, home, env).of_write(path)            -> place word
    Places(cwd, home, env).of_delete(target, mode)   -> place words

The project root is the nearest folder at or above the working directory that holds a
`.git` (not going above the home folder), else the working directory. A delete target is a
pattern (`/p/src/*`, `/p/**/*.db`, see `shell/programs/destructive.py`): it is judged by
what it can match, not by what exists today, so `rm -rf *` at the root is a wipe of the
project whatever the glob matches now, and `rm -rf ~/proj*` deletes the project.

Place words (docs/fields-destructive.md):
    project_root   the project root itself, or all of its content
    above_project  a folder that holds the project (its parent... up to /)
    home           the home folder itself, or all of its content
    system         /, and operating-system folders (/usr, /etc, /var...)
    project        project content: recursive or glob deletes (a single file is project_file)
    project_file   one named file in the project
    project_data   data in the project: *.db, *.sqlite*, *.sql, dumps, backups, data/,
                   uploads/, .env files (deleting them is not undone by git)
    project_git    the .git folder
    project_build  build outputs, caches and logs (node_modules, dist, build, target,
                   _build, _site, __pycache__, tmp, *.pyc, *.log...)
    project_ignored  what the project's .gitignore ignores
    temp           the user's temp space: /tmp/<x>, /var/tmp/<x>, $TMPDIR/<x>
    temp_root      a temp folder itself, all of it, or another user's files in it
    in_home        inside the home folder, outside the project
    other          anywhere else (other users' homes, /srv, /opt, /mnt...)
    unknown        the target starts with a value known only at run time and names nothing
                   after it (`"$DIR"`, `"$DIR"/*`): any folder, / included
    unknown_entry  a named entry of a folder known only at run time (`"$DIR"/cache`)
"""

from __future__ import annotations

import os

# The shell analysis' markers of run-time values (shell/analysis.py). Not imported: a Write
# call must not load the shell analysis; tests/event_source/test_places.py checks they agree.
MARKERS = "\ue000\ue001\ue002\ue003"


def has_marker(text: str) -> bool:
    return any(m in text for m in MARKERS)


def glob_match(pattern: str, name: str) -> bool:
    from .shell.syntax import glob_match as match

    return match(pattern, name)


def glob_unescape(pattern: str) -> str:
    if "\\" not in pattern:
        return pattern
    from .shell.syntax import glob_unescape as unescape

    return unescape(pattern)

MAX_IGNORE_BYTES = 64 * 1024
MAX_IGNORE_LINES = 2000
MAX_DEPTH = 32

_SYSTEM_DIRS = ("/bin", "/sbin", "/boot", "/lib", "/lib32", "/lib64", "/libx32", "/usr",
                "/etc", "/var", "/sys", "/proc", "/dev", "/run", "/System", "/Library",
                "/Applications", "/private", "/snap", "/nix")
_TEMP_DIRS = ("/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp")
_SHARED_TEMP = frozenset(_TEMP_DIRS)

# Folders whose content is rebuilt by a tool: deleting them loses nothing.
BUILD_DIRS = frozenset({
    "node_modules", "dist", "build", "target", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".tox", ".nox", ".hypothesis", "coverage", "htmlcov", ".nyc_output",
    ".next", ".nuxt", ".turbo", ".svelte-kit", ".parcel-cache", ".cache", ".gradle", ".eggs",
    ".angular", ".expo", ".vercel", ".output", ".docusaurus", ".terraform", ".serverless",
    "bower_components", ".sass-cache", ".vite", ".pnpm-store", ".venv", ".webpack",
    "tmp", "temp", "cache",
    # Next.js static export, TypeScript and IntelliJ compiler output
    "out",
    # generated sites and compiler output of other toolchains: Sphinx, Elixir (mix), dune
    # and Bazel-like `_build`; Jekyll and Eleventy `_site`; Dart, Haskell (stack, cabal),
    # Zig, CMake (IDE build folders), Jupyter checkpoints
    "_build", "_site", ".jekyll-cache", ".dart_tool", ".stack-work", "dist-newstyle",
    ".zig-cache", "zig-cache", "zig-out", "cmake-build-debug", "cmake-build-release",
    ".ipynb_checkpoints", ".pytype", ".pyre",
})
# Files a tool writes and nobody keeps: compiled files, caches, logs.
BUILD_FILES = ("*.pyc", "*.pyo", "*.o", "*.obj", "*.class", "*.tsbuildinfo", "*.egg-info",
               ".coverage", "coverage.xml", ".DS_Store", "*.whl", "*.log", "*.log.[0-9]*")
# Data the project keeps: not rebuilt by any tool and often not in git.
DATA_DIRS = frozenset({"data", "backups", "backup", "uploads", "dumps", "datasets"})
DATA_FILES = ("*.db", "*.sqlite", "*.sqlite3", "*.sqlite-journal", "*.sqlite3-journal",
              "*.db-journal", "*.db-wal", "*.db-shm", "*.sql", "*.sql.gz", "*.dump", "*.bak",
              "*.backup", "*.mdb", "*.accdb", "*.rdb", "*.aof", ".env", ".env.*")
# Names a data pattern could stand for, to test a glob the command names (`*.db`) against.
_DATA_SAMPLES = ("a.db", "a.sqlite", "a.sqlite3", "a.sql", "a.dump", "a.bak", "a.backup",
                 ".env", ".env.local", ".env.production", "data", "backups", "uploads")
_ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist",
                            ".env.defaults", ".env.test", ".env.schema"})


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def project_root(cwd: str, home: str) -> str:
    """The nearest folder at or above `cwd` holding `.git`, not above `home`; else `cwd`."""
    if not cwd.startswith("/") or has_marker(cwd):
        return cwd
    under_home = _within(cwd, home) and cwd != home
    path = cwd
    for _ in range(MAX_DEPTH):
        if os.path.lexists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path or (under_home and parent == home):
            break
        path = parent
    return cwd


def _temp_roots(env, home: str, root: str) -> tuple:
    roots = [d for d in _TEMP_DIRS if os.path.isdir(d)]
    tmpdir = env.get("TMPDIR") if env is not None else None
    if tmpdir and tmpdir.startswith("/"):
        tmpdir = os.path.realpath(tmpdir).rstrip("/") or "/"
        unsafe = (tmpdir == "/" or _within(home, tmpdir) or _within(root, tmpdir)
                  or _within(tmpdir, root) or tmpdir in _SYSTEM_DIRS)
        if not unsafe:
            roots.append(tmpdir)
    out = []
    for path in roots:
        real = os.path.realpath(path)
        out.append(real)
        if real != path:
            out.append(path)
    return tuple(dict.fromkeys(out))


def _is_match_all(component: str) -> bool:
    """`*`, `**`, `?*`, a run-time value: matches every (non-hidden) name."""
    glob = _as_glob(component)
    return "*" in glob and not glob.strip("*?")


def _wipes(pattern: list) -> bool:
    """A pattern below a folder that matches everything in it."""
    return all(c == "**" or _is_match_all(c) for c in pattern)


def _as_glob(component: str) -> str:
    """A run-time part can be any text: it is a `*` for matching."""
    for marker in MARKERS:
        component = component.replace(marker, "*")
    return component


def _candidate(component: str) -> str:
    """One name a glob component stands for (`npm-debug.log*` -> `npm-debug.log`)."""
    out = []
    k = 0
    text = _as_glob(component)
    while k < len(text):
        char = text[k]
        if char == "\\" and k + 1 < len(text):
            out.append(text[k + 1])
            k += 2
            continue
        if char == "?":
            out.append("x")
        elif char == "[":
            end = text.find("]", k + 2)
            inner = text[k + 1:end] if end > 0 else ""
            out.append(inner.lstrip("!^")[:1] or "x")
            k = end if end > 0 else k
        elif char != "*":
            out.append(char)
        k += 1
    return "".join(out)


def _matches_prefix(pattern: list, comps: list) -> bool:
    """Whether the glob components `pattern` (with `**`) match comps[:j] for some j >= 1."""
    if not pattern:
        return False
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if not rest:
            return bool(comps)
        return any(_matches_prefix(rest, comps[j:]) for j in range(len(comps)))
    if not comps or not glob_match(_as_glob(head), comps[0]):
        return False
    return not rest or _matches_prefix(rest, comps[1:])


def is_data_name(name: str) -> bool:
    if name in DATA_DIRS:
        return True
    if name in _ENV_TEMPLATES:
        return False
    return any(glob_match(p, name) for p in DATA_FILES)


def _names_data(component: str) -> bool:
    """A (glob) name that can stand for data (`*.db`, `.env*`, `backups`)."""
    glob = _as_glob(component)
    if not any(c in glob for c in "*?["):
        return is_data_name(glob_unescape(glob))
    return any(glob_match(glob, s) for s in _DATA_SAMPLES) or is_data_name(
        _candidate(component))


def _names_build(component: str) -> bool:
    name = _candidate(component) if any(c in component for c in "*?[") else glob_unescape(
        component)
    return name in BUILD_DIRS or any(glob_match(p, name) for p in BUILD_FILES)


class _IgnoreFile:
    """The patterns of one `.gitignore` (bounded), matched the way git matches them."""

    def __init__(self, folder: str) -> None:
        self.rules: list[tuple[bool, bool, bool, list]] = []
        try:
            with open(os.path.join(folder, ".gitignore"), "rb") as handle:
                data = handle.read(MAX_IGNORE_BYTES)
        except (OSError, ValueError):  # ValueError: a NUL in the path (a hostile cwd)
            return
        for line in data.decode("utf-8", "replace").splitlines()[:MAX_IGNORE_LINES]:
            line = line.rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            dir_only = line.endswith("/")
            anchored = "/" in line.rstrip("/")  # `/target`, `a/b`: relative to this folder
            parts = [p for p in line.split("/") if p]
            if parts:
                self.rules.append((negate, dir_only, anchored, parts))

    def decides(self, comps: list, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included) or None for the path `comps` (relative)."""
        verdict = None
        for negate, dir_only, anchored, parts in self.rules:
            if dir_only and not is_dir:
                continue
            if anchored:
                hit = _full_match(parts, comps)
            else:
                hit = glob_match(parts[0], comps[-1])
            if hit:
                verdict = not negate
        return verdict


def _full_match(pattern: list, comps: list) -> bool:
    if not pattern:
        return not comps
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_full_match(rest, comps[j:]) for j in range(len(comps) + 1))
    return bool(comps) and glob_match(head, comps[0]) and _full_match(rest, comps[1:])


class Places:
    """Place words for the paths of one call (see the module docstring)."""

    def __init__(self, cwd: str, home: str, env=None) -> None:
        self.cwd = cwd
        self.home = home.rstrip("/") or "/"
        self.root = project_root(cwd, self.home)
        self.temp_roots = _temp_roots(os.environ if env is None else env, self.home, self.root)
        self._ignores: dict[str, _IgnoreFile] = {}

    # --- what a path is ------------------------------------------------------------------
    def _temp_root_of(self, path: str) -> str | None:
        for root in self.temp_roots:
            # (a home folder inside /tmp is a home folder, not scratch space)
            if _within(path, root) and not (_within(self.home, root) and _within(path, self.home)):
                return root
        return None

    def _other_users(self, path: str, temp_root: str) -> bool:
        """A file in shared temp space that belongs to another user."""
        if temp_root not in _SHARED_TEMP and os.path.realpath(temp_root) not in _SHARED_TEMP:
            return False
        top = temp_root.rstrip("/") + "/" + path[len(temp_root):].strip("/").split("/")[0]
        try:
            return os.lstat(top).st_uid != os.getuid()
        except (OSError, AttributeError, ValueError):
            return False

    def _outside(self, path: str) -> str:
        """The place of a path outside the project (or None when inside)."""
        temp_root = self._temp_root_of(path)
        if temp_root is not None:
            if path.rstrip("/") == temp_root.rstrip("/"):
                return "temp_root"
            return "temp_root" if self._other_users(path, temp_root) else "temp"
        if path == self.home:
            return "home"
        if _within(path, self.home):
            return "in_home"
        if path == "/" or any(_within(path, d) for d in _SYSTEM_DIRS):
            return "system"
        return "other"

    def of_write(self, path: str) -> str:
        """The place of a path that is written, created, moved or deleted."""
        if not path.startswith("/") or has_marker(path):
            return "unknown"
        if _within(path, self.root):
            return "project"
        if _within(self.root, path):
            return "home" if path == self.home else (
                "system" if path == "/" else "above_project")
        return self._outside(path)

    # --- deletes ---------------------------------------------------------------------------
    def of_delete(self, target: str, mode: str) -> list[str]:
        """The places a delete of the pattern `target` reaches (see the module docstring)."""
        comps = [c for c in target.split("/") if c]
        if not target.startswith("/") and not (comps and target[:1] in MARKERS):
            return ["unknown"]
        cut = next((k for k, c in enumerate(comps) if any(ch in c for ch in "*?[")
                    or has_marker(c)), len(comps))
        base = "/" + "/".join(glob_unescape(c) for c in comps[:cut])
        if cut == 0 and comps and has_marker(comps[0]):
            # `"$DIR"`, `"$DIR"/*`: may be any folder's content (/ when DIR is empty);
            # `"$DIR"/cache`: one named entry of some folder
            rest = comps[1:]
            if all(c in (".", "..") or _is_match_all(c) for c in rest):
                return ["unknown"]
            return ["unknown_entry"]
        # A name known only at run time (`build/$ID`) is some entry of its folder, not all
        # of them; mixed with text (`build-$ID`) it is a glob (`build-*`).
        pattern = ["\ufffd*" if all(ch in MARKERS for ch in c) else _as_glob(c)
                   for c in comps[cut:]]
        if mode == "clean":
            if _within(base, self.root):
                return []  # git clean inside the project: the discard effect asks
            pattern = ["*"]
        found = self._reaching_root(base, pattern)
        if found:
            return found
        if not pattern:
            if _within(base, self.root):
                return [self._in_project(self._rel(base), mode)]
            return [self._outside(base)]
        if _wipes(pattern):
            return [self._whole(base)]
        return [self._part(base, pattern, mode)]

    def _rel(self, path: str) -> list:
        return [c for c in path[len(self.root):].split("/") if c]

    def _reaching_root(self, base: str, pattern: list) -> list[str]:
        """project_root/above_project/home/system when the delete reaches the project root,
        a folder holding it, the home folder, or /."""
        wipe = _wipes(pattern)
        found: list[str] = []
        for folder, exact, above in ((self.root, "project_root", "above_project"),
                                     (self.home, "home", "home")):
            if not _within(folder, base):
                continue
            if folder == base:
                if wipe:
                    found.append(exact)
                continue
            rel = folder[len(base):].strip("/").split("/")
            if not pattern:
                found.append(above)  # the folder named holds it
            elif _full_match(pattern, rel):
                found.append(exact)
            elif _matches_prefix(pattern, rel):
                found.append(above)
        if base == "/" and wipe:
            found.append("system")
        return list(dict.fromkeys(found))

    def _whole(self, folder: str) -> str:
        """The place of deleting everything in `folder`."""
        if _within(folder, self.root):
            return self._in_project(self._rel(folder), "many")
        place = self._outside(folder)
        return "temp_root" if place == "temp" and self._temp_root_of(folder) == folder \
            else place

    def _part(self, base: str, pattern: list, mode: str) -> str:
        """The place of deleting what a narrow `pattern` matches below `base`."""
        if _within(base, self.root):
            return self._in_project(self._rel(base) + pattern, "many")
        return self._outside(base.rstrip("/") + "/" + (_candidate(pattern[0]) or "x"))

    def _in_project(self, rel: list, mode: str) -> str:
        """The place of a delete of `rel` (components below the root, maybe globs)."""
        rel = [c for c in rel if c]
        if not rel:
            return "project_root"
        leaf = rel[-1]
        if any(glob_unescape(c) in BUILD_DIRS for c in rel[:-1] if c != "**"):
            return "project_build"
        if any(glob_unescape(c) in DATA_DIRS for c in rel[:-1]) or _names_data(leaf):
            return "project_data"
        if ".git" in rel[:-1] or leaf == ".git":
            return "project_git" if mode == "many" or leaf == ".git" else "project_file"
        if _names_build(leaf):
            return "project_build"
        if self._ignored(rel):
            return "project_ignored"
        if mode == "many" or any(c == "**" or any(ch in c for ch in "*?[") for c in rel):
            return "project"
        return "project_file"

    # --- .gitignore --------------------------------------------------------------------------
    def _ignore_file(self, folder: str) -> _IgnoreFile:
        found = self._ignores.get(folder)
        if found is None:
            found = self._ignores[folder] = _IgnoreFile(folder)
        return found

    def _ignored(self, rel: list) -> bool:
        """Whether the project's .gitignore files ignore the path `rel` (or a folder that
        holds it); globs are tested with the name they stand for."""
        names = [_candidate(c) if c != "**" else "" for c in rel]
        names = [n for n in names if n]
        if not names:
            return False
        for k in range(1, len(names) + 1):
            verdict = None
            for depth in range(min(k, 8)):
                folder = os.path.join(self.root, *names[:depth])
                # A deleted name may be a folder not there yet: `dist/` patterns apply.
                decided = self._ignore_file(folder).decides(names[depth:k], True)
                if decided is not None:
                    verdict = decided
            if verdict:
                return True
        return False
