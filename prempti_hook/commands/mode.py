"""`prempti-hook mode [monitor|guardrails]`: show the mode, or set it in config.yaml.

Setting rewrites `$PREMPTI_HOME/config.yaml` keeping every other line (comments and
settings this version does not know included), as a flat `key: value` file (the shape
`config.py` reads without yaml), private (0600) and in one atomic rename, so a hook call
running at the same moment reads either the old file or the new one. It takes effect on the
next tool call. `monitor` stops enforcement, so it is set only for a person at a terminal
(`person.py`); a mode the managed policy locks is not changed at all (`settings.py`).
"""

from __future__ import annotations

import os
import sys

from .. import config
from . import arguments, settings

KEY = "mode"
USAGE = """usage: prempti-hook mode [monitor|guardrails]

Without an argument, show the mode and where it comes from. With one, set it in
$PREMPTI_HOME/config.yaml; it takes effect on the next tool call.
  guardrails  verdicts are enforced (the default)
  monitor     every call is evaluated and logged with what would have happened; nothing
              is blocked. Only a person at a terminal can switch to it (it asks to type
              a code), and not at all when the managed policy locks the mode.
"""


def current(cfg, environ) -> tuple[str, str]:
    """(mode, where it comes from)."""
    return cfg.mode, settings.source_of(cfg, KEY, environ)


def updated_text(text: str, value: str) -> str:
    """`text` (a config file) with `mode: value` in place of its mode line(s)."""
    return settings.updated_text(text, KEY, value)


def set_mode(cfg, value: str, environ) -> int:
    return settings.set_value(cfg, KEY, value, environ)


@arguments.entry
def main(word: str, args: list[str]) -> int:
    environ = os.environ
    args = arguments.parse(args, operands=1).operands
    cfg = config.load(environ)
    if not args:
        mode, where = current(cfg, environ)
        print(f"mode: {mode} ({where})")
        for problem in cfg.problems + cfg.managed_problems:
            if KEY in problem or config.SETTINGS[KEY][0] in problem or problem in \
                    cfg.managed_problems:
                print(f"prempti-hook: {problem}", file=sys.stderr)
        return 0
    value = args[0].strip().lower()
    if value not in config.MODES:
        raise arguments.UsageError(f"unknown mode {args[0]!r}: use one of "
                                   f"{', '.join(config.MODES)}")
    return set_mode(cfg, value, environ)
