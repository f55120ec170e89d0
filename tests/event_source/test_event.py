from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from prempti_hook.agents import claude_code
from prempti_hook.event_source import fields
from prempti_hook.event_source.derived_fields import SHELL_EXTRACTORS
from prempti_hook.event_source.event import EXTRACTORS, Event, new_correlation_id

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "claude_code_samples"


def event_for(tool_name, tool_input, cwd, home, **extra):
    payload = {"hook_event_name": "PreToolUse", "tool_name": tool_name,
               "tool_input": tool_input, "cwd": str(cwd), "session_id": "s1",
               "tool_use_id": "toolu_1", **extra}
    return Event(claude_code.read(payload), str(home), correlation_id=42)


def sample_event(name, home="/home/dev"):
    return Event(claude_code.read(json.loads((SAMPLES / f"{name}.json").read_text())), home)


def test_every_declared_field_has_an_extractor():
    declared = {f.name for f in fields.all_fields()}
    assert declared == set(EXTRACTORS) | set(SHELL_EXTRACTORS)


def test_bash_sample_fields():
    ev = sample_event("pretooluse_Bash")
    assert ev["tool.name"] == "Bash"
    assert ev["tool.input_command"] == "ls -la"
    assert ev["tool.input"] == ('{"command":"ls -la","description":"List files",'
                               '"run_in_background":false,"timeout":5000}')
    assert ev["tool.file_path"] == ""
    assert ev["tool.real_file_path"] == ""
    assert ev["agent.name"] == "claude_code"
    assert ev["agent.hook_event_name"] == "PreToolUse"
    assert ev["agent.permission_mode"] == "default"
    assert ev["agent.cwd"] == "/home/dev/project"
    assert ev["tool.use_id"] == "toolu_mock_00_4fb2e6d3"
    assert ev["agent.os"] == "linux"
    assert ev["agent.pid"] == os.getppid()
    assert ev["tool.patch_op"] == ""
    # Fields beyond Prempti that do not apply are missing, not empty.
    for name in ("tool.content", "tool.url", "tool.url.host", "mcp.server", "mcp.tool"):
        assert ev[name] is None


def test_correlation_id_is_random_non_zero_and_js_safe():
    ids = {new_correlation_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(0 < i < 2 ** 53 for i in ids)


def test_input_keys_and_json_pointers():
    ev = event_for("MultiEdit", {"file_path": "/p/a", "edits": [
        {"old_string": "a", "new_string": "b/é"}, {"old_string": "c", "new_string": "d"}],
        "a/b": 1, "n": None}, "/", "/home/u")
    assert ev["tool.input[file_path]"] == "/p/a"
    assert ev["tool.input[/edits/0/new_string]"] == "b/é"
    assert ev["tool.input[/edits/1]"] == '{"new_string":"d","old_string":"c"}'
    assert ev["tool.input[/a~1b]"] == "1"
    assert ev["tool.input[n]"] == "null"
    assert ev["tool.input[/edits/2/new_string]"] is None
    assert ev["tool.input[missing]"] is None
    assert ev["tool.content"] == "b/é\nd"


@pytest.mark.parametrize("tool,key,content_key", [
    ("Read", "file_path", None), ("Write", "file_path", "content"),
    ("Edit", "file_path", "new_string"), ("NotebookEdit", "notebook_path", "new_source"),
    ("Glob", "path", None), ("Grep", "path", None),
])
def test_file_path_per_tool(tmp_path, tool, key, content_key):
    tool_input = {key: "sub/f.txt"}
    if content_key:
        tool_input[content_key] = "TEXT"
    ev = event_for(tool, tool_input, tmp_path, tmp_path)
    assert ev["tool.file_path"] == "sub/f.txt"
    assert ev["tool.file_name"] == "f.txt"
    assert ev["tool.real_file_path"] == str(tmp_path / "sub" / "f.txt")
    assert ev["tool.content"] == ("TEXT" if content_key else None)


def test_real_paths_resolve_symlinks_dotdot_and_home(tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    project = home / "project"
    project.mkdir()
    (project / "keys").symlink_to(home / ".ssh")
    link_cwd = tmp_path / "cwdlink"
    link_cwd.symlink_to(project)
    ev = event_for("Read", {"file_path": "keys/id_rsa"}, link_cwd, home)
    assert ev["agent.real_cwd"] == str(project)
    assert ev["agent.real_cwd_prefix"] == str(project) + "/"
    assert ev["tool.real_file_path"] == str(home / ".ssh" / "id_rsa")
    for given in ("~/.ssh/id_rsa", "$HOME/.ssh/id_rsa", "${HOME}/.ssh/id_rsa",
                  "../missing/../.ssh/./id_rsa", str(project) + "//../.ssh/id_rsa"):
        ev = event_for("Read", {"file_path": given}, project, home)
        assert ev["tool.real_file_path"] == str(home / ".ssh" / "id_rsa"), given
    assert ev["tool.file_path"] == str(project) + "//../.ssh/id_rsa"


def test_root_cwd_prefix_has_one_slash():
    ev = event_for("Bash", {"command": "ls"}, "/", "/root")
    assert ev["agent.real_cwd_prefix"] == "/"


def test_hostile_values_do_not_crash(tmp_path):
    ev = event_for("Read", {"file_path": "a\x00b/\ud800/c"}, tmp_path, tmp_path)
    assert ev["tool.real_file_path"].endswith("/c")
    ev = event_for("Bash", {"command": ["rm", "-rf", "/"]}, tmp_path, tmp_path)
    assert ev["tool.input_command"] == '["rm","-rf","/"]'
    ev = event_for("Write", {"file_path": 5, "content": {"a": 1}}, tmp_path, tmp_path)
    assert ev["tool.file_path"] == "5"
    assert ev["tool.content"] == '{"a":1}'


def test_mcp_names():
    ev = sample_event("pretooluse_mcp__demo__echo")
    assert (ev["mcp.server"], ev["mcp.tool"]) == ("demo", "echo")
    ev = event_for("mcp__github__create_issue", {}, "/", "/root")
    assert (ev["mcp.server"], ev["mcp.tool"]) == ("github", "create_issue")
    ev = event_for("mcp__my__srv__do_it", {}, "/", "/root", mcp_server={"name": "my__srv"})
    assert (ev["mcp.server"], ev["mcp.tool"]) == ("my__srv", "do_it")


def test_webfetch_url():
    ev = sample_event("pretooluse_WebFetch")
    assert ev["tool.url"] == "https://example.com/"


def test_unknown_field_is_missing():
    ev = sample_event("pretooluse_Bash")
    assert ev["no.such.field"] is None
    assert ev["tool.input[unterminated"] is None


def test_extraction_is_lazy_and_cached():
    ev = sample_event("pretooluse_Bash")
    assert dict(ev) == {}
    ev["tool.name"]
    assert list(ev) == ["tool.name"]


def test_prempti_protected_paths_follow_configuration(tmp_path):
    real = tmp_path / "real-prempti"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    call = claude_code.read({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                             "tool_input": {"command": "ls"}, "cwd": str(tmp_path)})
    ev = Event(call, str(tmp_path), prempti_home=str(link), claude_dir=str(tmp_path / "cc"))
    assert ev["prempti.home"] == str(real)
    interpreter = ev["prempti.interpreter_paths"]
    assert ev["prempti.protected_paths"] == (str(real), str(tmp_path / "cc" / "settings.json"),
                                             *interpreter)
    default = Event(call, str(tmp_path))
    assert default["prempti.protected_paths"] == (str(tmp_path / ".prempti"),
                                                  str(tmp_path / ".claude" / "settings.json"),
                                                  *interpreter)


def test_interpreter_paths_are_what_decides_the_code_the_hook_runs():
    """As the zipapp runs (`-I -S`, our code appended after the standard library): the
    standard library, its zip and lib-dynload, the executable and the files that would
    redirect its prefix are listed (a prempti_hook dropped there would shadow ours); our own
    code is not (it is protected as the guard's files)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[2])
    code = (f"import sys, json; sys.path.append({repo!r})\n"
            "from prempti_hook.agents import claude_code\n"
            "from prempti_hook.event_source.event import Event\n"
            "call = claude_code.read({'hook_event_name': 'PreToolUse', 'tool_name': 'Bash',"
            " 'tool_input': {'command': 'ls'}, 'cwd': '/'})\n"
            "print(json.dumps([sys.path, Event(call, '/h')['prempti.interpreter_paths']]))")
    real = os.path.realpath(sys.executable)
    run = subprocess.run([real, "-I", "-S", "-c", code], capture_output=True, text=True,
                         check=True)
    search_path, paths = json.loads(run.stdout)
    stdlib = os.path.dirname(os.__file__)
    assert stdlib in paths and os.path.join(stdlib, "lib-dynload") in paths
    assert any(p.endswith(".zip") for p in paths)  # python3X.zip, even where it is absent
    assert real in paths
    assert os.path.join(os.path.dirname(real), "pyvenv.cfg") in paths
    assert repo in search_path and repo not in paths


def test_protected_ancestors_are_every_folder_above_the_protected_paths():
    call = claude_code.read({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                             "tool_input": {"command": "ls"}, "cwd": "/"})
    ev = Event(call, "/nonexistent/home/u")
    interpreter = set()
    for path in ev["prempti.interpreter_paths"]:
        while path not in ("", "/"):
            path = path.rsplit("/", 1)[0] or "/"
            interpreter.add(path)
    assert set(ev["prempti.protected_ancestors"]) == {
        "/nonexistent/home/u", "/nonexistent/home", "/nonexistent", "/",
        "/nonexistent/home/u/.claude"} | interpreter


def test_file_exists_says_whether_a_write_overwrites(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "link").symlink_to(tmp_path / "old.txt")
    def exists(path):
        return event_for("Write", {"file_path": path, "content": ""}, tmp_path,
                         tmp_path)["tool.file_exists"]
    assert exists(str(tmp_path / "old.txt")) is True
    assert exists(str(tmp_path / "link")) is True  # written through: the target is replaced
    assert exists(str(tmp_path / "dangling")) is False  # written through: the target is new
    assert exists(str(tmp_path / "new.txt")) is False
    assert event_for("Bash", {"command": "ls"}, tmp_path, tmp_path)["tool.file_exists"] is False
