"""The Gemini CLI: a `BeforeTool` hook in the user settings, `~/.gemini/settings.json`
(`$GEMINI_CLI_HOME/.gemini/settings.json`), checked against `@google/gemini-cli` 0.61.0.

    {"hooks": {"BeforeTool": [..., {"matcher": ".*", "hooks": [
        {"name": "prempti-hook", "type": "command", "command": "...", "timeout": 30000,
         "description": "..."}]}]}}

User-level hooks need no trust step. `matcher` is a regular expression over tool names
(`.*`: every tool, MCP tools included); `timeout` is in milliseconds (Gemini's default is
60 s, and on a timeout, exit 1 or a crash Gemini lets the tool run: the command ends with
`BLOCK_ON_FAILURE`, and the hook's watchdog answers first). Gemini expands `$NAME` and
`${NAME}` in settings strings, so no path in the command may hold a `$`.

What stops it firing, which `check` reports: `hooksConfig.enabled: false` (user or system
settings), the hook's name in `hooksConfig.disabled`, a matcher that leaves tools out.
"""

from __future__ import annotations

import copy
import os

from .. import claude_settings as cs
from ..claude_settings import SettingsError
from . import (
    TIMEOUT_SECONDS,
    Place,
    Report,
    hook_command,
    json_bytes,
    json_object,
    put_group,
    read_bytes,
    runtime_problems,
)

AGENT = "gemini"
TITLE = "the Gemini CLI"
EVENT = "BeforeTool"
MATCHER = ".*"
NAME = "prempti-hook"
DESCRIPTION = "prempti-hook: the policy guard decides on every tool call"
SYSTEM_SETTINGS = "/etc/gemini-cli/settings.json"


def locate(environ=None) -> Place:
    from ..agent_homes import gemini_dir
    from ..config import user_home

    environ = os.environ if environ is None else environ
    home = gemini_dir(environ, user_home(environ))
    system = environ.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH") or SYSTEM_SETTINGS
    return Place(home, [os.path.join(home, "settings.json")], system=system)


def command(python: str, prempti_home: str) -> str:
    line = hook_command(python, prempti_home, AGENT, block_on_failure=True)
    if "$" in f"{python}{prempti_home}":
        raise SettingsError("Gemini expands $NAME in its settings, and the interpreter or "
                            "PREMPTI_HOME path holds a '$'; install from a path without one")
    return line


def handler(command_line: str) -> dict:
    return {"name": NAME, "type": "command", "command": command_line,
            "timeout": TIMEOUT_SECONDS * 1000, "description": DESCRIPTION}


def _groups(data: dict, path: str, create: bool) -> list | None:
    return cs.event_groups(data, path, create, EVENT)


def find(data: dict, zipapp: str, path: str) -> list[tuple[int, int]]:
    """(group, handler) of every handler running `zipapp`."""
    return cs.find(data, zipapp, path, EVENT)


def add(contents: dict, command_line: str, zipapp: str, place: Place) -> dict:
    (path,) = place.files
    raw = contents[path]
    data = json_object(raw, path)
    new = copy.deepcopy(data)
    groups = _groups(new, path, create=True)
    entry = {"matcher": MATCHER, "hooks": [handler(command_line)]}
    places = find(new, zipapp, path)
    put_group(groups, places, entry)
    return {path: raw if new == data else json_bytes(new, raw)}


def remove(contents: dict, zipapp: str, place: Place) -> dict:
    out = dict(contents)
    for path, raw in contents.items():
        if raw is None:
            continue
        data = json_object(raw, path)
        places = find(data, zipapp, path)
        if places:
            new = copy.deepcopy(data)
            groups = _groups(new, path, create=False)
            cs.drop(groups, places)
            if not groups:
                del new["hooks"][EVENT]
                if not new["hooks"]:
                    del new["hooks"]
            out[path] = json_bytes(new, raw)
    return out


def _disabled(settings: dict) -> list[str]:
    """Why these settings switch our hook off (empty: they do not)."""
    config = settings.get("hooksConfig")
    if not isinstance(config, dict):
        return []
    out = []
    if config.get("enabled") is False:
        out.append("hooksConfig.enabled is false: Gemini runs no hook")
    disabled = config.get("disabled")
    if isinstance(disabled, list) and NAME in disabled:
        out.append(f'hooksConfig.disabled lists "{NAME}"')
    return out


def check(contents: dict, zipapp: str, place: Place, expected: str | None) -> Report:
    (path,) = place.files
    data = json_object(contents[path], path)
    places = find(data, zipapp, path)
    if not places:
        return Report(None, [f"the hook is not registered in {path}"])
    problems = []
    if len(places) > 1:
        problems.append(f"registered {len(places)} times")
    g, h = places[0]
    group = data["hooks"][EVENT][g]
    hook = group["hooks"][h]
    if group.get("matcher") not in (MATCHER, None, ""):
        problems.append(f"matcher is {group.get('matcher')!r}, not \".*\": the tools it does "
                        f"not match are not checked")
    timeout = hook.get("timeout")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) \
            or timeout > TIMEOUT_SECONDS * 1000:
        problems.append("no timeout of 30000 ms or less: Gemini waits 60 s and then lets the "
                        "tool run")
    problems += [f"NOT FIRING: {why} ({path})" for why in _disabled(data)]
    system_path = place.extra["system"]
    try:
        system = json_object(read_bytes(system_path), system_path)
    except SettingsError:
        system = {}
    problems += [f"NOT FIRING: {why} ({system_path})" for why in _disabled(system)]
    if expected is not None and hook.get("command") != expected:
        problems.append("the command differs from what this installation would register "
                        "(run `prempti-hook hook add gemini` to update it)")
    problems += runtime_problems(str(hook.get("command", "")), zipapp)
    return Report(f"{path} (hooks.{EVENT}[{g}])", problems, str(hook.get("command", "")))
