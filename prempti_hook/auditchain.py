"""The hash chain of the audit log: every line commits to the line before it.

Hot path (the writer seals one line per hook call): SHA-256 from the interpreter's built-in
module, no `hashlib` (which loads OpenSSL), no `json`.

Every line ends with its chain object, always the last key, always in this form:

    {...record...,"chain":{"seq":S,"prev":P[,"start":"W"][,"unlocked":true],"hash":"H"}}

- `hash` (H): SHA-256, lowercase hex, of the line's bytes from the first `{` up to and
  including `"hash":"`. It covers the record, `seq`, `prev` and the flags, so changing any
  byte of the line before it shows.
- `prev` (P): the `hash` of the line before, in quotes; `null` where a chain starts.
- `seq` (S): 1 where a chain starts, then +1 per line. A gap says how many lines are
  missing, a step back that lines were moved.
- `start` (W), only where a chain starts, says why there was no line to follow:
  `new` (the log was empty: a new install, or every file was removed) or `unreadable` (the
  last line of the log was not a whole chained line: torn by a full disk, written by a
  version without the chain, or edited).
- `unlocked`: the writer gave up waiting for a lock held by a stuck process and appended
  without it. It chained to the last line it could read, but another writer may have
  appended in between, so the chain cannot vouch for this point (the verifier says so).

Rotation does not start a chain: the first line of a new file follows the last line of the
previous file. A verifier therefore needs the raw lines, byte for byte (the shipping
configurations forward them unchanged).
"""

from __future__ import annotations

import sys

from . import jsonio

try:  # the built-in module, named by version (a failed import costs a path search)
    if sys.version_info >= (3, 12):
        from _sha2 import sha256
    else:
        from _sha256 import sha256
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import sha256

KEY = b',"chain":{'
HASH_KEY = b'"hash":"'
HASH_HEX = 64
END = b'"}}'
NEW = "new"
UNREADABLE = "unreadable"
# Longest chain object with its newline: seq of 20 digits, both hashes, both flags.
MAX_CHAIN_BYTES = 256
_HEX = frozenset(b"0123456789abcdef")


class Link:
    """Where the chain stands after one line: its sequence number and hash."""

    __slots__ = ("digest", "seq")

    def __init__(self, seq: int, digest: str) -> None:
        self.seq = seq
        self.digest = digest


def seal(body: bytes, prev: Link | None, start: str = NEW, unlocked: bool = False
         ) -> tuple[bytes, Link]:
    """The line (with its newline) for the record `body` (one JSON object, `{...}`),
    chained to `prev`, or starting a chain (for the reason `start`) when `prev` is None."""
    if prev is None:
        seq = 1
        head = b'"seq":1,"prev":null,"start":"%s"' % start.encode("ascii")
    else:
        seq = prev.seq + 1
        head = b'"seq":%d,"prev":"%s"' % (seq, prev.digest.encode("ascii"))
    if unlocked:
        head += b',"unlocked":true'
    joint = KEY if body != b"{}" else KEY[1:]
    prefix = body[:-1] + joint + head + b"," + HASH_KEY
    digest = sha256(prefix).hexdigest()
    return prefix + digest.encode("ascii") + END + b"\n", Link(seq, digest)


def _chain_object(line: bytes) -> tuple[int, bytes] | None:
    """(offset of `,"chain":{` in `line`, the line without its newline), or None when the
    line does not end the way the writer ends every line."""
    line = line.rstrip(b"\n")
    if not line.endswith(END) or len(line) < HASH_HEX + len(END):
        return None
    at = line.rfind(KEY)
    if at < 0:
        at = line.rfind(KEY[1:])  # an otherwise empty record
        if at != 1:
            return None
    return at, line


def parse(line: bytes) -> dict | None:
    """The chain fields of one stored line (`seq`, `prev`, `hash`, and `start`/`unlocked`
    when present) plus `sealed`, the bytes the hash covers; None when the line carries no
    chain object in the writer's form."""
    found = _chain_object(line)
    if found is None:
        return None
    at, line = found
    digest = line[-HASH_HEX - len(END):-len(END)]
    hash_at = len(line) - HASH_HEX - len(END) - len(HASH_KEY)
    if line[hash_at:hash_at + len(HASH_KEY)] != HASH_KEY or not set(digest) <= _HEX:
        return None
    try:
        fields = jsonio.loads(line[line.index(b"{", at):-1].decode("ascii"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    seq, prev = fields.get("seq"), fields.get("prev")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return None
    if prev is not None and not (isinstance(prev, str) and len(prev) == HASH_HEX):
        return None
    fields["sealed"] = line[:hash_at + len(HASH_KEY)]
    return fields


def intact(fields: dict) -> bool:
    """Whether the line that `parse` read still matches its own hash."""
    return sha256(fields["sealed"]).hexdigest() == fields["hash"]


def last_link(tail: bytes) -> Link | None:
    """The chain position of the last whole line in `tail` (the end of a log file, at least
    MAX_CHAIN_BYTES long or the whole file), or None when that line is not a chained line.
    Only the writer's fixed tail is read, not the rest of the line: verifying is the
    verifier's job, continuing the chain is the writer's."""
    if not tail.endswith(b"\n"):
        return None
    tail = tail.rstrip(b"\n")  # blank lines (a newline that kept a torn line apart) skipped
    last = tail[tail.rfind(b"\n") + 1:]
    found = _chain_object(last)
    if found is None:
        return None
    at, line = found
    digest = line[-HASH_HEX - len(END):-len(END)]
    seq_at = line.find(b'"seq":', at)
    if seq_at < 0 or not set(digest) <= _HEX:
        return None
    digits = line[seq_at + 6:line.find(b",", seq_at)]
    if not digits.isdigit() or len(digits) > 20:
        return None
    return Link(int(digits), digest.decode("ascii"))
