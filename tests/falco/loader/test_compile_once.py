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
    assert len(compiles) == len(texts) + 1  # no shipped file changes another's items
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


def test_a_list_defined_after_its_use_compiles_once(compiles):
    """`x in (l)` with `l` defined later compiles in both Falco compiles (as the word `l`,
    then as its items; the rules are the last compile's): the single compile checks the
    rule as the first file had it, and only that rule."""
    texts = [("a.yaml", rule("R", "tool.name in (l)") + rule("S", "tool.name = Read")),
             ("b.yaml", "- list: l\n  items: [Bash, Read]\n")]
    _, once = both(texts)
    assert once.successful and len(compiles) == len(texts) + 1
    assert "Bash" in once.compiled.rules[0].compiled_condition


def test_a_user_file_that_appends_exceptions_loads_and_matches_the_same(compiles):
    """The common customisation: the shipped rules, then a user file that adds exceptions
    to a shipped rule and disables another. Two compiles (before the user file changes the
    shipped rules, as Falco's, and at the end), not one per file."""
    shipped = _texts(REPO / "rules")
    each = load(shipped, SOURCES)
    target = next(r for r in each.compiled.rules if r.info.enabled)
    other = next(r for r in each.compiled.rules if r.info.enabled and r is not target)
    user = (f"- rule: {target.name}\n  exceptions:\n    - name: my_project\n"
            f"      fields: [agent.cwd]\n      comps: [startswith]\n"
            f"      values: [[/srv/trusted]]\n  override:\n    exceptions: append\n"
            f"- rule: {other.name}\n  enabled: false\n  override:\n    enabled: replace\n")
    texts = [*shipped, ("user.yaml", user)]
    del compiles[:]
    each, once = both(texts)
    assert len(compiles) == len(texts) + 2
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


def test_the_compiler_compiles_again_what_a_skipped_compile_lacked():
    """The check the single compile relies on, alone: what each item uses, against where
    the files end and which compiles were skipped."""
    from prempti_hook.falco.loader import _collect, _empty_result
    from prempti_hook.falco.loader.compiler import Compiler
    from prempti_hook.falco.loader.reader import read
    from prempti_hook.falco.loader.results import FileResult

    def compiler_for(texts, skipped_from: int) -> Compiler:
        _, collector = _empty_result(SOURCES, "debug")
        ends = []
        for name, text in texts:
            assert _collect(read(text, name), collector, FileResult(name))
            ends.append(collector.cur_index)
        compiler = Compiler(collector, SOURCES, lambda d: None, file_ends=ends,
                            skipped_from=skipped_from)
        compiler.compile()
        return compiler

    later = ("b.yaml", "- macro: m\n  condition: tool.name = x\n- list: l\n  items: [y]\n"
             + rule("C", "m"))
    uses_macro = [("a.yaml", rule("A", "m") + rule("B", "tool.name in (l)")), later]
    compiler = compiler_for(uses_macro, 0)
    assert compiler.uses[("rule", "A")] == {compiler.col.macros["m"].index}
    assert not compiler.compiles_skipped()  # A had no macro m after a.yaml
    assert compiler_for(uses_macro, 1).compiles_skipped()  # that compile was made
    uses_list = [("a.yaml", "- macro: n\n  condition: tool.name in (l)\n" + rule("B", "n")),
                 later]
    compiler = compiler_for(uses_list, 0)
    assert compiler.uses[("rule", "B")] == {compiler.col.macros["n"].index,
                                            compiler.col.lists["l"].index}
    assert compiler.compiles_skipped()  # `l` was a plain word then, and B compiled
    numeric = [("a.yaml", rule("N", "len(tool.name) in (l)")),
               ("b.yaml", "- list: l\n  items: [3]\n")]
    assert not compiler_for(numeric, 0).compiles_skipped()  # the word `l` is not a number
    assert compiler_for(numeric, 1).compiles_skipped()


def _random_files(rng) -> list[tuple[str, str]]:
    """2 to 4 small rules files mixing what makes the two ways differ: uses before
    definitions (names of every file are used everywhere), appends and overrides across
    files, redefinitions, conditions that only compile with the right list (numbers) or
    macro, and some that never compile. Each file mostly defines names of its own."""
    count = rng.randint(2, 4)
    own = [(f"l{n}", f"n{n}", f"m{n}", f"k{n}", f"R{n}", f"S{n}") for n in range(count)]
    lists = [name for names in own for name in names[:2]]
    macros = [name for names in own for name in names[2:4]]
    safe = ["tool.name in ({l})", "{m}", "tool.name in ({l}, Read)", "tool.name != Write"]
    risky = ["not {m}", "{l}", "tool.name = {l}", "len(tool.name) in ({n})", "tool.nam = x"]

    def condition(depth: int = 0) -> str:
        check = rng.choice(risky if rng.random() < 0.15 else safe)
        text = check.format(l=rng.choice(lists), m=rng.choice(macros),
                            n=rng.choice([n for n in lists if n[0] == "n"]))
        if depth < 1 and rng.random() < 0.3:
            text += rng.choice([" and ", " or "]) + condition(depth + 1)
        return text

    def item(file: int) -> str:
        kind = rng.choice(["list", "macro", "rule"])
        mine = own[file]
        change = rng.random() < 0.2  # an item of this file or an earlier one
        known = [name for names in own[:file + 1] for name in names]
        if kind == "list":
            name = rng.choice([n for n in known if n[0] in "ln"] if change else mine[:2])
            values = (rng.sample(["3", "4", "n0", "n1"], 2) if name[0] == "n"
                      else rng.sample(["Bash", "Read", "l0", "l1"], 2))
            head = f"- list: {name}\n  items: [{', '.join(values)}]\n"
            return head + (rng.choice(["", "  override:\n    items: append\n",
                                       "  override:\n    items: replace\n"]) if change
                           else "")
        if kind == "macro":
            form = rng.choice(["", "append", "replace"]) if change else ""
            name = rng.choice([n for n in known if n[0] in "mk"] if change else mine[2:4])
            head = (f"- macro: {name}\n"
                    f"  condition: {'and ' if form == 'append' else ''}{condition()}\n")
            return head + (f"  override:\n    condition: {form}\n" if form else "")
        if not change:
            return rule(rng.choice(mine[4:]), condition())
        name = rng.choice([n for n in known if n[0] in "RS"])
        form = rng.random()
        if form < 0.4:
            return (f"- rule: {name}\n  condition: and {condition()}\n"
                    f"  override:\n    condition: append\n")
        if form < 0.8:
            return (f"- rule: {name}\n  condition: {condition()}\n"
                    f"  override:\n    condition: replace\n")
        return f"- rule: {name}\n  enabled: false\n  override:\n    enabled: replace\n"

    def defined(file: int) -> str:
        """Most of the file's own lists, macros (using lists) and rules, first."""
        text = ""
        for name in own[file]:
            if rng.random() < 0.3:
                continue
            if name[0] in "ln":
                text += f"- list: {name}\n  items: [{'3' if name[0] == 'n' else 'Bash'}]\n"
            elif name[0] in "mk":
                uses = rng.choice(lists)
                text += f"- macro: {name}\n  condition: tool.name in ({uses})\n"
            else:
                text += rule(name, condition())
        return text

    return [(f"f{n}.yaml", defined(n) + "".join(item(n) for _ in range(rng.randint(1, 4))))
            for n in range(count)]


def test_random_rules_files_load_the_same_once_or_per_file():
    """Differential: many small generated sets of files, loaded both ways, agree on success,
    errors and every compiled rule."""
    import random

    rng = random.Random(14)
    loaded = 0
    for _ in range(600):
        texts = _random_files(rng)
        each, _ = both(texts)
        loaded += each.successful
    assert 60 < loaded < 540  # both outcomes are well represented


def test_the_hooks_cache_compiles_the_shipped_rules_once(compiles, tmp_path):
    """The hook's rebuild (`rebuild.compile_rules`, managed layer or not) loads this way."""
    from prempti_hook import rebuild

    shipped = sorted(str(p) for p in (REPO / "rules").glob("*.yaml"))
    ruleset, error = rebuild.compile_rules(shipped)
    assert error is None and len(compiles) == 1
    policy = tmp_path / "policy.yaml"
    policy.write_text(rule("Policy", "tool.name = Bash"))
    del compiles[:]
    both_layers, error = rebuild.compile_rules([str(policy), *shipped], [str(policy)])
    assert error is None and len(compiles) == 2  # once per layer
    assert [r.name for r in both_layers.rules] == ["Policy", *(r.name for r in ruleset.rules)]
