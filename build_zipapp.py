#!/usr/bin/env python3
"""Build `dist/prempti-hook.pyz`: one self-contained file that runs on Python >= 3.9.

    python3 build_zipapp.py [--quiet] [--output PATH]

Works on a fresh machine with only python3 and pip:
1. shiv: used from this interpreter if importable, otherwise from a build venv made on
   demand under `.cache/build-venv` (shiv version from pyproject's `build` extra).
2. Runtime dependencies (pyproject's `dependencies`) are resolved *for the oldest Python
   we support* (`requires-python`), so that every bundled library still runs there, then
   installed for this interpreter (so PyYAML's C extension loads on the build's Python;
   elsewhere PyYAML falls back to pure Python). They are cached under `.cache/deps/`, so
   later builds need no network.
3. site-packages is staged: the `prempti_hook` package, the shipped `rules/*.yaml` as
   package data `prempti_hook/rules_default/`, the dependencies.
4. shiv builds the zipapp, with a build id that is the hash of the staged files (a changed
   build never reuses an old extraction).
5. The archive is rewritten with, first, the *code bundle*: every pure-Python module of
   site-packages (ours and the libraries', found by walking the folder, so a new module is
   in it without anyone listing it) compiled for this interpreter and marshalled, with an
   index and a manifest (size and SHA-256) of every other file (PyYAML's C extension, the
   embedded rules) that the launcher checks before using its extracted copy. It is stored
   uncompressed, so the launcher reads each module with one `pread`. shiv's `__main__.py`
   is replaced by `prempti_hook/launcher.py` (with the build id and the bundle's offset
   filled in, plus its .pyc for this interpreter).
6. The result is smoke-tested (`--version`, in a throwaway extraction folder) before it
   replaces the previous `dist/prempti-hook.pyz` atomically.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent
PACKAGE = "prempti_hook"
ENTRY_POINT = "prempti_hook.cli:main"
DEFAULT_OUTPUT = REPO / "dist" / "prempti-hook.pyz"
CACHE = REPO / ".cache"
BUILD_VENV = CACHE / "build-venv"
DEPS_CACHE = CACHE / "deps"
SHEBANG = "/usr/bin/env python3"
LAUNCHER = REPO / PACKAGE / "launcher.py"
BUILD_ID_PLACEHOLDER = 'BUILD_ID = ""  # filled in by build_zipapp.py'
BUNDLE_AT_PLACEHOLDER = ("BUNDLE_AT = 0  # filled in by build_zipapp.py: where the code bundle "
                         "starts in the zipapp")
BUNDLE_NAME = "prempti-hook.bundle"
# Modules always imported together, each group stored as one blob of the code bundle (see
# launcher.pack_bundle): what every hook call imports, then what every shell call adds.
# tests/e2e/test_hook_zipapp.py checks that each group is imported whole by the call it is
# for (a module a call does not need must not be loaded with it).
IMPORTED_TOGETHER = (
    ("prempti_hook", "prempti_hook.cli", "prempti_hook.jsonio", "prempti_hook.agent_homes",
     "prempti_hook.hook", "prempti_hook.agents", "prempti_hook.agents.claude_code",
     "prempti_hook.files", "prempti_hook.config", "prempti_hook.event_source",
     "prempti_hook.verdict", "prempti_hook.alert", "prempti_hook.auditchain",
     "prempti_hook.auditlog", "prempti_hook.integrity", "prempti_hook.rulefiles",
     "prempti_hook.cache", "prempti_hook.event_source.paths", "prempti_hook.event_source.tools",
     "prempti_hook.event_source.derived_fields", "prempti_hook.event_source.event",
     "prempti_hook.falco", "prempti_hook.falco.runtime", "prempti_hook.falco.stored",
     "prempti_hook.event_source.secrets"),
    ("prempti_hook.event_source.shell", "prempti_hook.event_source.shell.analysis",
     "prempti_hook.event_source.shell.nodes",
     "prempti_hook.event_source.shell.syntax", "prempti_hook.event_source.shell.parser",
     "prempti_hook.event_source.shell.expand", "prempti_hook.event_source.shell.programs.common",
     "prempti_hook.event_source.shell.programs", "prempti_hook.event_source.shell.evaluate"),
)
FILE_MODE = 0o100644  # regular file, rw-r--r--: staged modes must not depend on the checkout


class BuildError(Exception):
    """The build cannot go on; the message says why and what to do."""


class Console:
    """Progress on stderr unless --quiet; command output is kept to show on failure."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def run(self, command: list[str], what: str, env: dict | None = None) -> str:
        self.say(f"  {what}")
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=env, cwd=REPO)
        if result.returncode != 0:
            raise BuildError(f"{what} failed ({' '.join(command[:4])} ... exited "
                             f"{result.returncode}):\n{result.stdout.strip()}")
        return result.stdout


# pyproject.toml -----------------------------------------------------------------------------

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def read_pyproject(path: Path = REPO / "pyproject.toml") -> dict:
    """The few pyproject values the build needs: `dependencies`, `requires-python` and the
    `build` optional dependencies. A small reader for exactly that shape, because tomllib
    only exists from Python 3.11 and the build must run on 3.9."""
    tables: dict[str, dict[str, object]] = {}
    table = ""
    pending: tuple[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if pending is not None:
            key, items = pending
            items.extend(_STRING.findall(line))
            if line.endswith("]"):
                tables.setdefault(table, {})[key] = items
                pending = None
            continue
        if line.startswith("[") and line.endswith("]"):
            table = line.strip("[]").strip()
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if value.startswith("["):
            items = _STRING.findall(value)
            if value.endswith("]"):
                tables.setdefault(table, {})[key] = items
            else:
                pending = (key, items)
        elif value.startswith('"'):
            found = _STRING.match(value)
            tables.setdefault(table, {})[key] = found.group(1) if found else value
    project = tables.get("project", {})
    extras = tables.get("project.optional-dependencies", {})
    return {"dependencies": list(project.get("dependencies", [])),
            "requires-python": project.get("requires-python", ">=3.9"),
            "build": list(extras.get("build", ["shiv>=1.0.4,<2"]))}


def oldest_python(requires: str) -> str:
    """`>=3.9` -> `3.9`: the Python version the bundled dependencies must support."""
    found = re.search(r">=\s*(\d+\.\d+)", requires)
    if not found:
        raise BuildError(f"pyproject requires-python {requires!r} has no `>=X.Y` lower bound")
    return found.group(1)


# shiv ---------------------------------------------------------------------------------------

def shiv_python(console: Console, spec: list[str]) -> str:
    """An interpreter that runs `-m shiv` and `-m pip`: this one when it has shiv (and pip),
    otherwise the build venv, created and filled on first use."""
    if importlib.util.find_spec("shiv") and importlib.util.find_spec("pip"):
        return sys.executable
    python = BUILD_VENV / "bin" / "python"
    stamp = BUILD_VENV / ".prempti-build-venv"
    wanted = json.dumps({"shiv": spec, "python": sys.version})
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    console.say(f"shiv is not importable here: making a build venv in {BUILD_VENV}")
    try:
        console.run([sys.executable, "-m", "venv", "--clear", str(BUILD_VENV)],
                    "python3 -m venv .cache/build-venv")
    except BuildError as e:
        raise BuildError(f"{e}\nOn Debian/Ubuntu, `apt install python3-venv` provides "
                         f"venv; or install shiv for this python3 (pip install shiv)") from None
    # A current pip: older ones (23.0 here) resolve for `--python-version` without honouring
    # every dependency's Requires-Python.
    console.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "--upgrade", "pip"], "pip install --upgrade pip")
    console.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 *spec], "pip install " + " ".join(spec))
    stamp.write_text(wanted)
    return str(python)


# dependencies -------------------------------------------------------------------------------

def resolve_for(python: str, console: Console, specs: list[str], version: str) -> list[str]:
    """Exact `name==version` pins satisfying `specs` that support Python `version`."""
    with tempfile.TemporaryDirectory(prefix="prempti-resolve-") as tmp:
        report = Path(tmp, "report.json")
        console.run([python, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                     "--quiet", "--disable-pip-version-check", "--report", str(report),
                     "--target", str(Path(tmp, "target")), "--python-version", version,
                     "--only-binary=:all:", *specs],
                    f"resolve {', '.join(specs)} for Python {version}")
        data = json.loads(report.read_text())
    return sorted(f"{item['metadata']['name']}=={item['metadata']['version']}"
                  for item in data.get("install", []))


_CLAUSE = re.compile(r"(~=|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?")


def supports(requires: str, version: str) -> bool:
    """Whether a `Requires-Python` value admits Python `version` (`3.9`: any 3.9.x). Only
    the major.minor part of each clause counts; a clause it cannot read is ignored."""
    have = tuple(int(p) for p in version.split("."))[:2]
    for clause in requires.split(","):
        found = _CLAUSE.fullmatch(clause.strip())
        if not found:
            continue
        op, target = found.group(1), tuple(int(p) for p in found.group(2).split("."))[:2]
        if not {">=": have >= target, ">": have > target, "<=": have <= target,
                "<": have < target, "~=": have >= target, "==": have == target,
                "!=": have != target or len(found.group(2).split(".")) > 2}[op]:
            return False
    return True


def check_supported(site_packages: Path, version: str) -> None:
    """Refuse dependencies whose metadata excludes the oldest Python we support."""
    for metadata in sorted(site_packages.glob("*.dist-info/METADATA")):
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("requires-python:"):
                requires = line.split(":", 1)[1].strip()
                if not supports(requires, version):
                    raise BuildError(
                        f"{metadata.parent.name} requires Python {requires}, but the zipapp "
                        f"must run on Python {version}: this pip resolved it wrongly; upgrade "
                        f"pip ({sys.executable} -m pip install --upgrade pip) and rebuild")
            if not line:
                break


def dependencies(python: str, console: Console, specs: list[str], version: str) -> Path:
    """A folder holding the runtime dependencies, built once per (specs, oldest Python,
    this interpreter and platform) and reused."""
    key_text = json.dumps([specs, version, sys.implementation.cache_tag,
                           sysconfig.get_platform()])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    folder = DEPS_CACHE / key
    if (folder / "pins.txt").exists():
        return folder / "site-packages"
    DEPS_CACHE.mkdir(parents=True, exist_ok=True)
    pins = resolve_for(python, console, specs, version)
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=DEPS_CACHE))
    try:
        console.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     "--no-deps", "--no-compile", "--target", str(work / "site-packages"),
                     *pins], "install " + ", ".join(pins))
        check_supported(work / "site-packages", version)
        (work / "pins.txt").write_text("\n".join(pins) + "\n")
        try:
            work.rename(folder)
        except OSError:
            if not (folder / "pins.txt").exists():  # not a concurrent build that won
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder / "site-packages"


# staging ------------------------------------------------------------------------------------

def _skip(path: Path) -> bool:
    return path.name == "__pycache__" or path.suffix == ".pyc" or path.name.startswith(".")


def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(FILE_MODE & 0o777)


def copy_tree(source: Path, target: Path, exclude_top: tuple[str, ...] = ()) -> None:
    """Copy the files under `source` (no caches, no hidden files) with normalized modes."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts[0] in exclude_top or any(_skip(Path(p)) for p in relative.parts):
            continue
        if path.is_file():
            _copy_file(path, target / relative)


def stage(site_packages: Path, deps: Path, rules_dir: Path) -> None:
    """Fill `site_packages` with what the zipapp carries."""
    from prempti_hook import files

    package = site_packages / PACKAGE
    copy_tree(REPO / PACKAGE, package, exclude_top=("rules_default",))
    rules = sorted(p for p in rules_dir.iterdir()
                   if p.suffix in files.RULE_SUFFIXES and not p.name.startswith(".")) \
        if rules_dir.is_dir() else []
    (package / "rules_default").mkdir(parents=True, exist_ok=True)
    for path in rules:
        _copy_file(path, package / "rules_default" / path.name)
    copy_tree(deps, site_packages, exclude_top=("bin", PACKAGE))
    pth = sorted(p.name for p in site_packages.glob("*.pth"))
    if pth:
        # The launcher does not run site.addsitedir, so a .pth file would be honoured on the
        # first run (shiv's bootstrap) and ignored on every later one.
        raise BuildError(f"a bundled dependency ships .pth files {pth}; the launcher does not "
                         f"process them")


# the archive --------------------------------------------------------------------------------

def launcher_source(build_id: str, bundle_at: int) -> str:
    text = LAUNCHER.read_text(encoding="utf-8")
    for line in (BUILD_ID_PLACEHOLDER, BUNDLE_AT_PLACEHOLDER):
        if text.count(line) != 1:
            raise BuildError(f"{LAUNCHER} must contain the line {line!r} once")
    if not re.fullmatch(r"[0-9a-f]{64}", build_id):
        raise BuildError(f"unexpected build id {build_id!r} from shiv")
    return text.replace(BUILD_ID_PLACEHOLDER, f'BUILD_ID = "{build_id}"').replace(
        BUNDLE_AT_PLACEHOLDER, f"BUNDLE_AT = {bundle_at}")


# The code bundle ----------------------------------------------------------------------------

_EXTENSION_SUFFIXES = (".so", ".pyd")


def _module_name(relpath: str, packages: set[str]) -> str | None:
    """The module a `.py` file under site-packages is (`a/b/c.py` -> `a.b.c`,
    `a/b/__init__.py` -> `a.b`), or None when it is not importable as part of a regular
    package (a folder without `__init__.py`, a name that is not an identifier)."""
    parts = relpath[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    if any(".".join(parts[:i]) not in packages for i in range(1, len(parts))):
        return None
    return ".".join(parts)


def _extension_name(relpath: str, packages: set[str]) -> str | None:
    """The module a C extension file is (`yaml/_yaml.cpython-311-x86_64-linux-gnu.so` ->
    `yaml._yaml`), or None."""
    folder, _, filename = relpath.rpartition("/")
    base = filename.split(".", 1)[0]
    parts = [*(folder.split("/") if folder else []), base]
    if not all(p.isidentifier() for p in parts) or (folder and folder.replace("/", ".")
                                                     not in packages):
        return None
    return ".".join(parts)


def make_bundle(archive: zipfile.ZipFile, build_id: str) -> bytes:
    """The code bundle of the site-packages files in `archive` (see the module docstring)."""
    from prempti_hook import launcher

    prefix = "site-packages/"
    entries = {i.filename[len(prefix):]: i for i in archive.infolist()
               if i.filename.startswith(prefix) and not i.filename.endswith("/")}
    packages = {relpath[:-len("/__init__.py")].replace("/", ".") for relpath in entries
                if relpath.endswith("/__init__.py")}
    compiled, extensions, files = [], {}, {}
    for relpath in sorted(entries):
        data = archive.read(entries[relpath])
        name = _module_name(relpath, packages) if relpath.endswith(".py") else None
        if name is not None:
            try:
                code = launcher.compile_module(data, prefix + relpath)
            except SyntaxError as e:
                raise BuildError(f"{relpath} does not compile: {e}") from None
            compiled.append((name, prefix + relpath, code))
            continue
        files[prefix + relpath] = (len(data), hashlib.sha256(data).hexdigest())
        if relpath.endswith(_EXTENSION_SUFFIXES):
            extension = _extension_name(relpath, packages)
            if extension is not None:
                extensions[extension] = prefix + relpath
    try:
        return launcher.pack_bundle(build_id, importlib.util.MAGIC_NUMBER, compiled,
                                    extensions, {"files": files}, IMPORTED_TOGETHER)
    except ValueError as e:
        raise BuildError(f"IMPORTED_TOGETHER: {e}") from None


def _entry(name: str, date_time: tuple, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = compress
    info.external_attr = FILE_MODE << 16
    return info


def compiled(source: str, filename: str) -> bytes:
    """`source` as an unchecked-hash .pyc for this interpreter. zipimport prefers
    `__main__.pyc` to `__main__.py` when its magic number matches (other Python versions
    fall back to the source), and an unchecked-hash pyc does not depend on zip timestamps,
    which zipimport would read in the local time zone. Docstrings are left out (optimize
    2; the launcher has no asserts): Python reads and unmarshals `__main__` twice per run."""
    with tempfile.TemporaryDirectory(prefix="prempti-pyc-") as tmp:
        source_path, pyc_path = Path(tmp, filename), Path(tmp, filename + "c")
        source_path.write_text(source, encoding="utf-8")
        py_compile.compile(str(source_path), cfile=str(pyc_path), dfile=filename, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                           optimize=2)
        return pyc_path.read_bytes()


def finish(raw: Path, output: Path) -> str:
    """Rewrite shiv's archive `raw` into `output` (atomically): the code bundle first, then
    shiv's files, then our launcher as `__main__.py`; returns the build id."""
    with zipfile.ZipFile(raw) as source:
        environment = json.loads(source.read("environment.json"))
        if environment.get("entry_point") != ENTRY_POINT:
            raise BuildError(f"shiv wrote an unexpected environment.json: {environment}")
        build_id = environment["build_id"]
        bundle = make_bundle(source, build_id)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        try:
            with partial.open("wb") as fd:
                fd.write(b"#!" + SHEBANG.encode() + b"\n")
                with zipfile.ZipFile(fd, "w", zipfile.ZIP_DEFLATED) as target:
                    date_time = (1980, 1, 1, 0, 0, 0)
                    # Stored, not deflated, and first: the launcher reads it in place.
                    target.writestr(_entry(BUNDLE_NAME, date_time, zipfile.ZIP_STORED), bundle)
                    bundle_at = fd.tell() - len(bundle)
                    for info in source.infolist():
                        if info.filename in ("__main__.py", "__main__.pyc"):
                            continue
                        copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                        copy.compress_type = info.compress_type
                        copy.external_attr = info.external_attr
                        target.writestr(copy, source.read(info))
                        date_time = info.date_time
                    main_py = launcher_source(build_id, bundle_at)
                    # Stored, not deflated: reading them then needs no zlib import.
                    target.writestr(_entry("__main__.py", date_time, zipfile.ZIP_STORED),
                                    main_py)
                    target.writestr(_entry("__main__.pyc", date_time, zipfile.ZIP_STORED),
                                    compiled(main_py, "__main__.py"))
            partial.chmod(0o755)
            smoke_test(partial)
            os.replace(partial, output)
        finally:
            if partial.exists():
                partial.unlink()
    return build_id


def smoke_test(pyz: Path) -> None:
    """Run the new archive once (first run: extraction) in a throwaway folder."""
    with tempfile.TemporaryDirectory(prefix="prempti-smoke-") as root:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHIV_")}
        env["SHIV_ROOT"] = root
        result = subprocess.run([sys.executable, "-I", "-S", str(pyz), "--version"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, timeout=120)
    if result.returncode != 0 or not result.stdout.startswith("prempti-hook "):
        raise BuildError(f"the built zipapp does not run: exit {result.returncode}\n"
                         f"{result.stdout.strip()}")


def build(output: Path = DEFAULT_OUTPUT, quiet: bool = False,
          rules_dir: Path = REPO / "rules") -> str:
    """Build the zipapp into `output`; returns the build id."""
    console = Console(quiet)
    project = read_pyproject()
    python = shiv_python(console, project["build"])
    version = oldest_python(str(project["requires-python"]))
    deps = dependencies(python, console, project["dependencies"], version)
    with tempfile.TemporaryDirectory(prefix="prempti-build-") as tmp:
        site_packages = Path(tmp, "site-packages")
        stage(site_packages, deps, rules_dir)
        raw = Path(tmp, "shiv.pyz")
        console.run([python, "-m", "shiv", "--site-packages", str(site_packages),
                     "--entry-point", ENTRY_POINT, "--output-file", str(raw),
                     "--python", SHEBANG, "--reproducible"],
                    "shiv")
        return finish(raw, output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build dist/prempti-hook.pyz with shiv.")
    parser.add_argument("--quiet", action="store_true", help="print nothing unless it fails")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"where to write the zipapp (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        build_id = build(args.output.resolve(), args.quiet)
    except BuildError as e:
        print(f"build_zipapp: {e}", file=sys.stderr)
        return 1
    except (OSError, subprocess.SubprocessError) as e:
        print(f"build_zipapp: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        size = args.output.stat().st_size
        print(f"built {args.output} ({size / 1024:.0f} KiB, build {build_id[:12]}) in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
