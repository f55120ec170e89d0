"""The zipapp: what `build_zipapp.py` puts in it, and the launcher that starts it.

The archive is built once per session into a temporary folder (the dependency cache under
`.cache/deps` makes that about a second). Every run uses its own SHIV_ROOT, so nothing here
touches `~/.shiv`.
"""

from __future__ import annotations

import glob
import importlib.machinery
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import build_zipapp  # noqa: E402
from prempti_hook import __version__, launcher  # noqa: E402

pytestmark = pytest.mark.e2e
VERSION_LINE = f"prempti-hook {__version__}"
PYTHON = os.path.realpath(sys.executable)


def build(output: Path, *extra: str) -> str:
    result = subprocess.run([sys.executable, str(REPO / "build_zipapp.py"), "--quiet",
                             "--output", str(output), *extra], capture_output=True, text=True,
                            cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # --quiet means quiet
    with zipfile.ZipFile(output) as archive:
        return json.loads(archive.read("environment.json"))["build_id"]


def build_with_rules(output: Path, rules: Path) -> None:
    """Build into `output` with `rules` embedded instead of the shipped rules (in a child
    process, as the command line does)."""
    subprocess.run([sys.executable, "-c",
                    f"import sys; sys.path.insert(0, {str(REPO)!r}); import build_zipapp; "
                    f"from pathlib import Path; "
                    f"build_zipapp.build(Path({str(output)!r}), True, Path({str(rules)!r}))"],
                   check=True, cwd=REPO)


@pytest.fixture(scope="session")
def pyz(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "prempti-hook.pyz"
    build(out)
    return out


@pytest.fixture(scope="session")
def build_id(pyz: Path) -> str:
    with zipfile.ZipFile(pyz) as archive:
        return json.loads(archive.read("environment.json"))["build_id"]


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHIV_", "PYTHON", "PREMPTI_"))}
    env.update(extra)
    return env


def run(pyz: Path, root: Path, *args: str, python: str = PYTHON, flags=("-I", "-S"),
        stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, *flags, str(pyz), *args], input=stdin,
                          capture_output=True, text=True, timeout=300,
                          env=clean_env(SHIV_ROOT=str(root), **env))


def extraction(root: Path, pyz: Path, build_id: str) -> Path:
    return root / f"{pyz.resolve().name}_{build_id}"


def assert_version_ok(result: subprocess.CompletedProcess) -> None:
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, VERSION_LINE, "")


# The build ----------------------------------------------------------------------------------

def test_pyproject_reader_agrees_with_tomllib():
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    ours = build_zipapp.read_pyproject()
    assert ours["dependencies"] == data["project"]["dependencies"]
    assert ours["requires-python"] == data["project"]["requires-python"]
    assert ours["build"] == data["project"]["optional-dependencies"]["build"]
    assert build_zipapp.oldest_python(">=3.9") == "3.9"
    with pytest.raises(build_zipapp.BuildError):
        build_zipapp.oldest_python("<4")


@pytest.mark.parametrize(("requires", "ok"), [
    (">=3.9", True), (">=3.8,<4", True), (">=3.10", False), (">=3.11", False),
    ("<3.9", False), ("!=3.9.*", False), ("!=3.9.0", True), ("~=3.8", True),
    (">=3.9.1", True), ("something odd", True)])
def test_requires_python_check(requires, ok, tmp_path):
    assert build_zipapp.supports(requires, "3.9") is ok
    info = tmp_path / "dep-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Name: dep\nRequires-Python: {requires}\n\nbody\n")
    if ok:
        build_zipapp.check_supported(tmp_path, "3.9")
    else:
        with pytest.raises(build_zipapp.BuildError, match="upgrade pip"):
            build_zipapp.check_supported(tmp_path, "3.9")


def test_archive_layout(pyz, build_id):
    with zipfile.ZipFile(pyz) as archive:
        names = archive.namelist()
        environment = json.loads(archive.read("environment.json"))
        main_py = archive.read("__main__.py").decode()
        stamp = archive.read(f"site-packages/{launcher.STAMP_NAME}").decode()
        infos = archive.infolist()
        rules = {n.rsplit("/", 1)[1]: archive.read(n) for n in names
                 if n.startswith("site-packages/prempti_hook/rules_default/")}
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert environment["entry_point"] == "prempti_hook.cli:main"
    assert environment["compile_pyc"] is True
    assert len(build_id) == 64 and stamp == build_id
    assert f'BUILD_ID = "{build_id}"' in main_py
    assert main_py.replace(f'BUILD_ID = "{build_id}"', build_zipapp.BUILD_ID_PLACEHOLDER) == \
        (REPO / "prempti_hook" / "launcher.py").read_text()
    stored = {i.filename: i.compress_type for i in infos}
    assert stored["__main__.py"] == stored["__main__.pyc"] == zipfile.ZIP_STORED
    site = [i.filename for i in infos if i.filename.startswith("site-packages")]
    assert site[-1] == f"site-packages/{launcher.STAMP_NAME}"  # extracted last
    shipped = {p.name: p.read_bytes() for p in (REPO / "rules").glob("*.yaml")}
    assert rules == shipped
    assert not [n for n in names if (n.endswith(".pyc") and n != "__main__.pyc")
                or "__pycache__" in n]
    for module in ("prempti_hook/cli.py", "prempti_hook/auditlog.py", "yaml/__init__.py",
                   "pyparsing/__init__.py", "filelock/__init__.py"):
        assert f"site-packages/{module}" in names
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    assert any(n.startswith("site-packages/yaml/") and n.endswith(suffix) for n in names)
    # Extracted files get these modes: readable, never executable or group-writable.
    modes = {stat.S_IMODE(i.external_attr >> 16) for i in infos
             if i.filename.startswith("site-packages")}
    assert modes == {0o644}
    assert not [n for n in names if n.endswith(".pth")]


def test_the_build_is_reproducible_and_content_addressed(pyz, build_id, tmp_path):
    again = tmp_path / "prempti-hook.pyz"
    assert build(again) == build_id
    assert again.read_bytes() == pyz.read_bytes()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "extra.yaml").write_text("- list: extra\n  items: []\n")
    other = tmp_path / "other.pyz"
    # A different content (here: rules) is a different build id, so a different extraction.
    build_with_rules(other, rules)
    with zipfile.ZipFile(other) as archive:
        assert json.loads(archive.read("environment.json"))["build_id"] != build_id
        assert archive.read("site-packages/prempti_hook/rules_default/extra.yaml")


# The launcher -------------------------------------------------------------------------------

def test_launcher_finds_the_folder_shiv_extracts_to(tmp_path, monkeypatch):
    bootstrap = pytest.importorskip("shiv.bootstrap")
    real = tmp_path / "real" / "prempti-hook"
    real.parent.mkdir()
    real.write_bytes(b"")
    link = tmp_path / "link.pyz"
    link.symlink_to(real)

    class Archive:
        filename = str(link)

    for env in ({}, {"SHIV_ROOT": str(tmp_path / "r")}, {"SHIV_ROOT": "~/x/"},
                {"SHIV_ROOT": "$MYROOT", "MYROOT": str(tmp_path / "m")},
                {"SHIV_ROOT": "$UNSET_VAR_X"}, {"SHIV_ROOT": ""}):
        for key in ("SHIV_ROOT", "MYROOT", "UNSET_VAR_X"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        theirs = bootstrap.cache_path(Archive, os.environ.get("SHIV_ROOT"), "abc")
        ours = launcher.extraction_dir(str(link), os.environ, "abc")
        assert Path(ours) == theirs, env
        assert ours.endswith("/prempti-hook_abc")


def test_installed_zipapp_extracts_into_its_home_whatever_shiv_root_says(pyz, build_id,
                                                                        tmp_path):
    home = tmp_path / "p"
    installed = home / "bin" / "prempti-hook"
    installed.parent.mkdir(parents=True)
    shutil.copyfile(pyz, installed)
    link = tmp_path / "on-path" / "prempti-hook"
    link.parent.mkdir()
    link.symlink_to(installed)
    elsewhere = tmp_path / "elsewhere"
    for archive in (installed, link, installed):
        assert_version_ok(run(archive, elsewhere, "--version", PREMPTI_HOME=str(home)))
    assert launcher.is_complete(str(home / "lib" / f"prempti-hook_{build_id}"), build_id)
    assert not elsewhere.exists()
    # the same file under another PREMPTI_HOME is just a zipapp: SHIV_ROOT applies
    assert_version_ok(run(installed, elsewhere, "--version", PREMPTI_HOME=str(tmp_path / "q")))
    assert (elsewhere / f"prempti-hook_{build_id}").is_dir()


def test_first_run_extracts_and_later_runs_skip_shiv(pyz, build_id, tmp_path):
    assert_version_ok(run(pyz, tmp_path, "--version"))
    folder = extraction(tmp_path, pyz, build_id)
    assert launcher.is_complete(str(folder), build_id)
    assert not os.path.exists(f"{folder}.tmp")
    fast = run(pyz, tmp_path, "--version", flags=("-I", "-S", "-X", "importtime"))
    assert fast.returncode == 0 and fast.stdout.strip() == VERSION_LINE
    imported = {line.split("|")[-1].strip() for line in fast.stderr.splitlines()}
    assert "prempti_hook.cli" in imported
    assert not imported & {"_bootstrap", "zipfile", "shutil", "compileall", "hashlib",
                           "subprocess", "pathlib", "json", "zlib"}


def test_the_launcher_runs_precompiled_on_the_build_python(pyz, tmp_path):
    """Proof that `__main__.pyc` is what runs (no compiling of the launcher on each call):
    in a copy whose `__main__.py` says something else, the build's Python still runs the
    launcher, while another version (bad magic number) falls back to the source."""
    copy = tmp_path / "copy.pyz"
    with zipfile.ZipFile(pyz) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "__main__.py":
                data = b"print('ran the source')\n"
            target.writestr(info, data)
    assert_version_ok(run(copy, tmp_path / "root", "--version"))
    other = _interpreter(9) if sys.version_info[:2] != (3, 9) else _interpreter(12)
    if other is None:
        pytest.skip("no second Python version installed to check the fallback")
    result = run(copy, tmp_path / "root", "--version", python=other)
    assert result.stdout == "ran the source\n"


def test_pyc_files_are_written_even_with_dontwritebytecode(pyz, build_id, tmp_path):
    result = run(pyz, tmp_path, "--version", flags=(), PYTHONDONTWRITEBYTECODE="1")
    assert_version_ok(result)
    site = extraction(tmp_path, pyz, build_id) / "site-packages"
    tag = sys.implementation.cache_tag
    sources = list((site / "prempti_hook").rglob("*.py"))
    assert sources
    for source in sources:
        assert (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").exists(), source
    verbose = run(pyz, tmp_path, "--version", flags=("-v",), PYTHONDONTWRITEBYTECODE="1")
    assert f"cli.{tag}.pyc matches" in verbose.stderr  # the precompiled file is used


def test_leftover_partial_extraction_is_neither_used_nor_merged(pyz, build_id, tmp_path):
    folder = extraction(tmp_path, pyz, build_id)
    planted = Path(f"{folder}.tmp") / "site-packages"
    (planted / "prempti_hook").mkdir(parents=True)
    (planted / "prempti_hook" / "cli.py").write_text("def main():\n    print('PWNED')\n")
    (planted / "evil.pth").write_text("import os; print('PWNED')\n")
    (planted / launcher.STAMP_NAME).write_text(build_id)  # even a stamp does not make it used
    assert_version_ok(run(pyz, tmp_path, "--version"))
    assert not Path(f"{folder}.tmp").exists()
    assert not (folder / "site-packages" / "evil.pth").exists()
    assert "PWNED" not in (folder / "site-packages" / "prempti_hook" / "cli.py").read_text()


@pytest.mark.parametrize("stamp", [None, "0" * 64, ""])
def test_foreign_extraction_under_our_name_is_never_used(pyz, build_id, tmp_path, stamp):
    site = extraction(tmp_path, pyz, build_id) / "site-packages"
    (site / "prempti_hook").mkdir(parents=True)
    (site / "prempti_hook" / "__init__.py").write_text("")
    (site / "prempti_hook" / "cli.py").write_text("def main():\n    print('PWNED')\n")
    if stamp is not None:
        (site / launcher.STAMP_NAME).write_text(stamp)
    for _ in range(2):
        assert_version_ok(run(pyz, tmp_path, "--version"))
    assert (site / launcher.STAMP_NAME).read_text() == build_id


def test_stale_extraction_of_an_older_build_is_never_used(pyz, build_id, tmp_path):
    installed = tmp_path / "bin" / "prempti-hook"
    installed.parent.mkdir()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "new.yaml").write_text("- list: new\n  items: []\n")
    newer = tmp_path / "newer.pyz"
    build_with_rules(newer, rules)
    root = tmp_path / "root"
    shutil.copyfile(pyz, installed)
    assert_version_ok(run(installed, root, "--version"))
    old_site = extraction(root, installed, build_id) / "site-packages"
    (old_site / "prempti_hook" / "__init__.py").write_text('__version__ = "STALE"\n')
    shutil.rmtree(old_site / "prempti_hook" / "__pycache__")
    os.replace(newer, installed)  # the upgrade: same path, new content
    assert_version_ok(run(installed, root, "--version"))
    assert_version_ok(run(installed, root, "--version"))
    folders = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    assert len(folders) == 2 and f"prempti-hook_{build_id}" in folders


def test_twenty_concurrent_first_runs_all_succeed(pyz, build_id, tmp_path):
    procs = [subprocess.Popen([PYTHON, "-I", "-S", str(pyz), "--version"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=clean_env(SHIV_ROOT=str(tmp_path)))
             for _ in range(20)]
    results = [(p.wait(timeout=300), p.stdout.read().strip(), p.stderr.read()) for p in procs]
    for proc in procs:
        proc.stdout.close()
        proc.stderr.close()
    assert results == [(0, VERSION_LINE, "")] * 20
    entries = sorted(p.name for p in tmp_path.iterdir())
    assert entries == [f".{pyz.name}_{build_id}_lock", f"{pyz.name}_{build_id}"]
    assert launcher.is_complete(str(extraction(tmp_path, pyz, build_id)), build_id)


def test_shiv_environment_overrides_are_ignored(pyz, tmp_path):
    hostile = {"SHIV_INTERPRETER": "1", "SHIV_ENTRY_POINT": "os:getcwd",
               "SHIV_MODULE": "os:getcwd", "SHIV_PREPEND_PYTHONPATH": str(tmp_path / "evil"),
               "SHIV_FORCE_EXTRACT": "1"}
    (tmp_path / "evil" / "prempti_hook").mkdir(parents=True)
    (tmp_path / "evil" / "prempti_hook" / "__init__.py").write_text("raise SystemExit(7)\n")
    for _ in range(2):  # the first run goes through shiv's bootstrap, the second does not
        assert_version_ok(run(pyz, tmp_path / "root", "--version", **hostile))


def test_failure_to_start_is_a_json_deny_not_a_traceback(pyz, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    root = blocker / "root"  # below a regular file: extraction cannot happen
    hook = run(pyz, root, stdin='{"tool_name":"Bash"}')
    assert hook.returncode == 0
    answer = json.loads(hook.stdout)
    output = answer["hookSpecificOutput"]
    assert (output["hookEventName"], output["permissionDecision"]) == ("PreToolUse", "deny")
    assert "could not start" in output["permissionDecisionReason"]
    assert str(root) in output["permissionDecisionReason"]  # says where, so it can be fixed
    assert "Traceback" not in hook.stderr and len(hook.stderr.splitlines()) == 1
    command = run(pyz, root, "--version")
    assert command.returncode == 2 and command.stdout == ""
    assert "Traceback" not in command.stderr and len(command.stderr.splitlines()) == 1


def test_an_exception_escaping_the_entry_point_exits_2_in_one_line(tmp_path):
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); sys.argv = ['x']\n"
            "from prempti_hook import launcher\n"
            "def broken():\n    print('partial', end='')\n    raise ValueError('boom\\nsecond')\n"
            "launcher.run_entry(broken)\n")
    result = subprocess.run([PYTHON, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == "prempti-hook: internal error: ValueError: boom second\n"
    assert result.stdout == "partial"  # flushed before exiting, never lost
    ok = subprocess.run([PYTHON, "-I", "-S", "-c", code.replace("broken)", "lambda: 3)")])
    assert ok.returncode == 3


def _interpreter(minor: int) -> str | None:
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(f"{pyenv}/versions/3.{minor}*/bin/python3.{minor}"))
    candidates = [*found, shutil.which(f"python3.{minor}") or ""]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "pass"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("minor", [9, 12, 13])
def test_supported_pythons_run_the_pyz(pyz, build_id, tmp_path, minor):
    python = _interpreter(minor)
    if python is None:
        pytest.skip(f"Python 3.{minor} is not installed here")
    assert_version_ok(run(pyz, tmp_path, "--version", python=python))
    assert_version_ok(run(pyz, tmp_path, "--version", python=python))
    site = extraction(tmp_path, pyz, build_id) / "site-packages"
    # The bundled libraries import there too (PyYAML in pure Python off the build's version).
    check = ("import sys; sys.path.append(sys.argv[1]); import yaml, pyparsing, filelock; "
             "assert yaml.safe_load('a: [1, b]') == {'a': [1, 'b']}; "
             "pyparsing.Word(pyparsing.alphas).parse_string('abc'); "
             "lock = filelock.FileLock(sys.argv[2]); lock.acquire(); lock.release()")
    result = subprocess.run([python, "-I", "-S", "-c", check, str(site),
                             str(tmp_path / "x.lock")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_too_old_python_gets_a_deny(pyz, tmp_path):
    python = _interpreter(8)
    if python is None:
        pytest.skip("Python 3.8 is not installed here")
    hook = run(pyz, tmp_path, python=python, stdin="{}")
    assert hook.returncode == 0
    reason = json.loads(hook.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "needs Python 3.9 or newer" in reason
    assert run(pyz, tmp_path, "--version", python=python).returncode == 2
