from __future__ import annotations

import pytest

from prempti_hook import verdict


class Output:
    def __init__(self, text):
        self.text = text

    def render(self, event):
        return self.text.replace("%tool.name", event["tool.name"])


class Rule:
    def __init__(self, name, tags, priority=2, output="%tool.name blocked"):
        self.name, self.tags, self.priority = name, tuple(tags), priority
        self.output = Output(output)


EVENT = {"tool.name": "Bash", "correlation.id": 7}


def test_no_match_is_no_decision_unless_the_user_chose_allow():
    assert verdict.decide([], EVENT).verdict == "none"
    assert verdict.decide([], EVENT, "allow").verdict == "allow"
    log_only = Rule("log", ["other"])
    outcome = verdict.decide([log_only], EVENT)
    assert (outcome.verdict, outcome.rule, outcome.reason) == ("none", None, "")
    assert outcome.matches == [log_only]


def test_an_allow_rule_allows_and_gives_its_reason():
    allow = Rule("Allow tests", ["coding_agent_allow"], output="tests may run")
    outcome = verdict.decide([Rule("log", ["other"]), allow], EVENT)
    assert (outcome.verdict, outcome.rule) == ("allow", allow)
    assert outcome.reason == "Allow tests: tests may run | correlation=7"


@pytest.mark.parametrize("order", [0, 1])
def test_ask_and_deny_beat_an_allow_rule_in_any_order(order):
    allow = Rule("Allow", ["coding_agent_allow"])
    ask = Rule("Ask", ["coding_agent_ask"])
    deny = Rule("Deny", ["coding_agent_deny"])
    pair = [allow, ask] if order == 0 else [ask, allow]
    assert verdict.decide(pair, EVENT).rule is ask
    triple = [allow, ask, deny] if order == 0 else [deny, allow, ask]
    assert verdict.decide(triple, EVENT).rule is deny


def test_deny_beats_ask_whatever_the_order_and_priority():
    ask = Rule("Asker", ["coding_agent_ask"], priority=0)
    deny = Rule("Denier", ["coding_agent_deny"], priority=7, output="no %tool.name")
    outcome = verdict.decide([ask, deny], EVENT)
    assert outcome.verdict == "deny" and outcome.rule is deny
    assert outcome.reason == "Denier: no Bash | correlation=7"
    assert outcome.output == "no Bash"


def test_first_rule_of_the_winning_verdict_gives_the_reason():
    first = Rule("First ask", ["coding_agent_ask"])
    second = Rule("Second ask", ["coding_agent_ask"])
    outcome = verdict.decide([first, second], EVENT)
    assert outcome.verdict == "ask" and outcome.rule is first
    assert outcome.reason.startswith("First ask: ")


@pytest.mark.parametrize("index,name", [(0, "Emergency"), (2, "Critical"), (4, "Warning"),
                                        (6, "Informational"), (7, "Debug"), (99, "Debug")])
def test_priority_names(index, name):
    assert verdict.priority_name(index) == name
