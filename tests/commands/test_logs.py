from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prempti_hook import auditlog, config, jsonio
from prempti_hook.commands import logs

REPO = Path(__file__).resolve().parents[2]


def record(n: int, verdict: str = "none", command: str = "ls", enforced: bool = True,
           reason: str | None = None, tool: str = "Bash", event: str = "PreToolUse",
           agent: str = "claude_code") -> dict:
    """A record shaped like the hook's (alert.make_record): a deciding rule when there is a
    reason, else the fixed no-match rule."""
    rule = reason.split(": ", 1)[0] if reason else "prempti-hook: no matching rule"
    out = {"time": f"2026-11-25T10:00:{n:02d}.123456789Z", "hostname": "h",
           "source": "coding_agent", "rule": rule,
           "priority": "Critical" if reason else "Informational",
           "output": f"2026-11-25T10:00:{n:02d}.123456789+0000: Critical out {n}",
           "output_fields": {"agent.name": agent, "agent.hook_event_name": event,
                             "tool.name": tool, "tool.input_command": command},
           "tags": [], "verdict": verdict, "mode": "guardrails", "enforced": enforced,
           "matched": [], "duration_ms": 1.0}
    if reason:
        out["reason"] = reason
    return out


@pytest.fixture
def cfg(tmp_path, monkeypatch) -> config.Config:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "p"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return config.load()


def test_human_lines_oldest_first_with_tail(cfg, capsys):
    for n in range(30):
        auditlog.append(cfg, record(n, "deny" if n % 3 == 0 else "none", command=f"cmd {n}",
                                    reason=f"rule {n}: no" if n % 3 == 0 else None))
    assert logs.main("logs", []) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == logs.DEFAULT_TAIL
    assert lines[-1] == "2026-11-25 10:00:29Z  NONE            claude_code  Bash  cmd 29"
    assert lines[-2] == "2026-11-25 10:00:28Z  NONE            claude_code  Bash  cmd 28"
    assert lines[-3] == "2026-11-25 10:00:27Z  DENY            claude_code  Bash  rule 27: no"
    assert logs.main("logs", ["--tail", "all", "--show", "deny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in lines] == ["DENY"] * 10
    assert logs.main("logs", ["--tail=2", "--show", "deny,none"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert logs.main("logs", ["-n", "0"]) == 0
    assert capsys.readouterr().out == ""


def test_an_old_defer_verdict_is_shown_and_selected_as_none(cfg, capsys):
    auditlog.append(cfg, record(1, "defer"))
    assert logs.main("logs", ["--show", "none"]) == 0
    assert capsys.readouterr().out.split()[2] == "NONE"


def _hook_calls(home: Path) -> list[dict]:
    """Real records: the hook run in-process on a mix of tools, agents' events and a
    failure."""
    from prempti_hook import hook

    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "PREMPTI_HOME": str(home / "p"), "PREMPTI_MODE": "guardrails"}
    calls = [
        {"tool_name": "Bash", "tool_input": {"command": "ls -la"}},
        {"tool_name": "Bash", "tool_input": {"command": "cat ~/.ssh/id_rsa"}},
        {"tool_name": "Read", "tool_input": {"file_path": "/etc/hostname"}},
        {"tool_name": "WebFetch", "tool_input": {"url": "https://example.com/a", "prompt": "x"}},
        {"tool_name": "mcp__github__create_pull_request_review_comment_for_line",
         "tool_input": {"body": "looks good"}},
        {"tool_name": "mcp__fs__read", "tool_input": {"path": "/tmp/x"}},
        {"hook_event_name": "PostToolUse", "tool_name": "Bash",
         "tool_input": {"command": "cat ~/.ssh/id_rsa"}, "tool_response": {"stdout": "k"}},
        {"hook_event_name": "UserPromptSubmit", "prompt": "hello"},
    ]
    for n, call in enumerate(calls):
        payload = {"session_id": "s", "transcript_path": "", "cwd": str(home),
                   "hook_event_name": "PreToolUse", "tool_use_id": f"toolu_{n}", **call}
        data = jsonio.dumps(payload).encode()
        with open(home / "in", "wb") as f:
            f.write(data)
        with open(home / "in", "rb") as stdin, open(home / "out", "wb") as out:
            hook.run(stdin.fileno(), out.fileno(), out.fileno(), env)
    with open(home / "in", "wb") as f:
        f.write(b"not json")
    with open(home / "in", "rb") as stdin, open(home / "out", "wb") as out:
        hook.run(stdin.fileno(), out.fileno(), out.fileno(), env)
    return list(auditlog.LogReader(str(home / "p" / "log" / "events.jsonl")))


def test_every_call_is_one_line_in_one_format_whatever_the_tool(tmp_path):
    records = _hook_calls(tmp_path)
    assert len(records) == 9
    renderer = logs.Renderer(colour=False, records=records)
    lines = [renderer.render(r) for r in records]
    labels = [line[22:22 + renderer.label_width].strip() for line in lines]
    assert labels == ["NONE", "DENY", "NONE", "NONE", "NONE", "NONE", "PostToolUse",
                      "UserPromptSubmit", "DENY"]
    agent_at = 22 + renderer.label_width + 1
    tool_at = agent_at + renderer.agent_width + 2
    what_at = tool_at + renderer.tool_width + 2
    for line, record in zip(lines, records):
        assert line[:22].endswith("Z  ") and line[agent_at - 1] == " "
        agent = record["output_fields"].get("agent.name", "-")
        assert line[agent_at:tool_at].rstrip() == agent  # every column starts at one place
        assert line[tool_at - 2:tool_at] == "  " and line[what_at - 2:what_at] == "  "
        what = line[what_at:]
        assert "+0000" not in what and "no rule decided" not in what  # no embedded time
        assert "Informational" not in what and "no matching rule" not in what
    tools = [line[tool_at:what_at].rstrip() for line in lines]
    assert tools[4] == "mcp__github__create_pull_reques…"  # cut at TOOL_WIDTH, still aligned
    assert len(tools[4]) == logs.TOOL_WIDTH
    whats = [line[what_at:] for line in lines]
    assert whats[0] == "ls -la" and whats[2] == "/etc/hostname"
    assert whats[3] == "https://example.com/a"
    assert whats[4] == '{"body":"looks good"}' and whats[5] == '{"path":"/tmp/x"}'
    assert whats[1].startswith("Deny access to SSH private keys: ")
    assert whats[8].startswith("unreadable input: ")


def test_events_that_are_not_decisions_are_shown_as_what_they_are(tmp_path, cfg, capsys):
    records = _hook_calls(tmp_path / "calls")
    post = records[6]
    assert post["output_fields"]["agent.hook_event_name"] == "PostToolUse"
    assert post["enforced"] is False  # nothing a PostToolUse answers is enforced
    assert records[7]["enforced"] is False and records[1]["enforced"] is True
    assert "logged, not a decision point" in records[7]["output"]
    for r in records:
        auditlog.append(cfg, r)
    assert logs.main("logs", ["--show", "event"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in lines] == ["PostToolUse", "UserPromptSubmit"]
    assert logs.main("logs", ["--show", "deny"]) == 0  # the PostToolUse deny match is not one
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_the_agent_is_shown(cfg, capsys):
    for n, agent in enumerate(("claude_code", "codex", "gemini", "copilot")):
        auditlog.append(cfg, record(n, agent=agent, tool="Bash" if n % 2 else "run_shell"))
    assert logs.main("logs", []) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines] == ["claude_code", "codex", "gemini", "copilot"]
    assert len({line.index("  ls") for line in lines}) == 1  # aligned


def test_raw_prints_the_stored_lines(cfg, capsys):
    records = [record(1), record(2, "ask"), record(3, "deny")]
    for r in records:
        auditlog.append(cfg, r)
    assert logs.main("logs", ["--raw", "--show", "ask,deny"]) == 0
    out = capsys.readouterr().out
    stored = Path(cfg.log_file).read_text().splitlines()
    assert out.splitlines() == stored[1:]
    shown = [jsonio.loads(line) for line in out.splitlines()]
    assert [r.pop("chain")["seq"] for r in shown] == [2, 3]
    assert shown == records[1:]


def test_monitor_records_are_marked(cfg, capsys):
    auditlog.append(cfg, record(1, "deny", enforced=False))
    assert logs.main("logs", []) == 0
    assert "DENY (monitor)" in capsys.readouterr().out


def test_hostile_text_is_escaped_for_the_terminal(cfg, capsys):
    auditlog.append(cfg, record(1, command="echo \x1b[2J\x1b]0;pwned\x07 \u202eevil\nnext \udc80"))
    assert logs.main("logs", []) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out and "\\n" in out and "\\udc80" in out


def test_colour_only_for_a_terminal_without_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert logs.use_colour(Tty()) is True
    assert logs.use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "")
    assert logs.use_colour(Tty()) is False
    line = logs.render(record(1, "deny"), colour=True)
    assert line.startswith("2026-11-25 10:00:01Z  \x1b[1;31mDENY") and logs.RESET in line
    assert "\x1b" not in logs.render(record(1, "deny"), colour=False)


def test_unreadable_lines_are_skipped_and_counted(cfg, capsys):
    auditlog.append(cfg, record(1))
    with open(auditlog.numbered_files(cfg.log_file)[-1], "ab") as f:
        f.write(b'{"torn": \nnot json at all\n')
    auditlog.append(cfg, record(2))
    assert logs.main("logs", []) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "skipped 2 unreadable line(s)" in captured.err


def test_empty_log(cfg, capsys):
    assert logs.main("logs", []) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("args", [["--tail", "x"], ["--tail"], ["--show", "nope"],
                                  ["--show", ""], ["--what"], ["-x"]])
def test_bad_arguments_are_one_line(cfg, capsys, args):
    assert logs.main("logs", args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("prempti-hook logs: ")
    assert err.endswith(" (see prempti-hook logs --help)\n")


def test_follower_reads_across_several_rotations_between_polls(tmp_path):
    log = str(tmp_path / "events.jsonl")
    line = lambda n: (jsonio.dumps({"n": n, "pad": "x" * 30}) + "\n").encode()  # noqa: E731
    auditlog.append_line(log, line(0), 0, 50)
    follower = logs.Follower(log)
    follower.start_at_end()
    assert follower.poll() == []
    for n in range(1, 8):  # each line rotates: several rotations before the next poll
        auditlog.append_line(log, line(n), len(line(0)) + 1, 50)
    got = [jsonio.loads(raw.decode())["n"] for raw in follower.poll()]
    assert got == list(range(1, 8))
    with open(log, "ab") as f:
        f.write(line(8)[:10])  # a half-written line is held back until it is complete
    assert follower.poll() == []
    with open(log, "ab") as f:
        f.write(line(8)[10:])
    assert [jsonio.loads(raw.decode())["n"] for raw in follower.poll()] == [8]


def test_follow_mode_prints_new_calls_across_rotation(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREMPTI_")}
    env.update(HOME=str(tmp_path), PREMPTI_HOME=str(tmp_path / "p"), PYTHONPATH=str(REPO),
               NO_COLOR="1")
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "p"),
                       "PREMPTI_LOG_MAX_BYTES": "1500", "PREMPTI_LOG_BACKUPS": "100"})
    auditlog.append(cfg, record(0))  # before -f starts: not shown with --tail 0
    proc = subprocess.Popen([sys.executable, "-m", "prempti_hook", "logs", "-f", "--tail", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        for n in range(1, 21):
            auditlog.append(cfg, record(n, command=f"cmd {n}"))
            time.sleep(0.05)
        assert len(auditlog.numbered_files(cfg.log_file)) >= 5
        seen: list[str] = []
        deadline = time.monotonic() + 20
        buffer = b""
        while len(seen) < 20 and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                seen.extend(c.decode() for c in complete)
        assert [line.rsplit("  ", 1)[1] for line in seen] == [f"cmd {n}" for n in range(1, 21)]
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_verify_reports_an_intact_log_and_then_the_first_broken_line(cfg, capsys):
    for n in range(5):
        auditlog.append(cfg, record(n))
    assert logs.main("logs", ["--verify"]) == 0
    assert capsys.readouterr().out == ("audit log chain: intact (5 line(s) in 1 file(s), "
                                       "5 chained, seq 1..5)\n")
    path = auditlog.numbered_files(cfg.log_file)[0]
    lines = Path(path).read_bytes().splitlines(keepends=True)
    Path(path).write_bytes(b"".join(lines[:1] + lines[2:]))  # a line taken out
    assert logs.main("logs", ["--verify"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}:2: broken: missing: 1 line(s) (seq 2..2) before this one"
    assert out[-1].startswith("audit log chain: BROKEN, 1 problem(s)")


@pytest.mark.parametrize("args", [["--verify", "--raw"], ["--verify", "-f"],
                                  ["--verify", "--show", "deny"], ["x.jsonl"]])
def test_verify_takes_only_files(cfg, capsys, args):
    assert logs.main("logs", args) == 2
    assert capsys.readouterr().err.startswith("prempti-hook logs: ")


def test_a_long_event_name_from_the_agent_cannot_push_the_columns_away(cfg, capsys):
    auditlog.append(cfg, record(1, event="X" * 500))
    auditlog.append(cfg, record(2))
    assert logs.main("logs", []) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[2] == "X" * (logs.LABEL_MAX - 1) + "…"
    assert lines[0].index("claude_code") == lines[1].index("claude_code")


def test_one_log_for_every_agent_shows_and_filters_by_agent(cfg, capsys):
    for n, agent in enumerate(["claude_code", "codex", "gemini", "copilot", "codex"]):
        auditlog.append(cfg, record(n, agent=agent, command=f"cmd {n}"))
    failure = record(9, "deny")
    del failure["output_fields"]["agent.name"]  # a record with no agent (a very old one)
    auditlog.append(cfg, failure)
    assert logs.main("logs", []) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines] == ["claude_code", "codex", "gemini", "copilot",
                                                  "codex", "-"]
    assert logs.main("logs", ["--agent", "codex"]) == 0
    assert [line.split()[-1] for line in capsys.readouterr().out.splitlines()] == ["1", "4"]
    assert logs.main("logs", ["--agent=claude"]) == 0  # an alias of claude_code
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert logs.main("logs", ["--agent", "cursor"]) == 2
    assert "unknown agent 'cursor'" in capsys.readouterr().err
