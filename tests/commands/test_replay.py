"""`prempti-hook replay`: past calls from the audit log (written by the real hook) and from Claude
Code transcripts, re-decided under other rules; counts, the calls that moved, what was read
past; the live log and the cache are never written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from prempti_hook import hook
from prempti_hook.commands import replay

DATA = Path(__file__).resolve().parents[1] / "data" / "claude_code_transcripts"

OLD_RULES = """- rule: Deny rm
  desc: d
  condition: tool.name = Bash and tool.cmd.names intersects (rm)
  output: prempti-hook blocked rm
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
- rule: Ask curl
  desc: d
  condition: tool.name = Bash and tool.cmd.names intersects (curl)
  output: prempti-hook asks before curl
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"""
NEW_RULES = """- rule: Deny curl
  desc: d
  condition: tool.name = Bash and tool.cmd.names intersects (curl)
  output: prempti-hook blocked curl
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
- rule: Ask before big writes
  desc: d
  condition: tool.name = Write and tool.content contains "BIG"
  output: prempti-hook asks before this write
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
- rule: Ask wget
  desc: d
  condition: tool.name = Bash and tool.cmd.names intersects (wget)
  output: prempti-hook asks before wget
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"""


class Machine:
    """A HOME with prempti-hook's files, the hook run in-process to write the live log."""

    def __init__(self, root: Path) -> None:
        self.home = root / "home"
        self.project = self.home / "project"
        self.project.mkdir(parents=True)
        self.prempti = self.home / ".prempti"
        self.rules_dir = root / "rules"
        self.rules_dir.mkdir()
        self.old = self.rules_dir / "old.yaml"
        self.old.write_text(OLD_RULES, encoding="utf-8")
        self.new = root / "new.yaml"
        self.new.write_text(NEW_RULES, encoding="utf-8")
        self.env = {"HOME": str(self.home), "PREMPTI_HOME": str(self.prempti),
                    "PREMPTI_RULES": str(self.old), "PATH": "/usr/bin:/bin"}
        self.log = self.prempti / "log" / "events.jsonl"

    def call(self, tool_name: str, tool_input: dict) -> None:
        payload = {"hook_event_name": "PreToolUse", "tool_name": tool_name,
                   "tool_input": tool_input, "cwd": str(self.project), "session_id": "s1"}
        stdin = self.home / "stdin.json"
        stdin.write_text(json.dumps(payload))
        with open(stdin, "rb") as fin, open(os.devnull, "wb") as out:
            assert hook.run(fin.fileno(), out.fileno(), out.fileno(), self.env) == 0


@pytest.fixture
def machine(tmp_path, monkeypatch) -> Machine:
    m = Machine(tmp_path)
    for key, value in m.env.items():
        monkeypatch.setenv(key, value)
    return m


def run(capsys, *args):
    code = replay.main("replay", [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def history(machine: Machine) -> None:
    machine.call("Bash", {"command": "rm -rf build"})             # deny  -> none
    machine.call("Bash", {"command": "curl https://x.io"})        # ask   -> deny
    machine.call("Bash", {"command": "wget https://x.io"})        # none  -> ask
    machine.call("Bash", {"command": "ls"})                       # none  -> none
    machine.call("Write", {"file_path": str(machine.project / "big.txt"),
                           "content": "x" * 40000 + "BIG"})       # none  -> ask (40 KB input)


def test_replay_of_the_live_log_under_new_rules(machine, capsys):
    history(machine)
    assert len(machine.log.read_text().splitlines()) == 5
    code, out, _ = run(capsys, "--rules", machine.new)
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0].startswith("replayed 5 call(s) from 1 file(s) under 1 rules file(s), "
                               "compared with the verdicts logged then")
    assert lines[1:7] == ["  newly denied       1", "  newly asked        2",
                          "  no longer denied   1", "  other changes      0",
                          "  unchanged          1", "  under these rules: deny 1, ask 2, "
                          "allow 0, none 2"]
    moved = lines[lines.index("calls that moved (4):") + 1:]
    assert len(moved) == 4
    assert "Bash: rm -rf build  deny -> none (was 'Deny rm')" in moved[0]
    assert "Bash: curl https://x.io  ask -> deny by 'Deny curl' (was 'Ask curl')" in moved[1]
    assert "Bash: wget https://x.io  none -> ask by 'Ask wget'" in moved[2]
    assert "Write: " in moved[3] and "none -> ask by 'Ask before big writes'" in moved[3]


def test_the_log_keeps_the_whole_input_so_a_big_write_can_be_replayed(machine):
    machine.call("Write", {"file_path": "a.txt", "content": "y" * 50000})
    record = json.loads(machine.log.read_text())
    assert json.loads(record["output_fields"]["tool.input"])["content"] == "y" * 50000
    assert record["output_fields"]["tool.content"].endswith("more characters]")  # still capped


def test_json(machine, capsys):
    history(machine)
    code, out, _ = run(capsys, "--json", "--rules", machine.new)
    doc = json.loads(out)
    assert code == 0 and doc["replayed"] == 5
    assert doc["counts"] == {"newly denied": 1, "newly asked": 2, "no longer denied": 1,
                             "other": 0}
    first = doc["moved"][0]
    assert (first["before"], first["after"], first["kind"]) == ("deny", "none",
                                                                "no longer denied")
    assert first["tool_input"] == {"command": "rm -rf build"}
    assert first["origin"].endswith("events-00000001.jsonl:1")  # the numbered log file


def test_rotations_are_read_oldest_first_and_limit_lists_fewer(machine, capsys):
    history(machine)
    lines = machine.log.read_text().splitlines(keepends=True)
    Path(f"{machine.log}.2").write_text("".join(lines[:2]))
    Path(f"{machine.log}.1").write_text("".join(lines[2:4]))
    machine.log.write_text(lines[4])
    code, out, _ = run(capsys, "--rules", machine.new, "--limit", "1")
    assert code == 0 and "from 3 file(s)" in out
    assert "rm -rf build" in out and "... 3 more (--limit 0 lists all)" in out


def test_what_cannot_be_replayed_is_counted_with_its_reason(machine, capsys, tmp_path):
    history(machine)
    log = tmp_path / "old-events.jsonl"
    good = machine.log.read_text().splitlines()[0]
    cut = json.loads(good)
    cut["output_fields"]["tool.input"] = '{"command": "rm -' + "...[9 more characters]"
    failed = {"rule": "prempti-hook: failed to decide", "output_fields": {"tool_name": "Bash"}}
    log.write_text("\n".join([good, json.dumps(cut), json.dumps(failed), "not json", "[1]",
                              json.dumps({"rule": "x"})]) + "\n")
    code, out, _ = run(capsys, "--log", log, "--rules", machine.new)
    assert code == 0 and "replayed 1 call(s)" in out
    skipped = next(x for x in out.splitlines() if x.startswith("  not replayed"))
    for reason in ("tool.input cut or missing", "the hook could not decide it then",
                   "line is not JSON (1)", "line is not a JSON object (1)",
                   "record without the call's fields (1)"):
        assert reason in skipped, skipped


def test_replay_never_writes_the_live_log_or_the_cache(machine, capsys):
    history(machine)
    cache = machine.prempti / "cache"

    def state(path):  # the cache's identity records are symlinks that point nowhere
        data = os.readlink(path) if path.is_symlink() else path.read_bytes()
        return data, path.lstat().st_mtime_ns

    before = {p: state(p) for p in [*cache.iterdir(), machine.log]}
    run(capsys, "--rules", machine.new)
    run(capsys, "--rules", machine.new, "--transcript", DATA)
    after = {p: state(p) for p in [*cache.iterdir(), machine.log]}
    assert before == after


# --- Claude Code transcripts ---------------------------------------------------------------------

def test_a_real_transcript(machine, capsys):
    """tests/data/claude_code_transcripts/session.jsonl was written by Claude Code 2.1.332
    (offline, against the e2e mock): a Bash call that ran, a Read a hook blocked, a Write."""
    code, out, _ = run(capsys, "--transcript", DATA / "session.jsonl", "--rules", machine.new)
    assert code == 0, out
    assert "replayed 3 call(s)" in out and "compared with the rules the hook loads" in out
    assert "transcript records read past (no tool call in them): 30" in out
    assert "unknown types" not in out


def test_transcripts_against_new_rules(machine, capsys, tmp_path):
    folder = tmp_path / "projects" / "-home-project"
    folder.mkdir(parents=True)
    records = [
        {"type": "user", "permissionMode": "default", "cwd": str(machine.project),
         "sessionId": "s", "message": {"role": "user", "content": "go"}},
        {"type": "assistant", "cwd": str(machine.project), "sessionId": "s",
         "timestamp": "2026-12-01T10:00:00Z",
         "message": {"role": "assistant", "content": [
             {"type": "text", "text": "ok"},
             {"type": "tool_use", "id": "t1", "name": "Bash",
              "input": {"command": "curl https://x.io"}},
             {"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "rm -r a"}},
             {"type": "tool_use", "id": "t3", "name": "Bash"}]}},
        {"type": "user", "cwd": str(machine.project), "sessionId": "s",
         "permissionDecision": {"decision": "reject", "source": "hook"},
         "message": {"role": "user", "content": [
             {"type": "tool_result", "tool_use_id": "t1", "is_error": True,
              "content": "PreToolUse:Bash hook error: no"}]}},
        {"type": "brand-new-record-kind", "x": 1},
        {"type": "brand-new-record-kind", "x": 2},
        {"type": "attachment"},
    ]
    (folder / "s.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n")
    sub = folder / "s" / "subagents"
    sub.mkdir(parents=True)
    shutil.copy(DATA / "session.jsonl", sub / "agent-1.jsonl")
    code, out, _ = run(capsys, "--transcript", tmp_path / "projects", "--rules", machine.new)
    assert code == 0, out
    assert "replayed 5 call(s) from 2 file(s)" in out
    # Under the rules the hook loads (old): curl asks, rm denies; under the new: curl denies.
    assert "  newly denied       1" in out and "  no longer denied   1" in out
    assert "Bash: curl https://x.io  ask -> deny by 'Deny curl' (was 'Ask curl'); in the " \
           "session: blocked by a hook" in out
    assert "of unknown types: brand-new-record-kind (2)" in out
    assert "tool_use block without a name or an input (1)" in out
    assert "line is not JSON (1)" in out


def test_usage_and_nothing_to_replay(machine, capsys):
    assert run(capsys, "--bogus")[0] == 2
    assert run(capsys, "--limit", "x")[0] == 2
    code, _, err = run(capsys)
    assert code == 1 and "nothing to replay" in err


def test_rules_that_do_not_load(machine, capsys, tmp_path):
    history(machine)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- rule: x\n")
    code, _, err = run(capsys, "--rules", bad)
    assert code == 1 and "the rules do not load" in err
