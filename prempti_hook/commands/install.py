"""`prempti-hook install | uninstall | hook add|remove|status|command [AGENT]`: the settings
part of installing (install/install.sh copies the files, then calls these).

    install   [--settings FILE] [--python PATH]   register the hook with Claude Code
    uninstall [--settings FILE]                   unregister it from every agent
    hook add [AGENT] [--python PATH]              register it with AGENT (default: claude)
    hook remove [AGENT]                           unregister it from AGENT
    hook status [AGENT]                           is it registered, and would it fire?
    hook command [AGENT]                          print the registered command line

`uninstall` and `hook remove` switch the guard off, so they act only for a person at a
terminal (`person.py`): from an agent's tool call they refuse and say why. `--system` (as
root) is the hardened install for every user of the machine (`system.py`).

AGENT is claude (Claude Code, `--settings` moves its settings file), codex, gemini or
copilot; the last three are `registration/<agent>.py`, which keep their own install state
(`$PREMPTI_HOME/install/<agent>/`) and restore their files the same way.

Claude Code:
Registering is idempotent (one entry, updated in place) and keeps every other key and hook.
What uninstalling needs is kept in `$PREMPTI_HOME/install/`: the bytes of the settings file
before the first install, and a hash of what we wrote. If the file is still exactly what we
wrote, uninstalling puts the old bytes back (or deletes the file if there was none); if the
user changed it since, only our entry (and the containers we created, when left empty) goes.
A copy is left next to the file (`settings.json.prempti-backup-<time>`) only when we change
bytes kept nowhere else: our entry is removed from, or updated in, a file changed since we
wrote it. So an install and uninstall leave the agent's folder exactly as it was.
"""

from __future__ import annotations

import json
import os
import sys

from .. import claude_settings as cs
from .. import config, registration
from . import arguments

STATE_DIR = "install"
STATE_FILE = "state.json"
BEFORE_FILE = "settings-before.json"
USAGE = """usage: prempti-hook install [--settings FILE] [--python PATH]
       prempti-hook uninstall [--settings FILE]
       prempti-hook hook add [AGENT] [--settings FILE] [--python PATH]
       prempti-hook hook remove|status|command [AGENT] [--settings FILE]
       prempti-hook install --system [--python PATH] [--user NAME]...
       prempti-hook uninstall --system [--purge]

The agents' settings part of installing (install/install.sh copies the files, then runs
these). AGENT: claude (the default), codex, gemini or copilot.
  install           register the hook with Claude Code
  uninstall         remove it from every agent it was added to
  hook add          register it with AGENT
  hook remove       remove it from AGENT
  hook status       is it registered with AGENT, and would it fire? (exit 1 if not)
  hook command      print the command line registered with AGENT
  --settings FILE   Claude Code's settings file (default ~/.claude/settings.json, or
                    $CLAUDE_CONFIG_DIR/settings.json)
  --python PATH     the interpreter the hook runs with (default: this one)
  --system          as root: the hardened install for every user (see README)
uninstall and hook remove switch the guard off: only a person at a terminal can run them."""


# Install state ---------------------------------------------------------------------------

def _state_dir(cfg) -> str:
    return os.path.join(cfg.prempti_home, STATE_DIR)


def load_state(cfg) -> dict | None:
    try:
        with open(os.path.join(_state_dir(cfg), STATE_FILE), encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _before_path(cfg) -> str:
    return os.path.join(_state_dir(cfg), BEFORE_FILE)


def save_state(cfg, state: dict, before_bytes: bytes | None) -> None:
    from ..files import make_private_dirs

    folder = _state_dir(cfg)
    make_private_dirs(folder)
    if before_bytes is not None:
        cs.write_atomic(_before_path(cfg), before_bytes)
    elif not (state.get("before") or {}).get("existed"):
        _unlink(_before_path(cfg))
    cs.write_atomic(os.path.join(folder, STATE_FILE),
                    (json.dumps(state, indent=2) + "\n").encode())


def clear_state(cfg) -> None:
    folder = _state_dir(cfg)
    for name in (STATE_FILE, BEFORE_FILE):
        _unlink(os.path.join(folder, name))
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# Commands --------------------------------------------------------------------------------

def register(cfg, path: str, python: str) -> int:
    zipapp = cs.zipapp_path(cfg.prempti_home)
    if not os.path.isfile(zipapp):
        return _error(f"{zipapp} does not exist; install/install.sh installs it and then "
                      f"registers the hook")
    python = os.path.realpath(python)
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return _error(f"interpreter {python} does not exist or cannot run")
    command = cs.hook_command(python, cfg.prempti_home)
    data, raw = cs.read(path)
    new, created = cs.add(data, command, zipapp, path)
    state = load_state(cfg)
    same_file = bool(state) and state.get("settings") == path
    if raw is not None and new == data:
        if not same_file:  # registered, but not by a state we know: never restore blindly
            save_state(cfg, {"settings": path, "before": None, "after": cs.digest(raw),
                             "created": [], "created_dirs": []}, None)
        print(f"prempti-hook: already registered in {path}")
        return 0
    before_bytes, backup = None, None
    if same_file and state.get("after") == cs.digest(raw):
        before = state.get("before")  # unchanged since our last write: keep the original
        created = sorted(set(created) | set(state.get("created", [])))
        created_dirs = state.get("created_dirs", [])
    elif cs.find(data, zipapp, path):
        before = None  # our entry is in there, so these bytes are no "before" to restore
        created = sorted(set(created) | set(state.get("created", []) if same_file else []))
        created_dirs = state.get("created_dirs", []) if same_file else []
        backup = cs.backup(path, raw)  # bytes we keep nowhere else, about to change
    else:
        before = {"existed": raw is not None, "mode": cs.file_mode(path)}
        before_bytes = raw  # kept in $PREMPTI_HOME/install/, restored by uninstalling
        created_dirs = registration.missing_dirs(os.path.dirname(path))
    if created_dirs and not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    content = cs.render(new, raw)
    cs.write_atomic(path, content, cs.file_mode(path))
    save_state(cfg, {"settings": path, "before": before, "after": cs.digest(content),
                     "created": created, "created_dirs": created_dirs}, before_bytes)
    print(f"prempti-hook: registered the PreToolUse hook in {path}")
    if backup:
        print(f"prempti-hook: previous settings saved as {backup}")
    elif before_bytes is not None:
        print(f"prempti-hook: previous settings kept in {_before_path(cfg)} (uninstalling "
              f"restores them)")
    return 0


def unregister(cfg, path: str) -> int:
    zipapp = cs.zipapp_path(cfg.prempti_home)
    state = load_state(cfg)
    same_file = bool(state) and state.get("settings") == path
    data, raw = cs.read(path)
    if raw is None:
        clear_state(cfg)
        print(f"prempti-hook: not registered ({path} does not exist)")
        return 0
    before = state.get("before") if same_file else None
    if before and cs.digest(raw) == state.get("after"):
        _restore(cfg, path, before, state.get("created_dirs", []))
        clear_state(cfg)
        return 0
    new = cs.remove(data, zipapp, state.get("created", []) if same_file else [], path)
    if new == data:
        print(f"prempti-hook: not registered in {path}")
    else:
        backup = cs.backup(path, raw)
        cs.write_atomic(path, cs.render(new, raw), cs.file_mode(path))
        print(f"prempti-hook: removed the hook from {path} (previous settings saved as "
              f"{backup})")
    clear_state(cfg)
    return 0


def _restore(cfg, path: str, before: dict, created_dirs: list[str]) -> None:
    if before.get("existed"):
        try:
            with open(_before_path(cfg), "rb") as f:
                old = f.read()
        except OSError as e:
            raise cs.SettingsError(f"cannot read the saved settings {_before_path(cfg)}: "
                                   f"{e.strerror or e}") from None
        cs.write_atomic(path, old, before.get("mode", 0o600))
        print(f"prempti-hook: restored {path} to what it was before installation")
        return
    os.unlink(path)
    for folder in reversed(created_dirs):
        try:
            os.rmdir(folder)
        except OSError:
            break
    print(f"prempti-hook: removed {path} (there was none before installation)")


def show_status(cfg, path: str) -> int:
    zipapp = cs.zipapp_path(cfg.prempti_home)
    data, _ = cs.read(path)
    places = cs.find(data, zipapp, path)
    if places:
        g, h = places[0]
        command = data["hooks"][cs.HOOK_EVENT][g]["hooks"][h].get("command")
        print(f"registered in {path} (hooks.{cs.HOOK_EVENT}[{g}], hook {h})")
        print(f"command: {command}")
    expected = cs.hook_command(os.path.realpath(sys.executable), cfg.prempti_home) \
        if places else None
    issues = cs.problems(data, zipapp, expected)
    for issue in issues:
        print(f"problem: {issue}")
    return 1 if issues else 0


def print_command(cfg, path: str) -> int:
    zipapp = cs.zipapp_path(cfg.prempti_home)
    data, _ = cs.read(path)
    places = cs.find(data, zipapp, path)
    if not places:
        return _error(f"the hook is not registered in {path}")
    g, h = places[0]
    print(data["hooks"][cs.HOOK_EVENT][g]["hooks"][h]["command"])
    return 0


def _error(message: str, code: int = 1) -> int:
    print(f"prempti-hook: {message}", file=sys.stderr)
    return code


def _agent_of(operands: list[str]) -> str:
    """The agent named in `operands` (default Claude Code)."""
    from ..agents import UnknownAgent, canonical

    if len(operands) > 1:
        raise arguments.UsageError(f"unexpected argument {operands[1]!r}")
    try:
        return canonical(operands[0]) if operands else "claude_code"
    except UnknownAgent as e:
        raise arguments.UsageError(str(e)) from None


def parse_options(word: str, args: list[str]) -> tuple[str, str, dict]:
    """(action, agent, options) of `install`, `uninstall` or `hook ACTION [AGENT]`."""
    action = {"install": "add", "uninstall": "remove"}.get(word)
    if action is None:
        if not args or args[0] not in ("add", "remove", "status", "command"):
            raise arguments.UsageError("needs one of add, remove, status, command")
        action, args = args[0], args[1:]
    valued = ("--settings", "--python") if action == "add" else ("--settings",)
    parsed = arguments.parse(args, valued=valued, operands=0 if word != "hook" else None)
    agent = _agent_of(parsed.operands)
    if agent != "claude_code" and "--settings" in parsed.values:
        raise arguments.UsageError(f"--settings is for Claude Code only, not {agent}")
    return action, agent, {name: parsed.value(name) for name in parsed.values}


@arguments.entry
def main(word: str, args: list[str]) -> int:
    if "--system" in args:
        from . import system

        return system.main(word, [a for a in args if a != "--system"])
    action, agent, options = parse_options(word, args)
    cfg = config.load()
    if cfg.system and action in ("add", "remove"):
        return _error("this is the system install: run `prempti-hook install --system` or "
                      "`uninstall --system` as root", 2)
    if action == "remove":
        from .. import person

        if not person.require("removing the hook"):
            return 1
    if agent != "claude_code":
        return _other_agent(cfg, agent, action, options)
    path = os.path.abspath(os.path.expanduser(options.get("--settings") or cs.settings_path()))
    try:
        if action == "add":
            return register(cfg, path, options.get("--python") or sys.executable)
        if action == "remove":
            code = unregister(cfg, path)
            if word == "uninstall":  # every agent this installation registered with
                for other in registration.registered_agents(cfg):
                    code = max(code, _other_agent(cfg, other, "remove", {}))
            return code
        if action == "status":
            return show_status(cfg, path)
        return print_command(cfg, path)
    except cs.SettingsError as e:
        return _error(f"{e}; nothing was changed")
    except OSError as e:
        return _error(f"{e.filename or path}: {e.strerror or e}")


def _other_agent(cfg, agent: str, action: str, options: dict) -> int:
    """hook add|remove|status|command for codex, gemini or copilot."""
    try:
        if action == "add":
            lines = registration.register(cfg, agent, options.get("--python") or sys.executable)
            for line in lines:
                print(f"prempti-hook: {line}")
            report = registration.check(cfg, agent)
            for problem in report.problems:
                print(f"prempti-hook: warning: {problem}")
            return 0
        if action == "remove":
            for line in registration.unregister(cfg, agent):
                print(f"prempti-hook: {line}")
            return 0
        report = registration.check(cfg, agent, sys.executable if action == "status" else None)
        if action == "command":
            if report.where is None:
                return _error(f"the hook is not registered with {agent}")
            print(report.command)
            return 0
        if report.where is not None:
            print(f"registered in {report.where}")
        for problem in report.problems:
            print(f"problem: {problem}")
        return 1 if report.problems else 0
    except cs.SettingsError as e:
        return _error(f"{e}; nothing was changed")
    except OSError as e:
        return _error(f"{e.filename or agent}: {e.strerror or e}")
