"""The command dispatcher: help for every command, one-line errors, quiet broken pipes."""

from __future__ import annotations

import subprocess
import sys

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
