"""Hostile stdin through real processes: the zipapp built from this checkout, installed
as install/install.sh installs it and run with the very command the installer registers
(`PREMPTI_HOME=... <python> -I -S $PREMPTI_HOME/bin/prempti-hook`, through `sh -c`).

This catches what the in-process tests cannot: the launcher, interpreter flags, real
descriptors, exit codes as the agent sees them. About 300 processes in the CI budget.
"""

from __future__ import annotations

import pytest
from hostile_inputs import edge_text, stdin_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_harness import (
    ALLOW_COMMAND,
    ASK_COMMAND,
    DEFAULT_INPUT_MAX,
    DENY_COMMAND,
    DENY_RULE,
    check,
    encode,
    examples,
    tool_call,
)

PROFILE = settings.get_profile("reliability")


@settings(PROFILE, max_examples=examples(200))
@given(data=stdin_bytes())
def test_any_stdin_through_the_installed_zipapp(installed, data):
    check(installed.run_process(data), data)


@settings(PROFILE, max_examples=examples(60))
@given(command=st.sampled_from([DENY_COMMAND, ASK_COMMAND, ALLOW_COMMAND]),
       before=edge_text(), cwd=edge_text())
def test_verdicts_through_the_installed_zipapp(installed, command, before, cwd):
    payload = tool_call(before + " ; " + command, cwd=cwd)
    data = encode(payload)
    result = installed.run_process(data)
    check(result, data)
    if "/.ssh/id_" in payload["tool_input"]["command"]:  # what the deny rule looks for
        assert result.decision() == "deny"
        assert result.reason().startswith(DENY_RULE + ": ")
    else:  # the ask rules may also match text in `before`
        assert result.decision() in ("ask", "none")


@pytest.mark.parametrize("size, exit_code", [(DEFAULT_INPUT_MAX, 0),
                                             (DEFAULT_INPUT_MAX + 1, 2)])
def test_the_4_mib_limit_through_the_installed_zipapp(installed, size, exit_code):
    data = encode(tool_call(DENY_COMMAND, description=""))
    data = data.replace(b'"description": ""',
                        b'"description": "' + b"x" * (size - len(data)) + b'"', 1)
    assert len(data) == size
    result = installed.run_process(data)
    check(result, data)
    assert result.rc == exit_code
    if exit_code == 0:
        assert result.decision() == "deny"


# Variables of the agent's environment that could change what the zipapp runs: shiv's
# (entry point, interactive interpreter that would execute stdin, forced re-extraction)
# and Python's (ignored under -I).
HOSTILE_ENVIRONMENTS = {
    "shiv-interpreter": {"SHIV_INTERPRETER": "1"},
    "shiv-entry-point": {"SHIV_ENTRY_POINT": "os:getcwd"},
    "shiv-force-extract": {"SHIV_FORCE_EXTRACT": "1", "SHIV_ROOT": "/nonexistent/root"},
    "python-variables": {"PYTHONPATH": "/tmp/evil", "PYTHONINSPECT": "1",
                         "PYTHONSTARTUP": "/tmp/evil.py", "PYTHONHOME": "/nonexistent"},
    "odd-locale": {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    "no-path": {"PATH": ""},
}


@pytest.mark.parametrize("variables", HOSTILE_ENVIRONMENTS.values(),
                         ids=HOSTILE_ENVIRONMENTS.keys())
def test_hostile_environment_variables_change_nothing(installed, variables):
    data = encode(tool_call(DENY_COMMAND + " \u00e9\u202e"))
    result = installed.run_process(data, env=variables)
    check(result, data)
    assert result.decision() == "deny" and result.reason().startswith(DENY_RULE), result
