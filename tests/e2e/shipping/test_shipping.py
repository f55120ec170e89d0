"""The audit trail leaves the machine: the real rsyslog and syslog-ng, with the shipped
configurations (install/shipping/), tail the log of the real zipapp and ship it to local
collectors (rsyslog over TCP, syslog-ng over HTTP).

- 2,000 hook calls, many at once, with a small `log_max_bytes` (dozens of new files), while
  each shipper is restarted once (and stays down long enough for files to be started
  behind its back): every line arrives exactly once at each collector, byte for byte as
  in the log, as Falco's JSON alert shape, and the hash chain of what arrived verifies.
- A shipper that is down (its collector unreachable, or the process frozen) never slows or
  blocks the hook; what was written meanwhile arrives once it is back.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import shippers

from prempti_hook import auditlog, auditverify

pytestmark = pytest.mark.e2e

PYTHON = os.path.realpath(sys.executable)
SCRATCH = Path(os.environ.get("PREMPTI_CORPUS_TMP")
               or Path.home() / ".cache" / "prempti-hook-tests")
CALLS = 2000
BATCH = 100
WORKERS = 6
LOG_MAX_BYTES = 96 * 1024  # about 40 lines per file: some 50 files for 2,000 calls
COMMANDS = ("ls -la src", "cat ~/.ssh/id_rsa", "git status", "curl https://example.com/x")
FALCO_PRIORITIES = {"Emergency", "Alert", "Critical", "Error", "Warning", "Notice",
                    "Informational", "Debug"}
RFC3339_NS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\Z")


def _need(get):
    try:
        return get()
    except shippers.Unavailable as e:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the shipping tests: {e}")
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def binaries():
    return _need(shippers.rsyslogd), _need(shippers.syslog_ng)


class Home:
    """The zipapp installed as a user's hook, with a small log rotation size."""

    def __init__(self, root: Path, zipapp: Path) -> None:
        self.root = root
        self.project = root / "project"
        self.project.mkdir(parents=True)
        self.prempti = root / ".prempti"
        (self.prempti / "bin").mkdir(parents=True)
        self.zipapp = self.prempti / "bin" / "prempti-hook"
        shutil.copy2(zipapp, self.zipapp)
        self.env = {"HOME": str(root), "PREMPTI_HOME": str(self.prempti), "PATH": "/usr/bin:/bin",
                    "PREMPTI_LOG_MAX_BYTES": str(LOG_MAX_BYTES), "PREMPTI_LOG_BACKUPS": "100000"}
        self.log_dir = self.prempti / "log"
        self.log_file = self.log_dir / "events.jsonl"

    def call(self, n: int) -> tuple[float, subprocess.CompletedProcess]:
        payload = {"session_id": "ship", "transcript_path": "", "cwd": str(self.project),
                   "permission_mode": "default", "hook_event_name": "PreToolUse",
                   "tool_name": "Bash", "tool_use_id": f"toolu_ship_{n:05d}",
                   "tool_input": {"command": COMMANDS[n % len(COMMANDS)]}}
        started = time.perf_counter()
        done = subprocess.run([PYTHON, "-I", "-S", str(self.zipapp)],
                              input=json.dumps(payload).encode(), capture_output=True,
                              env=self.env, cwd=self.project, timeout=60)
        return time.perf_counter() - started, done

    def lines(self) -> list[bytes]:
        return [line for _, blob in auditlog.snapshot(str(self.log_file))
                for line in blob.split(b"\n") if line]


@pytest.fixture
def home(built_zipapp):
    SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SCRATCH))
    try:
        home = Home(root, built_zipapp)
        assert home.call(0)[1].returncode == 0  # warm: extract, compile the rules
        yield home
    finally:
        shutil.rmtree(root, ignore_errors=True)


def falco_shape_problems(line: bytes) -> list[str]:
    """What would stop falcosidekick or a SIEM's Falco parser from taking this line as a
    Falco alert (its JSON output format)."""
    try:
        record = json.loads(line)
    except ValueError as e:
        return [f"not JSON: {e}"]
    problems = []
    for key, kind in (("time", str), ("hostname", str), ("source", str), ("rule", str),
                      ("priority", str), ("output", str), ("output_fields", dict),
                      ("tags", list)):
        if not isinstance(record.get(key), kind):
            problems.append(f"{key} is not a {kind.__name__}")
    if not problems:
        if not RFC3339_NS.match(record["time"]):
            problems.append(f"time {record['time']!r} is not RFC 3339 with ns and Z")
        if record["priority"] not in FALCO_PRIORITIES:
            problems.append(f"priority {record['priority']!r}")
        if record["source"] != "coding_agent":
            problems.append(f"source {record['source']!r}")
        if not all(isinstance(tag, str) for tag in record["tags"]):
            problems.append("a tag is not a string")
        if not record["output"].startswith(record["time"][:19]):
            problems.append("output does not start with the event time")
    return problems


def check_delivery(name: str, received: list[bytes], logged: list[bytes]) -> None:
    """Exactly once, byte for byte, Falco's shape, and a chain that verifies."""
    duplicates = len(received) - len(set(received))
    missing = set(logged) - set(received)
    foreign = set(received) - set(logged)
    assert not duplicates and not missing and not foreign, (
        f"{name}: {len(received)} received for {len(logged)} logged: {duplicates} "
        f"duplicates, {len(missing)} missing, {len(foreign)} not as logged "
        f"(e.g. {sorted(foreign)[:1]})")
    shapes = {line[:80]: falco_shape_problems(line) for line in received}
    assert not any(shapes.values()), {k: v for k, v in shapes.items() if v}
    by_seq = sorted(received, key=lambda line: json.loads(line)["chain"]["seq"])
    report = auditverify.verify_blobs([(name, b"\n".join(by_seq) + b"\n")])
    assert not report.broken and report.chained == len(logged), \
        [str(f) for f in report.findings[:3]]


# Where a system logger keeps its socket, state and pid: our own instances must not touch them.
SYSTEM_PATHS = ("/dev/log", "/var/lib/syslog-ng", "/var/spool/rsyslog", "/run/rsyslogd.pid",
                "/run/syslog-ng.pid", "/run/syslog-ng.ctl")


def _system_state() -> dict[str, float | None]:
    return {path: (os.lstat(path).st_mtime if os.path.lexists(path) else None)
            for path in SYSTEM_PATHS}


def test_every_line_arrives_exactly_once_through_rotations_and_a_restart(
        home, binaries, tmp_path):
    started = time.monotonic()
    system_before = _system_state()
    tcp, http = shippers.TcpCollector(), shippers.HttpCollector()
    tcp.start()
    http.start()
    rsyslog = shippers.start_rsyslog(tmp_path / "rsyslog", home.log_dir, tcp.port)
    syslog_ng = shippers.start_syslog_ng(tmp_path / "syslog-ng", home.log_dir, http.port,
                                         http=True)
    # Each shipper is stopped for one batch of calls (as `systemctl restart` would, but
    # long enough that new files are started while it is down), then started again.
    down_for = {8: rsyslog, 12: syslog_ng}
    files_when_down = {}
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        results = []
        with ThreadPoolExecutor(WORKERS) as pool:
            for batch, start in enumerate(range(1, CALLS, BATCH)):
                daemon = down_for.get(batch)
                if daemon:
                    before = len(auditlog.numbered_files(str(home.log_file)))
                    daemon.stop()
                results += list(pool.map(home.call, range(start, min(start + BATCH, CALLS))))
                if daemon:
                    files_when_down[daemon.name] = \
                        len(auditlog.numbered_files(str(home.log_file))) - before
                    daemon.start()
        failed = [(done.returncode, done.stdout[:200], done.stderr[:300])
                  for _, done in results if done.returncode != 0 or done.stderr]
        assert not failed, failed[:3]
        logged = home.lines()
        assert len(logged) == CALLS
        files = auditlog.numbered_files(str(home.log_file))
        assert len(files) > 20, f"only {len(files)} files: rotation barely ran"
        assert all(n >= 2 for n in files_when_down.values()), files_when_down
        assert rsyslog.starts == 2 and syslog_ng.starts == 2
        got_tcp = tcp.wait_for(len(logged), timeout=60)
        got_http = http.wait_for(len(logged), timeout=60)
        assert rsyslog.alive(), rsyslog.output()[-2000:]
        assert syslog_ng.alive(), syslog_ng.output()[-2000:]
    finally:
        rsyslog.stop()
        syslog_ng.stop()
        tcp.stop()
        http.stop()
    assert _system_state() == system_before, "the machine's own logging was touched"
    check_delivery("rsyslog (imfile -> omfwd tcp)", got_tcp, logged)
    check_delivery("syslog-ng (wildcard-file -> http)", got_http, logged)
    assert auditverify.verify_log(str(home.log_file)).broken == []
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    hook_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"\n{len(logged)} lines in {len(files)} files shipped by rsyslog and syslog-ng, "
          f"each restarted once with {files_when_down} new files while down, "
          f"in {time.monotonic() - started:.1f} s ({hook_cpu:.1f} s CPU in hook calls)")


def _median_ms(samples: list[tuple[float, subprocess.CompletedProcess]]) -> float:
    return statistics.median(seconds for seconds, _ in samples) * 1000


def test_a_shipper_that_is_down_never_slows_or_blocks_the_hook(home, binaries, tmp_path):
    """rsyslog frozen (SIGSTOP: its inotify watches and open files stay) and syslog-ng with
    its collector gone: hook calls take what they take without a shipper, none blocks;
    when both are back, everything written meanwhile arrives."""
    tcp = shippers.TcpCollector()
    tcp.start()
    baseline = [home.call(n) for n in range(1, 31)]
    rsyslog = shippers.start_rsyslog(tmp_path / "rsyslog", home.log_dir, tcp.port)
    syslog_ng = shippers.start_syslog_ng(tmp_path / "syslog-ng", home.log_dir, tcp.port,
                                         http=False)
    try:
        time.sleep(1.0)
        tcp.stop()  # the collector is down: both shippers queue and retry
        rsyslog.process.send_signal(signal.SIGSTOP)
        down = [home.call(n) for n in range(31, 91)]
        baseline += [home.call(n) for n in range(91, 121)]
        assert all(done.returncode == 0 and not done.stderr for _, done in down + baseline)
        slowest = max(seconds for seconds, _ in down)
        assert slowest < 3.0, f"a call took {slowest:.1f} s with the shippers down"
        assert _median_ms(down) <= 1.5 * _median_ms(baseline) + 15, \
            (f"median {_median_ms(down):.0f} ms with the shippers down, "
             f"{_median_ms(baseline):.0f} ms without")
        logged = home.lines()
        tcp.start()
        rsyslog.process.send_signal(signal.SIGCONT)
        got = tcp.wait_for(2 * len(logged), timeout=60)
        assert rsyslog.alive() and syslog_ng.alive()
    finally:
        rsyslog.stop()
        syslog_ng.stop()
        tcp.stop()
    # Both shippers send to the one collector: each line twice, once from each.
    assert sorted(got) == sorted(logged * 2), (len(got), len(logged))
