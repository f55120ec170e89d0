"""One tool call decided as the hook decides it (adapter -> Event -> Ruleset.match ->
verdict.decide), without writing a log line, touching the cache or printing the hook's
answer. The verdict is the rules' (mode is not applied: monitor mode only changes what the
hook enforces)."""

from __future__ import annotations


class DecideError(Exception):
    """The call could not be decided (malformed call, a rule that cannot be evaluated)."""


class Decided:
    """What the rules make of one call."""

    __slots__ = ("event", "matched", "output", "reason", "rule", "verdict")

    def __init__(self, outcome, event) -> None:
        self.verdict: str = outcome.verdict
        self.rule = outcome.rule
        self.matched = list(outcome.matches)
        self.output: str = outcome.output
        self.reason: str = outcome.reason
        self.event = event

    @property
    def rule_name(self) -> str:
        return self.rule.name if self.rule is not None else ""

    @property
    def matched_names(self) -> list[str]:
        return [r.name for r in self.matched]


def event_for(payload: dict, *, agent: str, home: str, prempti_home: str = "",
              claude_dir: str = ""):
    """The Event the hook would build for `payload` (the agent's hook input)."""
    from ..agents import MalformedCall
    from ..event_source.event import Event
    from .calls import adapter

    try:
        call = adapter(agent).read(payload)
    except MalformedCall as e:
        raise DecideError(f"malformed tool call: {e}") from None
    from ..agent_homes import command_files, registration_files

    # The other agents' files the hook is registered in, under this home (as the hook's
    # prempti.protected_paths has them; their *_HOME variables are not read here).
    return Event(call, home, prempti_home=prempti_home, claude_dir=claude_dir,
                 agent_files=registration_files({}, home) + command_files({}, home))


def decide(ruleset, event, default_action: str = "none") -> Decided:
    """The rules' verdict for `event`."""
    from .. import verdict
    from ..falco.errors import EvaluationError

    try:
        matches = ruleset.match(event)
    except EvaluationError as e:
        raise DecideError(f"a rule could not be evaluated: {e.message}") from None
    return Decided(verdict.decide(matches, event, default_action), event)
