"""The fixtures of one agent's end-to-end tests (the real CLI from npm against the mock
model), made by `agent_fixtures(agent, cli_class)` for that agent's conftest:

- `<agent>_executable`: the pinned CLI, installed once per checkout (skips when npm cannot
  be reached; any other install failure fails the tests);
- `release`: a copy of the release files with the zipapp built, once per session;
- `<agent>`: a `cli_class` on a machine with the guard installed by install.sh, shared by a
  module's tests (each puts back what it changes);
- `own_<agent>`: the same machine, for a test that breaks the installation: everything it
  changes (the agent's files, the zipapp, the install state, the user rules) is put back
  after it;
- `fresh_<agent>`: a machine with nothing installed and no agent configuration yet.
"""

from __future__ import annotations

import pytest
from release import release_copy

from . import npm
from .cli import AgentCLI
from .machine import Machine


def agent_fixtures(agent: str, cli_class: type[AgentCLI]) -> tuple:
    """The fixtures above for `agent`, in that order; the conftest binds each to a module
    name equal to its fixture name."""
    executable_name = f"{agent}_executable"

    @pytest.fixture(scope="session", name=executable_name)
    def executable():
        try:
            return npm.install(agent)
        except npm.NpmUnreachable as error:
            pytest.skip(f"npm cannot be reached, so the {agent} CLI cannot be installed: "
                        f"{error}")
        except npm.HarnessError as error:
            pytest.fail(str(error), pytrace=False)

    @pytest.fixture(scope="session")
    def release(tmp_path_factory):
        return release_copy(tmp_path_factory.getbasetemp())

    def new(release, request) -> AgentCLI:
        return cli_class(request.getfixturevalue(executable_name), Machine(release, agent))

    @pytest.fixture(scope="module", name=agent)
    def installed(release, request):
        cli = new(release, request)
        try:
            cli.prepare()
            cli.machine.install()
            yield cli
        finally:
            cli.machine.cleanup()

    @pytest.fixture(name=f"fresh_{agent}")
    def fresh(release, request):
        cli = new(release, request)
        try:
            yield cli
        finally:
            cli.machine.cleanup()

    @pytest.fixture(name=f"own_{agent}")
    def own(request):
        cli = request.getfixturevalue(agent)
        with cli.machine.checkpoint(cli.config_dir):
            yield cli

    return executable, release, installed, own, fresh
