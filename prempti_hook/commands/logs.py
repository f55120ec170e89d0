"""`prempti-hook logs [-f] [--tail N|all] [--show LIST] [--agent NAME] [--raw]
[--verify [FILE...]]`: the audit log for people (one log for every agent).

One line per hook call, in one format whatever the tool or the agent:

    <time UTC>  <VERDICT>  <agent>  <tool>  <what>

- VERDICT is DENY, ASK, ALLOW or NONE (no decision: the agent's own permission flow
  decided), `(monitor)` added when it was not enforced; for hook events that are not decision
  points (PostToolUse, UserPromptSubmit...), the event's name instead of a verdict.
- what: `<rule>: <why>` when a rule matched; otherwise what the call was (the command, the
  file, the URL, an MCP tool's input); for a call that could not be decided, the error.
- The verdict, agent and tool columns are as wide as their longest value shown (tools up
  to TOOL_WIDTH, cut with `…` beyond), so the columns and the text line up.

Colour unless NO_COLOR is set or stdout is not a terminal. `--raw` prints the stored JSON
lines instead. `-f` keeps printing new calls, following the log into new files.
`--verify` checks the hash chain of the log (or of FILEs, e.g. a copy shipped off the
machine, given oldest first) and reports the first broken, missing or reordered line
(exit 1), see `auditverify`.

Everything shown comes from tool calls, i.e. from the agent: control characters, bidi
overrides and the like are escaped so that a crafted command cannot rewrite the terminal.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque

from .. import auditlog, config
from ..alert import DECISION_EVENTS
from ..verdict import NO_MATCH_RULE
from . import arguments
from .arguments import UsageError

VERDICTS = ("deny", "ask", "allow", "none")
# Records of hook events that are not decision points are shown (and selected) as "event".
KINDS = (*VERDICTS, "event")
# 0.1.0 wrote "defer" for no decision.
_OLD_NAMES = {"defer": "none"}
DEFAULT_TAIL = 20
POLL_SECONDS = 0.25
LABEL_WIDTH = 15  # at least: "DENY (monitor)"
LABEL_MAX = 24  # an event name is the agent's text: it must not push the columns away
AGENT_MAX = 16
TOOL_WIDTH = 32
WHAT_CHARS = 400
COLOURS = {"deny": "\033[1;31m", "ask": "\033[1;33m", "allow": "\033[32m", "none": "\033[2m",
           "event": "\033[36m"}
RESET = "\033[0m"
USAGE = """usage: prempti-hook logs [-f] [--tail N|all] [--show LIST] [--agent NAME] [--raw]
       prempti-hook logs --verify [FILE...]

Show the audit log ($PREMPTI_HOME/log/events-*.jsonl; events.jsonl links to the newest
file; one log for every agent), one line per hook call: time (UTC), verdict, agent, tool,
then the rule and why, or what the call was. Colour unless NO_COLOR is set or stdout is not
a terminal.
  -f            keep printing new calls (follows the log into new files)
  --tail N|all  how many of the latest calls to show (default 20)
  --show LIST   only these, comma-separated: deny, ask, allow, none (no decision),
                event (hook events that are not decisions, e.g. PostToolUse)
  --agent NAME  only this agent's calls (claude_code, codex, gemini, copilot)
  --raw         print the stored JSON lines instead
  --verify      check the hash chain of the log, or of the FILEs given (oldest first);
                exit 1 at the first broken, missing or reordered line
"""
# Invisible characters that reorder or hide text on a terminal.
_FORMAT_CHARS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                          "\u2069\u061c\u200b\u200c\u200d\u2060\ufeff")


class Options:
    __slots__ = ("agent", "follow", "raw", "show", "tail", "verify", "verify_files")

    def __init__(self) -> None:
        self.follow = False
        self.raw = False
        self.tail: int | None = DEFAULT_TAIL
        self.show: frozenset[str] | None = None
        self.verify = False
        self.verify_files: list[str] = []
        self.agent: str | None = None


def parse_args(args: list[str]) -> Options:
    """Options, or UsageError."""
    parsed = arguments.parse(args, flags=("--follow", "--raw", "--verify"),
                             valued=("--tail", "--show", "--agent"),
                             aliases={"-f": "--follow", "-n": "--tail"}, operands=None)
    options = Options()
    options.follow = parsed.flag("--follow")
    options.raw = parsed.flag("--raw")
    options.verify = parsed.flag("--verify")
    if "--tail" in parsed.values:
        options.tail = parse_tail(parsed.value("--tail"))
    if "--show" in parsed.values:
        options.show = parse_show(parsed.value("--show"))
    if "--agent" in parsed.values:
        options.agent = parse_agent(parsed.value("--agent"))
    if parsed.operands and not options.verify:
        raise UsageError(f"unexpected argument {parsed.operands[0]!r} (only --verify takes "
                         f"files)")
    options.verify_files = parsed.operands
    if options.verify and (options.follow or options.raw or options.show is not None
                           or options.agent is not None):
        raise UsageError("--verify takes only files, no other option")
    return options


def parse_tail(value: str) -> int | None:
    tail = arguments.number("--tail", value, allowed=("all",))
    return None if tail == "all" else tail


def parse_show(value: str) -> frozenset[str]:
    chosen = {v.strip().lower() for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(KINDS))
    if unknown or not chosen:
        raise UsageError(f"--show takes a comma-separated list of {', '.join(KINDS)}"
                         + (f", not {', '.join(unknown)}" if unknown else ""))
    return frozenset(chosen)


def parse_agent(value: str) -> str:
    from ..agents import UnknownAgent, canonical

    try:
        return canonical(value)
    except UnknownAgent as e:
        raise UsageError(str(e)) from None


# Rendering --------------------------------------------------------------------------------

def safe(text) -> str:
    """`text` made harmless for a terminal: control, format and surrogate characters are
    shown as escapes; the result is one line."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{code:02x}"))
        elif 0xD800 <= code < 0xE000 or char in _FORMAT_CHARS or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _fields(record: dict) -> dict:
    fields = record.get("output_fields")
    return fields if isinstance(fields, dict) else {}


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def kind(record: dict) -> str | None:
    """deny, ask, allow or none for a decision; "event" for a hook event that is not a
    decision point; None when the record has no verdict."""
    event_name = _fields(record).get("agent.hook_event_name")
    if isinstance(event_name, str) and event_name and event_name not in DECISION_EVENTS:
        return "event"
    verdict = record.get("verdict")
    if not isinstance(verdict, str):
        return None
    return _OLD_NAMES.get(verdict, verdict)


def _label(record: dict) -> str:
    what = kind(record)
    if what == "event":
        return _text(_fields(record).get("agent.hook_event_name"))
    label = (what or "?").upper()
    if record.get("enforced") is False and what in ("deny", "ask"):
        label += " (monitor)"
    return label


def _call(record: dict) -> str:
    """What the call was: the command, the file, the URL, or the tool's input."""
    fields = _fields(record)
    for key in ("tool.input_command", "tool.file_path", "tool.url"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            return value
    tool_input = fields.get("tool.input")
    if isinstance(tool_input, str) and tool_input not in ("", "{}"):
        return tool_input
    return ""


def _output_message(record: dict) -> str:
    """Falco's `output` without its `<time>: <Priority> ` prefix."""
    output = _text(record.get("output"))
    priority = _text(record.get("priority"))
    _, found, message = output.partition(f": {priority} ") if priority else ("", "", "")
    return message if found else output


def _what(record: dict) -> str:
    """The rule and why, or what the call was, or what failed."""
    error = _text(record.get("error"))
    if error:
        return error
    rule = _text(record.get("rule"))
    if rule and rule != NO_MATCH_RULE:
        reason = _text(record.get("reason"))
        if reason.startswith(rule + ": "):
            reason = reason[len(rule) + 2:]  # the reason repeats the rule name
        reason = reason or _output_message(record)  # a rule that only logs: its output
        return f"{rule}: {reason}" if reason else rule
    return _call(record) or _output_message(record)


def _tool(record: dict) -> str:
    fields = _fields(record)
    for key in ("tool.name", "tool_name", "toolName"):
        if isinstance(fields.get(key), str) and fields[key]:
            return fields[key]
    return "-"


def _agent(record: dict) -> str:
    agent = _fields(record).get("agent.name")
    return agent if isinstance(agent, str) and agent else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class Renderer:
    """Human lines with aligned columns. The label, agent and tool columns grow to the
    longest value seen (so `-f` stays aligned until a longer name arrives), tools up to
    TOOL_WIDTH."""

    def __init__(self, colour: bool, records=()) -> None:
        self.colour = colour
        self.label_width = LABEL_WIDTH
        self.agent_width = 5
        self.tool_width = 4
        for record in records:
            self.widen(record)

    def widen(self, record: dict) -> None:
        self.label_width = min(max(self.label_width, len(safe(_label(record)))), LABEL_MAX)
        self.agent_width = min(max(self.agent_width, len(safe(_agent(record)))), AGENT_MAX)
        self.tool_width = min(max(self.tool_width, len(safe(_tool(record)))), TOOL_WIDTH)

    def render(self, record: dict) -> str:
        self.widen(record)
        when = record.get("time")
        when = when[:19].replace("T", " ") + "Z" if isinstance(when, str) and len(when) >= 19 \
            else "?"
        label = f"{_clip(safe(_label(record)), self.label_width):<{self.label_width}}"
        what = kind(record)
        if self.colour and what in COLOURS:
            label = f"{COLOURS[what]}{label}{RESET}"
        agent = f"{_clip(safe(_agent(record)), self.agent_width):<{self.agent_width}}"
        tool = f"{_clip(safe(_tool(record)), self.tool_width):<{self.tool_width}}"
        text = _clip(safe(_what(record)), WHAT_CHARS)
        return f"{safe(when)}  {label} {agent}  {tool}  {text}".rstrip()


def render(record: dict, colour: bool) -> str:
    """One human line for `record` (columns as wide as this record needs)."""
    return Renderer(colour).render(record)


def wanted(record: dict, show: frozenset[str] | None, agent: str | None = None) -> bool:
    return (show is None or kind(record) in show) and (agent is None
                                                       or _agent(record) == agent)


def use_colour(stream) -> bool:
    if "NO_COLOR" in os.environ:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")


def print_records(pairs, options: Options, renderer: Renderer) -> None:
    for raw, record in pairs:
        if not wanted(record, options.show, options.agent):
            continue
        if options.raw:
            _emit(safe(raw.decode("utf-8", "replace")))
        else:
            _emit(renderer.render(record))


# Following --------------------------------------------------------------------------------

class Follower:
    """New lines of the log as they are appended, across files: files are never renamed, so
    the file being followed is read to its end, then every newer numbered file in turn."""

    def __init__(self, log_file: str) -> None:
        self.log_file = log_file
        self.file = None
        self.number = 0  # of the numbered file followed; 0: none yet, or an older version's
        self.partial = b""

    def start_at_end(self) -> None:
        files = auditlog.numbered(self.log_file)
        if files:
            self._open(*files[-1])
        else:
            legacy = auditlog.log_files(self.log_file)
            if not legacy:
                return
            self._open(0, legacy[-1])
        self.file.seek(0, os.SEEK_END)

    def _open(self, number: int, path: str) -> None:
        file = auditlog.open_for_reading(path)  # kept open while following
        if self.file is not None:
            self.file.close()
        self.file, self.number, self.partial = file, number, b""

    def _lines(self, data: bytes) -> list[bytes]:
        data = self.partial + data
        *lines, self.partial = data.split(b"\n")
        return [line for line in lines if line.strip()]

    def poll(self) -> list[bytes]:
        """Complete lines appended since the last poll."""
        out: list[bytes] = []
        if self.file is not None:
            out += self._lines(self.file.read())
        for number, path in auditlog.numbered(self.log_file):
            if number <= self.number:
                continue
            try:
                self._open(number, path)
            except FileNotFoundError:
                continue  # started and already deleted (log_backups 0)
            out += self._lines(self.file.read())
        return out


def follow(log_file: str, options: Options, renderer: Renderer, sleep=time.sleep,
           keep_going=lambda: True) -> None:
    follower = Follower(log_file)
    follower.start_at_end()
    while keep_going():
        lines = follower.poll()
        pairs = [(raw, record) for raw in lines
                 if (record := auditlog.parse_line(raw)) is not None]
        print_records(pairs, options, renderer)
        sys.stdout.flush()
        sleep(POLL_SECONDS)


def verify(options: Options, log_file: str) -> int:
    """`--verify`: check the chain; print the problems (up to MAX_LISTED), the notes and a
    summary; exit 1 when anything is broken."""
    from .. import auditverify

    try:
        if options.verify_files:
            report = auditverify.verify_files(options.verify_files)
        else:
            report = auditverify.verify_log(log_file)
    except OSError as e:
        print(f"prempti-hook: cannot read {e.filename or log_file}: {e.strerror or e}",
              file=sys.stderr)
        return arguments.FINDINGS  # not done, said in one line (see arguments.EXIT_CODES)
    broken = report.broken
    for finding in broken[:auditverify.MAX_LISTED]:
        _emit(safe(str(finding)))
    if len(broken) > auditverify.MAX_LISTED:
        _emit(f"... and {len(broken) - auditverify.MAX_LISTED} more problem(s)")
    for finding in [f for f in report.findings if not f.breaks][:auditverify.MAX_LISTED]:
        _emit(safe(str(finding)))
    _emit(report.summary())
    return 1 if broken else 0


@arguments.entry
def main(word: str, args: list[str]) -> int:
    options = parse_args(args)
    cfg = config.load()
    if options.verify:
        return verify(options, cfg.log_file)
    reader = auditlog.LogReader(cfg.log_file)
    try:
        pairs = [(raw, record) for raw, record in reader.raw_records()
                 if wanted(record, options.show, options.agent)]
        if options.tail is not None:
            pairs = list(deque(pairs, maxlen=options.tail)) if options.tail else []
        renderer = Renderer(not options.raw and use_colour(sys.stdout),
                            (record for _, record in pairs))
        print_records(pairs, options, renderer)
        if reader.skipped:
            print(f"prempti-hook: skipped {reader.skipped} unreadable line(s) in "
                  f"{cfg.log_dir}", file=sys.stderr)
        if options.follow:
            sys.stdout.flush()
            follow(cfg.log_file, options, renderer)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as e:
        print(f"prempti-hook: cannot read {cfg.log_file}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


def _quiet_stdout() -> None:
    """`prempti-hook logs | head`: the reader went away; do not complain at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
