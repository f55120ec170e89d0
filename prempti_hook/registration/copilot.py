"""The Copilot CLI: a user-level hook file of our own, `~/.copilot/hooks/prempti-hook.json`
(`$COPILOT_HOME/hooks/`), checked against `@github/copilot` 1.0.102.

    {"version": 1, "hooks": {"preToolUse": [
        {"type": "command", "bash": "...", "timeoutSec": 30}]}}

User hooks load in every folder, trusted or not (repository hooks in `.github/hooks/` load
only in a trusted folder). `preToolUse` (camelCase) gives Copilot's own tool names and
input; there is no matcher: every tool call, MCP tools included, reaches the hook. Copilot
blocks the call on any exit code but 0, but lets it run when the hook times out (after
`timeoutSec`, default 30 s): the hook's watchdog answers a deny before that.

What stops it firing, which `check` reports: a hook file that is not valid JSON, or whose
`version` is not 1 (Copilot then skips the whole file without a word). (`disableAllHooks` in
`~/.copilot/settings.json`, or in another hook file, did not stop a user hook in 1.0.102.)
"""

from __future__ import annotations

import copy
import os

from .. import claude_settings as cs
from ..agent_homes import COPILOT_HOOK_FILE
from ..claude_settings import SettingsError
from . import (
    TIMEOUT_SECONDS,
    Place,
    Report,
    hook_command,
    json_bytes,
    json_object,
    runtime_problems,
)

AGENT = "copilot"
TITLE = "the Copilot CLI"
EVENT = "preToolUse"
FILE_NAME = COPILOT_HOOK_FILE


def locate(environ=None) -> Place:
    from ..agent_homes import copilot_home
    from ..config import user_home

    environ = os.environ if environ is None else environ
    home = copilot_home(environ, user_home(environ))
    return Place(home, [os.path.join(home, "hooks", FILE_NAME)])


def command(python: str, prempti_home: str) -> str:
    # Copilot already blocks on any failing exit code: no fallback needed.
    return hook_command(python, prempti_home, AGENT, block_on_failure=False)


def handler(command_line: str) -> dict:
    return {"type": "command", "bash": command_line, "timeoutSec": TIMEOUT_SECONDS}


def _entries(data: dict, path: str, create: bool) -> list | None:
    # Copilot lists handlers straight under hooks.preToolUse, the place Claude's groups go.
    return cs.event_groups(data, path, create, EVENT)


def _runs_zipapp(entry, zipapp: str) -> bool:
    return isinstance(entry, dict) and cs.runs_zipapp(
        {"type": "command", "command": entry.get("bash")}, zipapp)


def find(data: dict, zipapp: str, path: str) -> list[int]:
    return [i for i, entry in enumerate(_entries(data, path, create=False) or [])
            if _runs_zipapp(entry, zipapp)]


def add(contents: dict, command_line: str, zipapp: str, place: Place) -> dict:
    (path,) = place.files
    raw = contents[path]
    data = json_object(raw, path)
    new = copy.deepcopy(data)
    new.setdefault("version", 1)
    entries = _entries(new, path, create=True)
    found = find(new, zipapp, path)
    wanted = handler(command_line)
    if not (len(found) == 1 and entries[found[0]] == wanted):
        for index in reversed(found):
            del entries[index]
        entries.append(wanted)
    return {path: raw if new == data else json_bytes(new, raw)}


def remove(contents: dict, zipapp: str, place: Place) -> dict:
    out = dict(contents)
    for path, raw in contents.items():
        if raw is None:
            continue
        data = json_object(raw, path)
        found = find(data, zipapp, path)
        if not found:
            continue
        new = copy.deepcopy(data)
        entries = _entries(new, path, create=False)
        for index in reversed(found):
            del entries[index]
        if not entries:
            del new["hooks"][EVENT]
        if not new["hooks"] and set(new) <= {"hooks", "version"}:
            out[path] = None  # nothing else in our own file: it goes
        else:
            out[path] = json_bytes(new, raw)
    return out


def check(contents: dict, zipapp: str, place: Place, expected: str | None) -> Report:
    (path,) = place.files
    raw = contents[path]
    try:
        data = json_object(raw, path)
    except SettingsError as e:
        if raw is not None and zipapp.encode() in raw:
            return Report(path, [f"NOT FIRING: {e}: Copilot skips the whole file"])
        raise
    found = find(data, zipapp, path)
    if not found:
        return Report(None, [f"the hook is not registered in {path}"])
    problems = []
    if data.get("version", 1) != 1:
        problems.append(f"NOT FIRING: \"version\" is {data.get('version')!r}, not 1: Copilot "
                        f"skips the whole file")
    if len(found) > 1:
        problems.append(f"registered {len(found)} times")
    entry = data["hooks"][EVENT][found[0]]
    timeout = entry.get("timeoutSec")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) \
            or timeout > TIMEOUT_SECONDS:
        problems.append("no timeoutSec of 30 or less: on a timeout Copilot lets the tool run")
    if expected is not None and entry.get("bash") != expected:
        problems.append("the command differs from what this installation would register "
                        "(run `prempti-hook hook add copilot` to update it)")
    problems += runtime_problems(str(entry.get("bash", "")), zipapp)
    return Report(f"{path} (hooks.{EVENT}[{found[0]}])", problems,
                  str(entry.get("bash", "")))
