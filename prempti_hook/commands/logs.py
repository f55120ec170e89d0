"""`prempti-hook logs [-f] [--tail N|all] [--show deny,ask,allow,none] [--agent NAME]
[--raw]`: the audit log for people (one log for every agent).

One line per call: time (UTC), verdict (`(monitor)` when it was not enforced), agent, tool,
rule, and the reason (or, for calls no rule decided, what the call was). Colour unless NO_COLOR is
set or stdout is not a terminal. `--raw` prints the stored JSON lines instead. `-f` keeps
printing new calls, following the log across rotations.

Everything shown comes from tool calls, i.e. from the agent: control characters, bidi
overrides and the like are escaped so that a crafted command cannot rewrite the terminal.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque

from .. import auditlog, config

VERDICTS = ("deny", "ask", "allow", "none")
# 0.1.0 wrote "defer" for no decision.
_OLD_NAMES = {"defer": "none"}
DEFAULT_TAIL = 20
POLL_SECONDS = 0.25
COLOURS = {"deny": "\033[1;31m", "ask": "\033[1;33m", "allow": "\033[32m", "none": "\033[2m"}
RESET = "\033[0m"
USAGE = """usage: prempti-hook logs [-f] [--tail N|all] [--show deny,ask,allow,none] [--agent NAME]
                         [--raw]

Show the audit log ($PREMPTI_HOME/log/events.jsonl and its rotated files; one log for every
agent), one line per tool call: time (UTC), verdict, agent, tool, rule, reason. Colour
unless NO_COLOR is set or stdout is not a terminal.
  -f            keep printing new calls (follows the log across rotations)
  --tail N|all  how many of the latest calls to show (default 20)
  --show LIST   only these verdicts, e.g. --show deny,ask
  --agent NAME  only this agent's calls (claude_code, codex, gemini, copilot)
  --raw         print the stored JSON lines instead
"""
# Invisible characters that reorder or hide text on a terminal.
_FORMAT_CHARS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                          "\u2069\u061c\u200b\u200c\u200d\u2060\ufeff")


class UsageError(Exception):
    pass


class Options:
    __slots__ = ("agent", "follow", "raw", "show", "tail")

    def __init__(self) -> None:
        self.follow = False
        self.raw = False
        self.tail: int | None = DEFAULT_TAIL
        self.show: frozenset[str] | None = None
        self.agent: str | None = None


def parse_args(args: list[str]) -> Options:
    options = Options()
    rest = list(args)
    while rest:
        word = rest.pop(0)
        name, sep, value = word.partition("=")
        if word in ("-f", "--follow"):
            options.follow = True
        elif word == "--raw":
            options.raw = True
        elif name in ("--tail", "-n", "--show", "--agent"):
            if not sep:
                if not rest:
                    raise UsageError(f"{name} needs a value")
                value = rest.pop(0)
            if name == "--show":
                options.show = parse_show(value)
            elif name == "--agent":
                options.agent = parse_agent(value)
            else:
                options.tail = parse_tail(value)
        else:
            raise UsageError(f"unknown argument {word!r}")
    return options


def parse_tail(value: str) -> int | None:
    if value == "all":
        return None
    if not value.isdigit():
        raise UsageError(f"--tail needs a number or 'all', not {value!r}")
    return int(value)


def parse_show(value: str) -> frozenset[str]:
    chosen = {v.strip().lower() for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(VERDICTS))
    if unknown or not chosen:
        raise UsageError(f"--show takes a comma-separated list of {', '.join(VERDICTS)}"
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


def _message(record: dict) -> str:
    reason = record.get("reason")
    if isinstance(reason, str) and reason:
        rule = record.get("rule")
        if isinstance(rule, str) and reason.startswith(rule + ": "):
            return reason[len(rule) + 2:]  # the reason repeats the rule name shown before it
        return reason
    error = record.get("error")
    if isinstance(error, str) and error:
        return error
    fields = record.get("output_fields")
    if isinstance(fields, dict):
        for key in ("tool.input_command", "tool.file_path", "tool.url"):
            value = fields.get(key)
            if isinstance(value, str) and value:
                return value
    output = record.get("output")
    return output if isinstance(output, str) else ""


def _field(record: dict, keys: tuple, default: str) -> str:
    fields = record.get("output_fields")
    if isinstance(fields, dict):
        for key in keys:
            if isinstance(fields.get(key), str):
                return fields[key]
    return default


def _tool(record: dict) -> str:
    return _field(record, ("tool.name", "tool_name", "toolName"), "?")


def _agent(record: dict) -> str:
    return _field(record, ("agent.name",), "-")


def render(record: dict, colour: bool) -> str:
    """One human line for `record`."""
    when = record.get("time")
    when = when[:19].replace("T", " ") + "Z" if isinstance(when, str) and len(when) >= 19 \
        else "?"
    verdict = _verdict(record) or "?"
    label = verdict.upper()
    if record.get("enforced") is False and verdict in ("deny", "ask"):
        label += " (monitor)"
    label = f"{safe(label):<15}"
    if colour and verdict in COLOURS:
        label = f"{COLOURS[verdict]}{label}{RESET}"
    return (f"{safe(when)}  {label} {safe(_agent(record)):<11} {safe(_tool(record)):<12} "
            f"{safe(record.get('rule'))}: {safe(_message(record))}")


def wanted(record: dict, show: frozenset[str] | None, agent: str | None = None) -> bool:
    return (show is None or _verdict(record) in show) and (agent is None
                                                           or _agent(record) == agent)


def _verdict(record: dict) -> str | None:
    verdict = record.get("verdict")
    if not isinstance(verdict, str):
        return None
    return _OLD_NAMES.get(verdict, verdict)


def use_colour(stream) -> bool:
    if "NO_COLOR" in os.environ:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")


def print_records(pairs, options: Options, colour: bool) -> None:
    for raw, record in pairs:
        if not wanted(record, options.show, options.agent):
            continue
        if options.raw:
            _emit(safe(raw.decode("utf-8", "replace")))
        else:
            _emit(render(record, colour))


# Following --------------------------------------------------------------------------------

class Follower:
    """New lines of the log as they are appended, across rotations: when events.jsonl is
    renamed away, the rest of the old file is read, then any rotated files newer than it,
    then the new events.jsonl from its start."""

    def __init__(self, log_file: str) -> None:
        self.log_file = log_file
        self.file = None
        self.inode = None
        self.partial = b""

    def start_at_end(self) -> None:
        try:
            self.file = open(self.log_file, "rb")  # noqa: SIM115 - kept open while following
        except FileNotFoundError:
            return
        self.inode = os.fstat(self.file.fileno()).st_ino
        self.file.seek(0, os.SEEK_END)

    def _lines(self, data: bytes) -> list[bytes]:
        data = self.partial + data
        *lines, self.partial = data.split(b"\n")
        return [line for line in lines if line.strip()]

    def poll(self) -> list[bytes]:
        """Complete lines appended since the last poll."""
        out: list[bytes] = []
        if self.file is not None:
            out += self._lines(self.file.read())
        try:
            inode = os.stat(self.log_file).st_ino
        except FileNotFoundError:
            return out
        if inode == self.inode:
            return out
        # Rotated (or created): finish the old file, then every newer rotated file.
        if self.file is not None:
            out += self._lines(self.file.read())
            self.file.close()
            self.file = None
        newer = []
        for path in reversed(auditlog.rotated_files(self.log_file)):  # newest first
            try:
                if os.stat(path).st_ino == self.inode:
                    break
            except FileNotFoundError:
                continue
            newer.append(path)
        if self.inode is not None:
            for path in reversed(newer):  # oldest first
                try:
                    with open(path, "rb") as f:
                        out += self._lines(f.read())
                except FileNotFoundError:
                    continue
        self.partial = b""
        self.file = open(self.log_file, "rb")  # noqa: SIM115
        self.inode = os.fstat(self.file.fileno()).st_ino
        out += self._lines(self.file.read())
        return out


def follow(log_file: str, options: Options, colour: bool, sleep=time.sleep,
           keep_going=lambda: True) -> None:
    follower = Follower(log_file)
    follower.start_at_end()
    while keep_going():
        lines = follower.poll()
        pairs = [(raw, record) for raw in lines
                 if (record := auditlog.parse_line(raw)) is not None]
        print_records(pairs, options, colour)
        sys.stdout.flush()
        sleep(POLL_SECONDS)


def main(word: str, args: list[str]) -> int:
    try:
        options = parse_args(args)
    except UsageError as e:
        print(f"prempti-hook: {e} (usage: prempti-hook logs [-f] [--tail N|all] "
              f"[--show {','.join(VERDICTS)}] [--raw])", file=sys.stderr)
        return 2
    cfg = config.load()
    colour = not options.raw and use_colour(sys.stdout)
    reader = auditlog.LogReader(cfg.log_file)
    try:
        pairs = [(raw, record) for raw, record in reader.raw_records()
                 if wanted(record, options.show, options.agent)]
        if options.tail is not None:
            pairs = list(deque(pairs, maxlen=options.tail)) if options.tail else []
        print_records(pairs, options, colour)
        if reader.skipped:
            print(f"prempti-hook: skipped {reader.skipped} unreadable line(s) in "
                  f"{cfg.log_file}*", file=sys.stderr)
        if options.follow:
            sys.stdout.flush()
            follow(cfg.log_file, options, colour)
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
