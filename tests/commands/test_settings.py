"""`prempti-hook config`/`mode` change config.yaml under a lock, so two at once lose nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from prempti_hook import config
from prempti_hook.commands import mode, settings

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)   # what filelock takes on Unix
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def home(tmp_path, monkeypatch, a_person):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PREMPTI_HOME", str(tmp_path / "p"))
    monkeypatch.delenv("PREMPTI_MODE", raising=False)
    (tmp_path / "p").mkdir(mode=0o700)
    return tmp_path / "p"


def test_a_change_waits_for_the_lock_and_gives_up_changing_nothing(home, monkeypatch, capsys):
    monkeypatch.setattr(settings, "LOCK_SECONDS", 0.5)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(home / "config.yaml.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert mode.main("mode", ["monitor"]) == 1
        assert "stayed locked" in capsys.readouterr().err
        assert config.load().mode == "guardrails"
    finally:
        holder.communicate("")
    assert mode.main("mode", ["monitor"]) == 0 and config.load().mode == "monitor"


def test_concurrent_changes_of_different_settings_all_land(home):
    # Twenty processes at once, each setting a larger log_backups or another key: every
    # line that was set is in the file at the end (without the lock, writes overwrite).
    code = ("import sys; from prempti_hook.commands import settings, mode\n"
            "from prempti_hook import person\n"
            "person.refusal = lambda action, environ=None: None\n"
            "key, value = sys.argv[1], sys.argv[2]\n"
            "raise SystemExit(settings.main('config', [key, value]))\n")
    pairs = [("log_backups", "7"), ("log_max_bytes", "20000000"), ("default_action", "none")]
    procs = [subprocess.Popen([sys.executable, "-c", code, *pairs[n % 3]], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for n in range(12)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    values, _ = config.read_config_file(str(home / "config.yaml"))
    assert {k: values[k][0].strip() for k, _ in pairs if k in values} == dict(pairs), values
