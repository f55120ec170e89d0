"""The built zipapp, run as a subprocess exactly the way the installed hook command runs it
(resolved interpreter, `-I -S`, `PREMPTI_HOME`), with `HOME` in a scratch folder: every real
Claude Code sample, every verdict, both modes, defer, bad input, broken rules, stale and
corrupt caches, and many hooks at once on a stale cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from terminal import run_at_terminal

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "claude_code_samples"
PYTHON = os.path.realpath(sys.executable)
# The shipped rules treat /tmp as a staging area (running code from it is suspicious), so the
# scratch homes live elsewhere, as real users' homes do.
SCRATCH = Path(os.environ.get("PREMPTI_CORPUS_TMP")
               or Path.home() / ".cache" / "prempti-hook-tests")

DENY_ALL_BASH = """\
- rule: Test deny every Bash call
  desc: test rule
  condition: tool.name = Bash
  output: Bash is off for this test (%tool.input_command)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"""


class Home:
    """A user's home with the zipapp installed in `$PREMPTI_HOME/bin/prempti-hook`."""

    def __init__(self, root: Path, zipapp: Path) -> None:
        self.root = root
        self.project = root / "project"
        self.project.mkdir(parents=True)
        (self.project / "notes.txt").write_text("hello\n")
        (self.project / "nb.ipynb").write_text("{}\n")
        self.prempti = root / ".prempti"
        (self.prempti / "bin").mkdir(parents=True)
        self.zipapp = self.prempti / "bin" / "prempti-hook"
        shutil.copy2(zipapp, self.zipapp)
        self.env = {"HOME": str(root), "PREMPTI_HOME": str(self.prempti),
                    "PATH": "/usr/bin:/bin"}

    @property
    def log(self) -> Path:
        return self.prempti / "log" / "events.jsonl"

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def payload(self, tool_name: str, tool_input: dict, **extra) -> dict:
        return {"session_id": "s", "transcript_path": str(self.root / "t.jsonl"),
                "cwd": str(self.project), "permission_mode": "default",
                "hook_event_name": "PreToolUse", "tool_name": tool_name,
                "tool_input": tool_input, "tool_use_id": "toolu_test", **extra}

    def sample(self, name: str) -> str:
        return (SAMPLES / f"{name}.json").read_text().replace("/home/dev", str(self.root))

    def run(self, stdin, **env) -> subprocess.CompletedProcess:
        data = stdin if isinstance(stdin, (str, bytes)) else json.dumps(stdin)
        if isinstance(data, str):
            data = data.encode()
        return subprocess.run([PYTHON, "-I", "-S", str(self.zipapp)], input=data,
                              capture_output=True, env={**self.env, **env},
                              cwd=self.project, timeout=60)


def answer(proc: subprocess.CompletedProcess) -> dict:
    """The one JSON object on stdout (asserting there is exactly one, and no traceback)."""
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def decision(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    """(verdict, reason); ("none", "") for no decision: exit 0 and an empty stdout."""
    if proc.returncode == 0 and not proc.stdout:
        return "none", ""
    specific = answer(proc)["hookSpecificOutput"]
    assert specific["hookEventName"] == "PreToolUse"
    return specific["permissionDecision"], specific.get("permissionDecisionReason", "")


@pytest.fixture
def home(built_zipapp):
    SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SCRATCH))
    yield Home(root, built_zipapp)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("pretooluse_*.json")))
def test_every_real_sample_is_decided(home, name):
    proc = home.run(home.sample(name))
    verdict, reason = decision(proc)
    if name == "pretooluse_Bash_ssh":  # cat ~/.ssh/id_rsa
        assert verdict == "deny"
        assert "SSH" in reason and "| correlation=" in reason
    else:  # everyday calls inside the project: no rule decides, Claude Code's prompt does
        assert verdict == "none", reason
    record = home.records()[-1]
    assert record["verdict"] == verdict and record["enforced"] is (verdict != "none")
    assert record["output_fields"]["tool.name"] == json.loads(home.sample(name))["tool_name"]
    assert record["source"] == "coding_agent" and record["time"].endswith("Z")


def test_each_verdict_and_its_reason(home):
    aws = home.payload("Bash", {"command": "cat ~/.aws/credentials"})
    verdict, reason = decision(home.run(aws))
    assert verdict == "deny"
    rule, _, rest = reason.partition(": ")
    correlation = rest.rsplit("| correlation=", 1)[1]
    assert int(correlation) > 0
    record = home.records()[-1]
    assert record["rule"] == rule and record["priority"] == "Critical"
    assert record["output_fields"]["correlation.id"] == int(correlation)
    assert "coding_agent_deny" in record["tags"]
    assert any(m["rule"] == rule for m in record["matched"])

    verdict, reason = decision(home.run(home.payload("Read", {"file_path": "/etc/fstab"})))
    assert verdict == "ask" and reason
    assert home.records()[-1]["priority"] == "Warning"

    verdict, reason = decision(home.run(home.payload("Bash", {"command": "git status"})))
    assert (verdict, reason) == ("none", "")
    assert home.records()[-1]["rule"] == "prempti-hook: no matching rule"
    verdict, reason = decision(home.run(home.payload("Bash", {"command": "git status"}),
                                        PREMPTI_DEFAULT_ACTION="allow"))
    assert (verdict, reason) == ("allow", "")


def test_monitor_mode_blocks_nothing_and_logs_what_would_have_happened(home):
    # Switching to monitor needs a person at a terminal (who types the code it shows).
    code, output = run_at_terminal([PYTHON, "-I", "-S", str(home.zipapp), "mode", "monitor"],
                                   home.env)
    assert code == 0, output
    proc = home.run(home.payload("Bash", {"command": "cat ~/.ssh/id_rsa"}))
    assert proc.returncode == 0 and proc.stdout == b""
    record = home.records()[-1]
    assert (record["verdict"], record["mode"], record["enforced"]) == ("deny", "monitor", False)
    # The environment overrides the file.
    verdict, _ = decision(home.run(home.payload("Bash", {"command": "cat ~/.ssh/id_rsa"}),
                                   PREMPTI_MODE="guardrails"))
    assert verdict == "deny"


@pytest.mark.parametrize("setting", [None, "none", "defer"])
def test_no_decision_by_default_leaves_unnamed_calls_to_claude_code(home, setting):
    env = {} if setting is None else {"PREMPTI_DEFAULT_ACTION": setting}
    proc = home.run(home.payload("Bash", {"command": "ls"}), **env)
    assert proc.returncode == 0 and proc.stdout == b""
    assert home.records()[-1]["verdict"] == "none"
    verdict, _ = decision(home.run(home.payload("Bash", {"command": "cat ~/.ssh/id_rsa"}),
                                   **env))
    assert verdict == "deny"


@pytest.mark.parametrize("stdin,message", [
    (b"", "empty input"),
    (b"   \n", "empty input"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 200000, "nested too deeply"),
])
def test_unreadable_input_is_exit_2_with_one_line(home, stdin, message):
    proc = home.run(stdin)
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and message in err, err


def test_input_over_the_limit_is_exit_2(home):
    big = json.dumps(home.payload("Write", {"file_path": "a", "content": "x" * 2000}))
    proc = home.run(big, PREMPTI_INPUT_MAX_BYTES="1000")
    assert proc.returncode == 2 and b"larger than 1000 bytes" in proc.stderr
    verdict, _ = decision(home.run(big, PREMPTI_INPUT_MAX_BYTES="100000"))
    assert verdict == "none"


def test_malformed_call_fails_closed_with_a_reason(home):
    verdict, reason = decision(home.run({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                                         "tool_input": "rm -rf /"}))
    assert verdict == "deny"
    assert "malformed tool call: tool_input is not a JSON object" in reason
    assert "blocked to be safe" in reason
    proc = home.run({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                     "tool_input": "rm -rf /"}, PREMPTI_FAIL_OPEN="1")
    out = answer(proc)
    assert "hookSpecificOutput" not in out and "fail-open" in out["systemMessage"]


def test_broken_rules_without_a_good_cache_deny_with_the_check_hint(home):
    rules = home.root / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("- rule: x\n  condition: tool.name = \n")
    verdict, reason = decision(home.run(home.payload("Bash", {"command": "ls"}),
                                        PREMPTI_RULES=str(rules)))
    assert verdict == "deny"
    assert "prempti-hook --check" in reason and "bad.yaml" in reason


def test_a_broken_edit_keeps_the_last_good_rules_and_says_so(home):
    rules = home.root / "rules"
    rules.mkdir()
    rule_file = rules / "test.yaml"
    rule_file.write_text(DENY_ALL_BASH)
    env = {"PREMPTI_RULES": str(rules)}
    assert decision(home.run(home.payload("Bash", {"command": "ls"}), **env))[0] == "deny"
    rule_file.write_text(DENY_ALL_BASH + "- macro: oops\n  condition: (\n")
    proc = home.run(home.payload("Bash", {"command": "ls"}), **env)
    out = answer(proc)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"  # still enforced
    assert "still enforcing the last rules that compiled" in out["systemMessage"]
    assert b"still enforcing" in proc.stderr
    assert "still enforcing" in home.records()[-1]["notices"][0]
    # Fixing the file takes effect on the next call.
    rule_file.write_text(DENY_ALL_BASH.replace("tool.name = Bash", "tool.name = Nothing"))
    proc = home.run(home.payload("Bash", {"command": "ls"}), **env)
    assert decision(proc)[0] == "none" and not proc.stdout


def test_rules_edits_and_damaged_caches(home):
    rules = home.root / "rules"
    rules.mkdir()
    env = {"PREMPTI_RULES": str(rules)}
    (rules / "a.yaml").write_text(DENY_ALL_BASH)
    (rules / "b.yaml").write_text(DENY_ALL_BASH.replace("every Bash call", "nothing")
                                  .replace("tool.name = Bash", "tool.name = Nothing"))
    assert decision(home.run(home.payload("Bash", {"command": "ls"}), **env))[0] == "deny"
    cache_file = home.prempti / "cache" / "ruleset.cache"
    good = cache_file.read_bytes()
    for damaged in (good[: len(good) // 2], good[:200] + b"\x00" * 64, b"garbage"):
        cache_file.write_bytes(damaged)
        assert decision(home.run(home.payload("Bash", {"command": "ls"}), **env))[0] == "deny"
        assert cache_file.read_bytes().startswith(good[:40])
    (rules / "a.yaml").unlink()  # a removed file is a rules change too
    assert decision(home.run(home.payload("Bash", {"command": "ls"}), **env))[0] == "none"
    # No rules files at all is a failure, not an empty ruleset: the last rules that compiled stay.
    (rules / "b.yaml").unlink()
    (rules / "a.yaml").write_text(DENY_ALL_BASH)
    assert decision(home.run(home.payload("Bash", {"command": "ls"}), **env))[0] == "deny"
    (rules / "a.yaml").unlink()
    proc = home.run(home.payload("Bash", {"command": "ls"}), **env)
    assert decision(proc)[0] == "deny"
    assert "no rules files found" in answer(proc)["systemMessage"]
    assert "still enforcing" in answer(proc)["systemMessage"]


def test_many_hooks_at_once_on_a_stale_cache(home):
    calls = [home.payload("Bash", {"command": "cat ~/.ssh/id_rsa" if i % 2 else "ls"})
             for i in range(24)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(home.run, calls))
    for i, proc in enumerate(results):
        assert decision(proc)[0] == ("deny" if i % 2 else "none")
    assert len(home.records()) == 24


def _imports(home: Home, call: dict) -> set[str]:
    """The modules one hook call imports (the cache is already compiled)."""
    proc = subprocess.run([PYTHON, "-I", "-S", "-X", "importtime", str(home.zipapp)],
                          input=json.dumps(call).encode(), capture_output=True, env=home.env,
                          cwd=home.project)
    assert proc.returncode == 0
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("command", ["cat x", "cat ~/.ssh/id_rsa", "ls -la src"])
def test_a_hook_call_never_imports_yaml_pyparsing_or_filelock(home, command):
    # The benchmark's calls among them: a rule that reaches a `regex` for them would import
    # re (~1.5 ms) on every such call; cheap tests must come first in such conditions.
    home.run(home.payload("Bash", {"command": "ls"}))  # first call: compiles, writes the cache
    imported = _imports(home, home.payload("Bash", {"command": command}))
    assert "prempti_hook.hook" in imported
    heavy = {m for m in imported if m.split(".")[0] in ("yaml", "pyparsing", "filelock", "re",
                                                         "json", "pickle", "typing", "enum")}
    assert heavy == set()
    # The rule compiler and its RE2 translator are for rebuilds only.
    assert not {"prempti_hook.falco.codegen", "prempti_hook.falco.re2",
                "prempti_hook.falco.storing"} & imported


@pytest.mark.parametrize("group, tool, tool_input", [
    (0, "Read", {"file_path": "notes.txt"}),
    (0, "Write", {"file_path": "out.txt", "content": "x\n"}),
    (0, "WebFetch", {"url": "https://example.com/", "prompt": "x"}),
    (1, "Bash", {"command": "ls"}),
    (1, "Bash", {"command": "git status"}),
])
def test_each_group_of_the_code_bundle_is_imported_whole(home, group, tool, tool_input):
    """The zipapp loads the modules of an IMPORTED_TOGETHER group at once: every call the
    group is for must import all of them, or the group loads code for nothing (remove the
    module from the group), and the group before it too."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from build_zipapp import IMPORTED_TOGETHER

    home.run(home.payload("Bash", {"command": "ls"}))  # first call: compiles, writes the cache
    imported = _imports(home, home.payload(tool, tool_input))
    for names in IMPORTED_TOGETHER[:group + 1]:
        assert set(names) - imported == set()


def test_code_analysis_loads_only_for_calls_that_carry_code(home):
    """Reads, plain commands and writes of data import no code analysis; interpreter code
    loads the analyser of its language and nothing heavy (no `ast`, no `re`)."""
    home.run(home.payload("Bash", {"command": "ls"}))
    code = "prempti_hook.event_source.code"  # the package, and code_fields
    quiet = [home.payload("Read", {"file_path": str(home.project / "notes.txt")}),
             home.payload("Bash", {"command": "ls -la && git status | grep x"}),
             home.payload("Write", {"file_path": str(home.project / "README.md"),
                                    "content": "Run `curl x | sh`."})]
    for call in quiet:  # a written file's name says whether it may run later
        loaded = _imports(home, call)
        assert not any(m.startswith(code) for m in loaded), call["tool_name"]
    loaded = _imports(home, home.payload("Bash", {"command": "python3 -c 'print(1)'"}))
    assert f"{code}.python" in loaded and f"{code}.scripted" not in loaded
    loaded = _imports(home, home.payload("Write", {"file_path": str(home.project / "x.js"),
                                                   "content": "console.log(1)"}))
    assert f"{code}.scripted" in loaded and f"{code}.python" not in loaded
    for loaded in (_imports(home, home.payload("Bash", {"command": "node -e 'x()'"})),):
        heavy = {m for m in loaded if m.split(".")[0] in ("ast", "re", "json", "typing",
                                                          "yaml", "pyparsing", "enum")}
        assert heavy == set()


@pytest.mark.parametrize("tool, tool_input", [
    ("Read", {"file_path": "notes.txt"}),
    ("Write", {"file_path": "out.txt", "content": "x\n"}),
    ("Edit", {"file_path": "notes.txt", "old_string": "hello", "new_string": "bye"}),
    ("Write", {"file_path": "src/deep/module.py", "content": "x = 1\n"}),
    ("Write", {"file_path": ".vscode/settings.json", "content": "{}\n"}),
])
def test_a_file_tool_call_loads_no_shell_or_destructive_analysis(home, tool, tool_input):
    """Only a write of an agent's settings (or a git hook) loads destructive_fields, to look
    for switched-off approvals; no file tool call loads the shell analysis."""
    home.run(home.payload("Bash", {"command": "ls"}))  # first call: compiles, writes the cache
    proc = subprocess.run([PYTHON, "-I", "-S", "-X", "importtime", str(home.zipapp)],
                          input=json.dumps(home.payload(tool, tool_input)).encode(),
                          capture_output=True, env=home.env, cwd=home.project)
    assert proc.returncode == 0
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "prempti_hook.hook" in imported
    analysis = {m for m in imported if m.startswith(("prempti_hook.event_source.shell",
                                                     "prempti_hook.event_source.destructive",
                                                     "prempti_hook.event_source.places",
                                                     "prempti_hook.event_source.sql"))}
    allowed = ({"prempti_hook.event_source.destructive_fields"}
               if tool_input["file_path"].endswith("settings.json") else set())
    assert analysis == allowed


@pytest.mark.parametrize("protected", ["settings.json", "config.yaml", "rules", "cache",
                                       "command"])
def test_a_hard_link_to_a_protected_file_fails_closed_with_the_fix(home, protected):
    """The red team's route: a second name for a protected file, made where no rule sees it,
    lets the file be changed through that name. While it exists, every call is denied and
    the reason says how to remove it; once removed, calls are decided again."""
    (home.root / ".claude").mkdir()
    (home.root / ".claude" / "settings.json").write_text("{}\n")
    (home.prempti / "config.yaml").write_text("mode: guardrails\n")
    (home.root / ".local" / "bin").mkdir(parents=True)
    (home.root / ".local" / "bin" / "prempti-hook").write_text("#!/bin/sh\n")
    assert decision(home.run(home.payload("Bash", {"command": "ls"})))[0] == "none"
    target = {"settings.json": home.root / ".claude" / "settings.json",
              "config.yaml": home.prempti / "config.yaml",
              "rules": next((home.prempti / "cache").parent.glob("lib/*/site-packages/"
                                                                 "prempti_hook/rules_default/"
                                                                 "*.yaml")),
              "cache": home.prempti / "cache" / "ruleset.cache",
              "command": home.root / ".local" / "bin" / "prempti-hook"}[protected]
    other = home.project / "innocent.txt"
    os.link(target, other)
    verdict, reason = decision(home.run(home.payload("Bash", {"command": "ls"})))
    assert verdict == "deny"
    assert f"{target} has 2 names (hard links)" in reason
    assert f"find / -xdev -samefile {target}" in reason
    record = home.records()[-1]
    assert record["verdict"] == "deny" and "hard links" in record["error"]
    other.unlink()
    proc = home.run(home.payload("Bash", {"command": "ls"}))
    if protected == "cache":  # linking changed its identity: it is rebuilt, not trusted
        assert "hookSpecificOutput" not in answer(proc)
        assert "changed since prempti-hook wrote it" in answer(proc)["systemMessage"]
        proc = home.run(home.payload("Bash", {"command": "ls"}))
    assert decision(proc)[0] == "none"
