"""`prempti-hook replay`: re-decide past tool calls under other rules, and show what moves.

Sources (offline/history.py): the audit log (default: the live one and its rotations;
`--log FILE`), or Claude Code session transcripts (`--transcript FILE_OR_FOLDER`, e.g.
~/.claude/projects). The calls are decided under `--rules` (default: the rules the hook loads
now), compiled once, in this user's home as the hook would. What it is compared with:

- for the log: the verdict the hook gave then (deny, ask, allow, or none when no rule
  decided; `default_action` is left out, this is about rules);
- for a transcript (which holds no verdicts): the rules the hook loads now, so `--rules`
  shows what a change of rules would do to those sessions (each call also says what
  happened then: ran, blocked by a hook, refused).

Output: how many calls are newly denied, newly asked, no longer denied, otherwise changed
and unchanged, what could not be replayed and why, then each call that moved. It never
writes: not to the log, not to the rule cache.
"""

from __future__ import annotations

import sys
import time

from . import arguments

USAGE = """usage: prempti-hook replay [--log FILE]... [--transcript PATH]... [--rules PATH]...
                           [--limit N] [--json]

Re-decide past calls under other rules and show what would change.
  --log FILE         an audit log (repeatable; default: the live log and its rotations)
  --transcript PATH  Claude Code session transcripts: a .jsonl file or a folder such as
                     ~/.claude/projects (repeatable)
  --rules PATH       the rules to replay under (repeatable; default: the rules the hook
                     loads); transcripts are compared with the rules the hook loads
  --limit N          list at most N calls that moved (default 50; 0: all)
  --json             print the result as JSON"""

VERDICTS = ("deny", "ask", "allow", "none")


class Options:
    def __init__(self) -> None:
        self.logs: list[str] = []
        self.transcripts: list[str] = []
        self.rules: list[str] = []
        self.limit = 50
        self.as_json = False


def parse_args(args: list[str]) -> Options:
    """Options, or arguments.UsageError."""
    parsed = arguments.parse(args, flags=("--json",),
                             valued=("--log", "--transcript", "--rules", "--limit"))
    opts = Options()
    opts.logs = parsed.all("--log")
    opts.transcripts = parsed.all("--transcript")
    opts.rules = parsed.all("--rules")
    opts.limit = arguments.number("--limit", parsed.value("--limit", "50"))
    opts.as_json = parsed.flag("--json")
    return opts


class Moved:
    """A call whose verdict changed."""

    __slots__ = ("after", "after_rule", "before", "before_rule", "happened", "past")

    def __init__(self, past, before: str, before_rule: str, after: str, after_rule: str,
                 happened: str) -> None:
        self.past = past
        self.before = before
        self.before_rule = before_rule
        self.after = after
        self.after_rule = after_rule
        self.happened = happened

    @property
    def kind(self) -> str:
        if self.after == "deny":
            return "newly denied"
        if self.before == "deny":
            return "no longer denied"
        if self.after == "ask":
            return "newly asked"
        return "other"

    def as_json(self) -> dict:
        call = self.past.call
        return {"origin": self.past.origin, "time": self.past.when, "tool_name": call.tool_name,
                "tool_input": call.tool_input, "cwd": call.cwd, "kind": self.kind,
                "before": self.before, "before_rule": self.before_rule or None,
                "after": self.after, "after_rule": self.after_rule or None,
                "happened": self.happened or None}


class Replay:
    """The totals of one replay."""

    def __init__(self) -> None:
        self.moved: list[Moved] = []
        self.replayed = 0
        self.unchanged = 0
        self.after_totals = dict.fromkeys(VERDICTS, 0)
        self.failed: dict[str, int] = {}
        self.types: dict[str, int] = {}

    def counts(self) -> dict[str, int]:
        out = {"newly denied": 0, "newly asked": 0, "no longer denied": 0, "other": 0}
        for moved in self.moved:
            out[moved.kind] += 1
        return out


def _decide(rules, past, cfg) -> tuple[str, str]:
    from ..event_source.event import Event
    from ..offline.decide import decide

    event = Event(past.call, cfg.user_home, prempti_home=cfg.prempti_home,
                  claude_dir=cfg.claude_dir)
    decided = decide(rules.ruleset, event, "none")
    return decided.verdict, decided.rule_name


def replay(opts: Options, cfg) -> tuple[Replay, object, list]:
    from ..offline import history
    from ..offline.decide import DecideError
    from ..offline.rules import load

    rules = load(opts.rules or None, cfg)
    baseline = load(None, cfg) if opts.transcripts and opts.rules else rules
    skipped = history.Skipped()
    result = Replay()
    sources = []
    calls = []
    logs = opts.logs or ([] if opts.transcripts else history.log_files(cfg.log_file))
    for path in logs:
        sources.append(path)
        calls.extend(("log", past) for past in history.read_log(path, skipped))
    for given in opts.transcripts:
        for path in history.transcript_files(given):
            sources.append(path)
            calls.extend(("transcript", past)
                         for past in history.read_transcript(path, skipped, result.types))
    for kind, past in calls:
        try:
            after, after_rule = _decide(rules, past, cfg)
            if kind == "log":
                before, before_rule, happened = past.before, past.before_rule, ""
            else:
                before, before_rule = (after, after_rule) if baseline is rules else \
                    _decide(baseline, past, cfg)
                happened = past.before
        except DecideError as e:
            result.failed[str(e)] = result.failed.get(str(e), 0) + 1
            continue
        result.replayed += 1
        result.after_totals[after] += 1
        if before == after:
            result.unchanged += 1
        else:
            result.moved.append(Moved(past, before, before_rule, after, after_rule, happened))
    for reason, count in result.failed.items():
        skipped.counts[f"could not be decided: {reason}"] = count
    return result, skipped, sources


# -- output ---------------------------------------------------------------------------------------

def _moved_line(moved: Moved) -> str:
    from ..falco.loader.results import one_line
    from ..offline.calls import describe

    call = moved.past.call
    by = f" by '{moved.after_rule}'" if moved.after_rule else ""
    was = f" (was '{moved.before_rule}')" if moved.before_rule else ""
    then = f"; in the session: {moved.happened}" if moved.happened else ""
    what = describe(call.tool_name, call.tool_input, 80)
    when = moved.past.when or moved.past.origin
    return one_line(f"  {when}  {what}  {moved.before} -> {moved.after}{by}{was}{then}")


def text_lines(result: Replay, skipped, sources: list, rules_files: list[str],
               limit: int, transcripts: bool) -> list[str]:
    counts = result.counts()
    against = "the rules the hook loads" if transcripts else "the verdicts logged then"
    lines = [f"replayed {result.replayed} call(s) from {len(sources)} file(s) under "
             f"{len(rules_files)} rules file(s), compared with {against}:",
             f"  newly denied       {counts['newly denied']}",
             f"  newly asked        {counts['newly asked']}",
             f"  no longer denied   {counts['no longer denied']}",
             f"  other changes      {counts['other']}",
             f"  unchanged          {result.unchanged}",
             "  under these rules: " + ", ".join(f"{v} {result.after_totals[v]}"
                                                 for v in VERDICTS)]
    if skipped.total:
        lines.append(f"  not replayed       {skipped.total}: " + "; ".join(
            f"{reason} ({count})" for reason, count in sorted(skipped.counts.items())))
    if result.types:
        from ..offline.history import TRANSCRIPT_QUIET_TYPES

        total = sum(result.types.values())
        unknown = {k: v for k, v in result.types.items() if k not in TRANSCRIPT_QUIET_TYPES}
        line = f"  transcript records read past (no tool call in them): {total}"
        if unknown:
            line += "; of unknown types: " + ", ".join(f"{k} ({v})"
                                                       for k, v in sorted(unknown.items()))
        lines.append(line)
    if result.moved:
        shown = result.moved if limit == 0 else result.moved[:limit]
        lines.append(f"calls that moved ({len(result.moved)}):")
        lines.extend(_moved_line(m) for m in shown)
        if len(shown) < len(result.moved):
            lines.append(f"  ... {len(result.moved) - len(shown)} more (--limit 0 lists all)")
    return lines


@arguments.entry
def main(word: str, args: list[str]) -> int:
    from .. import config
    from ..offline.rules import RulesError

    opts = parse_args(args)
    cfg = config.load()
    started = time.perf_counter()
    try:
        result, skipped, sources = replay(opts, cfg)
        from ..offline.rules import rules_files

        files = rules_files(opts.rules or None, cfg)
    except RulesError as e:
        print(f"prempti-hook replay: the rules do not load:\n{e}", file=sys.stderr)
        return 1
    if not sources:
        print("prempti-hook replay: nothing to replay (no audit log yet; give --log or "
              "--transcript)", file=sys.stderr)
        return 1
    if opts.as_json:
        import json

        doc = {"replayed": result.replayed, "unchanged": result.unchanged,
               "counts": result.counts(), "after": result.after_totals,
               "skipped": skipped.counts, "transcript_records_read_past": result.types,
               "sources": sources, "rules": files,
               "seconds": round(time.perf_counter() - started, 3),
               "moved": [m.as_json() for m in result.moved]}
        print(json.dumps(doc, indent=2, default=str))
    else:
        print("\n".join(text_lines(result, skipped, sources, files, opts.limit,
                                   bool(opts.transcripts))))
    return 0
