"""A pathological user regex cannot hang evaluation: each match has a time limit, and
running over it is an EvaluationError that names the rule (the hook then fails closed)."""

from __future__ import annotations

import time

import pytest

from prempti_hook.falco import runtime
from prempti_hook.falco.codegen import compile_condition
from prempti_hook.falco.errors import EvaluationError
from prempti_hook.falco.fields import FieldInfo, FieldTable
from prempti_hook.falco.parser import parse
from prempti_hook.falco.ruleset import Rule, Ruleset

TABLE = FieldTable("t", [FieldInfo("t.name", "CHARBUF"), FieldInfo("t.text", "CHARBUF")],
                   index_field="t.name")


class Output:
    def render(self, event):
        return ""


def _ruleset(*conditions):
    rules = [Rule(f"r{i}", compile_condition(parse(c), TABLE), 2, (), "t", Output())
             for i, c in enumerate(conditions)]
    return Ruleset.build(rules, "t.name")


@pytest.mark.parametrize("pattern,value", [
    ("(a+)+b", "a" * 40),                                  # exponential backtracking
    ("(.|\\\\n)*x[^|]*y", "x" * 60000),                     # quadratic over one long line
])
def test_catastrophic_pattern_is_cut_off(pattern, value):
    ruleset = _ruleset('t.name = a', f"t.name = a and t.text regex '{pattern}'")
    # The limit is CPU time (a virtual timer), so that is what is bounded: wall time also
    # counts whatever else the machine runs.
    started = time.process_time()
    with pytest.raises(EvaluationError, match=r"rule 'r1': regex .* used more than .* of CPU"):
        ruleset.match({"t.name": "a", "t.text": value})
    assert time.process_time() - started < runtime.REGEX_TIME_LIMIT + 1.0


def test_ordinary_patterns_are_unaffected_and_timer_is_cleared():
    import signal

    before = signal.getsignal(signal.SIGVTALRM)
    ruleset = _ruleset("t.text regex '[a-z]+[0-9]'")
    assert [r.name for r in ruleset.match({"t.name": "a", "t.text": "abc1"})] == ["r0"]
    assert ruleset.match({"t.name": "a", "t.text": "abc"}) == []
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGVTALRM) is before
