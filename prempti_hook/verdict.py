"""From matching rules to a verdict (docs/contract.md, "Verdicts" and "Modes").

Tags decide, not priority: a rule tagged `coding_agent_deny` denies, `coding_agent_ask`
asks, `coding_agent_allow` allows, anything else only logs. deny > ask > allow > none.
The reason is the first matching rule (load order) of the winning verdict:
`<rule>: <rendered output> | correlation=<id>`.

No deny, ask or allow rule matched: **no decision** ("none": empty stdout, so the agent's
own permission flow decides). An explicit allow makes Claude Code skip its permission prompt,
so it comes only from a rule that says so, or from `default_action: allow` (Prempti's
default, the user's explicit choice): installing the guard must never leave the agent less
supervised than it was without it.
"""

from __future__ import annotations

DENY_TAG = "coding_agent_deny"
ASK_TAG = "coding_agent_ask"
ALLOW_TAG = "coding_agent_allow"

PRIORITY_NAMES = ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice",
                  "Informational", "Debug")

NO_MATCH_RULE = "prempti-hook: no matching rule"


class Outcome:
    """The verdict of one call before the mode is applied.

    `verdict` is deny | ask | allow | none; `rule` the deciding rule (None when no
    deny/ask/allow rule matched); `matches` every matching rule in load order."""

    __slots__ = ("matches", "output", "reason", "rule", "verdict")

    def __init__(self, verdict: str, rule, matches: list, output: str, reason: str) -> None:
        self.verdict = verdict
        self.rule = rule
        self.matches = matches
        self.output = output
        self.reason = reason


_RANK = {"deny": 3, "ask": 2, "allow": 1}


def decide(matches: list, event, default_action: str = "none") -> Outcome:
    """The verdict for `event` given the rules that matched it, in load order."""
    deciding = None
    verdict = ""
    for rule in matches:
        tags = rule.tags
        if DENY_TAG in tags:
            found = "deny"
        elif ASK_TAG in tags:
            found = "ask"
        elif ALLOW_TAG in tags:
            found = "allow"
        else:
            continue
        if deciding is None or _RANK[found] > _RANK[verdict]:
            deciding, verdict = rule, found
            if found == "deny":
                break
    if deciding is None:
        return Outcome("allow" if default_action == "allow" else "none", None, matches, "", "")
    output = deciding.output.render(event)
    reason = f"{deciding.name}: {output} | correlation={event['correlation.id']}"
    return Outcome(verdict, deciding, matches, output, reason)


def stronger(candidate: Outcome, current: Outcome) -> bool:
    """Whether `candidate` outranks `current` (deny > ask > allow > none); a tie keeps the
    current one, so the first of equal verdicts answers."""
    return _RANK.get(candidate.verdict, 0) > _RANK.get(current.verdict, 0)


def priority_name(index: int) -> str:
    """Falco's long priority name for a priority index (0 = Emergency ... 7 = Debug)."""
    return PRIORITY_NAMES[index] if 0 <= index < len(PRIORITY_NAMES) else "Debug"
