"""Run a command the way a person at a terminal does: on a pseudo-terminal of its own (its
controlling terminal, stdin and stdout), typing back the confirmation code that commands
which weaken the guard print (`prempti_hook/person.py`), or typing something else.
"""

from __future__ import annotations

import os
import pty
import re
import select
import time

CODE = re.compile(rb"type (\d{6}) and press Enter")


def run_at_terminal(argv: list[str], env: dict, cwd: str | None = None, *,
                    answer: str | None = "code", timeout: float = 120.0) -> tuple[int, str]:
    """(exit code, everything printed on the terminal). `answer`: "code" types the code it
    was shown, another string types that, None types nothing."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        try:
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    output = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                break
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child has closed the terminal (it exited)
                break
            if not chunk:
                break
            output += chunk
            found = CODE.search(output)
            if found and not answered and answer is not None:
                typed = found.group(1) if answer == "code" else answer.encode()
                os.write(fd, typed + b"\r")
                answered = True
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")
