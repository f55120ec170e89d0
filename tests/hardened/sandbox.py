"""A private view of the machine for the hardened-install tests (Linux, as root).

`Sandbox` starts one process in a new mount namespace where `/etc`, `/opt`, `/var` and
`/home` are overlays: everything the tests write there (the system install, Claude Code's
managed settings, the test user in /etc/passwd, audit logs, chattr flags) lands in upper
folders under the sandbox's own folder, and the machine's real files never change. Other
processes on the machine (other tests, other agents) do not see any of it. Commands enter the
namespace with `nsenter`, as root or as the unprivileged test user (`setpriv`); when the
holder process ends, the mounts go with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

OVERLAID = ("/etc", "/opt", "/var", "/home")
TIMEOUT = 300


class SandboxError(RuntimeError):
    pass


class Sandbox:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.holder: subprocess.Popen | None = None
        self.users: dict = {}

    def start(self) -> Sandbox:
        mounts = []
        for target in OVERLAID:
            name = target.strip("/")
            upper, work = self.root / "upper" / name, self.root / "work" / name
            upper.mkdir(parents=True)
            work.mkdir(parents=True)
            mounts.append(f"mount -t overlay overlay -o lowerdir={target},upperdir={upper},"
                          f"workdir={work} {target}")
        script = " && ".join(mounts) + " && echo ready && exec sleep 100000"
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                        "sh", "-c", script], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            self.stop()
            raise SandboxError(f"could not make the private mount namespace: "
                               f"{self.holder.stderr.read() if self.holder else ''}")
        return self

    def stop(self) -> None:
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()
            self.holder = None
        # Append-only flags set inside would keep the upper folders from being removed.
        subprocess.run(["chattr", "-R", "-a", "-i", str(self.root / "upper")],
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ commands
    def command(self, argv: list[str], user: str | None = None,
                cwd: str | None = None) -> list[str]:
        """`argv` as a command line that runs inside the namespace (as `user`)."""
        assert self.holder is not None, "sandbox not started"
        prefix = ["nsenter", "-t", str(self.holder.pid), "-m", "--"]
        if user is not None:
            uid, gid = self.users[user]
            prefix += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups",
                       "--reset-env", "--"]
        # (nsenter's --wd opens the folder before entering the namespace, so cd after.)
        return [*prefix, "sh", "-c", 'cd "$0" && exec "$@"', cwd or "/", *argv]

    def run(self, argv: list[str], user: str | None = None, cwd: str | None = None,
            env: dict | None = None, input: str | None = None,
            timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
        if env is not None:
            argv = ["env", "-i", *[f"{key}={value}" for key, value in env.items()], *argv]
        full = self.command(argv, user, cwd)
        return subprocess.run(full, input=input, capture_output=True, text=True,
                              timeout=timeout, stdin=None if input is not None
                              else subprocess.DEVNULL)

    def sh(self, script: str, user: str | None = None, cwd: str | None = None,
           env: dict | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
        return self.run(["sh", "-c", script], user=user, cwd=cwd, env=env, timeout=timeout)

    def add_user(self, name: str) -> tuple[int, int, Path]:
        """A new unprivileged user (only inside the sandbox), with a home; (uid, gid, home)."""
        made = self.run(["useradd", "--create-home", "--shell", "/bin/bash", name])
        if made.returncode != 0:
            raise SandboxError(f"useradd {name}: {made.stderr}")
        ids = self.run(["id", "-u", name]).stdout.strip(), \
            self.run(["id", "-g", name]).stdout.strip()
        self.users[name] = (int(ids[0]), int(ids[1]))
        return int(ids[0]), int(ids[1]), Path("/home") / name

    def wait_for(self, predicate, seconds: float = 10.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False


def available() -> str | None:
    """Why the sandbox cannot work here, or None."""
    if os.geteuid() != 0:
        return "needs root (CI runs as root)"
    for tool in ("unshare", "nsenter", "setpriv", "useradd", "chattr"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None
