#!/usr/bin/env python3
"""The documented long run of the reliability suite: at least 100,000 hostile inputs
through the hook, checked against the same invariants as the CI budget.

    .venv/bin/python tests/reliability/long_run.py [--inputs 100000] [--zipapp-every 100]
                                                   [--seed 0] [--out DIR]

Inputs come from the suite's hypothesis strategies (random bytes, mutated calls, deep
JSON, huge strings, wrong types in every field, Unicode edge cases), plus denied calls
wrapped in hostile text, which must stay denied. Each input runs in-process through
`hook.run` (rule cache warm); every `--zipapp-every`-th one also runs as a real process
of the zipapp built from this checkout and invoked as installed. Every failure is saved
under `--out` (the input, and what broke). Progress goes to stderr; the summary (inputs,
failures, time, worst CPU per call, exit codes and decisions seen) to stdout and to
`--out/summary.json`. Exit status 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from hostile_inputs import edge_text, stdin_bytes  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reliability_harness import (  # noqa: E402
    DENY_COMMAND,
    HookHome,
    InstalledHook,
    Settings,
    build_zipapp,
    encode,
    problems_of,
    tool_call,
)

BATCH = 250  # examples per hypothesis run: a run keeps what it generated until it ends

# (input, True when it must be denied)
denied_in_junk = st.builds(
    lambda before, after, cwd: (encode(tool_call(before + DENY_COMMAND + after, cwd=cwd)),
                                True),
    edge_text(), edge_text(), edge_text())
inputs = st.one_of(stdin_bytes().map(lambda data: (data, False)),
                   stdin_bytes().map(lambda data: (data, False)),
                   stdin_bytes().map(lambda data: (data, False)),
                   denied_in_junk)


class Tally:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.tried = 0
        self.zipapp_runs = 0
        self.failures = 0
        self.distinct: set[bytes] = set()
        self.outcomes: Counter = Counter()
        self.worst_cpu = 0.0
        self.worst_wall = 0.0
        self.largest = 0

    def record(self, data: bytes, where: str, result, problems: list[str]) -> None:
        self.worst_cpu = max(self.worst_cpu, result.cpu)
        self.worst_wall = max(self.worst_wall, result.wall)
        try:
            decision = result.decision() if result.rc == 0 else None
        except ValueError:
            decision = "unparseable"
        self.outcomes[f"{where}: exit {result.rc}, {decision or 'no decision'}"] += 1
        if problems:
            self.failures += 1
            stem = self.out / f"failure-{self.failures:04d}-{where}"
            stem.with_suffix(".input").write_bytes(data)
            stem.with_suffix(".txt").write_text("\n".join(problems) + f"\n\n{result!r}\n")
            print(f"FAILURE {self.failures} ({where}): {problems[0]} -> {stem}.input",
                  file=sys.stderr, flush=True)

    def summary(self, seconds: float) -> dict:
        return {"inputs_tried": self.tried, "distinct_inputs": len(self.distinct),
                "zipapp_runs": self.zipapp_runs, "failures": self.failures,
                "seconds": round(seconds, 1), "worst_cpu_seconds": round(self.worst_cpu, 3),
                "worst_wall_seconds": round(self.worst_wall, 3),
                "largest_input_bytes": self.largest,
                "outcomes": dict(sorted(self.outcomes.items()))}


def run(total: int, zipapp_every: int, base_seed: int, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="prempti-long-run-"))
    home = HookHome(work / "in-process")
    installed = InstalledHook(work / "installed", build_zipapp(work / "prempti-hook.pyz"))
    installed.warm()
    home.run(encode(tool_call()))  # warm the in-process cache
    tally = Tally(out)
    started = time.monotonic()

    def one(example) -> None:
        data, must_deny = example
        tally.tried += 1
        tally.largest = max(tally.largest, len(data))
        tally.distinct.add(hashlib.sha1(data).digest())
        runs = [("in-process", home.run)]
        if zipapp_every and tally.tried % zipapp_every == 0:
            runs.append(("zipapp", installed.run_process))
            tally.zipapp_runs += 1
        for where, runner in runs:
            result = runner(data)
            problems = problems_of(result, data, Settings())
            if must_deny and result.rc == 0 and not problems and result.decision() != "deny":
                problems.append(f"a denied command in hostile text got {result.decision()}")
            tally.record(data, where, result, problems)
        if tally.tried % 1000 == 0:
            elapsed = time.monotonic() - started
            print(f"{tally.tried} inputs, {tally.failures} failures, {elapsed:.0f} s "
                  f"({tally.tried / elapsed:.1f}/s), worst CPU {tally.worst_cpu:.2f} s",
                  file=sys.stderr, flush=True)

    done = 0
    batch_number = 0
    while done < total:
        size = min(BATCH, total - done)
        batch = settings(max_examples=size, database=None, deadline=None,
                         phases=[Phase.generate],
                         suppress_health_check=list(HealthCheck))(given(inputs)(one))
        before = tally.tried
        seed(base_seed + batch_number)(batch)()
        batch_number += 1
        done += tally.tried - before
        if tally.tried == before:  # hypothesis generated nothing more: stop, do not spin
            break
    home.close()
    shutil.rmtree(work, ignore_errors=True)
    summary = tally.summary(time.monotonic() - started)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--zipapp-every", type=int, default=100,
                        help="also run every Nth input through the installed zipapp (0: never)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("long-run-results"))
    args = parser.parse_args()
    summary = run(args.inputs, args.zipapp_every, args.seed, args.out)
    print(json.dumps(summary, indent=2))
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
