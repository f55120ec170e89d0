"""The reader alone: YAML text -> items (plain data), Falco's validation messages and the
positions they point at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from prempti_hook.falco.loader import reader
from prempti_hook.falco.loader.reader import (
    ERROR_OVERRIDE_APPEND,
    WARNING_APPEND,
    WARNING_ENABLED,
    decode_bool,
    decode_unsigned,
    parse_priority,
    read,
)

REPO = Path(__file__).resolve().parents[3]

RULE = """- rule: r
  desc: d
  condition: evt.type = open
  output: "  out %proc.name  "
  priority: INFO
"""


def error_of(text: str):
    items = read(text, "f.yaml")
    assert items and items[-1].kind == "error", items
    return items[-1].error


def warnings_of(text: str) -> list[str]:
    return [w.message for item in read(text, "f.yaml") for w in item.warnings]


def test_full_rule_definition_with_defaults():
    (item,) = read(RULE, "f.yaml")
    assert (item.kind, item.name, item.op) == ("rule", "r", "define")
    values = item.values
    assert values["output"] == "out %proc.name"   # trimmed at definition
    assert values["priority"] == 6                # INFO is Informational
    assert values["source"] == "syscall"
    assert values["enabled"] is True and values["warn_evttypes"] is True
    assert values["skip-if-unknown-filter"] is False and values["capture"] is False
    assert values["capture_duration"] == 0 and values["tags"] == []
    assert values["exceptions"] == []


def test_positions_are_one_based_file_line_column():
    (item,) = read("# comment\n" + RULE, "f.yaml")
    rule_loc = item.ctx[-1]
    assert (rule_loc.item_type, rule_loc.item_name) == ("rule", "r")
    assert (rule_loc.file, rule_loc.line, rule_loc.column) == ("f.yaml", 2, 3)
    cond = item.key_ctx["condition"][-1]
    assert (cond.item_type, cond.line, cond.column) == ("rule condition", 4, 14)
    assert cond.text_column == 14                 # plain scalar written on one line


def test_quoted_condition_text_column_skips_the_quote():
    (item,) = read(RULE.replace("evt.type = open", "'evt.type = open'"), "f.yaml")
    cond = item.key_ctx["condition"][-1]
    assert cond.text_column == cond.column + 1


@pytest.mark.parametrize("text, message", [
    ("foo", "Rules content is not yaml"),
    ("a: b", "Rules content is not yaml array of objects"),
    ("- [a]", "Unexpected element type. Each element should be a yaml associative array."),
    ("- list:\n  items: []", "Mapping for key 'list' is empty"),
    ("- list: l", "Item has no mapping for key 'items'"),
    ("- list: l\n  items: a", "Value is not a sequence"),
    ("- list: l\n  items: [[a]]", "sequence value is not scalar"),
    ("- list: l\n  items: [a, ~]", "sequence value is not scalar"),
    ("- macro: m", "Item has no mapping for key 'condition'"),
    ("- macro: m\n  condition: ''", "Value must be non-empty"),
    ("- macro: m\n  condition: [a]", "Value is not a scalar value"),
    ("- rule: r\n  desc: d", "Item has no mapping for key 'condition'"),
    (RULE.replace("INFO", "LOUD"), "Invalid priority"),
    (RULE + "  enabled: maybe\n", "Can't decode YAML scalar value"),
    (RULE + "  capture_duration: not_a_number\n", "Can't decode YAML scalar value"),
    (RULE + "  exceptions: {}\n", "Rule exceptions must be a sequence"),
    (RULE + "  exceptions: [a]\n", "Rule exception must be a mapping"),
    (RULE + "  exceptions: [{fields: [a.b]}]\n", "Item has no mapping for key 'name'"),
    (RULE + "  exceptions: [{name: e}]\n", "Item has no mapping for key 'fields'"),
    (RULE + "  exceptions: [{name: e, fields: x.y, values: a}]\n",
     "Rule exception values must be a sequence"),
    ("- required_engine_version: seven", "Unable to parse engine version 'seven' as a semver "
     "string. Expected \"x.y.z\" semver format."),
    ("- required_plugin_versions: a", "Value of required_plugin_versions must be a sequence"),
    ("- required_plugin_versions: [a]", "Plugin version must be a mapping"),
    ("- required_plugin_versions: [{name: p}]", "Item has no mapping for key 'version'"),
])
def test_validation_messages(text, message):
    assert error_of(text).message == message
    assert error_of(text).code == "LOAD_ERR_YAML_VALIDATE"


def test_yaml_syntax_error_is_a_parse_error_with_position():
    error = error_of("- rule: a: b\n")
    assert error.code == "LOAD_ERR_YAML_PARSE"
    assert error.where.line == 1 and error.where.column == 10   # at the second ':'
    assert "line 1, column 10" in error.message


def test_null_documents_and_items_are_skipped():
    assert read("---\n---\n- ~\n", "f.yaml") == []


def test_unknown_top_level_item_and_unknown_keys_warn():
    warnings = warnings_of("- foo: bar\n- list: l\n  items: []\n  priority: INFO\n")
    assert warnings == ["Unknown top level item",
                        "Unknown key 'priority'. The key will be ignored."]


def test_invalid_names_warn_but_load():
    assert any(w.startswith("List has an invalid name")
               for w in warnings_of("- list: a b\n  items: []"))
    assert any(w.startswith("Macro has an invalid name")
               for w in warnings_of("- macro: a-b\n  condition: x"))


def test_list_append_forms():
    legacy, over = read("- list: l\n  items: [a]\n  append: true\n"
                        "- list: l\n  items: [b]\n  override: {items: append}\n", "f.yaml")
    assert (legacy.op, legacy.legacy) == ("append", True)
    assert [w.message for w in legacy.warnings] == [WARNING_APPEND]
    assert (over.op, over.legacy, over.warnings) == ("append", False, [])


def test_override_and_append_together_is_an_error_after_the_deprecation_warning():
    items = read("- macro: m\n  condition: x\n  append: true\n"
                 "  override: {condition: append}\n", "f.yaml")
    assert [w.message for w in items[-1].warnings] == [WARNING_APPEND]
    assert items[-1].error.message == ERROR_OVERRIDE_APPEND


def test_rule_override_emits_append_then_replace_items():
    text = RULE + ("- rule: r\n  desc: more\n  condition: and x\n  priority: WARNING\n"
                   "  override: {desc: append, condition: replace, priority: replace}\n")
    _, append, replace = read(text, "f.yaml")
    assert (append.op, append.values) == ("append", {"source": None, "desc": "more"})
    assert replace.op == "replace"
    assert replace.values == {"source": None, "condition": "and x", "priority": 4}


@pytest.mark.parametrize("override, message", [
    ("{priority: append}", "Key 'priority' cannot be appended to, use 'replace' instead"),
    ("{source: replace}", "Key 'source' cannot be replaced"),
    ("{priority: merge}", "Invalid override operation for key 'priority': 'merge'. Allowed "
     "values are: replace "),
    ("{desc: append, output: replace}", "An replace override for 'output' was specified but "
     "'output' is not defined"),
])
def test_override_validation(override, message):
    text = RULE + f"- rule: r\n  desc: x\n  priority: ERROR\n  override: {override}\n"
    assert error_of(text).message == message


def test_override_key_without_entry_is_reported_after_the_updates():
    text = RULE + "- rule: r\n  desc: x\n  priority: ERROR\n  override: {desc: append}\n"
    items = read(text, "f.yaml")
    assert [(i.kind, i.op) for i in items] == [("rule", "define"), ("rule", "append"),
                                               ("error", "define")]
    assert items[-1].error.message == ("Unexpected key 'priority': no corresponding entry "
                                       "under 'override' is defined.")


def test_enable_only_form():
    (_, item) = read(RULE + "- rule: r\n  enabled: false\n", "f.yaml")
    assert (item.op, item.values["enabled"]) == ("enable", False)
    assert [w.message for w in item.warnings] == [WARNING_ENABLED]
    assert error_of("- rule: r\n  tags: [a]\n").message == "Item has no mapping for key 'enabled'"


def test_legacy_append_reads_only_condition_and_exceptions():
    (_, item) = read(RULE + "- rule: r\n  append: true\n  condition: or x\n  enabled: false\n",
                     "f.yaml")
    assert (item.op, item.legacy) == ("append", True)
    assert item.values == {"source": None, "condition": "or x"}


def test_exceptions_decoding():
    text = RULE + """  exceptions:
    - name: a
      fields: [proc.name, fd.name]
      comps: [=, in]
      values:
        - [cat, [/tmp, /var]]
    - name: a
      fields: proc.name
"""
    items = read(text, "f.yaml")
    ex1, ex2 = items[0].values["exceptions"]
    assert (ex1.fields, ex1.comps, ex1.values) == (["proc.name", "fd.name"], ["=", "in"],
                                                   [["cat", ["/tmp", "/var"]]])
    assert (ex2.fields, ex2.comps, ex2.values) == ("proc.name", None, None)
    assert [w.message for w in items[0].warnings] == [
        "Multiple definitions of exception 'a' in the same rule"]


def test_appending_exception_without_values_warns():
    text = RULE + "- rule: r\n  exceptions: [{name: e}]\n  override: {exceptions: append}\n"
    assert warnings_of(text) == ["Overriding/appending exception with no values"]


def test_exception_values_nesting_is_bounded():
    deep = "[" * 20 + "x" + "]" * 20
    text = RULE + f"  exceptions: [{{name: e, fields: [a.b], values: [{deep}]}}]\n"
    assert error_of(text).message == "Value is nested too deeply"


def test_alias_bomb_does_not_blow_up():
    # YAML aliases are shared nodes: a nested alias "bomb" is decoded without expanding it
    # beyond the items the rules actually list.
    text = "- list: a\n  items: &x [a, b]\n- list: b\n  items: *x\n"
    items = read(text, "f.yaml")
    assert [i.values["items"] for i in items] == [["a", "b"], ["a", "b"]]


@pytest.mark.parametrize("text, value", [
    ("true", True), ("True", True), ("TRUE", True), ("yes", True), ("on", True), ("y", True),
    ("false", False), ("No", False), ("OFF", False), ("n", False),
    ("tRue", None), ("1", None), ("", None), ("maybe", None),
])
def test_yaml_cpp_booleans(text, value):
    assert decode_bool(text) is value


@pytest.mark.parametrize("text, value", [
    ("26", 26), ("+5", 5), ("0x1f", 31), ("010", 8), ("-1", None), ("1.5", None), ("", None),
    ("٣", None), ("4294967296", None),
])
def test_unsigned(text, value):
    assert decode_unsigned(text, 2**32 - 1) == value


def test_priorities():
    assert [parse_priority(p) for p in ("emergency", "ALERT", "Info", "informational",
                                        "debug")] == [0, 1, 6, 6, 7]
    assert parse_priority("verbose") is None


def test_engine_version_forms():
    a, b = read("- required_engine_version: 26\n- required_engine_version: 0.30.1\n", "f")
    assert a.values["version"] == (0, 26, 0) and b.values["version"] == (0, 30, 1)


def test_hostile_text_never_raises():
    for text in ("\x00", "- rule: \ud800", "[" * 50000, "- " * 20000 + "x", "%", "- !!binary x",
                 "- list: l\n  items: " + "[" * 3000):
        items = read(text, "f.yaml")
        assert all(i.kind in ("error", "warnings", "list", "rule", "macro") for i in items)


# Nesting that would crash libyaml's C composer ---------------------------------------------

DEEP_TEXTS = {
    "flow": "[" * 100_000,
    "flow mappings": "{a: " * 50_000,
    "compact sequences": "- " * 100_000 + "x\n",
    "indentation": "".join(" " * i + "- \n" for i in range(0, 3000, 2)),
}


@pytest.mark.parametrize("kind", sorted(DEEP_TEXTS))
def test_deep_nesting_is_an_error_not_a_crash(kind, tmp_path, built_zipapp):
    # Through the real zipapp: it carries the PyYAML build (and libyaml) the hook runs with,
    # whose C composer overflows the stack on this nesting (a newer one stops at 1,000).
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP_TEXTS[kind])
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "p")}
    proc = subprocess.run([sys.executable, "-I", str(built_zipapp), "--check", str(path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    assert "LOAD_ERR_YAML_PARSE" in proc.stdout and "nested too deeply" in proc.stdout, proc.stdout


def test_a_hook_call_with_deeply_nested_rules_fails_closed(tmp_path, built_zipapp):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "deep.yaml").write_text(DEEP_TEXTS["flow"])
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path / "p"),
           "PREMPTI_RULES": str(rules)}
    call = ('{"hook_event_name": "PreToolUse", "tool_name": "Bash", "session_id": "s", '
            '"cwd": "/tmp", "tool_input": {"command": "ls"}}')
    proc = subprocess.run([sys.executable, "-I", str(built_zipapp)], input=call,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-500:])
    assert "deny" in proc.stdout or proc.returncode == 2, proc.stdout


def test_ordinary_rules_files_nest_far_below_the_c_loader_limit():
    for path in sorted((REPO / "rules").glob("*.yaml")):
        assert reader.nesting_bound(path.read_text()) < reader.C_LOADER_MAX_NESTING / 2, path


def test_the_nesting_bound_is_an_upper_bound():
    # Measured depth of real composed trees never exceeds the bound.
    def depth(node):
        if isinstance(node.value, list):
            children = [c for pair in node.value for c in
                        (pair if isinstance(pair, tuple) else (pair,))]
            return 1 + max(map(depth, children), default=0)
        return 1
    for text in ("a: [b, {c: [d]}]\n", "- - - x\n", "k:\n- a:\n  - b: [[c]]\n",
                 "? - a\n: - b\n", "x: '[[['\n"):
        [doc] = reader.compose(text, "t.yaml")
        assert depth(doc) <= reader.nesting_bound(text), text
