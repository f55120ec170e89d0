"""`prempti-hook mode [monitor|guardrails]`: show the mode, or set it in config.yaml.

Setting rewrites `$PREMPTI_HOME/config.yaml` keeping every other line (comments and
settings this version does not know included), as a flat `key: value` file (the shape
`config.py` reads without yaml), private (0600) and in one atomic rename, so a hook call
running at the same moment reads either the old file or the new one. It takes effect on the
next tool call.
"""

from __future__ import annotations

import os
import sys

from .. import config

KEY = "mode"
USAGE = """usage: prempti-hook mode [monitor|guardrails]

Without an argument, show the mode and where it comes from. With one, set it in
$PREMPTI_HOME/config.yaml; it takes effect on the next tool call.
  guardrails  verdicts are enforced (the default)
  monitor     every call is evaluated and logged with what would have happened; nothing
              is blocked
"""


def current(cfg, environ) -> tuple[str, str]:
    """(mode, where it comes from)."""
    env_name = config.SETTINGS[KEY][0]
    if env_name in environ and cfg.mode == _parsed(environ[env_name]):
        return cfg.mode, f"from {env_name} in the environment"
    values, _ = config.read_config_file(cfg.config_file)
    if KEY in values and cfg.mode == _parsed(values[KEY][0]):
        return cfg.mode, f"from {cfg.config_file}"
    return cfg.mode, "the default"


def _parsed(raw: str) -> str | None:
    try:
        return config.parse_value(KEY, raw)
    except ValueError:
        return None


def updated_text(text: str, value: str) -> str:
    """`text` (a config file) with `mode: value` in place of its mode line(s)."""
    lines = text.splitlines()
    out, done = [], False
    for line in lines:
        key, sep, _ = line.strip().partition(":")
        if sep and key.strip() == KEY:
            if not done:
                out.append(f"{KEY}: {value}")
                done = True
            continue  # a second mode line would be ambiguous: drop it
        out.append(line)
    if not done:
        out.append(f"{KEY}: {value}")
    return "\n".join(out) + "\n"


def write_config(path: str, text: str) -> None:
    from ..auditlog import make_private_dirs
    from ..claude_settings import write_atomic

    make_private_dirs(os.path.dirname(path))
    write_atomic(path, text.encode("utf-8"), 0o600)


def set_mode(cfg, value: str, environ) -> int:
    path = cfg.config_file
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = "# prempti-hook settings (flat `key: value`; see `prempti-hook --help`)\n"
    except (OSError, UnicodeDecodeError) as e:
        print(f"prempti-hook: cannot read {path}: {getattr(e, 'strerror', None) or e}",
              file=sys.stderr)
        return 1
    before = cfg.mode
    try:
        write_config(path, updated_text(text, value))
    except OSError as e:
        print(f"prempti-hook: cannot write {path}: {e.strerror or e}", file=sys.stderr)
        return 1
    change = "unchanged" if before == value else f"was {before}"
    print(f"mode: {value} ({change}; takes effect on the next tool call)")
    env_name = config.SETTINGS[KEY][0]
    if env_name in environ:
        print(f"prempti-hook: note: {env_name}={environ[env_name]} in the environment "
              f"overrides {path}", file=sys.stderr)
    return 0


def main(word: str, args: list[str]) -> int:
    environ = os.environ
    if len(args) > 1:
        print(f"prempti-hook: mode takes at most one argument ({' | '.join(config.MODES)})",
              file=sys.stderr)
        return 2
    cfg = config.load(environ)
    if not args:
        mode, where = current(cfg, environ)
        print(f"mode: {mode} ({where})")
        for problem in cfg.problems:
            if KEY in problem or config.SETTINGS[KEY][0] in problem:
                print(f"prempti-hook: {problem}", file=sys.stderr)
        return 0
    value = args[0].strip().lower()
    if value not in config.MODES:
        print(f"prempti-hook: unknown mode {args[0]!r}: use one of {', '.join(config.MODES)}",
              file=sys.stderr)
        return 2
    return set_mode(cfg, value, environ)
