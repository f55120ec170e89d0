"""Registering the hook with the Codex, Gemini and Copilot CLIs, and putting their files
back as they were (cold path: `prempti-hook hook add|remove|status codex|gemini|copilot`).
Claude Code's registration is `claude_settings` with `commands/install.py`.

Each agent has a module here (`codex`, `gemini`, `copilot`) that knows its files and their
shapes. It has:

- `AGENT`, `TITLE`;
- `locate(environ) -> Place`: the files it edits (`Place.files`), found the way the agent
  finds them (`CODEX_HOME`, `GEMINI_CLI_HOME`, `COPILOT_HOME`, else under HOME);
- `command(python, prempti_home) -> str`: the command line the agent runs;
- `add(contents, command, zipapp, place) -> contents`: the files with exactly one
  registration of this installation (contents: path -> bytes, None for no file);
- `remove(contents, zipapp, place) -> contents`: without it (None: delete the file);
- `check(contents, zipapp, place, expected) -> Report`: is it registered, and would it fire.

This module does the rest, the same way for every agent: it keeps, in
`$PREMPTI_HOME/install/<agent>/`, the bytes each file had before the first registration and
a hash of what was written (no backup copies are left in the agent's own folders). Removing
the hook puts the old bytes back (or deletes a file that did not exist, and the folders
created for it) when a file is still exactly what was written; a file changed since loses
only the registration, and its current content is first copied next to it
(`<file>.prempti-backup-<time>`).
"""

from __future__ import annotations

import json
import os

from .. import claude_settings as cs
from ..claude_settings import SettingsError

AGENTS = ("codex", "gemini", "copilot")
STATE_DIR = "install"
STATE_FILE = "state.json"
# The agent's own timeout for our hook (seconds); the hook's watchdog answers a deny at
# 25 s (hook.WATCHDOG_SECONDS), before any agent gives up on it.
TIMEOUT_SECONDS = 30
# Appended to the command for agents that let the tool run when a hook exits with anything
# but 2 (an interpreter that is gone, a kill): exit 2 with a reason on stderr blocks there.
BLOCK_ON_FAILURE = ('|| { echo "prempti-hook failed (exit $?), so the call is blocked; for why, '
                    'run: prempti-hook status" >&2; exit 2; }')


class Place:
    """Where an agent's registration lives: `files` (absolute paths, in the order they are
    written), `home` (the agent's folder) and whatever else the agent module needs."""

    def __init__(self, home: str, files: list[str], **extra) -> None:
        self.home = home
        self.files = files
        self.extra = extra


class Report:
    """What `check` found: where the hook is registered (None: it is not), the command it
    runs, and why it would not fire or not protect fully."""

    def __init__(self, where: str | None, problems: list[str], command: str = "") -> None:
        self.where = where
        self.problems = problems
        self.command = command


def module(agent: str):
    """The registration module of `agent` (codex, gemini, copilot)."""
    if agent not in AGENTS:
        raise ValueError(f"no registration module for {agent!r}")
    return __import__(agent, globals(), None, ("add",), 1)


def hook_command(python: str, prempti_home: str, agent: str, block_on_failure: bool) -> str:
    """This installation's hook command for `agent` (see `claude_settings.hook_command`)."""
    command = f"{cs.hook_command(python, prempti_home)} --agent {agent}"
    return f"{command} {BLOCK_ON_FAILURE}" if block_on_failure else command


def command_python(command: str) -> str:
    """The interpreter a hook command runs (its first word that is not an assignment)."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    return next((w for w in words if "=" not in w), "")


def runtime_problems(command: str, zipapp: str) -> list[str]:
    """The interpreter or the zipapp a registered command runs is missing."""
    out = []
    python = command_python(command)
    if python and not os.access(python, os.X_OK):
        out.append(f"the interpreter {python} does not exist or cannot run")
    if not os.path.isfile(zipapp):
        out.append(f"{zipapp} does not exist")
    return out


# Reading and writing files --------------------------------------------------------------

def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SettingsError(f"cannot read {path}: {e.strerror or e}") from None


def read_all(place: Place) -> dict:
    return {path: read_bytes(path) for path in place.files}


def json_object(raw: bytes | None, path: str) -> dict:
    """The JSON object in a settings file (a missing or empty file is `{}`)."""
    return {} if raw is None else cs.parse(raw, path)


def json_bytes(data: dict, like: bytes | None) -> bytes:
    return cs.render(data, like)


# Install state --------------------------------------------------------------------------

def put_group(groups: list, places: list[tuple[int, int]], entry: dict) -> int:
    """Make `entry` the one group of `groups` that holds our handler (found at `places`):
    a group that is already exactly `entry` is kept where it is, anything else of ours is
    dropped and `entry` appended. Returns the index of `entry` in `groups`."""
    if len(places) == 1 and groups[places[0][0]] == entry:
        return places[0][0]
    cs.drop(groups, places)
    groups.append(entry)
    return len(groups) - 1


def _state_dir(cfg, agent: str) -> str:
    return os.path.join(cfg.prempti_home, STATE_DIR, agent)


def load_state(cfg, agent: str) -> dict | None:
    try:
        with open(os.path.join(_state_dir(cfg, agent), STATE_FILE), encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("files"), dict) else None


def _save_state(cfg, agent: str, state: dict, saved: dict) -> None:
    from ..files import make_private_dirs

    folder = _state_dir(cfg, agent)
    make_private_dirs(folder)
    for name, raw in saved.items():
        cs.write_atomic(os.path.join(folder, name), raw)
    cs.write_atomic(os.path.join(folder, STATE_FILE),
                    (json.dumps(state, indent=2) + "\n").encode())


def _clear_state(cfg, agent: str) -> None:
    folder = _state_dir(cfg, agent)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass
    for path in (folder, os.path.dirname(folder)):
        try:
            os.rmdir(path)
        except OSError:
            break


def registered_agents(cfg) -> list[str]:
    """The agents (of AGENTS) this installation keeps install state for."""
    return [agent for agent in AGENTS if load_state(cfg, agent) is not None]


def missing_dirs(folder: str) -> list[str]:
    """`folder` and those of its parents that do not exist yet, outermost first."""
    missing = []
    while folder and not os.path.exists(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return list(reversed(missing))


# Register, unregister, check ------------------------------------------------------------

def register(cfg, agent: str, python: str, environ=None) -> list[str]:
    """Register this installation's hook with `agent`; returns what was done, one line
    each. Raises SettingsError (nothing changed) when a file cannot be changed safely."""
    mod = module(agent)
    zipapp = cs.zipapp_path(cfg.prempti_home)
    if not os.path.isfile(zipapp):
        raise SettingsError(f"{zipapp} does not exist; install/install.sh installs it and "
                            f"then registers the hook")
    python = os.path.realpath(python)
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise SettingsError(f"interpreter {python} does not exist or cannot run")
    state = load_state(cfg, agent)
    place = mod.locate(environ)
    current = read_all(place)
    new = mod.add(current, mod.command(python, cfg.prempti_home), zipapp, place)
    if new == current:
        if state is None:  # registered, but not by a state we know: never restore blindly
            files = {path: {"before": None, "after": cs.digest(raw)}
                     for path, raw in current.items()}
            _save_state(cfg, agent, {"agent": agent, "files": files, "created_dirs": []}, {})
        return [f"already registered with {mod.TITLE} ({', '.join(place.files)})"]
    files, saved = _befores(mod, current, (state or {}).get("files", {}), zipapp, place)
    created_dirs = list((state or {}).get("created_dirs", []))
    done = [f"registered the hook with {mod.TITLE} in {', '.join(place.files)}"]
    for path, raw in new.items():
        if raw != current[path]:
            created_dirs += [d for d in _write(path, raw) if d not in created_dirs]
            if (files[path]["before"] or {}).get("saved"):
                done.append(f"{path} as it was is kept in {_state_dir(cfg, agent)} and comes "
                            f"back, byte for byte, with `prempti-hook hook remove {agent}`")
        files[path]["after"] = cs.digest(raw)
    _save_state(cfg, agent, {"agent": agent, "files": files, "created_dirs": created_dirs},
                saved)
    return done


def _befores(mod, current: dict, known: dict, zipapp: str, place: Place) -> tuple[dict, dict]:
    """What each file was before the first registration ({path: {"before": ...}}), and the
    bytes to keep for it: the original kept from an earlier registration if the file is
    unchanged since; nothing when our registration is already in it (those bytes are no
    "before"); else the file as it is now."""
    files: dict = {}
    saved: dict = {}
    for number, (path, raw) in enumerate(current.items()):
        entry = known.get(path)
        if entry is not None and entry.get("after") == cs.digest(raw):
            before = entry.get("before")
        elif raw is not None and mod.remove({path: raw}, zipapp, place) != {path: raw}:
            before = None
        else:
            before = {"existed": raw is not None, "mode": cs.file_mode(path)}
            if raw is not None:
                before["saved"] = f"before-{number}"
                saved[before["saved"]] = raw
        files[path] = {"before": before}
    return files, saved


def _write(path: str, raw: bytes | None) -> list[str]:
    """Write (or, for None, delete) one file; returns the folders created for it."""
    folder = os.path.dirname(path)
    created = [] if os.path.isdir(folder) else missing_dirs(folder)
    if created:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    if raw is None:
        os.unlink(path)
    else:
        cs.write_atomic(path, raw, cs.file_mode(path))
    return created


def unregister(cfg, agent: str, environ=None) -> list[str]:
    """Remove this installation's hook from `agent`'s files: byte for byte what was there
    before, for each file still exactly as it was written; only the registration otherwise."""
    mod = module(agent)
    zipapp = cs.zipapp_path(cfg.prempti_home)
    state = load_state(cfg, agent) or {"files": {}, "created_dirs": []}
    place = mod.locate(environ)
    if state["files"]:
        place.files = list(state["files"])  # where it was registered, whatever the env says now
    current = read_all(place)
    surgical = mod.remove(current, zipapp, place)
    done = []
    for path, raw in current.items():
        entry = state["files"].get(path) or {}
        before = entry.get("before")
        if before and raw is not None and cs.digest(raw) == entry.get("after"):
            done.append(_restore(cfg, agent, path, before))
        elif surgical[path] != raw:
            if raw is not None:
                done.append(f"removed the hook from {path} (previous content saved as "
                            f"{cs.backup(path, raw)})")
            if surgical[path] is None:
                os.unlink(path)
            else:
                cs.write_atomic(path, surgical[path], cs.file_mode(path))
    for folder in reversed(state.get("created_dirs", [])):
        try:
            os.rmdir(folder)
        except OSError:
            break
    _clear_state(cfg, agent)
    return done or [f"not registered with {mod.TITLE}"]


def _restore(cfg, agent: str, path: str, before: dict) -> str:
    if not before.get("existed"):
        os.unlink(path)
        return f"removed {path} (there was none before installation)"
    saved = os.path.join(_state_dir(cfg, agent), before.get("saved", ""))
    try:
        with open(saved, "rb") as f:
            old = f.read()
    except OSError as e:
        raise SettingsError(f"cannot read the saved copy {saved}: {e.strerror or e}") from None
    cs.write_atomic(path, old, before.get("mode", 0o600))
    return f"restored {path} to what it was before installation"


def check(cfg, agent: str, python: str | None = None, environ=None) -> Report:
    """Is the hook registered with `agent`, and would it fire and protect?"""
    mod = module(agent)
    zipapp = cs.zipapp_path(cfg.prempti_home)
    place = mod.locate(environ)
    state = load_state(cfg, agent)
    if state and state.get("files"):
        place.files = list(state["files"])
    expected = mod.command(os.path.realpath(python), cfg.prempti_home) if python else None
    return mod.check(read_all(place), zipapp, place, expected)
