"""Install a pinned agent CLI from npm, once per checkout, into the repository's ignored
`.cache/agent-clis/`, the way `tests/e2e/claude/driver.py` installs Claude Code.

`install(agent)` returns the executable. It installs under a file lock (parallel pytest
processes share one install), into a staging folder renamed into place only once
`<cli> --version` names the pinned version, with `--ignore-scripts`: none of the three
needs an install script to run (Gemini's only build native helpers it can do without), so
nothing is compiled or fetched outside npm.

When npm cannot be reached (no npm, no network to the registry) the tests *skip* with a
clear message: `NpmUnreachable`. Any other failure (a registry answer that is not the pinned
package, a CLI that does not start) fails them: `HarnessError`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CACHE = REPO / ".cache" / "agent-clis"
INSTALL_TIMEOUT = 900.0
VERSION_TIMEOUT = 60.0

# agent -> (npm package, pinned version, executable)
PINNED = {
    "codex": ("@openai/codex", "0.169.0", "codex"),
    "gemini": ("@google/gemini-cli", "0.61.0", "gemini"),
    "copilot": ("@github/copilot", "1.0.102", "copilot"),
}
# What npm prints when it cannot reach the registry at all.
_OFFLINE_SIGNS = ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET",
                  "ENETUNREACH", "EHOSTUNREACH", "network request", "getaddrinfo",
                  "socket hang up", "request to https://registry")

_verified: dict = {}


class HarnessError(RuntimeError):
    """The harness could not do its job; the message says why."""


class NpmUnreachable(HarnessError):
    """npm is missing or cannot reach its registry: the tests skip."""


def shared_cache_dir(name: str) -> Path:
    """A folder under `.cache/agent-clis/` that runs may share (Copilot's self-extraction)."""
    path = CACHE / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def installed_version(executable: Path) -> str | None:
    """What `<cli> --version` prints (run with a throwaway HOME), or None."""
    if not executable.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="agent-cli-version-") as home:
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "TMPDIR": home,
               "XDG_CACHE_HOME": str(shared_cache_dir("xdg-cache")), "CI": "true",
               "COPILOT_AUTO_UPDATE": "false", "NO_UPDATE_NOTIFIER": "1"}
        try:
            done = subprocess.run([str(executable), "--version"], env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=VERSION_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    return done.stdout.strip() if done.returncode == 0 else None


def _is_pinned(executable: Path, version: str) -> bool:
    """`--version` names exactly `version` ("codex-cli 0.169.0", "0.61.0", "GitHub Copilot
    CLI 1.0.102.")."""
    found = installed_version(executable)
    return found is not None and version in re.findall(r"\d+\.\d+\.\d+", found)


def install(agent: str) -> Path:
    """The pinned CLI of `agent`, installed with npm into `.cache/agent-clis/` if needed."""
    package, version, name = PINNED[agent]
    folder = CACHE / f"{agent}-{version}"
    executable = folder / "node_modules" / ".bin" / name
    if _verified.get(agent) == executable or _is_pinned(executable, version):
        _verified[agent] = executable
        return executable
    npm = shutil.which("npm")
    if npm is None:
        raise NpmUnreachable(f"npm is not on PATH, so {package}@{version} cannot be installed "
                             f"for the {agent} end-to-end tests (install Node.js >= 20 with npm)")
    from filelock import FileLock, Timeout

    CACHE.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(CACHE / f"{agent}.lock"))
    try:
        with lock.acquire(timeout=INSTALL_TIMEOUT + 60):
            if not _is_pinned(executable, version):
                _npm_install(npm, folder, f"{package}@{version}", name, version)
    except Timeout as error:
        raise HarnessError(f"waited too long for another process installing {package} "
                           f"({lock.lock_file})") from error
    _verified[agent] = executable
    return executable


def _npm_install(npm: str, folder: Path, spec: str, name: str, version: str) -> None:
    staging = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "package.json").write_text(
        json.dumps({"name": f"prempti-e2e-{folder.name}", "private": True}) + "\n")
    command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund",
               "--include=optional", "--ignore-scripts", "--loglevel=error", spec]
    env = dict(os.environ, npm_config_update_notifier="false", CI="true")
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise NpmUnreachable(f"`{' '.join(command)}` did not finish within "
                             f"{INSTALL_TIMEOUT:.0f} s: the npm registry looks unreachable"
                             ) from error
    executable = staging / "node_modules" / ".bin" / name
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        output = f"{done.stdout}\n{done.stderr}"
        kind = NpmUnreachable if any(sign in output for sign in _OFFLINE_SIGNS) \
            else HarnessError
        raise kind(f"`{' '.join(command)}` failed (exit {done.returncode}):\n"
                   f"{output.strip()[-3000:]}")
    if not _is_pinned(executable, version):
        found = installed_version(executable)
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(f"installed {spec}, but `{name} --version` says {found!r}")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
