#!/usr/bin/env python3
"""How the cost of a hook call grows: with the rules, with the input, with the log, with
calls at once (issue 14's scaling table).

    python tests/benchmarks/bench_scaling.py [--runs 20] [--python PATH]
                                             [--pyz dist/prempti-hook.pyz] [--markdown]

Every row is a fresh process per run, the zipapp installed and invoked as install.sh
installs it (see bench_hook.py), `--runs` measured runs after one warm-up, median and p95
wall time (spawn to exit), median CPU (user + system) and peak memory (GNU time):
- rules: the shipped rules; ten times the shipped rules (nine renamed copies of every
  list, macro and rule, one file per copy, with their path and file-name items made
  distinct, so that they cost what real rules cost); and the shipped rules plus nine copies
  of only the rules that can apply to shell tools, which cannot apply to a Read or a Write.
  For the shipped and the 10x rules, also the first call after a rules edit (it compiles);
- input: a Bash command and a Write's content of 64 KiB, 1 MiB and the whole 4 MiB input
  limit (the shell analysis reads the first 128 KiB of a command; the rules read it all);
- log: a log of 10 MiB, the rotation size, so that the call rotates it, against an empty one;
- concurrency: 50 hook processes started at once (the time until the last one exits, and
  each one's own time), every one of their log lines checked.
Then the growth: cost per MiB of input, and what the rules that cannot apply cost.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_hook import Installed, peak_memory_kib, percentile, spawn

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from prempti_hook import rebuild  # noqa: E402
from prempti_hook.event_source.tools import SHELL_TOOLS  # noqa: E402

INPUT_LIMIT = 4 * 1024 * 1024
LOG_ROTATE_BYTES = 10 * 1024 * 1024
CONCURRENT = 50
COPIES = 9
COMMAND_LINE = "grep -rn 'TODO' src/ | sort | uniq -c > notes/todo.txt && echo done\n"
CONTENT_LINE = "def scale(x):\n    return x * 2  # a line of code as agents write them\n"


# Rules ten times over ------------------------------------------------------------------------

def _renamer(names: list[str], suffix: str):
    if not names:
        return lambda text: text
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in
                                                  sorted(names, key=len, reverse=True))
                         + r")(?![\w.])")
    return lambda text: pattern.sub(lambda m: m.group(1) + suffix, text)


def _distinct(item, k: int):
    """A list item made distinct per copy when it is a path or file name (tool names and
    program names stay: the copies must apply to the same calls as the originals)."""
    if isinstance(item, str) and ("/" in item or "." in item):
        return f"{item}.copy{k}"
    return item


def replicate(rules: list[Path], copies: int, keep_rule=lambda name: True) -> list[tuple]:
    """(file name, YAML text) of `copies` renamed copies of `rules`, one file per copy
    (lists and macros all, rules those `keep_rule` accepts)."""
    documents = [(path, yaml.safe_load(path.read_text()) or []) for path in rules]
    names = [item.get("list") or item.get("macro") for _, items in documents for item in items
             if isinstance(item, dict) and (item.get("list") or item.get("macro"))]
    out = []
    for k in range(1, copies + 1):
        suffix = f"_copy{k}"
        rename = _renamer(names, suffix)
        copied = []
        for _path, items in documents:
            for item in items:
                if not isinstance(item, dict):
                    continue
                item = dict(item)
                if "list" in item:
                    item["list"] += suffix
                    item["items"] = [_distinct(i, k) for i in item.get("items") or []]
                elif "macro" in item:
                    item["macro"] += suffix
                    item["condition"] = rename(str(item.get("condition", "")))
                elif "rule" in item:
                    if not keep_rule(item["rule"]):
                        continue
                    item["rule"] = f"{item['rule']} (copy {k})"
                    if "condition" in item:
                        item["condition"] = rename(str(item["condition"]))
                else:
                    continue
                copied.append(item)
        out.append((f"copy-{k}.yaml", yaml.safe_dump(copied, sort_keys=False, width=1000)))
    return out


def shell_only_rules(rules: list[Path]) -> set[str]:
    """Names of the shipped rules whose condition can only be true for shell tools."""
    ruleset, error = rebuild.compile_rules([str(p) for p in rules])
    if ruleset is None:
        raise SystemExit(f"the rules do not compile: {error}")
    return {r.name for r in ruleset.rules
            if r.condition.index_values is not None and r.condition.index_values
            and set(r.condition.index_values) <= set(SHELL_TOOLS)}


# Rows ---------------------------------------------------------------------------------------

class Row:
    def __init__(self, group: str, name: str, hook: Installed, stdin: str,
                 before=None, runs: int | None = None) -> None:
        self.group = group
        self.name = name
        self.hook = hook
        self.stdin = stdin.encode()
        self.before = before
        self.runs = runs
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.memory: int | None = None
        self.note = ""

    def run(self, runs: int) -> None:
        runs = self.runs or runs
        killed = 0
        i = 0
        while i <= runs:
            if self.before:
                self.before()
            wall, cpu, code = spawn(self.hook.argv, self.hook.env, self.stdin)
            if code < 0 and killed < 3:  # a signal from outside (a busy shared machine)
                killed += 1
                self.note = f"{killed} run(s) killed from outside and run again"
                continue
            if code not in (0, 2):
                raise SystemExit(f"{self.name}: exit {code}")
            if i:  # the first run warms the rule cache and the page cache
                self.wall.append(wall)
                self.cpu.append(cpu)
            i += 1
        if self.before:
            self.before()
        self.memory = peak_memory_kib(self.hook.argv, self.hook.env, self.stdin)

    def cells(self) -> list[str]:
        memory = f"{self.memory / 1024:.1f} MiB" if self.memory else "n/a"
        return [self.group, self.name, f"{statistics.median(self.wall):.1f}",
                f"{percentile(self.wall, 0.95):.1f}", f"{statistics.median(self.cpu):.1f}",
                memory, self.note]


def sized(hook: Installed, call: dict, field: str, line: str, size: int) -> str:
    """A tool call whose whole JSON is `size` bytes, `field` of its input filled with
    repetitions of `line`."""
    def make(n: int) -> str:
        tool_input = dict(call["tool_input"], **{field: (line * (n // len(line) + 1))[:n]})
        return hook.call(dict(call, tool_input=tool_input))

    low, high = 0, size
    while low < high:  # the longest text whose JSON still fits (escapes take room)
        middle = (low + high + 1) // 2
        if len(make(middle).encode()) <= size:
            low = middle
        else:
            high = middle - 1
    return make(low)


def concurrent(hook: Installed, stdin: bytes, count: int, runs: int) -> tuple[list, list]:
    """`runs` batches of `count` hook processes started at once: (batch times, each
    process's time), in ms. Every process must exit 0 and log exactly one line."""
    batches, each = [], []
    log = hook.prempti_home / "log" / "events.jsonl"
    for _ in range(runs):
        before = len(log.read_bytes().splitlines()) if log.exists() else 0
        started, pipes = {}, []
        first = time.perf_counter()
        for _ in range(count):
            read_end, write_end = os.pipe()
            pid = os.posix_spawn(hook.argv[0], hook.argv, hook.env, file_actions=[
                (os.POSIX_SPAWN_DUP2, read_end, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_CLOSE, write_end)])
            os.close(read_end)
            started[pid] = time.perf_counter()
            pipes.append(write_end)
        for fd in pipes:
            os.write(fd, stdin)
            os.close(fd)
        for _ in range(count):
            pid, status, _ = os.wait4(-1, 0)
            each.append((time.perf_counter() - started[pid]) * 1000)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"a concurrent hook exited {status}")
        batches.append((time.perf_counter() - first) * 1000)
        lines = log.read_bytes().splitlines()
        if len(lines) - before != count or not all(json.loads(x) for x in lines[before:]):
            raise SystemExit("concurrent hooks lost or tore log lines")
    return batches, each


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pyz", type=Path, default=REPO / "dist" / "prempti-hook.pyz")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args(argv)
    python = os.path.realpath(shutil.which(args.python) or args.python)
    shipped = sorted((REPO / "rules").glob("*.yaml"))
    with tempfile.TemporaryDirectory(prefix="prempti-scaling-") as tmp:
        work = Path(tmp)

        def install(name: str, extra: list[tuple] = ()) -> Installed:
            (work / name).mkdir()
            hook = Installed(work / name, args.pyz, shipped, python)
            for file_name, text in extra:
                (hook.rules_dir / file_name).write_text(text)
            return hook

        one = install("x1")
        ten = install("x10", replicate(shipped, COPIES))
        shell = shell_only_rules(shipped)
        plus_shell = install("shell", replicate(shipped, COPIES, lambda n: n in shell))
        rule_counts = {h: len(rebuild.compile_rules(sorted(str(p) for p in
                                                         h.rules_dir.iterdir()))[0].rules)
                       for h in (one, ten, plus_shell)}
        target = str(one.project / "notes.txt")
        bash = {"tool_name": "Bash", "tool_input": {"command": "ls -la src"}}
        read = {"tool_name": "Read", "tool_input": {"file_path": target}}
        write = {"tool_name": "Write", "tool_input": {"file_path": target,
                                                      "content": "hello\n" * 20}}
        rows = []
        for hook, label in ((one, "shipped"), (ten, "10x"),
                            (plus_shell, "shipped + 9x shell-only")):
            group = f"rules: {label} ({rule_counts[hook]} rules)"
            for call, what in ((bash, "Bash ls"), (read, "Read"), (write, "Write")):
                rows.append(Row(group, what, hook, hook.call(call)))
            if hook is not plus_shell:
                rows.append(Row(group, "Bash ls, first call after a rules edit", hook,
                                hook.call(bash), before=hook.edit_rules,
                                runs=max(3, args.runs // 4)))
        for size, label in ((64 * 1024, "64 KiB"), (1 << 20, "1 MiB"),
                            (INPUT_LIMIT, "4 MiB (the limit)")):
            rows.append(Row("input", f"Bash command, {label}", one,
                            sized(one, {"tool_name": "Bash", "tool_input": {}}, "command",
                                  COMMAND_LINE, size)))
        for size, label in ((64 * 1024, "64 KiB"), (1 << 20, "1 MiB"),
                            (INPUT_LIMIT, "4 MiB (the limit)")):
            rows.append(Row("input", f"Write content, {label}", one,
                            sized(one, {"tool_name": "Write",
                                        "tool_input": {"file_path": target}},
                                  "content", CONTENT_LINE, size)))
        log = one.prempti_home / "log" / "events.jsonl"

        def full_log() -> None:
            log.parent.mkdir(parents=True, exist_ok=True)
            for old in log.parent.glob("events.jsonl.*"):
                old.unlink()
            line = b'{"pad":"' + b"x" * 1000 + b'"}\n'
            with open(log, "wb") as f:
                f.write(line * ((LOG_ROTATE_BYTES - 200) // len(line)))

        def empty_log() -> None:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_bytes(b"")

        rows.append(Row("log", "Bash ls, empty log", one, one.call(bash), before=empty_log))
        rows.append(Row("log", "Bash ls, 10 MiB log (the call rotates it)", one,
                        one.call(bash), before=full_log))
        for row in rows:
            row.run(args.runs)
        batches, each = concurrent(one, one.call(bash).encode(), CONCURRENT,
                                   max(3, args.runs // 4))

        by = {(r.group, r.name): r for r in rows}
        table = [["group", "call", "median ms", "p95 ms", "CPU ms", "peak memory", "note"]]
        table += [row.cells() for row in rows]
        table.append([f"concurrency: {CONCURRENT} at once", "Bash ls, last one done",
                      f"{statistics.median(batches):.1f}", f"{percentile(batches, 0.95):.1f}",
                      "", "", f"each process: median {statistics.median(each):.1f} ms, "
                              f"p95 {percentile(each, 0.95):.1f}, max {max(each):.1f}"])
        print(f"python: {python}\nzipapp: {args.pyz}\n{args.runs} runs per row\n")
        if args.markdown:
            print("| " + " | ".join(table[0]) + " |")
            print("|" + "---|" * len(table[0]))
            for cells in table[1:]:
                print("| " + " | ".join(cells) + " |")
        else:
            for cells in table:
                print(f"{cells[0]:<40} {cells[1]:<42} {cells[2]:>9} {cells[3]:>7} "
                      f"{cells[4]:>7} {cells[5]:>10}  {cells[6]}")

        def cpu(group: str, name: str) -> float:
            return statistics.median(by[(group, name)].cpu)

        print("\ngrowth (median CPU):")
        for kind in ("Bash command", "Write content"):
            small = cpu("input", f"{kind}, 64 KiB")
            mid = cpu("input", f"{kind}, 1 MiB")
            big = cpu("input", f"{kind}, 4 MiB (the limit)")
            per_mib = (big - mid) / 3
            print(f"  {kind}: {per_mib:.1f} ms per MiB from 1 to 4 MiB "
                  f"({(mid - small) / (15 / 16):.1f} from 64 KiB to 1 MiB); 4 MiB costs "
                  f"{big / mid:.2f}x the 1 MiB call (linear would be at most 4)")
        base = f"rules: shipped ({rule_counts[one]} rules)"
        extra = f"rules: shipped + 9x shell-only ({rule_counts[plus_shell]} rules)"
        tenfold = f"rules: 10x ({rule_counts[ten]} rules)"
        added = rule_counts[plus_shell] - rule_counts[one]
        for what in ("Read", "Write", "Bash ls"):
            print(f"  {what}: {cpu(extra, what) - cpu(base, what):+.2f} ms for {added} more "
                  f"rules that {'can' if what == 'Bash ls' else 'cannot'} apply; 10x rules "
                  f"{cpu(tenfold, what) / cpu(base, what):.2f}x the shipped rules' cost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
