"""Output formats: libsinsp's formatter vectors (section F), Falco's alert-output examples
(section N), and the hot-path properties of compiled formats (picklable, import nothing)."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from loader.syscall_table import syscall_table
from vectors import cases

from prempti_hook.falco.errors import CompileError
from prempti_hook.falco.fields import NUMERIC_TYPES
from prempti_hook.falco.loader import load
from prempti_hook.falco.output import NA, to_text
from prempti_hook.falco.output_compiler import compile_format

TABLE = syscall_table()
REPO = Path(__file__).resolve().parents[2]


class Event(dict):
    def __missing__(self, key):
        return None


# The formatter vectors' contexts. The field values are what libsinsp's extractors give for
# them (the ancestors fields print the ancestors space-separated); the formatter's job is
# only to print what the source extracts.
INIT = Event({"proc.name": "init", "thread.tid": 1, "proc.pid": 1, "proc.aname[0]": "init",
              "proc.apid[0]": 1, "evt.arg[1]": "/test/dir", "evt.arg.path": "/test/dir"})
CHILD = Event({"proc.name": "child", "proc.aname": "bash init",
               "proc.aexe": "bash /sbin/init", "proc.aexepath": "/bin/bash /sbin/init",
               "proc.acmdline": "bash init context ls --format {{json .}}"})

F_SKIPS = {
    "F0067": "the value of %proc.apid without an index for this event depends on libsinsp's "
             "process-tree extraction (which thread the event is for), not on the formatter",
}


def f_params():
    return [pytest.param(c, id=c["id"], marks=[pytest.mark.skip(reason=F_SKIPS[c["id"]])]
                         if c["id"] in F_SKIPS else []) for c in cases("F_format")]


def context_of(case) -> Event:
    return CHILD if case["context"].startswith("process tree") else INIT


def field_type(key: str) -> str:
    name, _, arg = key.partition("[")
    info = TABLE.lookup(name, arg[:-1] if arg else None)
    return info.type if info else "CHARBUF"


def expected_fields(case) -> dict:
    """The vector's resolve_tokens map (text values) in the native types we keep for JSON
    `output_fields`: numbers as numbers, <NA> as None."""
    out = {}
    for key, value in (case.get("expect_field_values") or {}).items():
        if value == NA:
            value = None
        elif field_type(key) in NUMERIC_TYPES:
            value = int(value)
        out[key] = value
    return out


@pytest.mark.parametrize("case", f_params())
def test_format_vectors(case):
    if case.get("expect") == "format_error":
        with pytest.raises(CompileError) as e:
            compile_format(case["format"], TABLE)
        assert e.value.message.startswith(("unknown filter: ", "invalid formatting syntax"))
        return
    fmt = compile_format(case["format"], TABLE,
                         resolve_transformed=case.get("resolve_transformed_fields", False))
    if case.get("expect") == "format_ok":
        return
    event = context_of(case)
    if "expect_field_names_count" in case:
        assert len(fmt.field_names) == case["expect_field_names_count"]
        assert set(case["expect_field_names_include"]) <= set(fmt.field_names)
        return
    complete, text = fmt.render_checked(event)
    _, fields = fmt.fields_checked(event)
    if "expect_result" in case:
        assert complete == case["expect_result"]
    if case.get("output_format") == "OF_JSON" or case.get("expect_output", "").startswith("{"):
        expected_json = json.loads(case["expect_output"])
        assert fields == (expected_json or {})
    elif "expect_output" in case:
        assert text == case["expect_output"]
    if case.get("expect_output_ne"):
        assert text != case["expect_output_ne"]
    if case.get("expect_output_nonempty"):
        assert text
    if "expect_field_values_count" in case:
        assert len(fields) == case["expect_field_values_count"]
        wanted = expected_fields(case)
        assert {k: fields.get(k, "missing") for k in wanted} == wanted


# -- section N: alert outputs -------------------------------------------------------------------

N_SKIPS = {
    "O0005": "the alert line's ISO 8601 time prefix is written by the alert writer "
             "(prempti_hook.alert), not by output formats",
}
CAT = Event({"proc.cmdline": "cat /dev/null", "proc.name": "cat"})


def k_file(name: str) -> str:
    key = "file_" + name.replace(".", "_").replace("-", "_")
    return next(c[key] for c in cases("K_legacy") if key in c)


def n_params():
    return [pytest.param(c, id=c["id"], marks=[pytest.mark.skip(reason=N_SKIPS[c["id"]])]
                         if c["id"] in N_SKIPS else []) for c in cases("N_alert_output")]


@pytest.mark.parametrize("case", n_params())
def test_alert_output_vectors(case):
    sources = {"syscall": TABLE}
    if case["id"] == "O0001":
        result = load([("single_rule.yaml", k_file("single_rule.yaml"))], sources, build=False)
        rule = result.rule("open_from_cat").compiled
        message = rule.output.render(CAT)
        assert case["expect_text_line"].endswith(": Warning " + message)
    elif case["id"] == "O0002":
        result = load([("r.yaml", k_file("single_rule_with_tags.yaml"))], sources, build=False)
        described = result.rule("open_from_cat")
        expected = json.loads(case["expect_json"])
        fields = described.compiled.output.fields(CAT)
        assert fields == {k: v for k, v in expected["output_fields"].items()
                          if not k.startswith("evt.time")}   # the time prefix is the writer's
        assert described.as_dict()["tags"] == expected["tags"]
        assert described.as_dict()["priority"] == expected["priority"]
        assert expected["output"].endswith("Warning " + described.compiled.output.render(CAT))
    elif case["id"] == "O0003":
        fmt = compile_format(case["rule_output"], TABLE, all_optional=True)
        assert re.search(case["expect_regex"], "Warning " + fmt.render(CAT))
    elif case["id"] == "O0004":
        result = load([("r.yaml", k_file("single_rule.yaml"))], sources, build=False)
        tags = result.rule("open_from_cat").as_dict()["tags"]
        assert re.search(case["expect_regex"], json.dumps({"tags": tags, "x": 1}))
    else:
        pytest.fail(f"no check for {case['id']}")


# -- rendering -----------------------------------------------------------------------------

def test_rule_outputs_render_missing_values_as_na():
    fmt = compile_format("a=%proc.name b=%fd.name c=%proc.args", TABLE, all_optional=True)
    event = Event({"proc.name": "x", "proc.args": ("-a", "b c")})
    assert fmt.render(event) == "a=x b=<NA> c=(-a,b c)"
    assert fmt.fields(event) == {"proc.name": "x", "fd.name": None, "proc.args": ["-a", "b c"]}


@pytest.mark.parametrize("value, text", [
    (True, "true"), (False, "false"), (0, "0"), (-3, "-3"), ("", ""), (None, NA),
    (("a", 1, True), "(a,1,true)"), (b"\xff", "\\xff"),
])
def test_to_text(value, text):
    assert to_text(value) == text


def test_longest_valid_prefix():
    fmt = compile_format("%proc.name.%proc.pid:%evt.arg[1]]", TABLE)
    assert fmt.render(INIT) == "init.1:/test/dir]"


def test_field_with_argument_and_escaped_key():
    fmt = compile_format('%evt.arg["a b"]', TABLE, all_optional=True)
    assert fmt.fields(Event({"evt.arg[a b]": "v"})) == {'evt.arg["a b"]': "v"}


@pytest.mark.parametrize("text, message", [
    ("x %", "invalid formatting syntax: formatting cannot end with a %"),
    ("x %12", "invalid formatting syntax: formatting cannot end with a number"),
    ("x %nope.field", "unknown filter: filter_check called with nonexistent field nope.field"),
    ("x %val(proc.name)", "unknown filter: "),
])
def test_format_errors(text, message):
    with pytest.raises(CompileError) as e:
        compile_format(text, TABLE)
    assert e.value.message.startswith(message)


def test_hostile_values_render():
    fmt = compile_format("%proc.name|%toupper(proc.name)", TABLE, all_optional=True)
    event = Event({"proc.name": "a\udcff\n\x00" + "x" * 100_000})
    text = fmt.render(event)
    assert text.startswith("a\udcff\n\x00") and len(text) == 2 * 100_004 + 1


def test_compiled_formats_pickle_and_render_without_the_parser():
    fmt = compile_format("*%proc.name %toupper(proc.cmdline) %join(\",\", (proc.name, "
                         "proc.cmdline))", TABLE)
    blob = pickle.dumps(fmt)
    code = (
        "import pickle, sys\n"
        "before = set(sys.modules)\n"
        f"fmt = pickle.loads({blob!r})\n"
        "class E(dict):\n    def __missing__(self, k): return None\n"
        "print(fmt.render(E({'proc.name': 'cat', 'proc.cmdline': 'cat x'})))\n"
        "print(sorted(m for m in ('yaml', 're', 'pyparsing', 'prempti_hook.falco.parser', "
        "'prempti_hook.falco.ast', 'prempti_hook.falco.codegen') "
        "if m in set(sys.modules) - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.splitlines()
    assert out == ["cat CAT X cat,cat x", "[]"]


def test_output_module_imports_nothing_heavy():
    code = ("import sys\nbefore = set(sys.modules)\nimport prempti_hook.falco.output\n"
            "print(sorted(m for m in ('yaml', 're', 'pyparsing', 'typing', 'dataclasses', "
            "'json', 'prempti_hook.falco.parser', 'prempti_hook.falco.ast') "
            "if m in set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.strip()
    assert out == "[]"
