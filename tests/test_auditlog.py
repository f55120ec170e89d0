from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import filelock
import pytest
from importcheck import REPO, heavy_imports

from prempti_hook import auditchain, auditlog, auditverify, config


def _cfg(tmp_path: Path, **env: str) -> config.Config:
    environ = {"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "home")}
    environ.update(env)
    return config.load(environ)


def _lines(log_file: str) -> list[str]:
    out = []
    for path in auditlog.log_files(log_file):
        out.extend(Path(path).read_text().splitlines())
    return out


def test_append_writes_one_json_line_with_private_permissions(tmp_path):
    old = os.umask(0)  # even with a permissive umask, nothing is group/other accessible
    try:
        cfg = _cfg(tmp_path)
        auditlog.append(cfg, {"verdict": "deny", "text": "caf\u00e9 \udc80 \x1b[31m"})
    finally:
        os.umask(old)
    first = auditlog.numbered_path(cfg.log_file, 1)
    assert os.readlink(cfg.log_file) == os.path.basename(first)  # events.jsonl -> newest
    data = Path(first).read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    record = json.loads(data)
    assert record.pop("chain")["seq"] == 1
    assert record == {"verdict": "deny", "text": "caf\u00e9 \udc80 \x1b[31m"}
    assert data.isascii()  # control characters and lone surrogates are escaped
    for folder in (cfg.prempti_home, cfg.log_dir):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    for path in (first, cfg.log_file + ".lock"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_unserializable_record_is_an_oserror_and_writes_nothing(tmp_path):
    cfg = _cfg(tmp_path)
    deep: list = []
    for _ in range(100000):
        deep = [deep]
    for bad in ({"x": object()}, {"x": float("nan")}, {"x": deep}):
        with pytest.raises(OSError, match="cannot be written as JSON"):
            auditlog.append(cfg, bad)
    assert not os.path.lexists(cfg.log_file) and auditlog.log_files(cfg.log_file) == []


def _record(n: int, pad: int = 40) -> bytes:
    return json.dumps({"n": n, "pad": "x" * pad}).encode()


def _ns(path) -> list[int]:
    return [json.loads(line)["n"] for line in Path(path).read_text().splitlines()]


def test_new_files_are_numbered_never_renamed_and_the_oldest_dropped(tmp_path):
    log = str(tmp_path / "log" / "events.jsonl")
    size = len(auditchain.seal(_record(0), auditchain.Link(9, "0" * 64))[0])
    inodes = {}
    for n in range(10):
        auditlog.append_line(log, _record(n), max_bytes=2 * size, backups=2)
        for path in auditlog.numbered_files(log):
            inodes.setdefault(path, os.stat(path).st_ino)
            assert os.stat(path).st_ino == inodes[path]  # a file keeps its name for life
    # two lines per file, three files kept: lines 4..9 survive, in files 3, 4, 5
    assert [os.path.basename(p) for p in auditlog.log_files(log)] == [
        "events-00000003.jsonl", "events-00000004.jsonl", "events-00000005.jsonl"]
    assert [_ns(p) for p in auditlog.log_files(log)] == [[4, 5], [6, 7], [8, 9]]
    assert os.readlink(log) == "events-00000005.jsonl"
    assert [r["n"] for r in auditlog.LogReader(log)] == [4, 5, 6, 7, 8, 9]
    assert auditverify.verify_log(log).broken == []  # the chain runs across the files


def test_a_line_larger_than_the_limit_is_written_whole(tmp_path):
    log = str(tmp_path / "events.jsonl")
    small, huge = b'{"n":1}', json.dumps({"n": 2, "pad": "y" * 5000}).encode()
    for body in (small, huge, small):
        auditlog.append_line(log, body, max_bytes=300, backups=3)
    files = auditlog.log_files(log)
    assert [_ns(p) for p in files] == [[1], [2], [1]]
    assert os.path.getsize(files[1]) > 5000


def test_zero_backups_starts_over_and_zero_size_never_rotates(tmp_path):
    log = str(tmp_path / "events.jsonl")
    for n in range(3):
        auditlog.append_line(log, b'{"n":%d}' % n, max_bytes=10, backups=0)
    assert [_ns(p) for p in auditlog.log_files(log)] == [[2]]
    other = str(tmp_path / "other.jsonl")
    for n in range(50):
        auditlog.append_line(other, b'{"n":%d}' % n, max_bytes=0, backups=3)
    assert [len(_ns(p)) for p in auditlog.log_files(other)] == [50]


def test_a_symlink_planted_at_events_jsonl_is_never_written_through(tmp_path):
    cfg = _cfg(tmp_path)
    os.makedirs(cfg.log_dir)
    target = tmp_path / "bashrc"
    target.write_text("original\n")
    os.symlink(target, cfg.log_file)
    assert auditlog.append(cfg, {"verdict": "allow"}) is None
    assert target.read_text() == "original\n"
    assert os.readlink(cfg.log_file) == "events-00000001.jsonl"  # the link was replaced
    assert [r["verdict"] for r in auditlog.LogReader(cfg.log_file)] == ["allow"]


def test_a_symlink_planted_at_a_numbered_file_is_refused(tmp_path):
    cfg = _cfg(tmp_path)
    os.makedirs(cfg.log_dir)
    target = tmp_path / "bashrc"
    target.write_text("original\n")
    os.symlink(target, auditlog.numbered_path(cfg.log_file, 1))
    with pytest.raises(OSError):
        auditlog.append(cfg, {"verdict": "allow"})
    assert target.read_text() == "original\n"


def test_unwritable_log_folder_raises_oserror(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits: make the log folder's path a file instead
        cfg = _cfg(tmp_path)
        os.makedirs(cfg.prempti_home)
        Path(cfg.log_dir).write_text("not a folder")
    else:
        cfg = _cfg(tmp_path)
        os.makedirs(cfg.log_dir)
        os.chmod(cfg.log_dir, 0o500)
    with pytest.raises(OSError):
        auditlog.append(cfg, {"verdict": "allow"})


def test_reader_skips_and_counts_torn_and_foreign_lines(tmp_path):
    log = tmp_path / "events.jsonl"
    (tmp_path / "events.jsonl.2").write_bytes(b'{"n":1}\n{"n":2,"tor')
    (tmp_path / "events.jsonl.1").write_bytes(b'not json\n[1,2]\n\n{"n":3}\n\xff\xfe\n')
    log.write_bytes(b'{"n":4}\n')
    (tmp_path / "events-00000007.jsonl").write_bytes(b'{"n":6}\n')
    (tmp_path / "events-00000002.jsonl").write_bytes(b'{"n":5}\n')
    (tmp_path / "events.jsonl.lock").write_bytes(b"")
    (tmp_path / "events.jsonl.bak").write_bytes(b'{"n":99}\n')
    (tmp_path / "events.jsonl.x1").write_bytes(b'{"n":98}\n')
    (tmp_path / "events-x.jsonl").write_bytes(b'{"n":97}\n')
    reader = auditlog.LogReader(str(log))
    assert [r["n"] for r in reader] == [1, 3, 4, 5, 6]  # older version's files first
    assert reader.skipped == 4  # the torn line, "not json", a list, undecodable bytes
    assert auditlog.total_size(str(log)) == (sum(
        os.path.getsize(tmp_path / n) for n in ("events.jsonl", "events.jsonl.1",
                                                "events.jsonl.2", "events-00000002.jsonl",
                                                "events-00000007.jsonl")), 5)


def test_an_older_versions_log_is_kept_read_first_and_rotated_away_in_turn(tmp_path):
    log = tmp_path / "events.jsonl"
    (tmp_path / "events.jsonl.1").write_bytes(b'{"n":1}\n')
    log.write_bytes(b'{"n":2}\n')
    line = len(auditchain.seal(b'{"n":10}', auditchain.Link(9, "0" * 64))[0])
    auditlog.append_line(str(log), b'{"n":3}', max_bytes=line, backups=3)
    assert os.readlink(log) == "events-00000001.jsonl"
    assert (tmp_path / "events.jsonl.0").read_bytes() == b'{"n":2}\n'  # moved aside, whole
    assert [r["n"] for r in auditlog.LogReader(str(log))] == [1, 2, 3]
    report = auditverify.verify_log(str(log))
    assert report.broken == [] and "2 line(s) before the chain began" in report.findings[0].message
    for n in range(4, 7):
        auditlog.append_line(str(log), b'{"n":%d}' % n, max_bytes=line, backups=3)
    assert [r["n"] for r in auditlog.LogReader(str(log))] == [3, 4, 5, 6]
    assert not (tmp_path / "events.jsonl.0").exists() and not (tmp_path / "events.jsonl.1").exists()


def test_reader_of_a_missing_log_is_empty_and_creates_nothing(tmp_path):
    log = tmp_path / "nowhere" / "events.jsonl"
    reader = auditlog.LogReader(str(log))
    assert list(reader) == [] and reader.skipped == 0
    assert not (tmp_path / "nowhere").exists()


def test_hot_path_imports_nothing_heavy():
    assert heavy_imports("from prempti_hook import auditlog") == set()


# Locking -----------------------------------------------------------------------------------

_CHILD = """
import os, sys
sys.path.insert(0, {repo!r})
from prempti_hook import auditlog, jsonio
os.read(0, 1)  # start barrier: every child blocks here until the parent closes the pipe
n = int(sys.argv[1])
line = (jsonio.dumps({{"n": n, "pid": os.getpid(), "pad": "z" * (97 * (n % 7))}}) + "\\n")
auditlog.append_line({log!r}, line.encode(), max_bytes={max_bytes}, backups={backups})
"""


def _spawn_appenders(log: str, count: int, max_bytes: int, backups: int) -> list[int]:
    code = _CHILD.format(repo=str(REPO), log=log, max_bytes=max_bytes, backups=backups)
    read_end, write_end = os.pipe()
    procs = []
    try:
        for n in range(count):
            procs.append(subprocess.Popen([sys.executable, "-I", "-S", "-c", code, str(n)],
                                          stdin=read_end, stderr=subprocess.PIPE))
    finally:
        os.close(read_end)
        os.close(write_end)  # go
    failures = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failures.append(err.decode(errors="replace"))
    assert failures == []
    return [p.pid for p in procs]


@pytest.mark.slow
def test_200_concurrent_processes_lose_and_tear_nothing_and_chain_every_line(tmp_path):
    log = str(tmp_path / "log" / "events.jsonl")
    max_bytes = 1500
    _spawn_appenders(log, 200, max_bytes=max_bytes, backups=1000)
    lines = _lines(log)
    assert len(lines) == 200
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    assert sorted(r["n"] for r in records) == list(range(200))
    assert [r["chain"]["seq"] for r in records] == list(range(1, 201))  # one chain, in order
    assert len(auditlog.numbered_files(log)) > 10  # the tiny limit really rotated, a lot
    for path in auditlog.log_files(log):
        data = Path(path).read_bytes()
        assert data.endswith(b"\n")
        assert len(data) <= max_bytes or data.count(b"\n") == 1
    reader = auditlog.LogReader(log)
    assert sorted(r["n"] for r in reader) == list(range(200)) and reader.skipped == 0
    report = auditverify.verify_log(log)
    assert report.findings == [] and report.chained == 200, [str(f) for f in report.findings]


def test_filelock_holder_blocks_our_append_until_it_releases(tmp_path):
    log = str(tmp_path / "events.jsonl")
    lock = filelock.FileLock(log + auditlog.LOCK_SUFFIX)
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
            f"from prempti_hook import auditlog\n"
            f"auditlog.append_line({log!r}, b'{{\"n\":1}}', 0, 3)")
    with lock:
        child = subprocess.Popen([sys.executable, "-I", "-S", "-c", code])
        time.sleep(0.7)
        assert child.poll() is None  # still waiting for the lock
        assert auditlog.log_files(log) == []
    assert child.wait(timeout=30) == 0
    assert [r["n"] for r in auditlog.LogReader(log)] == [1]


def test_our_lock_blocks_a_filelock_user(tmp_path):
    log = str(tmp_path / "events.jsonl")
    fd = auditlog._lock(log, exclusive=True)
    try:
        with pytest.raises(filelock.Timeout):
            filelock.FileLock(log + auditlog.LOCK_SUFFIX, timeout=0.3).acquire()
    finally:
        os.close(fd)
    got = filelock.FileLock(log + auditlog.LOCK_SUFFIX, timeout=5)
    with got:
        assert got.is_locked


def test_readers_wait_for_a_writer_holding_the_lock(tmp_path):
    log = str(tmp_path / "events.jsonl")
    auditlog.append_line(log, b'{"n":1}', 0, 3)
    fd = auditlog._lock(log, exclusive=True)
    result: list = []
    reader = threading.Thread(target=lambda: result.append(
        [r["n"] for r in auditlog.LogReader(log)]))
    reader.start()
    time.sleep(0.3)
    assert result == []  # blocked behind the writer
    os.close(fd)
    reader.join(10)
    assert result == [[1]]


def test_a_stuck_lock_costs_the_wait_not_the_line(tmp_path, monkeypatch):
    """A holder that never writes (stuck, or an agent holding the lock on purpose) is waited
    for LOCK_STALL_SECONDS; then the line goes in without the lock, marked so in its chain,
    and the caller is told."""
    monkeypatch.setattr(auditlog, "LOCK_STALL_SECONDS", 0.3)
    log = str(tmp_path / "events.jsonl")
    auditlog.append_line(log, b'{"n":1}', 0, 3)
    holder = auditlog._lock(log, exclusive=True)  # another open file: flock conflicts
    try:
        started = time.monotonic()
        notice = auditlog.append_line(log, b'{"n":2}', 0, 3)
        waited = time.monotonic() - started
    finally:
        os.close(holder)
    assert 0.3 <= waited < 5
    assert notice is not None and "appended without the lock" in notice
    assert auditlog.append_line(log, b'{"n":3}', 0, 3) is None  # free again: no notice
    records = list(auditlog.LogReader(log))
    assert [r["n"] for r in records] == [1, 2, 3]
    assert [r["chain"].get("unlocked", False) for r in records] == [False, True, False]
    # Nobody wrote in between: the unlocked line still chains, and so does the next one.
    report = auditverify.verify_log(log)
    assert report.findings == [] and report.unlocked == 1


def _hold(log: str) -> subprocess.Popen:
    """Another process that takes the log lock and sits on it (an agent doing it on purpose)."""
    code = (f"import sys, time; sys.path.insert(0, {str(REPO)!r})\n"
            f"from prempti_hook import auditlog\n"
            f"fd = auditlog._lock({log!r}, exclusive=True)\n"
            f"print('held', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-I", "-S", "-c", code], stdout=subprocess.PIPE)
    assert holder.stdout.readline() == b"held\n"
    return holder


def test_a_deadline_that_has_passed_gives_a_held_lock_only_a_short_look(tmp_path):
    """The hook shares one deadline between its lock waits: the log lock, reached after the
    deadline, is given up after MIN_STALL_SECONDS, not another LOCK_STALL_SECONDS."""
    log = str(tmp_path / "events.jsonl")
    holder = _hold(log)
    try:
        started = time.monotonic()
        notice = auditlog.append_line(log, b'{"n":1}', 0, 3, deadline=started - 1.0)
        past = time.monotonic() - started
        started = time.monotonic()
        auditlog.append_line(log, b'{"n":2}', 0, 3, deadline=started + 1.0)
        ahead = time.monotonic() - started
        started = time.monotonic()
        auditlog.append_line(log, b'{"n":3}', 0, 3)  # no deadline: today's 2 s
        without = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert "appended without the lock" in notice
    assert auditlog.MIN_STALL_SECONDS <= past < auditlog.MIN_STALL_SECONDS + 1.0
    assert 1.0 <= ahead < 2.0
    assert auditlog.LOCK_STALL_SECONDS <= without < auditlog.LOCK_STALL_SECONDS + 1.0
    assert [r["n"] for r in auditlog.LogReader(log)] == [1, 2, 3]


def test_a_holder_that_fakes_progress_cannot_hold_a_call_past_its_deadline(tmp_path):
    """Writing the lock file makes a queue look alive; past the deadline a live queue is
    waited for LOCK_STALL_SECONDS more at most, so faking it buys a few seconds, not 20."""
    log = str(tmp_path / "events.jsonl")
    code = (f"import os, sys, time; sys.path.insert(0, {str(REPO)!r})\n"
            f"from prempti_hook import auditlog\n"
            f"fd = auditlog._lock({log!r}, exclusive=True)\n"
            f"print('held', flush=True)\n"
            f"for n in range(1000):\n"
            f"    os.pwrite(fd, b'%d fake\\n' % n, 0); time.sleep(0.1)")
    holder = subprocess.Popen([sys.executable, "-I", "-S", "-c", code], stdout=subprocess.PIPE)
    assert holder.stdout.readline() == b"held\n"
    try:
        started = time.monotonic()
        notice = auditlog.append_line(log, b'{"n":1}', 0, 3, deadline=started + 0.5)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert "appended without the lock" in notice
    assert took < 0.5 + auditlog.LOCK_STALL_SECONDS + auditlog.MIN_STALL_SECONDS + 0.5, took


def test_waiters_on_a_held_lock_do_not_keep_each_other_waiting(tmp_path):
    """Lines appended without the lock are not progress: ten waiters behind a held lock all
    give up after about LOCK_STALL_SECONDS, not ten times that."""
    log = str(tmp_path / "log" / "events.jsonl")
    os.makedirs(os.path.dirname(log))
    holder = _hold(log)
    try:
        started = time.monotonic()
        _spawn_appenders(log, 10, max_bytes=0, backups=3)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert took < auditlog.LOCK_STALL_SECONDS + 3.0
    assert sorted(r["n"] for r in auditlog.LogReader(log)) == list(range(10))
    assert auditverify.verify_log(log).broken == []  # forks are notes, not breaks


# Bounds -----------------------------------------------------------------------------------

def _giant_record(paths: int) -> dict:
    names = [f"/home/u/project/src/module_{i:05d}/file_{i:05d}.py" for i in range(paths)]
    return {"time": "2026-12-06T10:00:00.000000000Z", "rule": "r", "verdict": "none",
            "output": "o", "reason": "why",
            "output_fields": {"tool.name": "Bash", "tool.input_command": "cat " + " ".join(names),
                              "tool.cmd.paths": names, "tool.cmd.args": names,
                              "agent.cwd": "/home/u/project"}}


def test_a_huge_record_is_cut_to_the_line_cap_and_says_what_was_cut(tmp_path):
    cfg = _cfg(tmp_path)
    auditlog.append(cfg, _giant_record(8000))
    raw = Path(auditlog.numbered_files(cfg.log_file)[0]).read_bytes()
    assert len(raw) <= auditlog.LINE_MAX_BYTES
    record = json.loads(raw)
    fields = record["output_fields"]
    assert fields["agent.cwd"] == "/home/u/project" and fields["tool.name"] == "Bash"
    assert record["reason"] == "why" and record["rule"] == "r"  # small values stay whole
    note = record["truncated"]
    assert note["line_bytes"] > 1_000_000
    cut = note["cut"]
    assert set(cut) == {"output_fields.tool.input_command", "output_fields.tool.cmd.paths",
                        "output_fields.tool.cmd.args"}
    assert cut["output_fields.tool.cmd.paths"]["items"] == 8000
    kept = cut["output_fields.tool.cmd.paths"]["kept_items"]
    assert 10 < kept < 8000 and len(fields["tool.cmd.paths"]) == kept + 1
    assert fields["tool.cmd.paths"][-1] == f"...[{8000 - kept} more items]"
    assert fields["tool.input_command"].endswith(" more characters]")
    assert auditverify.verify_log(cfg.log_file).findings == []


def test_a_burst_of_huge_calls_cannot_rotate_a_deny_out_of_the_default_log(tmp_path):
    """The red-team case: 33 calls of 8,000 paths rotated a deny out of every kept file of
    the default 10 MiB x 3 log. Capped at 64 KiB, that takes over 600 such calls."""
    cfg = _cfg(tmp_path)
    auditlog.append(cfg, {"verdict": "deny", "rule": "the evidence"})
    giant = _giant_record(8000)
    for _ in range(40):
        auditlog.append(cfg, giant)
    size, files = auditlog.total_size(cfg.log_file)
    assert size < 40 * auditlog.LINE_MAX_BYTES + 4096 and files == 1
    assert next(r["rule"] for r in auditlog.LogReader(cfg.log_file)) == "the evidence"
    per_line = size / 41
    assert (cfg.log_max_bytes * (cfg.log_backups + 1)) / per_line > 600


# The chain against a writer that is told the truth ------------------------------------------

def test_lines_cut_from_the_end_show_as_missing(tmp_path):
    """The lock file witnesses where the chain stands, so cutting the newest lines (or
    deleting the newest file) does not let the chain quietly go on from an older line."""
    log = str(tmp_path / "events.jsonl")
    for n in range(5):
        auditlog.append_line(log, b'{"n":%d}' % n, 0, 3)
    path = auditlog.numbered_files(log)[0]
    lines = Path(path).read_bytes().splitlines(keepends=True)
    Path(path).write_bytes(b"".join(lines[:3]))  # the last two lines erased
    auditlog.append_line(log, b'{"n":5}', 0, 3)
    report = auditverify.verify_log(log)
    assert [f.message for f in report.broken] == [
        "missing: 2 line(s) (seq 4..5) before this one"]
    assert report.broken[0].line == 4


def test_a_torn_last_line_stays_apart_and_the_chain_goes_on(tmp_path):
    log = str(tmp_path / "events.jsonl")
    auditlog.append_line(log, b'{"n":1}', 0, 3)
    with open(auditlog.numbered_files(log)[0], "ab") as f:
        f.write(b'{"n":2,"to')  # a full disk cut a write short
    auditlog.append_line(log, b'{"n":3}', 0, 3)
    reader = auditlog.LogReader(log)
    assert [r["n"] for r in reader] == [1, 3] and reader.skipped == 1
    report = auditverify.verify_log(log)
    assert [(f.line, f.message.split(" (")[0]) for f in report.broken] == [
        (2, "not a chained audit line")]
    records = list(auditlog.LogReader(log))
    assert records[1]["chain"]["prev"] == records[0]["chain"]["hash"]


def test_the_chain_costs_one_small_read_per_line(tmp_path):
    """The writer reads the last TAIL_BYTES of the newest file, not the file."""
    log = str(tmp_path / "events.jsonl")
    auditlog.append_line(log, json.dumps({"pad": "p" * 200_000}).encode(), 0, 3)
    reads = []
    real = os.pread
    try:
        os.pread = lambda fd, n, at: reads.append(n) or real(fd, n, at)
        auditlog.append_line(log, b'{"n":2}', 0, 3)
    finally:
        os.pread = real
    assert reads and max(reads) <= auditlog.TAIL_BYTES


def test_a_folder_planted_at_events_jsonl_costs_nothing_and_leaves_nothing(tmp_path):
    log = tmp_path / "events.jsonl"
    log.mkdir()
    auditlog.append_line(str(log), b'{"n":1}', 0, 3)
    assert sorted(os.listdir(tmp_path)) == ["events-00000001.jsonl", "events.jsonl",
                                            "events.jsonl.lock"]
    assert log.is_dir() and [r["n"] for r in auditlog.LogReader(str(log))] == [1]


def test_a_provisioned_log_in_a_folder_the_hook_cannot_write_is_appended_to():
    """The hardened install: root owns the folder and provisions one `events.jsonl` per user
    (append-only), rotated by root's logrotate (a rename). The hook, running as the user,
    appends there, and the chain goes on across root's rotation."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")
    if os.geteuid() != 0 or not python:
        pytest.skip("runs as root only (root provisions the log, the hook runs as a user)")
    root = Path(tempfile.mkdtemp(prefix="prempti-auditlog-"))
    try:
        os.chmod(root, 0o755)
        shutil.copytree(REPO / "prempti_hook", root / "prempti_hook",
                        ignore=shutil.ignore_patterns("__pycache__"))
        folder = root / "log"
        folder.mkdir(mode=0o755)
        log = folder / "events.jsonl"
        nobody = 65534
        for path in (log, folder / "events.jsonl.lock"):
            path.write_bytes(b"")
            os.chown(path, nobody, nobody)
        code = (f"import os, sys; os.setgid({nobody}); os.setuid({nobody})\n"
                f"sys.path.insert(0, {str(root)!r})\n"
                f"from prempti_hook import auditlog\n"
                f"for n in range(int(sys.argv[1]), int(sys.argv[2])):\n"
                f"    assert auditlog.append_line({str(log)!r}, b'{{\"n\":%d}}' % n, 0, 3) is None")
        subprocess.run([python, "-I", "-S", "-B", "-c", code, "0", "3"], check=True)
        os.rename(log, folder / "events.jsonl.1")  # root's logrotate: rename, then create
        log.write_bytes(b"")
        os.chown(log, nobody, nobody)
        subprocess.run([python, "-I", "-S", "-B", "-c", code, "3", "5"], check=True)
        assert sorted(os.listdir(folder)) == ["events.jsonl", "events.jsonl.1",
                                              "events.jsonl.lock"]
        assert [r["n"] for r in auditlog.LogReader(str(log))] == [0, 1, 2, 3, 4]
        report = auditverify.verify_log(str(log))
        assert report.findings == [] and report.chained == 5
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_an_unlocked_writer_that_finds_the_first_file_made_meanwhile_appends_on_a_new_line(
        tmp_path, monkeypatch):
    # Writers past a stuck lock race: one lists no file, another creates the first one and
    # leaves a torn line. The late writer must read that file's end, not fail (EBADF on a
    # write-only descriptor) and lose its line.
    log = str(tmp_path / "events.jsonl")
    first = auditlog.numbered_path(log, 1)
    Path(first).write_bytes(b'{"torn": ')
    monkeypatch.setattr(auditlog, "_numbers", lambda log_file, names: [])
    auditlog._append_chained(log, b'{"n": 1}', 0, 0, None)
    lines = Path(first).read_bytes().split(b"\n")
    assert lines[0] == b'{"torn": ' and json.loads(lines[1])["n"] == 1


def test_an_alarm_that_comes_as_the_wait_ends_is_not_an_error(tmp_path, monkeypatch):
    """The wait's timer can run out just as the lock is taken; its alarm is then handled a
    few instructions later. Outside a wait it does nothing; one that escapes a wait is a
    stalled lock (the line is appended without the lock, and the call is told), never an
    internal error (seen with 500 hooks at once)."""
    auditlog._on_alarm(14, None)  # no wait in progress: nothing happens
    monkeypatch.setattr(auditlog, "_WAITING", [True])
    with pytest.raises(auditlog._LockAlarm):
        auditlog._on_alarm(14, None)

    def late_alarm(fd, mode, lock_path, deadline):
        raise auditlog._LockAlarm()

    log_file = str(tmp_path / "events.jsonl")
    holder = os.open(log_file + auditlog.LOCK_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    monkeypatch.setattr(auditlog, "_flock_patiently", late_alarm)
    try:
        notice = auditlog.append_line(log_file, b'{"a":1}', 10 ** 6, 3)
    finally:
        os.close(holder)
    assert notice is not None and "without the lock" in notice
    records = list(auditlog.LogReader(log_file))
    assert [r["a"] for r in records] == [1] and records[0]["chain"]["unlocked"] is True
