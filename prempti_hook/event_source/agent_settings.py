"""What an agent's settings file holds that is a credential, for the rule on reading it.

    settings_credentials(paths) -> ("env:ANTHROPIC_API_KEY", "apiKeyHelper", "unreadable", ...)

Claude Code's settings (`~/.claude/settings.json`, `.claude/settings.local.json`) list hooks
and permissions, which are no secret from the agent (every deny names the guard), but their
`env` block can carry API keys and their key helpers are commands that print them. A read
of those files is worth a question when they hold such an entry:

    env:NAME      an `env` entry whose name says credential (KEY, TOKEN, SECRET, PASSWORD...)
                  and whose value can be one (text of 8 characters or more, not a number)
    secret:KIND   a credential anywhere in the file (event_source.secrets kinds)
    HELPER        a helper that prints credentials (apiKeyHelper, awsCredentialExport...)
    unreadable    the file is there but is not a regular file, is larger than MAX_BYTES
                  or is not JSON: what it holds is not known

A missing file holds nothing. Files are opened with `files.open_regular` (no blocking on a
FIFO, a regular-file check on the descriptor) and read bounded.
"""

from __future__ import annotations

import os

from ..files import open_regular, read_all
from .derived_fields import CLAUDE_SETTINGS_NAMES as SETTINGS_NAMES

MAX_BYTES = 256 * 1024
MAX_FILES = 4
# Words that make an environment variable's name a credential's name.
_CREDENTIAL_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH",
                     "BEARER", "COOKIE", "SESSION", "PRIVATE")
# Settings whose value is a command that prints a credential.
HELPER_KEYS = ("apiKeyHelper", "awsCredentialExport", "awsAuthRefresh", "otelHeadersHelper",
               "gcpAuthRefresh")
_MISSING = object()


def _read(path: str):
    """The text of a regular file (paths are resolved already), _MISSING when there is
    none, None when it cannot be read within the bounds."""
    try:
        fd = open_regular(path, follow=True)
    except FileNotFoundError:
        return _MISSING
    except (OSError, ValueError):  # not a regular file, unreadable, a NUL in the path
        return None
    try:
        data = read_all(fd, MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None
    return data.decode("utf-8", "replace")


def _names_credential(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in _CREDENTIAL_WORDS)


def _could_be_secret(value) -> bool:
    """A value that can be a credential: text of 8 characters or more that is not a number
    (`MAX_THINKING_TOKENS=8000` names tokens but holds a count)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return len(text) >= 8 and not text.replace(".", "").replace("_", "").isdigit()


def credentials_of(text: str) -> list[str]:
    """The credential entries of one settings file's text (see the module docstring)."""
    from ..jsonio import loads
    from .secrets import find_secrets

    try:
        data = loads(text)
    except ValueError:
        return ["unreadable"]
    if not isinstance(data, dict):
        return ["unreadable"]
    found: list[str] = []
    env = data.get("env")
    if isinstance(env, dict):
        found += [f"env:{name}" for name, value in env.items()
                  if isinstance(name, str) and _names_credential(name)
                  and _could_be_secret(value)]
    found += [key for key in HELPER_KEYS if data.get(key) not in (None, "")]
    found += [f"secret:{kind}" for kind in find_secrets(data)]
    return found


def settings_credentials(paths) -> tuple[str, ...]:
    """The credential entries of the agent settings files among `paths` (resolved)."""
    found: dict[str, None] = {}
    for path in [p for p in paths if p.rsplit("/", 1)[-1] in SETTINGS_NAMES][:MAX_FILES]:
        text = _read(path)
        if text is _MISSING:
            continue
        for entry in (["unreadable"] if text is None else credentials_of(text)):
            found[entry] = None
    return tuple(found)
