"""A private copy-on-write view of the whole machine for the tamper tests (Linux, as root).

`Sandbox` starts one process in a new mount namespace whose root is an overlay of `/`, with
the upper layer on tmpfs (`/dev/shm`); /dev, /proc, /sys and /run are the machine's. Every
file a test writes (the system install, Claude Code's managed settings, the test user in
/etc/passwd, audit logs and their chattr flags, and whatever an attack step that the hook
wrongly allows does, even as root to /usr) lands in that upper layer: the machine's real files
never change, and other processes on the machine (other tests, other agents) see none of
it. Files the test harness must share with the inside live under `exchange` (in /dev/shm,
which is the same inside and out). Commands enter with `nsenter` (mount namespace and root),
as root or as an unprivileged user (`setpriv`); when the holder process ends, the mounts go
with it and `stop` removes the layers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SHARED_MOUNTS = ("dev", "proc", "sys", "run")
SCRATCH = "/dev/shm"
TIMEOUT = 300


def _die_with_parent() -> None:
    """The holder (one process through its exec chain) is killed if the tests die, so a
    crashed run leaves no namespace behind."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class SandboxError(RuntimeError):
    pass


class Sandbox:
    def __init__(self, template: Sandbox | None = None) -> None:
        """`template`: a sandbox whose files this one starts from (a copy of its layer)."""
        self.root = Path()  # made by start()
        self.exchange = Path()
        self.holder: subprocess.Popen | None = None
        self.users: dict = dict(template.users) if template else {}
        self.template = template

    def start(self) -> Sandbox:
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="prempti-sandbox-", dir=SCRATCH))
        self.exchange = self.root / "exchange"
        self.exchange.mkdir(mode=0o755)
        os.chmod(self.root, 0o755)
        upper, work, new_root = self.root / "upper", self.root / "work", self.root / "root"
        if self.template is not None:
            # cp -a keeps owners and modes, not inode flags: the audit logs' append-only flag
            # is set again by `reflag` once the namespace is up.
            subprocess.run(["cp", "-a", str(self.template.root / "upper"), str(upper)],
                           check=True)
        for folder in (upper, work, new_root):
            folder.mkdir(exist_ok=True)
        binds = " && ".join(f"mount --rbind /{m} {new_root}/{m}" for m in SHARED_MOUNTS)
        script = (f"mount -t overlay overlay -o lowerdir=/,upperdir={upper},workdir={work} "
                  f"{new_root} && {binds} && cd {new_root} && exec chroot . sh -c "
                  f"'echo ready && exec sleep 1000000'")
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                        "sh", "-c", script], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True,
                                       preexec_fn=_die_with_parent)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            error = self.holder.stderr.read()
            self.stop()
            raise SandboxError(f"could not make the private view of the machine: {error}")
        return self

    def kill_strays(self) -> None:
        """SIGKILL every process left in this namespace (background processes that steps
        started) except its holder: they are found by their mount namespace, never by name."""
        if self.holder is None:
            return
        ours = os.readlink(f"/proc/{self.holder.pid}/ns/mnt")
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == self.holder.pid:
                continue
            try:
                if os.readlink(f"/proc/{entry}/ns/mnt") == ours:
                    os.kill(int(entry), 9)
            except OSError:
                continue

    def reflag(self, pattern: str = "/var/log/prempti-hook/*/events.jsonl") -> None:
        """Set the append-only flag again on files that had it in the template."""
        self.sh(f"for f in {pattern}; do [ -f \"$f\" ] && chattr +a \"$f\"; done; true")

    def stop(self) -> None:
        self.kill_strays()
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()
            self.holder = None
        # Append-only flags set inside would keep the upper folders from being removed.
        if self.root == Path():
            return
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
        prefix = ["nsenter", "-t", str(self.holder.pid), "-m", "-r", "-w", "--"]
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
