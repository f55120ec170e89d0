"""Checking the hash chain of an audit log (`prempti-hook logs --verify`).

Each line is checked against its own hash, then against the line before it (see
`auditchain` for the format). What can be told apart:

- **altered**: the line's bytes no longer match its hash;
- **missing**: the line follows a line that is not in the log, and its `seq` says how many
  lines are gone;
- **reordered**: the line follows a line that comes later in the log, or one further back
  than the line before it (lines moved or inserted), or repeats an earlier line;
- **not chained**: a line without a chain after the chain began (torn by a full disk,
  edited, or written by something else);
- **restarted**: a new chain begins although the log has earlier lines (the lines before
  it were removed, or the files put in another order).

Not breaks, but said, because the chain cannot vouch for them: lines written before the
chain existed (older versions), the first line of the oldest file following lines that were
rotated away, and a fork where a writer appended without the lock (`unlocked`: it gave up on
a stuck lock, and another writer may have appended in between).

A same-user attacker who rewrites the whole chain from some line on leaves it valid: the
chain proves the log is what the writer wrote only together with a copy shipped off the
machine, which holds the original hashes (verify the shipped copy, or compare hashes).
"""

from __future__ import annotations

from . import auditchain

MAX_LISTED = 20


class Finding:
    """One place in the log: `breaks` (evidence of loss or tampering) or a note."""

    __slots__ = ("breaks", "line", "message", "path")

    def __init__(self, path: str, line: int, message: str, breaks: bool) -> None:
        self.path = path
        self.line = line
        self.message = message
        self.breaks = breaks

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path else ""
        return f"{where}{'broken' if self.breaks else 'note'}: {self.message}"


class Entry:
    __slots__ = ("fields", "line", "path")

    def __init__(self, path: str, line: int, fields: dict | None) -> None:
        self.path = path
        self.line = line
        self.fields = fields


class Report:
    def __init__(self) -> None:
        self.lines = 0
        self.files = 0
        self.chained = 0
        self.unlocked = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.findings: list[Finding] = []

    @property
    def broken(self) -> list[Finding]:
        return [f for f in self.findings if f.breaks]

    def summary(self) -> str:
        span = f", seq {self.first_seq}..{self.last_seq}" if self.first_seq is not None else ""
        head = (f"{self.lines} line(s) in {self.files} file(s), {self.chained} chained{span}"
                + (f", {self.unlocked} appended without the lock" if self.unlocked else ""))
        if not self.lines:
            return "audit log chain: empty, nothing to verify"
        broken = self.broken
        if not broken:
            return f"audit log chain: intact ({head})"
        return (f"audit log chain: BROKEN, {len(broken)} problem(s), the first at "
                f"{broken[0].path}:{broken[0].line} ({head})")


def read_entries(blobs: list[tuple[str, bytes]]) -> list[Entry]:
    """Every non-blank line of the files, in order, with its chain fields (None when the
    line has no chain object)."""
    entries = []
    for path, blob in blobs:
        for number, raw in enumerate(blob.split(b"\n"), 1):
            if raw.strip():
                entries.append(Entry(path, number, auditchain.parse(raw)))
    return entries


def verify_blobs(blobs: list[tuple[str, bytes]]) -> Report:
    """Check the chain over the files' contents, given oldest first."""
    report = Report()
    report.files = len(blobs)
    entries = read_entries(blobs)
    report.lines = len(entries)
    position: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.fields is not None:
            position.setdefault(entry.fields["hash"], index)
    _Walk(report, entries, position).run()
    return report


class _Walk:
    """One pass over the entries, remembering the last chained line."""

    def __init__(self, report: Report, entries: list[Entry], position: dict[str, int]):
        self.report = report
        self.entries = entries
        self.position = position
        self.last: Entry | None = None
        self.last_was_unchained = False
        self.before_chain = 0

    def note(self, entry: Entry, message: str, breaks: bool) -> None:
        self.report.findings.append(Finding(entry.path, entry.line, message, breaks))

    def run(self) -> None:
        for index, entry in enumerate(self.entries):
            fields = entry.fields
            if fields is None:
                if self.last is None:
                    self.before_chain += 1
                else:
                    self.note(entry, "not a chained audit line (torn by a full disk, "
                                     "edited, or written by something else)", True)
                self.last_was_unchained = True
                continue
            self.report.chained += 1
            self.report.unlocked += bool(fields.get("unlocked"))
            if not auditchain.intact(fields):
                self.note(entry, f"altered: the line (seq {fields['seq']}) does not match "
                                 f"its hash", True)
            self.check_link(index, entry, fields)
            self.last = entry
            self.last_was_unchained = False
            if self.report.first_seq is None:
                self.report.first_seq = fields["seq"]
            self.report.last_seq = fields["seq"]
        if self.before_chain:
            first = self.entries[0]
            self.report.findings.insert(0, Finding(
                first.path, first.line, f"{self.before_chain} line(s) before the chain "
                "began (written by a version without it) cannot be verified", False))

    def check_link(self, index: int, entry: Entry, fields: dict) -> None:
        prev, seq = fields["prev"], fields["seq"]
        if self.last is None:
            if prev is not None and seq > 1:
                self.note(entry, f"the chain starts at seq {seq}: the {seq - 1} line(s) "
                                 f"before it were rotated away or removed (only a copy "
                                 f"shipped off the machine can vouch for them)", False)
            return
        before = self.last.fields
        if prev is None:
            why = fields.get("start", "?")
            if why == auditchain.UNREADABLE and self.last_was_unchained:
                return  # explained by the unchained line just reported
            self.note(entry, f"a new chain starts here (start: {why}) although the log has "
                             f"earlier lines: lines before it were removed, or files were "
                             f"put in another order", not fields.get("unlocked"))
            return
        if prev == before["hash"] and seq == before["seq"] + 1:
            return
        if fields.get("unlocked") or before.get("unlocked"):
            self.note(entry, "the chain forks where a line was appended without the lock "
                             "(a stuck lock was given up): it cannot vouch for this point",
                      False)
            return
        self.note(entry, self.describe_break(index, fields, before), True)

    def describe_break(self, index: int, fields: dict, before: dict) -> str:
        prev, seq = fields["prev"], fields["seq"]
        first_at = self.position.get(fields["hash"], index)
        if first_at < index:
            other = self.entries[first_at]
            return f"reordered: repeats line {other.path}:{other.line} (seq {seq})"
        found = self.position.get(prev)
        if found is not None and found > index:
            other = self.entries[found]
            return (f"reordered: this line (seq {seq}) comes before "
                    f"{other.path}:{other.line} (seq {other.fields['seq']}), which it follows")
        if found is not None:
            other = self.entries[found]
            return (f"reordered: this line (seq {seq}) follows {other.path}:{other.line} "
                    f"(seq {other.fields['seq']}), not the line before it (seq "
                    f"{before['seq']}): lines were inserted or moved")
        if seq > before["seq"] + 1:
            gone = seq - before["seq"] - 1
            return (f"missing: {gone} line(s) (seq {before['seq'] + 1}..{seq - 1}) before "
                    f"this one")
        return (f"replaced: this line (seq {seq}) follows a line that is not in the log; the "
                f"line before it (seq {before['seq']}) is another one")


def verify_files(paths: list[str]) -> Report:
    """Check the chain over `paths`, in that order (e.g. a copy shipped off the machine)."""
    blobs = []
    for path in paths:
        with open(path, "rb") as f:
            blobs.append((path, f.read()))
    return verify_blobs(blobs)


def verify_log(log_file: str) -> Report:
    """Check the chain over every file of the log configured as `log_file`, read under the
    shared lock (no line is appended and no file started while we read)."""
    from . import auditlog

    return verify_blobs(auditlog.snapshot(log_file))
