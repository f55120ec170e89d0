"""`prempti-hook config [KEY [VALUE]]`: show the settings and where each comes from, or set
one in `$PREMPTI_HOME/config.yaml` (`mode` has its own command too).

Setting rewrites config.yaml keeping every other line, privately (0600) and in one atomic
rename. Two things can refuse:
- a setting the managed policy sets is locked: the command says which file locks it;
- a value that weakens the guard (`mode: monitor`, `fail_open: true`,
  `default_action: allow`, a smaller or disabled log) is set only for a person at a
  terminal (`person.py`), never from an agent's tool call.
"""

from __future__ import annotations

import os
import sys

from .. import config
from . import arguments

USAGE = """usage: prempti-hook config [KEY [VALUE]]

Without arguments, show every setting, its value and where it comes from (default, config
file, environment, or the managed policy, which locks it). With KEY, show one; with KEY
VALUE, set it in $PREMPTI_HOME/config.yaml (from the next tool call on).
Settings: mode, fail_open, default_action, log_max_bytes, log_backups, input_max_bytes.
Values that weaken the guard need a person at a terminal to confirm them.
"""
HEADER = "# prempti-hook settings (flat `key: value`; see `prempti-hook config --help`)\n"


def source_of(cfg, key: str, environ) -> str:
    """Where the value of `key` comes from, in words."""
    if key in cfg.locked:
        return f"locked by the managed policy, {cfg.locked[key]}"
    env_name = config.SETTINGS[key][0]
    if env_name in environ and not cfg.system:
        return f"from {env_name} in the environment"
    values, _ = config.read_config_file(cfg.config_file)
    if key in values:
        return f"from {cfg.config_file}"
    return "the default"


def shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def weakens(key: str, new, old) -> bool:
    """True when setting `key` from `old` to `new` makes the guard enforce or record less."""
    if key == "mode":
        return new == "monitor"
    if key == "fail_open":
        return new is True
    if key == "default_action":
        return new == "allow"
    if key in ("log_max_bytes", "log_backups"):
        return new == 0 or (old != 0 and new < old)
    return False


def updated_text(text: str, key: str, value: str) -> str:
    """`text` (a config file) with `key: value` in place of its `key` line(s)."""
    out, done = [], False
    for line in text.splitlines():
        name, sep, _ = line.strip().partition(":")
        if sep and name.strip() == key:
            if not done:
                out.append(f"{key}: {value}")
                done = True
            continue  # a second line for the same key would be ambiguous: drop it
        out.append(line)
    if not done:
        out.append(f"{key}: {value}")
    return "\n".join(out) + "\n"


# Held (with `filelock`) by a command while it reads, changes and writes config.yaml.
LOCK_SUFFIX = ".lock"
LOCK_SECONDS = 10


def write_config(path: str, text: str) -> None:
    """Replace config.yaml with `text` (its folder exists: made before the lock is taken)."""
    from ..claude_settings import write_atomic

    write_atomic(path, text.encode("utf-8"), 0o600)


def _error(message: str, code: int = 1) -> int:
    print(f"prempti-hook: {message}", file=sys.stderr)
    return code


def set_value(cfg, key: str, value, environ) -> int:
    """Set `key` to `value` (already parsed) in config.yaml, if allowed."""
    path = cfg.config_file
    if key in cfg.locked:
        return _error(f"{key} is locked to {shown(cfg.settings[key])} by the managed policy "
                      f"({cfg.locked[key]}); only an administrator can change it there")
    before = cfg.settings[key]
    if weakens(key, value, before):
        from .. import person

        if not person.require(f"setting {key} to {shown(value)}", environ):
            return 1
    import filelock

    from ..files import make_private_dirs

    try:
        make_private_dirs(os.path.dirname(path))
        # Two commands editing at once would each write the file they read: one change lost.
        with filelock.FileLock(path + LOCK_SUFFIX, timeout=LOCK_SECONDS):
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except FileNotFoundError:
                text = HEADER
            except (OSError, UnicodeDecodeError) as e:
                return _error(f"cannot read {path}: {getattr(e, 'strerror', None) or e}")
            try:
                write_config(path, updated_text(text, key, shown(value)))
            except OSError as e:
                return _error(f"cannot write {path}: {e.strerror or e}")
    except filelock.Timeout:
        return _error(f"{path + LOCK_SUFFIX} stayed locked for {LOCK_SECONDS} s by another "
                      f"command changing settings; nothing was changed")
    except OSError as e:
        return _error(f"cannot lock {path + LOCK_SUFFIX}: {e.strerror or e}")
    change = "unchanged" if before == value else f"was {shown(before)}"
    print(f"{key}: {shown(value)} ({change}; takes effect on the next tool call)")
    env_name = config.SETTINGS[key][0]
    if env_name in environ and not cfg.system:
        print(f"prempti-hook: note: {env_name}={environ[env_name]} in the environment "
              f"overrides {path}", file=sys.stderr)
    return 0


@arguments.entry
def main(word: str, args: list[str]) -> int:
    environ = os.environ
    args = arguments.parse(args, operands=2).operands
    cfg = config.load(environ)
    keys = list(config.SETTINGS)
    if args and args[0] not in config.SETTINGS:
        raise arguments.UsageError(f"unknown setting {args[0]!r}: use one of {', '.join(keys)}")
    if len(args) < 2:
        for key in args or keys:
            print(f"{key}: {shown(cfg.settings[key])} ({source_of(cfg, key, environ)})")
        for problem in cfg.problems + cfg.managed_problems:
            print(f"prempti-hook: {problem}", file=sys.stderr)
        return 0
    key = args[0]
    try:
        value = config.parse_value(key, args[1].strip().lower() if key == "mode" else args[1])
    except ValueError as e:
        raise arguments.UsageError(str(e)) from None
    return set_value(cfg, key, value, environ)
