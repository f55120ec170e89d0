"""The loader's compile stage and the whole `load()`: list substitution quirks, exceptions as
condition text, macro visibility and loops, multi-file semantics, warnings, positions."""

from __future__ import annotations

import pickle

import pytest

from prempti_hook.falco.ast import And, Identifier, Not, Or, as_string
from prempti_hook.falco.errors import ParseError
from prempti_hook.falco.loader import load
from prempti_hook.falco.loader.compiler import (
    MacroResolution,
    exceptions_condition,
    quote_item,
    resolve_list,
)
from prempti_hook.falco.loader.reader import ExceptionInfo
from prempti_hook.falco.loader.results import LoadError
from prempti_hook.falco.parser import parse

from .syscall_table import syscall_table

SOURCES = {"syscall": syscall_table()}


class Event(dict):
    def __missing__(self, key):
        return None


def load_text(*texts: str, **kw):
    kw.setdefault("build", False)
    return load([(f"f{i}.yaml", t) for i, t in enumerate(texts)], SOURCES, **kw)


def rule(name: str, condition: str, extra: str = "") -> str:
    return (f"- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o %proc.name\n"
            f"  priority: INFO\n{extra}")


# -- list substitution ------------------------------------------------------------------------

@pytest.mark.parametrize("cond, items, expected", [
    ("proc.name in (l)", ["a", "b"], "proc.name in ( a, b )"),
    ("proc.name=l", ["cat"], "proc.name= cat "),                  # substituted anywhere
    ("proc.name in (x, l)", [], "proc.name in (x  )"),            # empty: swallow a comma
    ("proc.name in (l, x)", [], "proc.name in (   x)"),
    ("file_l or l_x", ["a"], "file_l or l_x"),                    # '_' is not a delimiter
    ("l", ["a b", '"q r"'], '"a b", "q r" '),                     # naive quoting
    ("a = \"l\"", ["x"], 'a = "l"'),                              # '"' is not a delimiter
])
def test_resolve_list(cond, items, expected):
    assert resolve_list(cond, "l", items)[0] == expected


def test_resolve_list_terminates_on_self_reference():
    text, used = resolve_list("x in (l)", "l", ["l", "l"])
    assert used and text == "x in ( l, l )"


def test_quote_item():
    assert quote_item("a b") == '"a b"' and quote_item("'a b'") == "'a b'"
    assert quote_item("ab") == "ab"


def test_three_level_lists_leave_the_innermost_name_literal():
    result = load_text("- list: c\n  items: [c1]\n- list: b\n  items: [b1, c]\n"
                       "- list: a\n  items: [a1, b]\n" + rule("r", "proc.name in (a)"))
    assert result.lists["a"] == ["a1", "b1", "c"]
    assert result.compiled_condition("r") == "proc.name in (a1, b1, c)"


def test_forward_list_reference_is_substituted_afterwards():
    result = load_text("- list: a\n  items: [a1, b]\n- list: b\n  items: [b1]\n"
                       + rule("r", "proc.name in (a)"))
    assert result.lists["a"] == ["a1", "b"]
    assert result.compiled_condition("r") == "proc.name in (a1, b1)"


# -- exceptions -------------------------------------------------------------------------------

def ex(fields, comps, values):
    return ExceptionInfo("e", fields, comps, values, ())


@pytest.mark.parametrize("exceptions, expected", [
    ([ex("proc.name", "in", ["a", "b c"])], '(c) and not (proc.name in (a, "b c"))'),
    ([ex(["proc.name", "fd.name"], ["=", "in"], [["a", ["/x", "/y"]], ["b", "z"]])],
     "(c) and not (( proc.name = a and  fd.name in (/x, /y)) or ( proc.name = b and  fd.name "
     "in (z)))"),
    ([ex(["proc.name"], ["startswith oneof"], [["a"]])],
     "(c) and not (( proc.name startswith oneof (a)))"),
    ([ex(["proc.name"], ["="], [])], "(c)"),
    ([ex("proc.name", "in", None)], "(c)"),
])
def test_exceptions_condition(exceptions, expected):
    assert exceptions_condition("c", exceptions) == expected


@pytest.mark.parametrize("exception, message", [
    (ex("proc.name", "in", [["a"]]), "Expected values array to contain a list of strings"),
    (ex(["proc.name", "fd.name"], ["=", "="], [["a"]]),
     "Fields and values lists must have equal length"),
])
def test_exceptions_condition_errors(exception, message):
    with pytest.raises(LoadError) as e:
        exceptions_condition("c", [exception])
    assert e.value.diagnostic.message == message


def test_exceptions_are_not_escaped():
    # Falco does not escape exception values; a quote in a value breaks the condition (the
    # rule fails to load instead of matching something else).
    result = load_text(rule("r", "proc.name = x", "  exceptions:\n    - name: e\n"
                                                  "      fields: [proc.cmdline]\n"
                                                  "      values: [['a \" or proc.name = y']]\n"))
    assert not result.successful
    assert result.errors[0].code == "LOAD_ERR_COMPILE_CONDITION"


# -- macros -------------------------------------------------------------------------------------

def test_macro_resolution_and_loops():
    a, b = parse("b or x.y = 1"), parse("a and x.z = 2")
    resolution = MacroResolution({"a": a, "b": b})
    resolution.run(Identifier("a"))
    assert resolution.first_error()[0] == "reference loop in macro 'a'"
    resolution = MacroResolution({"b": parse("x.y = 1")})
    out = resolution.run(Not(Or((Identifier("b"), And((Identifier("b"), Identifier("c")))))))
    assert as_string(out) == "not (x.y = 1 or (x.y = 1 and c))"
    assert resolution.first_error() == ("Undefined macro 'c' used in filter.", None)


def test_macro_sees_only_macros_defined_before_it():
    text = ("- macro: a\n  condition: b\n- macro: b\n  condition: proc.name = x\n"
            + rule("r", "a"))
    result = load_text(text)
    assert [e.message for e in result.errors] == ["Undefined macro 'b' used in filter."]
    # appending to `a` after `b` exists raises its visibility: now it can see `b`
    result = load_text("- macro: a\n  condition: proc.name = y\n- macro: b\n  condition: "
                       "proc.name = x\n- macro: a\n  condition: or b\n  append: true\n"
                       + rule("r", "a"))
    assert result.compiled_condition("r") == "(proc.name = y or proc.name = x)"


def test_rules_see_every_macro_even_defined_later():
    result = load_text(rule("r", "m") + "- macro: m\n  condition: proc.name = x\n")
    assert result.compiled_condition("r") == "proc.name = x"


def test_macro_expansion_bomb_is_refused():
    text = "- macro: m0\n  condition: proc.name = x\n"
    for i in range(1, 25):
        text += f"- macro: m{i}\n  condition: m{i - 1} or m{i - 1}\n"
    result = load_text(text + rule("r", "m24"))
    assert [e.code for e in result.errors] == ["LOAD_ERR_VALIDATE"]
    assert "too large" in result.errors[0].message


# -- load semantics -------------------------------------------------------------------------------

def test_each_file_can_use_earlier_files_but_not_later_ones():
    macro = "- macro: m\n  condition: proc.name = x\n"
    ok = load_text(macro, rule("r", "m"))
    assert ok.successful and ok.compiled_condition("r") == "proc.name = x"
    bad = load_text(rule("r", "m"), macro)
    assert len(bad.per_file) == 1 and not bad.successful
    assert bad.errors[0].message == "Undefined macro 'm' used in filter."


def test_loading_stops_at_the_first_file_with_an_error():
    result = load_text("- list: [", rule("r", "proc.name = x"))
    assert [r.successful for r in result.per_file] == [False]


def test_unused_macros_and_lists_are_reported_per_file():
    result = load_text("- macro: m\n  condition: proc.name = x\n- list: l\n  items: [a]\n",
                       rule("r", "proc.name = y"))
    codes = [[w.code for w in r.warnings] for r in result.per_file]
    assert codes == [["LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST"]] * 2


def test_skip_if_unknown_filter():
    skip = "  skip-if-unknown-filter: true\n"
    result = load_text(rule("a", "proc.nobody = x", skip), rule("b", "proc.name = x"))
    assert result.successful and result.enabled_rules() == ["b"]
    assert [(w.code, w.message) for w in result.per_file[-1].warnings] == [
        ("LOAD_UNKNOWN_FILTER", "filter_check called with nonexistent field proc.nobody")]
    result = load_text(rule("a", "proc.nobody = x"))
    assert [e.code for e in result.errors] == ["LOAD_ERR_COMPILE_CONDITION"]


def test_disabled_and_low_priority_rules_are_compiled_but_not_enabled():
    result = load_text(rule("a", "proc.name = x", "  enabled: false\n"), rule("b", "proc.name = y"),
                       min_priority="warning")
    assert result.successful and result.enabled_rules() == []
    bad = load_text(rule("a", "proc.name = x y", "  enabled: false\n"))
    assert not bad.successful   # still validated


def test_rulesets_are_built_per_source_and_match():
    result = load_text(rule("a", "proc.name = x", "  tags: [t2, t1]\n"),
                       rule("b", "proc.name = y", "  enabled: false\n"), build=True)
    (ruleset,) = result.rulesets.values()
    ruleset = pickle.loads(pickle.dumps(ruleset))
    assert [r.name for r in ruleset.match(Event({"proc.name": "x"}))] == ["a"]
    assert ruleset.match(Event({"proc.name": "y"})) == []
    (a, b) = ruleset.rules
    assert a.tags == ("t1", "t2") and a.priority == 6 and not b.enabled
    assert a.output.render(Event({"proc.name": "x"})) == "o x"


def test_unknown_minimum_priority_is_refused():
    with pytest.raises(ValueError):
        load_text("", min_priority="loud")


# -- positions and rendering -------------------------------------------------------------------

def test_parse_error_position_maps_into_the_file():
    condition = "proc.name = x and (proc.name = y"
    with pytest.raises(ParseError) as parsed:
        parse(condition, max_depth=1000)
    result = load_text("\n" + rule("r", condition))
    (error,) = result.errors
    assert (error.code, error.message) == ("LOAD_ERR_COMPILE_CONDITION", parsed.value.message)
    where = error.where
    assert (where.line, where.column) == (4, 14 + parsed.value.index)
    assert error.as_line().startswith(f"f0.yaml:4:{where.column}: error: "
                                      "LOAD_ERR_COMPILE_CONDITION: ")
    assert error.as_line().endswith("(rule 'r')")


def test_snippet_points_at_the_item():
    result = load_text("- list: l\n  items: [a]\n  override: {items: prepend}\n")
    snippet = result.errors[0].as_json(result.contents)["context"]["snippet"]
    assert "prepend" in snippet and snippet.endswith("^\n")


def test_as_line_escapes_control_characters():
    result = load_text(rule('"evil\\nf0.yaml:1:1: error: fake"', "proc.name = x y"))
    line = result.errors[0].as_line()
    assert "\n" not in line and "evil\\nf0.yaml" in line


def test_json_shape():
    result = load_text("- rule: r\n  desc: d\n")
    (doc,) = result.as_json()["falco_load_results"]
    assert set(doc) == {"name", "successful", "errors", "warnings"}
    (err,) = doc["errors"]
    assert set(err) == {"code", "codedesc", "message", "context"}
    assert err["codedesc"] == "Error validating internal structure of YAML file"
    loc = err["context"]["locations"][-1]
    assert set(loc) == {"item_type", "item_name", "position"}
    assert set(loc["position"]) == {"name", "line", "column", "offset"}
