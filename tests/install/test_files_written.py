"""Every file prempti-hook writes is listed in the README ("Files and settings"): install for
every agent with install/install.sh, run hook calls through each agent's registered command
and the commands a person runs, then compare every file and link in the home with the
README's tables. A new file the README does not list fails here."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from release import release_copy
from test_install import ALL_AGENTS, install_sh, user_env

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

CALLS = {
    "claude": {"session_id": "s", "transcript_path": "", "cwd": "/", "tool_use_id": "t",
               "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "tool_input": {"command": "cat ~/.ssh/id_rsa"}},
    "codex": {"session_id": "s", "transcript_path": "", "cwd": "/", "tool_use_id": "t",
              "hook_event_name": "PreToolUse", "tool_name": "Bash", "model": "m",
              "permission_mode": "default", "turn_id": "u",
              "tool_input": {"command": "ls -la"}},
    "gemini": {"session_id": "s", "transcript_path": "", "cwd": "/", "timestamp": "",
               "hook_event_name": "BeforeTool", "tool_name": "read_file",
               "tool_input": {"file_path": "/etc/hosts"}},
    "copilot": {"sessionId": "s", "timestamp": 0, "cwd": "/", "toolName": "bash",
                "toolArgs": json.dumps({"command": "echo hi"})},
}


def readme_patterns() -> tuple[list[re.Pattern], list[re.Pattern]]:
    """(patterns under PREMPTI_HOME, patterns under HOME) from the README's two tables of
    files: each backticked path of a row's first column; `<...>` stands for one name, `*`
    for part of one, a trailing `/` for everything under the folder."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Files and settings\n"):]
    section = section[:section.index("| setting (`config.yaml`)")]
    inside, outside = section.split("Outside `PREMPTI_HOME`:")
    return _patterns(inside), _patterns(outside)


def _patterns(table: str) -> list[re.Pattern]:
    found = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        for path in re.findall(r"`([^`]+)`", first):
            if path.startswith("$"):
                continue  # the folder a variable moves it to
            rx = ""
            for part in re.split(r"(<[^>]+>|\*)", path.removeprefix("~/")):
                rx += {"*": "[^/]*"}.get(part, "[^/]+" if part.startswith("<") else
                                         re.escape(part))
            rx = rx[:-1] + "(/.*)?" if path.endswith("/") else rx
            if path.startswith("<"):
                rx = "(.*/)?" + rx
            found.append(re.compile(rx + "$"))
    return found


def files_under(folder: Path) -> list[str]:
    """Every file and symbolic link under `folder`, relative to it (folders are where files
    go, not files)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_symlink() or not p.is_dir())


def test_the_readme_lists_every_file_prempti_hook_writes(tmp_path):
    release = release_copy(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = home / ".local" / "bin"
    env = user_env(home, PATH=f"{bin_dir}:/usr/bin:/bin")
    env.pop("XDG_CACHE_HOME", None)
    installed = install_sh(release, home, *ALL_AGENTS, PATH=env["PATH"])
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(list(args), input=stdin, env=env, cwd=home, capture_output=True,
                              text=True, timeout=300)

    for agent, call in CALLS.items():
        command = run("prempti-hook", "hook", "command", agent)
        assert command.returncode == 0, command.stderr
        answer = run("sh", "-c", command.stdout.strip(), stdin=json.dumps(call))
        assert answer.returncode == 0, (agent, answer.stderr)
    tests = home / ".prempti" / "rules" / "user" / "tests"
    tests.mkdir()
    (tests / "keys.yaml").write_text(
        "- test: keys are denied\n  bash: cat ~/.ssh/id_rsa\n  verdict: deny\n")
    for args in (["--check"], ["status"], ["logs", "--tail", "all"], ["logs", "--verify"],
                 ["mode", "guardrails"], ["config", "log_backups", "4"], ["test"],
                 ["explain", "bash", "rm -rf ~"], ["replay"]):
        done = run("prempti-hook", *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    inside, outside = readme_patterns()
    assert len(inside) >= 15 and len(outside) >= 7  # the tables were read
    prempti = home / ".prempti"
    unlisted = [f for f in files_under(prempti) if not any(p.match(f) for p in inside)]
    assert not unlisted, f"written in PREMPTI_HOME but not in the README: {unlisted}"
    elsewhere = [f for f in files_under(home) if not f.startswith(".prempti/")
                 and not any(p.match(f) for p in outside)]
    assert not elsewhere, f"written in HOME but not in the README: {elsewhere}"
    # And the check itself can fail: a file nobody documented is caught.
    (prempti / "cache" / "stray.db").write_text("")
    assert not any(p.match("cache/stray.db") for p in inside)
