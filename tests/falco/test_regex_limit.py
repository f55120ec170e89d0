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


@pytest.mark.parametrize("pattern,python", [
    ("(.|\\n)*x", "(?s:.)"),
    ("(a|b|[0-9])+", "[0-9a-b]"),
    ("([^a]|a)", "(?s:.)"),
    ("([^ab]|a)", "[^b]"),
])
def test_alternatives_of_one_character_become_one_class(pattern, python):
    from prempti_hook.falco.re2 import translate_re2

    assert python in translate_re2(pattern) and "|" not in translate_re2(pattern)


def test_the_shipped_any_text_prefix_costs_no_memory_per_character():
    """`(.|\\n)*` (every shipped rule regex starts so) over a 1 MB command: Python keeps
    backtracking state for each repetition of an alternation (130 MB there), never for a
    class. Measured in a fresh process, by its peak resident memory."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script = (
        "import resource, sys\n"
        f"sys.path.insert(0, {str(repo)!r})\n"
        "from test_regex_limit import _ruleset\n"
        "rs = _ruleset(\"t.name = a and t.text regex '(.|\\\\n)*(^|[;&|]|&&)[[:space:]]*"
        "/tmp/(.|\\\\n)*'\")\n"
        "value = 'grep -rn pattern src/ | sort | uniq -c > out.txt && echo done\\n' * 16000\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "assert rs.match({'t.name': 'a', 't.text': value}) == []\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    grown_kib = int(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                   text=True, check=True,
                                   cwd=Path(__file__).parent).stdout.strip())
    assert grown_kib < 8 * 1024
