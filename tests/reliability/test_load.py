"""Load: 500 hook processes at once, the zipapp run as installed, on a stale rule cache
with a tiny audit log rotation.

All 500 are started first and block reading stdin; then every stdin is written and
closed, so they all reach the stale cache and the log lock together. Then:
- every answer is right (deny, ask and allow inputs mixed), exit 0, nothing on stderr;
- every call's audit line is there exactly once (matched by tool_use_id) and is valid
  JSON with the verdict that was answered, across all the rotated files;
- the audit log's hash chain verifies across every file (`logs --verify`): no line broken,
  missing or out of order;
- the cache was rebuilt at least once and at most a few times (rebuilds counted with
  inotify: each one writes `ruleset.cache.<pid>.tmp`), reads back, and is fresh: `status`
  says so, and one more call rebuilds nothing.
"""

from __future__ import annotations

import ctypes
import json
import os
import struct
import time
from collections import Counter

import pytest
from reliability_harness import (
    ALLOW_COMMAND,
    ASK_COMMAND,
    CPU_BOUND_SECONDS,
    DENY_COMMAND,
    HookResult,
    InstalledHook,
    Settings,
    encode,
    examples,
    kill_group,
    problems_of,
    tool_call,
)

from prempti_hook import auditverify
from prempti_hook.falco.stored import StoredRuleset

PROCESSES = 500
LOG_MAX_BYTES = 8192  # about three lines per file
LOG_BACKUPS = 1000  # more files than the calls can fill: no line may be rotated away
MAX_REBUILDS = 5
COMMANDS = ((DENY_COMMAND, "deny"), (ASK_COMMAND, "ask"), (ALLOW_COMMAND, "none"))
EXTRA_RULE = ("- rule: Reliability load-test rule added after the cache was built\n"
              "  desc: makes the cache stale\n  condition: tool.name = NoSuchTool\n"
              "  output: x\n  priority: INFO\n  source: coding_agent\n  tags: [x]\n")


class DirectoryWatch:
    """Names created or moved into a folder (inotify, through ctypes: Linux only)."""

    IN_MOVED_TO = 0x80
    IN_CREATE = 0x100
    IN_Q_OVERFLOW = 0x4000

    def __init__(self, folder: str) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(
                self.fd, folder.encode(), self.IN_CREATE | self.IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify is not available")
        self.created: list[str] = []
        self.moved_in: list[str] = []
        self.overflowed = False

    def drain(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            offset = 0
            while offset < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if mask & self.IN_Q_OVERFLOW:
                    self.overflowed = True
                elif mask & self.IN_CREATE:
                    self.created.append(name)
                elif mask & self.IN_MOVED_TO:
                    self.moved_in.append(name)

    def rebuilds(self) -> int:
        self.drain()
        assert not self.overflowed, "inotify queue overflowed: rebuilds not counted"
        return sum(1 for name in self.created
                   if name.startswith("ruleset.cache.") and name.endswith(".tmp"))

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def loaded_home(tmp_path, zipapp):
    home = InstalledHook(tmp_path, zipapp, env={"PREMPTI_LOG_MAX_BYTES": str(LOG_MAX_BYTES),
                                                "PREMPTI_LOG_BACKUPS": str(LOG_BACKUPS)})
    home.warm()
    home.clear_log()
    user_rules = home.prempti_home / "rules" / "user"
    user_rules.mkdir(exist_ok=True)
    (user_rules / "added.yaml").write_text(EXTRA_RULE)  # the cache is now stale
    return home


def test_500_hooks_at_once_on_a_stale_cache(loaded_home):
    home = loaded_home
    count = max(examples(PROCESSES), PROCESSES)  # the brief's 500 at least
    watch = DirectoryWatch(str(home.cache_dir))
    calls = []
    started = time.monotonic()
    try:
        for i in range(count):
            command, verdict = COMMANDS[i % len(COMMANDS)]
            tool_use_id = f"toolu_load_{i:04d}"
            data = encode(tool_call(command, tool_use_id=tool_use_id))
            calls.append((tool_use_id, verdict, data, home.spawn()))
        spawned = time.monotonic()
        for _, _, data, process in calls:  # release them all together
            process.stdin.write(data)
            process.stdin.close()
        answers = {}
        worst_cpu = total_cpu = 0.0
        for tool_use_id, _, _, process in calls:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            worst_cpu, total_cpu = max(worst_cpu, cpu), total_cpu + cpu
            answers[tool_use_id] = (process.returncode, process.stdout.read(),
                                    process.stderr.read())
            process.stdout.close()
            process.stderr.close()
        finished = time.monotonic()
        rebuilds = watch.rebuilds()
    finally:
        for _, _, _, process in calls:
            if process.returncode is None:
                kill_group(process)
        watch.close()

    # Every answer right. A notice is allowed (say the machine is so loaded that a waiter
    # gives up on the rebuild lock and compiles alone: it must say so), a wrong one is not.
    wrong, noticed = [], 0
    for tool_use_id, verdict, data, _ in calls:
        rc, out, err = answers[tool_use_id]
        result = HookResult(rc, out, err, 0.0, 0.0, [])
        problems = problems_of(result, data, Settings(), expect_log=False)
        if problems or result.decision() != verdict:
            wrong.append((tool_use_id, verdict, problems, out[:200], err[:300]))
        noticed += bool(err)
    assert not wrong, f"{len(wrong)} wrong answers, e.g. {wrong[:3]}"
    assert worst_cpu <= CPU_BOUND_SECONDS, f"a hook used {worst_cpu:.2f} s of CPU"

    # Every call logged exactly once, whole, with its verdict, across the rotated files.
    files = home.log_files()
    lines = home.log_lines()
    records = [json.loads(line) for line in lines]  # raises on a torn line
    failed = [r.get("error") for r in records if "tool.use_id" not in r["output_fields"]]
    assert not failed, f"{len(failed)} calls failed to decide, e.g. {failed[:3]}"
    seen = Counter(r["output_fields"]["tool.use_id"] for r in records)
    expected = {tool_use_id: verdict for tool_use_id, verdict, _, _ in calls}
    lost = set(expected) - set(seen)
    twice = [k for k, n in seen.items() if n > 1]
    assert not lost and not twice and len(records) == count, \
        (f"{len(lost)} lost, {len(twice)} logged twice, {len(records)} lines for {count} calls; "
         f"what the lost ones said on stderr: {[answers[k][2][:300] for k in sorted(lost)][:3]}")
    assert {r["output_fields"]["tool.use_id"]: r["verdict"] for r in records} == expected
    assert len(files) > count // 10, f"only {len(files)} log files: rotation did not run"

    # The hash chain holds across every file: each line follows the one before it. A waiter
    # that gave up on the lock (a notice says so) may fork it; that is said, not broken.
    report = auditverify.verify_log(str(home.log_file))
    assert not report.broken, [str(f) for f in report.broken[:5]]
    assert report.chained == count and report.files == len(files)
    forks = [f for f in report.findings if "without the lock" in f.message]
    assert len(forks) <= report.unlocked, [str(f) for f in forks[:5]]
    locked = [r["chain"]["seq"] for r in records if not r["chain"].get("unlocked")]
    assert all(a < b for a, b in zip(locked, locked[1:])), "the locked lines are out of order"
    unlocked_notices = sum(b"appended without the lock" in answers[k][2] for k in expected)
    assert report.unlocked == unlocked_notices  # every line without the lock was told

    # The cache: rebuilt once or a few times, never corrupt, fresh.
    assert 1 <= rebuilds <= MAX_REBUILDS, f"{rebuilds} rebuilds"
    data = home.cache_file.read_bytes()
    ruleset = StoredRuleset(os.open(home.cache_file, os.O_RDONLY),
                            data.index(b"\n", data.index(b"\n") + 1) + 1)
    assert any(r.name.startswith("Reliability load-test rule")
               for _, r in ruleset.candidates({"tool.name": "NoSuchTool"}))
    status = home.cli("status")
    assert b"cache: fresh" in status.stdout, status.stdout
    watch = DirectoryWatch(str(home.cache_dir))
    try:
        result = home.run_process(encode(tool_call(DENY_COMMAND)))
        assert result.decision() == "deny"
        assert watch.rebuilds() == 0, "a later call rebuilt the cache again"
    finally:
        watch.close()
    print(f"\n{count} hooks: spawned in {spawned - started:.1f} s, all answered "
          f"{finished - spawned:.1f} s after release; {rebuilds} rebuild(s); "
          f"{len(records)} log lines in {len(files)} files, chain intact "
          f"({report.unlocked} appended without the lock); CPU {total_cpu:.1f} s in all, "
          f"{worst_cpu:.3f} s at worst; {noticed} answer(s) with a notice")
