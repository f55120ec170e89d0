"""load(compile_each_file=False): the offline commands' single compile gives the rules Falco's
per-file compiles give, and falls back to them (and their exact errors) when anything fails."""

from __future__ import annotations

import pickle
from pathlib import Path

from prempti_hook.event_source import fields
from prempti_hook.falco.loader import load

REPO = Path(__file__).resolve().parents[3]
SOURCES = {fields.SOURCE: fields.table()}


def _texts(folder: Path) -> list[tuple[str, str]]:
    return [(str(p), p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def _shape(result) -> list:
    ruleset = result.rulesets[fields.SOURCE]
    return [(r.name, r.condition.expr, pickle.dumps(r.condition.consts), r.enabled, r.priority,
             r.tags)
            for r in ruleset.rules]


def test_the_shipped_rules_compile_the_same_once_or_per_file():
    texts = _texts(REPO / "rules")
    each = load(texts, SOURCES)
    once = load(texts, SOURCES, compile_each_file=False)
    assert each.successful and once.successful
    assert _shape(each) == _shape(once)
    assert once.lists == each.lists


def test_visibility_is_kept_across_files():
    """A macro redefined in a later file: rules of the earlier file keep seeing... the
    latest definition, as in Falco (the collector fixed what each item sees)."""
    texts = [("a.yaml", "- macro: m\n  condition: tool.name = Bash\n- rule: R\n  desc: d\n"
              "  condition: m\n  output: o\n  priority: INFO\n  source: coding_agent\n"),
             ("b.yaml", "- macro: m\n  condition: tool.name = Read\n  override:\n"
              "    condition: replace\n")]
    assert _shape(load(texts, SOURCES)) == _shape(load(texts, SOURCES,
                                                       compile_each_file=False))


def test_an_error_gives_falcos_per_file_result():
    texts = [("a.yaml", "- rule: R\n  desc: d\n  condition: tool.nam = x\n  output: o\n"
              "  priority: INFO\n  source: coding_agent\n"), ("b.yaml", "[]\n")]
    each = load(texts, SOURCES)
    once = load(texts, SOURCES, compile_each_file=False)
    assert not once.successful
    assert [d.as_line() for d in once.errors] == [d.as_line() for d in each.errors]
    assert len(once.per_file) == len(each.per_file) == 1
