"""The command dispatcher: help for every command, one-line errors, quiet broken pipes."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from importcheck import REPO

from prempti_hook import cli


@pytest.mark.parametrize("word", sorted(cli.COMMANDS))
def test_every_command_has_help(word, capsys):
    assert cli.main([word, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: prempti-hook")


def test_unknown_command_is_one_line(capsys):
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown command 'frobnicate'" in err


def test_version_and_help(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("prempti-hook ")
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(word in out for word in cli.COMMANDS)


def test_closed_pipe_is_not_a_traceback(tmp_path):
    # `prempti-hook logs --raw | head -c 1`: the reader goes away while we are still writing
    # (the log is far larger than a pipe buffer).
    log = tmp_path / "log" / "events.jsonl"
    log.parent.mkdir()
    line = '{"time":"2026-11-25T10:00:00.0Z","verdict":"allow","rule":"r","output_fields":{}}\n'
    log.write_text(line * 20000)
    proc = subprocess.run(
        f"{sys.executable} -m prempti_hook logs --raw --tail all | head -c 1 >/dev/null; "
        f"exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", cwd=REPO, capture_output=True, text=True,
        env={"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0


def test_a_crashing_command_is_one_line(monkeypatch, capsys):
    import prempti_hook.commands.status as status

    def boom(word, args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(status, "main", boom)
    assert cli.main(["status"]) == 2
    err = capsys.readouterr().err
    assert err == "prempti-hook: internal error in 'status': RuntimeError: disk on fire\n"


# The help lists every command, option, setting and environment variable -------------------

def _help() -> str:
    return cli.usage()


def _declared_options(module_path: Path) -> set[str]:
    """The options a command module declares to `arguments.parse` (flags, valued, aliases)."""
    found = set()
    for node in ast.walk(ast.parse(module_path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parse":
            for keyword in node.keywords:
                if keyword.arg in ("flags", "valued", "aliases"):
                    found |= {c.value for c in ast.walk(keyword.value)
                              if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


COMMAND_MODULES = sorted((REPO / "prempti_hook" / "commands").glob("*.py"))


@pytest.mark.parametrize("path", COMMAND_MODULES, ids=lambda p: p.stem)
def test_help_lists_every_option_of_every_command(path):
    text = _help()
    options = _declared_options(path)
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])",
                                                          text))
    assert not missing, f"prempti-hook --help does not mention {missing} ({path.name})"


def test_every_command_module_parses_with_the_shared_parser():
    """One argument-parsing approach: each command module's options go through
    `arguments.parse` (a module with a `main` that takes arguments declares them there)."""
    for path in COMMAND_MODULES:
        if path.stem in ("arguments", "help", "__init__"):
            continue
        assert "arguments.parse(" in path.read_text(), path.name


def test_help_lists_every_command_and_the_exit_codes_and_settings():
    from prempti_hook import config
    from prempti_hook.commands import arguments

    text = _help()
    for word in cli.COMMANDS:
        assert re.search(rf"^  {re.escape(word)}( |$)", text, re.M), word
    for code, _ in arguments.EXIT_CODES:
        assert re.search(rf"^  {code} ", text, re.M)
    for key, (env, _, _) in config.SETTINGS.items():
        assert re.search(rf"^  {key}\s+{env};", text, re.M), key
    for key in config.MANAGED_ONLY:
        assert f"  {key} " in text
    assert "--check [FILE|FOLDER...] [--json | --concise]" in text
    assert "--agent NAME" in text and "--system" in text


ENV_LIKE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


def _is_environ(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return text.endswith("environ") or text in ("env", "environ")


def environment_variables_read() -> set[str]:
    """Every environment variable the package reads, found in its source: a literal name
    looked up in an environ (`environ.get("X")`, `environ["X"]`, `"X" in environ`,
    `os.getenv("X")`), a module constant named ENV_* or *_ENV_* holding names, and the
    settings' variables. The code analysis's tables of what *analysed* code reads
    (`event_source/code/`) are not the product's environment."""
    from prempti_hook import config

    names = {env for env, _, _ in config.SETTINGS.values()}
    for path in (REPO / "prempti_hook").rglob("*.py"):
        if "event_source/code/" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            literal = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.args and isinstance(node.args[0], ast.Constant):
                if (node.func.attr in ("get", "pop") and _is_environ(node.func.value)) or \
                        ast.unparse(node.func) == "os.getenv":
                    literal = node.args[0].value
            elif isinstance(node, ast.Subscript) and _is_environ(node.value) and \
                    isinstance(node.slice, ast.Constant):
                literal = node.slice.value
            elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and \
                    any(_is_environ(c) for c in node.comparators):
                literal = node.left.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and \
                    re.search(r"(^|_)ENV(_|$)", node.targets[0].id):
                names |= {c.value for c in ast.walk(node.value)
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)
                          and ENV_LIKE.match(c.value)}
            if isinstance(literal, str) and ENV_LIKE.match(literal):
                names.add(literal)
    return names


def test_help_names_every_environment_variable_the_code_reads():
    read = environment_variables_read()
    # The scan itself must see the variables we know are read in each way.
    assert {"PREMPTI_HOME", "PREMPTI_MODE", "PREMPTI_MANAGED_DIR", "NO_COLOR", "CODEX_HOME", "PATH",
            "CLAUDECODE", "FALCO_HOSTNAME", "PREMPTI_HOOK_TIMEOUT"} <= read
    text = _help()
    missing = sorted(n for n in read if not re.search(rf"(?<![\w$]){n}(?!\w)", text))
    assert not missing, f"prempti-hook --help does not explain {missing}"


# Exit codes: 0 ok, 1 findings, 2 usage or internal error ----------------------------------

BAD_OPTION = [
    ["--check", "--frobnicate"], ["check", "--json=1"], ["test", "--frobnicate"],
    ["test", "--rules"], ["explain", "--frobnicate"], ["explain", "frobnicate", "x"],
    ["replay", "--limit", "x"], ["replay", "extra"], ["mode", "off"], ["mode", "--x"],
    ["config", "nope"], ["config", "mode", "x", "y"], ["logs", "--tail", "x"],
    ["logs", "extra"], ["status", "--json"], ["install", "--bogus"], ["install", "--python"],
    ["uninstall", "--python", "x"], ["hook"], ["hook", "frob"], ["hook", "add", "cursor"],
    ["hook", "status", "codex", "--settings", "x"], ["install", "--system", "--bogus"],
    ["uninstall", "--system", "--user", "x"], ["--check", "--help=x"], ["--agent"],
    ["--agent", "codex", "extra"],
]


@pytest.mark.parametrize("args", BAD_OPTION, ids=" ".join)
def test_a_usage_error_exits_2_with_one_line(args, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / ".prempti"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1, captured.err
    assert re.match(r"prempti-hook[ :]", captured.err) and "Traceback" not in captured.err
    assert "--help" in captured.err  # where to read more
    assert not (tmp_path / ".prempti").exists()  # nothing was done


def test_usage_errors_through_the_installed_zipapp_are_one_line(tmp_path):
    """The real process: exit 2, one line on stderr, nothing on stdout, no traceback."""
    from release import PYTHON

    zipapp = REPO / "dist" / "prempti-hook.pyz"
    if not zipapp.exists():
        pytest.skip("dist/prempti-hook.pyz is built by tests/run")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "SHIV_ROOT": str(tmp_path / "shiv")}
    for args in (["logs", "--frobnicate"], ["--check", "--bogus"], ["nope"], ["mode", "x"]):
        run = subprocess.run([PYTHON, "-I", "-S", str(zipapp), *args], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 2 and run.stdout == "", (args, run)
        assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr, run.stderr


def test_check_exits_1_on_rule_errors_and_2_on_an_internal_error(tmp_path, monkeypatch,
                                                                  capsys):
    from prempti_hook.commands import check

    broken = tmp_path / "broken.yaml"
    broken.write_text("- rule: [unclosed\n")
    assert cli.main(["--check", str(broken)]) == 1
    capsys.readouterr()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(check, "check", boom)
    assert cli.main(["--check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err == "prempti-hook: internal error in '--check': RuntimeError: disk on fire\n"


def test_help_for_one_command(capsys):
    assert cli.main(["help", "logs"]) == 0
    assert capsys.readouterr().out.startswith("usage: prempti-hook logs")
    assert cli.main(["help", "nope"]) == 2
