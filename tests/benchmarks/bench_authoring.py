#!/usr/bin/env python3
"""How long the rule-authoring commands take, each a fresh process of the real zipapp, against
the floor (a bare interpreter) measured in the same run.

    python tests/benchmarks/bench_authoring.py [--runs 15] [--python PATH]
                                               [--pyz dist/prempti-hook.pyz] [--calls 10000]

Scenarios (round-robin, after one unmeasured warm-up run each; median and p95):
- floor:      `<python> -I -S -c pass`
- --version:  the zipapp starting and exiting (what every command pays)
- test:       `test --rules rules rules/tests`: the shipped rules' tests        budget 2 s
- explain:    `explain bash 'cat ~/.ssh/id_rsa'` on the shipped rules as the hook loads
              them (its rule cache fresh, as after `--check` or any tool call)   budget 300 ms
- explain --rules: the same with `--rules rules` (no cache: every rule compiled)
- replay:     `replay --log L --rules rules`, L = `--calls` logged calls        budget 10 s
Wall time (median, p95) and CPU time (user + system, median) are both shown: on a shared
machine the wall time also measures the other processes. The log is made once, in-process,
with the hook's own record code (alert.make_record) over the calls of the shipped rules'
tests, repeated to the size asked for: real records of every kind of call, as the hook
writes them. Exit status 1 when a median is over its budget.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

BUDGETS_MS = {"test": 2000.0, "explain": 300.0, "replay": 10000.0}


class Scenario:
    def __init__(self, name: str, argv: list[str], env: dict) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.samples: list[float] = []
        self.cpu: list[float] = []

    def once(self) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(self.argv, env=self.env, capture_output=True, cwd=REPO)
        elapsed = (time.perf_counter() - started) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                        * 1000)
        if proc.returncode != 0:
            raise SystemExit(f"{self.name}: exit {proc.returncode}\n"
                             f"{proc.stdout.decode(errors='replace')[-800:]}"
                             f"{proc.stderr.decode(errors='replace')[-800:]}")
        return elapsed

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def make_log(path: Path, calls: int, home: Path) -> None:
    """`calls` audit records of real calls (the shipped rules' test calls, repeated)."""
    from prempti_hook import alert, verdict
    from prempti_hook.agents import claude_code
    from prempti_hook.event_source.event import Event
    from prempti_hook.offline import testfile
    from prempti_hook.offline.calls import payload
    from prempti_hook.offline.rules import load

    rules = load([str(REPO / "rules")])
    inputs = []
    for test_path in sorted((REPO / "rules" / "tests").glob("*.yaml")):
        tests, _ = testfile.read(str(test_path))
        for test in tests:
            if test.form != "event" and not test.context.get("setup"):
                expand = {"{home}": str(home), "{project}": str(home / "project"),
                          "{prempti_home}": str(home / ".prempti")}
                text = json.dumps([test.value, test.input])
                for key, value in expand.items():
                    text = text.replace(key, value)
                value, input_ = json.loads(text)
                inputs.append(payload(test.form, value, cwd=str(home / "project"),
                                      extra_input=input_))
    with open(path, "w", encoding="utf-8") as out:
        for i in range(calls):
            call = claude_code.read(inputs[i % len(inputs)])
            event = Event(call, str(home), prempti_home=str(home / ".prempti"))
            outcome = verdict.decide(rules.ruleset.match(event), event)
            record = alert.make_record(event, outcome, "guardrails", True, [], 1.0)
            out.write(json.dumps(record, ensure_ascii=True) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pyz", default=str(REPO / "dist" / "prempti-hook.pyz"))
    parser.add_argument("--calls", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-authoring-",
                                     dir=os.path.expanduser("~/.cache")) as work:
        work_path = Path(work)
        home = work_path / "home"
        (home / "project").mkdir(parents=True)
        log = work_path / "events.jsonl"
        started = time.perf_counter()
        make_log(log, args.calls, home)
        print(f"log: {args.calls} records, {log.stat().st_size / 1e6:.1f} MB, made in "
              f"{time.perf_counter() - started:.1f} s")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "PREMPTI_HOME": str(home / ".prempti")}
        py = [args.python, "-I", "-S"]
        rules = str(REPO / "rules")
        scenarios = [
            Scenario("floor", [args.python, "-I", "-S", "-c", "pass"], env),
            Scenario("--version", [*py, args.pyz, "--version"], env),
            Scenario("test", [*py, args.pyz, "test", "--rules", rules,
                              str(REPO / "rules" / "tests")], env),
            Scenario("explain", [*py, args.pyz, "explain", "bash", "cat ~/.ssh/id_rsa"],
                     {**env, "PREMPTI_RULES": rules}),
            Scenario("explain --rules", [*py, args.pyz, "explain", "--rules", rules, "bash",
                                         "cat ~/.ssh/id_rsa"], env),
            Scenario("replay", [*py, args.pyz, "replay", "--log", str(log), "--rules", rules],
                     env),
        ]
        subprocess.run([*py, args.pyz, "--check"], env={**env, "PREMPTI_RULES": rules},
                       capture_output=True, check=True)  # the hook's rule cache, fresh
        for scenario in scenarios:
            scenario.cpu.clear()
            scenario.once()  # warm-up (the zipapp extracts itself once)
        for _ in range(args.runs):
            for scenario in scenarios:
                if scenario.name == "replay" and len(scenario.samples) >= max(3, args.runs // 3):
                    continue  # the long one: fewer runs
                scenario.samples.append(scenario.once())
    floor = scenarios[0].median
    print(f"{'scenario':<16} {'runs':>4} {'median':>10} {'p95':>10} {'x floor':>8} "
          f"{'cpu med':>9} {'budget':>9}")
    over = False
    for scenario in scenarios:
        budget = BUDGETS_MS.get(scenario.name)
        mark = ""
        if budget is not None:
            mark = f"{budget:7.0f}ms" + (" OVER" if scenario.median > budget else "")
            over |= scenario.median > budget
        cpu = statistics.median(scenario.cpu[1:] or scenario.cpu)  # not the warm-up's
        print(f"{scenario.name:<16} {len(scenario.samples):>4} {scenario.median:>8.1f}ms "
              f"{scenario.p95:>8.1f}ms {scenario.median / floor:>8.1f} {cpu:>7.1f}ms "
              f"{mark:>9}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
