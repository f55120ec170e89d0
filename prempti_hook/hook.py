"""The hook: one tool call in, one verdict out. This is the hot path, top to bottom:

    stdin -> agents.claude_code.read   the agent's JSON -> an agent-neutral Call
          -> source.event.Event        coding_agent fields, each extracted on first use
          -> cache.load                the precompiled ruleset (no yaml, no pyparsing)
          -> ruleset.match             candidate rules by tool.name -> compiled conditions
          -> verdict.decide            tags -> deny > ask > allow, reason text
          -> auditlog.append           one locked JSONL line
          -> agents.claude_code.write  the agent's own output shape, on stdout

Failure policy (contract §5), because Claude Code treats exit 1, crashes and garbage as
"let the tool run":
- unreadable input (empty, not JSON, not an object, too big): exit 2, one line on stderr;
- any failure to decide: a deny that says what failed and how to fix it (or no decision,
  if the user chose fail-open);
- a failure after deciding (log, cache write): the verdict stands and the failure is shown
  to the user (`systemMessage`, stderr);
- never a traceback, never exit 1, never more than one JSON object on stdout.
"""

from __future__ import annotations

import os
import time

from . import jsonio

EXIT_OK = 0
EXIT_BLOCK = 2


class UnreadableInput(Exception):
    """stdin is not one JSON object within the size limit."""


def read_stdin(limit: int, fd: int = 0) -> dict:
    """The hook input read from `fd`: one JSON object of at most `limit` bytes."""
    chunks = []
    size = 0
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError as e:
            raise UnreadableInput(f"cannot read stdin: {e.strerror or e}") from None
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise UnreadableInput(f"input larger than {limit} bytes "
                                  f"(PREMPTI_INPUT_MAX_BYTES)")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data.strip():
        raise UnreadableInput("empty input: expected one JSON object on stdin")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableInput(f"input is not UTF-8 (byte {e.start})") from None
    try:
        payload = jsonio.loads(text)
    except (ValueError, RecursionError) as e:
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise UnreadableInput(f"input is not valid JSON: {reason}") from None
    if not isinstance(payload, dict):
        raise UnreadableInput("input is not a JSON object")
    return payload


class Streams:
    """Where the hook writes: file descriptors, so tests can run the real entry point
    in-process. Writing never raises: once the agent has gone away there is nobody left to
    tell."""

    __slots__ = ("err", "out")

    def __init__(self, out: int = 1, err: int = 2) -> None:
        self.out = out
        self.err = err

    def emit(self, text: str) -> None:
        """Write the one answer (JSON text) to stdout."""
        if text:
            _write_all(self.out, (text + "\n").encode("utf-8", "backslashreplace"))

    def warn(self, lines: list[str]) -> None:
        """One stderr line per problem."""
        for line in lines:
            text = "prempti-hook: " + line.replace("\r", " ").replace("\n", " ") + "\n"
            _write_all(self.err, text.encode("utf-8", "backslashreplace"))


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


def run(stdin: int = 0, stdout: int = 1, stderr: int = 2, environ=None) -> int:
    """Evaluate the tool call read from `stdin` and write the verdict to `stdout`.

    Returns the exit code (0, or 2 for unreadable input). This is the function the zipapp
    runs; tests call it in-process with their own descriptors and environment."""
    started = time.perf_counter()
    streams = Streams(stdout, stderr)
    cfg = None
    try:
        from . import config

        cfg = config.load(environ)
        payload = read_stdin(cfg.input_max_bytes, stdin)
    except UnreadableInput as e:
        streams.warn([str(e)])
        _log_unreadable(cfg, str(e), started)
        return EXIT_BLOCK
    except BaseException as e:  # a bug before we even know the input: block it
        streams.warn([f"internal error reading the input: {type(e).__name__}: {e}"])
        return EXIT_BLOCK
    try:
        return _decide_and_answer(cfg, payload, started, streams)
    except BaseException as e:
        return _fail(cfg, payload, f"internal error: {type(e).__name__}: {e}", started,
                     streams)


def _decide_and_answer(cfg, payload: dict, started: float, streams: Streams) -> int:
    from . import alert, auditlog, cache, verdict
    from .agents import Decision, MalformedCall, claude_code
    from .event_source.event import Event

    try:
        call = claude_code.read(payload)
    except MalformedCall as e:
        return _fail(cfg, payload, f"malformed tool call: {e}", started, streams)
    event = Event(call, cfg.user_home, prempti_home=cfg.prempti_home,
                  claude_dir=cfg.claude_dir)
    notices = list(cfg.problems)
    try:
        loaded = cache.load(cfg)
    except cache.RulesUnavailable as e:
        return _fail(cfg, payload, str(e), started, streams, event=event)
    notices.extend(loaded.notices)

    try:
        matches = loaded.ruleset.match(event)
    except Exception as e:
        from .falco.errors import EvaluationError

        if not isinstance(e, EvaluationError):
            raise
        return _fail(cfg, payload, f"a rule could not be evaluated: {e.message}", started,
                     streams, event=event)
    outcome = verdict.decide(matches, event, cfg.default_action)
    enforced = cfg.mode == "guardrails" and outcome.verdict != "none"
    answer = outcome.verdict if cfg.mode == "guardrails" else "none"

    record = alert.make_record(event, outcome, cfg.mode, enforced, notices,
                               duration_ms=(time.perf_counter() - started) * 1000)
    try:
        notice = auditlog.append(cfg, record)
    except OSError as e:
        notice = f"audit log {cfg.log_file} not written: {e.strerror or e}"
    if notice:
        notices.append(notice)
    if notices:
        streams.warn(notices)
    streams.emit(claude_code.write(Decision(answer, outcome.reason, notices),
                                   call.hook_event_name))
    return EXIT_OK


def _log_unreadable(cfg, message: str, started: float) -> None:
    """One audit line for input we could not read (the call was blocked by exit 2)."""
    try:
        from . import alert, auditlog

        record = alert.failure_record(None, f"unreadable input: {message}", cfg.mode, True,
                                      duration_ms=(time.perf_counter() - started) * 1000)
        record["verdict"] = "deny"  # exit 2 blocks, whatever the mode
        auditlog.append(cfg, record)
    except BaseException:
        pass  # the exit code is what matters; stderr already says why


def _fail(cfg, payload, message: str, started: float, streams: Streams, event=None) -> int:
    """Fail closed (or open, if the user asked): answer, log what we can, never raise."""
    mode = cfg.mode if cfg is not None else "guardrails"
    # Monitor mode never blocks, not even on failure; fail-open is the user's explicit choice.
    fail_open = bool(cfg is not None and cfg.fail_open) or mode == "monitor"
    why = "monitor mode" if mode == "monitor" else "fail-open is on"
    problems = list(cfg.problems) if cfg is not None else []
    reason = (f"prempti-hook could not decide: {message}. The call was "
              f"{'allowed (' + why + ')' if fail_open else 'blocked to be safe'}.")
    if problems:
        reason += " Settings that could not be read: " + "; ".join(problems)
    # One line: when the answer below cannot be a deny, this is an exit 2, whose stderr
    # Claude Code shows the model as the reason.
    streams.warn(["; ".join([message, *problems])])
    try:
        from . import alert, auditlog

        record = alert.failure_record(payload, message, mode, not fail_open, event=event,
                                      duration_ms=(time.perf_counter() - started) * 1000)
        auditlog.append(cfg, record)
    except BaseException:
        pass  # already failing; the answer below matters more than the log line
    event_name = payload.get("hook_event_name") if isinstance(payload, dict) else None
    if not isinstance(event_name, str) or not event_name:
        event_name = "PreToolUse"
    try:
        from .agents import Decision
        from .agents.claude_code import write

        if fail_open:
            streams.emit(write(Decision("none", "", [reason]), event_name))
            return EXIT_OK
        text = write(Decision("deny", reason), event_name)
    except BaseException:
        text = ""
    if not text:
        # An event we cannot answer with a deny (or a broken writer): exit 2 blocks too.
        return EXIT_BLOCK
    streams.emit(text)
    return EXIT_OK
