"""`install/install.sh --system` (the hardened install), in a private copy-on-write view of
the machine (sandbox.py): what it installs, who owns it, what it refuses, the append-only
audit log and its rotation by root's logrotate, and `--uninstall`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from release import release_copy
from sandbox import Sandbox, available

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(available() is not None,
                                 reason=f"the tamper sandbox {available()}")]

USER = "pinstall"
ENV = {"HOME": "/root", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG": "C.UTF-8", "PYTHON": "/usr/bin/python3"}
HOOK = ("/usr/bin/env -i PREMPTI_HOME=/opt/prempti-hook PREMPTI_SYSTEM=1 {python} -I -S "
        "/opt/prempti-hook/bin/prempti-hook")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return release_copy(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def installed(release):
    with Sandbox() as sandbox:
        sandbox.add_user(USER)
        done = sandbox.run(["bash", str(release / "install" / "install.sh"), "--system"],
                           env=ENV)
        assert done.returncode == 0, done.stdout + done.stderr
        sandbox.install_output = done.stdout
        yield sandbox


def test_it_says_what_it_did_and_proves_a_deny(installed):
    out = installed.install_output
    assert "installed for every user in /opt/prempti-hook" in out
    assert "managed settings /etc/claude-code/managed-settings.d/50-prempti-hook.json" in out
    assert "check: Bash `cat ~/.ssh/id_rsa` -> deny: Deny access to SSH private keys" in out


def test_nothing_it_runs_or_reads_can_be_written_by_a_user(installed):
    # Every file and folder of the install, the policy and the registration: root's, and
    # writable by nobody else.
    found = installed.sh("find /opt/prempti-hook /etc/prempti "
                         "/etc/claude-code/managed-settings.d ! -type l \\( ! -user root -o "
                         "-perm /022 \\) -print").stdout.split()
    assert found == []
    python = installed.run(["/usr/bin/python3", "-c", "import os, sys; "
                            "print(os.path.realpath(sys.executable))"]).stdout.strip()
    dropin = json.loads(installed.sh(
        "cat /etc/claude-code/managed-settings.d/50-prempti-hook.json").stdout)
    assert dropin["allowManagedHooksOnly"] is True
    entry = dropin["hooks"]["PreToolUse"][0]
    assert entry["matcher"] == "*"
    assert entry["hooks"][0] == {"type": "command", "command": HOOK.format(python=python),
                                 "timeout": 30, "onFailure": "block"}
    # The extraction was made by root (and is checked above): users never write into it.
    assert installed.sh("find /opt/prempti-hook/lib -type f | head -1").stdout.strip()
    # The cache is root's and readable by all.
    cache = installed.sh("stat -c '%U %a' /opt/prempti-hook/cache/ruleset.cache").stdout
    assert cache.split() == ["root", "644"]


def test_the_users_log_is_append_only_and_theirs_to_append(installed):
    log = f"/var/log/prempti-hook/{USER}/events.jsonl"
    assert installed.sh(f"lsattr {log}").stdout.split()[0].count("a") == 1
    assert installed.sh(f"stat -c '%U %a' {log} /var/log/prempti-hook/{USER}").stdout.split() \
        == [USER, "600", "root", "755"]
    call = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": "/",
                       "session_id": "s", "tool_use_id": "toolu_append_only",
                       "tool_input": {"command": "cat ~/.ssh/id_rsa"}})
    python = installed.run(["/usr/bin/python3", "-c", "import os, sys; "
                            "print(os.path.realpath(sys.executable))"]).stdout.strip()
    answer = installed.run(["sh", "-c", HOOK.format(python=python)], user=USER, input=call)
    assert '"permissionDecision":"deny"' in answer.stdout, answer
    assert "rebuild" not in answer.stdout  # the root-compiled cache was used as it is
    assert "toolu_append_only" in installed.sh(f"cat {log}").stdout
    for attempt in (f": > {log}", f"rm -f {log}", f"mv {log} {log}.x", f"ln {log} /tmp/l",
                    f"chattr -a {log}", f"python3 -c \"open('{log}', 'r+').write('x')\""):
        installed.sh(attempt, user=USER)
    assert "toolu_append_only" in installed.sh(f"cat {log}").stdout
    assert installed.sh(f"lsattr {log}").stdout.split()[0].count("a") == 1


def test_root_rotates_the_logs_with_logrotate(installed):
    have = installed.sh("command -v logrotate || (apt-get install -y -q "
                        "--no-install-recommends logrotate >/dev/null 2>&1 || (apt-get update "
                        "-q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "
                        "logrotate >/dev/null 2>&1)) && command -v logrotate", timeout=600)
    assert have.returncode == 0, f"logrotate could not be installed in the sandbox: {have}"
    log = f"/var/log/prempti-hook/{USER}/events.jsonl"
    installed.sh(f"chattr -a {log} && echo '{{\"line\": 1}}' >> {log} && chattr +a {log}")
    rotated = installed.sh("logrotate -f /etc/logrotate.d/prempti-hook")
    assert rotated.returncode == 0, rotated.stderr
    state = installed.sh(f"stat -c '%U %a' {log}.1 {log}; lsattr {log}").stdout.split()
    assert state[:4] == ["root", "644", USER, "600"]
    assert "a" in state[4]
    assert '"line": 1' in installed.sh(f"cat {log}.1").stdout
    # The user can neither change nor delete the rotated file.
    installed.sh(f": > {log}.1; rm -f {log}.1", user=USER)
    assert '"line": 1' in installed.sh(f"cat {log}.1").stdout


def test_a_user_writable_interpreter_is_refused(release):
    with Sandbox() as sandbox:
        uid, gid, home = sandbox.add_user(USER)
        # A user's own Python (as pyenv or conda would make it): a copy of the real one
        # whose prefix the user owns.
        made = sandbox.sh(f"mkdir -p {home}/py/bin && cp /usr/bin/python3 {home}/py/bin/ && "
                          f"chown -R {uid}:{gid} {home}/py")
        assert made.returncode == 0, made.stderr
        done = sandbox.run(["bash", str(release / "install" / "install.sh"), "--system"],
                           env={**ENV, "PYTHON": f"{home}/py/bin/python3"})
        assert done.returncode != 0
        assert f"{home}/py/bin/python3 cannot run the hook for every user" in done.stderr
        assert f"is owned by uid {uid}, not root" in done.stderr
        assert "/usr/bin/python3" in done.stderr  # what to use instead
        assert sandbox.sh("test -e /opt/prempti-hook/bin/prempti-hook").returncode != 0


def test_it_needs_root(release):
    with Sandbox() as sandbox:
        sandbox.add_user(USER)
        copied = sandbox.sh(f"cp -r {release} /srv/release && chmod -R a+rX /srv/release")
        assert copied.returncode == 0, copied.stderr
        done = sandbox.run(["bash", "/srv/release/install/install.sh", "--system"],
                           user=USER, env={**ENV, "HOME": f"/home/{USER}"})
        assert done.returncode != 0 and "--system needs root" in done.stderr


def test_uninstall_keeps_the_policy_and_logs_unless_purged(release):
    with Sandbox() as sandbox:
        sandbox.add_user(USER)
        installer = ["bash", str(release / "install" / "install.sh"), "--system"]
        assert sandbox.run(installer, env=ENV).returncode == 0
        gone = sandbox.run([*installer, "--uninstall"], env=ENV)
        assert gone.returncode == 0, gone.stderr
        assert "kept /etc/prempti and /var/log/prempti-hook" in gone.stdout
        assert sandbox.sh("test -e /opt/prempti-hook || test -e "
                          "/etc/claude-code/managed-settings.d/50-prempti-hook.json").returncode
        assert sandbox.sh(f"test -f /var/log/prempti-hook/{USER}/events.jsonl").returncode == 0
        purged = sandbox.run([*installer, "--uninstall", "--purge"], env=ENV)
        assert purged.returncode == 0, purged.stderr
        assert sandbox.sh("test -e /etc/prempti || test -e /var/log/prempti-hook").returncode
