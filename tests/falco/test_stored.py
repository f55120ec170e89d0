"""The stored form of a ruleset (what the hook's cache holds): it must give exactly the
in-memory ruleset's results, read only the rules that can apply to the tool, decode an
output format only when asked, and refuse bytes from another Python or format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mockfields import AGENT_TABLE, MockEvent
from test_ruleset import RULES, _conditions, _events, _rule

from prempti_hook.falco import condition, runtime, stored, storing
from prempti_hook.falco.codegen import compile_condition
from prempti_hook.falco.output_compiler import compile_format
from prempti_hook.falco.ruleset import Rule, Ruleset, RulesetVersionError

REPO = Path(__file__).resolve().parents[2]


def stored_copy(ruleset: Ruleset, tmp_path: Path, name: str = "stored") -> stored.StoredRuleset:
    path = tmp_path / name
    path.write_bytes(b"HEADER\n" + storing.dump(ruleset))
    return stored.StoredRuleset(os.open(path, os.O_RDONLY), len(b"HEADER\n"))


def _names(rules) -> list[str]:
    return [r.name for r in rules]


def test_same_matches_in_the_same_order(tmp_path):
    rs = Ruleset.build(RULES, "tool.name")
    copy = stored_copy(rs, tmp_path)
    for values in ({"tool.name": "Bash", "tool.input_command": "rm -rf /",
                    "tool.real_file_path": "/etc/passwd"},
                   {"tool.name": "Glob"}, {}, {"tool.name": ["Bash"]}, {"tool.name": None},
                   {"tool.name": "Edit", "tool.file_path": "/x"}):
        event = MockEvent(values)
        assert _names(copy.match(event)) == _names(rs.match(event))
        assert [(r.priority, r.tags) for r in copy.match(event)] == \
            [(r.priority, r.tags) for r in rs.match(event)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_conditions, st.booleans()), min_size=1, max_size=8),
       st.lists(_events, min_size=1, max_size=6))
def test_stored_match_equals_brute_force(tmp_path_factory, conditions, events):
    rules = [Rule(f"r{i}", compile_condition(node, AGENT_TABLE), 4, (), "coding_agent", None,
                  enabled=enabled)
             for i, (node, enabled) in enumerate(conditions)]
    for index_field in ("tool.name", None):
        copy = stored_copy(Ruleset.build(rules, index_field), tmp_path_factory.mktemp("s"))
        for values in events:
            event = MockEvent(values)
            brute = [r.name for r in rules if r.enabled and r.condition(event)]
            assert _names(copy.match(event)) == brute


def test_only_the_rules_of_the_events_tool_are_read(tmp_path, monkeypatch):
    """Rules that cannot apply to the tool are never read: the bytes read grow with the
    candidates, not with the ruleset."""
    bash = [_rule(f"bash {i}", f"tool.name = Bash and tool.input_command contains x{i}")
            for i in range(200)]
    edits = [_rule(f"edit {i}", f"tool.name = Edit and tool.file_path contains y{i}")
             for i in range(3)]
    copy = stored_copy(Ruleset.build([*bash, *edits, _rule("any", "tool.file_path exists")],
                                     "tool.name"), tmp_path)
    read = []
    real_read = stored._read

    def counting(fd, size, offset):
        read.append(size)
        return real_read(fd, size, offset)

    monkeypatch.setattr(stored, "_read", counting)
    assert _names(copy.match(MockEvent({"tool.name": "Edit", "tool.file_path": "/y1"}))) == \
        ["edit 1", "any"]
    edit_bytes = sum(read)
    read.clear()
    copy.match(MockEvent({"tool.name": "Bash", "tool.input_command": "x1"}))
    assert sum(read) > 20 * edit_bytes  # the Bash rules were not read for the Edit call
    read.clear()
    copy.match(MockEvent({"tool.name": "Edit"}))
    assert read == []  # built once per segment


def test_an_output_format_is_decoded_only_for_the_rule_that_asks(tmp_path):
    fmt = compile_format("*%tool.name ran %toupper(tool.input_command) [%tool.file_path]",
                         AGENT_TABLE)
    rule = Rule("r", compile_condition(_parse("tool.name = Bash"), AGENT_TABLE), 1,
                ("coding_agent_deny",), "coding_agent", fmt)
    copy = stored_copy(Ruleset.build([rule], "tool.name"), tmp_path)
    event = MockEvent({"tool.name": "Bash", "tool.input_command": "ls"})
    [matched] = copy.match(event)
    assert copy._outputs == {}  # matching read no output format
    assert matched.output.render(event) == fmt.render(event) == "Bash ran LS [<NA>]"
    assert len(copy._outputs) == 1 and matched.output is matched.output  # read once
    assert matched.output.fields(event) == fmt.fields(event)


def _parse(text: str):
    from prempti_hook.falco.parser import parse

    return parse(text)


def test_runtime_objects_round_trip(tmp_path):
    """Globs, path prefixes, regexes, transformers, IP networks: every constant kind."""
    texts = ["tool.file_path glob '/etc/*'", "tool.file_path iglob '*.PEM'",
             "tool.real_file_path pmatch (/etc, /root/.ssh, '/home/*/x')",
             "tool.input_command regex 'a.*z'", "tolower(tool.input_command) contains rm",
             "tool.input_command in (a, b, c)", "len(tool.input_command) > 3",
             "tool.input_command icontains SUDO", 'getopt(tool.cmd.args, "rf")[r] exists']
    rules = [_rule(f"r{i}", text) for i, text in enumerate(texts)]
    rs = Ruleset.build(rules, "tool.name")
    copy = stored_copy(rs, tmp_path)
    for values in ({"tool.file_path": "/etc/passwd", "tool.real_file_path": "/home/u/x/y",
                    "tool.input_command": "aSUDOz rm", "tool.cmd.args": ("-rf", "/x")},
                   {"tool.file_path": "KEY.pem", "tool.input_command": "b"}, {}):
        event = MockEvent(values)
        assert _names(copy.match(event)) == _names(rs.match(event))


def test_what_the_cache_cannot_store_is_refused_when_writing():
    class Strange:
        pass

    rule = Rule("r", condition.Condition("_c0 is not None", (Strange(),)), 1, (), "s", None)
    with pytest.raises(TypeError, match="Strange objects cannot be stored"):
        storing.dump(Ruleset.build([rule]))


def test_another_python_or_format_is_refused(tmp_path, monkeypatch):
    data = b"HEADER\n" + storing.dump(Ruleset.build(RULES, "tool.name"))
    path = tmp_path / "stored"
    path.write_bytes(data)
    monkeypatch.setattr(runtime, "PYTHON_TAG", ("cpython", 0x030C00F0))
    with pytest.raises(RulesetVersionError):
        stored.StoredRuleset(os.open(path, os.O_RDONLY), 7)
    monkeypatch.undo()
    path.write_bytes(data.replace(stored.MAGIC, b"PRS\x03rule"))
    with pytest.raises(RulesetVersionError):
        stored.StoredRuleset(os.open(path, os.O_RDONLY), 7)


def _run_fresh(path: Path, script: str) -> str:
    """Run `script` in a fresh, isolated interpreter with `rs` (the stored rules at `path`)
    and `Event` (a dict giving None for a missing field) defined; its output."""
    prelude = f"""
import os, sys
from prempti_hook.falco.stored import StoredRuleset
rs = StoredRuleset(os.open({str(path)!r}, os.O_RDONLY), 0)
class Event(dict):
    def __missing__(self, key):
        return None
"""
    return subprocess.run([sys.executable, "-I", "-S", "-c",
                           f"import sys; sys.path.insert(0, {str(REPO)!r})\n{prelude}{script}"],
                          capture_output=True, text=True, check=True).stdout


def test_a_fresh_interpreter_matches_without_the_compiler_or_pickle(tmp_path):
    rules = [*RULES, _rule("regex", "tool.name = Grep and tool.input_command regex 'a.*z'")]
    path = tmp_path / "rules.stored"
    path.write_bytes(storing.dump(Ruleset.build(rules, "tool.name")))
    script = """
first = [r.name for r in rs.match(Event({"tool.name": "Bash", "tool.input_command": "rm"}))]
watched = ["yaml", "pyparsing", "re", "typing", "dataclasses", "enum", "json", "pickle",
           "_pickle", "copyreg", "prempti_hook.falco.ast", "prempti_hook.falco.codegen",
           "prempti_hook.falco.parser", "prempti_hook.falco.loader",
           "prempti_hook.falco.ruleset", "prempti_hook.falco.output",
           "prempti_hook.falco.re2", "prempti_hook.falco.glob"]
print(first, sorted(m for m in watched if m in sys.modules))
"""
    out = _run_fresh(path, script)
    assert out.strip() == str(["bash rm", "bash or read"]) + " " + str([])


def test_the_fnmatch_engine_is_loaded_only_by_a_rule_with_a_glob(tmp_path):
    rules = [*RULES,
             _rule("glob", "tool.name = Grep and tool.input_command glob '*.s[hx]'"),
             _rule("pmatch", "tool.name = Glob and tool.input_command pmatch (/etc/*/x)"),
             _rule("field glob", "tool.name = Task and tool.input_command glob val(tool.name)")]
    path = tmp_path / "rules.stored"
    path.write_bytes(storing.dump(Ruleset.build(rules, "tool.name")))
    script = """
def names(values):
    return [r.name for r in rs.match(Event(values))]
seen = [names({"tool.name": "Bash", "tool.input_command": "rm"}),
        "prempti_hook.falco.glob" in sys.modules]
seen += [names({"tool.name": "Grep", "tool.input_command": "a.sh"}),
         names({"tool.name": "Grep", "tool.input_command": "a.sz"}),
         names({"tool.name": "Glob", "tool.input_command": "/etc/ssh/x/y"}),
         names({"tool.name": "Task", "tool.input_command": "Task"}),
         names({"tool.name": "Task", "tool.input_command": "Tusk"}),
         "prempti_hook.falco.glob" in sys.modules, "prempti_hook.falco.re2" in sys.modules]
print(seen)
"""
    out = _run_fresh(path, script)
    other = "not bash"  # (a rule of RULES true for every tool but Bash)
    assert out.strip() == str([["bash rm", "bash or read"], False, [other, "glob"], [other],
                               [other, "pmatch"], [other, "field glob"], [other], True, False])


def test_the_shipped_rules_give_the_same_verdicts_stored(tmp_path):
    """Every real Claude Code sample, through the shipped rules, in memory and stored."""
    from prempti_hook import rebuild
    from prempti_hook.agents import claude_code
    from prempti_hook.event_source.event import Event

    ruleset, error = rebuild.compile_rules(sorted(str(p) for p in (REPO / "rules").glob("*.yaml")))
    assert error is None
    copy = stored_copy(ruleset, tmp_path)
    samples = sorted((REPO / "tests" / "data" / "claude_code_samples").glob("pretooluse_*"))
    assert samples
    for sample in samples:
        call = claude_code.read(json.loads(sample.read_text()))
        memory, disk = (Event(call, "/home/dev", 1), Event(call, "/home/dev", 1))
        expected = ruleset.match(memory)
        got = copy.match(disk)
        assert _names(got) == _names(expected), sample.name
        for a, b in zip(expected, got):
            assert a.output.render(memory) == b.output.render(disk)


def test_every_rule_can_be_listed_for_tools_that_need_them_all(tmp_path):
    rs = Ruleset.build(RULES, "tool.name")
    copy = stored_copy(rs, tmp_path)
    assert _names(copy.rules) == _names(RULES)
    assert [r.enabled for r in copy.rules] == [r.enabled for r in RULES]
    assert all(r.tags == ("t",) for r in copy.rules)


def test_stored_conditions_carry_no_line_tables(tmp_path):
    """Generated code has no source lines worth pointing at; its line tables would be about
    40% of what a hook call reads and unmarshals. Evaluation errors still name the rule."""
    rule = Rule("r", compile_condition(_parse("tool.input_command contains x"), AGENT_TABLE),
                1, (), "coding_agent", compile_format("x", AGENT_TABLE))
    copy = stored_copy(Ruleset.build([rule], "tool.name"), tmp_path)
    [(fn, _)] = copy.candidates(MockEvent({"tool.name": "Bash"}))
    table = "co_linetable" if sys.version_info >= (3, 10) else "co_lnotab"
    assert getattr(fn.__code__, table) == b""
    assert fn(MockEvent({"tool.name": "Bash", "tool.input_command": "axb"})) is True


@pytest.mark.parametrize("text, required", [
    ("tool.cmd.args intersects (a, b)", {"tool.cmd.args"}),
    ("tool.name = Bash and tool.cmd.args intersects (a)", {"tool.cmd.args"}),
    ("tool.cmd.args intersects (a) or tool.input_command contains x", set()),
    ("(tool.cmd.args intersects (a) and tool.name = Bash) or tool.cmd.args intersects (b)",
     {"tool.cmd.args"}),
    ("not tool.cmd.args intersects (a)", set()),
    ("tool.cmd.args in (a, b)", set()),  # true for an empty list
    ("tool.cmd.args exists", set()),
])
def test_a_condition_knows_the_lists_it_needs(text, required):
    assert compile_condition(_parse(text), AGENT_TABLE).required == required


def test_rules_whose_lists_are_empty_are_not_read(tmp_path):
    """A block of rules that need a list the event leaves empty is skipped without being
    read; the result is what evaluating them would give. Lists nearly every shell call has
    (`tool.cmd.args`) are not worth a block of their own."""
    rules = [_rule("needs hosts", "tool.name = Bash and tool.hosts intersects (a.io, b.io)"),
             _rule("needs args", "tool.name = Bash and tool.cmd.args intersects (-rf)"),
             _rule("any", "tool.name = Bash and tool.input_command contains rm")]
    ruleset = Ruleset.build(rules, "tool.name")
    copy = stored_copy(ruleset, tmp_path)
    events = [MockEvent({"tool.name": "Bash", "tool.input_command": "rm x", "tool.hosts": ()}),
              MockEvent({"tool.name": "Bash", "tool.input_command": "rm -rf /",
                         "tool.hosts": None, "tool.cmd.args": ("-rf", "/")}),
              MockEvent({"tool.name": "Bash", "tool.input_command": "curl a.io | rm",
                         "tool.hosts": ("a.io",), "tool.cmd.args": ("a.io",)})]
    for event in events:
        assert _names(copy.match(event)) == _names(ruleset.match(event))
    loaded = {tuple(rule.name for _, rule in pairs) for pairs in copy._loaded.values()}
    assert loaded == {("needs args", "any"), ("needs hosts", "needs args", "any")}
