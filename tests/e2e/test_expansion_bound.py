"""Expansion is bounded by size, not by the machine's memory (issue 8, item 4).

`a=x; a=$a$a; ...` forty times asks bash for a 1 TiB string; before the bound the hook
allocated until the kernel's OOM killer stopped it. Here the installed zipapp runs such
commands as a subprocess under an address-space limit (`resource.setrlimit`): it must answer
within the limit, exit 0, and ask, naming `too_large`. A Read call under the same limit must
stay small and import no shell analysis.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PYTHON = os.path.realpath(sys.executable)
SCRATCH = Path(os.environ.get("PREMPTI_CORPUS_TMP")
               or Path.home() / ".cache" / "prempti-hook-tests")
LIMIT_BYTES = 384 * 1024 * 1024  # address space: python, the zipapp and the rules fit in it
# Runs one hook call under the limit and prints its exit status, its output and the peak
# resident size of the hook process (only child of this helper), as JSON.
HELPER = textwrap.dedent("""\
    import json, resource, subprocess, sys
    limit, python, zipapp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    proc = subprocess.run([python, "-I", "-S", "-X", "importtime", zipapp],
                          input=sys.stdin.buffer.read(), capture_output=True,
                          preexec_fn=limited, timeout=120)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": proc.returncode, "stdout": proc.stdout.decode(),
                      "stderr": proc.stderr.decode(errors="replace"), "peak_kib": peak}))
""")

BOMBS = {
    "doubling": "a=x; " + "a=$a$a; " * 40 + "echo \"$a\"",
    "appending": "a=x; " + "a+=$a; " * 40,
    "replacing": "a=x; " + "a=${a//x/xxxxxxxxxxxxxxxx}; " * 20 + "echo $a",
    "printf -v": "a=x; " + "printf -v a '%s%s' \"$a\" \"$a\"; " * 40,
    "braces": "echo " + "{a,b}" * 8 + "x" * 100_000,
    "words": "a='x '; " + "a=$a$a; " * 40 + "set -- $a",
}


@pytest.fixture
def home(built_zipapp):
    SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SCRATCH))
    (root / "project").mkdir()
    (root / "project" / "notes.txt").write_text("hello\n")
    zipapp = root / ".prempti" / "bin" / "prempti-hook"
    zipapp.parent.mkdir(parents=True)
    shutil.copy2(built_zipapp, zipapp)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _call(root: Path, tool_name: str, tool_input: dict) -> dict:
    payload = {"session_id": "s", "transcript_path": "", "cwd": str(root / "project"),
               "permission_mode": "default", "hook_event_name": "PreToolUse",
               "tool_name": tool_name, "tool_input": tool_input, "tool_use_id": "toolu_bound"}
    env = {"HOME": str(root), "PREMPTI_HOME": str(root / ".prempti"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([PYTHON, "-c", HELPER, str(LIMIT_BYTES), PYTHON,
                           str(root / ".prempti" / "bin" / "prempti-hook")],
                          input=json.dumps(payload).encode(), capture_output=True, env=env,
                          cwd=root / "project", timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _warm(root: Path) -> None:
    """Compile the rules once, so the measured calls load the cache as hooks usually do."""
    _call(root, "Bash", {"command": "ls"})


@pytest.mark.parametrize("name", BOMBS)
def test_an_expansion_bomb_asks_within_the_memory_limit(home, name) -> None:
    _warm(home)
    result = _call(home, "Bash", {"command": BOMBS[name]})
    assert result["code"] == 0, result["stderr"][-2000:]
    assert "MemoryError" not in result["stderr"] and "Traceback" not in result["stderr"]
    answer = json.loads(result["stdout"])["hookSpecificOutput"]
    assert answer["permissionDecision"] == "ask", answer
    assert "too_large" in answer["permissionDecisionReason"]


def test_a_read_call_stays_small_and_loads_no_shell_analysis(home) -> None:
    _warm(home)
    read = _call(home, "Read", {"file_path": str(home / "project" / "notes.txt")})
    assert read["code"] == 0, read["stderr"][-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in read["stderr"].splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "prempti_hook.hook" in imported
    assert not {m for m in imported if m.startswith("prempti_hook.event_source.shell")}
    bomb = _call(home, "Bash", {"command": BOMBS["doubling"]})
    # A Read is a fraction of the limit; the bomb costs at most a few MiB more than it.
    assert read["peak_kib"] < 64 * 1024, read["peak_kib"]
    assert bomb["peak_kib"] < read["peak_kib"] + 32 * 1024, (bomb["peak_kib"], read["peak_kib"])
