"""Fixtures of the reliability suite: hook homes with the test ruleset and a warm rule
cache, and the zipapp of this checkout installed the way install/install.sh installs it.

Budgets: every hypothesis test states its number of examples; PREMPTI_FUZZ_SCALE=3 runs
three times as many. Hypothesis keeps what a run generated until the run ends (about 1 MB
an example here, with the huge inputs), so for long runs use long_run.py, which runs in
batches. Hypothesis's own deadline is off: the invariant checker bounds each call's CPU
and wall time itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from reliability_harness import HookHome, InstalledHook, build_zipapp, warm  # noqa: E402

settings.register_profile(
    "reliability", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture,
                           HealthCheck.large_base_example])


@pytest.fixture(scope="session")
def zipapp(tmp_path_factory) -> Path:
    """dist/prempti-hook.pyz as build_zipapp.py makes it, from this checkout."""
    return build_zipapp(tmp_path_factory.mktemp("zipapp") / "prempti-hook.pyz")


@pytest.fixture(scope="module")
def warm_home(tmp_path_factory):
    """A hook home shared by a module's examples: rule cache warm, log cleared per call."""
    home = warm(HookHome(tmp_path_factory.mktemp("home")))
    yield home
    home.close()


@pytest.fixture
def hook_home(tmp_path):
    """A fresh hook home for one test (faults change it)."""
    home = HookHome(tmp_path)
    yield home
    home.close()


@pytest.fixture(scope="module")
def installed(tmp_path_factory, zipapp) -> InstalledHook:
    """The zipapp installed in a fresh home, extracted and with a warm rule cache."""
    home = InstalledHook(tmp_path_factory.mktemp("installed"), zipapp)
    home.warm()
    return home
