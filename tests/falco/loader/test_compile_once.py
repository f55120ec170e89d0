"""load(compile_each_file=False): the hook's cache and the offline commands compile as few
times as give Falco's result (Falco compiles after every file), and fall back to the
per-file compiles (and their exact errors) whenever those could have failed."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from vectors import cases

from prempti_hook.event_source import fields
from prempti_hook.falco.loader import compiler as compiler_module
from prempti_hook.falco.loader import load

from .syscall_table import syscall_table

REPO = Path(__file__).resolve().parents[3]
SOURCES = {fields.SOURCE: fields.table()}


def _texts(folder: Path) -> list[tuple[str, str]]:
    return [(str(p), p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def _shape(result) -> list:
    ruleset = result.rulesets[fields.SOURCE]
    return [(r.name, r.condition.expr, pickle.dumps(r.condition.consts), r.enabled, r.priority,
             r.tags)
            for r in ruleset.rules]


def _outcome(result) -> tuple:
    """What the two ways must agree on: success, the errors, and every compiled rule."""
    rules = [(r.name, r.compiled_condition, r.output_text, r.info.enabled, r.info.priority)
             for r in result.compiled.rules] if result.compiled and result.successful else []
    return (result.successful, [d.as_line() for d in result.errors], rules,
            len(result.per_file))


def rule(name: str, condition: str, extra: str = "") -> str:
    return (f"- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o\n"
            f"  priority: INFO\n  source: coding_agent\n{extra}")


def both(texts: list[tuple[str, str]]):
    each = load(texts, SOURCES)
    once = load(texts, SOURCES, compile_each_file=False)
    assert _outcome(once) == _outcome(each)
    return each, once


@pytest.fixture
def compiles(monkeypatch) -> list[int]:
    """Counts the compiles (of everything collected so far) a load makes."""
    calls: list[int] = []
    real = compiler_module.Compiler.compile

    def counting(self):
        calls.append(len(self.col.rules))
        return real(self)

    monkeypatch.setattr(compiler_module.Compiler, "compile", counting)
    return calls


def test_the_shipped_rules_compile_the_same_once_or_per_file(compiles):
    texts = _texts(REPO / "rules")
    each = load(texts, SOURCES)
    assert len(compiles) == len(texts)
    once = load(texts, SOURCES, compile_each_file=False)
    assert len(compiles) - len(texts) < len(texts) / 2
    assert each.successful and once.successful
    assert _shape(each) == _shape(once)
    assert once.lists == each.lists


def test_visibility_is_kept_across_files():
    """A macro redefined in a later file: rules of the earlier file keep seeing... the
    latest definition, as in Falco (the collector fixed what each item sees)."""
    texts = [("a.yaml", "- macro: m\n  condition: tool.name = Bash\n"
              + rule("R", "m")),
             ("b.yaml", "- macro: m\n  condition: tool.name = Read\n  override:\n"
              "    condition: replace\n")]
    assert _shape(load(texts, SOURCES)) == _shape(load(texts, SOURCES,
                                                       compile_each_file=False))


def test_an_error_gives_falcos_per_file_result():
    texts = [("a.yaml", rule("R", "tool.nam = x")), ("b.yaml", "[]\n")]
    each, once = both(texts)
    assert not once.successful
    assert len(once.per_file) == len(each.per_file) == 1


@pytest.mark.parametrize("texts", [
    # A rule that does not compile in its file, repaired by a later file's override.
    [("a.yaml", rule("R", "tool.nam = x")),
     ("b.yaml", "- rule: R\n  condition: tool.name = x\n  override:\n    condition: replace\n")],
    # The same through an append that would make it parse.
    [("a.yaml", rule("R", "tool.name in (a")),
     ("b.yaml", "- rule: R\n  condition: )\n  override:\n    condition: append\n")],
    # A broken macro repaired by a later redefinition.
    [("a.yaml", "- macro: m\n  condition: tool.nam = x\n" + rule("R", "m")),
     ("b.yaml", "- macro: m\n  condition: tool.name = x\n  override:\n"
      "    condition: replace\n")],
    # A rule whose numeric comparison only gets a number from a later list append.
    [("a.yaml", "- list: n\n  items: [x]\n" + rule("R", "len(tool.name) in (n)")),
     ("b.yaml", "- list: n\n  items: [3]\n  override:\n    items: replace\n")],
], ids=["rule-override", "rule-append", "macro-redefined", "list-replaced"])
def test_an_item_broken_in_its_file_and_repaired_later_is_falcos_error(texts):
    _, once = both(texts)
    assert not once.successful and once.errors[0].where.file == "a.yaml"


def test_a_list_completed_by_a_later_file_loads_the_same(compiles):
    texts = [("a.yaml", "- list: l\n  items: [Read]\n- macro: m\n  condition: tool.name in (l)\n"
              + rule("R", "m and tool.name in (l)")),
             ("b.yaml", "- list: l\n  items: [Bash]\n  override:\n    items: append\n")]
    _, once = both(texts)
    assert once.successful and "Bash" in once.compiled.rules[0].compiled_condition
    assert len(compiles) == len(texts) + 2


@pytest.mark.parametrize("texts", [
    [("a.yaml", rule("R", "m")), ("b.yaml", "- macro: m\n  condition: tool.name = x\n")],
    [("a.yaml", rule("R", "l")), ("b.yaml", "- list: l\n  items: [a, b]\n")],
    [("a.yaml", "- macro: m\n  condition: l\n" + rule("R", "m")),
     ("b.yaml", "- list: l\n  items: [tool.name = x]\n")],
    # Nested: the earlier list's item names a later list.
    [("a.yaml", "- list: a\n  items: [b]\n" + rule("R", "a")),
     ("b.yaml", "- list: b\n  items: [tool.name = x]\n")],
], ids=["macro", "list-as-condition", "list-in-macro", "list-item-names-later-list"])
def test_using_what_a_later_file_defines_is_falcos_error(texts):
    """Falco's compile after the first file does not have the later file's macro or list:
    an error there, which a single compile at the end would not see."""
    _, once = both(texts)
    assert not once.successful
    assert once.errors[0].where.file == "a.yaml"
    assert "Undefined macro" in once.errors[0].message


def test_a_later_list_that_changes_an_earlier_condition_is_compiled_file_by_file(compiles):
    """`x in (l)` with `l` defined later compiles in both (as the word `l`, then as its
    items): Falco's final rules are the last compile's, which both ways give."""
    texts = [("a.yaml", rule("R", "tool.name in (l)")),
             ("b.yaml", "- list: l\n  items: [Bash, Read]\n")]
    _, once = both(texts)
    assert once.successful
    assert "Bash" in once.compiled.rules[0].compiled_condition


def test_a_user_file_that_appends_exceptions_loads_and_matches_the_same(compiles):
    """The common customisation: the shipped rules, then a user file that adds exceptions
    to a shipped rule and disables another. One compile more than for the shipped rules
    alone (before the user file changes them, as Falco's), not one per file."""
    shipped = _texts(REPO / "rules")
    each = load(shipped, SOURCES)
    target = next(r for r in each.compiled.rules if r.info.enabled)
    other = next(r for r in each.compiled.rules if r.info.enabled and r is not target)
    user = (f"- rule: {target.name}\n  exceptions:\n    - name: my_project\n"
            f"      fields: [agent.cwd]\n      comps: [startswith]\n"
            f"      values: [[/srv/trusted]]\n  override:\n    exceptions: append\n"
            f"- rule: {other.name}\n  enabled: false\n  override:\n    enabled: replace\n")
    texts = [*shipped, ("user.yaml", user)]
    load(shipped, SOURCES, compile_each_file=False)
    shipped_compiles = len(compiles) - len(shipped)
    del compiles[:]
    each, once = both(texts)
    assert len(compiles) == len(texts) + shipped_compiles + 1
    assert once.successful
    assert _shape(once) == _shape(each)
    changed = next(r for r in once.compiled.rules if r.name == target.name)
    assert "/srv/trusted" in changed.compiled_condition
    assert other.name not in once.enabled_rules()


@pytest.mark.parametrize("case", [c for c in cases("K_legacy") if len(c["rules_files"]) > 1],
                         ids=lambda c: c["id"])
def test_falcos_multi_file_vectors_load_the_same_once_or_per_file(case):
    sources = {"syscall": syscall_table()}
    files = [(name, case["file_" + name.replace(".", "_").replace("-", "_")])
             for name in case["rules_files"]]
    each = load(files, sources, build=False)
    once = load(files, sources, build=False, compile_each_file=False)
    assert _outcome(once) == _outcome(each)


def test_files_that_only_add_compile_once(compiles):
    texts = [("a.yaml", "- list: l\n  items: [Bash]\n- macro: m\n  condition: tool.name in (l)\n"
              + rule("A", "m")),
             ("b.yaml", "- macro: n\n  condition: m and tool.name != Read\n"
              + rule("B", "n or tool.name in (l)")),
             ("c.yaml", rule("C", "n"))]
    _, once = both(texts)
    assert once.successful and len(compiles) == len(texts) + 1


def test_the_compiler_names_what_uses_a_later_file(compiles):
    """The check the single compile relies on, alone: what each item uses, against where
    the files end and which compiles were skipped."""
    from prempti_hook.falco.loader import _collect, _empty_result
    from prempti_hook.falco.loader.compiler import Compiler
    from prempti_hook.falco.loader.reader import read
    from prempti_hook.falco.loader.results import FileResult

    texts = [("a.yaml", rule("A", "m") + rule("B", "tool.name in (l)")),
             ("b.yaml", "- macro: m\n  condition: tool.name = x\n- list: l\n  items: [y]\n"
              + rule("C", "m"))]
    _, collector = _empty_result(SOURCES, "debug")
    ends = []
    for name, text in texts:
        assert _collect(read(text, name), collector, FileResult(name))
        ends.append(collector.cur_index)

    def late(skipped_from: int) -> list[str]:
        compiler = Compiler(collector, SOURCES, lambda d: None, file_ends=ends,
                            skipped_from=skipped_from)
        compiler.compile()
        return compiler.late_uses

    assert late(0) == ["A", "B"]
    assert late(1) == []  # the compile after a.yaml was made: nothing was skipped
