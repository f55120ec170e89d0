from __future__ import annotations

import pytest

from prempti_hook import config


def test_defaults_without_file_or_env(tmp_path):
    cfg = config.load({"HOME": str(tmp_path)})
    assert cfg.prempti_home == str(tmp_path / ".prempti")
    assert cfg.mode == "guardrails"
    assert cfg.fail_open is False
    assert cfg.default_action == "none"
    assert cfg.log_max_bytes == 10 * 1024 * 1024
    assert cfg.log_backups == 3
    assert cfg.input_max_bytes == 4 * 1024 * 1024
    assert cfg.rules_override is None
    assert cfg.problems == []
    assert cfg.log_file == str(tmp_path / ".prempti" / "log" / "events.jsonl")


def test_file_then_environment_override(tmp_path):
    home = tmp_path / "p"
    home.mkdir()
    (home / "config.yaml").write_text(
        "# written by prempti-hook\nmode: monitor\nfail_open: yes\nlog_max_bytes: 2048 # small\n"
    )
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_HOME": str(home)})
    assert (cfg.mode, cfg.fail_open, cfg.log_max_bytes) == ("monitor", True, 2048)
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_HOME": str(home),
                       "PREMPTI_MODE": "guardrails", "PREMPTI_FAIL_OPEN": "0"})
    assert (cfg.mode, cfg.fail_open) == ("guardrails", False)


def test_bad_values_keep_safe_defaults_and_are_reported(tmp_path):
    (tmp_path / "config.yaml").write_text("mode: off\nlog_backups: -1\nwhat: ever\nnonsense\n")
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path),
                       "PREMPTI_INPUT_MAX_BYTES": "lots"})
    assert cfg.mode == "guardrails"
    assert cfg.log_backups == 3
    assert cfg.input_max_bytes == 4 * 1024 * 1024
    assert len(cfg.problems) == 5
    assert any("config.yaml:1" in p and "mode must be one of" in p for p in cfg.problems)
    assert any("PREMPTI_INPUT_MAX_BYTES" in p for p in cfg.problems)


def test_rules_override_splits_on_colons(tmp_path):
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_RULES": "/a.yaml::/b"})
    assert cfg.rules_override == ["/a.yaml", "/b"]


def test_home_unset_falls_back_to_password_database():
    import os
    import pwd

    cfg = config.load({})
    assert cfg.user_home == pwd.getpwuid(os.getuid()).pw_dir


@pytest.mark.parametrize("raw,value", [("true", True), ("Off", False), ('"yes"', True)])
def test_bool_spellings(raw, value):
    assert config.parse_value("fail_open", raw) is value


@pytest.mark.parametrize("written,meant", [("none", "none"), ("allow", "allow"),
                                           ("defer", "none")])
def test_default_action_values_and_the_old_name(tmp_path, written, meant):
    (tmp_path / "config.yaml").write_text(f"default_action: {written}\n")
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_HOME": str(tmp_path)})
    assert (cfg.default_action, cfg.problems) == (meant, [])


def test_every_setting_is_an_explicit_attribute_of_config():
    """Settings are properties that readers and tools can find, not served by __getattr__."""
    assert "__getattr__" not in vars(config.Config)
    cfg = config.load({"HOME": "/nonexistent-home", "PREMPTI_MODE": "monitor",
                       "PREMPTI_LOG_BACKUPS": "7", "PREMPTI_MANAGED_DIR": "/nonexistent"})
    for key in config.SETTINGS:
        assert isinstance(vars(config.Config).get(key), property), key
        assert getattr(cfg, key) == cfg.settings[key]
    assert (cfg.mode, cfg.log_backups) == ("monitor", 7)
    with pytest.raises(AttributeError):
        cfg.no_such_setting  # noqa: B018
