#!/usr/bin/env python3
"""What the managed policy and the interpreter protection cost a hook call.

    python tests/benchmarks/bench_system.py [--runs 200] [--python PATH] [--baseline DIR]

Each scenario is a fresh interpreter (`-I -S`, as the hook runs) that imports what a hook
call imports for its settings and runs it once, timed inside the process with
`perf_counter_ns` (so process start-up noise does not drown a 0.1 ms difference).
Round-robin, median and p95 in microseconds:
- baseline:         `config.load()` of another checkout (`--baseline`, e.g. `git archive main`
                    unpacked), the floor this branch's cost is compared with
- config, no policy: `config.load()` with no managed folder (the per-user install)
- config, policy:   `config.load()` with a managed folder (config.yaml + 2 rules files),
                    the checks of its ownership and modes included
- interpreter paths: `prempti.interpreter_paths` of one event (what the self-protection
                    rules compare writes against), after the imports
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
import sys, time; sys.path.insert(0, {repo!r})
import prempti_hook, os, stat
t = time.perf_counter_ns()
from prempti_hook import config
config.load({env!r})
print(time.perf_counter_ns() - t)
"""
INTERPRETER = """
import sys, time; sys.path.insert(0, {repo!r})
from prempti_hook.agents import claude_code
from prempti_hook.event_source.event import Event
call = claude_code.read({{"hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": "/",
    "session_id": "s", "tool_use_id": "t", "tool_input": {{"file_path": "/tmp/x",
    "content": ""}}}})
event = Event(call, "/root")
t = time.perf_counter_ns()
event["prempti.interpreter_paths"]
print(time.perf_counter_ns() - t)
"""


def policy_folder() -> str:
    folder = Path(tempfile.mkdtemp(prefix="bench-policy-"))
    os.chmod(folder, 0o755)
    (folder / "rules.d").mkdir(mode=0o755)
    (folder / "config.yaml").write_text("mode: guardrails\nfail_open: false\n")
    for name in ("10-a.yaml", "20-b.yaml"):
        (folder / "rules.d" / name).write_text("- list: x\n  items: []\n")
    return str(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--baseline", help="another checkout whose config.load is the floor")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-home-")
    scenarios = {}
    if args.baseline:
        scenarios["baseline: config.load"] = CONFIG.format(repo=args.baseline,
                                                           env={"HOME": home})
    scenarios.update({
        "config.load, no managed policy": CONFIG.format(
            repo=str(REPO), env={"HOME": home, "PREMPTI_MANAGED_DIR": home + "/none"}),
        "config.load, managed policy": CONFIG.format(
            repo=str(REPO), env={"HOME": home, "PREMPTI_MANAGED_DIR": policy_folder()}),
        "prempti.interpreter_paths": INTERPRETER.format(repo=str(REPO)),
    })
    samples: dict = {name: [] for name in scenarios}
    for _ in range(args.runs):
        for name, code in scenarios.items():
            out = subprocess.run([args.python, "-I", "-S", "-c", code], capture_output=True,
                                 text=True, check=True).stdout
            samples[name].append(int(out.strip()) / 1000)
    print(f"python: {args.python}; {args.runs} fresh processes each, in-process time (us)")
    print(f"{'scenario':<36}{'median':>9}{'p95':>9}")
    for name, values in samples.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{name:<36}{statistics.median(values):>9.1f}{p95:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
