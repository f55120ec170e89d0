"""Local files a command runs: a script given to an interpreter or run by its path, the
recipes `make` or `just` would run, the package.json scripts of `npm run x` / `npm test` /
`npm install`, and the git hooks a git command triggers.

Files are read the way the guard must read anything the agent controls: regular files only
(a FIFO, a device or a socket is never opened for reading), without blocking
(`O_NONBLOCK`), without following the file into something else after the check
(`fstat` on the open descriptor), and bounded (`MAX_SCRIPT` bytes per file, `MAX_FILES`
files and `MAX_TOTAL` bytes per hook call, see `FileReader`).

Each resolver returns `Step`s: (language, text, cwd, origin) — code to analyse, where it
runs, and which file it came from — and never runs anything.
"""

from __future__ import annotations

import os
import stat

from ...files import open_regular, read_all
from . import language_of_file, language_of_shebang
from .report import UNKNOWN

MAX_SCRIPT = 256 * 1024     # bytes read from one file
MAX_FILES = 32              # files read for one hook call
MAX_TOTAL = 1024 * 1024    # bytes read for one hook call
MAX_STEPS = 64              # recipes, scripts or hooks resolved for one command
MAX_MAKE_DEPTH = 16         # prerequisites followed
MAX_EXPAND = 8              # nested make variable expansions

# Files the kernel makes up: never scripts, and some hold the hook's own secrets.
_KERNEL_FILES = ("/proc/", "/sys/", "/dev/")


class Step:
    """Code a command would run: its language, text, working directory and origin."""

    __slots__ = ("cwd", "language", "origin", "text", "truncated")

    def __init__(self, language: str, text: str, cwd: str, origin: str,
                 truncated: bool = False) -> None:
        self.language = language
        self.text = text
        self.cwd = cwd
        self.origin = origin
        self.truncated = truncated

    def __repr__(self) -> str:
        return f"Step({self.language!r}, {self.text[:40]!r}, {self.origin!r})"


class FileReader:
    """Reads local files for one hook call, within the call's bounds."""

    __slots__ = ("bytes_read", "cache", "files_read", "limited")

    def __init__(self) -> None:
        self.files_read = 0
        self.bytes_read = 0
        self.cache: dict[str, tuple[str, bool] | None] = {}
        self.limited = False  # a bound was reached: some file was not read

    def read(self, path: str) -> tuple[str, bool] | None:
        """(text, truncated) of a regular file, or None (missing, not regular, unreadable,
        binary, or past the call's bounds)."""
        if path in self.cache:
            return self.cache[path]
        result = self._read(path)
        self.cache[path] = result
        return result

    def text(self, path: str) -> str | None:
        found = self.read(path)
        return None if found is None else found[0]

    def _read(self, path: str) -> tuple[str, bool] | None:
        if not path or "\x00" in path or len(path) > 4096:
            return None
        try:
            real = os.path.realpath(path)
            info = os.stat(real)
        except (OSError, ValueError):
            return None
        if real.startswith(_KERNEL_FILES):
            return None  # /proc/self/environ is the hook's own environment, not a script
        if not stat.S_ISREG(info.st_mode):
            return None
        if self.files_read >= MAX_FILES or self.bytes_read >= MAX_TOTAL:
            self.limited = True
            return None
        budget = min(MAX_SCRIPT + 1, MAX_TOTAL - self.bytes_read)
        try:
            fd = open_regular(real, os.O_RDONLY | getattr(os, "O_NOCTTY", 0), follow=True)
        except (OSError, ValueError):  # NotRegularFile included
            return None
        try:
            data = read_all(fd, budget)
        except OSError:
            return None
        finally:
            os.close(fd)
        size = len(data)
        self.files_read += 1
        self.bytes_read += size
        truncated = len(data) > MAX_SCRIPT or (size >= budget and budget <= MAX_SCRIPT)
        data = data[:MAX_SCRIPT]
        if b"\x00" in data[:4096]:
            return None  # a binary: nothing to read
        return data.decode("utf-8", "replace"), truncated


def _join(directory: str, path: str) -> str:
    if path.startswith("/"):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(directory, path))


# --- a script file ---------------------------------------------------------------------------

def script_step(reader: FileReader, path: str, language: str | None = None,
                cwd: str = "") -> Step | None:
    """The code of a script file: `language` when the interpreter says it, else the file's
    `#!` line or name; None when the file cannot be read or is not a script."""
    found = reader.read(path)
    if found is None:
        return None
    text, truncated = found
    lang = language or language_of_file(path, text[:256])
    if lang is None:
        return None
    return Step(lang, text, cwd or os.path.dirname(path) or "/", path, truncated)


def module_path(name: str, cwd: str) -> str | None:
    """The file `python -m name` runs from `cwd` (the working directory is first on
    sys.path): `name.py`, or `name/__main__.py` for a package."""
    if not name or any(c in name for c in "/\\\x00") or name.startswith("."):
        return None
    base = os.path.join(cwd, *name.split("."))
    for candidate in (base + ".py", os.path.join(base, "__main__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


# --- make --------------------------------------------------------------------------------------

class Makefile:
    """The rules and variables of one makefile (what `make` needs to list a target's
    recipes; pattern rules, conditionals and most functions are not evaluated)."""

    def __init__(self, text: str) -> None:
        self.rules: dict[str, tuple[list, list]] = {}   # target -> (prerequisites, recipe)
        self.variables: dict[str, str] = {}
        self.default = ""
        self.phony: set[str] = set()
        self._parse(text)

    def _parse(self, text: str) -> None:
        """    makefile := (rule | assignment | other)*
            rule     := targets ":" prerequisites [";" recipe] NL (TAB recipe NL)*"""
        lines = text.replace("\\\r\n", " ").replace("\\\n\t", " ").replace("\\\n", " ").split("\n")
        current: list[str] = []
        prefix = "\t"
        for line in lines:
            if line.startswith(prefix) and current:
                for target in current:
                    self.rules[target][1].append(line[len(prefix):])
                continue
            stripped = line.split("#", 1)[0].rstrip()
            if not stripped.strip():
                continue
            if stripped.startswith(".RECIPEPREFIX"):
                value = stripped.split("=", 1)[-1].strip()
                prefix = value[:1] or "\t"
                continue
            current = self._line(stripped.strip())

    def _line(self, line: str) -> list[str]:
        for op in ("::=", ":=", "?=", "+=", "!=", "="):
            name, sep, value = line.partition(op)
            if sep and ":" not in name.replace("::=", "") and " " not in name.strip(
                    ).removeprefix("export ").removeprefix("override ").strip():
                key = name.strip().removeprefix("export ").removeprefix("override ").strip()
                if op == "+=":
                    self.variables[key] = (self.variables.get(key, "") + " " + value.strip())
                elif op != "?=" or key not in self.variables:
                    self.variables[key] = value.strip()
                return []
        head, sep, rest = line.partition(":")
        if not sep or head.startswith(("include", "-include", "sinclude", "ifeq", "ifneq",
                                       "ifdef", "ifndef", "define", "export", "vpath")):
            return []
        rest = rest.lstrip(":")
        prerequisites, semi, inline = rest.partition(";")
        targets = [t for t in head.split() if "%" not in t]
        if not targets:
            return []
        for target in targets:
            if target == ".PHONY":
                self.phony.update(prerequisites.split())
                continue
            entry = self.rules.setdefault(target, ([], []))
            entry[0].extend(p for p in prerequisites.split("|", 1)[0].split() if "%" not in p)
            if semi and inline.strip():
                entry[1].append(inline.strip())
            if not self.default and not target.startswith("."):
                self.default = target
        return [t for t in targets if t != ".PHONY"]

    def expand(self, text: str, target: str, prerequisites: list, depth: int = 0) -> str:
        """Make variables and automatic variables in a recipe line; `$$` is `$`."""
        out = []
        i = 0
        n = len(text)
        while i < n:
            char = text[i]
            if char != "$" or i + 1 >= n:
                out.append(char)
                i += 1
                continue
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt in "({":
                close = _matching(text, i + 1)
                inner = text[i + 2:close]
                out.append(self._reference(inner, target, prerequisites, depth))
                i = close + 1
            else:
                out.append(self._automatic(nxt, target, prerequisites, depth))
                i += 2
        return "".join(out)

    def _automatic(self, name: str, target: str, prerequisites: list, depth: int) -> str:
        if name == "@":
            return target
        if name == "<":
            return prerequisites[0] if prerequisites else ""
        if name in "^+":
            return " ".join(prerequisites)
        if name in self.variables and depth < MAX_EXPAND:
            return self.expand(self.variables[name], target, prerequisites, depth + 1)
        return UNKNOWN

    def _reference(self, inner: str, target: str, prerequisites: list, depth: int) -> str:
        if depth >= MAX_EXPAND:
            return UNKNOWN
        function, _space, argument = inner.partition(" ")
        if function == "shell" and argument:
            return "$(" + self.expand(argument, target, prerequisites, depth + 1) + ")"
        if inner in self.variables:
            return self.expand(self.variables[inner], target, prerequisites, depth + 1)
        if inner in ("@", "<", "^", "+", "*"):
            return self._automatic(inner, target, prerequisites, depth)
        if inner in ("MAKE", "MAKE_COMMAND"):
            return "make"
        if inner in ("CURDIR",):
            return "."
        if inner in os.environ and "(" not in inner:
            return os.environ[inner]
        return UNKNOWN

    def recipes(self, targets: list[str]) -> list[tuple[str, str]]:
        """(target, recipe line) for each target and, first, its prerequisites."""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()

        def visit(target: str, depth: int) -> None:
            if target in seen or depth > MAX_MAKE_DEPTH or len(out) > 4 * MAX_STEPS:
                return
            seen.add(target)
            prerequisites, recipe = self.rules.get(target, ([], []))
            for prerequisite in prerequisites:
                visit(prerequisite, depth + 1)
            for line in recipe:
                out.append((target, self.expand(line, target, prerequisites)))

        for target in targets or [self.default]:
            if target:
                visit(target, 0)
        return out


def _matching(text: str, start: int) -> int:
    opener = text[start]
    closer = ")" if opener == "(" else "}"
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index
    return len(text) - 1


def _recipe_command(line: str) -> str:
    """A recipe line as the shell gets it (`@`, `-` and `+` prefixes removed)."""
    line = line.strip()
    while line[:1] in ("@", "-", "+") and line:
        line = line[1:].lstrip()
    return line


def make_steps(reader: FileReader, args: list[str], cwd: str) -> list[Step]:
    """The recipe lines `make ARGS` would run in `cwd` (each is its own shell)."""
    directory = cwd
    makefile = None
    targets: list[str] = []
    overrides: dict[str, str] = {}
    dry_run = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-f", "--file", "--makefile", "-C", "--directory") and i + 1 < len(args):
            value = args[i + 1]
            if arg in ("-C", "--directory"):
                directory = _join(directory, value)
            else:
                makefile = value
            i += 2
            continue
        if arg.startswith(("--file=", "--makefile=")):
            makefile = arg.partition("=")[2]
        elif arg.startswith("--directory="):
            directory = _join(directory, arg.partition("=")[2])
        elif arg in ("-n", "--dry-run", "--just-print", "--recon", "-q", "--question") or (
                arg.startswith("-") and not arg.startswith("--") and "n" in arg[1:]
                and arg[1:].isalpha()):
            dry_run = True
        elif not arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if eq and name and " " not in name:
                overrides[name] = value
            else:
                targets.append(arg)
        i += 1
    if dry_run:
        return []
    candidates = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    for candidate in candidates:
        path = _join(directory, candidate)
        text = reader.text(path)
        if text is None:
            continue
        parsed = Makefile(text)
        parsed.variables.update(overrides)
        steps = []
        for _target, line in parsed.recipes(targets)[:MAX_STEPS]:
            command = _recipe_command(line)
            if command:
                steps.append(Step("shell", command, directory, path))
        return steps
    return []


# --- just ------------------------------------------------------------------------------------

def just_steps(reader: FileReader, args: list[str], cwd: str) -> list[Step]:
    """The recipe lines `just RECIPE...` would run (justfile in `cwd` or a parent)."""
    directory = cwd
    path = None
    recipes_wanted: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-f", "--justfile") and i + 1 < len(args):
            path = _join(cwd, args[i + 1])
            i += 2
            continue
        if arg in ("-n", "--dry-run", "-l", "--list", "--summary", "--show", "-s",
                   "--evaluate", "--dump", "--help", "-h", "--version", "-V"):
            return []
        if not arg.startswith("-") and "=" not in arg:
            recipes_wanted.append(arg)
        i += 1
    text = None
    if path is not None:
        text = reader.text(path)
    else:
        for _ in range(32):
            for name in ("justfile", "Justfile", ".justfile"):
                candidate = os.path.join(directory, name)
                text = reader.text(candidate)
                if text is not None:
                    path = candidate
                    break
            if text is not None or directory in ("/", ""):
                break
            directory = os.path.dirname(directory)
    if text is None or path is None:
        return []
    recipes, default = _justfile(text)
    base = os.path.dirname(path)
    steps: list[Step] = []
    seen: set[str] = set()
    wanted = [r for r in recipes_wanted if r in recipes][:1] or ([default] if default else [])

    def visit(name: str, depth: int) -> None:
        if name in seen or depth > MAX_MAKE_DEPTH or name not in recipes:
            return
        seen.add(name)
        dependencies, body = recipes[name]
        for dependency in dependencies:
            visit(dependency, depth + 1)
        lines = [_just_line(line) for line in body]
        if lines and lines[0].startswith("#!"):
            language = language_of_shebang(lines[0]) or "shell"
            steps.append(Step(language, "\n".join(lines), base, path))
            return
        for line in lines:
            if line:
                steps.append(Step("shell", line, base, path))

    for name in wanted:
        visit(name, 0)
    return steps[:MAX_STEPS]


def _just_line(line: str) -> str:
    out = []
    i = 0
    while i < len(line):
        if line.startswith("{{{{", i):
            out.append("{{")
            i += 4
        elif line.startswith("{{", i):
            close = line.find("}}", i + 2)
            out.append(UNKNOWN)
            i = len(line) if close < 0 else close + 2
        else:
            out.append(line[i])
            i += 1
    return _recipe_command("".join(out))


def _justfile(text: str) -> tuple[dict, str]:
    """recipe name -> (dependencies, body lines); and the first (default) recipe."""
    recipes: dict[str, tuple[list, list]] = {}
    default = ""
    current = None
    for raw in text.split("\n"):
        if raw[:1] in (" ", "\t") and current is not None:
            recipes[current][1].append(raw.strip())
            continue
        line = raw.split("#", 1)[0].rstrip() if not raw.startswith("#!") else raw
        current = None
        if not line or line.startswith(("set ", "export ", "alias ", "import ", "mod ", "[")):
            continue
        head, sep, rest = line.partition(":")
        if not sep or rest.startswith("="):
            continue
        words = head.split()
        if not words:
            continue
        name = words[0].lstrip("@")
        if not name.replace("-", "").replace("_", "").isalnum():
            continue
        recipes[name] = ([d.split("(", 1)[0] for d in rest.split() if d != "&&"], [])
        current = name
        if not default:
            default = name
    return recipes, default


# --- package.json scripts -----------------------------------------------------------------

LIFECYCLE = {
    "install": ("preinstall", "install", "postinstall", "prepublish", "preprepare",
                "prepare", "postprepare"),
    "pack": ("prepack", "prepare", "postpack"),
    "publish": ("prepublishOnly", "prepack", "prepare", "postpack", "publish",
                "postpublish"),
}
_NPM_RUN = {"run": "", "run-script": "", "rum": "", "urn": "", "test": "test", "t": "test",
            "tst": "test", "start": "start", "stop": "stop", "restart": "restart"}
_NPM_INSTALL = frozenset({"install", "i", "in", "ins", "inst", "insta", "instal", "isnt",
                          "isntall", "add", "ci", "clean-install", "install-clean", "ic",
                          "isntal", "install-test", "it"})


def find_package(reader: FileReader, cwd: str) -> tuple[str, dict] | None:
    """(path, manifest) of the nearest package.json at or above `cwd`."""
    from ... import jsonio

    directory = cwd
    for _ in range(64):
        path = os.path.join(directory, "package.json")
        text = reader.text(path)
        if text is not None:
            try:
                data = jsonio.loads(text)
            except (ValueError, RecursionError):
                return None
            return (path, data) if isinstance(data, dict) else None
        if directory in ("/", ""):
            return None
        directory = os.path.dirname(directory)
    return None


def package_steps(reader: FileReader, manager: str, args: list[str], cwd: str) -> list[Step]:
    """The package.json scripts `npm|pnpm|yarn|bun ARGS` would run in `cwd`."""
    args = [a for a in args if a not in ("--silent", "-s", "--if-present", "--quiet")]
    directory = cwd
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--prefix", "-C", "--cwd", "--dir") and i + 1 < len(args):
            directory = _join(cwd, args[i + 1])
            i += 2
            continue
        if arg.startswith(("--prefix=", "--cwd=", "--dir=")):
            directory = _join(cwd, arg.partition("=")[2])
        elif arg in ("--ignore-scripts",):
            return []
        else:
            rest.append(arg)
        i += 1
    found = find_package(reader, directory)
    if found is None:
        return []
    path, manifest = found
    scripts = manifest.get("scripts")
    if not isinstance(scripts, dict):
        return []
    names = _script_names(manager, [a for a in rest if not a.startswith("-")], scripts)
    base = os.path.dirname(path)
    steps = []
    for name in names:
        text = scripts.get(name)
        if isinstance(text, str) and text.strip():
            steps.append(Step("shell", text, base, f"{path}#scripts.{name}"))
    return steps[:MAX_STEPS]


def _script_names(manager: str, words: list[str], scripts: dict) -> list[str]:
    """Which scripts run, with their pre/post scripts."""
    if not words:
        # `yarn`, `pnpm` and `bun` alone install; `npm` alone only prints help.
        return list(LIFECYCLE["install"]) if manager in ("yarn", "pnpm", "bun") else []
    command = words[0]
    if command in _NPM_INSTALL and (manager != "npm" or len(words) == 1
                                    or command in ("ci", "clean-install", "ic")):
        names = list(LIFECYCLE["install"])
        if command in ("install-test", "it"):
            names += ["pretest", "test", "posttest"]
        return names
    if command in ("pack", "publish"):
        return list(LIFECYCLE[command])
    if command in ("version",):
        return ["preversion", "version", "postversion"]
    if command in _NPM_RUN:
        target = _NPM_RUN[command] or (words[1] if len(words) > 1 else "")
    elif command in scripts and (manager != "npm"):
        target = command  # `yarn build`, `pnpm lint`, `bun dev`
    else:
        return []
    if not target or (manager == "bun" and command == "test" and "test" not in scripts):
        return []
    return [f"pre{target}", target, f"post{target}"]


# --- git hooks ---------------------------------------------------------------------------

HOOKS_BY_COMMAND = {
    "commit": ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"),
    "merge": ("pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge"),
    "pull": ("pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge",
             "post-checkout", "post-rewrite"),
    "push": ("pre-push",),
    "checkout": ("post-checkout",),
    "switch": ("post-checkout",),
    "rebase": ("pre-rebase", "post-rewrite", "post-checkout"),
    "am": ("applypatch-msg", "pre-applypatch", "post-applypatch"),
    "cherry-pick": ("prepare-commit-msg", "commit-msg", "post-commit"),
    "revert": ("prepare-commit-msg", "commit-msg", "post-commit"),
    "gc": ("pre-auto-gc",),
    "worktree": ("post-checkout",),
}
_NO_VERIFY_SKIPS = frozenset({"pre-commit", "commit-msg", "pre-push", "pre-merge-commit",
                              "applypatch-msg", "pre-applypatch"})


def git_dir(reader: FileReader, cwd: str) -> str | None:
    """The `.git` folder of the repository at or above `cwd` (following a `gitdir:` file)."""
    directory = cwd
    for _ in range(64):
        candidate = os.path.join(directory, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):
            text = reader.text(candidate) or ""
            if text.startswith("gitdir:"):
                return _join(directory, text[7:].strip())
            return None
        if directory in ("/", ""):
            return None
        directory = os.path.dirname(directory)
    return None


def git_config_value(text: str, section: str, key: str) -> str | None:
    """`[section] key = value` from a git config text (last one wins; case-insensitive
    section and key, subsection ignored)."""
    current = ""
    found = None
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("["):
            current = line[1:].split("]", 1)[0].split(" ", 1)[0].split('"', 1)[0].lower()
            continue
        if current != section or "=" not in line:
            continue
        name, _eq, value = line.partition("=")
        if name.strip().lower() == key:
            value = value.split(" #", 1)[0].split(" ;", 1)[0].strip()
            found = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return found


def git_hook_steps(reader: FileReader, subcommand: str, args: list[str], cwd: str,
                   hooks_path: str | None = None) -> list[Step]:
    """The hooks `git SUBCOMMAND ARGS` would run in the repository at `cwd`."""
    names = HOOKS_BY_COMMAND.get(subcommand)
    if not names:
        return []
    if subcommand == "worktree" and (not args or args[0] != "add"):
        return []
    if any(a in ("-n", "--no-verify") for a in args) and subcommand in ("commit", "push",
                                                                         "merge", "am"):
        names = tuple(n for n in names if n not in _NO_VERIFY_SKIPS)
    if subcommand == "commit" and any(a in ("--dry-run",) for a in args):
        return []
    directory = git_dir(reader, cwd)
    if directory is None and hooks_path is None:
        return []
    top = os.path.dirname(directory) if directory else cwd
    if hooks_path is None and directory is not None:
        config = reader.text(os.path.join(directory, "config")) or ""
        hooks_path = git_config_value(config, "core", "hookspath")
    if hooks_path:
        if hooks_path.startswith("~/"):
            hooks_path = os.path.expanduser(hooks_path)
        hooks = _join(top, hooks_path)
    elif directory is not None:
        hooks = os.path.join(directory, "hooks")
    else:
        return []
    steps = []
    for name in names:
        path = os.path.join(hooks, name)
        if not os.access(path, os.X_OK):
            continue
        found = reader.read(path)
        if found is None:
            continue
        text, truncated = found
        language = language_of_shebang(text.split("\n", 1)[0]) or "shell"
        steps.append(Step(language, text, top, path, truncated))
    return steps


# --- project files a tool runs on its own --------------------------------------------------

# pytest collects `conftest.py` from the folders it is given (or the working directory) and
# their test subfolders, and imports each before any test runs.
_TEST_FOLDERS = ("", "tests", "test", "testing", "src/tests")


def _pytest_steps(reader: FileReader, args: list[str], cwd: str) -> list[Step]:
    roots = [a.split("::", 1)[0] for a in args if a and not a.startswith("-")]
    folders = []
    for root in roots or ["."]:
        path = _join(cwd, root)
        folder = path if not path.endswith(".py") else os.path.dirname(path)
        folders.append(folder)
        if not roots:
            folders.extend(os.path.join(folder, sub) for sub in _TEST_FOLDERS[1:])
    steps = []
    seen: set = set()
    for folder in folders[:8]:
        for candidate in (folder, os.path.dirname(folder)):
            conftest = os.path.join(candidate, "conftest.py")
            if conftest in seen:
                continue
            seen.add(conftest)
            step = script_step(reader, conftest, "python", cwd)
            if step is not None:
                steps.append(step)
    return steps


def _pip_steps(reader: FileReader, args: list[str], cwd: str) -> list[Step]:
    """`pip install .` / `pip install -e DIR`: a local project's setup.py runs to build it."""
    if "install" not in args and "wheel" not in args and "download" not in args:
        return []
    steps = []
    for index, arg in enumerate(args):
        local = arg in (".", "..") or arg.startswith(("./", "../", "/"))
        after_editable = index > 0 and args[index - 1] in ("-e", "--editable")
        if arg.startswith("--editable="):
            arg, local = arg.partition("=")[2], True
        if (local or after_editable) and "://" not in arg and "+" not in arg.partition(":")[0]:
            step = script_step(reader, os.path.join(_join(cwd, arg.split("[", 1)[0]),
                                                    "setup.py"), "python", cwd)
            if step is not None:
                steps.append(step)
    return steps[:4]


def _direnv_steps(reader: FileReader, args: list[str], cwd: str) -> list[Step]:
    """`direnv allow [DIR|FILE]`: the .envrc is sourced by the user's shell from now on
    (`reload` sources it now)."""
    if not args or args[0] not in ("allow", "permit", "grant", "reload"):
        return []
    target = next((a for a in args[1:] if not a.startswith("-")), ".")
    path = _join(cwd, target)
    if not path.endswith((".envrc", ".env")):
        path = os.path.join(path, ".envrc")
    step = script_step(reader, path, "shell", cwd)
    if step is None:
        return []
    # direnv's own functions load files into the environment (not into the conversation)
    # or pick a layout; the rest of the file is shell code that runs.
    step.text = "\n".join(line for line in step.text.split("\n")
                          if line.strip().split(" ", 1)[0] not in _DIRENV_STDLIB)
    return [step]


_DIRENV_STDLIB = frozenset({
    "dotenv", "dotenv_if_exists", "source_env", "source_env_if_exists", "source_up",
    "source_up_if_exists", "watch_file", "watch_dir", "layout", "use", "env_vars_required",
    "strict_env", "unstrict_env", "PATH_add", "path_add", "MANPATH_add", "load_prefix"})


def project_steps(reader: FileReader, program: str, args: list[str], cwd: str) -> list[Step]:
    """Project files a tool runs without being told to (pytest's conftest.py, the setup.py of
    `pip install .`, the .envrc `direnv allow` lets run)."""
    if program in ("pytest", "py.test"):
        return _pytest_steps(reader, args, cwd)
    if program == "pip":
        return _pip_steps(reader, args, cwd)
    if program == "direnv":
        return _direnv_steps(reader, args, cwd)
    return []
