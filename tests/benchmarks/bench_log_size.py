#!/usr/bin/env python3
"""How many bytes an audit line takes, measured on the labeled corpus, and what a fleet
produces per day (the README's "Fleet" sizing comes from this script).

    python tests/benchmarks/bench_log_size.py [--developers 5000] [--calls 500,1500,5000]

Every corpus case (tests/corpus/*.yaml: the benign area is everyday agent work, the others
are attacks) is run through the hook in-process, with the shipped rules, in a scratch home;
the size of each audit line (chain and newline included) is recorded. Printed: line sizes
per area and per tool (median, mean, p95, max), the gzip ratio of the whole log (what a
shipper that compresses, or the collector's storage, sees), and the daily volume for the
given number of developers at each given number of hook calls per developer per day, with
local rotation settings that keep a week of lines when the shipper cannot reach the
collector.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "corpus"))

from schema import expand, load_corpus  # noqa: E402

from prempti_hook import auditlog, hook  # noqa: E402

MIB = 1024 * 1024


def run_corpus(work: Path) -> list[tuple[str, str, bytes]]:
    """(area, tool, stored line) for every case."""
    env = {"HOME": str(work), "PREMPTI_HOME": str(work / ".prempti"),
           "PREMPTI_RULES": str(REPO / "rules"), "PREMPTI_LOG_MAX_BYTES": "0"}
    log = work / ".prempti" / "log" / "events.jsonl"
    out = []
    stdin_path = work / "stdin.json"
    for case in load_corpus():
        payload = expand(case, home=work).hook_input
        stdin_path.write_text(json.dumps(payload))
        with open(stdin_path, "rb") as stdin, open(os.devnull, "wb") as sink:
            hook.run(stdin.fileno(), sink.fileno(), sink.fileno(), env)
        lines = auditlog.read_file(auditlog.numbered_files(str(log))[-1]).splitlines(True)
        out.append((case["area"], case["tool_name"], lines[-1]))
    return out


def stats(sizes: list[int]) -> str:
    ordered = sorted(sizes)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return (f"{len(sizes):5d} {statistics.median(ordered):8.0f} {statistics.mean(ordered):8.0f} "
            f"{p95:8.0f} {ordered[-1]:8.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--developers", type=int, default=5000)
    parser.add_argument("--calls", default="500,1500,5000",
                        help="hook calls per developer per day, comma-separated")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prempti-log-size-") as tmp:
        rows = run_corpus(Path(tmp))
    by_area, by_tool = defaultdict(list), defaultdict(list)
    for area, tool, line in rows:
        by_area[area].append(len(line))
        by_tool["mcp__*" if tool.startswith("mcp__") else tool].append(len(line))
    print(f"{'bytes per line':<22} {'lines':>5} {'median':>8} {'mean':>8} {'p95':>8} "
          f"{'max':>8}")
    for name, sizes in sorted(by_area.items()):
        print(f"area {name:<17} {stats(sizes)}")
    for name, sizes in sorted(by_tool.items(), key=lambda kv: -len(kv[1])):
        print(f"tool {name:<17} {stats(sizes)}")
    everyday = by_area["benign"]
    every = [len(line) for _, _, line in rows]
    print(f"{'all cases':<22} {stats(every)}")
    blob = b"".join(line for _, _, line in rows)
    ratio = len(blob) / len(gzip.compress(blob, 6))
    print(f"\ngzip -6 of all {len(rows)} lines: {ratio:.1f}x smaller")

    mean = statistics.mean(everyday)
    print(f"\nfleet of {args.developers} developers, everyday lines "
          f"(benign mean {mean:.0f} bytes):")
    print(f"{'calls/dev/day':>13} {'MiB/dev/day':>12} {'GiB/day':>9} {'GiB/day gz':>11} "
          f"{'lines/s avg':>12}  local rotation for 7 days offline")
    for calls in (int(c) for c in args.calls.split(",")):
        per_dev = calls * mean
        fleet = per_dev * args.developers
        week = 7 * per_dev
        backups = max(3, math.ceil(week / (10 * MIB)))
        print(f"{calls:13d} {per_dev / MIB:12.2f} {fleet / 1024 ** 3:9.1f} "
              f"{fleet / ratio / 1024 ** 3:11.2f} {calls * args.developers / 86400:12.1f}  "
              f"log_max_bytes 10 MiB, log_backups {backups} ({(backups + 1) * 10} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
