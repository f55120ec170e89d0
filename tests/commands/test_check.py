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


SUMMARY = "prempti-hook --check: "


def run(args, capsys, monkeypatch=None, env=None):
    """(exit code, the one-line diagnostics, the summary line and stderr). Snippet and help
    lines (indented under their diagnostic) are left out; `run_full` keeps them."""
    code, out, err = run_full(args, capsys, monkeypatch, env)
    lines = out.splitlines()
    summary = [x for x in lines if x.startswith(SUMMARY)]
    assert len(summary) <= 1 and (not summary or lines[-1] == summary[0]), out
    diagnostics = [x for x in lines if not x.startswith((" ", SUMMARY))]
    return code, diagnostics, "\n".join(summary) + "\n" + err


def run_full(args, capsys, monkeypatch=None, env=None):
    if monkeypatch is not None:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
    code = check.main("--check", [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


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
    code, out, err = run_full([path, "--json"], capsys)
    assert code == 1 and "1 error(s)" in err  # the summary goes to stderr: stdout is JSON
    doc = json.loads(out)
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
    assert LINE.match(proc.stdout.splitlines()[0])
    assert proc.stdout.splitlines()[-1].startswith(SUMMARY)
    assert "Traceback" not in proc.stderr


def test_prempti_reference_ruleset_checks_clean(capsys):
    path = os.environ.get("PREMPTI_REFERENCE_RULES")
    if not path:
        pytest.skip("PREMPTI_REFERENCE_RULES is not set (path of Prempti's "
                    "coding_agents_rules.yaml)")
    code, lines, _ = run([path], capsys)
    assert code == 0, lines
    assert not [x for x in lines if ": error: " in x]


# --- diagnostics as good as ruff's and rustc's ----------------------------------------------

RULE = """- rule: {name}
  desc: d
  condition: {condition}
  output: o
  priority: WARNING
  source: coding_agent
"""


def test_every_error_of_a_file_is_reported(tmp_path, capsys):
    text = ("- macro: is_shel\n  condition: tool.name = Bash\n"
            + RULE.format(name="One", condition="is_shel and tool.pathnames exists")
            + RULE.format(name="Two", condition="is_shell")
            + RULE.format(name="Three", condition="tool.name = Bash and (tool.input exists")
            + "- rule: Four\n  desc: no condition\n")
    code, lines, err = run([write(tmp_path, "many.yaml", text)], capsys)
    assert code == 1 and "4 error(s)" in err, lines
    about = [LINE.match(x)["about"] for x in lines]
    assert about == ["rule 'Four'", "rule 'One'", "rule 'Two'", "rule 'Three'"], lines


def test_a_broken_macro_is_reported_once_not_at_every_use(tmp_path, capsys):
    text = ("- macro: broken\n  condition: tool.name = (\n"
            + RULE.format(name="A", condition="broken") + RULE.format(name="B", condition="broken"))
    code, lines, _ = run([write(tmp_path, "m.yaml", text)], capsys)
    assert code == 1 and len(lines) == 1 and "(macro 'broken')" in lines[0], lines


def test_snippet_puts_the_caret_under_the_exact_token(tmp_path, capsys):
    path = write(tmp_path, "f.yaml", RULE.format(
        name="Keys", condition="tool.name = Read and tool.pathnames intersects (id_rsa)"))
    code, out, _ = run_full([path], capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(f"{path}:3:35: error: LOAD_ERR_COMPILE_CONDITION: ")
    source = next(x for x in lines if x.startswith(" 3 | "))
    caret = lines[lines.index(source) + 1]
    start = caret.index("^")
    assert source[start:start + caret.count("^")] == "tool.pathnames"
    assert "   = help: did you mean `tool.path_names`?" in lines


def test_caret_inside_a_condition_written_over_several_lines(tmp_path, capsys):
    text = ("- rule: Folded\n  desc: d\n  condition: >\n    tool.name = Bash\n"
            "    and tool.cmd.nmes intersects (curl)\n  output: o\n  priority: WARNING\n"
            "  source: coding_agent\n")
    path = write(tmp_path, "folded.yaml", text)
    code, out, _ = run_full([path], capsys)
    lines = out.splitlines()
    assert code == 1 and lines[0].startswith(f"{path}:5:9: error: "), lines
    assert lines[2] == " 5 |     and tool.cmd.nmes intersects (curl)"
    assert lines[3] == "   |         ^^^^^^^^^^^^^"
    assert "did you mean `tool.cmd.names`?" in out


@pytest.mark.parametrize("text, hint", [
    ("- macro: is_shell\n  condition: tool.name = Bash\n"
     + RULE.format(name="R", condition="is_shel"), "did you mean the macro `is_shell`?"),
    ("- list: secret_files\n  items: [id_rsa]\n"
     + RULE.format(name="R", condition="tool.name = Read and secret_files"),
     "`secret_files` is a list: compare a field with it"),
    (RULE.format(name="R", condition="tool.name = Read") + "  tgas: [x]\n", "did you mean `tags`?"),
    (RULE.format(name="R", condition="tool.name = Read and x: y"),
     "a plain YAML value cannot contain `: `; put the value in quotes"),
])
def test_help_says_what_was_probably_meant(tmp_path, capsys, text, hint):
    _, out, _ = run_full([write(tmp_path, "h.yaml", text)], capsys)
    assert f" = help: {hint}" in out, out


def test_a_word_spelled_like_a_list_is_a_warning(tmp_path, capsys):
    text = ("- list: secret_files\n  items: [id_rsa]\n"
            + RULE.format(name="R", condition="tool.name = Read and tool.path_names intersects "
                                              "(secret_file, other)")
            + RULE.format(name="S", condition="tool.name in (secret_files)"))
    code, lines, _ = run([write(tmp_path, "l.yaml", text)], capsys)
    assert code == 0
    (line,) = lines
    assert ":5:" in line and "'secret_file' is not a list" in line
    assert "did you mean the list 'secret_files'?" in line


@pytest.mark.parametrize("text, line", [
    ('- rule: R\n  desc: "never closed\n  condition: tool.name = Bash\n  output: o\n'
     '  priority: INFO\n  source: coding_agent\n', 2),
    ("- list: l\n  items: [a, b\n- rule: R\n  desc: d\n", 2),
    ("- rule: R\n  desc: d\n\tcondition: x\n", 3),
])
def test_yaml_errors_point_at_the_real_cause(tmp_path, capsys, text, line):
    path = write(tmp_path, "y.yaml", text)
    code, lines, _ = run([path], capsys)
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"{path}:{line}:"), lines


def test_each_warning_once_whatever_the_number_of_files(tmp_path, capsys):
    first = write(tmp_path, "a.yaml", RULE.format(
        name="R", condition='tool.name = Bash and tool.input_command regex "ls"'))
    later = [write(tmp_path, f"{n}.yaml", "- list: l\n  items: [x]\n- macro: m\n  condition: "
                   "tool.name in (l)\n" + RULE.format(name=f"use {n}", condition="m"))
             for n in "bcd"]
    code, lines, err = run([first, *later], capsys)
    assert code == 0 and "1 warning(s)" in err
    assert [LINE.match(x)["code"] for x in lines] == ["LOAD_COMPILE_CONDITION"]


def test_summary_is_on_stdout(tmp_path, capsys):
    code, out, err = run_full([write(tmp_path, "a.yaml", GOOD)], capsys)
    assert code == 0 and err == ""
    assert out == "prempti-hook --check: 1 of 1 file(s) checked, 0 error(s), 0 warning(s)\n"


def test_concise_is_one_line_per_problem(tmp_path, capsys):
    path = write(tmp_path, "c.yaml", RULE.format(name="R", condition="tool.nam = Bash"))
    code, out, _ = run_full([path, "--concise"], capsys)
    assert code == 1
    first, summary = out.splitlines()
    assert LINE.match(first) and first.startswith(f"{path}:3:14:") and summary.startswith(SUMMARY)


def test_checking_the_hooks_rules_refreshes_its_cache(tmp_path, capsys, monkeypatch):
    from prempti_hook import cache, config, rebuild

    home = tmp_path / "home"
    rules = write(tmp_path, "r.yaml", GOOD)
    monkeypatch.setenv("PREMPTI_HOME", str(home))
    monkeypatch.setenv("PREMPTI_RULES", str(rules))
    assert rebuild.describe(config.load())["state"] == "missing"
    code, out, _ = run_full([], capsys)
    assert code == 0 and "the hook's rule cache is up to date" in out
    cfg = config.load()
    assert rebuild.describe(cfg)["state"] == "fresh"
    assert cache.load(cfg).from_cache  # the next tool call does not compile


def test_a_failed_check_leaves_the_cache_alone(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("PREMPTI_HOME", str(home))
    monkeypatch.setenv("PREMPTI_RULES", str(write(tmp_path, "r.yaml", "- rule: r\n")))
    code, out, _ = run_full([], capsys)
    assert code == 1 and "cache" not in out
    assert not (home / "cache").exists()


def test_snippets_escape_terminal_controls(tmp_path, capsys):
    path = write(tmp_path, "e.yaml", RULE.format(
        name="R", condition='tool.nam = "\u202eevil"'))  # a bidi override reorders text
    code, out, _ = run_full([path], capsys)
    assert code == 1 and "\u202e" not in out and "\\u202e" in out


def test_a_macro_that_cannot_be_read_is_not_reported_again_at_its_uses(tmp_path, capsys):
    text = "- macro: half\n" + RULE.format(name="A", condition="half")
    code, lines, _ = run([write(tmp_path, "m.yaml", text)], capsys)
    assert code == 1 and len(lines) == 1 and "Item has no mapping for key 'condition'" \
        in lines[0], lines


def test_a_fifo_under_a_rules_name_is_reported_not_waited_on(tmp_path):
    fifo = tmp_path / "planted.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "prempti_hook", "--check", str(fifo)],
                          capture_output=True, text=True, cwd=REPO, timeout=60,
                          env={**os.environ, "PREMPTI_HOME": str(tmp_path / "home")})
    assert proc.returncode == 1, proc.stderr
    assert "not a regular file" in proc.stdout, proc.stdout


def test_a_folder_given_as_a_file_is_reported(tmp_path):
    assert check.read_rules_file(str(tmp_path)) == (None, "is a directory")
