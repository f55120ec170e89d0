"""The hash chain: the line format, the writer's reading of the tail, and the verifier on
every kind of damage it must tell apart."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from importcheck import modules_after

from prempti_hook import auditchain, auditlog, auditverify

ZERO = auditchain.Link(1, "0" * 64)


def test_a_sealed_line_is_json_and_its_hash_is_sha256_of_its_prefix():
    line, link = auditchain.seal(b'{"rule":"r","n":1}', ZERO)
    assert line.endswith(b'"}}\n') and line.count(b"\n") == 1
    record = json.loads(line)
    assert record == {"rule": "r", "n": 1,
                      "chain": {"seq": 2, "prev": "0" * 64, "hash": link.digest}}
    prefix = line[:line.rindex(b'"hash":"') + len(b'"hash":"')]
    assert hashlib.sha256(prefix).hexdigest() == link.digest and link.seq == 2


def test_a_chain_start_and_an_unlocked_line_say_so():
    line, link = auditchain.seal(b"{}", None, auditchain.UNREADABLE, unlocked=True)
    assert json.loads(line) == {"chain": {"seq": 1, "prev": None, "start": "unreadable",
                                          "unlocked": True, "hash": link.digest}}
    fields = auditchain.parse(line)
    assert fields["start"] == "unreadable" and fields["unlocked"] is True
    assert auditchain.intact(fields)


@pytest.mark.parametrize("position", [0, 5, 12, -75, -70, -3])
def test_changing_any_byte_breaks_the_hash(position):
    line, _ = auditchain.seal(b'{"rule":"r","n":1}', ZERO)
    damaged = bytearray(line)
    damaged[position] = ord("7") if damaged[position] != ord("7") else ord("8")
    fields = auditchain.parse(bytes(damaged))
    assert fields is None or not auditchain.intact(fields)


def test_the_writer_reads_where_the_chain_stands_from_the_tail_only():
    first, link = auditchain.seal(b'{"n":1}', None)
    second, link2 = auditchain.seal(b'{"n":2,"pad":"' + b"x" * 3000 + b'"}', link)
    tail = (first + second)[-auditlog.TAIL_BYTES:]  # the second line does not fit whole
    found = auditchain.last_link(tail)
    assert (found.seq, found.digest) == (2, link2.digest)
    assert auditchain.last_link(first + b"\n\n").digest == link.digest  # blank lines skipped
    assert auditchain.last_link(first + b'{"torn') is None
    assert auditchain.last_link(first + b'{"n":3}\n') is None  # a line without a chain
    assert auditchain.last_link(b"") is None


def test_the_chain_costs_no_heavy_import():
    loaded = modules_after("from prempti_hook import auditchain, auditlog")
    assert "hashlib" not in loaded and "_hashlib" not in loaded and "json" not in loaded


# The verifier -------------------------------------------------------------------------------

def _log(tmp_path, count: int = 6, max_bytes: int = 0) -> str:
    log = str(tmp_path / "events.jsonl")
    for n in range(1, count + 1):
        auditlog.append_line(log, b'{"n":%d}' % n, max_bytes, 100)
    return log


def _lines(log: str) -> tuple[str, list[bytes]]:
    path = auditlog.numbered_files(log)[-1]
    return path, Path(path).read_bytes().splitlines(keepends=True)


def _broken(log: str) -> list[str]:
    return [f"{f.line}: {f.message}" for f in auditverify.verify_log(log).broken]


def test_an_intact_log_verifies_across_files(tmp_path):
    log = _log(tmp_path, 12, max_bytes=500)
    assert len(auditlog.numbered_files(log)) > 3
    report = auditverify.verify_log(log)
    assert report.findings == [] and report.chained == 12
    assert report.summary() == (f"audit log chain: intact (12 line(s) in {report.files} "
                                f"file(s), 12 chained, seq 1..12)")


def test_an_edited_line_is_altered(tmp_path):
    log = _log(tmp_path)
    path, lines = _lines(log)
    lines[2] = lines[2].replace(b'"n":3', b'"n":4')
    Path(path).write_bytes(b"".join(lines))
    assert _broken(log) == ["3: altered: the line (seq 3) does not match its hash"]


def test_a_deleted_line_is_missing(tmp_path):
    log = _log(tmp_path)
    path, lines = _lines(log)
    del lines[2:4]
    Path(path).write_bytes(b"".join(lines))
    assert _broken(log) == ["3: missing: 2 line(s) (seq 3..4) before this one"]


def test_swapped_lines_are_reordered(tmp_path):
    log = _log(tmp_path)
    path, lines = _lines(log)
    lines[2], lines[3] = lines[3], lines[2]
    Path(path).write_bytes(b"".join(lines))
    broken = _broken(log)
    assert broken[0].startswith("3: reordered: this line (seq 4) comes before ")
    assert ":4 (seq 3), which it follows" in broken[0]


def test_a_repeated_line_and_a_moved_line_are_reordered(tmp_path):
    log = _log(tmp_path)
    path, lines = _lines(log)
    Path(path).write_bytes(b"".join([*lines[:4], lines[1], *lines[4:]]))
    assert _broken(log)[0].startswith("5: reordered: repeats line ")
    Path(path).write_bytes(b"".join(lines[:1] + lines[2:3] + lines[1:2] + lines[3:]))
    broken = _broken(log)
    assert broken[0].startswith("2: reordered: this line (seq 3) comes before")
    assert broken[1].startswith("3: reordered: this line (seq 2) follows ")
    assert broken[1].endswith("not the line before it (seq 3): lines were inserted or moved")
    assert broken[2].startswith("4: reordered: this line (seq 4) follows ")


def test_a_forged_line_in_the_middle_breaks_the_chain_after_it(tmp_path):
    log = _log(tmp_path)
    path, lines = _lines(log)
    forged, _ = auditchain.seal(b'{"n":99}', None)
    Path(path).write_bytes(b"".join([*lines[:3], forged, *lines[3:]]))
    assert _broken(log)[0].startswith("4: a new chain starts here (start: new)")


def test_the_first_line_after_rotation_away_is_a_note_not_a_break(tmp_path):
    log = str(tmp_path / "events.jsonl")
    for n in range(1, 9):
        auditlog.append_line(log, b'{"n":%d}' % n, 200, 1)
    report = auditverify.verify_log(log)
    assert report.broken == [] and report.first_seq > 1
    assert report.findings[0].message.startswith(
        f"the chain starts at seq {report.first_seq}: the {report.first_seq - 1} line(s) "
        f"before it were rotated away")


def test_a_fork_at_an_unlocked_append_is_a_note(tmp_path):
    log = _log(tmp_path, 3)
    path, lines = _lines(log)
    # Two writers that gave up on a stuck lock, both chained to line 3.
    head = auditchain.last_link(b"".join(lines))
    one, _ = auditchain.seal(b'{"n":4}', head, unlocked=True)
    two, _ = auditchain.seal(b'{"n":5}', head, unlocked=True)
    Path(path).write_bytes(b"".join(lines) + one + two)
    report = auditverify.verify_log(log)
    assert report.broken == [] and report.unlocked == 2
    assert "appended without the lock" in report.findings[0].message


def test_a_shipped_copy_verifies_from_its_files(tmp_path, capsys, monkeypatch):
    """`logs --verify FILE...` checks a copy, e.g. what the shipper delivered."""
    from prempti_hook.commands import logs

    log = _log(tmp_path, 8, max_bytes=400)
    copy = tmp_path / "shipped.jsonl"
    copy.write_bytes(b"".join(Path(p).read_bytes() for p in auditlog.log_files(log)))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "elsewhere"))
    assert logs.main("logs", ["--verify", str(copy)]) == 0
    assert capsys.readouterr().out.endswith("intact (8 line(s) in 1 file(s), 8 chained, "
                                            "seq 1..8)\n")
    data = copy.read_bytes().replace(b'{"n":5', b'{"n":6', 1)
    copy.write_bytes(data)
    assert logs.main("logs", ["--verify", str(copy)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{copy}:5: broken: altered: the line (seq 5) does not match its hash"
    assert out[-1].startswith(f"audit log chain: BROKEN, 1 problem(s), the first at {copy}:5")


def test_verify_of_a_missing_file_is_one_line_and_exit_1(tmp_path, capsys):
    from prempti_hook.commands import logs

    assert logs.main("logs", ["--verify", str(tmp_path / "nope.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.jsonl" in err


def test_unchained_lines_of_an_older_version_are_said_not_verifiable(tmp_path):
    log = tmp_path / "events.jsonl"
    log.write_bytes(b'{"n":1}\n{"n":2}\n')
    auditlog.append_line(str(log), b'{"n":3}', 0, 3)
    report = auditverify.verify_log(str(log))
    assert report.broken == [] and report.chained == 1 and report.lines == 3
    assert report.findings[0].message.startswith("2 line(s) before the chain began")
    assert os.readlink(log).startswith("events-")
