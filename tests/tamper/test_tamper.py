"""The tamper suite: every attack of `scenarios.py` against the per-user install (as root, in
a scratch HOME) and against the hardened install (as an unprivileged user), each step the
hook lets through executed for real (see `rig.py`). A scenario passes when the guard held:
the canary is still denied, the hook still registered, the mode unchanged, the evidence still
in the log, no planted code ran and no secret printed.

Scenarios that other engineers' work closes are strict expected failures, named after that
work (see scenarios.py), so they turn into failures the day they start to hold.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from release import PYTHON, release_copy
from rig import SystemRig, UserRig
from sandbox import Sandbox, available
from scenarios import SCENARIOS

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(available() is not None,
                                 reason=f"the tamper sandbox {available()}")]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return release_copy(tmp_path_factory.getbasetemp())


def _template(tmp_path_factory, name: str, prepare) -> Sandbox:
    sandbox = Sandbox().start()
    try:
        prepare(sandbox)
    except BaseException:
        sandbox.stop()
        raise
    sandbox.kill_strays()
    return sandbox


@pytest.fixture(scope="module")
def user_template(tmp_path_factory, release):
    sandbox = _template(tmp_path_factory, "user-template",
                        lambda sb: UserRig.prepare(sb, release, PYTHON))
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def system_template(tmp_path_factory, release):
    sandbox = _template(tmp_path_factory, "system-template",
                        lambda sb: SystemRig.prepare(sb, release))
    yield sandbox
    sandbox.stop()


def _params(mode: str):
    for scenario in SCENARIOS:
        reason = scenario.user if mode == "user" else scenario.hardened
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(scenario, id=f"{scenario.cls}:{scenario.id}", marks=marks)


def _play(template: Sandbox, rig_class, scenario, tmp_path) -> None:
    with Sandbox(template=template) as sandbox:
        sandbox.reflag()
        outcome = rig_class(sandbox).play(list(scenario.steps) * scenario.repeat,
                                          bounded=scenario.bounded, after=scenario.after)
    assert not outcome.problems, f"{scenario.id} ({scenario.cls}):\n{outcome.describe()}"


@pytest.mark.parametrize("scenario", list(_params("user")))
def test_per_user_install_holds(user_template, scenario, tmp_path):
    _play(user_template, UserRig, scenario, tmp_path)


@pytest.mark.parametrize("scenario", list(_params("hardened")))
def test_hardened_install_holds(system_template, scenario, tmp_path):
    _play(system_template, SystemRig, scenario, tmp_path)


def test_the_rig_detects_a_broken_guard(user_template, tmp_path):
    """The checks can fail: switch the guard off from outside (as the user at a terminal
    would) and every check that should, reports it."""
    with Sandbox(template=user_template) as sandbox:
        rig = UserRig(sandbox)
        places = rig.places
        sandbox.sh(f"printf 'mode: monitor\\n' >> {places['config']}; : > {places['log']}; "
                   f"touch {places['pwned']}; ln -sf /bin/true {places['command']}")
        evidence = "no-such-evidence"
        from rig import Outcome

        outcome = Outcome()
        rig.check(outcome, evidence)
    text = "\n".join(outcome.problems)
    assert "the canary is no longer denied" in text
    assert "the mode is now 'monitor'" in text
    assert "evidence" in text and "planted code ran" in text
    assert "the prempti-hook command on PATH no longer runs the guard" in text


def test_sandbox_leaves_the_machine_unchanged(system_template):
    """What the hardened install wrote lives only in the sandbox's overlays."""
    for path in ("/opt/prempti-hook", "/etc/prempti", "/var/log/prempti-hook",
                 "/etc/claude-code/managed-settings.d/50-prempti-hook.json"):
        assert not os.path.exists(path), path
    inside = system_template.sh("ls /opt/prempti-hook/bin/prempti-hook /etc/prempti/config.yaml")
    assert inside.returncode == 0, inside.stderr
