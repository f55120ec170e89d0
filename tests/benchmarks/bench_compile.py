"""Benchmark: cold compile of a rules file (YAML text -> compiled rulesets, stored as the
hook's cache stores them).

    .venv/bin/python tests/benchmarks/bench_compile.py [RULES.yaml ...] [--runs N]

With no file, a generated coding_agent ruleset of about 2,800 lines is used (lists, macros,
rules with exceptions and outputs). Files load as the hook's cache loads them (as few
compiles as give Falco's result: `load(..., compile_each_file=False)`). Prints the median
over N runs of the whole load and where the time goes: YAML composition, reading (YAML
included), condition parsing, condition compiling, output formats, ruleset building,
storing. Also times one load in a fresh interpreter (imports included). Not a test: the
target is <= 1.5 s per cold compile.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from prempti_hook.event_source.fields import SOURCE, table  # noqa: E402
from prempti_hook.falco import codegen as condition_compiler  # noqa: E402
from prempti_hook.falco import output_compiler as output_module  # noqa: E402
from prempti_hook.falco import parser as parser_module  # noqa: E402
from prempti_hook.falco.loader import load  # noqa: E402
from prempti_hook.falco.loader.reader import compose, read  # noqa: E402

TOOLS = ["Bash", "Write", "Edit", "Read", "WebFetch", "Glob", "Grep", "NotebookEdit"]


def generated_ruleset(target_lines: int = 2800) -> str:
    """A coding_agent ruleset shaped like Prempti's: lists, macros, rules with exceptions."""
    out: list[str] = []
    i = 0
    while len(out) < target_lines:
        out += [f"- list: paths_{i}", "  items:"]
        out += [f"    - /srv/area{i}/dir{k}/" for k in range(6)]
        out += [f"- macro: touches_{i}",
                f"  condition: (tool.real_file_path pmatch (paths_{i}) or tool.file_name in "
                f"(.env, id_rsa_{i}) or tool.input_command contains \"secret{i}\")",
                f"- rule: Rule number {i}",
                f"  desc: Ask before touching area {i}",
                "  condition: >",
                f"    tool.name in ({', '.join(TOOLS[i % 4:i % 4 + 3])}) and touches_{i}",
                "    and not tool.real_file_path startswith val(agent.real_cwd)",
                f"    and not basename(tool.file_path) = allowed_{i}",
                "  output: >",
                f"    Falco saw %tool.name on %tool.real_file_path in %agent.real_cwd (rule {i})",
                f"  priority: {'CRITICAL' if i % 3 == 0 else 'WARNING'}",
                "  source: coding_agent",
                f"  tags: [area_{i % 7}, prempti]",
                "  exceptions:",
                "    - name: trusted",
                "      fields: [tool.name, tool.file_name]",
                "      comps: [=, endswith]",
                "      values:",
                f"        - [Read, .md{i}]",
                f"        - [Edit, .txt{i}]",
                ""]
        i += 1
    return "\n".join(out) + "\n"


class Timer:
    """Accumulates the time spent in one function by wrapping it in its module."""

    def __init__(self, module, name: str) -> None:
        self.module, self.name, self.total = module, name, 0.0
        self.original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start

        setattr(module, name, timed)

    def restore(self) -> None:
        setattr(self.module, self.name, self.original)


def one_run(files: list[tuple[str, str]], sources: dict) -> dict:
    timers = {
        "parse conditions": Timer(parser_module, "parse"),
        "compile conditions": Timer(condition_compiler, "compile_condition"),
        "output formats": Timer(output_module, "compile_format"),
    }
    try:
        start = time.perf_counter()
        result = load(files, sources, build=False, compile_each_file=False)
        loaded = time.perf_counter()
        from prempti_hook.falco.loader import build_rulesets

        result.rulesets = build_rulesets(result, sources)
        built = time.perf_counter()
        from prempti_hook.falco.storing import dump

        blob = b"".join(dump(r) for r in result.rulesets.values())
        pickled = time.perf_counter()
    finally:
        for timer in timers.values():
            timer.restore()
    if not result.successful:
        raise SystemExit("rules do not load:\n" + "\n".join(d.as_line() for d in result.errors))
    times = {name: timer.total for name, timer in timers.items()}
    times["load (everything before building)"] = loaded - start
    times["ruleset build"] = built - loaded
    times["store (falco.storing.dump)"] = pickled - built
    times["TOTAL cold compile"] = pickled - start
    times["_bytes"] = len(blob)
    times["_rules"] = sum(len(r) for r in result.rulesets.values())
    return times


def main(argv: list[str]) -> int:
    runs = 7
    paths = []
    args = iter(argv)
    for arg in args:
        if arg == "--runs":
            runs = int(next(args))
        else:
            paths.append(arg)
    if paths:
        files = [(p, Path(p).read_text(encoding="utf-8")) for p in paths]
    else:
        files = [("generated.yaml", generated_ruleset())]
    lines = sum(text.count("\n") for _, text in files)
    sources = {SOURCE: table()}

    yaml_times, read_times, samples = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        for name, text in files:
            compose(text, name)
        yaml_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for name, text in files:
            read(text, name)
        read_times.append(time.perf_counter() - start)
        samples.append(one_run(files, sources))

    print(f"{', '.join(n for n, _ in files)}: {lines} lines, {samples[0]['_rules']} rules, "
          f"stored rulesets {samples[0]['_bytes']} bytes; median of {runs} runs:")
    print(f"  {'YAML compose':36s} {statistics.median(yaml_times) * 1000:8.1f} ms")
    print(f"  {'read (YAML + validation)':36s} {statistics.median(read_times) * 1000:8.1f} ms")
    for key in samples[0]:
        if not key.startswith("_"):
            value = statistics.median(s[key] for s in samples)
            print(f"  {key:36s} {value * 1000:8.1f} ms")

    code = ("import sys, time; t = time.perf_counter(); sys.path.insert(0, sys.argv[1]); "
            "from prempti_hook.falco.loader import load; "
            "from prempti_hook.event_source.fields import SOURCE, table; "
            "from prempti_hook.falco.storing import dump; "
            "r = load([(p, open(p, encoding='utf-8').read()) for p in sys.argv[2:]], "
            "{SOURCE: table()}, compile_each_file=False); "
            "[dump(x) for x in r.rulesets.values()]; "
            "print(f'{(time.perf_counter() - t) * 1000:.1f}')")
    tmp = None
    if not paths:
        import tempfile

        fd, tmp = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(files[0][1])
    try:
        fresh = [float(subprocess.run([sys.executable, "-c", code, str(REPO), *(paths or [tmp])],
                                      capture_output=True, text=True, check=True).stdout)
                 for _ in range(3)]
    finally:
        if tmp:
            os.unlink(tmp)
    print(f"  {'fresh interpreter (imports included)':36s} {statistics.median(fresh):8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
