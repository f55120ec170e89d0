"""Compiled rulesets: match order and enabled rules, the index (which must never change a
result), and pickling (interpreter check, and what a fresh interpreter imports)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mockfields import AGENT_TABLE, LazyEvent, MockEvent

from prempti_hook.falco import ast as A
from prempti_hook.falco import ruleset as ruleset_module
from prempti_hook.falco.codegen import compile_condition
from prempti_hook.falco.parser import parse
from prempti_hook.falco.ruleset import Rule, Ruleset, RulesetVersionError

REPO = Path(__file__).resolve().parents[2]


def _rule(name: str, text: str, *, enabled: bool = True, table=AGENT_TABLE) -> Rule:
    return Rule(name, compile_condition(parse(text), table), 4, ("t",), "coding_agent",
                ("output of", name), enabled=enabled, extra={"desc": name})


RULES = [
    _rule("bash rm", "tool.name = Bash and tool.input_command contains rm"),
    _rule("any write", "tool.name in (Write, Edit) and tool.file_path exists"),
    _rule("secrets", "tool.real_file_path pmatch (/etc, /root/.ssh)"),  # unindexed
    _rule("disabled", "tool.name = Bash", enabled=False),
    _rule("bash or read", "tool.name = Bash or tool.name = Read"),
    _rule("never", "tool.name = Bash and tool.name = Read"),
    _rule("not bash", "not tool.name = Bash"),
]


def _names(rules) -> list[str]:
    return [r.name for r in rules]


def test_match_returns_enabled_matches_in_load_order():
    rs = Ruleset.build(RULES, "tool.name")
    assert _names(rs.rules) == _names(RULES)
    event = MockEvent({"tool.name": "Bash", "tool.input_command": "rm -rf /",
                       "tool.real_file_path": "/etc/passwd"})
    assert _names(rs.match(event)) == ["bash rm", "secrets", "bash or read"]
    assert _names(rs.match(MockEvent({"tool.name": "Glob"}))) == ["not bash"]
    assert _names(rs.match(MockEvent({}))) == ["not bash"]


def test_many_rules_compile_in_pieces_into_one_module_of_their_factories():
    """Past `_PIECE` rules the factories are compiled a few at a time and put in one module:
    the module a single compile gives (one factory per rule, in order), matching the same."""
    import marshal
    from types import CodeType

    many = [_rule(f"r{i}", f"tool.input_command contains x{i} or tool.name = T{i % 3}")
            for i in range(3 * ruleset_module._PIECE + 5)]
    rs = Ruleset.build(many, "tool.name")
    module = marshal.loads(rs._code)
    factories = [c for c in module.co_consts if isinstance(c, CodeType)]
    assert [c.co_name for c in factories] == [f"_make_r{i}" for i in range(len(many))]
    assert [c.co_argcount for c in factories] == [len(r.condition.consts) for r in many]
    whole = compile("".join(r.condition.source(f"r{i}") for i, r in enumerate(many)),
                    "<ruleset>", "exec")
    assert module.co_code == whole.co_code and module.co_names == whole.co_names
    event = MockEvent({"tool.name": "T1", "tool.input_command": "a x7 b"})
    assert _names(rs.match(event)) == [r.name for i, r in enumerate(many)
                                      if i % 3 == 1 or "x7" in f"x{i} "]
    restored = pickle.loads(pickle.dumps(rs))
    assert _names(restored.match(event)) == _names(rs.match(event))


def test_candidates_skip_rules_indexed_for_other_tools():
    rs = Ruleset.build(RULES, "tool.name")
    for tool, expected in [
        ("Bash", ["bash rm", "secrets", "bash or read", "not bash"]),
        ("Write", ["any write", "secrets", "not bash"]),
        ("Unknown", ["secrets", "not bash"]),
    ]:
        assert _names(r for _, r in rs.candidates(MockEvent({"tool.name": tool}))) == expected


def test_an_unhashable_or_missing_index_value_is_safe():
    rs = Ruleset.build(RULES, "tool.name")
    assert _names(rs.match(MockEvent({"tool.name": ["Bash"]}))) == ["not bash"]
    assert _names(rs.match(MockEvent({"tool.name": None}))) == ["not bash"]


def test_rules_compiled_for_another_index_are_treated_as_unindexed():
    rs = Ruleset.build(RULES, "agent.cwd")
    event = MockEvent({"tool.name": "Bash", "tool.input_command": "rm", "agent.cwd": "/"})
    assert _names(rs.match(event)) == ["bash rm", "bash or read"]
    assert len(rs.candidates(event)) == len(RULES) - 1  # every enabled rule


def test_no_index():
    rs = Ruleset.build(RULES)
    event = MockEvent({"tool.name": "Read"})
    assert _names(rs.match(event)) == ["bash or read", "not bash"]


def test_evaluation_reads_only_the_fields_it_needs():
    rs = Ruleset.build(RULES[:2], "tool.name")
    event = LazyEvent({"tool.name": "Read", "tool.input_command": "rm"})
    assert rs.match(event) == []
    assert event.reads == {"tool.name": 1}


# ---------------------------------------------------------------------------------------
# The index never changes a result
# ---------------------------------------------------------------------------------------

_TOOLS = ["Bash", "Read", "Write", "mcp__x"]
_name_check = st.builds(lambda op, vals: A.BinaryCheck(
    A.FieldRef("tool.name"), op, A.ListValue(tuple(vals)) if op in ("in", "== anyof",
                                                                   "= oneof")
    else A.Value(vals[0])), st.sampled_from(["=", "==", "!=", "in", "== anyof", "= oneof",
                                             "startswith"]),
    st.lists(st.sampled_from(_TOOLS), min_size=1, max_size=3))
_other_check = st.builds(lambda v: A.BinaryCheck(A.FieldRef("tool.input_command"),
                                                 "contains", A.Value(v)),
                         st.sampled_from(["a", "b"]))
_checks = st.one_of(_name_check, _other_check,
                    st.just(A.UnaryCheck(A.FieldRef("tool.name"), "exists")))
_conditions = st.recursive(_checks, lambda inner: st.one_of(
    st.builds(A.Not, inner),
    st.builds(lambda c: A.And(tuple(c)), st.lists(inner, min_size=2, max_size=3)),
    st.builds(lambda c: A.Or(tuple(c)), st.lists(inner, min_size=2, max_size=3))),
    max_leaves=6)
_events = st.fixed_dictionaries({}, optional={
    "tool.name": st.sampled_from([*_TOOLS, "Other"]),
    "tool.input_command": st.sampled_from(["", "a", "ab", "xyz"])})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_conditions, st.booleans()), min_size=1, max_size=8),
       st.lists(_events, min_size=1, max_size=6))
def test_indexed_match_equals_brute_force(conditions, events):
    rules = [Rule(f"r{i}", compile_condition(node, AGENT_TABLE), 4, (), "coding_agent", None,
                  enabled=enabled)
             for i, (node, enabled) in enumerate(conditions)]
    indexed = Ruleset.build(rules, "tool.name")
    plain = Ruleset.build(rules)
    for values in events:
        event = MockEvent(values)
        brute = [r for r in rules if r.enabled and r.condition(event)]
        assert indexed.match(event) == brute
        assert plain.match(event) == brute


# ---------------------------------------------------------------------------------------
# Pickling
# ---------------------------------------------------------------------------------------

def test_pickle_round_trip_keeps_rules_and_results():
    rs = Ruleset.build(RULES, "tool.name")
    loaded = pickle.loads(pickle.dumps(rs))
    assert _names(loaded.rules) == _names(RULES)
    rule = loaded.rules[1]
    assert (rule.priority, rule.tags, rule.source, rule.output, rule.enabled) == (
        4, ("t",), "coding_agent", ("output of", "any write"), True)
    assert rule.condition.index_values == {"Write", "Edit"}
    # The cache keeps what matching needs, not descriptions or condition text.
    assert rule.extra is None and rule.condition.expr == ""
    assert b"any write" in pickle.dumps(rs.rules[1].extra)
    assert pickle.dumps(rs).count(b"any write") == 1  # the output tuple only
    for values in ({"tool.name": "Bash", "tool.input_command": "rm"},
                   {"tool.name": "Edit", "tool.file_path": "/x"}, {}):
        assert _names(loaded.match(MockEvent(values))) == _names(rs.match(MockEvent(values)))


def test_a_restored_rule_condition_refuses_to_run_alone():
    """A restored condition keeps no text: evaluating or recompiling it alone must fail
    loudly, not answer False (which would read as "no match")."""
    loaded = pickle.loads(pickle.dumps(Ruleset.build(RULES, "tool.name")))
    condition = loaded.rules[0].condition
    event = MockEvent({"tool.name": "Bash", "tool.input_command": "rm"})
    assert RULES[0].condition(event) is True  # the original is true for this event...
    with pytest.raises(TypeError, match=r"rule 'bash rm' was restored .* without its text"):
        condition(event)  # ...the restored one cannot say
    with pytest.raises(TypeError, match="restored from a compiled ruleset"):
        Ruleset.build(loaded.rules, "tool.name")
    assert "bash rm" in [r.name for r in loaded.match(event)]  # through its ruleset: fine


def test_a_loaded_ruleset_uses_the_pickled_index(monkeypatch):
    rs = Ruleset.build(RULES, "tool.name")
    data = pickle.dumps(rs)

    def recompute(self):
        raise AssertionError("the index was recomputed at load")

    monkeypatch.setattr(Ruleset, "_index_positions", recompute)
    loaded = pickle.loads(data)
    for tool in ("Bash", "Edit", "Write", "Read", "Nothing", ""):
        event = MockEvent({"tool.name": tool})
        assert [r.name for _, r in loaded.candidates(event)] == \
            [r.name for _, r in rs.candidates(event)]
        assert loaded.candidates(event) is loaded.candidates(event)  # built once per value


def test_pickles_from_another_python_are_refused(monkeypatch):
    data = pickle.dumps(Ruleset.build(RULES, "tool.name"))
    monkeypatch.setattr(ruleset_module, "PYTHON_TAG", ("cpython", 0x030C00F0))
    with pytest.raises(RulesetVersionError, match="rebuild the rule cache"):
        pickle.loads(data)


def test_pickles_of_another_format_are_refused(monkeypatch):
    data = pickle.dumps(Ruleset.build(RULES, "tool.name"))
    monkeypatch.setattr(ruleset_module, "FORMAT", "prempti-ruleset/0")
    with pytest.raises(RulesetVersionError, match="format"):
        pickle.loads(data)


def test_a_fresh_interpreter_loads_and_matches_without_the_compiler(tmp_path):
    rules = [*RULES, _rule("regex", "tool.name = Grep and tool.input_command regex 'a.*z'")]
    path = tmp_path / "rules.pickle"
    path.write_bytes(pickle.dumps(Ruleset.build(rules, "tool.name")))
    script = f"""
import sys, _pickle
rs = _pickle.loads(open({str(path)!r}, "rb").read())
class Event(dict):
    def __missing__(self, key):
        return None
first = [r.name for r in rs.match(Event({{"tool.name": "Bash", "tool.input_command": "rm"}}))]
watched = ["yaml", "pyparsing", "re", "typing", "dataclasses", "enum", "json",
           "prempti_hook.falco.ast", "prempti_hook.falco.codegen",
           "prempti_hook.falco.parser", "prempti_hook.falco.loader"]
print(first, sorted(m for m in watched if m in sys.modules))
regex = [r.name for r in rs.match(Event({{"tool.name": "Grep", "tool.input_command": "abz"}}))]
print(regex, "re" in sys.modules)
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-S", "-c", script], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "['bash rm', 'bash or read'] []",
        "['not bash', 'regex'] True",  # `re` is imported only once a regex is evaluated
    ]
