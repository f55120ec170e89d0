"""Fitting a record into the line budget: the giants are cut, the rest stays whole, and
the record says what was cut."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from prempti_hook import auditcap


def test_a_record_within_the_budget_is_unchanged():
    record = {"rule": "r", "output_fields": {"a": "x" * 100}}
    assert auditcap.fit(record, 1000) == json.dumps(record, separators=(",", ":"))


def test_only_the_largest_values_are_cut_and_each_cut_is_noted():
    record = {"time": "t", "rule": "Deny SSH keys", "reason": "why " * 10,
              "output_fields": {"small": "s" * 50, "big": "b" * 40_000,
                                "list": [f"/p/{i}" for i in range(5000)],
                                "nested": {"deep": "d" * 30_000, "tiny": 1}}}
    fitted = json.loads(auditcap.fit(record, 20_000))
    assert len(auditcap.fit(record, 20_000)) <= 20_000
    fields = fitted["output_fields"]
    assert fitted["reason"] == record["reason"] and fields["small"] == "s" * 50
    assert fields["nested"]["tiny"] == 1
    assert fields["big"].startswith("bbb") and fields["big"].endswith(" more characters]")
    assert fields["list"][-1].startswith("...[") and fields["list"][0] == "/p/0"
    cut = fitted["truncated"]["cut"]
    assert set(cut) == {"output_fields.big", "output_fields.list", "output_fields.nested.deep"}
    assert cut["output_fields.list"]["items"] == 5000
    assert cut["output_fields.list"]["kept_items"] == len(fields["list"]) - 1
    assert cut["output_fields.big"]["bytes"] == 40_002
    assert fitted["truncated"]["line_bytes"] == len(json.dumps(record, separators=(",", ":")))


def test_escaped_characters_count_at_their_escaped_size():
    record = {"output": "\x01" * 30_000}  # six bytes each once escaped
    text = auditcap.fit(record, 10_000)
    assert len(text) <= 10_000 and json.loads(text)["output"].startswith("\x01\x01")


def test_a_list_whose_first_item_is_giant_keeps_its_start():
    record = {"output_fields": {"paths": ["p" * 50_000, "q"]}}
    fitted = json.loads(auditcap.fit(record, 12_000))
    paths = fitted["output_fields"]["paths"]
    assert paths[0].startswith("ppp") and paths[-1] == "...[1 more items]"


def test_a_record_of_countless_keys_falls_back_to_what_names_the_event():
    record = {"time": "t", "rule": "r", "verdict": "deny",
              "output_fields": {f"k{i}": i for i in range(20_000)}}
    fitted = json.loads(auditcap.fit(record, 10_000))
    assert fitted["rule"] == "r" and fitted["verdict"] == "deny"
    assert fitted["truncated"]["skeleton"] is True and fitted["output_fields"] == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3000),
    lambda children: st.lists(children, max_size=40)
    | st.dictionaries(st.text(max_size=20), children, max_size=20),
    max_leaves=200)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=30), json_values, max_size=12),
       st.integers(min_value=8_000, max_value=40_000))
def test_any_record_fits_and_stays_a_json_object(record, budget):
    text = auditcap.fit(record, budget)
    assert len(text) <= budget
    assert isinstance(json.loads(text), dict)


def test_the_call_itself_is_cut_last():
    """`tool.input` (what `replay` rebuilds the call from) stays whole while the values
    derived from it can give way; past that, it keeps what the others leave."""
    content = "y" * 50_000
    record = {"rule": "r", "output_fields": {
        "tool.input": json.dumps({"file_path": "a", "content": content}),
        "tool.content": content[:16384], "tool.paths": ["/p/a"] * 100}}
    fitted = json.loads(auditcap.fit(record, 60_000))
    assert json.loads(fitted["output_fields"]["tool.input"])["content"] == content
    assert set(fitted["truncated"]["cut"]) == {"output_fields.tool.content"}
    command = "cat " + " ".join(f"/p/{i:05d}" for i in range(20_000))
    record = {"rule": "r", "output_fields": {
        "tool.input": json.dumps({"command": command}), "tool.input_command": command,
        "tool.cmd.args": command.split()[1:]}}
    fitted = json.loads(auditcap.fit(record, 60_000))
    cut = fitted["truncated"]["cut"]
    assert cut["output_fields.tool.input_command"]["kept_bytes"] <= auditcap.FLOOR
    assert cut["output_fields.tool.cmd.args"]["kept_bytes"] <= auditcap.FLOOR
    assert cut["output_fields.tool.input"]["kept_bytes"] > 45_000
    assert fitted["output_fields"]["tool.input"].startswith('{"command": "cat /p/00000')


def test_cutting_a_huge_string_never_measures_more_than_the_limit(monkeypatch):
    """A 4 MiB call is cut to a 64 KiB line: the binary search must not dump megabytes of
    JSON at every step (it made a 1 MiB Write cost 20 ms more)."""
    measured = []
    real_size = auditcap._size
    monkeypatch.setattr(auditcap, "_size", lambda v: measured.append(len(v)) or real_size(v))
    cut = auditcap._cut_string("ab\n" * 400_000, 1000)
    assert real_size(cut) <= 1000 and cut.startswith("ab\nab\n")
    assert max(measured) <= 1000 + len("...[1200000 more characters]")
