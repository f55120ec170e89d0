"""`prempti-hook test`: rule test files, their failures pytest-like, JSON, JUnit XML, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from prempti_hook.commands import test as test_command
from prempti_hook.offline import testfile

REPO = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"prempti-hook test: (?:(\d+) failed, )?(\d+) passed(?:, (\d+) errors?)? "
                     r"in [0-9.]+s \((\d+) file\(s\)\)")

RULES = """- list: key_names
  items: [id_rsa, id_ed25519]
- rule: Deny reading keys
  desc: d
  condition: tool.name in (Read, Bash) and tool.path_names intersects (key_names)
  output: prempti-hook blocked reading %tool.file_path
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
- rule: Ask before curl
  desc: d
  condition: tool.name = Bash and tool.cmd.names intersects (curl)
  output: prempti-hook asks before curl
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
- rule: Allow ls
  desc: d
  condition: tool.name = Bash and tool.cmd.names in (ls)
  output: ls is fine
  priority: INFO
  source: coding_agent
  tags: [coding_agent_allow]
- rule: Log web fetches
  desc: d
  condition: tool.name = WebFetch
  output: fetched %tool.url.host
  priority: NOTICE
  source: coding_agent
"""


@pytest.fixture
def rules(tmp_path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def run(capsys, *args) -> tuple[int, str, str]:
    code = test_command.main("test", [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(out: str) -> tuple[int, int, int]:
    match = SUMMARY.fullmatch(out.splitlines()[-1])
    assert match, out
    return int(match[1] or 0), int(match[2]), int(match[3] or 0)


# --- short forms and expectations -------------------------------------------------------------

ALL_FORMS = """- test: read short form
  read: ~/.ssh/id_rsa
  verdict: deny
  rule: Deny reading keys
- test: bash short form
  bash: curl https://example.com
  verdict: ask
- test: explicit allow
  bash: ls -la
  verdict: allow
  rule: Allow ls
- test: no rule decides
  bash: git status
  verdict: none
- test: write short form
  write: {path: notes.md, content: hello}
  verdict: none
  fields: {tool.content: hello, tool.file_name: notes.md}
- test: edit short form
  edit: {path: "{project}/a.py", old: x, new: y}
  fields: {tool.real_file_path: "{project}/a.py", tool.content: y}
- test: fetch short form (log-only rule)
  fetch: https://Example.COM/x
  verdict: none
  matches: Log web fetches
  fields: {tool.url.host: example.com}
- test: mcp short form
  mcp: {server: github, tool: create_issue, args: {title: t}}
  fields: {mcp.server: github, mcp.tool: create_issue, tool.name: mcp__github__create_issue}
- test: any tool by name
  tool: Glob
  input: {pattern: "**/*.pem"}
  fields:
    tool.input[pattern]: "**/*.pem"
- test: the real event JSON
  event: '{"hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "cat id_ed25519"}, "cwd": "{project}"}'
  verdict: deny
- test: cwd default is the project, list fields compare as lists
  bash: cat a b
  fields: {agent.real_cwd: "{project}", tool.cmd.names: [cat]}
- test: setup creates a symlink to a key
  setup:
    - {file: "{home}/.ssh/id_ed25519", content: "secret"}
    - {symlink: "{project}/k", to: "{home}/.ssh/id_ed25519"}
  bash: cat k
  not_matches: [Ask before curl]
  verdict: deny
"""


def test_every_form_and_expectation_passes(tmp_path, rules, capsys):
    code, out, _ = run(capsys, "--rules", rules, write(tmp_path, ALL_FORMS))
    assert code == 0, out
    assert counts(out) == (0, 12, 0)


def test_default_action_allow_turns_no_decision_into_allow(tmp_path, rules, capsys):
    text = ("- defaults: {default_action: allow}\n"
            "- test: allowed by default\n  bash: git status\n  verdict: allow\n")
    code, out, _ = run(capsys, "--rules", rules, write(tmp_path, text))
    assert code == 0, out


FAILING = """- test: wrong verdict
  bash: curl https://example.com
  verdict: deny
- test: wrong deciding rule
  read: id_rsa
  rule: Ask before curl
- test: must not match
  bash: cat id_rsa
  not_matches: [Deny reading keys]
- test: must match
  bash: ls
  matches: Deny reading keys
- test: a field
  bash: cat a
  fields: {tool.cmd.names: [cat, sh]}
"""


def test_failures_are_one_line_each_with_file_line_expected_got_and_matches(tmp_path, rules,
                                                                             capsys):
    path = write(tmp_path, FAILING)
    code, out, _ = run(capsys, "--rules", rules, path)
    lines = out.splitlines()
    assert code == 1 and counts(out) == (5, 0, 0)
    assert lines[:-1] == [
        f"{path}:1: FAILED wrong verdict: expected verdict deny, got ask (by 'Ask before "
        f"curl') (matched: Ask before curl)",
        f"{path}:4: FAILED wrong deciding rule: expected 'Ask before curl' to decide, got "
        f"'Deny reading keys' (matched: Deny reading keys)",
        f"{path}:7: FAILED must not match: expected 'Deny reading keys' not to match, it did "
        f"(matched: Deny reading keys)",
        f"{path}:10: FAILED must match: expected 'Deny reading keys' to match, it did not "
        f"(matched: Allow ls)",
        f'{path}:13: FAILED a field: expected tool.cmd.names = ("cat", "sh"), got ("cat") '
        f"(matched: no rule)",
    ]


def test_verbose_lists_passing_tests(tmp_path, rules, capsys):
    path = write(tmp_path, "- test: fine\n  bash: ls\n  verdict: allow\n")
    code, out, _ = run(capsys, "-v", "--rules", rules, path)
    assert code == 0 and out.splitlines()[0] == f"{path}:1: fine: passed"


def test_k_selects_tests_by_name(tmp_path, rules, capsys):
    code, out, _ = run(capsys, "-k", "must", "--rules", rules, write(tmp_path, FAILING))
    assert code == 1 and counts(out) == (2, 0, 0)


def test_unknown_rule_and_field_names_are_errors_with_a_suggestion(tmp_path, rules, capsys):
    path = write(tmp_path, "- test: typo\n  bash: ls\n  not_matches: [Deny reading kyes]\n"
                 "  fields: {tool.cmd.nmes: [ls]}\n")
    code, out, _ = run(capsys, "--rules", rules, path)
    assert code == 1 and counts(out) == (0, 0, 1)
    assert out.splitlines()[0] == (
        f"{path}:1: ERROR typo: no rule named 'Deny reading kyes' in the rules under test "
        f"(did you mean 'Deny reading keys'?); no field 'tool.cmd.nmes'")


# --- output formats -------------------------------------------------------------------------

def test_json_output(tmp_path, rules, capsys):
    code, out, _ = run(capsys, "--json", "--rules", rules, write(tmp_path, FAILING))
    doc = json.loads(out)
    assert code == 1 and len(doc["tests"]) == 5 and doc["problems"] == []
    first = doc["tests"][0]
    assert first["name"] == "wrong verdict" and first["line"] == 1
    assert first["outcome"] == "failed" and first["verdict"] == "ask"
    assert first["matched"] == ["Ask before curl"] and first["rule"] == "Ask before curl"
    assert doc["summary"].startswith("prempti-hook test: 5 failed, 0 passed")


def test_junit_xml(tmp_path, rules, capsys):
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    path = write(tmp_path, FAILING + "- test: ok\n  bash: ls\n  verdict: allow\n- bogus: 1\n")
    code, _, _ = run(capsys, "--junit", junit, "--rules", rules, path)
    assert code == 1
    root = ET.parse(junit).getroot()
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == str(path)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("7", "5", "1")
    cases = suite.findall("testcase")
    assert [c.get("line") for c in cases][:6] == ["1", "4", "7", "10", "13", "16"]
    assert cases[5].find("failure") is None and cases[0].find("failure") is not None
    assert "expected verdict deny" in cases[0].find("failure").get("message")


# --- bad input: file:line and a clear message, never a traceback -----------------------------

@pytest.mark.parametrize("text, line, message", [
    ("- test: x\n  bash: ls\n  verdit: deny\n", 3, "unknown key `verdit` (did you mean "
     "`verdict`?)"),
    ("- test: x\n  bash: ls\n", 1, "test 'x' expects nothing"),
    ("- test: x\n  bash: ls\n  read: a\n  verdict: deny\n", 1, "needs exactly one call"),
    ("- test: x\n  verdict: deny\n", 1, "found none"),
    ("- test: x\n  bash: ls\n  verdict: block\n", 3, "`verdict` is one of deny, ask, allow, "
     "none"),
    ("- test: x\n  bash: ls\n  verdict: none\n  rule: R\n", 4, "with `verdict: none` no rule "
     "decides"),
    ("- bash: ls\n  verdict: deny\n", 1, "a test starts with `test: <name>`"),
    ("- just a string\n", 1, "each item must be a mapping"),
    ("test: x\n", 1, "a test file is a YAML list"),
    ("- test: x\n  bash: \"ls\n  verdict: deny\n", 2, "a quoted value starts here and is not "
     "closed"),
    ("- test: a\n  bash: ls\n  verdict: deny\n- test: a\n  bash: ls\n  verdict: ask\n", 4,
     "test 'a' is already defined at line 1"),
    ("- test: x\n  bash: ls\n  verdict: deny\n  verdict: ask\n", 4, "key `verdict` appears "
     "twice"),
    ("- test: x\n  bash: ls\n  setup: [{file: a, dir: b}]\n  verdict: none\n", 3,
     "exactly one of file, dir, symlink"),
    ("- test: x\n  bash: ls\n  fields: [tool.name]\n", 3, "`fields` is a mapping"),
    ("- defaults: {colour: red}\n", 1, "unknown key `colour`"),
])
def test_malformed_test_files_get_file_line_and_a_message(tmp_path, rules, capsys, text, line,
                                                          message):
    path = write(tmp_path, text)
    code, out, err = run(capsys, "--rules", rules, path)
    assert code == 1 and "Traceback" not in out + err
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:{line}: ERROR "), first
    assert message in first, first


@pytest.mark.parametrize("text, message", [
    ("- test: x\n  mcp: {server: s}\n  verdict: none\n", "`mcp` needs `tool`"),
    ("- test: x\n  write: {path: a, content: 1}\n  verdict: none\n", "content must be a string"),
    ("- test: x\n  event: '{not json'\n  verdict: none\n", "`event` is not valid JSON"),
    ("- test: x\n  event: {tool_name: Bash, tool_input: [1]}\n  verdict: none\n",
     "malformed tool call: tool_input is not a JSON object"),
    ("- test: x\n  bash: ls\n  agent: nobody\n  verdict: none\n", "unknown agent 'nobody'"),
    ("- test: x\n  bash: ls\n  setup: [{file: /etc/x, content: a}]\n  verdict: none\n",
     "outside the test home"),
    ("- test: x\n  bash: ls\n  setup: [{symlink: '{home}/../x', to: a}]\n  verdict: none\n",
     "outside the test home"),
])
def test_calls_that_cannot_be_built_are_errors(tmp_path, rules, capsys, text, message):
    path = write(tmp_path, text)
    code, out, _ = run(capsys, "--rules", rules, path)
    assert code == 1 and counts(out) == (0, 0, 1)
    assert out.startswith(f"{path}:1: ERROR x: ") and message in out.splitlines()[0], out


def test_unreadable_and_binary_files(tmp_path, rules, capsys):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"- test: \xff\n")
    code, out, _ = run(capsys, "--rules", rules, binary, tmp_path / "missing.yaml")
    assert code == 1
    assert f"{binary}:0: ERROR test file is not valid UTF-8 (byte 8)" in out
    assert f"{tmp_path / 'missing.yaml'}:0: ERROR cannot read test file" in out


def test_one_bad_item_does_not_hide_the_others(tmp_path, rules, capsys):
    text = "- test: bad\n  bsh: ls\n- test: good\n  bash: ls\n  verdict: allow\n"
    code, out, _ = run(capsys, "--rules", rules, write(tmp_path, text))
    assert code == 1 and counts(out) == (0, 1, 1)


def test_rules_that_do_not_load_are_reported(tmp_path, capsys):
    bad = write(tmp_path, "- rule: r\n", "bad-rules.yaml")
    code, _, err = run(capsys, "--rules", bad, write(tmp_path, ALL_FORMS))
    assert code == 1 and "the rules under test do not load" in err and "bad-rules.yaml" in err


def test_usage_errors(capsys):
    assert test_command.main("test", ["--frobnicate"]) == 2
    assert test_command.main("test", ["--rules"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "prempti-hook test: unknown option '--frobnicate' (see prempti-hook test --help)",
        "prempti-hook test: --rules needs a value (see prempti-hook test --help)"]


def test_no_test_files(tmp_path, rules, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "--rules", rules, empty)
    assert code == 1 and "no test files found" in err


# --- defaults: what the hook loads, and the tests/ folder beside it ------------------------------

def test_without_arguments_runs_the_tests_beside_the_hooks_rules(tmp_path, capsys, monkeypatch):
    user = tmp_path / "home" / "rules" / "user"
    (user / "tests").mkdir(parents=True)
    (user / "mine.yaml").write_text(RULES, encoding="utf-8")
    (user / "tests" / "mine.yaml").write_text(
        "- test: my rule asks\n  bash: curl https://example.com\n  verdict: ask\n"
        "  rule: Ask before curl\n"
        "- test: the shipped rules load first\n  read: ~/.ssh/id_rsa\n  verdict: deny\n"
        "  rule: Deny access to SSH private keys\n  matches: [Deny reading keys]\n",
        encoding="utf-8")
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PREMPTI_RULES", raising=False)
    code, out, _ = run(capsys)
    assert code == 0, out
    assert counts(out) == (0, 2, 0)


def test_the_files_the_command_reads_are_never_written(tmp_path, rules, capsys):
    path = write(tmp_path, ALL_FORMS)
    before = (path.read_bytes(), rules.read_bytes())
    run(capsys, "--rules", rules, path)
    assert (path.read_bytes(), rules.read_bytes()) == before


def test_parse_reports_every_problem_of_a_file():
    tests, problems = testfile.parse("- test: a\n  bsh: x\n- test: b\n  verdict: x\n"
                                     "- test: c\n  bash: ls\n  verdict: deny\n", "f.yaml")
    assert [t.name for t in tests] == ["c"]
    assert [(p.line, p.message.split()[0]) for p in problems] == [(2, "unknown"),
                                                                   (3, "test")]


def test_command_line_entry_point(tmp_path, rules):
    proc = subprocess.run([sys.executable, "-m", "prempti_hook", "test", "--rules", str(rules),
                           str(write(tmp_path, ALL_FORMS))], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert SUMMARY.fullmatch(proc.stdout.splitlines()[-1])


def test_it_never_writes_into_the_guards_own_files(tmp_path, rules, capsys, monkeypatch):
    """The agent may run `test` too: a report written over the hook's settings or binary
    would switch the guard off, so --junit and the test homes stay out of PREMPTI_HOME and
    Claude Code's folder, even through a symlink."""
    from prempti_hook.offline import sandbox

    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    settings = home / ".claude" / "settings.json"
    settings.write_text('{"hooks": {}}')
    (tmp_path / "link").symlink_to(home / ".claude")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PREMPTI_HOME", raising=False)
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.setattr(sandbox, "_GUARDED", [])
    tests = write(tmp_path, ALL_FORMS)
    for target in (settings, tmp_path / "link" / "settings.json",
                   home / ".prempti" / "bin" / "prempti-hook"):
        code, _, err = run(capsys, "--junit", target, "--rules", rules, tests)
        assert code == 1 and "not writing the JUnit report" in err, err
    assert settings.read_text() == '{"hooks": {}}'
    monkeypatch.setenv("PREMPTI_TEST_HOMES", str(home / ".prempti" / "rules" / "user"))
    code, out, _ = run(capsys, "--rules", rules, tests)
    assert code == 1 and "cannot create a test home" in out
    assert not (home / ".prempti").exists()


def test_the_readme_example_rule_and_its_tests_pass(tmp_path, capsys):
    import textwrap

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Writing and testing rules"):text.index("### With Claude")]
    rule, tests = re.findall(r"```yaml\n(.*?)```", section, re.S)
    (tmp_path / "rule.yaml").write_text(rule, encoding="utf-8")
    test_file = write(tmp_path, textwrap.dedent(tests), "readme-tests.yaml")
    code, out, _ = run(capsys, "--rules", REPO / "rules", "--rules", tmp_path / "rule.yaml",
                       test_file)
    assert code == 0 and counts(out) == (0, 2, 0), out


def test_a_deeply_nested_test_file_is_a_problem_not_a_crash(tmp_path, built_zipapp):
    # The real zipapp: its libyaml's C composer overflows the stack on this nesting.
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 100_000)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "p")}
    proc = subprocess.run([sys.executable, "-I", str(built_zipapp), "test", str(path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    assert "YAML error" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
