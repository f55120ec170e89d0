"""From matching rules to a verdict (contract §3, §4).

Tags decide, not priority: a rule tagged `coding_agent_deny` denies, `coding_agent_ask`
asks, anything else only logs. deny > ask > allow. The reason is the first matching rule
(load order) of the winning verdict: `<rule>: <rendered output> | correlation=<id>`.
"""

from __future__ import annotations

DENY_TAG = "coding_agent_deny"
ASK_TAG = "coding_agent_ask"

PRIORITY_NAMES = ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice",
                  "Informational", "Debug")

NO_MATCH_RULE = "prempti-hook: no matching rule"


class Outcome:
    """The verdict of one call before the mode is applied.

    `verdict` is deny | ask | allow | defer; `rule` the deciding rule (None when no deny/ask
    rule matched); `matches` every matching rule in load order."""

    __slots__ = ("matches", "output", "reason", "rule", "verdict")

    def __init__(self, verdict: str, rule, matches: list, output: str, reason: str) -> None:
        self.verdict = verdict
        self.rule = rule
        self.matches = matches
        self.output = output
        self.reason = reason


def decide(matches: list, event, default_action: str = "allow") -> Outcome:
    """The verdict for `event` given the rules that matched it, in load order."""
    deciding = None
    verdict = ""
    for rule in matches:
        if DENY_TAG in rule.tags:
            deciding, verdict = rule, "deny"
            break
        if ASK_TAG in rule.tags and deciding is None:
            deciding, verdict = rule, "ask"
    if deciding is None:
        return Outcome("defer" if default_action == "defer" else "allow", None, matches, "", "")
    output = deciding.output.render(event)
    reason = f"{deciding.name}: {output} | correlation={event['correlation.id']}"
    return Outcome(verdict, deciding, matches, output, reason)


def priority_name(index: int) -> str:
    """Falco's long priority name for a priority index (0 = Emergency ... 7 = Debug)."""
    return PRIORITY_NAMES[index] if 0 <= index < len(PRIORITY_NAMES) else "Debug"
