"""The hook: one tool call in, one verdict out. This is the hot path, top to bottom:

    stdin -> agents.<agent>.read       the agent's JSON -> an agent-neutral Call
          -> event_source.event        coding_agent fields, each extracted on first use
                                       (one event per file for a multi-file patch)
          -> cache.load                the precompiled ruleset (no yaml, pyparsing or pickle)
          -> ruleset.match             candidate rules by tool.name -> compiled conditions
          -> verdict.decide            tags -> deny > ask > allow, reason text
          -> auditlog.append           one locked JSONL line
          -> agents.<agent>.write      the agent's own output shape, on stdout

The agent is the one the installed command names (`--agent codex`; Claude Code without
it), never guessed from the input.

One deadline per call (`time.monotonic()` + LOCK_BUDGET_SECONDS) bounds every wait for a
lock another process holds (the rule cache's, then the audit log's): a held lock costs a
call at most that long, once, however many locks there are.

Before deciding, the hook checks that no file keeping it in force has a second name (a hard
link would let it be changed without naming it): its settings file and the agents' settings
files it is registered in here, the rules files and the rule cache in `cache.load`, the
zipapp in the launcher. One that has makes the call fail closed, with how to fix it.

Failure policy (docs/contract.md, "Failure policy"), because every agent treats some
failures (exit 1, crashes, garbage, timeouts) as "let the tool run":
- unreadable input (empty, not JSON, not an object, too big): exit 2, one line on stderr;
- any failure to decide: a deny that says what failed and how to fix it (or no decision,
  if the user chose fail-open);
- a failure after deciding (log, cache write): the verdict stands and the failure is shown
  to the user (`systemMessage`, stderr);
- never a traceback, never exit 1, never more than one JSON object on stdout;
- a hook that runs out of time answers a deny itself (`Watchdog`), before the agent's own
  timeout would let the tool run: the installed hooks give the agent 30 s, the watchdog
  answers at 25 s (`PREMPTI_HOOK_TIMEOUT` can only make that shorter).
"""

from __future__ import annotations

import os
import time

from . import jsonio
from .agent_homes import COMMAND_NAME

EXIT_OK = 0
EXIT_BLOCK = 2
WATCHDOG_SECONDS = 25.0
LOCK_BUDGET_SECONDS = 2.0


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
    tell. The one answer is written once, under a lock the watchdog shares."""

    __slots__ = ("answered", "err", "lock", "out")

    def __init__(self, out: int = 1, err: int = 2) -> None:
        import _thread

        self.out = out
        self.err = err
        self.lock = _thread.allocate_lock()
        self.answered = False

    def emit(self, text: str) -> None:
        """Write the one answer (JSON text) to stdout."""
        with self.lock:
            if self.answered:
                return
            self.answered = True
            if text:
                _write_all(self.out, (text + "\n").encode("utf-8", "backslashreplace"))

    def warn(self, lines: list[str]) -> None:
        """One stderr line per problem."""
        for line in lines:
            text = "prempti-hook: " + line.replace("\r", " ").replace("\n", " ") + "\n"
            _write_all(self.err, text.encode("utf-8", "backslashreplace"))


def _write_all(fd: int, data: bytes) -> None:
    """Write what we can: a closed stdout/stderr must not crash the hook."""
    from .files import write_all

    try:
        write_all(fd, data)
    except OSError:
        pass


class Watchdog:
    """Answers a deny for the hook when it has not answered after `seconds` (a lock held
    for long, a machine too busy to schedule it), then ends the process: an agent whose
    own timeout lets the tool run never gets that far. Runs in a thread, so it fires even
    while the hook waits in a system call."""

    __slots__ = ("event_name", "seconds", "streams", "writer")

    def __init__(self, streams: Streams, writer, seconds: float) -> None:
        self.streams = streams
        self.writer = writer
        self.seconds = seconds
        self.event_name = writer.DEFAULT_EVENT  # updated once the input is read

    def start(self) -> None:
        import _thread

        _thread.start_new_thread(self._watch, ())

    def _watch(self) -> None:
        time.sleep(self.seconds)
        streams = self.streams
        with streams.lock:
            if streams.answered:
                return  # the hook answered: let it finish its own way
            streams.answered = True
            reason = (f"prempti-hook could not decide within {self.seconds:g} s (a lock held "
                      "too long, or a machine too busy), so the call was blocked to be safe; "
                      "try again, and see `prempti-hook status` if it keeps happening.")
            try:
                from .agents import Decision

                text = self.writer.write(Decision("deny", reason), self.event_name)
            except BaseException:
                text = ""
            streams.warn([reason])
            if text:
                _write_all(streams.out, (text + "\n").encode("utf-8", "backslashreplace"))
        os._exit(EXIT_OK if text else EXIT_BLOCK)


def watchdog_seconds(environ) -> float:
    """WATCHDOG_SECONDS, or less if `PREMPTI_HOOK_TIMEOUT` says so (never more: a longer
    wait would only let the agent's own timeout, which lets the tool run, come first)."""
    value = (os.environ if environ is None else environ).get("PREMPTI_HOOK_TIMEOUT")
    try:
        seconds = float(value) if value else WATCHDOG_SECONDS
    except ValueError:
        return WATCHDOG_SECONDS
    return min(max(seconds, 0.0), WATCHDOG_SECONDS) if seconds == seconds else WATCHDOG_SECONDS


def run(stdin: int = 0, stdout: int = 1, stderr: int = 2, environ=None,
        agent: str = "claude_code", watchdog: bool = False) -> int:
    """Evaluate the tool call read from `stdin` and write the verdict to `stdout`, in the
    dialect of `agent`.

    Returns the exit code (0, or 2 for unreadable input). This is the function the zipapp
    runs (with `watchdog`, which ends the process if it overruns: never in-process); tests
    call it in-process with their own descriptors and environment."""
    started = time.perf_counter()
    deadline = time.monotonic() + LOCK_BUDGET_SECONDS
    streams = Streams(stdout, stderr)
    try:
        from .agents import adapter

        writer = adapter(agent)
    except BaseException as e:  # unknown agent: exit 2 is a block for every agent
        streams.warn([f"{e}; the call was blocked"])
        return EXIT_BLOCK
    guard = None
    if watchdog:
        guard = Watchdog(streams, writer, watchdog_seconds(environ))
        guard.start()
    cfg = None
    try:
        from . import config

        cfg = config.load(environ)
        payload = read_stdin(cfg.input_max_bytes, stdin)
    except UnreadableInput as e:
        streams.warn([str(e)])
        _log_unreadable(cfg, str(e), started, writer.AGENT, deadline)
        return EXIT_BLOCK
    except BaseException as e:  # a bug before we even know the input: block it
        streams.warn([f"internal error reading the input: {type(e).__name__}: {e}"])
        return EXIT_BLOCK
    answer = Answer(writer, streams, _event_name(payload, writer), guard, deadline)
    try:
        return _decide_and_answer(cfg, payload, started, answer)
    except BaseException as e:
        return _fail(cfg, payload, f"internal error: {type(e).__name__}: {e}", started,
                     answer)


class Answer:
    """How this call is answered: the agent's adapter, the streams, the event name (for
    the adapter's output shape), the watchdog to keep informed, and the call's deadline for
    waiting on locks."""

    __slots__ = ("deadline", "event_name", "guard", "streams", "writer")

    def __init__(self, writer, streams: Streams, event_name: str, guard,
                 deadline: float | None = None) -> None:
        self.writer = writer
        self.streams = streams
        self.guard = guard
        self.deadline = deadline
        self.set_event(event_name)

    def set_event(self, event_name: str) -> None:
        self.event_name = event_name
        if self.guard is not None:
            self.guard.event_name = event_name


def _event_name(payload, writer) -> str:
    """The event a payload is for, as far as can be told before the adapter reads it."""
    if isinstance(payload, dict):
        for key in ("hook_event_name", "hookName"):
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value
    return writer.DEFAULT_EVENT


def _protected_settings(cfg) -> list:
    """(what, path) of the settings files the hook checks for hard links on every call."""
    return [("prempti-hook settings file", cfg.config_file),
            ("Claude Code settings file", os.path.join(cfg.claude_dir, "settings.json")),
            *(("prempti-hook command" if os.path.basename(path) == COMMAND_NAME else
               "agent settings file", path) for path in cfg.agent_files)]


def _decide_and_answer(cfg, payload: dict, started: float, answer: Answer) -> int:
    from . import alert, auditlog, cache, integrity, verdict
    from .agents import Decision, MalformedCall
    from .event_source.event import events_for

    writer, streams = answer.writer, answer.streams
    try:
        call = writer.read(payload)
    except MalformedCall as e:
        return _fail(cfg, payload, f"malformed tool call: {e}", started, answer)
    answer.set_event(call.hook_event_name)
    events = events_for(call, cfg.user_home, prempti_home=cfg.prempti_home,
                        claude_dir=cfg.claude_dir, agent_files=cfg.agent_files)
    linked = integrity.linked_files(_protected_settings(cfg))
    if linked:
        return _fail(cfg, payload, "; ".join(linked), started, answer, event=events[0])
    notices = list(cfg.problems)
    try:
        loaded = cache.load(cfg, deadline=answer.deadline)
    except cache.RulesUnavailable as e:
        return _fail(cfg, payload, str(e), started, answer, event=events[0])
    notices.extend(loaded.notices)

    outcome = event = None
    for each in events:  # a patch: one event per file; the strongest verdict answers
        try:
            matches = loaded.ruleset.match(each)
        except Exception as e:
            from .falco.errors import EvaluationError

            if not isinstance(e, EvaluationError):
                raise
            return _fail(cfg, payload, f"a rule could not be evaluated: {e.message}",
                         started, answer, event=each)
        found = verdict.decide(matches, each, cfg.default_action)
        if outcome is None or verdict.stronger(found, outcome):
            outcome, event = found, each
    enforced = cfg.mode == "guardrails" and outcome.verdict != "none"
    given = outcome.verdict if cfg.mode == "guardrails" else "none"

    record = alert.make_record(event, outcome, cfg.mode, enforced, notices,
                               duration_ms=(time.perf_counter() - started) * 1000)
    try:
        notice = auditlog.append(cfg, record, deadline=answer.deadline)
    except OSError as e:
        notice = f"audit log {cfg.log_file} not written: {e.strerror or e}"
    if notice:
        notices.append(notice)
    if notices:
        streams.warn(notices)
    streams.emit(writer.write(Decision(given, outcome.reason, notices), call.hook_event_name))
    return EXIT_OK


def _log_unreadable(cfg, message: str, started: float, agent: str,
                    deadline: float | None = None) -> None:
    """One audit line for input we could not read (the call was blocked by exit 2)."""
    try:
        from . import alert, auditlog

        record = alert.failure_record(None, f"unreadable input: {message}", cfg.mode, True,
                                      duration_ms=(time.perf_counter() - started) * 1000,
                                      agent=agent)
        record["verdict"] = "deny"  # exit 2 blocks, whatever the mode
        auditlog.append(cfg, record, deadline=deadline)
    except BaseException:
        pass  # the exit code is what matters; stderr already says why


def _fail(cfg, payload, message: str, started: float, answer: Answer, event=None) -> int:
    """Fail closed (or open, if the user asked): answer, log what we can, never raise."""
    streams = answer.streams
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
                                      duration_ms=(time.perf_counter() - started) * 1000,
                                      agent=answer.writer.AGENT)
        auditlog.append(cfg, record, deadline=answer.deadline)
    except BaseException:
        pass  # already failing; the answer below matters more than the log line
    event_name = answer.event_name
    try:
        from .agents import Decision

        write = answer.writer.write
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
