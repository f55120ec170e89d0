"""Where prempti-hook keeps its files, and the user's settings.

Settings come from `$PREMPTI_HOME/config.yaml` (written by `prempti-hook mode` and friends),
overridden by environment variables, and both are overridden by the managed policy's
`config.yaml` (see "The managed policy" below): what it sets is locked. The system install
(`PREMPTI_SYSTEM=1` in its hook command) reads no environment overrides at all.

This module is on the hot path: it must not import yaml, so `config.yaml` is a flat
`key: value` file read by hand (the CLI only ever writes that shape). A line it cannot read
is reported, never guessed at, and the safe default is kept.
"""

from __future__ import annotations

import os
import stat
import sys

from .files import RULE_SUFFIXES, NotRegularFile, open_regular, read_all

MODES = ("guardrails", "monitor")
# `none`: no decision when no rule decides (the agent's own permission flow asks as usual);
# `allow`: Prempti's default, approve everything no rule denies or asks. `defer` is the
# name 0.1.0 used for `none` and is still read.
DEFAULT_ACTIONS = ("none", "allow", "defer")

# key -> (environment variable, default, kind)
SETTINGS = {
    "mode": ("PREMPTI_MODE", "guardrails", MODES),
    "fail_open": ("PREMPTI_FAIL_OPEN", False, bool),
    "default_action": ("PREMPTI_DEFAULT_ACTION", "none", DEFAULT_ACTIONS),
    "log_max_bytes": ("PREMPTI_LOG_MAX_BYTES", 10 * 1024 * 1024, int),
    "log_backups": ("PREMPTI_LOG_BACKUPS", 3, int),
    "input_max_bytes": ("PREMPTI_INPUT_MAX_BYTES", 4 * 1024 * 1024, int),
}

# Only the managed settings file may set these (where the audit log goes; `%u` is the user
# name), so that the user's own file cannot move the evidence.
MANAGED_ONLY = {"log_dir": str}
# What a managed policy that cannot be read leaves in force, whatever the user chose.
SAFE_SETTINGS = {"mode": "guardrails", "fail_open": False}

CONFIG_MAX_BYTES = 65536

_TRUE = frozenset({"1", "true", "yes", "on", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "n", ""})


class Config:
    """Paths and settings for one hook call (or one CLI command)."""

    __slots__ = (
        "agent_files",
        "claude_dir",
        "config_file",
        "locked",
        "managed",
        "prempti_home",
        "problems",
        "rules_override",
        "settings",
        "system",
        "user_home",
    )

    def __init__(self, user_home: str, prempti_home: str, rules_override: list[str] | None,
                 settings: dict, problems: list[str], claude_dir: str = "",
                 agent_files: tuple = (), managed=None, locked: dict | None = None,
                 system: bool = False) -> None:
        self.user_home = user_home
        self.claude_dir = claude_dir or os.path.join(user_home, ".claude")
        # The other agents' files the hook is registered in (agent_homes.registration_files)
        # and the `prempti-hook` command on PATH (agent_homes.command_files).
        self.agent_files = agent_files
        self.prempti_home = prempti_home
        self.config_file = os.path.join(prempti_home, "config.yaml")
        self.rules_override = rules_override
        self.settings = settings
        self.problems = problems  # settings that could not be read, one line each
        self.managed = managed  # Policy, or None (tests that build a Config by hand)
        self.locked = locked or {}  # setting -> the managed file:line that locks it
        self.system = system  # the root-owned system install

    # Settings (see SETTINGS: defaults < config.yaml < environment < managed policy) ------
    @property
    def mode(self) -> str:
        """`guardrails` (enforce the verdicts) or `monitor` (log them, decide nothing)."""
        return self.settings["mode"]

    @property
    def fail_open(self) -> bool:
        """Let calls through (rather than deny them) when the rules cannot be used."""
        return self.settings["fail_open"]

    @property
    def default_action(self) -> str:
        """What a call no rule decides gets: `none` (no decision) or `allow`."""
        return self.settings["default_action"]

    @property
    def log_max_bytes(self) -> int:
        """Size at which the audit log is rotated."""
        return self.settings["log_max_bytes"]

    @property
    def log_backups(self) -> int:
        """Rotated audit log files kept."""
        return self.settings["log_backups"]

    @property
    def input_max_bytes(self) -> int:
        """Largest hook input (bytes) the hook reads from stdin."""
        return self.settings["input_max_bytes"]

    # Paths -------------------------------------------------------------------------------
    @property
    def default_rules_dir(self) -> str:
        return os.path.join(self.prempti_home, "rules", "default")

    @property
    def user_rules_dir(self) -> str:
        return os.path.join(self.prempti_home, "rules", "user")

    @property
    def cache_dir(self) -> str:
        return os.path.join(self.prempti_home, "cache")

    @property
    def log_dir(self) -> str:
        managed = self.settings.get("log_dir")
        if managed:
            return managed.replace("%u", _user_name())
        return os.path.join(self.prempti_home, "log")

    @property
    def managed_problems(self) -> list[str]:
        return list(self.managed.problems) if self.managed is not None else []

    @property
    def log_file(self) -> str:
        return os.path.join(self.log_dir, "events.jsonl")


# The managed policy -------------------------------------------------------------------------
#
# A root-owned folder of rules and settings that the user and the agent cannot weaken:
#
#     /etc/prempti/                          Linux (macOS: /Library/Application Support/prempti)
#         config.yaml                        settings it sets are locked (mode, fail_open,
#                                            default_action, log_dir, ...)
#         rules.d/*.yaml                     rules loaded as a layer of their own
#
# `PREMPTI_MANAGED_DIR` moves it, for tests; the installed hook commands set it to empty (the
# per-user one) or drop the whole environment (the system one), so an agent cannot point the
# hook elsewhere by exporting it. Trust: the folder, `rules.d` and every file in them must be
# owned by root and writable by nobody else (a symlink is judged by what it points to). A
# managed policy that is expected but missing, unreadable or not trusted is an error: the
# hook then fails closed whatever the user's own settings say. It is expected when the folder
# exists, and always for the system install (`PREMPTI_SYSTEM=1` in its hook command). It
# lives in this module, not one of its own, because every hook call reads it: one import
# less is ~0.1 ms.

RULES_SUBDIR = "rules.d"
CONFIG_NAME = "config.yaml"
ENV_DIR = "PREMPTI_MANAGED_DIR"
ENV_SYSTEM = "PREMPTI_SYSTEM"


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


def inspect_policy(folder: str, required: bool) -> Policy:
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


def _user_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def user_home(environ=None) -> str:
    """`$HOME`, or the password database's home when HOME is unset or empty."""
    environ = os.environ if environ is None else environ
    home = environ.get("HOME")
    if home:
        return home
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return "/"


def claude_config_dir(environ=None) -> str:
    """Claude Code's user folder (`$CLAUDE_CONFIG_DIR` moves it; default `~/.claude`)."""
    environ = os.environ if environ is None else environ
    return environ.get("CLAUDE_CONFIG_DIR") or os.path.join(user_home(environ), ".claude")


def parse_value(key: str, raw: str):
    """Convert the text of setting `key` to its type; ValueError with a reason if it can't."""
    kind = MANAGED_ONLY[key] if key in MANAGED_ONLY else SETTINGS[key][2]
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if kind is str:
        if not text.startswith("/"):
            raise ValueError(f"{key} must be an absolute path, not {raw.strip()!r}")
        return text
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"{key} must be true or false, not {raw.strip()!r}")
    if kind is int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{key} must be a whole number, not {raw.strip()!r}") from None
        if value < 0:
            raise ValueError(f"{key} must not be negative")
        return value
    if text not in kind:
        raise ValueError(f"{key} must be one of {', '.join(kind)}, not {raw.strip()!r}")
    return "none" if text == "defer" else text


def read_config_file(path: str, known=SETTINGS) -> tuple[dict, list[str]]:
    """Read a flat `key: value` config file. Returns (raw values by key, problems)."""
    values: dict = {}
    problems: list[str] = []
    try:
        # Not blocking, and a regular file: a FIFO here must not hang every hook call.
        fd = open_regular(path, follow=True)
        try:
            data = read_all(fd, CONFIG_MAX_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > CONFIG_MAX_BYTES:
            problems.append(f"{path} is larger than {CONFIG_MAX_BYTES} bytes; only the "
                            f"beginning was read")
            data = data[:CONFIG_MAX_BYTES]
        text = data.decode("utf-8")
    except FileNotFoundError:
        return values, problems
    except NotRegularFile:
        return values, [f"cannot read {path}: not a regular file"]
    except (OSError, UnicodeDecodeError) as e:
        return values, [f"cannot read {path}: {e}"]
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, raw = stripped.partition(":")
        key = key.strip()
        if not sep or key not in known:
            problems.append(f"{path}:{number}: unknown setting {stripped!r}")
            continue
        if " #" in raw:
            raw = raw.split(" #", 1)[0]
        values[key] = (raw, f"{path}:{number}")
    return values, problems


def load(environ=None) -> Config:
    """The configuration for this process:
    defaults < config.yaml < environment < managed config.yaml (locked)."""
    environ = os.environ if environ is None else environ
    system = environ.get(ENV_SYSTEM) == "1"
    if system:  # the system install trusts nothing from the environment
        environ = {key: environ[key] for key in ("HOME", "PREMPTI_HOME", ENV_SYSTEM)
                   if key in environ}
    home = user_home(environ)
    prempti_home = environ.get("PREMPTI_HOME") or os.path.join(home, ".prempti")
    rules_env = environ.get("PREMPTI_RULES")
    rules_override = [p for p in rules_env.split(":") if p] if rules_env else None
    policy = inspect_policy(managed_dir(environ), required=system)

    file_values, problems = read_config_file(os.path.join(prempti_home, "config.yaml"))
    locked_values: dict = {}
    if policy.config_file:
        locked_values, managed_problems = read_config_file(
            policy.config_file, {**SETTINGS, **MANAGED_ONLY})
        policy.problems.extend(managed_problems)
    settings: dict = {}
    locked: dict = {}
    for key, (env_name, default, _) in SETTINGS.items():
        settings[key] = default
        sources = []
        if key in file_values:
            sources.append(file_values[key])
        if env_name in environ:
            sources.append((environ[env_name], env_name))
        for raw, where in sources:
            try:
                settings[key] = parse_value(key, raw)
            except ValueError as e:
                problems.append(f"{where}: {e}")
    for key, (raw, where) in locked_values.items():
        try:
            settings[key] = parse_value(key, raw)
            locked[key] = where
        except ValueError as e:
            policy.problems.append(f"{where}: {e}")
    if policy.problems:  # the policy cannot be read: nothing the user chose may weaken it
        settings.update(SAFE_SETTINGS)
    from .agent_homes import command_files, registration_files

    return Config(home, prempti_home, rules_override, settings, problems,
                  claude_config_dir(environ),
                  registration_files(environ, home) + command_files(environ, home),
                  managed=policy, locked=locked, system=system)
