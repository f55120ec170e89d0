"""Past tool calls, read back from the audit log or from Claude Code session transcripts.

Audit log (`events.jsonl`, one Falco-shaped record per hook call): the call is rebuilt from
`output_fields`: `tool.name`, `tool.input` (the input as JSON, kept whole in the log for
this), `agent.*` (agent, cwd, session, permission mode...), `tool.use_id`, `mcp.server`.
The verdict the hook gave then is the record's `verdict`, or "none" when no rule decided
(`rule` is "prempti-hook: no matching rule"), whatever `default_action` was then.

Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`, Claude Code
2.1.332): every `assistant` record's `tool_use` blocks are calls (name, input, with the
record's `cwd` and `sessionId`); the `user` record that carries a call's `tool_result` says
what happened (`permissionDecision`: accepted, or rejected by a hook, a rule or the user).
Other record types (attachments, API request shapes, costs...) hold no calls and are read
past, each counted; a line that is not JSON is counted too, never fatal.
"""

from __future__ import annotations

import os

NO_MATCH_RULE = "prempti-hook: no matching rule"
FAILURE_RULE = "prempti-hook: failed to decide"
# Transcript record types that hold no tool call (Claude Code 2.1.332): read past quietly.
TRANSCRIPT_QUIET_TYPES = frozenset({
    "attachment", "queue-operation", "atis-latch", "api-request-shape", "api-request-blob",
    "api-request", "tools-used", "last-prompt", "cost-state", "summary", "system",
    "file-history-snapshot",
})
MAX_LINE_BYTES = 64 * 1024 * 1024


class PastCall:
    """One call from history: the agent-neutral Call, when and where it came from, and what
    happened then (`before`: deny | ask | allow | none for the log; for a transcript
    "ran", "blocked by a hook", "refused" or "" when unknown)."""

    __slots__ = ("before", "before_rule", "call", "origin", "when")

    def __init__(self, call, origin: str, when: str, before: str, before_rule: str = "") -> None:
        self.call = call
        self.origin = origin
        self.when = when
        self.before = before
        self.before_rule = before_rule


class Skipped:
    """What could not be replayed, by reason, with a count."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, reason: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _lines(path: str, skipped: Skipped):
    """(line number, parsed JSON object) of a JSONL file; unreadable lines are counted."""
    import json

    try:
        f = open(path, "rb")  # noqa: SIM115 (closed by the `with` below; open may fail)
    except OSError as e:
        skipped.add(f"file not readable ({e.strerror or e})")
        return
    with f:
        for number, raw in enumerate(f, 1):
            if len(raw) > MAX_LINE_BYTES:
                skipped.add("line too long")
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                skipped.add("line is not JSON")
                continue
            if not isinstance(record, dict):
                skipped.add("line is not a JSON object")
                continue
            yield number, record


def _text(value) -> str:
    return value if isinstance(value, str) else ""


# -- the audit log ------------------------------------------------------------------------------

def log_files(path: str) -> list[str]:
    """The files of the audit log configured as `path`, oldest first, as they exist: the
    numbered files (`events-N.jsonl`), after those of older versions (`path.N` ... `path`)."""
    from .. import auditlog

    return auditlog.log_files(path)


def read_log(path: str, skipped: Skipped):
    """The replayable calls of one audit log file, in order."""
    import json

    from ..agents import Call

    for number, record in _lines(path, skipped):
        fields = record.get("output_fields")
        if record.get("rule") == FAILURE_RULE:
            skipped.add("the hook could not decide it then (no call to rebuild)")
            continue
        if not isinstance(fields, dict) or not isinstance(fields.get("tool.name"), str):
            skipped.add("record without the call's fields")
            continue
        try:
            tool_input = json.loads(fields.get("tool.input") or "")
        except (ValueError, TypeError, RecursionError):
            skipped.add("tool.input cut or missing (written before the log kept it whole)")
            continue
        if not isinstance(tool_input, dict):
            skipped.add("tool.input is not a JSON object")
            continue
        call = Call(_text(fields.get("agent.name")) or "claude_code", {},
                    hook_event_name=_text(fields.get("agent.hook_event_name")) or "PreToolUse",
                    tool_name=fields["tool.name"], tool_input=tool_input,
                    cwd=_text(fields.get("agent.cwd")),
                    session_id=_text(fields.get("agent.session_id")),
                    transcript_path=_text(fields.get("agent.transcript_path")),
                    permission_mode=_text(fields.get("agent.permission_mode")),
                    model=_text(fields.get("agent.model")),
                    turn_id=_text(fields.get("agent.turn_id")),
                    tool_use_id=_text(fields.get("tool.use_id")),
                    mcp_server=_text(fields.get("mcp.server")))
        rule = _text(record.get("rule"))
        verdict = _text(record.get("verdict"))
        if rule == NO_MATCH_RULE or verdict not in ("deny", "ask", "allow"):
            verdict, rule = "none", ""
        yield PastCall(call, f"{path}:{number}", _text(record.get("time")), verdict, rule)


# -- Claude Code transcripts --------------------------------------------------------------------

def transcript_files(path: str) -> list[str]:
    """A transcript file, or every *.jsonl under a folder (sessions and their subagents)."""
    if not os.path.isdir(path):
        return [path]
    out = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        out.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".jsonl"))
    return out


def _outcome(record: dict) -> str:
    decision = record.get("permissionDecision")
    if not isinstance(decision, dict):
        return ""
    if decision.get("decision") == "accept":
        return "ran"
    if decision.get("source") == "hook":
        return "blocked by a hook"
    return "refused"


def read_transcript(path: str, skipped: Skipped, types: dict[str, int]):
    """The calls of one transcript, in order, each with what happened to it. `types` counts
    the record types that were read past."""
    from ..agents import Call

    pending: dict[str, PastCall] = {}
    order: list[PastCall] = []
    for number, record in _lines(path, skipped):
        kind = record.get("type")
        if kind == "assistant":
            for call in _tool_uses(record, path, number, skipped, Call):
                order.append(call)
                if call.call.tool_use_id:
                    pending[call.call.tool_use_id] = call
        elif kind == "user":
            content = record.get("message", {}).get("content") \
                if isinstance(record.get("message"), dict) else None
            for block in content if isinstance(content, list) else ():
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    past = pending.pop(_text(block.get("tool_use_id")), None)
                    if past is not None:
                        past.before = _outcome(record) or ("failed" if block.get("is_error")
                                                           else "ran")
        else:
            name = kind if isinstance(kind, str) else "(no type)"
            types[name] = types.get(name, 0) + 1
    yield from order


def _tool_uses(record: dict, path: str, number: int, skipped: Skipped, Call):
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return
    for block in content:
        if not isinstance(block, dict) or block.get("type") != "tool_use":
            continue
        name, tool_input = block.get("name"), block.get("input")
        if not isinstance(name, str) or not name or not isinstance(tool_input, dict):
            skipped.add("tool_use block without a name or an input")
            continue
        call = Call("claude_code", {}, hook_event_name="PreToolUse", tool_name=name,
                    tool_input=tool_input, cwd=_text(record.get("cwd")),
                    session_id=_text(record.get("sessionId")),
                    permission_mode=_text(record.get("permissionMode")),
                    transcript_path=path, tool_use_id=_text(block.get("id")))
        yield PastCall(call, f"{path}:{number}", _text(record.get("timestamp")), "")
