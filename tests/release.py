"""The release files copied aside and built, for the tests that run `install/install.sh` as a
user would (`tests/install/`, `tests/e2e/claude/`).

Each test session builds one copy (`release_copy`), so a build that someone else starts in
the checkout meanwhile cannot change what is installed halfway through the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = os.path.realpath(sys.executable)
BUILD_TIMEOUT = 300

_releases: dict = {}  # parent folder -> release copy, built once per test session


def copy_release_files(root: Path) -> None:
    """The files a release is built from (package, rules, build script, installer, the Claude
    Code plugin marketplace), copied into `root`, sharing the checkout's dependency cache."""
    for name in ("prempti_hook", "rules", "install", ".claude-plugin"):
        shutil.copytree(REPO / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("build_zipapp.py", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    (REPO / ".cache").mkdir(exist_ok=True)
    (root / ".cache").symlink_to(REPO / ".cache")  # reuse the build's dependency cache


def release_copy(parent: Path) -> Path:
    """A copy of the release files under `parent` with `dist/prempti-hook.pyz` built."""
    if parent in _releases:
        return _releases[parent]
    root = parent / "release"
    copy_release_files(root)
    subprocess.run([sys.executable, str(root / "build_zipapp.py"), "--quiet"], check=True,
                   cwd=root, timeout=BUILD_TIMEOUT)
    _releases[parent] = root
    return root


def installer_env(home: Path, **extra: str) -> dict:
    """The caller's environment minus anything that would redirect prempti-hook, its
    command (XDG_BIN_HOME) or Claude Code, or mark the caller as an agent (commands that
    weaken the guard refuse then), with HOME set to `home`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PREMPTI_", "SHIV_", "PYTHON", "CLAUDE", "GEMINI_",
                                  "CODEX_", "COPILOT_", "CURSOR_AGENT"))
           and key != "XDG_BIN_HOME"}  # install.sh puts the command there: stay in `home`
    env.update(HOME=str(home), PYTHON=PYTHON)
    env.update(extra)  # may name another PYTHON
    return env
