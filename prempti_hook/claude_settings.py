"""Reading and editing Claude Code's user settings (`~/.claude/settings.json`) to register
the hook, without disturbing anything else in the file.

Shape we add (docs/contract.md, "Claude Code's hook protocol"):

    {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [
        {"type": "command", "command": "...", "timeout": 30, "onFailure": "block"}]}]}}

`timeout` because Claude Code's default is 10 minutes; `"onFailure": "block"` because
without it a crash, a kill or a timeout of the hook lets the tool call run.

Our entry is recognised by the command running *this* installation's zipapp
(`<PREMPTI_HOME>/bin/prempti-hook`), so several installations (different PREMPTI_HOME)
never touch each other's entries, and the user's own hooks are never touched.

Cold path (install, uninstall, status): `json` and `shlex` are fine here.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shlex
import time

HOOK_EVENT = "PreToolUse"
MATCHER = "*"
TIMEOUT_SECONDS = 30
ON_FAILURE = "block"
BACKUP_INFIX = ".prempti-backup-"


class SettingsError(Exception):
    """The settings file cannot be read or changed safely; the message says why."""


def settings_path(environ=None) -> str:
    """Claude Code's user settings file (`$CLAUDE_CONFIG_DIR` moves the whole folder)."""
    from .config import claude_config_dir

    return os.path.join(claude_config_dir(environ), "settings.json")


def zipapp_path(prempti_home: str) -> str:
    return os.path.join(prempti_home, "bin", "prempti-hook")


def hook_command(python: str, prempti_home: str) -> str:
    """The shell command Claude Code runs: this installation's zipapp, with the interpreter
    it was installed with, isolated (-I: no PYTHON* variables, no user site; -S: no site
    packages), told which home it belongs to. Knowing that, the zipapp's launcher extracts
    itself into `<PREMPTI_HOME>/lib` (see launcher.py), never into SHIV_ROOT or ~/.shiv.
    `PREMPTI_MANAGED_DIR=` (empty): the managed policy folder is always the real one here,
    whatever the environment Claude Code was started with says (the variable is for tests)."""
    return " ".join([
        "PREMPTI_HOME=" + shlex.quote(prempti_home), "PREMPTI_MANAGED_DIR=",
        shlex.quote(python), "-I", "-S", shlex.quote(zipapp_path(prempti_home)),
    ])


def hook_entry(command: str) -> dict:
    return {"type": "command", "command": command, "timeout": TIMEOUT_SECONDS,
            "onFailure": ON_FAILURE}


# Reading ----------------------------------------------------------------------------------

def _no_duplicates(pairs: list) -> dict:
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise SettingsError(f"key {key!r} appears twice in one object; rewriting the "
                                f"file would silently drop one of them")
        seen[key] = value
    return seen


def parse(raw: bytes, path: str) -> dict:
    """The settings object in `raw`. An empty file counts as `{}`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SettingsError(f"{path} is not UTF-8 text (byte {e.start})") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except SettingsError as e:
        raise SettingsError(f"{path}: {e}") from None
    except (ValueError, RecursionError) as e:
        raise SettingsError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} holds a JSON {type(data).__name__}, not an object")
    return data


def read(path: str) -> tuple[dict, bytes | None]:
    """(settings, exact bytes) of `path`; ({}, None) when the file does not exist."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return {}, None
    except OSError as e:
        raise SettingsError(f"cannot read {path}: {e.strerror or e}") from None
    return parse(raw, path), raw


def digest(raw: bytes | None) -> str | None:
    return None if raw is None else hashlib.sha256(raw).hexdigest()


# Finding and editing ----------------------------------------------------------------------

def runs_zipapp(hook, zipapp: str) -> bool:
    """True when `hook` is a command hook that runs the zipapp at `zipapp`."""
    if not isinstance(hook, dict) or hook.get("type") != "command":
        return False
    command = hook.get("command")
    if not isinstance(command, str):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return zipapp in words


def event_groups(data: dict, path: str, create: bool, event: str = HOOK_EVENT) -> list | None:
    """The list under `hooks.<event>` (Claude Code's, and the same shape in Codex, Gemini and
    Copilot files); None when absent and not `create`d; SettingsError when not that shape."""
    hooks = data.get("hooks")
    if hooks is None:
        if not create:
            return None
        hooks = data["hooks"] = {}
    if not isinstance(hooks, dict):
        raise SettingsError(f'{path}: "hooks" is a {type(hooks).__name__}, not an object; fix '
                            f"it by hand first")
    groups = hooks.get(event)
    if groups is None:
        if not create:
            return None
        groups = hooks[event] = []
    if not isinstance(groups, list):
        raise SettingsError(f'{path}: "hooks.{event}" is a {type(groups).__name__}, not a '
                            f"list; fix it by hand first")
    return groups


def find(data: dict, zipapp: str, path: str = "settings",
         event: str = HOOK_EVENT) -> list[tuple[int, int]]:
    """(group index, hook index) of every registration of `zipapp` under `hooks.<event>`."""
    groups = event_groups(data, path, create=False, event=event) or []
    found = []
    for g, group in enumerate(groups):
        hooks = group.get("hooks") if isinstance(group, dict) else None
        if isinstance(hooks, list):
            found.extend((g, h) for h, hook in enumerate(hooks) if runs_zipapp(hook, zipapp))
    return found


def drop(groups: list, places: list[tuple[int, int]]) -> None:
    """Remove the hooks at `places`, and any group that they leave empty."""
    for g, h in sorted(places, reverse=True):
        del groups[g]["hooks"][h]
    for g in sorted({g for g, _ in places}, reverse=True):
        if not groups[g]["hooks"]:
            del groups[g]


def add(data: dict, command: str, zipapp: str, path: str = "settings") -> tuple[dict, list[str]]:
    """A copy of `data` with exactly one registration of `zipapp`: an existing one in a
    `*` group is updated in place, duplicates are removed. Also returns which containers
    (`hooks`, `hooks.PreToolUse`) had to be created."""
    data = copy.deepcopy(data)
    created = []
    if "hooks" not in data:
        created.append("hooks")
    if not isinstance(data.get("hooks"), dict) or HOOK_EVENT not in data["hooks"]:
        created.append(f"hooks.{HOOK_EVENT}")
    groups = event_groups(data, path, create=True)
    places = find(data, zipapp, path)
    entry = hook_entry(command)
    keep = next(((g, h) for g, h in places if groups[g].get("matcher") == MATCHER), None)
    if keep is not None:
        groups[keep[0]]["hooks"][keep[1]] = entry
        drop(groups, [p for p in places if p != keep])
    else:
        drop(groups, places)
        groups.append({"matcher": MATCHER, "hooks": [entry]})
    return data, created


def remove(data: dict, zipapp: str, created: list[str], path: str = "settings") -> dict:
    """A copy of `data` without any registration of `zipapp`, and without the containers
    listed in `created` when that leaves them empty."""
    data = copy.deepcopy(data)
    groups = event_groups(data, path, create=False)
    if groups is None:
        return data
    drop(groups, find(data, zipapp, path))
    hooks = data["hooks"]
    if not groups and f"hooks.{HOOK_EVENT}" in created:
        del hooks[HOOK_EVENT]
    if not hooks and "hooks" in created:
        del data["hooks"]
    return data


def problems(data: dict, zipapp: str, expected_command: str | None = None) -> list[str]:
    """What makes the registration of `zipapp` in `data` not (fully) protective."""
    places = find(data, zipapp)
    if not places:
        return ["the hook is not registered"]
    out = []
    if len(places) > 1:
        out.append(f"registered {len(places)} times")
    groups = data["hooks"][HOOK_EVENT]
    g, h = places[0]
    hook = groups[g]["hooks"][h]
    if groups[g].get("matcher") != MATCHER:
        out.append(f'matcher is {groups[g].get("matcher")!r}, not "*": some tools are not '
                   f"checked")
    if hook.get("onFailure") != ON_FAILURE:
        out.append('"onFailure" is not "block": a crash or timeout lets the call run')
    if not isinstance(hook.get("timeout"), (int, float)) or isinstance(hook.get("timeout"),
                                                                        bool):
        out.append("no timeout: Claude Code waits up to 10 minutes for a stuck hook")
    if expected_command is not None and hook.get("command") != expected_command:
        out.append("the command differs from what this installation would register "
                   "(run `prempti-hook install` to update it)")
    if data.get("disableAllHooks") is True:
        out.append('"disableAllHooks" is true: Claude Code runs no hook at all')
    try:
        words = shlex.split(hook.get("command", ""))
        python = next(w for w in words if "=" not in w)
    except (ValueError, StopIteration):
        python = ""
    if python and not os.access(python, os.X_OK):
        out.append(f"the interpreter {python} does not exist or cannot run")
    if not os.path.isfile(zipapp):
        out.append(f"{zipapp} does not exist")
    return out


# Writing ----------------------------------------------------------------------------------

def render(data: dict, like: bytes | None) -> bytes:
    """`data` as JSON text, indented like the file it replaces (2 spaces by default)."""
    indent: int | str = 2
    if like:
        found = re.search(rb'\n([ \t]+)"', like)
        if found:
            indent = found.group(1).decode()
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_atomic(path: str, content: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `content` in one rename, fsynced first (a person's settings must
    survive a crash). A symlinked settings file (dotfile managers) keeps its link: the file
    it points to is replaced."""
    from .files import write_atomic as write

    write(path, content, mode, durable=True, through_symlink=True)


def file_mode(path: str, default: int = 0o600) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return default


def backup(path: str, raw: bytes) -> str:
    """A timestamped copy of the settings next to them; returns its path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = f"{path}{BACKUP_INFIX}{stamp}"
    candidate, number = base, 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            number += 1
            candidate = f"{base}.{number}"
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    return candidate
