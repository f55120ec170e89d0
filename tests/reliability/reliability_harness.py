"""The reliability suite's shared parts: a hook home, the hook run in-process or as the
installed zipapp, and the contract's invariants as one checker (the hostile inputs are in
hostile_inputs.py).

Used by the tests in this folder and by `long_run.py`, so the CI budget and the long run
check exactly the same things.

The contract being checked (docs/contract.md, "Failure policy", "Audit log" and
"Claude Code's hook protocol"):
- unreadable input (empty, not UTF-8, not JSON, not an object, over the size limit):
  exit 2, nothing on stdout, exactly one line on stderr;
- anything else: exit 0 with exactly one JSON object on stdout, or an empty stdout where
  the contract gives no decision (monitor mode, `default_action: defer`, events that get no
  decision); exit 2 with one stderr line only for an event that cannot carry a deny;
- never exit 1, never a traceback, never more than CPU_BOUND_SECONDS of CPU (rule cache
  warm) nor WALL_BOUND_SECONDS of wall time (the timeout the installer registers);
- a problem printed on stderr is also in the answer the user sees (`systemMessage`, or the
  reason of a fail-closed deny): never only on stderr;
- every call the hook could read writes exactly one audit line, a JSON object in Falco's
  alert shape whose verdict agrees with the answer.

Bounds: the CPU bound is measured as CPU time (thread CPU in-process, the child's rusage for
a subprocess), so a busy shared machine does not make the suite flaky; the wall bound is a
backstop against sleeps and lock waits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from prempti_hook.claude_settings import TIMEOUT_SECONDS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RULES = HERE / "rules.yaml"

CPU_BOUND_SECONDS = 5.0
WALL_BOUND_SECONDS = float(TIMEOUT_SECONDS)  # the hook timeout the installer registers
DEFAULT_INPUT_MAX = 4 * 1024 * 1024

# The few verdicts the test ruleset gives (rules.yaml), for inputs built to hit them.
DENY_COMMAND = "cat ~/.ssh/id_rsa"
ASK_COMMAND = "rm -rf build"
ALLOW_COMMAND = "ls -la src"
DENY_RULE = "Reliability deny reading SSH keys from the shell"

HOOK_EVENTS = ("PreToolUse", "PermissionRequest", "PostToolUse", "UserPromptSubmit",
               "SessionStart", "Stop", "SubagentStop", "Notification")
LOG_KEYS = ("time", "hostname", "source", "rule", "priority", "output", "output_fields",
            "tags", "verdict", "mode", "enforced", "matched", "duration_ms")
_CORRELATION = re.compile(r"\| correlation=(\d+)$")


def fuzz_scale() -> float:
    """PREMPTI_FUZZ_SCALE multiplies every example budget (default 1: the CI budget)."""
    try:
        return max(float(os.environ.get("PREMPTI_FUZZ_SCALE", "1")), 0.01)
    except ValueError:
        return 1.0


def examples(n: int) -> int:
    return max(1, int(n * fuzz_scale()))


def tool_call(command: str = ALLOW_COMMAND, *, tool_name: str = "Bash", event: str =
              "PreToolUse", tool_use_id: str = "toolu_reliability", cwd: str = "/tmp",
              tool_input: dict | None = None, **extra) -> dict:
    """A well-formed Claude Code hook input (the shape of the real samples)."""
    if tool_input is None:
        tool_input = {"command": command, "description": "reliability suite"}
    return {"session_id": "reliability-session", "transcript_path": "/tmp/transcript.jsonl",
            "cwd": cwd, "permission_mode": "default", "hook_event_name": event,
            "tool_name": tool_name, "tool_input": tool_input, "tool_use_id": tool_use_id,
            **extra}


def encode(payload) -> bytes:
    """JSON text the way Claude Code sends it; lone surrogates become \\udXXX escapes."""
    return json.dumps(payload, ensure_ascii=True).encode("ascii")


# Settings, as the user sets them -----------------------------------------------------------

class Settings:
    """The effective settings of a hook call, known to the test from what it configured
    (not read back from the code under test)."""

    __slots__ = ("default_action", "fail_open", "input_max_bytes", "mode")

    def __init__(self, mode: str = "guardrails", default_action: str = "none",
                 fail_open: bool = False, input_max_bytes: int = DEFAULT_INPUT_MAX) -> None:
        self.mode = mode
        self.default_action = default_action
        self.fail_open = fail_open
        self.input_max_bytes = input_max_bytes


# A hook home -------------------------------------------------------------------------------

class HookResult:
    __slots__ = ("cpu", "log_lines", "rc", "stderr", "stdout", "wall")

    def __init__(self, rc: int, stdout: bytes, stderr: bytes, cpu: float, wall: float,
                 log_lines: list[bytes]) -> None:
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.cpu = cpu
        self.wall = wall
        self.log_lines = log_lines

    def answer(self) -> dict:
        """The JSON object on stdout ({} when stdout is empty)."""
        return json.loads(self.stdout) if self.stdout.strip() else {}

    def decision(self) -> str | None:
        """The verdict answered; "none" for no decision (exit 0, nothing on stdout)."""
        if self.rc == 0 and not self.stdout.strip():
            return "none"
        answer = self.answer()
        if self.rc == 0 and "hookSpecificOutput" not in answer:
            return "none"  # only a systemMessage: no decision, with something to tell
        specific = answer.get("hookSpecificOutput") or {}
        if "permissionDecision" in specific:
            return specific["permissionDecision"]
        return (specific.get("decision") or {}).get("behavior")

    def reason(self) -> str:
        specific = self.answer().get("hookSpecificOutput") or {}
        return specific.get("permissionDecisionReason") or \
            (specific.get("decision") or {}).get("message") or ""

    def system_message(self) -> str:
        return self.answer().get("systemMessage", "")

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.log_lines]

    def __repr__(self) -> str:
        return (f"HookResult(rc={self.rc}, stdout={self.stdout[:400]!r}, "
                f"stderr={self.stderr[:400]!r}, cpu={self.cpu:.3f}, wall={self.wall:.3f}, "
                f"log_lines={len(self.log_lines)})")


class HookHome:
    """One user's world: HOME, PREMPTI_HOME with the test ruleset as its default rules,
    and the environment the hook runs with. Runs the hook in-process on its own
    descriptors (temporary files: a 4 MiB stdin does not fit a pipe buffer)."""

    def __init__(self, root: Path, rules: Path = RULES, env: dict | None = None) -> None:
        self.root = Path(root)
        self.home = self.root / "home"
        self.prempti_home = self.root / "prempti"
        self.home.mkdir(parents=True, exist_ok=True)
        self.rules_dir = self.prempti_home / "rules" / "default"
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.prempti_home, 0o700)
        shutil.copy(rules, self.rules_dir / "reliability.yaml")
        self.env = {"HOME": str(self.home), "PREMPTI_HOME": str(self.prempti_home),
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if env:
            self.env.update(env)
        self._fds: tuple[int, int, int] | None = None

    # Paths ---------------------------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.prempti_home / "log"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "events.jsonl"

    @property
    def cache_dir(self) -> Path:
        return self.prempti_home / "cache"

    @property
    def cache_file(self) -> Path:
        return self.cache_dir / "ruleset.cache"

    @property
    def writing_file(self) -> Path:
        """The file the next audit line goes to: the newest numbered file (the first one on
        an empty log)."""
        from prempti_hook import auditlog

        files = auditlog.numbered_files(str(self.log_file))
        return Path(files[-1] if files else auditlog.numbered_path(str(self.log_file), 1))

    def log_files(self) -> list[Path]:
        """Every file of the log, oldest first (auditlog's own listing)."""
        from prempti_hook import auditlog

        return [Path(p) for p in auditlog.log_files(str(self.log_file))
                if Path(p).is_file()]  # not a FIFO a test planted: reading it would hang

    def log_lines(self) -> list[bytes]:
        lines: list[bytes] = []
        for path in self.log_files():
            lines.extend(line for line in path.read_bytes().split(b"\n") if line)
        return lines

    def clear_log(self) -> None:
        from prempti_hook import auditlog

        for path in auditlog.log_files(str(self.log_file)):
            os.unlink(path)
        if self.log_file.is_symlink():
            self.log_file.unlink()

    # Running -------------------------------------------------------------------------------
    def _descriptors(self) -> tuple[int, int, int]:
        if self._fds is None:
            import tempfile

            fds = []
            for _ in range(3):
                fd, path = tempfile.mkstemp(dir=self.root)
                os.unlink(path)
                fds.append(fd)
            self._fds = (fds[0], fds[1], fds[2])
        return self._fds

    def close(self) -> None:
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
            self._fds = None

    def run(self, data: bytes, env: dict | None = None, clear_log: bool = True) -> HookResult:
        """`hook.run` in this process on `data`, with this home's environment (plus `env`).
        The audit lines of the call are the log's lines afterwards (cleared before)."""
        from prempti_hook import hook

        if clear_log:
            self.clear_log()
        stdin, stdout, stderr = self._descriptors()
        for fd in (stdin, stdout, stderr):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(stdin, view):]
        os.lseek(stdin, 0, os.SEEK_SET)
        environ = dict(self.env)
        if env:
            environ.update(env)
        environ = {k: v for k, v in environ.items() if v is not None}  # None: unset it
        with watchdog(WALL_BOUND_SECONDS + 1):
            wall0, cpu0 = time.perf_counter(), time.thread_time()
            rc = hook.run(stdin, stdout, stderr, environ)
            cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
        return HookResult(rc, _read_fd(stdout), _read_fd(stderr), cpu, wall,
                          self.log_lines() if clear_log else [])


def warm(home: HookHome) -> HookHome:
    """One call, so the rule cache exists (the bounds are stated for a warm cache)."""
    result = home.run(encode(tool_call(ALLOW_COMMAND)))
    assert result.rc == 0 and result.decision() == "none", result
    return home


def is_root() -> bool:
    return os.geteuid() == 0


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


class WatchdogExpired(BaseException):
    """A call ran past the watchdog: the suite reports it instead of hanging."""


class watchdog:
    """Interrupt the main thread after `seconds` (SIGALRM; Python code and `re` matching
    are interruptible). The hook catches the exception and answers, so the caller sees a
    wall time over the bound and fails the example rather than hanging the suite."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous = None

    def __enter__(self):
        def expire(signum, frame):
            raise WatchdogExpired(f"no answer after {self.seconds} s")

        self.previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)


# The installed zipapp ----------------------------------------------------------------------

def interpreter() -> str:
    """The interpreter the installer records: the real one behind this venv."""
    return os.path.realpath(sys.executable)


def build_zipapp(output: Path) -> Path:
    """Build the zipapp of this checkout into `output` (the tests must run today's code,
    not whatever dist/ holds, and must not race the build another engineer is running)."""
    result = subprocess.run([sys.executable, str(REPO / "build_zipapp.py"), "--quiet",
                             "--output", str(output)], capture_output=True, text=True,
                            cwd=REPO, timeout=600)
    if result.returncode != 0 or not output.is_file():
        raise RuntimeError(f"build_zipapp.py failed ({result.returncode}): "
                           f"{result.stderr[-2000:]}")
    return output


class InstalledHook(HookHome):
    """A HookHome with the zipapp installed as install/install.sh lays it out
    (`$PREMPTI_HOME/bin/prempti-hook`), run with the command the installer registers in
    Claude Code's settings (`PREMPTI_HOME=... <python> -I -S <zipapp>`), through `sh -c` as
    Claude Code runs hooks."""

    def __init__(self, root: Path, zipapp: Path, rules: Path = RULES,
                 env: dict | None = None, python: str | None = None) -> None:
        super().__init__(root, rules, env)
        from prempti_hook import claude_settings

        self.python = python or interpreter()
        bin_dir = self.prempti_home / "bin"
        bin_dir.mkdir(exist_ok=True)
        installed = bin_dir / "prempti-hook"
        shutil.copy(zipapp, installed)
        os.chmod(installed, 0o700)
        self.zipapp = installed
        self.command = claude_settings.hook_command(self.python, str(self.prempti_home))
        self.wrapper: list[str] = []  # e.g. setpriv, to run as another user

    def warm(self) -> None:
        """What install.sh leaves behind: the zipapp extracted, the rule cache built."""
        self.cli("--version")
        self.run_process(encode(tool_call(ALLOW_COMMAND)))

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*self.wrapper, self.python, "-I", "-S", str(self.zipapp), *args],
                              capture_output=True, env=self.env, timeout=timeout)

    def spawn(self, env: dict | None = None, command: str | None = None,
              stdout=subprocess.PIPE, preexec_fn=None) -> subprocess.Popen:
        environ = dict(self.env)
        if env:
            environ.update(env)
        environ = {k: v for k, v in environ.items() if v is not None}  # None: unset it
        # A session of its own, so that a timeout kills the hook and not only `sh` (an
        # orphaned hook would keep the pipes, and the test, waiting).
        return subprocess.Popen([*self.wrapper, "/bin/sh", "-c", command or self.command],
                                stdin=subprocess.PIPE, stdout=stdout,
                                stderr=subprocess.PIPE, env=environ, preexec_fn=preexec_fn,
                                start_new_session=True)

    def run_process(self, data: bytes, env: dict | None = None, clear_log: bool = True,
                    command: str | None = None, preexec_fn=None) -> HookResult:
        """One hook call as a real process; CPU from the child's rusage."""
        if clear_log:
            self.clear_log()
        process = self.spawn(env, command, preexec_fn=preexec_fn)
        return finish(process, data, self.log_lines if clear_log else list)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group `process` leads (see InstalledHook.spawn)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def finish(process: subprocess.Popen, data: bytes, log_lines=list,
           timeout: float = WALL_BOUND_SECONDS + 5) -> HookResult:
    """Feed `data`, collect the answer and the CPU the child used (children are run one
    at a time here, so the growth of RUSAGE_CHILDREN is this child's, `sh` included)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        stdout, stderr = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        stdout, stderr = process.communicate()
        stderr += b"\n[reliability suite: killed after the wall timeout]"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return HookResult(process.returncode, stdout, stderr, cpu, wall, log_lines())


# The invariants ----------------------------------------------------------------------------

def expected_readability(data: bytes, limit: int) -> tuple[str, object]:
    """How the contract classifies `data`, decided with the standard library only:
    ("unreadable", why), ("payload", the object), or ("either", why) when the answer
    depends on the interpreter's stack depth (JSON nested about as deep as the recursion
    limit)."""
    if len(data) > limit:
        return "unreadable", "too large"
    if not data.strip():
        return "unreadable", "empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "unreadable", "not UTF-8"

    def reject(name):
        raise ValueError(name)

    try:
        value = json.loads(text, parse_constant=reject)
    except RecursionError:
        return "either", "nested about as deep as the recursion limit"
    except ValueError:
        return "unreadable", "not JSON"
    if nesting_depth(text) >= _DEEP:
        # Whether JSON this deep parses depends on the interpreter's recursion limit and
        # stack (hypothesis raises the limit in this process): both answers are allowed.
        return "either", "nested about as deep as the recursion limit"
    if not isinstance(value, dict):
        return "unreadable", "not an object"
    return "payload", value


_DEEP = 800  # nesting levels; CPython's default recursion limit is 1000
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON `text` (brackets in strings ignored)."""
    if text.count("[") + text.count("{") < _DEEP:
        return 0
    depth = deepest = 0
    for ch in _STRING.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _one_line(stderr: bytes) -> bool:
    return stderr.endswith(b"\n") and stderr.count(b"\n") == 1 and \
        stderr.startswith(b"prempti-hook: ")


def check(result: HookResult, data: bytes, settings: Settings | None = None,
          expect_log: bool = True) -> None:
    """Assert every invariant of the module docstring for one call on `data`."""
    settings = settings or Settings()
    problems = problems_of(result, data, settings, expect_log)
    if problems:
        raise AssertionError("; ".join(problems) + f"\n  input: {data[:300]!r}"
                             f"{'...' if len(data) > 300 else ''} ({len(data)} bytes)"
                             f"\n  result: {result!r}")


def problems_of(result: HookResult, data: bytes, settings: Settings,
                expect_log: bool = True) -> list[str]:
    """The invariants `result` breaks (empty when it keeps them all)."""
    out: list[str] = []
    if result.rc not in (0, 2):
        out.append(f"exit {result.rc} (only 0 or 2 are allowed; 1 is fail-open)")
    if b"Traceback" in result.stderr or b"Traceback" in result.stdout:
        out.append("a traceback was printed")
    if result.cpu > CPU_BOUND_SECONDS:
        out.append(f"took {result.cpu:.2f} s of CPU (bound {CPU_BOUND_SECONDS} s)")
    if result.wall > WALL_BOUND_SECONDS:
        out.append(f"took {result.wall:.2f} s of wall time (bound {WALL_BOUND_SECONDS} s)")
    for line in result.stderr.splitlines():
        if not line.startswith(b"prempti-hook: "):
            out.append(f"stderr line without the prempti-hook prefix: {line[:200]!r}")
            break

    kind, payload = expected_readability(data, settings.input_max_bytes)
    if kind == "either":
        kind = "unreadable" if result.rc == 2 and not result.stdout else "payload"
        if kind == "payload":
            try:
                payload = json.loads(data)
            except RecursionError:
                payload = {}
    if kind == "unreadable":
        if result.rc != 2:
            out.append(f"unreadable input ({payload}) must exit 2, not {result.rc}")
        if result.stdout:
            out.append("unreadable input must print nothing on stdout")
        if not _one_line(result.stderr):
            out.append("unreadable input must print exactly one stderr line")
        return out

    event = payload.get("hook_event_name") if isinstance(payload, dict) else None
    effective_event = event if isinstance(event, str) and event else "PreToolUse"
    if result.rc == 2:
        # Only a failure on an event that cannot carry a deny blocks by exit code.
        if effective_event in ("PreToolUse", "PermissionRequest"):
            out.append(f"exit 2 on a readable {effective_event} call: the contract wants a "
                       f"JSON answer")
        if result.stdout:
            out.append("exit 2 with something on stdout")
        if not _one_line(result.stderr):
            out.append("exit 2 must come with exactly one stderr line")
    else:
        out.extend(_answer_problems(result, effective_event, settings))
    if expect_log:
        out.extend(_log_problems(result, settings, effective_event))
    return out


def _answer_problems(result: HookResult, event: str, settings: Settings) -> list[str]:
    out: list[str] = []
    text = result.stdout
    if not text:
        if settings.mode == "guardrails" and event == "PreToolUse" and \
                settings.default_action == "allow" and not settings.fail_open:
            out.append("no decision for a PreToolUse call in guardrails mode")
        if result.stderr:
            out.append("a problem went to stderr only: the answer has no systemMessage")
        return out
    if not text.endswith(b"\n") or text.count(b"\n") != 1:
        out.append("stdout is not exactly one line")
    try:
        answer = json.loads(text)
    except (ValueError, RecursionError) as e:
        return [*out, f"stdout is not JSON: {e}"]
    if not isinstance(answer, dict) or not answer:
        return [*out, "stdout is not a non-empty JSON object"]
    unknown = set(answer) - {"hookSpecificOutput", "systemMessage"}
    if unknown:
        out.append(f"unexpected keys in the answer: {sorted(unknown)}")
    message = answer.get("systemMessage")
    if message is not None and not (isinstance(message, str) and
                                    message.startswith("prempti-hook: ")):
        out.append(f"bad systemMessage {message!r}")
    specific = answer.get("hookSpecificOutput")
    reason = ""
    if specific is not None:
        if settings.mode == "monitor":
            out.append("monitor mode must never decide")
        if event == "PreToolUse":
            decision = specific.get("permissionDecision")
            allowed = {"deny", "ask", "allow"} if settings.default_action == "allow" \
                else {"deny", "ask"}
            if specific.get("hookEventName") != "PreToolUse" or decision not in allowed:
                out.append(f"invalid PreToolUse decision {specific!r}")
            reason = specific.get("permissionDecisionReason", "")
            if decision in ("deny", "ask") and not (isinstance(reason, str) and reason):
                out.append(f"a {decision} without a reason")
        elif event == "PermissionRequest":
            decision = specific.get("decision") or {}
            if specific.get("hookEventName") != "PermissionRequest" or \
                    decision.get("behavior") != "deny" or not decision.get("message"):
                out.append(f"invalid PermissionRequest answer {specific!r}")
            reason = decision.get("message", "")
        else:
            out.append(f"a decision for a {event} event, which gets none")
    elif settings.mode == "guardrails" and event == "PreToolUse" and \
            settings.default_action == "allow" and not settings.fail_open:
        out.append("no decision for a PreToolUse call in guardrails mode")
    if result.stderr and message is None and \
            not (isinstance(reason, str) and reason.startswith("prempti-hook could not")):
        out.append("a problem went to stderr only: the answer does not show it")
    return out


def _log_problems(result: HookResult, settings: Settings, event: str) -> list[str]:
    if len(result.log_lines) != 1:
        return [f"{len(result.log_lines)} audit lines for one call (want exactly 1)"]
    line = result.log_lines[0]
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as e:
        return [f"audit line is not JSON: {e}: {line[:200]!r}"]
    if not isinstance(record, dict):
        return ["audit line is not a JSON object"]
    out = [f"audit record lacks {key!r}" for key in LOG_KEYS if key not in record]
    if out:
        return out
    if record["source"] != "coding_agent":
        out.append(f"audit source {record['source']!r}")
    if record["mode"] != settings.mode:
        out.append(f"audit mode {record['mode']!r}, configured {settings.mode!r}")
    if record["verdict"] not in ("deny", "ask", "allow", "none"):
        out.append(f"audit verdict {record['verdict']!r}")
    if not isinstance(record["output_fields"], dict):
        out.append("audit output_fields is not an object")
    if result.rc == 0 and settings.mode == "guardrails" and result.stdout:
        try:
            decision, reason = result.decision(), result.reason()
        except (ValueError, AttributeError):
            return out  # the answer itself is broken: reported by _answer_problems
        # Only an answer that decides is compared: events other than PreToolUse get no
        # answer whatever the rules said (and say so only in a systemMessage).
        if "hookSpecificOutput" in result.answer() and decision != record["verdict"]:
            out.append(f"answered {decision} but logged {record['verdict']}")
        found = _CORRELATION.search(reason)
        fields = record["output_fields"]
        if found and isinstance(fields, dict) and \
                str(fields.get("correlation.id")) != found.group(1):
            out.append("the reason's correlation id is not the logged one")
    return out
