"""The collector alone: reader items -> lists, macros and rules, with Falco's index /
visibility bookkeeping and its append / override / enable semantics."""

from __future__ import annotations

import pytest

from prempti_hook.falco.loader.collector import (
    ENGINE_VERSION,
    ERROR_NO_PREVIOUS_LIST,
    ERROR_NO_PREVIOUS_MACRO,
    ERROR_NO_PREVIOUS_RULE_APPEND,
    ERROR_NO_PREVIOUS_RULE_REPLACE,
    Collector,
    compatible,
    normalize_comp,
)
from prempti_hook.falco.loader.reader import read
from prempti_hook.falco.loader.results import LoadError

FIELDS = {"proc.name", "fd.name", "proc.cmdline", "tolower(proc.name)"}


def collect(text: str, sources=("syscall",)):
    """Apply every item; returns (collector, warnings, error message or None)."""
    collector = Collector(sources, lambda source, field: field in FIELDS)
    warnings: list[str] = []

    def warn(diagnostic) -> None:
        warnings.append(diagnostic.message)

    for item in read(text, "f.yaml"):
        warnings.extend(w.message for w in item.warnings)
        if item.kind == "error":
            return collector, warnings, item.error.message
        try:
            collector.apply(item, warn)
        except LoadError as e:
            return collector, warnings, e.diagnostic.message
    return collector, warnings, None


def rule(name="r", extra="", condition="a", source=""):
    src = f"  source: {source}\n" if source else ""
    return (f"- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o\n"
            f"  priority: INFO\n{src}{extra}")


def test_index_is_kept_on_redefinition_and_visibility_moves():
    col, _, err = collect("- list: a\n  items: [x]\n- macro: m\n  condition: c\n"
                          "- list: a\n  items: [y]\n- list: a\n  items: [z]\n  append: true\n")
    assert err is None
    assert (col.lists["a"].index, col.lists["a"].visibility) == (0, 3)
    assert col.lists["a"].items == ["y", "z"]          # redefinition replaced, append added
    assert (col.macros["m"].index, col.macros["m"].visibility) == (1, 1)


def test_appends_need_a_previous_definition():
    assert collect("- list: a\n  items: [x]\n  append: true\n")[2] == ERROR_NO_PREVIOUS_LIST
    assert collect("- macro: m\n  condition: x\n  override: {condition: append}\n")[2] == \
        ERROR_NO_PREVIOUS_MACRO
    assert collect("- rule: r\n  condition: x\n  append: true\n")[2] == \
        ERROR_NO_PREVIOUS_RULE_APPEND
    assert collect("- rule: r\n  condition: x\n  override: {condition: replace}\n")[2] == \
        ERROR_NO_PREVIOUS_RULE_REPLACE


def test_replace_before_definition_is_a_definition_for_lists_and_macros():
    col, _, err = collect("- macro: m\n  condition: x\n  override: {condition: replace}\n")
    assert err is None and col.macros["m"].cond == "x"


def test_macro_append_is_text_concatenation():
    col, _, _ = collect("- macro: m\n  condition: a\n- macro: m\n  condition: or b\n"
                        "  append: true\n")
    assert col.macros["m"].cond == "a or b"


def test_rule_override_append_and_replace():
    col, _, err = collect(rule(extra="  tags: [x, b]\n") + (
        "- rule: r\n  condition: and c\n  output: more\n  desc: more\n  tags: [a]\n"
        "  override: {condition: append, output: append, desc: append, tags: append}\n"
        "- rule: r\n  priority: ERROR\n  enabled: false\n  capture: true\n"
        "  capture_duration: 5\n  override: {priority: replace, enabled: replace, "
        "capture: replace, capture_duration: replace}\n"))
    assert err is None
    r = col.rules["r"]
    assert (r.cond, r.output, r.desc) == ("a and c", "o more", "d more")
    assert r.tags == {"a", "b", "x"}
    assert (r.priority, r.enabled, r.capture, r.capture_duration) == (3, False, True, 5)


def test_tags_replace_replaces_the_set():
    col, _, _ = collect(rule(extra="  tags: [x]\n") +
                        "- rule: r\n  tags: [y]\n  override: {tags: replace}\n")
    assert col.rules["r"].tags == {"y"}


def test_legacy_append_needs_condition_or_exceptions():
    _, _, err = collect(rule() + "- rule: r\n  append: true\n")
    assert err == "Appended rule must have exceptions or condition property"


def test_standalone_enabled():
    col, warnings, err = collect(rule() + "- rule: r\n  enabled: false\n")
    assert err is None and col.rules["r"].enabled is False
    assert any("standalone 'enabled'" in w for w in warnings)
    assert collect("- rule: r\n  enabled: false\n")[2] == \
        "Rule has 'enabled' key but no rule by that name already exists"


@pytest.mark.parametrize("second", [
    rule(condition="b", source="k8s_audit"),
    "- rule: r\n  condition: or b\n  source: k8s_audit\n  append: true\n",
    "- rule: r\n  condition: b\n  source: k8s_audit\n  override: {condition: replace}\n",
])
def test_source_must_not_change(second):
    _, _, err = collect(rule() + second, sources=("syscall", "k8s_audit"))
    assert err == "Rule has been re-defined with a different source"


def test_empty_source_on_append_is_allowed():
    _, _, err = collect(rule() + "- rule: r\n  condition: or b\n  source:\n  append: true\n")
    assert err is None


def test_unknown_source_warns_and_skips_exception_validation():
    col, warnings, err = collect(rule(source="aws", extra=(
        "  exceptions: [{name: e, fields: [no.field]}]\n")))
    assert err is None and col.rules["r"].unknown_source
    assert warnings == ["Unknown source aws, skipping"]


def ex(body: str) -> str:
    return rule(extra=f"  exceptions:\n    - name: e\n{body}")


@pytest.mark.parametrize("body, message", [
    ("      fields: [proc.name, fd.name]\n      comps: [=]\n",
     "Fields and comps lists must have equal length"),
    ("      fields: [proc.name]\n      comps: [no-comp]\n",
     "'no-comp' is not a supported comparison operator"),
    ("      fields: [proc.name]\n      comps: ['  in oneof ']\n",
     "'in oneof' is not a supported comparison operator"),
    ("      fields: [proc.name]\n      comps: ['>= oneof']\n",
     "'>= oneof' is not a supported comparison operator"),
    ("      fields: [not.exist]\n", "'not.exist' is not a supported filter field"),
    ("      fields: proc.name\n      comps: [in]\n", "Fields and comps must both be strings"),
    ("      fields: proc.name\n      comps: '='\n", "When fields is a single value, comps must "
     "be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)"),
])
def test_exception_validation(body, message):
    assert collect(ex(body))[2] == message


def test_exception_comps_defaults_and_normalization():
    col, _, err = collect(ex("      fields: [proc.name, fd.name]\n") + (
        "- rule: s\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n"
        "  exceptions:\n    - name: a\n      fields: proc.name\n"
        "    - name: b\n      fields: [proc.name]\n      comps: ['  startswith   oneof ']\n"))
    assert err is None
    assert col.rules["r"].exceptions[0].comps == ["=", "="]
    a, b = col.rules["s"].exceptions
    assert a.comps == "in" and b.comps == ["startswith oneof"]


def test_exception_append_semantics():
    base = ex("      fields: [proc.name]\n      values: [[a]]\n")
    col, _, err = collect(base + "- rule: r\n  exceptions:\n    - name: e\n      values: [[b]]\n"
                          "    - name: f\n      fields: fd.name\n      values: [x]\n"
                          "  override: {exceptions: append}\n")
    assert err is None
    e, f = col.rules["r"].exceptions
    assert e.values == [["a"], ["b"]] and (f.fields, f.comps, f.values) == ("fd.name", "in",
                                                                              ["x"])
    for body, message in [
        ("      fields: [fd.name]\n      values: [[b]]\n",
         "Can not append exception fields to existing exception, only values"),
        ("      comps: [in]\n      values: [[b]]\n",
         "Can not append exception comps to existing exception, only values"),
    ]:
        text = base + f"- rule: r\n  exceptions:\n    - name: e\n{body}  append: true\n"
        assert collect(text)[2] == message
    new = base + "- rule: r\n  exceptions:\n    - name: g\n      values: [[b]]\n  append: true\n"
    assert collect(new)[2] == "Rule exception must have fields property with a list of fields"
    new = base + "- rule: r\n  exceptions:\n    - name: g\n      fields: x.y\n  append: true\n"
    assert collect(new)[2] == "Rule exception must have values property with a list of values"


def test_exceptions_replace_validates_like_a_definition():
    col, _, err = collect(ex("      fields: [proc.name]\n") + (
        "- rule: r\n  exceptions: [{name: z, fields: [fd.name]}]\n"
        "  override: {exceptions: replace}\n"))
    assert err is None
    (z,) = col.rules["r"].exceptions
    assert (z.name, z.comps) == ("z", ["="])


def test_engine_version():
    assert collect("- required_engine_version: 0.26.0\n")[2] is None
    assert collect("- required_engine_version: 9999999\n")[2] == (
        "Rules require engine version 0.9999999.0, but engine version is "
        + ".".join(map(str, ENGINE_VERSION)))
    col, _, _ = collect("- required_engine_version: 10\n- required_engine_version: 0.20.0\n")
    assert col.required_engine_version == (0, 20, 0)
    assert compatible((0, 63, 0), (0, 63, 0)) and not compatible((1, 0, 0), (0, 1, 0))


def test_plugin_requirements_are_recorded_and_checked_for_duplicates():
    col, _, err = collect("- required_plugin_versions:\n  - name: a\n    version: 0.1.0\n"
                          "    alternatives: [{name: b, version: 1.0.0}]\n")
    assert err is None
    assert col.plugin_requirements[0][0] == [("a", "0.1.0"), ("b", "1.0.0")]
    assert collect("- required_plugin_versions: [{name: a, version: x}]\n")[2] == \
        "Invalid required version 'x' for plugin 'a'"
    assert collect("- required_plugin_versions:\n  - name: a\n    version: 0.1.0\n"
                   "    alternatives: [{name: a, version: 0.2.0}]\n")[2] == \
        "Defined multiple alternative version requirements for plugin 'a'"


def test_normalize_comp():
    assert normalize_comp("  startswith \t oneof ") == "startswith oneof"
    assert normalize_comp(" = ") == "="
