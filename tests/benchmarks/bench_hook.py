#!/usr/bin/env python3
"""How long one hook call takes, against floors measured in the same run.

    python tests/benchmarks/bench_hook.py [--runs 50] [--rules PATH[:PATH...]]
                                          [--python PATH] [--pyz dist/prempti-hook.pyz]
                                          [--agent claude_code|codex|gemini|copilot|all]

The zipapp is installed as install.sh installs it (`$PREMPTI_HOME/bin/prempti-hook`, the
rules in `$PREMPTI_HOME/rules/default/`; default: the shipped `rules/`) and run exactly as
the registered hook command runs it (`<python> -I -S <zipapp>`, PREMPTI_HOME set), with one
tool call on stdin. Every scenario runs `--warmup` times unmeasured, then `--runs` times,
round-robin (so that a slow moment of the machine hits all of them alike); each run is a
fresh process, timed from spawn to exit, and its CPU time (user + system) is taken from
wait4. Scenarios:
- floors: `<python> -I -S -c pass`; an empty stdlib zipapp (`python -m zipapp` of a
  `__main__.py` printing `{}`) run the same way; a stock shiv hello-world zipapp;
- `--version`: the zipapp up to the first lines of `cli.main`;
- allow (a Bash call no rule decides), deny (`cat ~/.ssh/id_rsa`), Read and Write calls;
- the deny call through `sh -c "<hook command>"`, as Claude Code runs hooks;
- the first call after a rules edit (a comment appended to a rules file before each run).
With `--agent NAME` (repeatable, or `all`), allow, deny and deny-via-sh also run for each
other agent named: its own input JSON, `--agent NAME` on the command line, and for `via sh`
the exact command `hook add NAME` registers (Codex and Gemini: with its exit-2 fallback).
Then peak memory (maximum resident set, from /usr/bin/time when present) of each
scenario, the targets, and the modules the deny call imports, by self time
(-X importtime).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from build_zipapp import Console, read_pyproject, shiv_python  # noqa: E402
from prempti_hook import claude_settings  # noqa: E402

ALLOW_CALL = {"tool_name": "Bash", "tool_input": {"command": "ls -la src"}}
DENY_CALL = {"tool_name": "Bash", "tool_input": {"command": "cat ~/.ssh/id_rsa"}}
HEAVY = ("re", "typing", "dataclasses", "enum", "json", "pickle", "pyparsing", "yaml",
         "filelock", "zipfile", "shutil", "subprocess", "pathlib")
AGENTS = ("claude_code", "codex", "gemini", "copilot")
TARGET_OVER_ZIPAPP_MS = 5.0
TARGET_EDIT_MS = 200.0
TARGET_MEMORY_MIB = 16.0


def tool_call(call: dict, cwd: str, agent: str = "claude_code") -> str:
    """`call` in `agent`'s own hook input (other agents: shell calls only)."""
    if agent == "gemini":
        return json.dumps({"session_id": "bench", "transcript_path": "", "cwd": cwd,
                           "hook_event_name": "BeforeTool", "timestamp": "",
                           "tool_name": "run_shell_command",
                           "tool_input": {"command": call["tool_input"]["command"],
                                          "description": "bench"}})
    if agent == "copilot":
        return json.dumps({"sessionId": "bench", "timestamp": 0, "cwd": cwd,
                           "toolName": "bash",
                           "toolArgs": {"command": call["tool_input"]["command"],
                                        "description": "bench"}})
    extra = {"turn_id": "bench", "model": "bench"} if agent == "codex" else {}
    return json.dumps({"session_id": "bench", "transcript_path": "", "cwd": cwd,
                       "permission_mode": "default", "hook_event_name": "PreToolUse",
                       "tool_use_id": "toolu_bench", **extra, **call})


def decision_of(agent: str, text: str) -> tuple[str, str]:
    """(decision, reason) from `agent`'s answer."""
    output = json.loads(text)
    if agent == "gemini":
        return output.get("decision", "?"), output.get("reason", "")
    if agent == "copilot":
        return output.get("permissionDecision", "?"), output.get("permissionDecisionReason", "")
    output = output["hookSpecificOutput"]
    return output.get("permissionDecision", "?"), output.get("permissionDecisionReason", "")


# Measuring ---------------------------------------------------------------------------------

def spawn(argv: list[str], env: dict, stdin: bytes) -> tuple[float, float, int]:
    """Run one process; (wall ms from spawn to exit, CPU ms, exit status)."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, read_end, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_CLOSE, write_end)])
    os.close(read_end)
    try:
        view = memoryview(stdin)
        while view:
            view = view[os.write(write_end, view):]
    except BrokenPipeError:
        pass
    os.close(write_end)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - started) * 1000
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, os.waitstatus_to_exitcode(status)


def peak_memory_kib(argv: list[str], env: dict, stdin: bytes) -> int | None:
    """Maximum resident set of one run, from GNU time (whose own size does not count, unlike
    a child spawned from this process), or None without it."""
    gnu_time = "/usr/bin/time"
    if not os.access(gnu_time, os.X_OK):
        return None
    result = subprocess.run([gnu_time, "-f", "%M", *argv], input=stdin, env=env,
                            capture_output=True, timeout=120)
    try:
        return int(result.stderr.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Scenario:
    def __init__(self, name: str, argv: list[str], env: dict, stdin: str = "",
                 before=None, agent: str = "claude_code") -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.agent = agent
        self.stdin = stdin.encode()
        self.before = before  # called (untimed) before each run
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.memory: int | None = None

    def once(self) -> subprocess.CompletedProcess:
        if self.before:
            self.before()
        return subprocess.run(self.argv, input=self.stdin, env=self.env, capture_output=True,
                              timeout=120)

    def measure(self) -> None:
        if self.before:
            self.before()
        wall, cpu, code = spawn(self.argv, self.env, self.stdin)
        if code not in (0, 2):
            raise SystemExit(f"{self.name}: exit {code}: {self.once().stderr[-500:]!r}")
        self.wall.append(wall)
        self.cpu.append(cpu)

    def measure_memory(self, runs: int = 3) -> None:
        found = []
        for _ in range(runs):
            if self.before:
                self.before()
            found.append(peak_memory_kib(self.argv, self.env, self.stdin))
        self.memory = None if None in found else max(found)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        return percentile(self.wall, 0.95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def empty_zipapp(python: str, work: Path) -> Path:
    """The floor every zipapp pays: the stdlib's zipapp of a `__main__.py` printing `{}`."""
    source = work / "empty-src"
    source.mkdir()
    (source / "__main__.py").write_text("print('{}')\n")
    target = work / "empty.pyz"
    subprocess.run([python, "-m", "zipapp", str(source), "-o", str(target)], check=True)
    return target


def hello_world(work: Path) -> Path:
    """A stock shiv zipapp whose entry point prints hello."""
    source = work / "hello-src"
    source.mkdir()
    (source / "hello.py").write_text("def main():\n    print('hello')\n")
    target = work / "hello.pyz"
    shiv = shiv_python(Console(quiet=True), read_pyproject()["build"])
    subprocess.run([shiv, "-m", "shiv", "--site-packages", str(source), "-e", "hello:main",
                    "-o", str(target), "-p", "/usr/bin/env python3", "--compile-pyc"],
                   check=True, capture_output=True)
    return target


def importtime(scenario: Scenario) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, module) of one run."""
    argv = [scenario.argv[0], "-X", "importtime", *scenario.argv[1:]]
    result = subprocess.run(argv, input=scenario.stdin, env=scenario.env, capture_output=True,
                            timeout=120)
    rows = []
    for line in result.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = (part.strip() for part in line[12:].split("|"))
        rows.append((int(self_us), int(cumulative), name))
    return rows


def verdict_of(scenario: Scenario) -> str:
    result = scenario.once()
    text = result.stdout.decode(errors="replace").strip()
    if not text:
        return f"no decision (exit {result.returncode})"
    try:
        decision, reason = decision_of(scenario.agent, text)
    except (ValueError, KeyError, TypeError):
        return f"unexpected output: {text[:200]!r}"
    return decision + (f" ({reason[:90]})" if reason else "")


def agent_scenarios(agent: str, python: str, hook) -> list[Scenario]:
    """allow, deny and deny-via-sh for another agent, as its registered hook runs them."""
    from prempti_hook import registration

    argv = [*hook.argv, "--agent", agent]
    command = registration.module(agent).command(python, str(hook.prempti_home))
    cwd = str(hook.project)
    return [Scenario(f"{agent}: allow", argv, hook.env, tool_call(ALLOW_CALL, cwd, agent),
                     agent=agent),
            Scenario(f"{agent}: deny", argv, hook.env, tool_call(DENY_CALL, cwd, agent),
                     agent=agent),
            Scenario(f"{agent}: deny via sh -c", ["/bin/sh", "-c", command], hook.env,
                     tool_call(DENY_CALL, cwd, agent), agent=agent)]


# An installed hook -------------------------------------------------------------------------

class Installed:
    """The zipapp and rules laid out as install.sh lays them out, in a scratch HOME."""

    def __init__(self, work: Path, pyz: Path, rules: list[Path], python: str) -> None:
        self.home = work / "home"
        self.prempti_home = self.home / ".prempti"
        self.zipapp = Path(claude_settings.zipapp_path(str(self.prempti_home)))
        self.zipapp.parent.mkdir(parents=True)
        shutil.copyfile(pyz, self.zipapp)
        self.zipapp.chmod(0o700)
        self.rules_dir = self.prempti_home / "rules" / "default"
        self.rules_dir.mkdir(parents=True)
        for path in rules:
            shutil.copyfile(path, self.rules_dir / path.name)
        self.project = self.home / "project"
        self.project.mkdir()
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("PREMPTI_", "SHIV_", "PYTHON"))}
        self.env = dict(base, HOME=str(self.home), PREMPTI_HOME=str(self.prempti_home))
        self.argv = [python, "-I", "-S", str(self.zipapp)]
        self.command = claude_settings.hook_command(python, str(self.prempti_home))

    def call(self, call: dict) -> str:
        return tool_call(call, str(self.project))

    def edit_rules(self) -> None:
        """Append a comment to the last rules file: the next call recompiles."""
        last = sorted(self.rules_dir.iterdir())[-1]
        with open(last, "a") as f:
            f.write(f"# edited {time.time_ns()}\n")


def rules_files(spec: str | None) -> list[Path]:
    entries = spec.split(":") if spec else [str(REPO / "rules")]
    files: list[Path] = []
    for entry in entries:
        path = Path(entry)
        files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
                     if path.is_dir() else [path])
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rules", help="rules files or folders, ':'-separated, installed as "
                        "$PREMPTI_HOME/rules/default (default: the shipped rules/)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter (resolved like install.sh does)")
    parser.add_argument("--pyz", type=Path, default=REPO / "dist" / "prempti-hook.pyz")
    parser.add_argument("--top", type=int, default=12, help="importtime rows to show")
    parser.add_argument("--agent", action="append", choices=(*AGENTS, "all"),
                        help="also time these agents' hook calls (default: Claude Code only)")
    args = parser.parse_args(argv)
    agents = list(AGENTS) if "all" in (args.agent or []) else \
        list(dict.fromkeys(args.agent or ["claude_code"]))
    if args.runs < 50:
        parser.error("--runs must be at least 50")
    python = os.path.realpath(shutil.which(args.python) or args.python)
    if not args.pyz.is_file():
        raise SystemExit(f"{args.pyz} does not exist: run `python3 build_zipapp.py` first")

    with tempfile.TemporaryDirectory(prefix="prempti-bench-") as tmp:
        work = Path(tmp)
        rules = rules_files(args.rules)
        hook = Installed(work, args.pyz, rules, python)
        base_env = {k: v for k, v in hook.env.items() if k != "PREMPTI_HOME"}
        target = str(hook.project / "notes.txt")
        scenarios = [
            Scenario("floor: python -I -S -c pass", [python, "-I", "-S", "-c", "pass"],
                     base_env),
            Scenario("floor: empty stdlib zipapp", [python, "-I", "-S",
                                                    str(empty_zipapp(python, work))],
                     base_env),
            Scenario("floor: shiv hello-world", [python, "-I", "-S", str(hello_world(work))],
                     dict(base_env, SHIV_ROOT=str(work / "shiv-root"))),
            Scenario("prempti-hook --version", [*hook.argv, "--version"], hook.env),
            Scenario("hook: allow (Bash ls)", hook.argv, hook.env, hook.call(ALLOW_CALL)),
            Scenario("hook: deny (Bash cat key)", hook.argv, hook.env, hook.call(DENY_CALL)),
            Scenario("hook: Read", hook.argv, hook.env,
                     hook.call({"tool_name": "Read", "tool_input": {"file_path": target}})),
            Scenario("hook: Write", hook.argv, hook.env, hook.call(
                {"tool_name": "Write", "tool_input": {"file_path": target,
                                                      "content": "hello\n" * 20}})),
            Scenario("hook: deny via sh -c", ["/bin/sh", "-c", hook.command], hook.env,
                     hook.call(DENY_CALL)),
            Scenario("hook: first call after a rules edit", hook.argv, hook.env,
                     hook.call(DENY_CALL), before=hook.edit_rules),
        ]
        for agent in agents:
            if agent != "claude_code":
                scenarios += agent_scenarios(agent, python, hook)
        by_name = {s.name: s for s in scenarios}
        allow, deny = by_name["hook: allow (Bash ls)"], by_name["hook: deny (Bash cat key)"]
        for scenario in scenarios:  # first runs: the rule cache
            scenario.once()
        print(f"python:  {python}")
        print(f"zipapp:  {args.pyz} ({args.pyz.stat().st_size / 1024:.0f} KiB)")
        print(f"rules:   {len(rules)} files ({sum(p.stat().st_size for p in rules) / 1024:.0f}"
              f" KiB), installed in {hook.rules_dir}")
        for scenario in scenarios[4:]:
            if scenario.name.startswith(("hook: allow", "hook: deny (", *(
                    f"{a}: " for a in agents))):
                print(f"{scenario.name:<32} -> {verdict_of(scenario)}")
        for _ in range(args.warmup):
            for scenario in scenarios:
                scenario.once()
        for _ in range(args.runs):
            for scenario in scenarios:
                scenario.measure()
        for scenario in scenarios:
            scenario.measure_memory()

        floor = by_name["floor: python -I -S -c pass"]
        empty = by_name["floor: empty stdlib zipapp"]
        hello = by_name["floor: shiv hello-world"]
        print(f"\n{args.runs} runs each after {args.warmup} warm-up runs (spawn to exit, ms; "
              f"CPU = user + system; memory = maximum resident set)")
        print(f"{'scenario':<38} {'median':>7} {'p95':>7} {'CPU':>6} {'- zipapp':>9} "
              f"{'x hello':>8} {'memory':>9}")
        for s in scenarios:
            memory = f"{s.memory / 1024:.1f} MiB" if s.memory else "n/a"
            print(f"{s.name:<38} {s.median:7.1f} {s.p95:7.1f} {s.cpu_median:6.1f} "
                  f"{s.median - empty.median:+9.1f} {s.median / hello.median:8.2f} "
                  f"{memory:>9}")

        print("\ntargets (medians of this run):")
        for s in (allow, deny):
            over = s.median - empty.median
            met = "met" if over <= TARGET_OVER_ZIPAPP_MS else "NOT met"
            print(f"  {s.name}: empty zipapp {over:+.1f} ms (target <= "
                  f"+{TARGET_OVER_ZIPAPP_MS:g}): {met}")
        edit = by_name["hook: first call after a rules edit"]
        print(f"  first call after a rules edit: {edit.median:.0f} ms (target <= "
              f"{TARGET_EDIT_MS:g}): {'met' if edit.median <= TARGET_EDIT_MS else 'NOT met'}")
        ordinary = [s for s in scenarios if s.name.startswith("hook:") and s is not edit]
        memories = [s.memory for s in ordinary if s.memory]
        if memories:
            peak = max(memories) / 1024
            print(f"  peak memory of ordinary calls: {peak:.1f} MiB (target <= "
                  f"{TARGET_MEMORY_MIB:g}): {'met' if peak <= TARGET_MEMORY_MIB else 'NOT met'}")
        print(f"  floor {floor.median:.1f} ms, empty zipapp {empty.median:.1f} ms, "
              f"shiv hello-world {hello.median:.1f} ms")

        rows = importtime(deny)
        heavy = sorted({name.strip() for _, _, name in rows
                        if name.strip().split(".")[0] in HEAVY})
        ours = [row for row in rows if row[2].strip().startswith("prempti_hook")]
        print(f"\ndeny call, -X importtime: {len(rows)} modules ({len(ours)} of prempti_hook, "
              f"{sum(r[0] for r in ours) / 1000:.1f} ms self time); heavy modules imported: "
              f"{', '.join(heavy) or 'none'}")
        print(f"{'self ms':>8} {'cumul ms':>9}  module")
        for self_us, cumulative, name in sorted(rows, reverse=True)[:args.top]:
            print(f"{self_us / 1000:8.2f} {cumulative / 1000:9.2f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
