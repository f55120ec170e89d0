"""Install the pinned Claude Code CLI and run one scripted, offline ``claude -p`` session.

``install_claude_code()`` puts ``@anthropic-ai/claude-code@<CLAUDE_CODE_VERSION>`` into
``<repo>/.cache/claude-code`` once (under a file lock, so parallel pytest processes share one
install) and returns the ``claude`` executable.

``run_session(script, home=..., project=...)`` starts the scripted mock Messages API
(``mock_api.py``), runs the CLI against it with a minimal environment (nothing from the
developer's own environment but ``PATH``), and returns a ``SessionResult``: the parsed
``--output-format json`` result, the ``tool_result`` blocks the CLI sent back to the "model",
stderr, the exit code and the duration. The CLI and everything it started are killed if the
session overruns its timeout; the mock is stopped in every case.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from mock_api import MockAnthropicAPI

CLAUDE_CODE_VERSION = "2.1.332"
CLAUDE_CODE_PACKAGE = f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"
REPO_ROOT = Path(__file__).resolve().parents[3]
INSTALL_DIR = REPO_ROOT / ".cache" / "claude-code"
MCP_SERVER = Path(__file__).resolve().with_name("mcp_server.py")
MCP_SERVER_NAME = "demo"

ALL_TOOLS = (
    "Bash", "Read", "Write", "Edit", "Glob", "Grep", "NotebookEdit", "WebFetch", "WebSearch",
    "Agent",
)
INSTALL_TIMEOUT = 900.0  # npm fetches a ~100 MiB tarball; slow CI mirrors need the margin
SESSION_TIMEOUT = 120.0  # one scripted session takes ~1-5 s; a hang must not stall CI
VERSION_TIMEOUT = 60.0

# Always in the ``--settings`` layer: WebFetch would otherwise ask claude.ai whether a domain
# is safe before fetching, i.e. reach the real network even in an offline test.
HARNESS_SETTINGS = {"skipWebFetchPreflight": True}

_verified: dict = {}  # install dir -> claude path, once verified in this process


class HarnessError(RuntimeError):
    """The harness could not do its job (install failed, CLI hung); the message says why."""


# --------------------------------------------------------------------------- install


def _installed_version(claude: Path) -> str | None:
    """What ``claude --version`` prints, run with a throwaway HOME; None if it cannot run."""
    if not claude.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="claude-version-") as home:
        try:
            completed = subprocess.run(
                [str(claude), "--version"],
                env={"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "TMPDIR": home,
                     "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1"},
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=VERSION_TIMEOUT, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _is_pinned(claude: Path) -> bool:
    version = _installed_version(claude)
    return version is not None and version.split()[0] == CLAUDE_CODE_VERSION


def install_claude_code(install_dir: Path = INSTALL_DIR) -> Path:
    """The pinned ``claude`` executable, installed with npm into ``install_dir`` if needed.

    Safe to call from several processes at once: the install runs under a file lock, into a
    staging folder that is renamed into place only once ``claude --version`` checks out.
    """
    install_dir = Path(install_dir)
    claude = install_dir / "node_modules" / ".bin" / "claude"
    if _verified.get(install_dir) == claude or _is_pinned(claude):
        _verified[install_dir] = claude
        return claude
    npm = shutil.which("npm")
    if npm is None:
        raise HarnessError(
            f"npm was not found on PATH. The Claude Code end-to-end tests install "
            f"{CLAUDE_CODE_PACKAGE} with npm into {install_dir}; install Node.js (>= 20) "
            f"with npm, or deselect these tests with `-m 'not e2e'`."
        )
    from filelock import FileLock, Timeout

    install_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(install_dir.parent / "claude-code.lock"))
    try:
        with lock.acquire(timeout=INSTALL_TIMEOUT + 60):
            if not _is_pinned(claude):
                _npm_install(npm, install_dir)
    except Timeout as error:
        raise HarnessError(
            f"waited too long for another process installing Claude Code ({lock.lock_file})"
        ) from error
    _verified[install_dir] = claude
    return claude


def _npm_install(npm: str, install_dir: Path) -> None:
    staging = install_dir.with_name(f"{install_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "package.json").write_text(
        json.dumps({"name": "prempti-e2e-claude-code", "private": True}) + "\n"
    )
    command = [
        npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund",
        "--include=optional", "--loglevel=error", CLAUDE_CODE_PACKAGE,
    ]
    env = dict(os.environ, npm_config_update_notifier="false", CI="true")
    try:
        completed = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=INSTALL_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(
            f"`{' '.join(command)}` did not finish within {INSTALL_TIMEOUT:.0f} s"
        ) from error
    staged_claude = staging / "node_modules" / ".bin" / "claude"
    if completed.returncode != 0 or not _is_pinned(staged_claude):
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(
            f"installing {CLAUDE_CODE_PACKAGE} failed (npm exit {completed.returncode}, "
            f"`claude --version` -> {_installed_version(staged_claude)!r}).\n"
            f"command: {' '.join(command)}\n"
            f"npm stdout:\n{_tail(completed.stdout)}\nnpm stderr:\n{_tail(completed.stderr)}"
        )
    shutil.rmtree(install_dir, ignore_errors=True)
    staging.rename(install_dir)


# --------------------------------------------------------------------------- results


@dataclass
class SessionResult:
    """Everything one ``claude -p`` run produced, plus what the mock API saw."""

    command: list
    exit_code: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    duration: float
    result: dict | None
    tool_results: list
    requests: list
    request_log: str
    debug_log: str = ""

    @property
    def final_text(self) -> str:
        """The session's final answer text (``result`` field of the JSON output)."""
        return str((self.result or {}).get("result", ""))

    def results_for(self, tool_name: str) -> list:
        """The tool results whose call the mock issued for ``tool_name``, in order."""
        return [entry for entry in self.tool_results if entry.get("tool_name") == tool_name]

    def only_result_for(self, tool_name: str) -> dict:
        """The single tool result for ``tool_name``; fails with the full context otherwise."""
        found = self.results_for(tool_name)
        if len(found) != 1:
            raise AssertionError(
                f"expected exactly one tool_result for {tool_name}, got {len(found)}\n"
                + self.describe()
            )
        return found[0]

    def describe(self) -> str:
        """The context a failing test should print: command, exit, stderr, requests, debug."""
        results = "\n".join(
            f"  {entry.get('tool_name')} is_error={entry['is_error']}: {entry['content'][:300]!r}"
            for entry in self.tool_results
        ) or "  (none)"
        hook_lines = "\n".join(
            line for line in self.debug_log.splitlines()
            if "[ERROR]" in line or ("Hook" in line and "checkForNewResponses" not in line)
        )
        return (
            f"--- claude session (exit {self.exit_code}, {self.duration:.2f} s)\n"
            f"command: {' '.join(self.command)}\n"
            f"--- stderr:\n{_tail(self.stderr)}\n"
            f"--- stdout:\n{_tail(self.stdout)}\n"
            f"--- tool results:\n{results}\n"
            f"--- mock request log:\n{self.request_log}\n"
            f"--- debug log (hook lines):\n{_tail(hook_lines, 60)}\n"
        )

    def expect_success(self) -> SessionResult:
        """Fail with the full context unless the CLI exited 0 with a parsed result."""
        if self.exit_code != 0 or self.result is None or self.result.get("is_error"):
            raise AssertionError("the claude session did not succeed\n" + self.describe())
        return self


def _tail(text: str, lines: int = 40) -> str:
    kept = text.splitlines()[-lines:]
    return "\n".join(kept) if kept else "(empty)"


def _parse_result(stdout: str) -> dict | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return None


# --------------------------------------------------------------------------- sessions


def mcp_config(server_name: str = MCP_SERVER_NAME) -> dict:
    """An ``--mcp-config`` value that starts the demo stdio MCP server (``mcp_server.py``)."""
    return {"mcpServers": {server_name: {"command": sys.executable, "args": [str(MCP_SERVER)]}}}


def hook_settings(command: str, *, matcher: str = "*", timeout: int = 30,
                  on_failure: str | None = None) -> dict:
    """Settings that register ``command`` as the only PreToolUse hook."""
    entry: dict = {"type": "command", "command": command, "timeout": timeout}
    if on_failure is not None:
        entry["onFailure"] = on_failure
    return {"hooks": {"PreToolUse": [{"matcher": matcher, "hooks": [entry]}]}}


def session_env(*, home: Path, tmpdir: Path, base_url: str, bypass: bool) -> dict:
    """The whole environment of the CLI: as if started with ``env -i`` plus these."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "TMPDIR": str(tmpdir),
        "LANG": "C.UTF-8",
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "dummy",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
    }
    if bypass:
        # As root the CLI refuses bypassPermissions unless it is told it runs in a sandbox.
        env["IS_SANDBOX"] = "1"
    return env


def run_session(
    script: list,
    *,
    home: Path,
    project: Path,
    settings: dict | None = None,
    tools: list | tuple | str | None = None,
    mcp_config: dict | None = None,
    permission_mode: str | None = None,
    timeout: float = SESSION_TIMEOUT,
    prompt: str | None = None,
    extra_args: list | tuple = (),
    extra_env: dict | None = None,
    claude: Path | None = None,
) -> SessionResult:
    """Run ``claude -p`` once in ``project`` with HOME=``home``, the model played by ``script``.

    ``settings`` (a dict, merged over ``HARNESS_SETTINGS``) is passed with ``--settings``;
    ``tools`` becomes ``--tools``; ``mcp_config`` becomes ``--mcp-config``;
    ``permission_mode`` becomes ``--permission-mode``
    (``bypassPermissions`` also sets ``IS_SANDBOX=1`` so it works as root). ``prompt`` must
    be unique to this session (it identifies the main conversation to the mock); by default
    one is generated. ``extra_env`` is added to the minimal environment.
    Raises ``HarnessError`` if the CLI does not finish within ``timeout`` seconds.
    """
    claude = claude or install_claude_code()
    home, project = Path(home), Path(project)
    home.mkdir(parents=True, exist_ok=True)
    project.mkdir(parents=True, exist_ok=True)
    prompt = prompt or f"Follow scripted session {uuid.uuid4().hex}."
    scratch = Path(tempfile.mkdtemp(prefix="claude-e2e-"))
    try:
        tmpdir = scratch / "tmp"
        tmpdir.mkdir()
        debug_file = scratch / "debug.log"
        command = [str(claude), "-p", prompt, "--output-format", "json",
                   "--debug-file", str(debug_file)]
        settings_file = scratch / "settings.json"
        settings_file.write_text(json.dumps({**HARNESS_SETTINGS, **(settings or {})}))
        command += ["--settings", str(settings_file)]
        if tools is not None:
            command += ["--tools", tools if isinstance(tools, str) else ",".join(tools)]
        if mcp_config is not None:
            command += ["--mcp-config", json.dumps(mcp_config)]
        if permission_mode is not None:
            command += ["--permission-mode", permission_mode]
        command += list(extra_args)
        with MockAnthropicAPI(script, main_key=prompt) as mock:
            env = session_env(home=home, tmpdir=tmpdir, base_url=mock.url,
                              bypass=permission_mode == "bypassPermissions")
            env.update(extra_env or {})
            exit_code, stdout, stderr, duration = _run_bounded(command, project, env, timeout)
            debug_log = debug_file.read_text(errors="replace") if debug_file.exists() else ""
            session = SessionResult(
                command=command, exit_code=exit_code, stdout=stdout, stderr=stderr,
                duration=duration, result=_parse_result(stdout),
                tool_results=mock.tool_results(), requests=mock.requests,
                request_log=mock.describe_requests(), debug_log=debug_log,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if exit_code is None:
        raise HarnessError(f"claude did not finish within {timeout:.0f} s\n" + session.describe())
    return session


class ClaudeSession:
    """``run_session`` bound to one CLI install, HOME and project (what the fixture hands out)."""

    def __init__(self, claude: Path, home: Path, project: Path) -> None:
        self.claude = claude
        self.home = home
        self.project = project
        home.mkdir(parents=True, exist_ok=True)
        project.mkdir(parents=True, exist_ok=True)

    def run(self, script: list, **options: object) -> SessionResult:
        """One ``claude -p`` session; ``options`` are ``run_session``'s keyword arguments."""
        return run_session(script, home=self.home, project=self.project, claude=self.claude,
                           **options)  # type: ignore[arg-type]


def _run_bounded(command: list, cwd: Path, env: dict,
                 timeout: float) -> tuple[int | None, str, str, float]:
    """Run the CLI in its own process group; on timeout kill it and everything it started.

    Returns exit code (None after a timeout), stdout, stderr and the wall time.
    """
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        exit_code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        _kill_tree(process.pid)
        stdout, stderr = process.communicate()
        exit_code = None
    except BaseException:
        _kill_tree(process.pid)
        process.communicate()
        raise
    return exit_code, stdout, stderr, time.monotonic() - started


def _children_by_parent() -> dict:
    """parent pid -> child pids, from /proc (empty where /proc is unavailable)."""
    children: dict = {}
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return children
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                # "pid (comm) state ppid ...": comm may hold spaces or parentheses.
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(root: int) -> set:
    children = _children_by_parent()
    found: set = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _kill_tree(root: int) -> None:
    """SIGKILL ``root`` and all its descendants, including those in their own sessions.

    The Bash tool starts each command in a new session, so killing the CLI's process group
    alone would leave a hung command running. The tree is frozen with SIGSTOP first (until no
    new process shows up), so nothing can fork away between listing and killing.
    """
    frozen: set = set()
    for _ in range(10):
        fresh = ({root} | _descendants(root)) - frozen
        if not fresh:
            break
        for pid in fresh:
            _signal(pid, signal.SIGSTOP)
        frozen |= fresh
    _signal(-root, signal.SIGKILL)  # the CLI's own process group
    for pid in frozen:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        if pid < 0:
            os.killpg(-pid, signum)
        else:
            os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
