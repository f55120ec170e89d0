"""The tool tables (`event_source/tools.py`) against the shipped rules and against real hook
inputs of every agent: each tool's fields come out the same whichever agent sent it, so one
rule protects every agent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from prempti_hook.agents import adapter
from prempti_hook.event_source import tools
from prempti_hook.event_source.event import Event, events_for

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "agent_samples"
HOME = "/home/dev"


def rule_lists() -> dict:
    lists = {}
    for path in sorted((REPO / "rules").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text()) or []:
            if isinstance(item, dict) and "list" in item:
                lists[item["list"]] = set(item["items"])
    return lists


@pytest.mark.parametrize("name, expected", [
    ("shell_tools", tools.SHELL_TOOLS),
    ("file_read_tools", set(tools.READS) | set(tools.MANY_READS)),
    ("file_write_tools", set(tools.WRITES) | set(tools.PATCHES)),
    ("file_search_tools", set(tools.SEARCHES)),
    ("name_search_tools", tools.NAME_SEARCHES),
    ("content_search_tools", set(tools.SEARCHES) - tools.NAME_SEARCHES),
    ("fetch_tools", set(tools.FETCHES)),
    ("subagent_tools", tools.SUBAGENTS),
])
def test_the_rules_tool_lists_name_the_tables_tools(name, expected):
    assert rule_lists()[name] == set(expected)


def test_every_real_sample_tool_is_known():
    """Each tool a real CLI sent is in a table (or is an MCP tool), so no agent's tool slips
    past the rules that look at a kind of tool."""
    known = (tools.SHELL_TOOLS | set(tools.READS) | set(tools.MANY_READS) | set(tools.WRITES)
             | set(tools.PATCHES) | set(tools.SEARCHES) | set(tools.FETCHES) | tools.SUBAGENTS)
    for path in sorted(SAMPLES.glob("*.json")):
        agent = path.name.split("_", 1)[0]
        call = adapter(agent).read(json.loads(path.read_text()))
        assert call.tool_name in known or Event(call, HOME)["mcp.server"] is not None, path.name


def event_of(sample: str) -> Event:
    agent = sample.split("_", 1)[0]
    payload = json.loads((SAMPLES / f"{sample}.json").read_text())
    return Event(adapter(agent).read(payload), HOME)


# (sample, tool.file_path, tool.paths, tool.write_paths)
PATHS = [
    ("gemini_BeforeTool_read_file", "a.txt", ["/home/dev/work/a.txt"], []),
    ("gemini_BeforeTool_write_file", "b.txt", ["/home/dev/work/b.txt"],
     ["/home/dev/work/b.txt"]),
    ("gemini_BeforeTool_replace", "b.txt", ["/home/dev/work/b.txt"], ["/home/dev/work/b.txt"]),
    ("gemini_BeforeTool_list_directory", ".", ["/home/dev/work"], []),
    ("gemini_BeforeTool_glob", "", ["/home/dev/work"], []),
    ("gemini_BeforeTool_grep_search", "", ["/home/dev/work"], []),
    ("copilot_preToolUse_view", "/home/dev/work/a.txt", ["/home/dev/work/a.txt"], []),
    ("copilot_preToolUse_create", "/home/dev/work/b.txt", ["/home/dev/work/b.txt"],
     ["/home/dev/work/b.txt"]),
    ("copilot_preToolUse_edit", "/home/dev/work/b.txt", ["/home/dev/work/b.txt"],
     ["/home/dev/work/b.txt"]),
    ("copilot_preToolUse_glob", "/home/dev/work", ["/home/dev/work"], []),
    ("copilot_preToolUse_grep", "/home/dev/work", ["/home/dev/work"], []),
    ("copilot_PreToolUse_Read", "/home/dev/work/a.txt", ["/home/dev/work/a.txt"], []),
    ("copilot_PreToolUse_Write", "/home/dev/work/b.txt", ["/home/dev/work/b.txt"],
     ["/home/dev/work/b.txt"]),
    ("copilot_PreToolUse_Edit", "/home/dev/work/b.txt", ["/home/dev/work/b.txt"],
     ["/home/dev/work/b.txt"]),
    ("copilot_PreToolUse_Glob", "/home/dev/work", ["/home/dev/work"], []),
    ("codex_PreToolUse_view_image", "shot.png", ["/home/dev/work/shot.png"], []),
]


@pytest.mark.parametrize("sample, file_path, paths, writes", PATHS, ids=[p[0] for p in PATHS])
def test_file_tools_of_every_agent_fill_the_path_fields(sample, file_path, paths, writes):
    ev = event_of(sample)
    assert ev["tool.file_path"] == file_path
    assert sorted(ev["tool.paths"]) == paths
    assert sorted(ev["tool.write_paths"]) == writes


@pytest.mark.parametrize("sample, content", [
    ("gemini_BeforeTool_write_file", "hi"), ("gemini_BeforeTool_replace", "ho"),
    ("copilot_preToolUse_create", "hi"), ("copilot_preToolUse_edit", "ho"),
    ("copilot_PreToolUse_Write", "hi"), ("copilot_PreToolUse_Edit", "ho"),
])
def test_content_of_every_agents_write_tools(sample, content):
    assert event_of(sample)["tool.content"] == content


@pytest.mark.parametrize("sample, command", [
    ("codex_PreToolUse_Bash", "cat README.md"), ("gemini_BeforeTool_run_shell_command", "ls"),
    ("copilot_preToolUse_bash", "ls"), ("copilot_PreToolUse_Bash", "ls"),
])
def test_shell_tools_of_every_agent_give_the_command(sample, command):
    ev = event_of(sample)
    assert ev["tool.input_command"] == command
    assert ev["tool.cmd.names"] == (command.split()[0],)


def test_codex_runs_the_command_where_its_workdir_is():
    # Codex put the exec_command's workdir (/home) into cwd: paths resolve against it
    ev = event_of("codex_PreToolUse_Bash")
    assert ev["agent.cwd"] == "/home" and ev["tool.cmd.paths"] == ("/home/README.md",)


def test_gemini_dir_path_moves_the_command():
    payload = json.loads((SAMPLES / "gemini_BeforeTool_run_shell_command.json").read_text())
    payload["tool_input"] = {"command": "cat ../../.ssh/id_rsa", "dir_path": "sub/dir"}
    ev = Event(adapter("gemini").read(payload), HOME)
    assert ev["tool.cmd.paths"] == ("/home/dev/work/.ssh/id_rsa",)
    payload["tool_input"]["dir_path"] = "/etc"
    ev = Event(adapter("gemini").read(payload), HOME)
    assert ev["tool.cmd.paths"] == ("/.ssh/id_rsa",)


def test_gemini_web_fetch_urls_are_every_url_in_the_prompt():
    ev = event_of("gemini_BeforeTool_web_fetch")
    assert ev["tool.url"] == "https://example.com/a\nhttps://example.org/b?x=1"
    assert ev["tool.hosts"] == ("example.com", "example.org")
    assert ev["tool.url.host"] == "example.com"


@pytest.mark.parametrize("sample, server, tool", [
    ("gemini_BeforeTool_mcp_demo_echo", "demo", "echo"),
    ("copilot_preToolUse_demo-echo", "demo", "echo"),
    ("copilot_PreToolUse_demo-echo", "demo", "echo"),
])
def test_mcp_tools_of_every_agent(sample, server, tool):
    ev = event_of(sample)
    assert (ev["mcp.server"], ev["mcp.tool"]) == (server, tool)


def test_copilot_mcp_server_names_may_hold_dashes():
    call = adapter("copilot").read({"sessionId": "s", "cwd": "/w", "toolName":
                                    "github-mcp-server-create_issue", "toolArgs": {}})
    ev = Event(call, HOME)
    assert (ev["mcp.server"], ev["mcp.tool"]) == ("github-mcp-server", "create_issue")


def test_gemini_mcp_without_context_is_split_from_the_name():
    call = adapter("gemini").read({"hook_event_name": "BeforeTool", "cwd": "/w",
                                   "tool_name": "mcp_github_create_issue", "tool_input": {}})
    ev = Event(call, HOME)
    assert (ev["mcp.server"], ev["mcp.tool"]) == ("github", "create_issue")


def test_subagent_tools_of_every_agent_are_listed():
    for sample in ("gemini_BeforeTool_invoke_agent", "copilot_preToolUse_task",
                   "copilot_PreToolUse_Agent"):
        assert event_of(sample)["tool.name"] in tools.SUBAGENTS


def test_a_decoy_key_next_to_the_real_one_hides_nothing():
    """Copilot's Claude-style Read takes `path`; a `file_path` next to it is a path too."""
    call = adapter("copilot").read({"hook_event_name": "PreToolUse", "cwd": "/w",
                                    "tool_name": "Read",
                                    "tool_input": {"file_path": "/w/readme",
                                                   "path": "/home/dev/.ssh/id_rsa"}})
    assert "/home/dev/.ssh/id_rsa" in Event(call, HOME)["tool.paths"]


def test_apply_patch_gives_one_event_per_file():
    payload = json.loads((SAMPLES / "codex_PreToolUse_apply_patch.json").read_text())
    events = events_for(adapter("codex").read(payload), HOME)
    assert [(ev["tool.patch_op"], ev["tool.file_path"]) for ev in events] == [
        ("Add", "notes.txt"), ("Move", "src/app.py"), ("Move", "src/main.py"),
        ("Delete", "old.txt")]
    assert [ev["tool.write_paths"] for ev in events] == [
        ("/home/dev/work/notes.txt",), ("/home/dev/work/src/app.py",),
        ("/home/dev/work/src/main.py",), ("/home/dev/work/old.txt",)]
    assert [ev["tool.content"] for ev in events] == ["hello", "b", "b", ""]
    assert len({ev["correlation.id"] for ev in events}) == 1


def test_the_shipped_rules_protect_every_agent(capsys):
    """tests/agents/every_agent.yaml: the same attacks as each agent sends them, decided by
    the shipped rules (run as `prempti-hook test` runs them)."""
    from prempti_hook.commands import test as test_command

    code = test_command.main("test", ["--rules", str(REPO / "rules"),
                                      str(REPO / "tests" / "agents" / "every_agent.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[-1].startswith("prempti-hook test: 19 passed")


def test_the_tool_tables_are_defined_once():
    """One source of truth: no other module keeps its own list of shell (or other) tools,
    which is how one of two `SHELL_TOOLS` once missed Gemini's `run_shell_command`."""
    import re

    names = ("SHELL_TOOLS", "READS", "MANY_READS", "WRITES", "PATCHES", "SEARCHES",
             "FETCHES", "SUBAGENTS", "NAME_SEARCHES")
    defined = re.compile(rf"^\s*({'|'.join(names)})\s*(:[^=]+)?=", re.M)
    where = sorted(str(p.relative_to(REPO)) for p in (REPO / "prempti_hook").rglob("*.py")
                   if defined.search(p.read_text(encoding="utf-8")))
    assert where == ["prempti_hook/event_source/tools.py"]
    assert "run_shell_command" in tools.SHELL_TOOLS  # Gemini's shell tool
