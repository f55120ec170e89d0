"""install/install.sh and `prempti-hook install|uninstall|hook ...`, run the way a user (and
CI) runs them: HOME is a temporary folder, stdin is not a terminal.

install.sh runs from a copy of the release files (package, rules, build script, installer)
with a zipapp built from that copy, so that edits other people make in the checkout while
the tests run cannot trigger a rebuild halfway.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from release import PYTHON, copy_release_files, installer_env, release_copy
from terminal import run_at_terminal

from prempti_hook import claude_settings as cs
from prempti_hook.commands import install as install_command

DENY_RULE = """\
- rule: Test deny reading an SSH key
  desc: a rule the install check must trip over
  condition: tool.name = "Bash" and tool.input_command contains ".ssh/id_rsa"
  output: "reads an SSH key (%tool.input_command)"
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"""
SAMPLE = {"session_id": "s", "transcript_path": "", "cwd": "/", "hook_event_name": "PreToolUse",
          "tool_name": "Bash", "tool_input": {"command": "cat ~/.ssh/id_rsa"},
          "tool_use_id": "t"}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    return release_copy(tmp_path_factory.getbasetemp())


def user_env(home: Path, **extra: str) -> dict:
    """installer_env (no XDG_BIN_HOME of the caller's: the command goes to ~/.local/bin)."""
    env = installer_env(home)
    env.update(extra)
    return env


def install_sh(release: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(release / "install" / "install.sh"), *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=user_env(home, **env), timeout=300)


def uninstall_sh(release: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """install.sh --uninstall as a person runs it: at a terminal, typing the code it shows
    (stdout and stderr are the terminal's output, together)."""
    argv = ["bash", str(release / "install" / "install.sh"), "--uninstall", *args]
    code, output = run_at_terminal(argv, user_env(home, **env), timeout=300)
    return subprocess.CompletedProcess(argv, code, output, output)


def listing(folder: Path) -> dict:
    """Every path under `folder` -> (type and mode, contents of a file, target of a link)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            what = ("link", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            what = ("dir", stat.S_IMODE(st.st_mode))
        else:
            what = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
        found[str(path.relative_to(folder))] = what
    return found


def settings_of(home: Path) -> dict:
    return json.loads((home / ".claude" / "settings.json").read_text())


def our_hooks(settings: dict, prempti_home: Path) -> list[dict]:
    zipapp = cs.zipapp_path(str(prempti_home))
    return [hook for group in settings.get("hooks", {}).get("PreToolUse", [])
            for hook in group.get("hooks", []) if cs.runs_zipapp(hook, zipapp)]


def run_command(command: str, payload: dict, home: Path) -> subprocess.CompletedProcess:
    """The registered command, through a shell, as Claude Code runs it."""
    return subprocess.run(["sh", "-c", command], input=json.dumps(payload),
                          capture_output=True, text=True, env=installer_env(home), timeout=120)


def mode_bits(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def backups(home: Path) -> list[Path]:
    return sorted((home / ".claude").glob("settings.json" + cs.BACKUP_INFIX + "*"))


# install.sh -------------------------------------------------------------------------------

def test_fresh_install_files_registration_and_proof(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".prempti" / "rules" / "user").mkdir(parents=True)
    (home / ".prempti" / "rules" / "user" / "deny.yaml").write_text(DENY_RULE)
    result = install_sh(release, home)
    assert result.returncode == 0, result.stderr
    prempti = home / ".prempti"
    # The proof: the shipped rules (loaded before the user's) deny the sample call.
    assert "check: Bash `cat ~/.ssh/id_rsa` -> deny: " in result.stdout
    # files, private
    zipapp = prempti / "bin" / "prempti-hook"
    assert zipapp.read_bytes() == (release / "dist" / "prempti-hook.pyz").read_bytes()
    assert mode_bits(prempti) == 0o700 and mode_bits(zipapp) == 0o700
    shipped = sorted(p.name for p in (release / "rules").glob("*.yaml"))
    assert sorted(p.name for p in (prempti / "rules" / "default").iterdir()) == shipped
    for rule in (prempti / "rules" / "default").iterdir():
        assert mode_bits(rule) == 0o600
    assert (prempti / "rules" / "user" / "deny.yaml").read_text() == DENY_RULE
    extractions = [p.name for p in (prempti / "lib").iterdir() if not p.name.startswith(".")]
    assert len(extractions) == 1 and extractions[0].startswith("prempti-hook_")
    assert not (home / ".shiv").exists()  # the installed code never leaves PREMPTI_HOME
    # registration, exactly the documented shape
    settings = settings_of(home)
    hooks = our_hooks(settings, prempti)
    assert len(hooks) == 1
    hook = hooks[0]
    assert {k: v for k, v in hook.items() if k != "command"} == \
        {"type": "command", "timeout": 30, "onFailure": "block"}
    assert settings["hooks"]["PreToolUse"][0]["matcher"] == "*"
    words = shlex.split(hook["command"])
    assert words == [f"PREMPTI_HOME={prempti}", "PREMPTI_MANAGED_DIR=", PYTHON, "-I", "-S",
                     str(zipapp)]
    assert mode_bits(home / ".claude" / "settings.json") == 0o600
    # and the command really denies, run as Claude Code runs it
    answer = run_command(hook["command"], SAMPLE, home)
    decision = json.loads(answer.stdout)["hookSpecificOutput"]
    assert decision["permissionDecision"] == "deny" and answer.returncode == 0


def test_a_hook_that_cannot_decide_fails_the_install_loudly(release, tmp_path):
    home = tmp_path / "home"
    (home / ".prempti" / "rules" / "user").mkdir(parents=True)
    (home / ".prempti" / "rules" / "user" / "broken.yaml").write_text("- rule: [unclosed\n")
    result = install_sh(release, home)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == "install.sh: the installation is in place but does not work; see above"
    assert "cannot decide" in result.stderr and "broken.yaml" in result.stderr


def test_install_twice_is_one_entry_and_no_new_backup(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text('{"model": "opus"}\n')
    first = install_sh(release, home)
    assert first.returncode == 0, first.stderr
    after_first = (home / ".claude" / "settings.json").read_bytes()
    # The bytes before are kept in PREMPTI_HOME (uninstalling restores them), not beside.
    assert backups(home) == []
    kept = home / ".prempti" / "install" / "settings-before.json"
    assert kept.read_bytes() == b'{"model": "opus"}\n'
    assert f"previous settings kept in {kept}" in first.stdout
    second = install_sh(release, home)
    assert second.returncode == 0, second.stderr
    assert (home / ".claude" / "settings.json").read_bytes() == after_first
    assert backups(home) == []
    assert len(our_hooks(settings_of(home), home / ".prempti")) == 1


def test_existing_settings_are_kept_and_restored_byte_for_byte(release, tmp_path):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    original = (b'{\n    "model": "opus",\n    "hooks": {\n        "PreToolUse": [\n'
                b'            {"matcher": "Bash", "hooks": [{"type": "command", '
                b'"command": "mine.sh"}]}\n        ],\n        "Stop": []\n    },\n'
                b'    "env": {"A": "\xc3\xa9"}\n}')
    settings_file = home / ".claude" / "settings.json"
    settings_file.write_bytes(original)
    os.chmod(settings_file, 0o644)
    assert install_sh(release, home).returncode == 0
    settings = settings_of(home)
    assert settings["model"] == "opus" and settings["env"] == {"A": "\u00e9"}
    assert settings["hooks"]["Stop"] == []
    assert settings["hooks"]["PreToolUse"][0] == {"matcher": "Bash", "hooks": [
        {"type": "command", "command": "mine.sh"}]}
    assert len(our_hooks(settings, home / ".prempti")) == 1
    assert settings_file.read_text().startswith('{\n    "model"')  # indentation kept
    result = uninstall_sh(release, home)
    assert result.returncode == 0, result.stderr
    assert settings_file.read_bytes() == original
    assert mode_bits(settings_file) == 0o644


def test_uninstall_after_user_edits_removes_only_our_entry(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert install_sh(release, home).returncode == 0
    settings_file = home / ".claude" / "settings.json"
    data = json.loads(settings_file.read_text())
    data["theme"] = "dark"
    data["hooks"]["PreToolUse"].append({"matcher": "Write", "hooks": [
        {"type": "command", "command": "audit.sh"}]})
    settings_file.write_text(json.dumps(data))
    result = uninstall_sh(release, home)
    assert result.returncode == 0, result.stderr
    assert json.loads(settings_file.read_text()) == {"hooks": {"PreToolUse": [
        {"matcher": "Write", "hooks": [{"type": "command", "command": "audit.sh"}]}]},
        "theme": "dark"}
    data = json.loads(settings_file.read_text())
    data["hooks"]["PreToolUse"] = []
    settings_file.write_text(json.dumps(data))
    assert install_sh(release, home).returncode == 0
    settings_file.write_text(settings_file.read_text() + "\n")  # a user edit
    assert uninstall_sh(release, home).returncode == 0
    # PreToolUse existed (empty) before this install, so it stays
    assert json.loads(settings_file.read_text()) == {"hooks": {"PreToolUse": []},
                                                     "theme": "dark"}


def test_uninstall_removes_our_files_and_keeps_the_users(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert install_sh(release, home).returncode == 0
    prempti = home / ".prempti"
    (prempti / "rules" / "user" / "mine.yaml").write_text("- list: mine\n  items: []\n")
    (prempti / "config.yaml").write_text("mode: monitor\n")
    assert (prempti / "log" / "events.jsonl").exists()  # the install check was logged
    result = uninstall_sh(release, home)
    assert result.returncode == 0, result.stderr
    assert not (home / ".claude").exists()  # there was none before: gone, folder too
    assert sorted(p.name for p in prempti.iterdir()) == ["config.yaml", "log", "rules"]
    assert [p.name for p in (prempti / "rules").iterdir()] == ["user"]
    assert (prempti / "rules" / "user" / "mine.yaml").exists()
    purge = uninstall_sh(release, home, "--purge")
    assert purge.returncode == 0, purge.stderr
    assert not prempti.exists()
    assert sorted(p.name for p in home.iterdir()) == []


def test_uninstall_without_a_person_removes_nothing(release, tmp_path):
    """From a script or an agent's tool call (no terminal), uninstalling refuses and says
    why; the hook stays registered and every file stays."""
    home = tmp_path / "home"
    home.mkdir()
    assert install_sh(release, home).returncode == 0
    settings = (home / ".claude" / "settings.json").read_bytes()
    result = install_sh(release, home, "--uninstall")
    assert result.returncode != 0
    assert "removing the hook refused: there is no terminal to confirm it on" in result.stderr
    assert "nothing else was removed" in result.stderr
    assert (home / ".claude" / "settings.json").read_bytes() == settings
    assert (home / ".prempti" / "bin" / "prempti-hook").exists()
    result = install_sh(release, home, "--uninstall", CLAUDECODE="1")
    assert "CLAUDECODE is set" in result.stderr


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"hooks": []}'])
def test_unusable_settings_are_refused_untouched(release, tmp_path, content):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    settings_file = home / ".claude" / "settings.json"
    settings_file.write_bytes(content)
    result = install_sh(release, home)
    assert result.returncode != 0
    assert settings_file.read_bytes() == content
    assert backups(home) == []
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "settings.json" in errors[0] and "Traceback" not in errors[0]
    # and uninstalling refuses the same way, without removing the files
    result = uninstall_sh(release, home)
    assert result.returncode != 0 and settings_file.read_bytes() == content
    assert (home / ".prempti" / "bin" / "prempti-hook").exists()


def test_odd_home_path_pyenv_shim_and_claude_config_dir(release, tmp_path):
    home = tmp_path / "it's a \"home\" $(x)"
    home.mkdir()
    shim = tmp_path / "shim" / "python3"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(PYTHON)} "$@"\n')
    shim.chmod(0o755)
    config_dir = tmp_path / "claude config"
    result = install_sh(release, home, PYTHON=str(shim), CLAUDE_CONFIG_DIR=str(config_dir))
    assert result.returncode == 0, result.stderr
    settings = json.loads((config_dir / "settings.json").read_text())
    command = our_hooks(settings, home / ".prempti")[0]["command"]
    assert shlex.split(command)[2] == PYTHON  # the real interpreter, not the shim
    assert str(shim) not in command
    assert run_command(command, SAMPLE, home).returncode == 0
    assert not (home / ".claude").exists()


def test_install_builds_when_the_zipapp_is_stale(release, tmp_path):
    copy = tmp_path / "release"
    copy_release_files(copy)
    shutil.copytree(release / "dist", copy / "dist")
    stale = copy / "dist" / "prempti-hook.pyz"
    os.utime(stale, (1_000_000, 1_000_000))
    home = tmp_path / "home"
    home.mkdir()
    result = install_sh(copy, home)
    assert result.returncode == 0, result.stderr
    assert "building" in result.stdout
    assert stale.stat().st_mtime > 1_000_000
    assert "building" not in install_sh(copy, home).stdout


ALL_AGENTS = ("--agent", "claude", "--agent", "codex", "--agent", "gemini", "--agent", "copilot")


@pytest.mark.parametrize("before", ["empty", "existing"])
def test_install_uninstall_cycles_leave_the_home_exactly_as_it_was(release, tmp_path, before):
    """The README's "removes exactly what it added": after several install/uninstall cycles
    (Claude Code alone, then every agent), with --purge at the end, every file and folder of
    the home is what it was before, bytes and modes included: no settings backups left in
    ~/.claude or the other agents' folders, no command left in ~/.local/bin."""
    home = tmp_path / "home"
    home.mkdir()
    if before == "existing":
        for folder in (".claude", ".codex", ".gemini", ".copilot/hooks", ".local/bin"):
            (home / folder).mkdir(parents=True)
        (home / ".claude" / "settings.json").write_text('{"model": "opus"}\n')
        (home / ".codex" / "config.toml").write_text('model = "o3"\n')
        (home / ".gemini" / "settings.json").write_text('{"theme": "dark"}\n')
        (home / ".local" / "bin" / "other-tool").write_text("#!/bin/sh\n")
    original = listing(home)
    for args in ((), ALL_AGENTS, ()):
        installed = install_sh(release, home, *args)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        assert (home / ".local" / "bin" / "prempti-hook").exists()
        removed = uninstall_sh(release, home)
        assert removed.returncode == 0, removed.stdout
        left = {path for path in listing(home) if not path.startswith(".prempti")}
        assert left == {path for path in original if not path.startswith(".prempti")}
    assert install_sh(release, home, *ALL_AGENTS).returncode == 0
    purged = uninstall_sh(release, home, "--purge")
    assert purged.returncode == 0, purged.stdout
    assert listing(home) == original


def test_the_command_goes_on_path_and_the_install_says_what_to_try(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = home / ".local" / "bin"
    result = install_sh(release, home, PATH=f"{bin_dir}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    launcher = bin_dir / "prempti-hook"
    assert launcher.read_text().splitlines()[1].startswith("# prempti-hook launcher")
    assert "is not on your PATH" not in result.stdout
    assert "next:" in result.stdout
    for command in ("prempti-hook status", "prempti-hook logs -f", "prempti-hook --check",
                    "prempti-hook --help"):
        assert f"\n  {command} " in result.stdout, command
    # The command a person then types, from any folder, found on PATH.
    env = user_env(home, PATH=f"{bin_dir}:/usr/bin:/bin")
    status = subprocess.run(["prempti-hook", "status"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert f"home: {home / '.prempti'}" in status.stdout
    assert f"command: {launcher}\n" in status.stdout  # found, and on PATH
    assert f"registered in {home / '.claude' / 'settings.json'}" in status.stdout
    version = subprocess.run(["prempti-hook", "--version"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert version.stdout.startswith("prempti-hook ")


def test_a_folder_not_on_path_is_said_with_the_line_to_add(release, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = install_sh(release, home, PATH="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert f"{home}/.local/bin is not on your PATH" in result.stdout
    assert '  export PATH="$HOME/.local/bin:$PATH"\n' in result.stdout
    assert f"(until then, type {home}/.local/bin/prempti-hook for prempti-hook)" in \
        result.stdout
    # XDG_BIN_HOME is where the command goes when it is set
    other = tmp_path / "home2"
    other.mkdir()
    xdg = tmp_path / "my bin"
    result = install_sh(release, other, PATH="/usr/bin:/bin", XDG_BIN_HOME=str(xdg))
    assert result.returncode == 0, result.stderr
    assert (xdg / "prempti-hook").exists() and not (other / ".local").exists()
    assert f'  export PATH="{xdg}:$PATH"' in result.stdout
    assert uninstall_sh(release, other, XDG_BIN_HOME=str(xdg)).returncode == 0
    assert not xdg.exists()  # made for it, so removed with it


def test_a_command_that_is_not_ours_is_never_replaced_or_removed(release, tmp_path):
    home = tmp_path / "home"
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    theirs = bin_dir / "prempti-hook"
    theirs.write_text("#!/bin/sh\necho someone else's\n")
    result = install_sh(release, home, PATH=f"{bin_dir}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert f"{theirs} exists and is not ours: left alone" in result.stderr
    assert theirs.read_text() == "#!/bin/sh\necho someone else's\n"
    assert f"{PYTHON} -I -S {home}/.prempti/bin/prempti-hook status" in result.stdout
    assert uninstall_sh(release, home).returncode == 0
    assert theirs.read_text() == "#!/bin/sh\necho someone else's\n"
    # ours, replaced by the user after the install: left alone by the uninstall too
    theirs.unlink()
    assert install_sh(release, home).returncode == 0
    theirs.write_text("#!/bin/sh\n# mine now\n")
    removed = uninstall_sh(release, home)
    assert removed.returncode == 0 and "is no longer ours: left alone" in removed.stdout
    assert theirs.read_text() == "#!/bin/sh\n# mine now\n"


@pytest.mark.parametrize("args", [["--frobnicate"], ["--agent"], ["--agent", "cursor"],
                                  ["--purge"], ["--user=x"]])
def test_install_sh_usage_errors_exit_2_with_one_line(release, tmp_path, args):
    home = tmp_path / "home"
    home.mkdir()
    result = install_sh(release, home, *args)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("install.sh: ")
    assert list(home.iterdir()) == []


def test_install_as_an_unprivileged_user(release):
    if os.geteuid() != 0:
        # Already unprivileged: every other test here is this test.
        pytest.skip("runs as root only (to switch to another user)")
    setpriv = shutil.which("setpriv")
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")
    if not setpriv or not python:
        pytest.skip("needs setpriv and a system python3 to run as another user")
    # Outside pytest's private temp folder, which the other user cannot enter.
    work = Path(tempfile.mkdtemp(prefix="prempti-unprivileged-"))
    try:
        os.chmod(work, 0o755)
        shutil.copytree(release, work / "release", symlinks=True)
        os.chmod(work / "release", 0o755)  # copytree kept pytest's private 0700
        home = work / "home"
        home.mkdir()
        os.chown(home, 65534, 65534)
        env = installer_env(home, PYTHON=python)
        result = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "bash", str(work / "release" / "install" / "install.sh")],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        zipapp = home / ".prempti" / "bin" / "prempti-hook"
        assert zipapp.stat().st_uid == 65534
        assert mode_bits(home / ".prempti") == 0o700
        command = our_hooks(settings_of(home), home / ".prempti")[0]["command"]
        assert shlex.split(command)[2] == os.path.realpath(python)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# The Python commands ----------------------------------------------------------------------

@pytest.fixture
def installed_home(tmp_path, monkeypatch, a_person):
    """A PREMPTI_HOME with a (stand-in) zipapp, and HOME for settings.json."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "p"))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    zipapp = Path(cs.zipapp_path(str(tmp_path / "p")))
    zipapp.parent.mkdir(parents=True)
    zipapp.write_bytes(b"stand-in")
    return tmp_path


def test_hook_add_status_command_remove(installed_home, capsys):
    assert install_command.main("hook", ["status"]) == 1
    assert "not registered" in capsys.readouterr().out
    assert install_command.main("hook", ["add"]) == 0
    capsys.readouterr()
    assert install_command.main("hook", ["status"]) == 0
    out = capsys.readouterr().out
    assert "registered in" in out and "problem" not in out
    assert install_command.main("hook", ["command"]) == 0
    command = capsys.readouterr().out.strip()
    assert command == cs.hook_command(PYTHON, str(installed_home / "p"))
    assert install_command.main("uninstall", []) == 0
    assert not (installed_home / ".claude").exists()
    assert install_command.main("hook", ["command"]) == 1


def test_state_is_not_trusted_blindly(installed_home, capsys):
    """Our entry already present without install state: uninstall must not 'restore' a
    snapshot that contains it; it removes the entry instead."""
    settings_file = installed_home / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    data, _ = cs.add({"x": 1}, cs.hook_command(PYTHON, str(installed_home / "p")),
                     cs.zipapp_path(str(installed_home / "p")))
    settings_file.write_text(json.dumps(data))
    assert install_command.main("install", []) == 0
    assert "already registered" in capsys.readouterr().out
    assert install_command.main("uninstall", []) == 0
    assert json.loads(settings_file.read_text()) == {"x": 1, "hooks": {"PreToolUse": []}}


def test_reinstall_after_user_edit_keeps_the_original_snapshot_out(installed_home):
    settings_file = installed_home / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    settings_file.write_text('{"a": 1}')
    assert install_command.main("install", []) == 0
    data = json.loads(settings_file.read_text())
    data["b"] = 2
    settings_file.write_text(json.dumps(data))
    assert install_command.main("install", ["--python", PYTHON]) == 0  # no change needed
    assert install_command.main("uninstall", []) == 0
    assert json.loads(settings_file.read_text()) == {"a": 1, "b": 2}  # b survives


def test_command_errors_are_one_line(installed_home, capsys):
    assert install_command.main("hook", []) == 2
    assert install_command.main("hook", ["frob"]) == 2
    assert install_command.main("install", ["--bogus"]) == 2
    assert install_command.main("install", ["--python"]) == 2
    assert install_command.main("install", ["--python", "/nonexistent/python"]) == 1
    os.unlink(cs.zipapp_path(str(installed_home / "p")))
    assert install_command.main("install", []) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 6 and all(line.startswith("prempti-hook") for line in err)
    assert err[0] == ("prempti-hook hook: needs one of add, remove, status, command (see "
                      "prempti-hook hook --help)")
    assert not (installed_home / ".claude").exists()


def test_custom_settings_path(installed_home):
    other = installed_home / "elsewhere" / "s.json"
    other.parent.mkdir()
    other.write_text("{}")
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    assert install_command.main("install", ["--settings", str(other)]) == 0
    assert our_hooks(json.loads(other.read_text()), installed_home / "p")
    assert not (installed_home / ".claude").exists()
    assert install_command.main("uninstall", [f"--settings={other}"]) == 0
    assert hashlib.sha256(other.read_bytes()).hexdigest() == digest
