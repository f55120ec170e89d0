"""Fixtures for the copilot end-to-end tests (the real CLI from npm against the mock model).

- `copilot_executable`: the pinned CLI, installed once per checkout (skips when npm cannot
  be reached; any other install failure fails the tests);
- `release`: a copy of the release files with the zipapp built, once per session;
- `copilot`: an `CopilotCLI` on a machine with the guard installed by install.sh, shared by a
  module's tests (each puts back what it changes);
- `own_copilot`: the same machine, for a test that breaks the installation: everything it
  changes (the agent's files, the zipapp, the install state, the user rules) is put back
  after it;
- `fresh_copilot`: a machine with nothing installed and no agent configuration yet.
"""

from __future__ import annotations

import pytest
from agentkit import npm
from agentkit.machine import Machine
from copilot_cli import CopilotCLI
from release import release_copy


@pytest.fixture(scope="session")
def copilot_executable():
    try:
        return npm.install("copilot")
    except npm.NpmUnreachable as error:
        pytest.skip(f"npm cannot be reached, so the copilot CLI cannot be installed: {error}")
    except npm.HarnessError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    return release_copy(tmp_path_factory.getbasetemp())


def _new(release, executable) -> CopilotCLI:
    return CopilotCLI(executable, Machine(release, "copilot"))


@pytest.fixture(scope="module")
def copilot(release, copilot_executable):
    cli = _new(release, copilot_executable)
    try:
        cli.prepare()
        cli.machine.install()
        yield cli
    finally:
        cli.machine.cleanup()


@pytest.fixture
def fresh_copilot(release, copilot_executable):
    cli = _new(release, copilot_executable)
    try:
        yield cli
    finally:
        cli.machine.cleanup()


@pytest.fixture
def own_copilot(copilot):
    with copilot.machine.checkpoint(copilot.config_dir):
        yield copilot
