"""Self-tests of the Claude Code end-to-end harness (mock API, MCP server, driver, install).

The hooks here are throwaway scripts the tests write into their temp folder, not the product:
they log every PreToolUse event they receive and answer in one fixed way (deny a marker,
allow, ask, exit 2, or no decision). Each test proves one thing the product's end-to-end
tests will rely on: what Claude Code does with each kind of answer, what reaches the hook for
each tool, and what reaches the "model".
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from driver import (
    ALL_TOOLS,
    MCP_SERVER_NAME,
    HarnessError,
    hook_settings,
    install_claude_code,
    mcp_config,
)
from mock_api import (
    SIDE_ANSWER,
    MockAnthropicAPI,
    ScriptError,
    agent_call,
    final_text,
    tool_call,
)

pytestmark = pytest.mark.e2e

MARKER = "PREMPTI_E2E_MARKER"
DENY_REASON = f"e2e deny: {MARKER} is not allowed here"
ASK_REASON = "e2e ask: a human should confirm this"
ALLOW_REASON = "e2e allow: fine by the test"
EXIT2_REASON = "e2e exit 2: refused on stderr"
BYPASS = "bypassPermissions"
REASONS = {"deny": DENY_REASON, "allow": ALLOW_REASON, "ask": ASK_REASON, "exit2": EXIT2_REASON}

HOOK_SOURCE = f"REASONS = {json.dumps(REASONS)}\n" + textwrap.dedent(
    """
    import json, sys

    log_path, mode, marker = sys.argv[1:4]
    event = json.loads(sys.stdin.read())
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(json.dumps(event) + "\\n")

    def decide(decision, reason):
        print(json.dumps({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }}))

    if mode == "deny-marker" and marker in json.dumps(event.get("tool_input")):
        decide("deny", REASONS["deny"])
    elif mode == "allow":
        decide("allow", REASONS["allow"])
    elif mode == "ask":
        decide("ask", REASONS["ask"])
    elif mode == "exit2":
        sys.stderr.write(REASONS["exit2"])
        sys.exit(2)
    """
)


@dataclass
class ThrowawayHook:
    """A PreToolUse hook script in the test's temp folder, and the log of what it received."""

    settings: dict
    log: Path

    def calls(self) -> list:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def calls_for(self, tool_name: str) -> list:
        return [call for call in self.calls() if call["tool_name"] == tool_name]


def make_hook(folder: Path, mode: str) -> ThrowawayHook:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"hook_{mode}.py"
    script.write_text(HOOK_SOURCE)
    log = folder / f"hook_{mode}.jsonl"
    command = shlex.join([sys.executable, str(script), str(log), mode, MARKER])
    return ThrowawayHook(settings=hook_settings(command, timeout=30), log=log)


@pytest.fixture
def hooks_dir(tmp_path: Path) -> Path:
    return tmp_path / "hooks"


def touch_step(path: Path) -> dict:
    return tool_call("Bash", command=f"touch {shlex.quote(str(path))}",
                     description="Create a marker file")


# --------------------------------------------------------------------------- hook answers


def test_deny_hook_blocks_only_the_marked_call(claude_session, hooks_dir):
    hook = make_hook(hooks_dir, "deny-marker")
    blocked = claude_session.project / f"blocked-{MARKER}"
    harmless = claude_session.project / "harmless.txt"
    session = claude_session.run(
        [touch_step(blocked), touch_step(harmless)],
        settings=hook.settings, permission_mode=BYPASS,
    ).expect_success()

    denied, ran = session.results_for("Bash")
    assert denied["is_error"] is True, session.describe()
    assert denied["content"] == f"PreToolUse:Bash hook error: {DENY_REASON}", session.describe()
    assert not blocked.exists(), "a denied command ran anyway (bypass mode)"
    assert ran["is_error"] is False, session.describe()
    assert harmless.exists(), "bypass mode should have run the command the hook let through"
    assert [call["tool_input"]["command"] for call in hook.calls()] == [
        f"touch {blocked}", f"touch {harmless}"
    ]
    # The mock echoes tool results in its final text, so the reason reached the "model".
    assert DENY_REASON in session.final_text, session.describe()


def test_allow_hook_runs_what_the_default_guard_would_refuse(claude_session, hooks_dir):
    hook = make_hook(hooks_dir, "allow")
    created = claude_session.project / "allowed-marker.txt"
    session = claude_session.run(
        [touch_step(created)], settings=hook.settings
    ).expect_success()

    result = session.only_result_for("Bash")
    assert result["is_error"] is False, session.describe()
    assert created.exists(), "the hook allowed the command but it did not run"
    assert len(hook.calls()) == 1


def test_ask_hook_is_denied_in_print_mode(claude_session, hooks_dir):
    hook = make_hook(hooks_dir, "ask")
    created = claude_session.project / "asked-marker.txt"
    session = claude_session.run(
        [touch_step(created)], settings=hook.settings
    ).expect_success()

    result = session.only_result_for("Bash")
    assert result["is_error"] is True, session.describe()
    # Unlike a deny, the reason arrives bare, without the "PreToolUse:Bash hook error:" prefix.
    assert result["content"] == ASK_REASON, session.describe()
    assert not created.exists(), "an 'ask' in -p mode must not run the command"
    assert len(hook.calls()) == 1


def test_exit_2_blocks_with_stderr_as_reason(claude_session, hooks_dir):
    hook = make_hook(hooks_dir, "exit2")
    created = claude_session.project / "exit2-marker.txt"
    step = touch_step(created)
    session = claude_session.run(
        [step], settings=hook.settings, permission_mode=BYPASS
    ).expect_success()

    result = session.only_result_for("Bash")
    assert result["is_error"] is True, session.describe()
    assert result["content"] == (
        f"PreToolUse:Bash hook error: [{hook_command(hook)}]: {EXIT2_REASON}"
    ), session.describe()
    assert not created.exists(), "exit 2 must block the command, even in bypass mode"


def hook_command(hook: ThrowawayHook) -> str:
    return hook.settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]


@pytest.mark.parametrize("permission_mode", [None, BYPASS])
def test_without_a_hook_the_normal_permission_flow_decides(claude_session, permission_mode):
    created = claude_session.project / "no-hook-marker.txt"
    session = claude_session.run(
        [touch_step(created)], permission_mode=permission_mode
    ).expect_success()

    result = session.only_result_for("Bash")
    if permission_mode == BYPASS:
        assert result["is_error"] is False, session.describe()
        assert created.exists()
    else:
        # Claude Code's own guard asks before a shell command creates a file; -p denies.
        assert result["is_error"] is True, session.describe()
        assert not created.exists()
    assert "hook error" not in result["content"]


# --------------------------------------------------------------------------- per tool


def run_recorded(claude_session, hooks_dir: Path, steps: list, **options) -> tuple:
    """Run ``steps`` in bypass mode under a hook that records and never decides."""
    hook = make_hook(hooks_dir, "record")
    options.setdefault("tools", ALL_TOOLS)
    session = claude_session.run(
        steps, settings=hook.settings, permission_mode=BYPASS, **options
    ).expect_success()
    return session, hook


def assert_hook_saw(hook: ThrowawayHook, session, step: dict, *, project: Path,
                    added: dict | None = None) -> dict:
    """The hook got exactly one call for the step's tool, with the model's input as sent."""
    calls = hook.calls_for(step["tool"])
    assert len(calls) == 1, f"hook calls for {step['tool']}: {calls}\n{session.describe()}"
    call = calls[0]
    assert call["hook_event_name"] == "PreToolUse"
    assert call["tool_input"] == {**step["input"], **(added or {})}, session.describe()
    assert call["cwd"] == str(project)
    assert call["permission_mode"] == BYPASS
    assert call["tool_use_id"] == session.only_result_for(step["tool"])["tool_use_id"]
    return call


def test_bash_reaches_the_hook(claude_session, hooks_dir):
    step = tool_call("Bash", command="echo bash-ran", description="Echo")
    session, hook = run_recorded(claude_session, hooks_dir, [step])
    assert_hook_saw(hook, session, step, project=claude_session.project)
    assert session.only_result_for("Bash")["content"] == "bash-ran"


def test_read_reaches_the_hook(claude_session, hooks_dir):
    target = claude_session.project / "notes.txt"
    target.write_text("read me\n")
    step = tool_call("Read", file_path=str(target))
    session, hook = run_recorded(claude_session, hooks_dir, [step])
    assert_hook_saw(hook, session, step, project=claude_session.project)
    assert "read me" in session.only_result_for("Read")["content"]


def test_write_reaches_the_hook(claude_session, hooks_dir):
    target = claude_session.project / "written.txt"
    step = tool_call("Write", file_path=str(target), content="written by Write")
    session, hook = run_recorded(claude_session, hooks_dir, [step])
    assert_hook_saw(hook, session, step, project=claude_session.project)
    assert target.read_text() == "written by Write"


def test_edit_reaches_the_hook(claude_session, hooks_dir):
    target = claude_session.project / "edited.txt"
    target.write_text("hello world\n")
    read = tool_call("Read", file_path=str(target))  # Edit refuses a file not read first
    edit = tool_call("Edit", file_path=str(target), old_string="hello", new_string="bye")
    session, hook = run_recorded(claude_session, hooks_dir, [read, edit])
    # Observed in 2.1.332: Edit is the one tool whose hook input gains a default the model
    # did not send (replace_all: false).
    assert_hook_saw(hook, session, edit, project=claude_session.project,
                    added={"replace_all": False})
    assert target.read_text() == "bye world\n"


def test_glob_reaches_the_hook(claude_session, hooks_dir):
    (claude_session.project / "found.txt").write_text("x")
    step = tool_call("Glob", pattern="**/*.txt", path=str(claude_session.project))
    session, hook = run_recorded(claude_session, hooks_dir, [step])
    assert_hook_saw(hook, session, step, project=claude_session.project)
    assert "found.txt" in session.only_result_for("Glob")["content"]


def test_grep_reaches_the_hook(claude_session, hooks_dir):
    (claude_session.project / "haystack.txt").write_text("a needle here\n")
    step = tool_call("Grep", pattern="needle", path=str(claude_session.project),
                     output_mode="content", **{"-n": True})
    session, hook = run_recorded(claude_session, hooks_dir, [step])
    assert_hook_saw(hook, session, step, project=claude_session.project)
    assert "haystack.txt:1:a needle here" in session.only_result_for("Grep")["content"]


def test_notebook_edit_reaches_the_hook(claude_session, hooks_dir):
    notebook = claude_session.project / "book.ipynb"
    notebook.write_text(json.dumps({
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": ["print(1)"],
                   "outputs": [], "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }))
    read = tool_call("Read", file_path=str(notebook))  # NotebookEdit needs a Read first
    edit = tool_call("NotebookEdit", notebook_path=str(notebook), cell_id="c1",
                     new_source="print('edited')")
    session, hook = run_recorded(claude_session, hooks_dir, [read, edit])
    assert_hook_saw(hook, session, edit, project=claude_session.project)
    cells = json.loads(notebook.read_text())["cells"]
    assert "".join(cells[0]["source"]) == "print('edited')"


def test_mcp_tool_reaches_the_hook(claude_session, hooks_dir):
    step = tool_call(f"mcp__{MCP_SERVER_NAME}__echo", text="hello from mcp")
    session, hook = run_recorded(claude_session, hooks_dir, [step], mcp_config=mcp_config())
    call = assert_hook_saw(hook, session, step, project=claude_session.project)
    assert call["mcp_server"]["name"] == MCP_SERVER_NAME
    assert session.only_result_for(step["tool"])["content"] == "echo: hello from mcp"


def test_mcp_tool_denied_by_hook_has_no_side_effect(claude_session, hooks_dir):
    hook = make_hook(hooks_dir, "deny-marker")
    target = claude_session.project / f"mcp-{MARKER}"
    step = tool_call(f"mcp__{MCP_SERVER_NAME}__touch", path=str(target))
    session = claude_session.run(
        [step], settings=hook.settings, mcp_config=mcp_config(), permission_mode=BYPASS
    ).expect_success()
    result = session.only_result_for(step["tool"])
    assert result["is_error"] is True, session.describe()
    assert result["content"] == f"PreToolUse:{step['tool']} hook error: {DENY_REASON}"
    assert not target.exists()


def test_subagent_calls_reach_the_hook(claude_session, hooks_dir):
    inner = tool_call("Bash", command="echo from-subagent", description="Echo in subagent")
    outer = agent_call("e2e subagent: echo once", [inner])
    session, hook = run_recorded(claude_session, hooks_dir, [outer])

    [agent] = hook.calls_for("Agent")
    assert agent["tool_input"] == outer["input"], session.describe()
    assert "agent_id" not in agent
    [bash] = hook.calls_for("Bash")
    assert bash["tool_input"] == inner["input"], session.describe()
    assert bash["agent_type"] == "general-purpose" and bash["agent_id"], bash
    [result] = session.results_for("Bash")
    assert result["conversation"] == outer["input"]["prompt"]
    assert result["content"] == "from-subagent"


@pytest.mark.parametrize("mode", ["allow", "deny-marker"])
def test_webfetch_reaches_the_hook_and_a_deny_does_not_fetch(
    claude_session, hooks_dir, connection_recorder, mode
):
    hook = make_hook(hooks_dir, mode)
    step = tool_call("WebFetch", url=f"http://127.0.0.1:{connection_recorder.port}/{MARKER}",
                     prompt="Summarize the page")
    session = claude_session.run([step], settings=hook.settings, tools=["WebFetch"])
    session.expect_success()
    [call] = hook.calls_for("WebFetch")
    assert call["tool_input"] == step["input"]
    result = session.only_result_for("WebFetch")
    if mode == "allow":
        # The fetch itself fails (the recorder is no web server); it only has to be tried.
        assert connection_recorder.count >= 1, session.describe()
    else:
        assert result["content"] == f"PreToolUse:WebFetch hook error: {DENY_REASON}"
        time.sleep(0.3)  # let a (wrong) late connection show up before counting
        assert connection_recorder.count == 0, session.describe()


# --------------------------------------------------------------------------- driver


def test_a_hung_session_is_killed_with_context(claude_session, hooks_dir):
    sentinel = f"{os.getpid()}{time.monotonic_ns() % 100000}"
    # Claude Code refuses a plain `sleep 300` ("use Monitor"), so hang in Python instead.
    step = tool_call("Bash", command=f'python3 -c "import time; time.sleep(300)" {sentinel}',
                     description="Hang")
    started = time.monotonic()
    with pytest.raises(HarnessError) as raised:
        claude_session.run([step], permission_mode=BYPASS, timeout=6)
    assert time.monotonic() - started < 30
    message = str(raised.value)
    assert "did not finish within 6 s" in message
    assert "tool_use Bash" in message  # the mock's request log is part of the failure
    time.sleep(0.5)
    leftovers = processes_mentioning(sentinel)
    for pid, _ in leftovers:  # do not leave a 300 s sleeper behind when this test fails
        os.kill(int(pid), signal.SIGKILL)
    assert not leftovers, f"the hung command outlived the session: {leftovers}"


def processes_mentioning(text: str) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append((entry.name, cmdline))
    return found


def test_session_environment_does_not_leak_the_callers(claude_session, hooks_dir, monkeypatch):
    monkeypatch.setenv("PREMPTI_E2E_LEAK", "leaked")
    step = tool_call("Bash", command="env", description="Show the environment")
    session, _ = run_recorded(claude_session, hooks_dir, [step])
    output = session.only_result_for("Bash")["content"]
    assert "PREMPTI_E2E_LEAK" not in output
    assert f"HOME={claude_session.home}" in output
    assert "ANTHROPIC_API_KEY=dummy" in output


def test_install_fails_clearly_without_npm(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(HarnessError, match="npm was not found on PATH"):
        install_claude_code(tmp_path / "claude-code")


FAKE_NPM = textwrap.dedent(
    """\
    #!/bin/sh
    # Stands in for npm: logs the call, waits (so two installers overlap), then lays out
    # node_modules/.bin/claude the way the real package does.
    echo "$@" >> "{log}"
    sleep 1
    while [ "$1" != "--prefix" ]; do shift; done
    mkdir -p "$2/node_modules/.bin"
    printf '#!/bin/sh\\necho "2.1.332 (Claude Code)"\\n' > "$2/node_modules/.bin/claude"
    chmod +x "$2/node_modules/.bin/claude"
    """
)


def test_concurrent_installs_run_npm_once(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm-calls.log"
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(log=log))
    npm.chmod(0o755)
    install_dir = tmp_path / "cache" / "claude-code"
    program = (
        "import sys; sys.path.insert(0, sys.argv[1]); import driver; "
        "print(driver.install_claude_code(__import__('pathlib').Path(sys.argv[2])))"
    )
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    here = str(Path(__file__).parent)
    installers = [
        subprocess.Popen([sys.executable, "-c", program, here, str(install_dir)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [installer.communicate(timeout=60) for installer in installers]
    for installer, (stdout, stderr) in zip(installers, outputs):
        assert installer.returncode == 0, stderr
        assert stdout.strip() == str(install_dir / "node_modules" / ".bin" / "claude")
    assert len(log.read_text().splitlines()) == 1, "npm ran more than once"
    assert sorted(p.name for p in install_dir.parent.iterdir()) == [
        "claude-code", "claude-code.lock"
    ], "a staging folder was left behind"


# --------------------------------------------------------------------------- mock API


def post(url: str, body: dict) -> tuple:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("Content-Type"), response.read().decode()


def conversation(prompt: str, assistant_turns: int = 0) -> list:
    messages = [{"role": "user", "content": [{"type": "text", "text": f"<ctx/>\n{prompt}"}]}]
    for turn in range(assistant_turns):
        messages.append({"role": "assistant", "content": [
            {"type": "tool_use", "id": f"toolu_{turn}", "name": "Bash", "input": {}}]})
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"toolu_{turn}", "content": f"out {turn}",
             "is_error": turn == 0}]})
    return messages


TOOLS = [{"name": "Bash", "input_schema": {"type": "object"}}]


def test_mock_plays_steps_by_assistant_turn_and_ignores_side_requests():
    script = [tool_call("Bash", command="one"), tool_call("Bash", command="two"),
              final_text("all done")]
    with MockAnthropicAPI(script, main_key="MAIN-KEY") as mock:
        url = f"{mock.url}/v1/messages"
        side = json.loads(post(url, {"model": "m", "messages": conversation("MAIN-KEY")})[1])
        assert side["content"] == [{"type": "text", "text": SIDE_ANSWER}]
        stranger = json.loads(post(url, {"model": "m", "tools": TOOLS,
                                         "messages": conversation("title please")})[1])
        assert stranger["content"][0]["text"] == SIDE_ANSWER
        first = json.loads(post(url, {"model": "m", "tools": TOOLS,
                                      "messages": conversation("MAIN-KEY")})[1])
        assert first["stop_reason"] == "tool_use"
        assert first["content"][0]["input"] == {"command": "one"}
        second = json.loads(post(url, {"model": "m", "tools": TOOLS,
                                       "messages": conversation("MAIN-KEY", 1)})[1])
        assert second["content"][0]["input"] == {"command": "two"}
        last = json.loads(post(url, {"model": "m", "tools": TOOLS,
                                     "messages": conversation("MAIN-KEY", 2)})[1])
        assert last["stop_reason"] == "end_turn"
        assert last["content"][0]["text"].startswith("all done")
        assert "toolu_0 is_error=True: out 0" in last["content"][0]["text"]
        assert [r["conversation"] for r in mock.requests] == [None, None, "main", "main", "main"]
        assert mock.tool_results() == [
            {"tool_use_id": "toolu_0", "content": "out 0", "is_error": True},
            {"tool_use_id": "toolu_1", "content": "out 1", "is_error": False},
        ]


def test_mock_streams_server_sent_events_in_order():
    script = [tool_call("Bash", command="echo streamed")]
    with MockAnthropicAPI(script, main_key="KEY") as mock:
        content_type, body = post(f"{mock.url}/v1/messages", {
            "model": "m", "stream": True, "tools": TOOLS, "messages": conversation("KEY")})
    assert content_type == "text/event-stream"
    events = [block.split("\n") for block in body.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names == ["message_start", "content_block_start", "content_block_delta",
                     "content_block_delta", "content_block_stop", "message_delta",
                     "message_stop"]
    data = [json.loads(lines[1].removeprefix("data: ")) for lines in events]
    partial = "".join(d["delta"]["partial_json"] for d in data if d["type"] ==
                      "content_block_delta")
    assert json.loads(partial) == {"command": "echo streamed"}
    assert data[-2]["delta"]["stop_reason"] == "tool_use"


def test_mock_answers_count_tokens_and_unknown_paths():
    with MockAnthropicAPI([], main_key="KEY") as mock:
        assert json.loads(post(f"{mock.url}/v1/messages/count_tokens", {})[1]) == {
            "input_tokens": 100}
        assert post(f"{mock.url}/api/whatever", {})[1] == "{}"


@pytest.mark.parametrize("script, problem", [
    ([final_text("early"), tool_call("Bash")], "must be last"),
    ([{"input": {}}], "non-empty 'tool'"),
    ([agent_call("same", []), agent_call("same", [])], "used twice"),
    ([agent_call("KEY and more", [])], "contained in"),
])
def test_mock_rejects_malformed_scripts(script, problem):
    with pytest.raises(ScriptError, match=problem):
        MockAnthropicAPI(script, main_key="KEY")
