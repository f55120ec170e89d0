"""The managed policy: a root-owned folder of rules and settings that the user and the agent
cannot weaken (hot path: runs on every call, `os` and `stat` only).

    /etc/prempti/                          Linux (macOS: /Library/Application Support/prempti)
        config.yaml                        settings it sets are locked (mode, fail_open,
                                           default_action, log_dir, ...)
        rules.d/*.yaml                     rules loaded as a layer of their own

`PREMPTI_MANAGED_DIR` moves it, for tests; the installed hook commands set it to empty
(the per-user one) or drop the whole environment (the system one), so an agent cannot point
the hook elsewhere by exporting it.

Trust: the folder, `rules.d` and every file in them must be owned by root and writable by
nobody else (not by group or others; a symlink is judged by what it points to, and must
point to a root-owned file too). A managed policy that is expected but missing, unreadable or
not trusted is an error: the hook then fails closed (it denies every call and says why)
whatever the user's own settings say. It is expected when the folder exists, and always
for the system install (`PREMPTI_SYSTEM=1` in its hook command).
"""

from __future__ import annotations

import os
import stat
import sys

RULES_SUBDIR = "rules.d"
CONFIG_NAME = "config.yaml"
ENV_DIR = "PREMPTI_MANAGED_DIR"
ENV_SYSTEM = "PREMPTI_SYSTEM"
RULE_SUFFIXES = (".yaml", ".yml")


def default_dir() -> str:
    if sys.platform == "darwin":
        return "/Library/Application Support/prempti"
    return "/etc/prempti"


def managed_dir(environ) -> str:
    return environ.get(ENV_DIR) or default_dir()


def _untrusted(st, what: str, path: str) -> str | None:
    """Why a root-owned policy file or folder with status `st` cannot be trusted, or None."""
    if st.st_uid != 0:
        return (f"managed {what} {path} is not owned by root (uid {st.st_uid}); fix: "
                f"sudo chown root {path}")
    if st.st_mode & stat.S_IWOTH or (st.st_mode & stat.S_IWGRP and st.st_gid != 0):
        return (f"managed {what} {path} can be written by users other than root; fix: "
                f"sudo chmod go-w {path}")
    return None


def check_path(path: str, what: str, want_dir: bool) -> tuple[bool, str | None]:
    """(exists, problem) for one managed file or folder."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False, None
    except OSError as e:
        return True, f"managed {what} {path} cannot be read: {e.strerror or e}"
    if want_dir and not stat.S_ISDIR(st.st_mode):
        return True, f"managed {what} {path} is not a folder"
    if not want_dir and not stat.S_ISREG(st.st_mode):
        return True, f"managed {what} {path} is not a regular file"
    return True, _untrusted(st, what, path)


class Policy:
    """What the managed folder holds for this call: its rules files (load order), the path
    of its settings file (or ''), and the problems that make it unusable."""

    __slots__ = ("config_file", "folder", "problems", "required", "rules")

    def __init__(self, folder: str, required: bool) -> None:
        self.folder = folder
        self.required = required
        self.rules: list[str] = []
        self.config_file = ""
        self.problems: list[str] = []

    @property
    def present(self) -> bool:
        return bool(self.rules or self.config_file)


def inspect(folder: str, required: bool) -> Policy:
    """Look at the managed folder: which files to use, and what is wrong with it."""
    policy = Policy(folder, required)
    exists, problem = check_path(folder, "policy folder", True)
    if not exists:
        if required:
            policy.problems.append(f"the managed policy folder {folder} does not exist, and "
                                   f"this installation requires one (reinstall with "
                                   f"`install/install.sh --system`)")
        return policy
    if problem:
        policy.problems.append(problem)
        return policy
    exists, problem = check_path(os.path.join(folder, CONFIG_NAME), "settings file", False)
    if problem:
        policy.problems.append(problem)
    elif exists:
        policy.config_file = os.path.join(folder, CONFIG_NAME)
    rules_dir = os.path.join(folder, RULES_SUBDIR)
    exists, problem = check_path(rules_dir, "rules folder", True)
    if problem:
        policy.problems.append(problem)
    elif exists:
        _add_rules(policy, rules_dir)
    return policy


def _add_rules(policy: Policy, rules_dir: str) -> None:
    try:
        names = sorted(os.listdir(rules_dir))
    except OSError as e:
        policy.problems.append(f"managed rules folder {rules_dir} cannot be read: "
                               f"{e.strerror or e}")
        return
    for name in names:
        if not name.endswith(RULE_SUFFIXES) or name.startswith("."):
            continue
        path = os.path.join(rules_dir, name)
        _, problem = check_path(path, "rules file", False)
        if problem:
            policy.problems.append(problem)
        else:
            policy.rules.append(path)
