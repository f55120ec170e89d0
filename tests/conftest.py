"""Shared pytest configuration: make `tests/` importable (for `vectors`, `importcheck`...)
without installing, and build the real zipapp once per session for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
REPO = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def build_zipapp_into(target: Path) -> Path:
    """Build the zipapp from this checkout into `target` (not dist/, which `tests/run` and
    other builds may replace while tests run)."""
    subprocess.run([sys.executable, str(REPO / "build_zipapp.py"), "--quiet", "--output",
                    str(target)], check=True, cwd=REPO)
    return target


@pytest.fixture(scope="session")
def built_zipapp(tmp_path_factory) -> Path:
    """The real zipapp, built once per test session (or PREMPTI_TEST_PYZ, if set)."""
    given = os.environ.get("PREMPTI_TEST_PYZ")
    if given:
        return Path(given)
    return build_zipapp_into(tmp_path_factory.mktemp("zipapp") / "prempti-hook.pyz")


@pytest.fixture
def a_person(monkeypatch):
    """In-process command tests: act as a person who confirmed at a terminal (what the check
    itself does is tested in tests/test_person.py, and end to end at a real pseudo-terminal)."""
    from prempti_hook import person

    monkeypatch.setattr(person, "refusal", lambda action, environ=None: None)
