"""One user's machine for the agent end-to-end tests: a throwaway HOME with a project, a
fake SSH key holding a canary, the agent's own configuration as the user had it, and
prempti-hook installed by `install/install.sh --agent NAME` (so the agent's files hold
exactly what a user gets).

The HOME is not under /tmp: the shipped rules treat /tmp as a staging area, so a project
there would not behave like a user's project (see tests/e2e/claude/product.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from release import PYTHON, installer_env
from terminal import run_at_terminal

SCRATCH = Path(os.environ.get("PREMPTI_CORPUS_TMP")
               or Path.home() / ".cache" / "prempti-hook-tests")
CANARY = "PREMPTI-AGENT-E2E-CANARY-51d2"
INSTALL_TIMEOUT = 300
SSH_KEY_RULE = "Deny access to SSH private keys"


class Machine:
    """A throwaway HOME (see the module docstring); `agent` is codex, gemini or copilot."""

    def __init__(self, release: Path, agent: str) -> None:
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f"{agent}-e2e-", dir=SCRATCH))
        self.release = release
        self.agent = agent
        self.home = self.root / "home"
        self.project = self.home / "project"
        self.project.mkdir(parents=True)
        self.tmp = self.home / "tmp"
        self.tmp.mkdir()
        self.prempti = self.home / ".prempti"
        self.log = self.prempti / "log" / "events.jsonl"
        self.zipapp = self.prempti / "bin" / "prempti-hook"
        self.ssh_key = self.home / ".ssh" / "id_rsa"
        self.ssh_key.parent.mkdir(mode=0o700)
        self.ssh_key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}\n")
        self.ssh_key.chmod(0o600)
        (self.home / ".ssh" / "known_hosts").write_text("example.com ssh-ed25519 AAAA\n")
        self._markers = 0

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- install ---------------------------------------------------------------------------

    def install_sh(self, *args: str) -> subprocess.CompletedProcess:
        """`install/install.sh ARGS` as the user runs it: no terminal, HOME = this home;
        `--uninstall` at a terminal, typing the code it asks for (only a person may)."""
        if "--uninstall" in args:
            argv = ["bash", str(self.release / "install" / "install.sh"), *args]
            code, output = run_at_terminal(argv, installer_env(self.home),
                                           timeout=INSTALL_TIMEOUT)
            return subprocess.CompletedProcess(argv, code, output, output)
        return subprocess.run(["bash", str(self.release / "install" / "install.sh"), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=installer_env(self.home), timeout=INSTALL_TIMEOUT,
                              check=False)

    def install(self) -> Machine:
        result = self.install_sh("--agent", self.agent)
        assert result.returncode == 0, f"install.sh failed:\n{result.stdout}\n{result.stderr}"
        assert f"check ({self.agent}): " in result.stdout and "-> deny: " in result.stdout, \
            result.stdout
        return self

    def uninstall(self) -> subprocess.CompletedProcess:
        result = self.install_sh("--uninstall")
        assert result.returncode == 0, f"uninstall failed:\n{result.stdout}\n{result.stderr}"
        return result

    def cli(self, *args: str, person: bool = False) -> subprocess.CompletedProcess:
        """`prempti-hook ARGS` the way the user runs it; `person`: at a terminal, typing the
        confirmation code (for `mode monitor`, `uninstall`...)."""
        if person:
            argv = [PYTHON, "-I", "-S", str(self.zipapp), *args]
            code, output = run_at_terminal(argv, {"HOME": str(self.home),
                                                  "PATH": os.environ.get("PATH", os.defpath)})
            return subprocess.CompletedProcess(argv, code, output, output)
        return subprocess.run([PYTHON, "-I", "-S", str(self.zipapp), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env={"HOME": str(self.home),
                                   "PATH": os.environ.get("PATH", os.defpath)},
                              timeout=120, check=False)

    def write_user_rules(self, name: str, text: str) -> Path:
        path = self.prempti / "rules" / "user" / name
        path.write_text(text)
        return path

    # -- what happened ---------------------------------------------------------------------

    def marker(self) -> Path:
        """A fresh path in the project that a command under test creates (`touch`)."""
        self._markers += 1
        return self.project / f"MARKER_{self._markers}"

    def records(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def last_record(self) -> dict:
        records = self.records()
        assert records, f"no audit record in {self.log}"
        return records[-1]

    @contextmanager
    def checkpoint(self, *folders: Path):
        """Put back, afterwards, every file under `folders` and prempti-hook's own (zipapp,
        install state, user rules, settings) as it was: for tests that break the
        installation on a machine other tests share. The rule cache is dropped (the next
        call rebuilds it)."""
        roots = [*folders, self.prempti / "bin", self.prempti / "install",
                 self.prempti / "rules" / "user", self.prempti / "config.yaml"]
        saved = {}
        for root in roots:
            for path in ([root] if root.is_file() else sorted(root.rglob("*"))
                         if root.exists() else []):
                if path.is_file() and not path.is_symlink():
                    saved[path] = (path.read_bytes(), path.stat().st_mode & 0o7777)
        try:
            yield
        finally:
            for root in roots:
                for path in ([root] if root.is_file() else sorted(root.rglob("*"))
                             if root.exists() else []):
                    if (path.is_file() or path.is_symlink()) and path not in saved:
                        path.unlink()
            for path, (data, mode) in saved.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                path.chmod(mode)
            shutil.rmtree(self.prempti / "cache", ignore_errors=True)

    def snapshot(self, folder: Path) -> dict:
        """Every file under `folder` (relative path -> sha256 and mode): to compare a
        configuration before installing and after uninstalling."""
        out = {}
        for path in sorted(folder.rglob("*")) if folder.exists() else ():
            relative = str(path.relative_to(folder))
            if path.is_symlink():
                out[relative] = ("link", os.readlink(path))
            elif path.is_file():
                out[relative] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                 oct(path.stat().st_mode & 0o7777))
            elif path.is_dir():
                out[relative] = ("dir", oct(path.stat().st_mode & 0o7777))
        return out


def reason_of(record: dict) -> str:
    return str(record.get("reason", ""))
