"""Shared fixture of the destructive-operation tests (issue 16): a call's verdict under the
shipped rules, evaluated in-process on a real `Event` in a throw-away home.

    verdict(command, setup=..., cwd=..., env=...)  a Bash call (env: extra variables)
    verdict(tool_input, tool="Write", setup=...)  any other tool

`{home}` and `{project}` in the command, tool input, setup and cwd are replaced as in the
corpus (tests/corpus/README.md); the project is a git repository on `main` unless the setup
says otherwise. The answer is "deny", "ask" or "allow", where "allow" means no deny and no
ask (the hook gives no decision then). `.rules` lists the rules that matched.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from corpus import compare, schema

from prempti_hook import verdict as verdicts
from prempti_hook.agents import claude_code
from prempti_hook.event_source import fields
from prempti_hook.event_source.event import Event
from prempti_hook.falco.loader import load as load_rules

REPO = Path(__file__).resolve().parents[3]
GIT_PROJECT = [{"dir": "{project}/.git"},
               {"file": "{project}/.git/HEAD", "content": "ref: refs/heads/main\n"}]


class Verdict(str):
    """deny | ask | allow, with the names of the rules that matched."""

    rules: list[str]
    effects: tuple
    places: tuple


@pytest.fixture(scope="session")
def shipped_rules():
    texts = [(str(p), p.read_text(encoding="utf-8"))
             for p in sorted((REPO / "rules").glob("*.yaml"))]
    result = load_rules(texts, {fields.SOURCE: fields.table()})
    assert result.successful, [e.one_line() for e in result.errors]
    return result.rulesets[fields.SOURCE]


@contextmanager
def _environment(home: Path, extra: dict | None = None):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({"HOME": str(home), "PREMPTI_HOME": str(home / ".prempti"),
                       "PATH": "/usr/local/bin:/usr/bin:/bin"})
    os.environ.update({k: v.replace("{home}", str(home)) for k, v in (extra or {}).items()})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def homes():
    """Where the case homes go: not under /tmp (temp space is a place of its own here)."""
    with compare.scratch_dir("destructive-") as tmp:
        yield Path(tmp)


@pytest.fixture
def verdict(shipped_rules, homes):
    def run(command_or_input, tool: str = "Bash", setup: list | None = None,
            cwd: str = "{project}", git: bool = True, env: dict | None = None) -> Verdict:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=homes))
        tool_input = ({"command": command_or_input} if isinstance(command_or_input, str)
                      else command_or_input)
        case = {"id": "dst-test", "area": "destructive", "expect": "allow", "why": "test",
                "tool_name": tool, "tool_input": tool_input, "cwd": cwd,
                "setup": (GIT_PROJECT if git else []) + list(setup or [])}
        hook_input, steps = schema.expand(case, home=str(home))
        schema.apply_setup(steps, home=str(home))
        with _environment(home, env):
            event = Event(claude_code.read(hook_input), str(home),
                          prempti_home=str(home / ".prempti"),
                          claude_dir=str(home / ".claude"))
            matches = shipped_rules.match(event)
            outcome = verdicts.decide(matches, event)
            effects = event["tool.effects"]
            places = event["tool.delete_places"]
        answer = Verdict(outcome.verdict if outcome.verdict in ("deny", "ask") else "allow")
        answer.rules = [r.name for r in matches]
        answer.effects = effects
        answer.places = places
        return answer

    return run
