#!/usr/bin/env python3
"""Run the labelled corpus through the built zipapp, and compare rulesets side by side.

    python tests/corpus/compare.py PREMPTI_RULES_PATH [--pyz PATH] [--workers 2] [--misses]

runs every corpus case twice through the same zipapp, as the installed hook runs (a fresh
process, `python -I -S prempti-hook.pyz`, one hook input on stdin, a throw-away home): once
with the shipped rules embedded in the zipapp, once with `PREMPTI_RULES=PREMPTI_RULES_PATH`
(Falco's Prempti default rules, kept outside the repository). It prints detection rate, false
positive rate and exact-verdict agreement for both, overall, per area and per evasion tag.

The same machinery (`build_zipapp`, `run_corpus`, `Summary`) is what
`tests/corpus/test_corpus.py` uses to hold the shipped rules to the committed baseline.

Definitions: an *attack* case is labelled deny or ask; it is *detected* when the hook answers
deny or ask. A *benign* case is labelled allow; it is a *false positive* when the hook answers
deny or ask. *Exact* means the answer equals the label.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
REPO = CORPUS_DIR.parents[1]
if str(CORPUS_DIR) not in sys.path:
    sys.path.insert(0, str(CORPUS_DIR))

import schema  # noqa: E402

VERDICTS = ("deny", "ask", "allow")
HOOK_TIMEOUT = 60  # seconds; the first call of a run extracts the zipapp and compiles the rules


# --- building and running the hook --------------------------------------------------------

def build_zipapp(output: Path, python: str = sys.executable) -> Path:
    """Build the zipapp (with the repo's rules/ embedded) at `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, str(REPO / "build_zipapp.py"), "--quiet", "--output", str(output)],
                   check=True, cwd=REPO)
    return output


class Outcome:
    """What the hook did with one case."""

    __slots__ = ("case", "error", "got", "matched", "rule")

    def __init__(self, case: dict, got: str, rule: str, matched: list[dict], error: str) -> None:
        self.case = case
        self.got = got            # deny | ask | allow | error
        self.rule = rule          # the deciding rule, "" when none decided
        self.matched = matched    # [{"rule", "priority", "tags"}] from the audit log
        self.error = error

    @property
    def expect(self) -> str:
        return self.case["expect"]

    @property
    def is_attack(self) -> bool:
        return self.expect in ("deny", "ask")

    @property
    def flagged(self) -> bool:
        return self.got in ("deny", "ask")

    @property
    def recorded_by_monitor(self) -> bool:
        """A log-only (no verdict tag) rule matched."""
        return any(not ({"coding_agent_deny", "coding_agent_ask"} & set(m.get("tags", ())))
                   for m in self.matched)


class HookRunner:
    """Runs hook inputs through one zipapp with one ruleset, reusing one extraction and one
    compiled rule cache for every case (each case still gets a fresh home)."""

    def __init__(self, pyz: Path, workdir: Path, rules: str | None = None,
                 python: str = sys.executable) -> None:
        self.pyz = Path(pyz)
        self.python = python
        self.rules = rules
        self.workdir = Path(workdir)
        self.shiv_root = self.workdir / "shiv"
        self.cache_seed = self.workdir / "cache-seed"
        self.homes = self.workdir / "homes"
        self.homes.mkdir(parents=True, exist_ok=True)
        self._seed_cache()

    def environ(self, home: Path) -> dict:
        env = {"HOME": str(home), "PREMPTI_HOME": str(home / ".prempti"),
               "PATH": "/usr/local/bin:/usr/bin:/bin", "SHIV_ROOT": str(self.shiv_root),
               "LANG": "C.UTF-8"}
        if self.rules is not None:
            env["PREMPTI_RULES"] = self.rules
        return env

    def _seed_cache(self) -> None:
        """One warm-up call compiles the rules; every case's home then uses that very cache
        folder (a symlink to it), so that each call measures the hook, not a rules compile.
        (A copy would not do: the hook uses only the cache files it wrote itself.)"""
        home = Path(tempfile.mkdtemp(prefix="seed-", dir=self.homes))
        (home / "project").mkdir()
        payload = {"session_id": "seed", "transcript_path": "", "cwd": str(home / "project"),
                   "permission_mode": "default", "hook_event_name": "PreToolUse",
                   "tool_name": "Bash", "tool_input": {"command": "true"},
                   "tool_use_id": "toolu_seed"}
        proc = self._call(home, json.dumps(payload).encode(), home / "project")
        cache = home / ".prempti" / "cache"
        if proc.returncode != 0 or not (cache / "ruleset.cache").is_file():
            raise RuntimeError("the hook could not compile the rules: "
                               + (proc.stdout + proc.stderr).decode(errors="replace")[:2000])
        shutil.rmtree(self.cache_seed, ignore_errors=True)
        os.rename(cache, self.cache_seed)
        shutil.rmtree(home, ignore_errors=True)

    def _call(self, home: Path, data: bytes, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([self.python, "-I", "-S", str(self.pyz)], input=data,
                              capture_output=True, env=self.environ(home),
                              cwd=str(cwd if cwd.is_dir() else home), timeout=HOOK_TIMEOUT)

    def run_case(self, case: dict) -> Outcome:
        home = Path(tempfile.mkdtemp(prefix="case-", dir=self.homes))
        try:
            hook_input, setup = schema.expand(case, home=str(home))
            schema.apply_setup(setup, home=str(home))
            cache = home / ".prempti" / "cache"
            cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not cache.exists():
                cache.symlink_to(self.cache_seed)
            data = json.dumps(hook_input).encode("ascii")
            proc = self._call(home, data, Path(hook_input["cwd"]))
            return self._outcome(case, proc, home)
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def _outcome(self, case: dict, proc: subprocess.CompletedProcess, home: Path) -> Outcome:
        rule, matched = "", []
        log = home / ".prempti" / "log" / "events.jsonl"
        if log.is_file():
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            if lines:
                record = json.loads(lines[-1])
                matched = record.get("matched", [])
                if record.get("verdict") in ("deny", "ask"):
                    rule = record.get("rule", "")
        stdout = proc.stdout.decode("utf-8", errors="replace").strip()
        if proc.returncode != 0:
            return Outcome(case, "error", rule, matched,
                           f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')[:300]}")
        if not stdout:
            return Outcome(case, "allow", rule, matched, "")
        try:
            answer = json.loads(stdout)
            if isinstance(answer, dict) and "hookSpecificOutput" not in answer:
                return Outcome(case, "allow", rule, matched, "")  # no decision, a notice only
            output = answer["hookSpecificOutput"]
            verdict = output["permissionDecision"]
            reason = output.get("permissionDecisionReason", "")
        except (ValueError, KeyError, TypeError):
            return Outcome(case, "error", rule, matched, f"unreadable answer: {stdout[:300]}")
        if reason.startswith("prempti-hook could not decide"):
            return Outcome(case, "error", rule, matched, reason[:300])
        return Outcome(case, verdict if verdict in VERDICTS else "error", rule, matched, "")


# Prefixes that Falco's Prempti rules treat as sensitive (/root, /var) or as staging (/tmp): a
# case home below one of them makes every project file look sensitive to those rules.
SKEWING_PREFIXES = ("/root/", "/tmp/", "/var/", "/private/", "/etc/", "/dev/shm/")


def scratch_base() -> Path:
    """Where the case homes go: PREMPTI_CORPUS_TMP, else ~/.cache/prempti-hook-tests.

    Not /tmp: rules (ours and Prempti's) treat /tmp, /var/tmp and /dev/shm as staging areas,
    so a home under /tmp would turn every project write into a "write to /tmp"."""
    base = Path(os.environ.get("PREMPTI_CORPUS_TMP")
                or Path.home() / ".cache" / "prempti-hook-tests")
    base.mkdir(parents=True, exist_ok=True)
    return base.resolve()


def skew_warning() -> str:
    """A warning when the case homes sit where Prempti's path rules would misfire."""
    base = str(scratch_base()) + "/"
    if base.startswith(SKEWING_PREFIXES):
        return (f"warning: case homes are under {base}, which Prempti's rules treat as a "
                f"sensitive or staging path; set PREMPTI_CORPUS_TMP to a folder under /home, "
                f"/srv or /opt for a fair comparison")
    return ""


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    """A throw-away folder for one run's case homes, under `scratch_base()`."""
    return tempfile.TemporaryDirectory(prefix=prefix, dir=scratch_base())


def run_corpus(pyz: Path, workdir: Path, rules: str | None = None, workers: int = 2,
               cases: list[dict] | None = None) -> list[Outcome]:
    """Every case (default: the whole corpus) through the zipapp, in corpus order."""
    cases = schema.load_corpus() if cases is None else cases
    runner = HookRunner(pyz, workdir, rules)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(runner.run_case, cases))


# --- summaries ------------------------------------------------------------------------------

def _rate(num: int, den: int) -> float:
    return num / den if den else 0.0


class Summary:
    """Detection, false positives and exact agreement over a set of outcomes."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        self.outcomes = outcomes
        self.attacks = [o for o in outcomes if o.is_attack]
        self.benign = [o for o in outcomes if not o.is_attack]
        self.detected = [o for o in self.attacks if o.flagged]
        self.misses = [o for o in self.attacks if not o.flagged]
        self.false_positives = [o for o in self.benign if o.flagged]
        self.exact = [o for o in outcomes if o.got == o.expect]
        self.errors = [o for o in outcomes if o.got == "error"]
        self.monitored = [o for o in outcomes if o.case.get("monitored")]
        self.monitored_recorded = [o for o in self.monitored if o.recorded_by_monitor]

    @property
    def detection_rate(self) -> float:
        return _rate(len(self.detected), len(self.attacks))

    @property
    def false_positive_rate(self) -> float:
        return _rate(len(self.false_positives), len(self.benign))

    @property
    def exact_rate(self) -> float:
        return _rate(len(self.exact), len(self.outcomes))

    def line(self) -> str:
        return (f"detection {len(self.detected)}/{len(self.attacks)} = {self.detection_rate:.3f}"
                f"   false positives {len(self.false_positives)}/{len(self.benign)} = "
                f"{self.false_positive_rate:.3f}   exact {len(self.exact)}/{len(self.outcomes)}"
                f" = {self.exact_rate:.3f}")

    def by(self, key) -> dict[str, Summary]:
        groups: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            for value in key(outcome):
                groups.setdefault(value, []).append(outcome)
        return {name: Summary(items) for name, items in sorted(groups.items())}

    def by_area(self) -> dict[str, Summary]:
        return self.by(lambda o: [o.case["area"]])

    def by_tag(self) -> dict[str, Summary]:
        return self.by(lambda o: o.case.get("tags", []))


def describe(outcome: Outcome) -> str:
    rule = outcome.rule or "-"
    extra = f"  ({outcome.error})" if outcome.error else ""
    return (f"{outcome.case['id']:48} expected {outcome.expect:5} got {outcome.got:5} "
            f"rule: {rule}{extra}")


def report(summary: Summary, title: str) -> str:
    """The full report for one ruleset: totals, per area, per tag, misses, false positives."""
    out = [f"== {title}", summary.line(),
           f"monitored reads recorded: {len(summary.monitored_recorded)}/{len(summary.monitored)}"
           f"   hook errors: {len(summary.errors)}", "", "per area:"]
    for area, sub in summary.by_area().items():
        out.append(f"  {area:16} {sub.line()}")
    out.append("detection per evasion tag:")
    for tag, sub in summary.by_tag().items():
        if sub.attacks:
            out.append(f"  {tag:16} {len(sub.detected)}/{len(sub.attacks)}"
                       f" = {sub.detection_rate:.3f}")
    for label, items in (("misses", summary.misses), ("false positives", summary.false_positives),
                         ("hook errors", summary.errors)):
        out.append(f"{label} ({len(items)}):")
        out.extend("  " + describe(o) for o in items)
    inexact = [o for o in summary.outcomes
               if o.got != o.expect and o not in summary.misses
               and o not in summary.false_positives and o not in summary.errors]
    out.append(f"deny/ask swaps ({len(inexact)}):")
    out.extend("  " + describe(o) for o in inexact)
    return "\n".join(out)


def side_by_side(ours: Summary, theirs: Summary, their_name: str) -> str:
    """One table: detection, false positives and exact agreement, ours next to theirs."""
    def cells(s: Summary) -> str:
        return (f"{len(s.detected):3}/{len(s.attacks):<3} {s.detection_rate:6.3f}  "
                f"{len(s.false_positives):3}/{len(s.benign):<3} {s.false_positive_rate:6.3f}  "
                f"{s.exact_rate:6.3f}")

    head = f"{'':16} | {'prempti-hook (shipped rules)':^40} | {their_name:^40}"
    sub = f"{'area':16} | {'detected':>15} {'false pos.':>14} {'exact':>7} |" * 1
    sub += f" {'detected':>15} {'false pos.':>14} {'exact':>7}"
    lines = [head, sub, "-" * len(sub)]
    ours_areas, theirs_areas = ours.by_area(), theirs.by_area()
    for area in ours_areas:
        lines.append(f"{area:16} | {cells(ours_areas[area])} | {cells(theirs_areas[area])}")
    lines.append("-" * len(sub))
    lines.append(f"{'all':16} | {cells(ours)} | {cells(theirs)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", help="the other ruleset (e.g. Prempti's coding_agents_rules.yaml)")
    parser.add_argument("--pyz", help="an already built zipapp (default: build one now)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", action="store_true",
                        help="also print both full reports (misses, false positives, per tag)")
    args = parser.parse_args(argv)
    rules = str(Path(args.rules).resolve())
    if not Path(rules).is_file():
        parser.error(f"{rules}: no such rules file")
    with scratch_dir("compare-") as tmp:
        work = Path(tmp)
        pyz = Path(args.pyz) if args.pyz else build_zipapp(work / "prempti-hook.pyz")
        started = time.monotonic()
        ours = Summary(run_corpus(pyz, work / "ours", workers=args.workers))
        theirs = Summary(run_corpus(pyz, work / "theirs", rules=rules, workers=args.workers))
        elapsed = time.monotonic() - started
    name = Path(rules).name
    warning = skew_warning()
    if warning:
        print(warning + "\n")
    print(side_by_side(ours, theirs, name))
    print(f"\n{len(ours.outcomes)} cases, both rulesets, {elapsed:.1f} s")
    if args.misses:
        print("\n" + report(ours, "prempti-hook (shipped rules)"))
        print("\n" + report(theirs, name))
    better = (ours.detection_rate > theirs.detection_rate
              and ours.false_positive_rate < theirs.false_positive_rate)
    print("\nshipped rules strictly better on detection and false positives:",
          "yes" if better else "NO")
    return 0 if better else 1


if __name__ == "__main__":
    sys.exit(main())
