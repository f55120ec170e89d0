"""`prempti-hook --check`: validation output, exit codes, JSON shape, the default rules."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from prempti_hook.commands import check

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<kind>error|warning): "
                  r"(?P<code>LOAD_[A-Z_]+): (?P<message>.*) \((?P<about>[^()]*)\)$")

GOOD = """- list: tools
  items: [Write, Edit]
- rule: Writes
  desc: a write
  condition: tool.name in (tools)
  output: wrote %tool.file_path
  priority: WARNING
  source: coding_agent
"""


def run(args, capsys, monkeypatch=None, env=None):
    if monkeypatch is not None:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
    code = check.main("--check", [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_file_exits_zero_without_lines(tmp_path, capsys):
    code, lines, err = run([write(tmp_path, "a.yaml", GOOD)], capsys)
    assert (code, lines) == (0, [])
    assert "1 of 1 file(s) checked, 0 error(s), 0 warning(s)" in err


def test_error_line_format_and_exit_status(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", GOOD + "- rule: Broken\n  desc: d\n  condition: "
                 "tool.name = Bash and\n  output: o\n  priority: ERROR\n  source: coding_agent\n")
    code, lines, _ = run([path], capsys)
    assert code == 1
    (line,) = lines
    m = LINE.match(line)
    assert m, line
    assert (m["file"], m["line"], m["kind"], m["code"], m["about"]) == (
        str(path), "11", "error", "LOAD_ERR_COMPILE_CONDITION", "rule 'Broken'")
    assert int(m["col"]) > 14


def test_warnings_do_not_fail(tmp_path, capsys):
    code, lines, _ = run([write(tmp_path, "w.yaml", GOOD + "- list: unused\n  items: [a]\n")],
                         capsys)
    assert code == 0
    assert [LINE.match(x)["code"] for x in lines] == ["LOAD_UNUSED_LIST"]
    assert lines[0].endswith("(list 'unused')")


def test_missing_and_unreadable_files_are_one_error_line(tmp_path, capsys):
    code, lines, _ = run([tmp_path / "nope.yaml"], capsys)
    assert code == 1 and len(lines) == 1
    assert "LOAD_ERR_FILE_READ: cannot read rules file: no such file or directory" in lines[0]
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"- list: \xe9\n  items: []\n")
    code, lines, _ = run([bad], capsys)
    assert code == 1 and len(lines) == 1 and "not valid UTF-8 (byte 8)" in lines[0]


def test_folders_expand_sorted_and_load_in_order(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    write(folder, "10-use.yaml", "- rule: R\n  desc: d\n  condition: m\n  output: o\n"
          "  priority: INFO\n  source: coding_agent\n")
    write(folder, "00-define.yaml", "- macro: m\n  condition: tool.name = Bash\n")
    write(folder, ".hidden.yaml", "not: [valid")
    code, lines, err = run([folder], capsys)
    assert code == 0 and "2 of 2 file(s)" in err
    # Falco compiles after each file: alone, the first file's macro is unused.
    assert [LINE.match(x)["code"] for x in lines] == ["LOAD_UNUSED_MACRO"]
    assert lines[0].startswith(str(folder / "00-define.yaml"))


def test_later_file_cannot_be_used_by_an_earlier_one(tmp_path, capsys):
    use = write(tmp_path, "use.yaml", "- rule: R\n  desc: d\n  condition: m\n  output: o\n"
                "  priority: INFO\n  source: coding_agent\n")
    define = write(tmp_path, "define.yaml", "- macro: m\n  condition: tool.name = Bash\n")
    code, lines, err = run([use, define], capsys)
    assert code == 1 and "Undefined macro 'm' used in filter." in lines[0]
    assert "1 of 2 file(s)" in err


def test_json_output(tmp_path, capsys):
    path = write(tmp_path, "j.yaml", "- rule: r\n  desc: d\n")
    code, lines, _ = run([path, "--json"], capsys)
    assert code == 1
    doc = json.loads("\n".join(lines))
    (result,) = doc["falco_load_results"]
    assert result["name"] == str(path) and result["successful"] is False
    (error,) = result["errors"]
    assert error["code"] == "LOAD_ERR_YAML_VALIDATE"
    assert error["message"] == "Item has no mapping for key 'condition'"
    assert error["context"]["locations"][-1]["item_name"] == "r"


def test_no_argument_checks_what_the_hook_loads(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "env.yaml", GOOD + "- list: unused\n  items: [a]\n")
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "home"))
    code, lines, _ = run([], capsys, monkeypatch, {"PREMPTI_RULES": str(path)})
    assert code == 0 and len(lines) == 1 and lines[0].startswith(f"{path}:")


def test_usage_errors(capsys):
    assert check.main("--check", ["--frobnicate"]) == 2
    assert "unknown option" in capsys.readouterr().err


@pytest.mark.parametrize("data", [b"\x00\x01\x02", b"- rule: [\n", b"[" * 100000,
                                  b"- rule: x\n  desc: d\n  condition: " + b"(" * 5000 + b"\n"
                                  b"  output: o\n  priority: INFO\n  source: coding_agent\n",
                                  "- list: \ud800".encode("utf-8", "surrogatepass")])
def test_hostile_files_never_crash(tmp_path, capsys, data):
    path = tmp_path / "h.yaml"
    path.write_bytes(data)
    code, lines, err = run([path], capsys)
    assert code == 1 and lines and all(LINE.match(x) for x in lines), lines
    assert "Traceback" not in err


def test_command_line_entry_point(tmp_path):
    path = write(tmp_path, "a.yaml", "- macro: m\n  condition: tool.name =\n")
    proc = subprocess.run([sys.executable, "-m", "prempti_hook", "--check", str(path)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert LINE.match(proc.stdout.strip())
    assert "Traceback" not in proc.stderr


def test_prempti_reference_ruleset_checks_clean(capsys):
    path = os.environ.get("PREMPTI_REFERENCE_RULES")
    if not path:
        pytest.skip("PREMPTI_REFERENCE_RULES is not set (path of Prempti's "
                    "coding_agents_rules.yaml)")
    code, lines, _ = run([path], capsys)
    assert code == 0, lines
    assert not [x for x in lines if ": error: " in x]
