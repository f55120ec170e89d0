"""prempti-hook installed for real, for the end-to-end tests that drive Claude Code with it.

``Product`` is one user's machine: a throwaway HOME with a project folder, a fake SSH key
holding a canary, and prempti-hook installed by ``install/install.sh`` (so the hook entry in
``~/.claude/settings.json`` is exactly what a user gets). Claude Code sessions run with that
HOME and nothing in the ``--settings`` layer but the harness's offline switches, so the only
guard is the installed one.

Why the HOME is not under pytest's temp folder: the shipped rules treat ``/tmp`` as a staging
area (writing there asks, running code from there denies), so a project under ``/tmp`` would
not behave like a user's project. The homes go under ``~/.cache/prempti-hook-tests`` (or
``PREMPTI_CORPUS_TMP``), as in ``tests/e2e/test_hook_zipapp.py``.

install.sh runs from a copy of the release files with its own zipapp, built once per test
session (``tests/release.py``, shared with ``tests/install/test_install.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from driver import ClaudeSession, SessionResult
from release import PYTHON, installer_env
from terminal import run_at_terminal

SCRATCH = Path(os.environ.get("PREMPTI_CORPUS_TMP")
               or Path.home() / ".cache" / "prempti-hook-tests")
BYPASS = "bypassPermissions"
NO_RULE = "prempti-hook: no matching rule"
# The fake private key's content: it must never reach the "model" (the mock) while guarded.
CANARY = "PREMPTI-E2E-CANARY-7f3c1a"
REASON = re.compile(r"(?P<rule>[^:]+): (?P<output>.+) \| correlation=(?P<correlation>[0-9]+)",
                    re.DOTALL)
INSTALL_TIMEOUT = 300
# Appended to the harness's command line (the last --output-format wins): one JSON event per
# line, including what the user would see (hook systemMessage notices) and every turn's result.
STREAM_JSON = ("--output-format", "stream-json", "--verbose")

class Product:
    """A throwaway HOME with prempti-hook installed by install.sh, and a project in it."""

    def __init__(self, claude: Path, release: Path) -> None:
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="claude-e2e-", dir=SCRATCH))
        self.release = release
        self.home = self.root / "home"
        self.project = self.home / "project"
        self.project.mkdir(parents=True)
        self.prempti = self.home / ".prempti"
        self.settings_file = self.home / ".claude" / "settings.json"
        self.log = self.prempti / "log" / "events.jsonl"
        self.ssh_key = self.home / ".ssh" / "id_rsa"
        self.ssh_key.parent.mkdir(mode=0o700)
        self.ssh_key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}\n")
        self.ssh_key.chmod(0o600)
        self.claude = ClaudeSession(claude, home=self.home, project=self.project)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # ----------------------------------------------------------------- install

    def install_sh(self, *args: str) -> subprocess.CompletedProcess:
        """``install/install.sh ARGS`` as a user runs it: no terminal, HOME = this home;
        ``--uninstall`` at a terminal, typing the code it asks for (only a person may)."""
        if "--uninstall" in args:
            argv = ["bash", str(self.release / "install" / "install.sh"), *args]
            code, output = run_at_terminal(argv, installer_env(self.home),
                                           timeout=INSTALL_TIMEOUT)
            return subprocess.CompletedProcess(argv, code, output, output)
        return subprocess.run(
            ["bash", str(self.release / "install" / "install.sh"), *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=installer_env(self.home), timeout=INSTALL_TIMEOUT, check=False,
        )

    def install(self) -> Product:
        result = self.install_sh()
        assert result.returncode == 0, f"install.sh failed:\n{result.stdout}\n{result.stderr}"
        return self

    def hook_command(self) -> str:
        """The command install.sh registered (the one PreToolUse entry running our zipapp)."""
        settings = json.loads(self.settings_file.read_text())
        zipapp = str(self.prempti / "bin" / "prempti-hook")
        ours = [hook["command"] for group in settings["hooks"]["PreToolUse"]
                for hook in group["hooks"] if zipapp in hook.get("command", "")]
        assert len(ours) == 1, f"expected one prempti-hook entry in {settings}"
        return ours[0]

    def cli(self, *args: str, person: bool = False) -> subprocess.CompletedProcess:
        """``prempti-hook ARGS`` the way the user runs it (PREMPTI_HOME from the default);
        ``person``: at a terminal, typing the confirmation code (for `mode monitor`...)."""
        argv = [PYTHON, "-I", "-S", str(self.prempti / "bin" / "prempti-hook"), *args]
        if person:
            code, output = run_at_terminal(argv, {"HOME": str(self.home),
                                                  "PATH": os.environ.get("PATH", os.defpath)})
            return subprocess.CompletedProcess(argv, code, output, output)
        return subprocess.run(
            argv,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env={"HOME": str(self.home), "PATH": os.environ.get("PATH", os.defpath)},
            timeout=120, check=False,
        )

    def write_user_rules(self, name: str, text: str) -> Path:
        path = self.prempti / "rules" / "user" / name
        path.write_text(text)
        return path

    # ----------------------------------------------------------------- sessions and logs

    def run(self, script: list, **options: object) -> SessionResult:
        """One ``claude -p`` session in the project, guarded only by what is installed."""
        return self.claude.run(script, **options).expect_success()

    def records(self) -> list:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def record_for(self, tool_use_id: str) -> dict:
        """The one audit record of the hook call for this tool_use_id."""
        found = [record for record in self.records()
                 if record.get("output_fields", {}).get("tool.use_id") == tool_use_id]
        assert len(found) == 1, (
            f"expected one audit record for {tool_use_id}, found {len(found)} in {self.log}"
        )
        return found[0]


# --------------------------------------------------------------------------- verdict checks


def result_objects(session: SessionResult) -> list:
    """Every ``{"type": "result"}`` object the CLI printed, in order.

    With a background subagent, ``-p`` runs one more turn to answer the subagent's completion
    notice; ``--output-format json`` prints only that last turn's result (its
    ``permission_denials`` lack the first turn's), ``STREAM_JSON`` prints every turn's.
    """
    found = []
    for line in session.stdout.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict) and parsed.get("type") == "result":
            found.append(parsed)
    return found


def _denied_ids(session: SessionResult) -> set:
    """The tool_use_ids Claude Code reports as denied in its ``--output-format json`` result."""
    return {entry["tool_use_id"] for result in result_objects(session)
            for entry in result.get("permission_denials", [])}


def _checked_reason(product: Product, session: SessionResult, result: dict, reason: str,
                    rule: str, verdict: str) -> dict:
    """The reason is ours (rule name, output, correlation) and matches the audit record."""
    match = REASON.fullmatch(reason)
    assert match, f"not a prempti-hook reason: {reason!r}\n{session.describe()}"
    assert match["rule"] == rule, f"expected rule {rule!r}, got {reason!r}\n{session.describe()}"
    assert "<NA>" not in match["output"], reason
    record = product.record_for(result["tool_use_id"])
    assert (record["verdict"], record["mode"], record["enforced"]) == (verdict, "guardrails", True)
    assert record["rule"] == rule
    assert record["reason"] == reason
    assert record["output_fields"]["correlation.id"] == int(match["correlation"])
    assert record["output_fields"]["tool.name"] == result["tool_name"]
    assert result["tool_use_id"] in _denied_ids(session), result_objects(session)
    return record


def assert_denied(product: Product, session: SessionResult, result: dict, rule: str) -> dict:
    """The model was told the call is blocked, with our reason; the log agrees."""
    prefix = f"PreToolUse:{result['tool_name']} hook error: "
    assert result["is_error"] is True, session.describe()
    assert result["content"].startswith(prefix), session.describe()
    return _checked_reason(product, session, result, result["content"][len(prefix):], rule,
                           "deny")


def assert_asked(product: Product, session: SessionResult, result: dict, rule: str) -> dict:
    """An ask: ``-p`` has nobody to ask, so Claude Code refuses and the model gets the reason."""
    assert result["is_error"] is True, session.describe()
    return _checked_reason(product, session, result, result["content"], rule, "ask")


def assert_allowed(product: Product, session: SessionResult, result: dict,
                   rule: str = NO_RULE, verdict: str = "none") -> dict:
    """Claude Code ran the call, and the hook did not block it: by default no rule decided
    (no decision, verdict "none", so Claude Code's own permission flow let it run), or an
    explicit allow (`verdict="allow"`: an allow rule or `default_action: allow`)."""
    assert "hook error" not in result["content"], session.describe()
    assert result["tool_use_id"] not in _denied_ids(session), result_objects(session)
    record = product.record_for(result["tool_use_id"])
    enforced = verdict != "none"
    assert (record["verdict"], record["mode"], record["enforced"]) == (verdict, "guardrails",
                                                                       enforced)
    assert record["rule"] == rule
    assert record["output_fields"]["tool.name"] == result["tool_name"]
    return record


def canary_reached_model(session: SessionResult) -> bool:
    """Whether the fake key's content was in anything Claude Code sent to the mock API."""
    return CANARY in json.dumps([request["body"] for request in session.requests])


def proxy_env(port: int) -> dict:
    """Send the session's outbound HTTP(S) to a local recorder instead of the network.

    Claude Code (WebFetch) and curl honour these; the mock API on 127.0.0.1 is exempt. A
    connection to the recorder then proves a fetch was attempted, and nothing leaves the host.
    """
    proxy = f"http://127.0.0.1:{port}"
    return {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy,
            "http_proxy": proxy, "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost"}
