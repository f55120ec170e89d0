"""The rule cache leaves unread the rules a call cannot match (a list field they need is
empty, see `falco.stored`). On every call of the labelled corpus and of the three blind
sets, the stored shipped rules must match exactly the rules the in-memory ruleset matches
(every matching rule, not only the one that decides), with each case's files in place."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from prempti_hook import rebuild
from prempti_hook.agents import adapter
from prempti_hook.event_source.event import events_for
from prempti_hook.falco.stored import StoredRuleset
from prempti_hook.falco.storing import dump

CORPUS = Path(__file__).resolve().parent
REPO = CORPUS.parents[1]


def _cases() -> list[dict]:
    cases = []
    for path in [*sorted(CORPUS.glob("*.yaml")), *sorted(CORPUS.glob("blind/*/cases.yaml"))]:
        cases.extend(case for case in yaml.safe_load(path.read_text()) or []
                     if isinstance(case, dict) and "tool_name" in case)
    return cases


def _filled(value, places: dict):
    if isinstance(value, str):
        for token, real in places.items():
            value = value.replace(token, real)
        return value
    if isinstance(value, list):
        return [_filled(v, places) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, places) for k, v in value.items()}
    return value


def _set_up(steps, places: dict) -> None:
    for step in steps or ():
        step = _filled(step, places)
        target = Path(step.get("file") or step.get("dir") or step.get("symlink"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if "dir" in step:
            target.mkdir(parents=True, exist_ok=True)
        elif "symlink" in step:
            if not target.is_symlink():
                target.symlink_to(step["to"])
        elif not target.exists():
            target.write_text(step.get("content", ""))


def test_the_stored_rules_match_what_the_rules_match_on_every_case(tmp_path):
    files = sorted(str(path) for path in (REPO / "rules").glob("*.yaml"))
    ruleset, error = rebuild.compile_rules(files)
    assert error is None
    cache = tmp_path / "ruleset.cache"
    cache.write_bytes(dump(ruleset))
    stored = StoredRuleset(os.open(cache, os.O_RDONLY), 0)
    cases = _cases()
    assert len(cases) > 3000
    skipped = 0
    for number, case in enumerate(cases):
        home = tmp_path / f"h{number}"
        places = {"{project}": str(home / "project"), "{prempti_home}": str(home / ".prempti"),
                  "{home}": str(home)}
        (home / "project").mkdir(parents=True)
        _set_up(case.get("setup"), places)
        call = adapter("claude_code").read({
            "hook_event_name": "PreToolUse", "session_id": "s",
            "cwd": _filled(case.get("cwd", "{project}"), places),
            "tool_name": case["tool_name"], "tool_input": _filled(case["tool_input"], places)})
        for event in events_for(call, str(home)):
            expected = [rule.name for rule in ruleset.match(event)]
            assert [rule.name for rule in stored.match(event)] == expected, case["id"]
            segment = stored._values.get(event["tool.name"], stored._other)
            blocks = memoryview(stored._segments[segment]).cast("I").tolist()
            skipped += sum(not all(event[f] for f in stored._needs[b]) for b in blocks)
    assert skipped > 0  # the shortcut was taken, and never changed a result
