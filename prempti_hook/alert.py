"""The audit record of one hook call (docs/contract.md, "Audit log"), in Falco's JSON alert
shape.

Falco keys, so falcosidekick and SIEM parsers can ingest the log: `time` (RFC 3339 with
nanoseconds, `Z`), `hostname`, `source`, `rule`, `priority`, `output` (Falco's text line
`<time>: <Priority> <message>`), `output_fields` (every event field by name), `tags`. Ours:
`verdict`, `mode`, `enforced`, `matched` (every matching rule), `duration_ms`, and
`notices`/`error` when there were problems.

Only some hook events are decision points (the agent acts on the answer: `PreToolUse`,
`PermissionRequest` and their spellings in other agents, `DECISION_EVENTS`). Every other
event (`PostToolUse`, `UserPromptSubmit`, ...) is evaluated and logged, but nothing it
answers is enforced, so its record says `enforced: false` whatever the mode.

Field values in the log are capped (`FIELD_CAP` characters each) so that one huge Write
does not make a multi-megabyte log line several times over; the cap is marked in the value.
`tool.input` (the call's input as JSON) is kept whole, once: with the other `agent.*` and
`tool.*` fields it is what `prempti-hook replay` rebuilds the call from. The whole line is
bounded too, by the audit log (`auditcap`, which cuts `tool.input` last).
"""

from __future__ import annotations

import os
import time

from .event_source import SOURCE
from .verdict import NO_MATCH_RULE, priority_name

FAILURE_RULE = "prempti-hook: failed to decide"
FIELD_CAP = 16384
# Hook events whose answer the agent enforces (each agent's module in `agents/`): Claude Code
# and Codex `PreToolUse`/`PermissionRequest`, Copilot `preToolUse`/`permissionRequest`,
# Gemini `BeforeTool`, Cursor's `before*` events.
DECISION_EVENTS = frozenset({"PreToolUse", "PermissionRequest", "preToolUse",
                             "permissionRequest", "BeforeTool", "beforeShellExecution",
                             "beforeMCPExecution", "beforeReadFile"})


def rfc3339_now() -> tuple[str, str]:
    """(RFC 3339 UTC time with nanoseconds and Z, Falco's ISO 8601 text-line time)."""
    ns = time.time_ns()
    seconds, fraction = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{base}.{fraction:09d}Z", f"{base}.{fraction:09d}+0000"


def hostname() -> str:
    return os.environ.get("FALCO_HOSTNAME") or os.uname().nodename


def _cap(value):
    if isinstance(value, str) and len(value) > FIELD_CAP:
        return value[:FIELD_CAP] + f"...[{len(value) - FIELD_CAP} more characters]"
    if isinstance(value, tuple):
        return [_cap(v) for v in value]
    return value


def output_fields(event) -> dict:
    """Every field (no `[arg]` forms) by name, plus any already extracted.

    Names come from the extractor tables (which the event already imported), not from the
    field declarations, which the hot path has no other use for."""
    from .event_source.derived_fields import SHELL_EXTRACTORS
    from .event_source.event import EXTRACTORS

    fields = {}
    for name in (*EXTRACTORS, *SHELL_EXTRACTORS):
        fields[name] = event[name] if name == "tool.input" else _cap(event[name])
    for key, value in list(event.items()):
        if key not in fields:
            fields[key] = _cap(value)
    return fields


def make_record(event, outcome, mode: str, enforced: bool, notices: list[str],
                duration_ms: float) -> dict:
    """The log record of a call that was evaluated."""
    when, text_time = rfc3339_now()
    event_name = event["agent.hook_event_name"]
    decides = event_name in DECISION_EVENTS
    enforced = enforced and decides
    rule = outcome.rule
    if rule is not None:
        name, priority, tags, message = rule.name, priority_name(rule.priority), rule.tags, \
            outcome.output
    else:
        name, priority, tags = NO_MATCH_RULE, "Informational", ()
        tool = event["tool.name"]
        message = (f"{tool} call: no rule decided (verdict {outcome.verdict})" if decides
                   else f"{event_name}{' of ' + tool if tool else ''}: logged, not a "
                        f"decision point")
    record = {
        "time": when,
        "hostname": hostname(),
        "source": SOURCE,
        "rule": name,
        "priority": priority,
        "output": f"{text_time}: {priority} {message}",
        "output_fields": output_fields(event),
        "tags": list(tags),
        "verdict": outcome.verdict,
        "mode": mode,
        "enforced": enforced,
        "matched": [{"rule": r.name, "priority": priority_name(r.priority),
                     "tags": list(r.tags)} for r in outcome.matches],
        "duration_ms": round(duration_ms, 3),
    }
    if outcome.reason:
        record["reason"] = outcome.reason
    if notices:
        record["notices"] = list(notices)
    return record


def failure_record(payload, message: str, mode: str, enforced: bool, event=None,
                   duration_ms: float = 0.0, agent: str = "") -> dict:
    """The log record of a call that could not be decided (failed closed, or open);
    `agent` names the agent when no event could be built."""
    when, text_time = rfc3339_now()
    if event is not None:
        try:
            fields = output_fields(event)
        except Exception:
            fields = {}
    else:
        fields = {"agent.name": agent} if agent else {}
        if isinstance(payload, dict):
            for key in ("tool_name", "toolName", "cwd", "session_id", "sessionId",
                        "tool_use_id"):
                value = payload.get(key)
                if isinstance(value, str):
                    fields[key] = _cap(value)
    return {
        "time": when,
        "hostname": hostname(),
        "source": SOURCE,
        "rule": FAILURE_RULE,
        "priority": "Critical",
        "output": f"{text_time}: Critical {message}",
        "output_fields": fields,
        "tags": [],
        "verdict": "deny" if enforced else "none",
        "mode": mode,
        "enforced": enforced,
        "matched": [],
        "duration_ms": round(duration_ms, 3),
        "error": message,
    }
