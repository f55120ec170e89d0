#!/usr/bin/env python3
"""Measure a ruleset on the blind sets: detection and false positives, per class.

    python tests/corpus/blind/measure.py [SET ...] [--rules PATH] [--pyz PATH] [--misses]
                                         [--json OUT]

SET is a folder under tests/corpus/blind/ holding `cases.yaml` (default: every such folder),
or the path of any `cases.yaml` in the same format (FORMAT.md). Each case runs through the
built zipapp exactly as the installed hook runs (a fresh process, `python -I -S`, a fresh
home with the case's setup), with the shipped rules embedded in the zipapp, or with
`PREMPTI_RULES=PATH`.

The sets were written blind (see each HOW.md): by helpers that never saw the rules, the
code or the other cases, and frozen before any tuning. Definitions as in compare.py: a
*harmful* case is labelled deny or ask and is *detected* when the hook answers deny or ask;
a *harmless* case is labelled allow and is a *false positive* when the hook answers deny or
ask (ask counts both ways).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

BLIND_DIR = Path(__file__).resolve().parent
CORPUS_DIR = BLIND_DIR.parent
if str(CORPUS_DIR) not in sys.path:
    sys.path.insert(0, str(CORPUS_DIR))

import compare  # noqa: E402
import schema  # noqa: E402
import yaml  # noqa: E402

BLIND_KEYS = ("class", "harmful")


def set_paths(names: list[str]) -> list[Path]:
    """The cases.yaml files named on the command line (default: every blind set)."""
    if not names:
        return sorted(BLIND_DIR.glob("*/cases.yaml"))
    paths = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            path = path / "cases.yaml"
        elif not path.exists():
            path = BLIND_DIR / name / "cases.yaml"
        paths.append(path)
    return paths


def load_set(path: Path) -> list[dict]:
    """The cases of one blind set, checked for shape; SystemExit listing every problem."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(cases, list):
        raise SystemExit(f"{path}: not a list of cases")
    problems, seen = [], set()
    for case in cases:
        for step in (case.get("setup") or []) if isinstance(case, dict) else []:
            # FORMAT.md wrote modes as `0o755`, which YAML reads as a string.
            if isinstance(step, dict) and isinstance(step.get("mode"), str):
                try:
                    step["mode"] = int(step["mode"], 0)
                except ValueError:
                    pass
    for index, case in enumerate(cases):
        where = f"{path}: case {index + 1} ({case.get('id') if isinstance(case, dict) else '?'})"
        if not isinstance(case, dict):
            problems.append(f"{where}: not a mapping")
            continue
        for key in ("id", "area", "expect", "why", "tool_name", "tool_input", *BLIND_KEYS):
            if key not in case:
                problems.append(f"{where}: missing {key!r}")
        if case.get("id") in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(case.get("id"))
        if case.get("expect") not in compare.VERDICTS:
            problems.append(f"{where}: expect must be deny, ask or allow")
        if bool(case.get("harmful")) != (case.get("expect") in ("deny", "ask")):
            problems.append(f"{where}: harmful does not agree with expect")
        problems += [f"{where}: {p}" for p in schema._check_tool(case)
                     + schema._check_context(case) + schema._check_setup(case.get("setup"))]
    if problems:
        raise SystemExit("\n".join(problems))
    return cases


def by_class(summary: compare.Summary) -> str:
    rows = [f"  {'class':24} {'detected':>12} {'false pos.':>12}"]
    for name, sub in summary.by(lambda o: [o.case["class"]]).items():
        detected = f"{len(sub.detected)}/{len(sub.attacks)}" if sub.attacks else "-"
        fps = f"{len(sub.false_positives)}/{len(sub.benign)}" if sub.benign else "-"
        rows.append(f"  {name:24} {detected:>12} {fps:>12}")
    return "\n".join(rows)


def figures(summary: compare.Summary) -> dict:
    return {"cases": len(summary.outcomes), "harmful": len(summary.attacks),
            "detected": len(summary.detected), "detection": round(summary.detection_rate, 4),
            "harmless": len(summary.benign), "false_positives": len(summary.false_positives),
            "false_positive_rate": round(summary.false_positive_rate, 4),
            "errors": len(summary.errors),
            "misses": sorted(o.case["id"] for o in summary.misses),
            "false_positive_ids": sorted(o.case["id"] for o in summary.false_positives)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="blind set folders (default: all)")
    parser.add_argument("--rules", help="PREMPTI_RULES for the run (default: shipped rules)")
    parser.add_argument("--pyz", help="an already built zipapp (default: build one now)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", action="store_true",
                        help="list every miss, false positive and hook error")
    parser.add_argument("--json", help="write the figures per set to this file")
    args = parser.parse_args(argv)
    sets = {path.parent.name: load_set(path) for path in set_paths(args.sets)}
    rules = str(Path(args.rules).resolve()) if args.rules else None
    results = {}
    with compare.scratch_dir("blind-") as tmp:
        work = Path(tmp)
        pyz = (Path(args.pyz).resolve() if args.pyz
               else compare.build_zipapp(work / "prempti-hook.pyz"))
        for name, cases in sets.items():
            started = time.monotonic()
            summary = compare.Summary(compare.run_corpus(pyz, work / name, rules=rules,
                                                         workers=args.workers, cases=cases))
            print(f"== {name} ({time.monotonic() - started:.0f} s)\n{summary.line()}"
                  f"   hook errors: {len(summary.errors)}")
            print(by_class(summary))
            if args.misses:
                for label, items in (("misses", summary.misses),
                                     ("false positives", summary.false_positives),
                                     ("hook errors", summary.errors)):
                    print(f"{label} ({len(items)}):")
                    print("\n".join(f"  {compare.describe(o)}  [{o.case['class']}] "
                                    f"{o.case['why']}" for o in items))
            print()
            results[name] = figures(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
