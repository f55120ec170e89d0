"""The zipapp: what `build_zipapp.py` puts in it, and the launcher that starts it.

The archive is built once per session into a temporary folder (the dependency cache under
`.cache/deps` makes that about a second). Every run uses its own SHIV_ROOT, so nothing here
touches `~/.shiv`.
"""

from __future__ import annotations

import glob
import importlib.machinery
import json
import marshal
import os
import re
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
        infos = archive.infolist()
        rules = {n.rsplit("/", 1)[1]: archive.read(n) for n in names
                 if n.startswith("site-packages/prempti_hook/rules_default/")}
    assert pyz.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert environment["entry_point"] == "prempti_hook.cli:main"
    assert len(build_id) == 64
    at = int(re.search(r"^BUNDLE_AT = (\d+)$", main_py, re.M).group(1))
    assert f'BUILD_ID = "{build_id}"' in main_py
    assert main_py.replace(f'BUILD_ID = "{build_id}"', build_zipapp.BUILD_ID_PLACEHOLDER).replace(
        f"BUNDLE_AT = {at}", build_zipapp.BUNDLE_AT_PLACEHOLDER) == \
        (REPO / "prempti_hook" / "launcher.py").read_text()
    # The code bundle is the first entry, stored, and the launcher knows where its bytes are.
    assert infos[0].filename == build_zipapp.BUNDLE_NAME
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert pyz.read_bytes()[at:at + len(launcher.BUNDLE_MAGIC) + 64] == \
        launcher.BUNDLE_MAGIC + build_id.encode()
    stored = {i.filename: i.compress_type for i in infos}
    assert stored["__main__.py"] == stored["__main__.pyc"] == zipfile.ZIP_STORED
    shipped = {p.name: p.read_bytes() for p in (REPO / "rules").glob("*.yaml")}
    assert rules == shipped
    assert not [n for n in names if (n.endswith(".pyc") and n != "__main__.pyc")
                or "__pycache__" in n]
    for module in ("prempti_hook/cli.py", "prempti_hook/auditlog.py", "yaml/__init__.py",
                   "filelock/__init__.py"):
        assert f"site-packages/{module}" in names
    assert not [n for n in names if n.startswith("site-packages/pyparsing")]  # not a dependency
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    assert any(n.startswith("site-packages/yaml/") and n.endswith(suffix) for n in names)
    # Extracted files get these modes: readable, never executable or group-writable.
    modes = {stat.S_IMODE(i.external_attr >> 16) for i in infos
             if i.filename.startswith("site-packages")}
    assert modes == {0o644}
    assert not [n for n in names if n.endswith(".pth")]


def _bundle_of(pyz: Path) -> tuple[dict, dict]:
    """(index, manifest) of the code bundle in `pyz`."""
    import marshal

    data = pyz.read_bytes()
    main_py = zipfile.ZipFile(pyz).read("__main__.py").decode()
    at = int(re.search(r"^BUNDLE_AT = (\d+)$", main_py, re.M).group(1))
    size = int.from_bytes(data[at + launcher.BUNDLE_HEAD - 4:at + launcher.BUNDLE_HEAD], "little")
    index = marshal.loads(data[at + launcher.BUNDLE_HEAD:at + launcher.BUNDLE_HEAD + size])
    base = at + launcher.BUNDLE_HEAD + size
    offset, length = index["manifest"]
    return index, marshal.loads(data[base + offset:base + offset + length])


def test_the_bundle_holds_every_module_and_a_manifest_of_every_other_file(pyz):
    """Found by walking site-packages: a module someone adds is in it without a list."""
    index, manifest = _bundle_of(pyz)
    with zipfile.ZipFile(pyz) as archive:
        sources = {n for n in archive.namelist()
                   if n.startswith("site-packages/") and n.endswith(".py")}
        others = {n for n in archive.namelist() if n.startswith("site-packages/")
                  and not n.endswith((".py", "/"))}
        so = next(n for n in others if n.startswith("site-packages/yaml/_yaml"))
        expected_so = archive.read(so)
    ours = {str(p.relative_to(REPO)).replace("/", ".")[:-3].replace(".__init__", "")
            for p in (REPO / "prempti_hook").rglob("*.py")}
    assert ours <= set(index["modules"])
    assert {"yaml", "yaml.cyaml", "filelock", "_yaml"} <= set(index["modules"])
    assert not [m for m in index["modules"] if m.split(".")[0] == "pyparsing"]
    assert {entry[2] for entry in index["modules"].values()} == sources
    assert set(manifest["files"]) == others
    assert index["extensions"] == {"yaml._yaml": so}
    import hashlib

    assert manifest["files"][so] == (len(expected_so), hashlib.sha256(expected_so).hexdigest())


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


def hook_call(pyz: Path, root: Path, home: Path, command: str = "cat ~/.ssh/id_rsa",
              python: str = PYTHON, flags=("-I", "-S"), **env: str):
    """One Bash call through `pyz` with HOME at `home` (no installed rules there: the
    embedded ones are extracted and compiled, the C extension loaded)."""
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(home),
                          "tool_input": {"command": command}})
    home.mkdir(parents=True, exist_ok=True)
    return run(pyz, root, python=python, flags=flags, stdin=payload, HOME=str(home), **env)


def verdict(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    if not result.stdout:
        return "none"
    return json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"]


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
        assert verdict(hook_call(archive, elsewhere, tmp_path / "h",
                                 PREMPTI_HOME=str(home))) == "deny"
    assert launcher.is_complete(str(home / "lib" / f"prempti-hook_{build_id}"), build_id)
    assert not elsewhere.exists()
    # the same file under another PREMPTI_HOME is just a zipapp: SHIV_ROOT applies
    assert verdict(hook_call(installed, elsewhere, tmp_path / "h",
                             PREMPTI_HOME=str(tmp_path / "q"))) == "deny"
    assert (elsewhere / f"prempti-hook_{build_id}").is_dir()


def test_commands_and_hook_calls_run_from_the_bundle_and_extract_only_when_needed(
        pyz, build_id, tmp_path):
    assert_version_ok(run(pyz, tmp_path, "--version"))
    folder = extraction(tmp_path, pyz, build_id)
    assert not folder.exists()  # nothing to extract for that
    assert verdict(hook_call(pyz, tmp_path, tmp_path / "home")) == "deny"
    assert launcher.is_complete(str(folder), build_id)
    assert not os.path.exists(f"{folder}.tmp")
    # Only what cannot run from a zip is extracted: no Python source, no compiled module.
    extracted = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in extracted if p.suffix in (".py", ".pyc")]
    assert any(p.name.startswith("_yaml.") for p in extracted)
    verbose = hook_call(pyz, tmp_path, tmp_path / "home", flags=("-I", "-S", "-v"))
    loaded = [line for line in verbose.stderr.splitlines() if line.startswith("import '")]
    ours = [line for line in loaded if line.startswith(("import 'prempti_hook", "import 'yaml"))]
    assert ours and all("Bundle object" in line for line in ours)
    fast = hook_call(pyz, tmp_path, tmp_path / "home", flags=("-I", "-S", "-X", "importtime"))
    imported = {line.split("|")[-1].strip() for line in fast.stderr.splitlines()}
    assert "prempti_hook.hook" in imported
    assert not imported & {"_bootstrap", "zipfile", "shutil", "compileall", "hashlib",
                           "subprocess", "pathlib", "json", "zlib", "__future__", "ast"}


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
    copy.chmod(0o755)
    other = _interpreter(9) if sys.version_info[:2] != (3, 9) else _interpreter(12)
    if other is None:
        pytest.skip("no second Python version installed to check the fallback")
    result = run(copy, tmp_path / "root", "--version", python=other)
    assert result.stdout == "ran the source\n"


def test_nothing_on_sys_path_shadows_the_bundled_code(pyz, tmp_path):
    """A `prempti_hook` (or `yaml`) package earlier on sys.path than anything of ours, as
    one dropped into a user-writable interpreter's library folder would be, is never run."""
    evil = tmp_path / "evil"
    for package in ("prempti_hook", "yaml"):
        (evil / package).mkdir(parents=True)
        (evil / package / "__init__.py").write_text(
            f"open({str(tmp_path / 'ran')!r}, 'w').write('{package}')\nraise SystemExit(7)\n")
    result = hook_call(pyz, tmp_path / "root", tmp_path / "home", flags=("-S",),
                       PYTHONPATH=str(evil))
    assert verdict(result) == "deny"
    assert not (tmp_path / "ran").exists()


def _with_links(path: Path, tmp_path: Path) -> Path:
    other = tmp_path / "other-name"
    os.link(path, other)
    return other


def test_a_hard_link_to_the_zipapp_fails_closed_and_says_how_to_fix_it(pyz, tmp_path):
    copy = tmp_path / "prempti-hook.pyz"
    shutil.copyfile(pyz, copy)
    copy.chmod(0o755)
    assert verdict(hook_call(copy, tmp_path / "root", tmp_path / "home")) == "deny"
    _with_links(copy, tmp_path)
    hook = hook_call(copy, tmp_path / "root", tmp_path / "home", command="ls")
    output = json.loads(hook.stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert f"find / -xdev -samefile {copy}" in output["permissionDecisionReason"]
    assert "Traceback" not in hook.stderr and len(hook.stderr.splitlines()) == 1
    command = run(copy, tmp_path / "root", "--version")
    assert command.returncode == 2 and "2 names (hard links)" in command.stderr
    (tmp_path / "other-name").unlink()
    assert_version_ok(run(copy, tmp_path / "root", "--version"))
    copy.chmod(0o775)  # group-writable: anyone in the group could change it
    assert "chmod go-w" in run(copy, tmp_path / "root", "--version").stderr


def test_leftover_partial_extraction_is_neither_used_nor_merged(pyz, build_id, tmp_path):
    folder = extraction(tmp_path, pyz, build_id)
    planted = Path(f"{folder}.tmp") / "site-packages"
    (planted / "yaml").mkdir(parents=True)
    (planted / "evil.pth").write_text("import os; print('PWNED')\n")
    (planted / launcher.STAMP_NAME).write_text(build_id)  # even a stamp does not make it used
    assert verdict(hook_call(pyz, tmp_path, tmp_path / "home")) == "deny"
    assert not Path(f"{folder}.tmp").exists()
    assert not (folder / "site-packages" / "evil.pth").exists()


@pytest.mark.parametrize("stamp", [None, "0" * 64, ""])
def test_foreign_extraction_under_our_name_is_never_used(pyz, build_id, tmp_path, stamp):
    site = extraction(tmp_path, pyz, build_id) / "site-packages"
    rules = site / "prempti_hook" / "rules_default"
    rules.mkdir(parents=True)
    (rules / "00-allow.yaml").write_text("- rule: planted\n  condition: always_true\n")
    if stamp is not None:
        (site / launcher.STAMP_NAME).write_text(stamp)
    for _ in range(2):
        assert verdict(hook_call(pyz, tmp_path, tmp_path / "home")) == "deny"
    assert (site / launcher.STAMP_NAME).read_text() == build_id
    assert not (rules / "00-allow.yaml").exists()


def test_extracted_rules_are_checked_against_the_build_before_use(pyz, build_id, tmp_path):
    home = tmp_path / "home"
    assert verdict(hook_call(pyz, tmp_path, home)) == "deny"
    rules = extraction(tmp_path, pyz, build_id) / "site-packages" / "prempti_hook" / \
        "rules_default"
    # A file the build did not ship is not a rules file, whatever its name.
    (rules / "00-allow-everything.yaml").write_text("- rule: x\n  condition: >\n")
    assert verdict(hook_call(pyz, tmp_path, home)) == "deny"
    # A shipped one changed after extraction is not used: the last rules that compiled stay
    # in force, and the user is told why (with no good rules at all, every call is denied).
    first = sorted(p for p in rules.glob("*.yaml") if not p.name.startswith("00-"))[0]
    first.write_text(first.read_text() + "\n# changed\n")
    result = hook_call(pyz, tmp_path, home)
    assert verdict(result) == "deny"
    assert "differs from the copy in the zipapp" in result.stderr and str(first) in result.stderr
    shutil.rmtree(home / ".prempti" / "cache")
    result = hook_call(pyz, tmp_path, home, command="ls")
    reason = json.loads(result.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "differs from the copy in the zipapp" in reason


def test_a_changed_c_extension_is_not_loaded(pyz, build_id, tmp_path):
    home = tmp_path / "home"
    loaded = "extension module 'yaml._yaml' loaded from"
    fast = hook_call(pyz, tmp_path, home, flags=("-I", "-S", "-v"))
    assert verdict(fast) == "deny" and loaded in fast.stderr
    site = extraction(tmp_path, pyz, build_id) / "site-packages"
    with open(next((site / "yaml").glob("_yaml.*")), "ab") as f:
        f.write(b"\0")
    shutil.rmtree(home / ".prempti" / "cache")  # compile again
    slow = hook_call(pyz, tmp_path, home, flags=("-I", "-S", "-v"))
    assert verdict(slow) == "deny"  # PyYAML in pure Python
    assert "import 'yaml' #" in slow.stderr and loaded not in slow.stderr


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
    installed.chmod(0o755)
    assert verdict(hook_call(installed, root, tmp_path / "home")) == "deny"
    os.replace(newer, installed)  # the upgrade: same path, new content
    assert verdict(hook_call(installed, root, tmp_path / "home")) == "none"  # new rules only
    folders = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    assert len(folders) == 2 and f"prempti-hook_{build_id}" in folders


def test_twenty_concurrent_first_runs_all_succeed(pyz, build_id, tmp_path):
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": "cat ~/.ssh/id_rsa"}})
    procs = [subprocess.Popen([PYTHON, "-I", "-S", str(pyz)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=clean_env(SHIV_ROOT=str(tmp_path / "root"),
                                            HOME=str(tmp_path / "home")))
             for _ in range(20)]
    results = [p.communicate(payload, timeout=300) for p in procs]
    assert [(p.returncode, err) for p, (_, err) in zip(procs, results)] == [(0, "")] * 20
    assert {json.loads(out)["hookSpecificOutput"]["permissionDecision"]
            for out, _ in results} == {"deny"}
    entries = sorted(p.name for p in (tmp_path / "root").iterdir())
    assert entries == [f".{pyz.name}_{build_id}_lock", f"{pyz.name}_{build_id}"]
    assert launcher.is_complete(str(extraction(tmp_path / "root", pyz, build_id)), build_id)


def test_shiv_environment_overrides_are_ignored(pyz, tmp_path):
    hostile = {"SHIV_INTERPRETER": "1", "SHIV_ENTRY_POINT": "os:getcwd",
               "SHIV_MODULE": "os:getcwd", "SHIV_PREPEND_PYTHONPATH": str(tmp_path / "evil"),
               "SHIV_FORCE_EXTRACT": "1"}
    (tmp_path / "evil" / "prempti_hook").mkdir(parents=True)
    (tmp_path / "evil" / "prempti_hook" / "__init__.py").write_text("raise SystemExit(7)\n")
    for _ in range(2):
        assert_version_ok(run(pyz, tmp_path / "root", "--version", **hostile))
        assert verdict(hook_call(pyz, tmp_path / "root", tmp_path / "home", **hostile)) == \
            "deny"


def test_failure_to_extract_is_a_json_deny_not_a_traceback(pyz, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    root = blocker / "root"  # below a regular file: extraction cannot happen
    hook = hook_call(pyz, root, tmp_path / "home", command="ls")
    assert hook.returncode == 0
    output = json.loads(hook.stdout)["hookSpecificOutput"]
    assert (output["hookEventName"], output["permissionDecision"]) == ("PreToolUse", "deny")
    assert "could not decide" in output["permissionDecisionReason"]
    assert str(root) in output["permissionDecisionReason"]  # says where, so it can be fixed
    assert "Traceback" not in hook.stderr
    assert_version_ok(run(pyz, root, "--version"))  # needs nothing extracted


def test_a_damaged_zipapp_fails_closed(pyz, tmp_path):
    copy = tmp_path / "damaged.pyz"
    data = bytearray(pyz.read_bytes())
    main_py = zipfile.ZipFile(pyz).read("__main__.py").decode()
    at = int(re.search(r"^BUNDLE_AT = (\d+)$", main_py, re.M).group(1))
    data[at:at + 4] = b"XXXX"
    copy.write_bytes(bytes(data))
    copy.chmod(0o755)
    hook = hook_call(copy, tmp_path / "root", tmp_path / "home", command="ls")
    reason = json.loads(hook.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "has no code bundle where its launcher expects it" in reason


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
    """Another Python gets a code bundle compiled for it from the zipapp's sources, once; a
    copy changed after it was written is rebuilt, never run."""
    python = _interpreter(minor)
    if python is None:
        pytest.skip(f"Python 3.{minor} is not installed here")
    assert_version_ok(run(pyz, tmp_path, "--version", python=python))
    bundles = list(extraction(tmp_path, pyz, build_id).glob("code-*.bundle"))
    assert len(bundles) == 1
    record = os.readlink(f"{bundles[0]}.id")
    assert verdict(hook_call(pyz, tmp_path, tmp_path / "home", python=python)) == "deny"
    assert os.readlink(f"{bundles[0]}.id") == record  # used as it was, not rebuilt
    data = bundles[0].read_bytes()
    # The groups of modules loaded at once are kept (marshal's format 4 reads anywhere).
    size = int.from_bytes(data[launcher.BUNDLE_HEAD - 4:launcher.BUNDLE_HEAD], "little")
    index = marshal.loads(data[launcher.BUNDLE_HEAD:launcher.BUNDLE_HEAD + size])
    grouped = {name for name, entry in index["modules"].items() if entry[3] >= 0}
    assert grouped == set().union(*build_zipapp.IMPORTED_TOGETHER)
    bundles[0].write_bytes(data)  # same bytes, but written again: no longer what we wrote
    assert verdict(hook_call(pyz, tmp_path, tmp_path / "home", python=python)) == "deny"
    assert os.readlink(f"{bundles[0]}.id") != record


def test_too_old_python_gets_a_deny(pyz, tmp_path):
    python = _interpreter(8)
    if python is None:
        pytest.skip("Python 3.8 is not installed here")
    hook = run(pyz, tmp_path, python=python, stdin="{}")
    assert hook.returncode == 0
    reason = json.loads(hook.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "needs Python 3.9 or newer" in reason
    assert run(pyz, tmp_path, "--version", python=python).returncode == 2


def test_a_held_extraction_lock_costs_seconds_not_the_call(pyz, build_id, tmp_path):
    """Someone holds the extraction's lock before anything was extracted: a call that only
    needs the C extension compiles with PyYAML in pure Python; one that needs the embedded
    rules fails closed, saying which lock; neither hangs."""
    import fcntl
    import time

    root = tmp_path / "root"
    root.mkdir()
    lock = os.open(root / f".{pyz.name}_{build_id}_lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        rules = tmp_path / "rules"
        shutil.copytree(REPO / "rules", rules)
        started = time.monotonic()
        own_rules = hook_call(pyz, root, tmp_path / "home", PREMPTI_RULES=str(rules))
        assert verdict(own_rules) == "deny"
        embedded = hook_call(pyz, root, tmp_path / "home2", command="ls")
        reason = json.loads(embedded.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
        assert "held by another process" in reason
        assert time.monotonic() - started < 20
    finally:
        os.close(lock)
    assert verdict(hook_call(pyz, root, tmp_path / "home2")) == "deny"
