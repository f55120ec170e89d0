"""Fields about what a call destroys, publishes or switches off, and where its deletes and
writes land (docs/fields-destructive.md):

    tool.effects             consequential things the call does (`git.discard`, `db.wipe`...)
    tool.production_effects  those of tool.effects, when the call names a production target
    tool.deletes             what it deletes, at the level of the pattern it names
    tool.delete_places       where each of those is (`project_root`, `project_data`, `temp`...)
    tool.write_places        where each path it writes is (`project`, `temp`, `in_home`...)

Loaded on first use by `derived_fields` (only when a rule reads one of these fields); the
shell analysis records effects and deletes, `places` classifies, `sql` reads MCP SQL. A file
tool's call loads no shell analysis here (the rules ask for tool.effects of a Write only
when it writes an agent's settings or a git hook).
"""

from __future__ import annotations

import os

from .derived_fields import AGENT_SETTINGS_NAMES, HOOK_FOLDERS, analysis, tool_paths
from .words import alnum_words

# Words that name a production target (as a whole word of the command: `--env production`,
# `.env.production`, `acme-api-prod`, `$PROD_DATABASE_URL`, `RAILS_ENV=production`).
PRODUCTION_WORDS = frozenset({"prod", "production", "prd"})
# MCP argument keys that carry SQL.
_SQL_KEYS = ("sql", "query", "statement", "statements", "queries", "command", "migration")
# Other agents' settings that approve every tool call, as (file name, compact content).
_AUTO_APPROVE = (
    ("settings.json", '"chat.tools.autoApprove":true'),
    ("settings.json", '"chat.tools.global.autoApprove":true'),
    ("settings.json", '"chat.tools.terminal.autoApprove":{'),
    ("settings.json", '"autoAccept":true'),
    ("settings.json", '"defaultApprovalMode":"yolo"'),
    ("settings.json", '"approvalMode":"yolo"'),
    ("config.toml", 'approval_policy="never"'),
    ("cli.json", '"Shell(*)"'),
    ("cli-config.json", '"Shell(*)"'),
    ("permissions.json", '"Shell(*)"'),
    ("config.json", '"allow_all_tools":true'),
    ("config.json", '"allowAllTools":true'),
)


def _places(ev):
    memo = ev.memo
    places = memo.get("destructive.places")
    if places is None:
        from .places import Places

        places = memo["destructive.places"] = Places(ev.real_cwd, ev.home)
    return places


def _strings(data, found: list, depth: int = 0) -> None:
    if depth > 8 or len(found) > 200:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and isinstance(key, str) and key.lower() in _SQL_KEYS:
                found.append(value)
            elif isinstance(value, (dict, list)):
                _strings(value, found, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _strings(value, found, depth + 1)


def _mcp_effects(ev) -> tuple:
    from . import sql

    texts: list = []
    _strings(ev.tool_input, texts)
    found: dict = {}
    for text in texts:
        for name in sorted(sql.effects(text)):
            found[name] = None
    return tuple(found)


# Lines that do nothing in a hook script.
_NO_OP_LINES = frozenset({"exit 0", "exit", "true", ":", "set -e"})


def _empties_a_hook(paths, content: str) -> bool:
    """A write that turns a git hook into one that does nothing (`#!/bin/sh\nexit 0`)."""
    if not any(folder in path for path in paths for folder in HOOK_FOLDERS):
        return False
    for line in content.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line not in _NO_OP_LINES and \
                not line.startswith(". \"$(dirname"):
            return False
    return True


def _written_text(ev) -> str | None:
    """What a file tool writes (Write content, Edit/MultiEdit new strings)."""
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    if ev.tool_name in ("Write", "create", "write_file"):
        value = data.get("content")
    elif ev.tool_name in ("Edit", "edit", "replace"):
        value = data.get("new_string")
    elif ev.tool_name == "MultiEdit" and isinstance(data.get("edits"), list):
        value = "\n".join(e.get("new_string", "") for e in data["edits"]
                          if isinstance(e, dict) and isinstance(e.get("new_string"), str))
    else:
        value = None
    return value if isinstance(value, str) else None


def _write_effects(ev) -> tuple:
    """Writes that switch on another agent's auto-approval or empty a git hook."""
    content = _written_text(ev)
    found_paths = tool_paths(ev)
    if content is None or found_paths is None:
        return ()
    found: list = []
    names = {p.rsplit("/", 1)[-1] for p in found_paths.writes}
    compact = "".join(content.split())
    if any(name in names and name in AGENT_SETTINGS_NAMES and needle in compact
           for name, needle in _AUTO_APPROVE):
        found.append("agent.auto_approve")
    if ev.tool_name == "Write" and _empties_a_hook(found_paths.writes, content):
        found.append("hooks.skip")
    return tuple(found)


def _effects(ev, _arg):
    memo = ev.memo
    if "destructive.effects" in memo:
        return memo["destructive.effects"]
    shell = analysis(ev)
    if shell is not None:
        result = tuple(shell.effects)
    elif ev.tool_name.startswith("mcp__"):
        result = _mcp_effects(ev)
    else:
        result = _write_effects(ev)
    memo["destructive.effects"] = result
    return result


def _production_effects(ev, _arg):
    effects = _effects(ev, None)
    if not effects:
        return ()
    texts: list = [ev.tool_name]
    _all_strings(ev.tool_input, texts)
    return effects if alnum_words(" ".join(texts)[:65536]) & PRODUCTION_WORDS else ()


def _all_strings(data, found: list, depth: int = 0) -> None:
    """The strings of a tool input (the command of a shell call, an MCP call's arguments)."""
    if depth > 8 or len(found) > 400:
        return
    if isinstance(data, str):
        found.append(data)
    elif isinstance(data, dict):
        for value in data.values():
            _all_strings(value, found, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _all_strings(value, found, depth + 1)


def _shown(target: str) -> str:
    from .shell.analysis import display
    from .shell.syntax import glob_unescape

    return display(glob_unescape(target) if "\\" in target else target)


def _deletes(ev, _arg):
    shell = analysis(ev)
    if shell is None:
        return None
    return tuple(_shown(t) for t in shell.deletes)


def _delete_places(ev, _arg):
    shell = analysis(ev)
    if shell is None:
        return None
    if not shell.deletes:
        return ()
    places = _places(ev)
    found: dict = {}
    for target, mode in shell.deletes.items():
        for place in places.of_delete(target, mode):
            found[place] = None
    return tuple(found)


def _write_places(ev, _arg):
    paths = tool_paths(ev)
    if paths is None:
        return None
    if not paths.writes:
        return ()
    places = _places(ev)
    judged = _temp_entry_folders(ev, places)
    return tuple(dict.fromkeys(places.of_write(p) for p in paths.writes if p not in judged))


# Run-time parts that cannot hide a `/` or `..` the command chose: a variable set neither in
# the command nor in the hook's environment (the same environment the agent's shell gets),
# and a run-time number. Program output (`$(...)`) can, and stays a write of its folder.
# (places.MARKERS, spelled out: a file tool's call must not import `places`.)
_ENTRY_MARKERS = "\ue001\ue002"   # UNSET, NUMBER (shell/analysis.py)
_OUTPUT_MARKERS = "\ue000\ue003"  # COMPUTED, POSITIONAL


def _temp_entry_folders(ev, places) -> set:
    """Temp folders that a delete names an entry of by a run-time name part
    (`rm -rf /tmp/pytest-of-$USER`, `/var/tmp/build-$CI_JOB_ID`).

    The shell analysis records such a written path as its known folder (`/tmp`), which
    alone would be a write of the whole temp folder; the delete analysis judges the entry
    (`temp`). The folder is left out of tool.write_places when that delete lands in temp
    space and the name part holds literal text besides the run-time value (an empty
    `$X` in `/tmp/$X` would name /tmp itself)."""
    shell = analysis(ev)
    if shell is None or not shell.deletes:
        return set()
    found = set()
    for target in shell.deletes:
        comps = target.split("/")
        cut = next((k for k, c in enumerate(comps) if any(m in c for m in _ENTRY_MARKERS)),
                   None)
        if cut is None or cut < 2 or any(m in target for m in _OUTPUT_MARKERS):
            continue
        name = comps[cut]
        rest = comps[cut + 1:]
        literal = "".join(ch for ch in name if ch not in _ENTRY_MARKERS)
        if not literal.strip("*?") or ".." in rest or any(
                ch in "*?[" for ch in "".join(comps[:cut])):
            continue
        if places.of_delete(target, "many") == ["temp"]:
            folder = "/".join(comps[:cut])
            found.update((folder, os.path.realpath(folder)))
    return found


EXTRACTORS = {
    "tool.effects": _effects,
    "tool.production_effects": _production_effects,
    "tool.deletes": _deletes,
    "tool.delete_places": _delete_places,
    "tool.write_places": _write_places,
}

# name, is_list, type, description
DECLARATIONS = (
    ("tool.effects", True, "CHARBUF",
     "consequential things the call does beyond its files: git.discard, git.delete_ref, "
     "git.rewrite, git.force_push, git.delete_remote, hooks.skip, db.wipe, db.secret_read, "
     "data.delete, infra.apply, infra.destroy, cluster.change, deploy, remote.delete, "
     "publish.package, publish.public, publish.release, kill.broad, disk.format, "
     "agent.auto_approve, proxy.bypass (shell commands, MCP SQL, agent settings writes)"),
    ("tool.production_effects", True, "CHARBUF",
     "tool.effects when the call names a production target (prod, production, prd as a "
     "word: --env production, .env.production, acme-prod, $PROD_DATABASE_URL), else empty"),
    ("tool.deletes", True, "CHARBUF",
     "what a shell command deletes, empties or overwrites, as the pattern it names with its "
     "folders resolved (`rm -rf *` in /p is /p/*, whatever the glob matches today)"),
    ("tool.delete_places", True, "CHARBUF",
     "where each of tool.deletes is: project_root, above_project, home, system, project, "
     "project_file, project_data, project_git, project_build, project_ignored, temp, "
     "temp_root, in_home, other, unknown, unknown_entry"),
    ("tool.write_places", True, "CHARBUF",
     "where each of tool.write_paths is: project, above_project, home, in_home, temp, "
     "temp_root, system, other, unknown"),
)
