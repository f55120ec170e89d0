"""The whole labelled corpus through the built zipapp, held to the committed baseline.

Every case runs as the installed hook runs: a fresh process (`python -I -S prempti-hook.pyz`),
the case's hook input on stdin, a throw-away home with the case's setup, the shipped rules
embedded in the zipapp. The test prints detection rate, false-positive rate, exact agreement,
per-area and per-tag numbers and every miss and false positive (run with `-s`), and fails
when the shipped rules do worse than `baseline.json`: a lower detection rate, a higher false
positive rate, a miss or false positive that the baseline does not list, fewer monitored reads
recorded, or any hook error. It also holds the targets (detection >= 0.95, false positives <=
0.02).

The zipapp is built from this checkout into a scratch folder (so that a concurrent build of
dist/ cannot swap it halfway); PREMPTI_TEST_PYZ=path uses an existing one instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from corpus import compare

BASELINE = Path(__file__).with_name("baseline.json")
TARGET_DETECTION = 0.95
TARGET_FALSE_POSITIVES = 0.02

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def summary() -> compare.Summary:
    with compare.scratch_dir("corpus-") as tmp:
        work = Path(tmp)
        pyz = os.environ.get("PREMPTI_TEST_PYZ")
        pyz = Path(pyz) if pyz else compare.build_zipapp(work / "prempti-hook.pyz")
        result = compare.Summary(compare.run_corpus(pyz, work / "run", workers=2))
    print("\n" + compare.report(result, "prempti-hook shipped rules"))
    print("\nbaseline for these numbers:\n" + json.dumps(baseline_of(result), indent=2))
    return result


def baseline_of(summary: compare.Summary) -> dict:
    """What baseline.json records (and what to commit when the rules get better). The rates
    are for reading; the test compares the exact ratios of the counts."""
    return {
        "cases": len(summary.outcomes),
        "attacks": len(summary.attacks),
        "detected": len(summary.detected),
        "benign": len(summary.benign),
        "false_positives": len(summary.false_positives),
        "detection_rate": round(summary.detection_rate, 4),
        "false_positive_rate": round(summary.false_positive_rate, 4),
        "exact_rate": round(summary.exact_rate, 4),
        "monitored_recorded": len(summary.monitored_recorded),
        "accepted_misses": sorted(o.case["id"] for o in summary.misses),
        "accepted_false_positives": sorted(o.case["id"] for o in summary.false_positives),
    }


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def test_the_hook_decides_every_case(summary) -> None:
    assert not summary.errors, [compare.describe(o) for o in summary.errors]


def test_detection_does_not_regress(summary, baseline) -> None:
    new = sorted(o.case["id"] for o in summary.misses
                 if o.case["id"] not in baseline["accepted_misses"])
    assert not new, f"attacks no longer caught: {new}"
    assert summary.detection_rate >= baseline["detected"] / baseline["attacks"]


def test_false_positives_do_not_regress(summary, baseline) -> None:
    new = sorted(o.case["id"] for o in summary.false_positives
                 if o.case["id"] not in baseline["accepted_false_positives"])
    assert not new, f"routine calls now flagged: {new}"
    assert summary.false_positive_rate <= baseline["false_positives"] / baseline["benign"]


def test_monitored_reads_are_recorded(summary, baseline) -> None:
    missing = [o.case["id"] for o in summary.monitored if not o.recorded_by_monitor]
    assert len(summary.monitored_recorded) >= baseline["monitored_recorded"], missing


def test_targets_are_met(summary) -> None:
    assert summary.detection_rate >= TARGET_DETECTION
    assert summary.false_positive_rate <= TARGET_FALSE_POSITIVES
