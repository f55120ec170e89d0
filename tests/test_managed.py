"""The managed policy (config.py, cache.py, the loader's reserved names): a
root-owned folder of rules and locked settings that users and agents cannot weaken.

The tests run as root (as CI does) with the folder moved by PREMPTI_MANAGED_DIR; ownership
faults are made with chown to another uid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prempti_hook import config, rebuild

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="root-owned files need root (CI)")

MANAGED_RULE = """\
- macro: is_bash
  condition: tool.name = Bash
- rule: Deny the managed canary
  desc: org policy
  condition: is_bash and tool.input_command contains "managed-canary"
  output: the organisation does not allow this (%tool.name)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"""
USER_ALLOW = """\
- rule: Allow everything in Bash
  desc: a user rule that allows every command
  condition: tool.name = Bash
  output: allowed (%tool.name)
  priority: INFO
  source: coding_agent
  tags: [coding_agent_allow]
"""


@pytest.fixture
def policy(tmp_path) -> Path:
    folder = tmp_path / "managed"
    (folder / "rules.d").mkdir(parents=True)
    os.chmod(tmp_path, 0o755)
    for path in (folder, folder / "rules.d"):
        os.chmod(path, 0o755)
    (folder / "rules.d" / "10-org.yaml").write_text(MANAGED_RULE)
    return folder


def _env(tmp_path: Path, policy: Path | None, **extra: str) -> dict:
    env = {"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "p"),
           "PREMPTI_RULES": str(tmp_path / "user-rules")}
    if policy is not None:
        env["PREMPTI_MANAGED_DIR"] = str(policy)
    env.update(extra)
    return env


def _hook(tmp_path: Path, env: dict, command: str) -> tuple[str, str]:
    call = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": "/",
                       "session_id": "s", "tool_use_id": "t",
                       "tool_input": {"command": command}})
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("PREMPTI_")},
            **env, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "prempti_hook"], input=call, env=full,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    if not run.stdout.strip():
        return "none", ""
    out = json.loads(run.stdout)["hookSpecificOutput"]
    return out["permissionDecision"], out.get("permissionDecisionReason", "")


def test_no_folder_no_policy(tmp_path):
    cfg = config.load(_env(tmp_path, tmp_path / "absent"))
    assert cfg.managed.rules == [] and cfg.managed_problems == [] and cfg.locked == {}


def test_managed_settings_lock_over_file_and_environment(tmp_path, policy):
    (policy / "config.yaml").write_text("mode: guardrails\nfail_open: false\n")
    home = tmp_path / "p"
    home.mkdir()
    (home / "config.yaml").write_text("mode: monitor\nfail_open: true\ndefault_action: allow\n")
    cfg = config.load(_env(tmp_path, policy, PREMPTI_MODE="monitor"))
    assert (cfg.mode, cfg.fail_open, cfg.default_action) == ("guardrails", False, "allow")
    assert cfg.locked == {"mode": f"{policy}/config.yaml:1",
                          "fail_open": f"{policy}/config.yaml:2"}


def test_log_dir_only_from_the_managed_file(tmp_path, policy):
    home = tmp_path / "p"
    home.mkdir()
    (home / "config.yaml").write_text("log_dir: /tmp/elsewhere\n")
    cfg = config.load(_env(tmp_path, policy))
    assert cfg.log_dir == str(home / "log")
    assert any("unknown setting 'log_dir" in p for p in cfg.problems)
    (policy / "config.yaml").write_text("log_dir: /var/log/prempti-hook/%u\n")
    cfg = config.load(_env(tmp_path, policy))
    assert cfg.log_dir == "/var/log/prempti-hook/root"


@pytest.mark.parametrize("fault", ["not root-owned", "writable by others", "group-writable",
                                   "rules file not root-owned", "config not a file",
                                   "unreadable setting"])
def test_an_untrusted_policy_fails_closed(tmp_path, policy, fault):
    if fault == "not root-owned":
        os.chown(policy, 1234, 1234)
    elif fault == "writable by others":
        os.chmod(policy / "rules.d", 0o777)
    elif fault == "group-writable":
        os.chown(policy / "rules.d" / "10-org.yaml", 0, 1234)
        os.chmod(policy / "rules.d" / "10-org.yaml", 0o664)
    elif fault == "rules file not root-owned":
        os.chown(policy / "rules.d" / "10-org.yaml", 1234, 1234)
    elif fault == "config not a file":
        (policy / "config.yaml").mkdir()
    elif fault == "unreadable setting":
        (policy / "config.yaml").write_text("mode: off\n")
    home = tmp_path / "p"
    home.mkdir()
    (home / "config.yaml").write_text("fail_open: true\nmode: monitor\n")
    cfg = config.load(_env(tmp_path, policy))
    assert cfg.managed_problems, fault
    assert (cfg.mode, cfg.fail_open) == ("guardrails", False)  # the user's choice is void
    verdict, reason = _hook(tmp_path, _env(tmp_path, policy), "ls")
    assert verdict == "deny", (fault, reason)
    assert "the managed policy cannot be used" in reason and "administrator" in reason


def test_a_required_policy_that_is_missing_fails_closed(tmp_path):
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_SYSTEM": "1",
                       "PREMPTI_HOME": str(tmp_path / "p")})
    # The system install never takes PREMPTI_MANAGED_DIR; here the real /etc/prempti is
    # absent (the machine has no system install), so the policy is missing.
    if os.path.exists(config.default_dir()):
        pytest.skip(f"{config.default_dir()} exists on this machine")
    assert any("does not exist, and this installation requires one" in p
               for p in cfg.managed_problems)


def test_the_system_install_ignores_environment_overrides(tmp_path):
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_SYSTEM": "1",
                       "PREMPTI_HOME": str(tmp_path / "p"), "PREMPTI_MODE": "monitor",
                       "PREMPTI_FAIL_OPEN": "1", "PREMPTI_RULES": "/dev/null",
                       "PREMPTI_MANAGED_DIR": str(tmp_path)})
    assert (cfg.mode, cfg.fail_open, cfg.rules_override) == ("guardrails", False, None)
    assert cfg.managed.folder == config.default_dir()


def test_a_managed_deny_stands_over_a_user_allow(tmp_path, policy):
    rules = tmp_path / "user-rules"
    rules.write_text(USER_ALLOW)
    env = _env(tmp_path, policy)
    assert _hook(tmp_path, env, "ls")[0] == "allow"
    verdict, reason = _hook(tmp_path, env, "echo managed-canary")
    assert verdict == "deny" and reason.startswith("Deny the managed canary:")


@pytest.mark.parametrize("attempt,verb", [
    ("- rule: Deny the managed canary\n  enabled: false\n", "enable or disable"),
    ("- rule: Deny the managed canary\n  condition: and never\n  override:\n"
     "    condition: append\n", "append to"),
    ("- macro: is_bash\n  condition: tool.name = Nothing\n", "redefine (shadow)"),
    ("- rule: Deny the managed canary\n  desc: mine\n  condition: tool.name = X\n"
     "  output: x\n  priority: INFO\n  source: coding_agent\n", "redefine (shadow)"),
])
def test_other_files_cannot_touch_managed_items(tmp_path, policy, attempt, verb):
    rules = tmp_path / "user-rules"
    rules.write_text(attempt)
    env = _env(tmp_path, policy)
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("PREMPTI_")},
            **env, "PYTHONPATH": str(REPO)}
    check = subprocess.run([sys.executable, "-m", "prempti_hook", "--check"], env=full,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "is part of the managed policy" in check.stdout and f"cannot {verb} it" in \
        check.stdout, check.stdout
    assert str(rules) in check.stdout  # the error points at the user's file
    # The hook: the user's rules do not compile, and with no earlier good rules it blocks.
    verdict, _reason = _hook(tmp_path, env, "echo managed-canary")
    assert verdict == "deny"


def test_layers_are_compiled_apart_and_matched_together(tmp_path, policy):
    user = tmp_path / "u.yaml"
    user.write_text(USER_ALLOW)
    managed_file = str(policy / "rules.d" / "10-org.yaml")
    ruleset, error = rebuild.compile_rules([managed_file, str(user)], [managed_file])
    assert error is None
    assert [r.name for r in ruleset.rules] == ["Deny the managed canary",
                                               "Allow everything in Bash"]
    import pickle

    assert [r.name for r in pickle.loads(pickle.dumps(ruleset)).rules] == \
        [r.name for r in ruleset.rules]


def test_status_and_config_show_what_is_managed(tmp_path, policy):
    (policy / "config.yaml").write_text("mode: guardrails\n")
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("PREMPTI_")},
            **_env(tmp_path, policy), "PYTHONPATH": str(REPO)}
    shown = subprocess.run([sys.executable, "-m", "prempti_hook", "config"], env=full,
                           capture_output=True, text=True, timeout=60)
    assert f"mode: guardrails (locked by the managed policy, {policy}/config.yaml:1)" in \
        shown.stdout
    refused = subprocess.run([sys.executable, "-m", "prempti_hook", "mode", "monitor"],
                             env=full, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"prempti-hook: mode is locked to guardrails by the managed policy "
        f"({policy}/config.yaml:1); only an administrator can change it there")
    status = subprocess.run([sys.executable, "-m", "prempti_hook", "status"], env=full,
                            capture_output=True, text=True, timeout=60)
    assert "managed:" in status.stdout and str(policy) in status.stdout, status.stdout
    assert "10-org.yaml" in status.stdout and "locks mode" in status.stdout
