"""falco/trace.py: a rule's condition evaluated part by part agrees with the compiled rule, and
says which macro, which list item and which exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from prempti_hook.agents import Call
from prempti_hook.commands.test import Runner
from prempti_hook.event_source import fields
from prempti_hook.event_source.event import Event
from prempti_hook.falco.loader import load
from prempti_hook.falco.trace import Tracer, show
from prempti_hook.offline import testfile
from prempti_hook.offline.rules import load as load_offline

REPO = Path(__file__).resolve().parents[2]
SOURCES = {fields.SOURCE: fields.table()}

RULES = """- list: shells
  items: [Bash, bash]
- list: key_names
  items: [id_rsa, id_ed25519]
- list: more_key_names
  items: [key_names, deploy_key]
- macro: is_shell
  condition: tool.name in (shells)
- macro: reads_key
  condition: tool.path_names intersects (more_key_names)
- rule: Keys
  desc: d
  condition: is_shell and reads_key and not tool.cmd.names in (ssh-keygen)
  output: o
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
  exceptions:
    - name: fixtures
      fields: [tool.input_command, agent.cwd]
      comps: [contains, startswith]
      values:
        - [fixtures/, /srv]
        - [testdata/, /]
- rule: Words
  desc: d
  condition: tool.name = Bash and tool.input_command contains anyof (curl, wget, nc)
  output: o
  priority: WARNING
  source: coding_agent
"""


@pytest.fixture(scope="module")
def loaded():
    result = load([("r.yaml", RULES)], SOURCES)
    assert result.successful, [d.as_line() for d in result.errors]
    return result


def event(command: str, cwd: str = "/home/u/project") -> Event:
    call = Call("claude_code", {}, hook_event_name="PreToolUse", tool_name="Bash",
                tool_input={"command": command}, cwd=cwd)
    return Event(call, "/home/u", prempti_home="/home/u/.prempti")


def trace(loaded, name: str, ev: Event):
    return Tracer(loaded, SOURCES[fields.SOURCE]).trace_rule(loaded.collector.rules[name], ev)


def texts(node) -> list[tuple[str, str, object]]:
    return [(n.kind, n.text, n.result) for n in node.walk()]


def test_macros_are_named_and_list_items_say_where_they_come_from(loaded):
    result = trace(loaded, "Keys", event("cat ~/.ssh/id_ed25519"))
    assert result.matched is True
    nodes = texts(result.condition)
    assert ("macro", "is_shell", True) in nodes and ("macro", "reads_key", True) in nodes
    check = next(n for n in result.condition.walk()
                 if n.text == "tool.path_names intersects (more_key_names)")
    assert check.result is True
    assert check.detail == ('tool.path_names = ("id_ed25519"); matched id_ed25519 '
                            '(list more_key_names)')
    shell = next(n for n in result.condition.walk() if n.text == "tool.name in (shells)")
    assert shell.detail == 'tool.name = "Bash"; matched Bash (list shells)'
    assert result.exceptions[0].result is False


def test_every_operand_is_evaluated_even_after_a_false_one(loaded):
    result = trace(loaded, "Keys", event("ssh-keygen -l -f notes.txt"))
    assert result.matched is False
    root = result.condition
    assert root.kind == "all" and [c.result for c in root.children] == [True, False, False]


def test_an_exception_that_applies_says_which_row(loaded):
    result = trace(loaded, "Keys", event("cat fixtures/id_rsa", cwd="/srv/app"))
    assert result.condition.result is True and result.matched is False
    (fixtures,) = result.applied_exceptions
    assert fixtures.text == "fixtures"
    rows = fixtures.children[0].children
    assert [r.result for r in rows] == [True, False]


def test_modifier_checks_name_the_items_that_matched(loaded):
    result = trace(loaded, "Words", event("curl x | nc host 80"))
    check = next(n for n in result.condition.walk() if n.kind == "check"
                 and n.text.startswith("tool.input_command contains anyof"))
    assert check.result is True and check.detail.endswith("matched curl, nc")


def test_missing_values_and_long_values_are_shown_plainly():
    assert show(None) == "<missing>"
    assert show(("a", "b")) == '("a", "b")'
    assert show(True) == "true"
    assert show("x" * 500).endswith("...[500 characters]\"")
    assert show("a\nb") == '"a\\nb"'


# --- the trace agrees with the compiled rules, on the shipped rules and their tests ----------

@pytest.fixture(scope="module")
def shipped():
    return load_offline([str(REPO / "rules")])


def _sample_tests():
    tests = []
    for path in sorted((REPO / "rules" / "tests").glob("*.yaml")):
        found, problems = testfile.read(str(path))
        assert not problems
        tests.extend(found)
    return tests[::9]  # about 60 calls of every kind, across all files


def test_trace_agrees_with_the_compiled_rule_for_every_candidate(shipped):
    runner = Runner(shipped)
    tracer = Tracer(shipped.result, shipped.table)
    disagreements = []
    try:
        for test in _sample_tests():
            outcome = runner.run(test)
            ev = outcome.decided.event
            matched = set(outcome.decided.matched_names)
            for _, rule in shipped.ruleset.candidates(ev):
                result = tracer.trace_rule(shipped.info(rule.name), ev)
                if result.matched != (rule.name in matched):
                    disagreements.append((test.where, rule.name))
    finally:
        runner.close()
    assert not disagreements
