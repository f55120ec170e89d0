"""Running a real agent CLI against the mock model, in a `Machine`'s HOME and project.

An agent module (`tests/e2e/<agent>/<agent>_cli.py`) subclasses `AgentCLI` with what is
particular to its CLI: the configuration a user has before installing the guard
(`prepare`), the command line and environment of one headless run (`command`, `env`), the
shell tool the model calls (`shell`), and how the CLI tells the model about a blocked call
(`blocked_text`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from .machine import Machine
from .mock_model import MockModel

RUN_TIMEOUT = 120.0  # one run takes 0.3 to 4 s; a hang must not stall CI
PROMPT = "Please do what the scripted model asks (prempti-hook end-to-end test)."


class Run:
    """What one CLI run did: exit code, output, duration, and the mock it talked to."""

    def __init__(self, command: list, exit_code: int | None, stdout: str, stderr: str,
                 duration: float, mock: MockModel) -> None:
        self.command = command
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration
        self.mock = mock

    def result_texts(self) -> list[str]:
        """What the model was told about each tool call, in order."""
        return self.mock.result_texts()

    def only_result(self) -> str:
        texts = self.result_texts()
        assert len(texts) == 1, f"expected one tool result, got {len(texts)}\n{self.describe()}"
        return texts[0]

    def describe(self) -> str:
        return (f"--- {self.command[0]} (exit {self.exit_code}, {self.duration:.2f} s)\n"
                f"stdout:\n{self.stdout[-3000:]}\nstderr:\n{self.stderr[-4000:]}\n"
                f"{self.mock.describe()}")


class AgentCLI:
    """One agent CLI on one machine (see the module docstring)."""

    agent = ""
    hook_shell_name = ""  # the shell tool's name as the hook receives it

    def __init__(self, executable: Path, machine: Machine) -> None:
        self.executable = executable
        self.machine = machine

    # -- what each agent module provides -----------------------------------------------------

    def prepare(self) -> None:
        """Write the agent's configuration as the user has it before installing the guard."""
        raise NotImplementedError

    def command(self, mock: MockModel) -> list[str]:
        raise NotImplementedError

    def env(self, mock: MockModel) -> dict:
        raise NotImplementedError

    def shell(self, command: str) -> dict:
        """The mock step item that makes the model run `command` with the CLI's shell tool."""
        raise NotImplementedError

    def blocked_text(self, reason: str) -> str:
        """The tool result the model gets for a call the hook denied with `reason`."""
        raise NotImplementedError

    # -- running ----------------------------------------------------------------------------

    def base_env(self) -> dict:
        machine = self.machine
        return {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(machine.home),
                "TMPDIR": str(machine.tmp), "LANG": "C.UTF-8", "TERM": "dumb"}

    def run(self, steps: list, *, env: dict | None = None, final_text: str = "done",
            timeout: float = RUN_TIMEOUT) -> Run:
        """One headless run whose model plays `steps`; the CLI and everything it started are
        killed if it overruns."""
        with MockModel(steps, final_text) as mock:
            command = self.command(mock)
            environment = self.env(mock)
            environment.update(env or {})
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=self.machine.project, env=environment,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
            try:
                stdout, stderr = process.communicate(timeout=timeout)
                exit_code: int | None = process.returncode
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
                exit_code = None
            _kill_group(process.pid)
            return Run(command, exit_code, stdout, stderr, time.monotonic() - started, mock)


def _kill_group(pgid: int) -> None:
    """End whatever the CLI left running in its process group (servers, shells)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
