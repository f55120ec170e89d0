from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import filelock
import pytest
from importcheck import REPO, heavy_imports

from prempti_hook import auditlog, config


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
    data = Path(cfg.log_file).read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert json.loads(data) == {"verdict": "deny", "text": "caf\u00e9 \udc80 \x1b[31m"}
    assert data.isascii()  # control characters and lone surrogates are escaped
    for folder in (cfg.prempti_home, cfg.log_dir):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    for path in (cfg.log_file, cfg.log_file + ".lock"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_unserializable_record_is_an_oserror_and_writes_nothing(tmp_path):
    cfg = _cfg(tmp_path)
    deep: list = []
    for _ in range(100000):
        deep = [deep]
    for bad in ({"x": object()}, {"x": float("nan")}, {"x": deep}):
        with pytest.raises(OSError, match="cannot be written as JSON"):
            auditlog.append(cfg, bad)
    assert not os.path.exists(cfg.log_file)


def test_rotation_keeps_newest_first_and_drops_the_oldest(tmp_path):
    log = str(tmp_path / "log" / "events.jsonl")
    line = lambda n: (json.dumps({"n": n, "pad": "x" * 40}) + "\n").encode()  # noqa: E731
    size = len(line(0))
    for n in range(10):
        auditlog.append_line(log, line(n), max_bytes=2 * size, backups=2)
    # two lines per file, three files kept: lines 4..9 survive
    assert [json.loads(x)["n"] for x in Path(log).read_text().splitlines()] == [8, 9]
    assert [json.loads(x)["n"] for x in Path(log + ".1").read_text().splitlines()] == [6, 7]
    assert [json.loads(x)["n"] for x in Path(log + ".2").read_text().splitlines()] == [4, 5]
    assert not os.path.exists(log + ".3")
    assert [r["n"] for r in auditlog.LogReader(log)] == [4, 5, 6, 7, 8, 9]


def test_a_line_larger_than_the_limit_is_written_whole(tmp_path):
    log = str(tmp_path / "events.jsonl")
    small = b'{"n":1}\n'
    huge = (json.dumps({"n": 2, "pad": "y" * 5000}) + "\n").encode()
    auditlog.append_line(log, small, max_bytes=100, backups=3)
    auditlog.append_line(log, huge, max_bytes=100, backups=3)
    auditlog.append_line(log, small, max_bytes=100, backups=3)
    assert Path(log + ".2").read_bytes() == small
    assert Path(log + ".1").read_bytes() == huge
    assert Path(log).read_bytes() == small


def test_zero_backups_starts_over_and_zero_size_never_rotates(tmp_path):
    log = str(tmp_path / "events.jsonl")
    for n in range(3):
        auditlog.append_line(log, b'{"n":%d}\n' % n, max_bytes=10, backups=0)
    assert Path(log).read_bytes() == b'{"n":2}\n'
    assert auditlog.rotated_files(log) == []
    other = str(tmp_path / "other.jsonl")
    for n in range(50):
        auditlog.append_line(other, b'{"n":%d}\n' % n, max_bytes=0, backups=3)
    assert len(Path(other).read_text().splitlines()) == 50


def test_symlink_at_the_log_path_is_refused_and_its_target_untouched(tmp_path):
    cfg = _cfg(tmp_path)
    os.makedirs(cfg.log_dir)
    target = tmp_path / "bashrc"
    target.write_text("original\n")
    os.symlink(target, cfg.log_file)
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
    (tmp_path / "events.jsonl.lock").write_bytes(b"")
    (tmp_path / "events.jsonl.bak").write_bytes(b'{"n":99}\n')
    (tmp_path / "events.jsonl.x1").write_bytes(b'{"n":98}\n')
    reader = auditlog.LogReader(str(log))
    assert [r["n"] for r in reader] == [1, 3, 4]
    assert reader.skipped == 4  # the torn line, "not json", a list, undecodable bytes
    assert auditlog.total_size(str(log)) == (sum(
        os.path.getsize(tmp_path / n) for n in ("events.jsonl", "events.jsonl.1",
                                                "events.jsonl.2")), 3)


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
def test_200_concurrent_processes_lose_and_tear_nothing(tmp_path):
    log = str(tmp_path / "log" / "events.jsonl")
    max_bytes = 1500
    _spawn_appenders(log, 200, max_bytes=max_bytes, backups=1000)
    lines = _lines(log)
    assert len(lines) == 200
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    assert sorted(r["n"] for r in records) == list(range(200))
    assert len(auditlog.rotated_files(log)) > 10  # the tiny limit really rotated, a lot
    for path in auditlog.log_files(log):
        data = Path(path).read_bytes()
        assert data.endswith(b"\n")
        assert len(data) <= max_bytes or data.count(b"\n") == 1
    reader = auditlog.LogReader(log)
    assert sorted(r["n"] for r in reader) == list(range(200)) and reader.skipped == 0


def test_filelock_holder_blocks_our_append_until_it_releases(tmp_path):
    log = str(tmp_path / "events.jsonl")
    lock = filelock.FileLock(log + auditlog.LOCK_SUFFIX)
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
            f"from prempti_hook import auditlog\n"
            f"auditlog.append_line({log!r}, b'{{\"n\":1}}\\n', 0, 3)")
    with lock:
        child = subprocess.Popen([sys.executable, "-I", "-S", "-c", code])
        time.sleep(0.7)
        assert child.poll() is None  # still waiting for the lock
        assert not os.path.exists(log)
    assert child.wait(timeout=30) == 0
    assert Path(log).read_text() == '{"n":1}\n'


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
    auditlog.append_line(log, b'{"n":1}\n', 0, 3)
    fd = auditlog._lock(log, exclusive=True)
    result: list = []
    reader = threading.Thread(target=lambda: result.append(list(auditlog.LogReader(log))))
    reader.start()
    time.sleep(0.3)
    assert result == []  # blocked behind the writer
    os.close(fd)
    reader.join(10)
    assert result == [[{"n": 1}]]


def test_a_stuck_lock_costs_the_wait_not_the_line(tmp_path, monkeypatch):
    """A holder that never writes (stuck, or an agent holding the lock on purpose) is waited
    for LOCK_STALL_SECONDS; then the line goes in without the lock, and the caller is told."""
    monkeypatch.setattr(auditlog, "LOCK_STALL_SECONDS", 0.3)
    log = str(tmp_path / "events.jsonl")
    auditlog.append_line(log, b'{"n":1}\n', 0, 3)
    holder = auditlog._lock(log, exclusive=True)  # another open file: flock conflicts
    try:
        started = time.monotonic()
        notice = auditlog.append_line(log, b'{"n":2}\n', 0, 3)
        waited = time.monotonic() - started
    finally:
        os.close(holder)
    assert 0.3 <= waited < 5
    assert notice is not None and "appended without the lock" in notice
    assert Path(log).read_text() == '{"n":1}\n{"n":2}\n'
    assert auditlog.append_line(log, b'{"n":3}\n', 0, 3) is None  # free again: no notice
