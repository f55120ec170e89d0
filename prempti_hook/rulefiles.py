"""Which rules files the hook loads, in which order (hot path: runs on every call).

- First, always, the managed policy's `rules.d/` (`config.py`), compiled as a layer of its
  own; nothing below can disable or replace it.
- `PREMPTI_RULES` set: exactly those files or folders, in that order.
- Otherwise `$PREMPTI_HOME/rules/default/` (or, when it does not exist, the copy of the
  shipped rules embedded in the package), then `$PREMPTI_HOME/rules/user/`.
A folder contributes its `*.yaml`/`*.yml` files sorted by name; hidden files (editor swap
and backup files) are skipped.
"""

from __future__ import annotations

import os

from . import running_zipapp
from .files import RULE_SUFFIXES

EMBEDDED = "prempti_hook/rules_default"  # the shipped rules, as package data of the zipapp


def embedded_rules_dir() -> str:
    """The shipped rules embedded in the zipapp (extracted on first need), the package's
    `rules_default/` in an installed wheel, or the repo's `rules/` in a checkout.
    Raises OSError when the zipapp cannot extract them."""
    zipapp = running_zipapp()
    if zipapp is not None:
        return os.path.join(zipapp.ensure_extracted(), "site-packages", EMBEDDED)
    package = os.path.dirname(os.path.abspath(__file__))
    inside = os.path.join(package, "rules_default")
    if os.path.isdir(inside):
        return inside
    return os.path.join(os.path.dirname(package), "rules")


def files_in(folder: str) -> list[str]:
    """Rules files directly inside `folder`, sorted by name; [] if it is not a folder.
    The zipapp's embedded rules folder lists only the files the build shipped there."""
    zipapp = running_zipapp()
    if zipapp is not None and folder.endswith(os.sep + EMBEDDED):
        return [p for p in zipapp.extracted_files(EMBEDDED) if p.endswith(RULE_SUFFIXES)]
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, n) for n in sorted(names)
            if n.endswith(RULE_SUFFIXES) and not n.startswith(".")]


def expand(entries: list[str]) -> list[str]:
    """Files and folders (in order) to the list of files; a missing path is kept so that
    loading it reports the problem instead of silently loading less."""
    out: list[str] = []
    for entry in entries:
        if os.path.isdir(entry):
            out.extend(files_in(entry))
        else:
            out.append(entry)
    return out


def default_entries(cfg) -> list[str]:
    """The folders the hook loads when PREMPTI_RULES is not set."""
    default = cfg.default_rules_dir
    if not os.path.isdir(default):
        default = embedded_rules_dir()
    return [default, cfg.user_rules_dir]


def managed_files(cfg) -> list[str]:
    """The managed policy's rules files (the first layer), in load order."""
    policy = getattr(cfg, "managed", None)
    return list(policy.rules) if policy is not None else []


def rules_files(cfg) -> list[str]:
    """The rules files the hook loads for configuration `cfg`, in load order (the managed
    ones first)."""
    if cfg.rules_override is not None:
        return managed_files(cfg) + expand(cfg.rules_override)
    # The default and user folders are optional: a missing one contributes nothing.
    return managed_files(cfg) + [path for folder in default_entries(cfg)
                                 for path in files_in(folder)]
