"""A throw-away home with the real zipapp installed as install/install.sh lays it out, and
PreToolUse calls sent to it exactly as Claude Code sends them: shared by the suites that
prove a protection through the installed hook (test_self_protection, test_shell_gaps)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpus import compare

PYTHON = os.path.realpath(sys.executable)


def guard_home(tmp_path_factory, rules_dir: Path) -> Path:
    """A new home with the zipapp (PREMPTI_TEST_PYZ, or one built now) as
    $PREMPTI_HOME/bin/prempti-hook and the rules of `rules_dir` in rules/default; the caller
    lays out its other files, then calls `register`."""
    pyz = os.environ.get("PREMPTI_TEST_PYZ")
    if not pyz:
        pyz = str(compare.build_zipapp(tmp_path_factory.mktemp("build") / "prempti-hook.pyz"))
    home = tmp_path_factory.mktemp("home")
    prempti = home / ".prempti"
    for sub in ("bin", "rules/default", "rules/user", "lib", "log"):
        (prempti / sub).mkdir(parents=True)
    shutil.copy2(pyz, prempti / "bin" / "prempti-hook")
    for rule in sorted(rules_dir.glob("*.yaml")):
        shutil.copy2(rule, prempti / "rules" / "default" / rule.name)
    return home


def register(home: Path) -> None:
    """`prempti-hook install` in `home`: the hook registered in ~/.claude/settings.json."""
    proc = subprocess.run([PYTHON, "-I", "-S", str(home / ".prempti" / "bin" / "prempti-hook"),
                           "install"],
                          env=environ(home), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    settings = json.loads((home / ".claude" / "settings.json").read_text(encoding="utf-8"))
    assert "prempti-hook" in json.dumps(settings["hooks"]["PreToolUse"])


def environ(home: Path) -> dict:
    return {"HOME": str(home), "PREMPTI_HOME": str(home / ".prempti"),
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def ask_hook(home: Path, tool_name: str, tool_input: dict, session: str) -> tuple[str, str]:
    """(verdict, reason) of the installed hook for one call from ~/project, run exactly as
    Claude Code runs it; `{home}` in the call stands for the home's path."""
    payload = {"session_id": session, "transcript_path": "",
               "cwd": str(home / "project"), "permission_mode": "default",
               "hook_event_name": "PreToolUse", "tool_name": tool_name,
               "tool_input": tool_input, "tool_use_id": f"toolu_{session.replace('-', '_')}"}
    text = json.dumps(payload).replace("{home}", str(home))
    proc = subprocess.run([PYTHON, "-I", "-S", str(home / ".prempti" / "bin" / "prempti-hook")],
                          input=text, capture_output=True, text=True, env=environ(home),
                          cwd=home / "project", timeout=120)
    assert proc.returncode == 0, proc.stderr
    if not proc.stdout.strip():
        return "allow", ""
    output = json.loads(proc.stdout)["hookSpecificOutput"]
    return output["permissionDecision"], output.get("permissionDecisionReason", "")
