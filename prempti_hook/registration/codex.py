"""The Codex CLI: the hook entry in `$CODEX_HOME/hooks.json` and its trust in
`$CODEX_HOME/config.toml` (checked against `codex-cli 0.169.0`).

    hooks.json:   {"hooks": {"PreToolUse": [..., {"matcher": "*", "hooks": [
                      {"type": "command", "command": "...", "timeout": 30}]}]}}
    config.toml:  [hooks.state."<hooks.json>:pre_tool_use:<group>:0"]
                  enabled = true
                  trusted_hash = "sha256:<hex>"

Codex runs a hook it was not told to trust **silently never** (no warning, the tool runs),
so the trust goes in with the entry. The hash is sha256 over the compact, key-sorted JSON of
`{"event_name": "pre_tool_use", "matcher": M, "hooks": [{"async": false, "command": C,
"timeout": T, "type": "command"}]}`; the key names the file (by the path Codex reads it
from: `$CODEX_HOME` resolved when that variable is set, `~/.codex` as it is otherwise) and
the group's position among the file's PreToolUse groups. An entry edited since it was
trusted, or moved to another position, no longer fires: `check` says so.

Matcher `*`: Codex matches its canonical tool names (`Bash`, `apply_patch`, `mcp__...`),
not the model-facing ones, and `*` covers them all. Timeout 30 s (Codex's default is 600 s,
and on a timeout, exit 1 or a crash Codex lets the tool run; the command ends with
`BLOCK_ON_FAILURE`, and the hook's watchdog answers before 30 s).

config.toml is edited as text (no TOML library is required): our table goes at the end,
between marker comments, and replaces a stale table with the same key. Codex itself may
rewrite the file; removal then finds our table by its key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re

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
    runtime_problems,
)

AGENT = "codex"
TITLE = "the Codex CLI"
EVENT = "PreToolUse"
EVENT_KEY = "pre_tool_use"
MATCHER = "*"
BEGIN = "# prempti-hook: begin (trust for the hook `prempti-hook hook add codex` registered)"
END = "# prempti-hook: end"


def locate(environ=None) -> Place:
    """`$CODEX_HOME` (else `~/.codex`): its hooks.json and config.toml."""
    from ..agent_homes import codex_home
    from ..config import user_home

    environ = os.environ if environ is None else environ
    home = codex_home(environ, user_home(environ))
    # Codex names the file by the real path of a CODEX_HOME it is given, and by ~/.codex
    # as it is otherwise (both seen with codex-cli 0.169.0).
    key_dir = os.path.realpath(home) if environ.get("CODEX_HOME") else home
    return Place(home, [os.path.join(home, "hooks.json"), os.path.join(home, "config.toml")],
                 key_dir=key_dir)


def command(python: str, prempti_home: str) -> str:
    return hook_command(python, prempti_home, AGENT, block_on_failure=True)


def handler(command_line: str) -> dict:
    return {"type": "command", "command": command_line, "timeout": TIMEOUT_SECONDS}


def trust_hash(matcher, hook: dict) -> str:
    """Codex's trust hash of one handler in a group with `matcher` (None: no matcher)."""
    identity: dict = {"event_name": EVENT_KEY, "hooks": [{
        "async": bool(hook.get("async", False)), "command": hook.get("command"),
        "timeout": hook.get("timeout", 600), "type": hook.get("type", "command")}]}
    if matcher is not None:
        identity["matcher"] = matcher
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def trust_key(place: Place, group: int, hook: int = 0) -> str:
    return f"{place.extra['key_dir']}/hooks.json:{EVENT_KEY}:{group}:{hook}"


# hooks.json ------------------------------------------------------------------------------

def _groups(data: dict, path: str, create: bool) -> list | None:
    return cs.event_groups(data, path, create, EVENT)


def find(data: dict, zipapp: str, path: str) -> list[tuple[int, int]]:
    """(group, handler) of every handler running `zipapp`."""
    return cs.find(data, zipapp, path, EVENT)


# config.toml -----------------------------------------------------------------------------

_HEADER = re.compile(r'^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$')


def _table_name(line: str) -> str | None:
    """The name of the `[table]` a line opens (whitespace around dots removed), else None."""
    match = _HEADER.match(line)
    if match is None or line.lstrip().startswith("[["):
        return None
    return re.sub(r'\s*\.\s*', ".", match.group(1))


def _state_table(key: str) -> str:
    return f'hooks.state.{json.dumps(key)}'


def _strip_ours(text: str, keys: list[str]) -> str:
    """`text` without our marked block and without any table named for one of `keys`."""
    names = {_state_table(key) for key in keys}
    out: list[str] = []
    skipping = in_block = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN:
            in_block = True
            continue
        if in_block:
            if stripped == END:
                in_block = False
            continue
        name = _table_name(line) if stripped.startswith("[") else None
        if name is not None:
            skipping = name in names
        elif stripped.startswith("[["):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


def _our_keys(text: str) -> list[str]:
    """The trust keys inside our marked block."""
    keys = []
    in_block = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            in_block = True
        elif stripped == END:
            in_block = False
        elif in_block and stripped.startswith("[hooks.state."):
            name = _table_name(line) or ""
            try:
                keys.append(json.loads(name[len("hooks.state."):]))
            except ValueError:
                pass
    return keys


def _block(key: str, digest: str) -> str:
    return (f"{BEGIN}\n[{_state_table(key)}]\nenabled = true\n"
            f"trusted_hash = {json.dumps(digest)}\n{END}\n")


def read_toml_settings(text: str) -> dict:
    """The few config.toml values `check` needs, by a line scan that knows plain tables and
    `key = value` lines: {table name: {key: raw value text}} (root table: "")."""
    tables: dict = {"": {}}
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            current = "\0array"  # array-of-tables entries are not read
            continue
        name = _table_name(line) if stripped.startswith("[") else None
        if name is not None:
            current = name
            tables.setdefault(current, {})
            continue
        key, eq, value = stripped.partition("=")
        if eq:
            value = value.split(" #", 1)[0].strip()
            tables.setdefault(current, {})[re.sub(r'\s*\.\s*', ".", key.strip())] = value
    return tables


def _validate_toml(text: str, path: str) -> None:
    """Parse the new config.toml when this Python can (3.11+): never write a file Codex
    would refuse to start with."""
    try:
        import tomllib
    except ImportError:
        return
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: adding the trust entry would make it invalid TOML ({e});"
                            f" fix the file by hand first") from None


def _decode(raw: bytes | None, path: str) -> str:
    try:
        return "" if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SettingsError(f"{path} is not UTF-8 text (byte {e.start})") from None


# The agent interface ---------------------------------------------------------------------

def add(contents: dict, command_line: str, zipapp: str, place: Place) -> dict:
    hooks_path, config_path = place.files
    raw = contents[hooks_path]
    data = json_object(raw, hooks_path)
    new = copy.deepcopy(data)
    groups = _groups(new, hooks_path, create=True)
    entry = {"matcher": MATCHER, "hooks": [handler(command_line)]}
    places = find(new, zipapp, hooks_path)
    index = put_group(groups, places, entry)
    text = _decode(contents[config_path], config_path)
    key = trust_key(place, index)
    stripped = _strip_ours(text, [*_our_keys(text), *_keys_of(data, zipapp, place), key])
    stripped = stripped.rstrip("\n") + "\n\n" if stripped.strip() else ""
    new_text = stripped + _block(key, trust_hash(MATCHER, handler(command_line)))
    if new_text != text:
        _validate_toml(new_text, config_path)
    hooks_bytes = raw if new == data else json_bytes(new, raw)
    config_bytes = contents[config_path] if new_text == text else new_text.encode("utf-8")
    return {hooks_path: hooks_bytes, config_path: config_bytes}


def _keys_of(data: dict, zipapp: str, place: Place) -> list[str]:
    """The trust keys of the positions our handlers hold in hooks.json."""
    return [trust_key(place, g, h) for g, h in find(data, zipapp, place.files[0])]


def remove(contents: dict, zipapp: str, place: Place) -> dict:
    out = dict(contents)
    hooks_path, config_path = place.files
    raw = contents.get(hooks_path)
    keys: list[str] = []
    if raw is not None:
        data = json_object(raw, hooks_path)
        places = find(data, zipapp, hooks_path)
        keys = _keys_of(data, zipapp, place)
        if places:
            new = copy.deepcopy(data)
            cs.drop(_groups(new, hooks_path, create=False), places)
            out[hooks_path] = json_bytes(new, raw)
    raw = contents.get(config_path)
    if raw is not None:
        text = _decode(raw, config_path)
        stripped = _strip_ours(text, [*_our_keys(text), *keys])
        if stripped != text:
            out[config_path] = stripped.rstrip("\n").encode("utf-8") + b"\n" \
                if stripped.strip() else b""
    return out


def check(contents: dict, zipapp: str, place: Place, expected: str | None) -> Report:
    hooks_path, config_path = place.files
    data = json_object(contents[hooks_path], hooks_path)
    places = find(data, zipapp, hooks_path)
    if not places:
        return Report(None, [f"the hook is not registered in {hooks_path}"])
    problems = []
    if len(places) > 1:
        problems.append(f"registered {len(places)} times")
    g, h = places[0]
    group = data["hooks"][EVENT][g]
    hook = group["hooks"][h]
    matcher = group.get("matcher")
    if matcher not in ("*", None, ""):
        problems.append(f"matcher is {matcher!r}, not \"*\": the tools it does not name are "
                        f"not checked")
    if not isinstance(hook.get("timeout"), int) or hook["timeout"] > TIMEOUT_SECONDS:
        problems.append("no timeout of 30 s or less: Codex waits up to 10 minutes and then "
                        "lets the tool run")
    text = _decode(contents[config_path], config_path)
    settings = read_toml_settings(text)
    state = settings.get(_state_table(trust_key(place, g, h)))
    if state is None:
        problems.append("NOT FIRING: the hook is not trusted (no hooks.state entry for "
                        f"{trust_key(place, g, h)} in {config_path}); Codex skips untrusted "
                        "hooks silently. Run `prempti-hook hook add codex`")
    elif state.get("trusted_hash", "").strip('"\'') != trust_hash(matcher, hook):
        problems.append("NOT FIRING: the trust hash is stale (the entry changed since it was "
                        "trusted); Codex skips it silently. Run `prempti-hook hook add codex`")
    elif state.get("enabled", "true") == "false":
        problems.append("NOT FIRING: the hook is disabled in config.toml (enabled = false)")
    features = settings.get("features", {})
    for flag in ("hooks", "codex_hooks"):
        if features.get(flag) == "false" or settings[""].get(f"features.{flag}") == "false":
            problems.append(f"NOT FIRING: features.{flag} = false in {config_path}: Codex "
                            f"runs no hook")
    if expected is not None and hook.get("command") != expected:
        problems.append("the command differs from what this installation would register "
                        "(run `prempti-hook hook add codex` to update it)")
    problems += runtime_problems(str(hook.get("command", "")), zipapp)
    return Report(f"{hooks_path} (hooks.{EVENT}[{g}], trusted in {config_path})", problems,
                  str(hook.get("command", "")))
