"""A throw-away home for test calls, so a rule test means the same on every machine.

The home is a fresh folder with `project/` (the default working directory) and `.prempti/`
(PREMPTI_HOME) in it. `~`, `$HOME`, `{home}`, `{project}` and `{prempti_home}` in a test all
point into it, and setup steps create files, folders and symlinks there (never outside it).

Where: under `$PREMPTI_TEST_HOMES`, else `~/.cache/prempti-hook/test-homes/`. Not under
`/tmp` on purpose: the shipped rules treat the temporary folders as a staging area (writing
there asks), so a project in `/tmp` would not behave like a user's project.

While a call is evaluated, the process environment is HOME, PREMPTI_HOME and a standard PATH
only: the shell analysis resolves `$VARS` against it, and the user's own variables (tokens,
an odd PATH) must not change a test's outcome.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

PLACEHOLDERS = ("{home}", "{project}", "{prempti_home}")
STANDARD_PATH = "/usr/local/bin:/usr/bin:/bin"


class SetupError(ValueError):
    """A setup step that cannot be done (outside the home, not creatable)."""


def protected_reason(path: str) -> str:
    """Why a file the commands would write must not be written there ("" when it may):
    prempti-hook's own folder and Claude Code's configuration (where the hook is registered)
    are the guard itself, and these commands may be run by the agent it guards. The path is
    resolved first, so a symlink cannot lead there."""
    target = os.path.realpath(os.path.abspath(os.path.expanduser(path)))
    for folder, guarded in _guarded_folders():
        if target == guarded or target.startswith(guarded.rstrip(os.sep) + os.sep):
            return (f"{path} is inside {folder}, prempti-hook's or Claude Code's own files, "
                    f"which these commands never write")
    return ""


_GUARDED: list = []


def _guarded_folders() -> list[tuple[str, str]]:
    """(as configured, resolved) of prempti-hook's home and Claude Code's folder, once."""
    if not _GUARDED:
        from .. import config

        cfg = config.load()
        _GUARDED.extend((f, os.path.realpath(f)) for f in (cfg.prempti_home, cfg.claude_dir))
    return _GUARDED


def homes_root() -> str:
    root = os.environ.get("PREMPTI_TEST_HOMES")
    if root:
        return root
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "prempti-hook", "test-homes")


class Home:
    """One throw-away home (a real folder, removed by `remove`)."""

    def __init__(self, root: str | None = None) -> None:
        parent = root or homes_root()
        reason = protected_reason(parent)
        if reason:
            raise OSError(reason)
        os.makedirs(parent, mode=0o700, exist_ok=True)
        self.path = os.path.realpath(tempfile.mkdtemp(prefix="home-", dir=parent))
        self.project = os.path.join(self.path, "project")
        self.prempti_home = os.path.join(self.path, ".prempti")
        self.claude_dir = os.path.join(self.path, ".claude")
        os.mkdir(self.project)
        os.mkdir(self.prempti_home, 0o700)

    def values(self) -> dict[str, str]:
        return {"{home}": self.path, "{project}": self.project,
                "{prempti_home}": self.prempti_home}

    def expand(self, value):
        """`value` with the placeholders replaced, in every string of a nested structure."""
        values = self.values()
        if isinstance(value, str):
            for key, replacement in values.items():
                if key in value:
                    value = value.replace(key, replacement)
            return value
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        if isinstance(value, dict):
            return {self.expand(k): self.expand(v) for k, v in value.items()}
        return value

    def apply(self, steps: list[dict]) -> None:
        """Create setup steps (already validated: exactly one of file/dir/symlink each)."""
        for step in steps:
            if "dir" in step:
                path = self._inside(step["dir"])
                os.makedirs(path, exist_ok=True)
            elif "file" in step:
                path = self._inside(step["file"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(self.expand(step.get("content", "")))
                if step.get("mode") is not None:
                    os.chmod(path, step["mode"])
            else:
                path = self._inside(step["symlink"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if os.path.lexists(path):
                    os.unlink(path)
                os.symlink(self.expand(step["to"]), path)

    def _inside(self, raw: str) -> str:
        path = self.expand(raw)
        if path.startswith("~/"):
            path = os.path.join(self.path, path[2:])
        if not os.path.isabs(path):
            path = os.path.join(self.project, path)
        # Resolve the parent only: the last component may be the symlink being made.
        parent = os.path.realpath(os.path.dirname(os.path.normpath(path)))
        if parent != self.path and not parent.startswith(self.path + os.sep):
            raise SetupError(f"setup path {raw!r} is outside the test home")
        return os.path.join(parent, os.path.basename(os.path.normpath(path)))

    @contextmanager
    def environment(self):
        """The process environment a test call is evaluated in (see the module doc)."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update({"HOME": self.path, "PREMPTI_HOME": self.prempti_home,
                           "PATH": STANDARD_PATH})
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
