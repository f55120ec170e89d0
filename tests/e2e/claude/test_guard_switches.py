"""The real Claude Code cannot switch the guard off.

Per-user install: the commands that weaken the guard refuse when Claude Code's Bash tool runs
them, whatever the hook decided (a renamed copy of the CLI, the markers removed from the
environment): the refusal is in the command, not in the rules.

Hardened install (issue 8 item 2, issue 13): installed as root inside a private mount
namespace (tests/tamper/sandbox.py, nothing on the machine changes) and driven by an
unprivileged user's Claude Code: a managed deny holds after the user's settings are emptied
or set `disableAllHooks`, with `--bare`, another CLAUDE_CONFIG_DIR and another managed
settings path; a project hook that rewrites calls does not run (allowManagedHooksOnly).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from mock_api import tool_call
from product import BYPASS

TAMPER = Path(__file__).resolve().parents[2] / "tamper"
if str(TAMPER) not in sys.path:
    sys.path.insert(0, str(TAMPER))

from sandbox import Sandbox, available  # noqa: E402

pytestmark = pytest.mark.e2e

REFUSED = "refused"


def bash(command: str) -> dict:
    return tool_call("Bash", command=command, description="Scripted command")


# --------------------------------------------------------------------------- per-user


def _python_of(product) -> str:
    """The interpreter the installed hook runs with (the first word that is not VAR=...)."""
    return next(word for word in product.hook_command().split() if "=" not in word)


def test_bash_tool_cannot_switch_to_monitor_mode_with_a_renamed_cli(product):
    python = _python_of(product)
    config = product.prempti / "config.yaml"
    before = config.read_bytes() if config.exists() else None
    # Bypass mode: Claude Code's own permission flow stands aside, and the hook lets each of
    # these through (nothing in them names the guard): only the command itself can refuse.
    session = product.run([
        bash("cp ~/.prempti/bin/prempti-hook ./ph"),
        bash(f"{python} ./ph mode monitor"),
        bash(f"env -i HOME=$HOME {python} ./ph mode monitor"),
        bash(f"env -i HOME=$HOME {python} ./ph hook remove"),
        bash(f"{python} ./ph config fail_open true"),
    ], permission_mode=BYPASS)
    results = session.results_for("Bash")
    assert len(results) == 5, session.describe()
    assert "hook error" not in results[0]["content"], session.describe()
    for result in results[1:]:
        assert "hook error" not in result["content"], "the hook blocked it; the test wants " \
            "the command itself to refuse\n" + session.describe()
        assert REFUSED in result["content"], session.describe()
    assert "CLAUDECODE is set" in results[1]["content"]
    assert "started by an agent" in results[2]["content"]
    assert "started by an agent" in results[3]["content"]
    assert (config.read_bytes() if config.exists() else None) == before
    assert product.cli("mode").stdout.startswith("mode: guardrails")
    # The hook entry is still there, and still denies.
    product.hook_command()
    check = product.run([bash("cat ~/.ssh/id_rsa")], permission_mode=BYPASS)
    assert "hook error" in check.only_result_for("Bash")["content"], check.describe()


# --------------------------------------------------------------------------- hardened

USER = "pclaude"
MANAGED_RULE = "Deny the managed canary"
MANAGED_RULES = f"""\
- rule: {MANAGED_RULE}
  desc: the organisation's policy, which users and agents cannot weaken
  condition: tool.name = Bash and tool.input_command contains "managed-canary"
  output: the organisation does not allow this command (%tool.name)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"""
# A user rule that tries to switch the managed rule off: the loader refuses it (and the
# managed rule stands whatever the user's rules say).
USER_OVERRIDE = f"- rule: {MANAGED_RULE}\n  enabled: false\n"


@pytest.fixture(scope="module")
def hardened(tmp_path_factory, release, claude_code):
    """The system install in a sandbox, an unprivileged user, and a `claude` wrapper that
    runs the real CLI as that user inside the sandbox."""
    why = available()
    if why:
        pytest.skip(f"the sandbox {why}")
    sandbox = Sandbox().start()
    try:
        uid, gid, _ = sandbox.add_user(USER)
        installed = sandbox.run(["bash", str(release / "install" / "install.sh"), "--system"],
                                env={"HOME": "/root", "PATH": "/usr/local/bin:/usr/bin:/bin",
                                     "PYTHON": "/usr/bin/python3", "LANG": "C.UTF-8"})
        assert installed.returncode == 0, installed.stdout + installed.stderr
        wrote = sandbox.run(["sh", "-c", "cat > /etc/prempti/rules.d/10-org.yaml && chmod 644 "
                             "/etc/prempti/rules.d/10-org.yaml"], input=MANAGED_RULES)
        assert wrote.returncode == 0, wrote.stderr
        # Root recompiles the cache (any root call of the hook does).
        compiled = sandbox.run(["sh", "-c", "echo '{\"hook_event_name\":\"PreToolUse\","
                                "\"tool_name\":\"Read\",\"tool_input\":{\"file_path\":\"/x\"},"
                                "\"cwd\":\"/\",\"session_id\":\"s\",\"tool_use_id\":\"t\"}' | "
                                "/usr/bin/env -i PREMPTI_HOME=/opt/prempti-hook "
                                "PREMPTI_SYSTEM=1 /usr/bin/python3 -I -S "
                                "/opt/prempti-hook/bin/prempti-hook"])
        assert compiled.returncode == 0, compiled.stderr
        # Home, project and the harness's scratch files live in the sandbox's exchange folder
        # (the same inside and out), owned by the user.
        root = sandbox.exchange
        home, project = root / "home", root / "project"
        for folder in (home, project, home / ".claude"):
            folder.mkdir(parents=True)
            os.chown(folder, uid, gid)
        wrapper = root / "claude"
        wrapper.write_text(f"""#!/bin/sh
# The harness's scratch folder (settings, debug log, TMPDIR) becomes the user's; then the
# real CLI runs as that user inside the sandbox's mount namespace.
chown -R {uid}:{gid} "$(dirname "$TMPDIR")"
exec nsenter -t {sandbox.holder.pid} -m -r -w -- setpriv --reuid={uid} --regid={gid} \\
    --init-groups -- sh -c 'cd "$0" && exec "$@"' "$PWD" {claude_code} "$@"
""")
        wrapper.chmod(0o755)
        saved = tempfile.tempdir
        tempfile.tempdir = str(root)  # run_session's scratch folder: visible inside too
        try:
            yield sandbox, wrapper, home, project, (uid, gid)
        finally:
            tempfile.tempdir = saved
    finally:
        sandbox.stop()


def _run(hardened, script, *, user_settings=None, project_settings=None, extra_args=(),
         extra_env=None):
    from driver import run_session

    _sandbox, wrapper, home, project, (uid, gid) = hardened
    for folder, settings in ((home / ".claude", user_settings),
                             (project / ".claude", project_settings)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, uid, gid)
        target = folder / "settings.json"
        if settings is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(json.dumps(settings) if not isinstance(settings, str)
                              else settings)
            os.chown(target, uid, gid)
    return run_session(script, home=home, project=project, claude=wrapper,
                       permission_mode=BYPASS, extra_args=extra_args, extra_env=extra_env)


def _marker(hardened, name: str) -> Path:
    _, _, _, project, (_uid, _gid) = hardened
    marker = project / name
    marker.unlink(missing_ok=True)
    return marker


@pytest.mark.parametrize("case", [
    "no user settings", "user settings emptied", "user disableAllHooks",
    "project disableAllHooks", "--settings disableAllHooks", "--bare", "--safe-mode",
    "--setting-sources project", "--managed-settings disableAllHooks",
    "another CLAUDE_CONFIG_DIR", "another managed settings path",
])
def test_managed_deny_holds(hardened, case):
    marker = _marker(hardened, "ran")
    options: dict = {}
    if case == "user settings emptied":
        options["user_settings"] = "{}"
    elif case == "user disableAllHooks":
        options["user_settings"] = {"disableAllHooks": True, "hooks": {}}
    elif case == "project disableAllHooks":
        options["project_settings"] = {"disableAllHooks": True}
    elif case == "--settings disableAllHooks":
        options["extra_args"] = ("--settings", json.dumps({"disableAllHooks": True}))
    elif case in ("--bare", "--safe-mode"):
        options["extra_args"] = (case,)
    elif case == "--setting-sources project":
        options["extra_args"] = ("--setting-sources", "project")
    elif case == "--managed-settings disableAllHooks":
        options["extra_args"] = ("--managed-settings", json.dumps({"disableAllHooks": True}))
    elif case == "another CLAUDE_CONFIG_DIR":
        options["extra_env"] = {"CLAUDE_CONFIG_DIR": str(hardened[3] / "elsewhere")}
    elif case == "another managed settings path":
        options["extra_env"] = {"CLAUDE_CODE_MANAGED_SETTINGS_PATH": "/nonexistent.json"}
    session = _run(hardened, [bash(f"touch {marker} # managed-canary")], **options)
    result = session.only_result_for("Bash")
    assert "hook error" in result["content"] and MANAGED_RULE in result["content"], \
        session.describe()
    assert not marker.exists(), "the denied command ran"


def test_user_rules_cannot_switch_a_managed_rule_off(hardened):
    sandbox, _, _, _, _ = hardened
    # The user's own rules folder is not loaded by the system install at all; and a user
    # file that names a managed rule is refused by the loader (--check says why).
    checked = sandbox.run(["sh", "-c", "cat > /tmp/override.yaml && /usr/bin/env -i "
                           "PREMPTI_HOME=/opt/prempti-hook PREMPTI_SYSTEM=1 /usr/bin/python3 "
                           "-I -S /opt/prempti-hook/bin/prempti-hook --check /tmp/override.yaml"],
                          user=USER, input=USER_OVERRIDE)
    assert checked.returncode == 1
    assert f"rule '{MANAGED_RULE}' is part of the managed policy" in checked.stdout, \
        checked.stdout + checked.stderr
    assert "cannot enable or disable it" in checked.stdout


def test_project_hook_cannot_rewrite_a_call(hardened):
    """allowManagedHooksOnly: a project hook answering updatedInput does not run, so it
    cannot replace a command after prempti-hook checked it."""
    _, _, _, project, (_uid, _gid) = hardened
    rewritten = _marker(hardened, "rewritten")
    allowed = _marker(hardened, "allowed")
    rewrite = project / "rewrite.sh"
    rewrite.write_text("#!/bin/sh\ncat >/dev/null\necho '" + json.dumps({
        "hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow",
                               "updatedInput": {"command": f"touch {rewritten}",
                                                "description": "x"}}}) + "'\n")
    rewrite.chmod(rewrite.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    hook = {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": str(rewrite)}]}]}}
    session = _run(hardened, [bash(f"touch {allowed}")], project_settings=hook)
    session.only_result_for("Bash")
    assert allowed.exists(), session.describe()
    assert not rewritten.exists(), "a project hook rewrote the call"


def test_bash_tool_cannot_weaken_the_hardened_install(hardened):
    _, _, _home, _project, _ = hardened
    session = _run(hardened, [
        bash("/usr/bin/python3 -I -S /opt/prempti-hook/bin/prempti-hook mode monitor"),
        bash("echo 'mode: monitor' >> /etc/prempti/config.yaml"),
        bash(": > /var/log/prempti-hook/pclaude/events.jsonl"),
    ])
    for result in session.results_for("Bash"):
        content = result["content"]
        assert REFUSED in content or "hook error" in content or "not permitted" in content \
            or "Permission denied" in content, session.describe()
    sandbox = hardened[0]
    shown = sandbox.sh("/usr/bin/env -i PREMPTI_HOME=/opt/prempti-hook PREMPTI_SYSTEM=1 "
                       "/usr/bin/python3 -I -S /opt/prempti-hook/bin/prempti-hook mode",
                       user=USER)
    assert shown.stdout.startswith("mode: guardrails (locked by the managed policy"), shown
    log = sandbox.sh(f"wc -c < /var/log/prempti-hook/{USER}/events.jsonl").stdout.strip()
    assert int(log) > 0
