"""What the shell analysis loads: a plain command line loads none of the modules kept for
rarer constructs, and each rarer construct still loads (and is analysed by) its module."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from prempti_hook.event_source.shell.programs import table_names

REPO = Path(__file__).resolve().parents[2]
SHELL = "prempti_hook.event_source.shell"
# Modules that only rarer command lines need.
RARE = {f"{SHELL}.compound", f"{SHELL}.control", f"{SHELL}.braces", f"{SHELL}.parameters",
        f"{SHELL}.printed", "prempti_hook.event_source.netaddr"}


def _loaded(command: str, tmp_path: Path) -> tuple[set, dict]:
    """The modules of prempti_hook that analysing `command` loads in a fresh interpreter,
    and the analysis (as plain data)."""
    script = (
        "import json, sys\n"
        "from prempti_hook.event_source.shell import analyze\n"
        f"a = analyze(sys.argv[1], {str(tmp_path)!r}, {str(tmp_path)!r}, {{}})\n"
        "print(json.dumps([sorted(m for m in sys.modules if m.startswith('prempti_hook')),"
        " {k: list(v) if not isinstance(v, (bool, dict)) else v"
        " for k, v in a.as_dict().items()}]))\n")
    proc = subprocess.run([sys.executable, "-I", "-c", script, command], cwd=REPO,
                          capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(REPO)})
    modules, analysis = json.loads(proc.stdout)
    return set(modules), analysis


@pytest.mark.parametrize("command", ["ls -la src", "git status", "cat ~/.ssh/id_rsa",
                                     "npm test", "grep -v x a.txt | sort -u > b.txt"])
def test_a_plain_command_line_loads_none_of_the_rarer_modules(command, tmp_path):
    modules, _ = _loaded(command, tmp_path)
    assert f"{SHELL}.evaluate" in modules
    assert modules & RARE == set()


@pytest.mark.parametrize("command, module, expect", [
    ("if true; then cat /etc/shadow; fi", "compound", ("paths", "/etc/shadow")),
    ("for f in a; do cat /etc/shadow; done", "control", ("paths", "/etc/shadow")),
    ("cat /etc/{shadow,passwd}", "braces", ("paths", "/etc/passwd")),
    ("K=/etc/shadowX; cat ${K%X}", "parameters", ("paths", "/etc/shadow")),
    ("bash -c \"$(echo cat /etc/shadow)\"", "printed", ("paths", "/etc/shadow")),
    ("printf 'cat /etc/shadow' | sh", "printed", ("paths", "/etc/shadow")),
    ("cat < /dev/tcp/example.com/80", "netaddr", ("hosts", "example.com")),
])
def test_a_rarer_construct_loads_its_module_and_is_analysed(command, module, expect,
                                                             tmp_path):
    modules, analysis = _loaded(command, tmp_path)
    assert any(m.endswith("." + module) for m in modules)
    field, value = expect
    assert value in analysis[field]


def test_every_program_is_named_once_in_the_tables():
    """A program listed twice would be handled (or observed) by the first entry only."""
    handled, observed = table_names()
    assert [name for name, count in Counter(handled).items() if count > 1] == []
    assert [name for name, count in Counter(observed).items() if count > 1] == []
    assert "cat" in handled and "git" in handled and "rm" in observed
