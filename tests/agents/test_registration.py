"""Registering the hook with Codex, Gemini and Copilot: what goes in their files, putting the
files back byte for byte, and `check` saying when a registered hook would not fire. (That
each registration really fires, and each "would not fire" really does not, is proven with
the real CLIs in tests/e2e/{codex,gemini,copilot}/.)"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from prempti_hook import config, registration
from prempti_hook.claude_settings import SettingsError
from prempti_hook.commands import install
from prempti_hook.registration import codex, gemini

PYTHON = os.path.realpath(sys.executable)


@pytest.fixture
def env(tmp_path, monkeypatch, a_person) -> dict:
    home = tmp_path / "home"
    prempti = home / ".prempti"
    (prempti / "bin").mkdir(parents=True)
    (prempti / "bin" / "prempti-hook").write_bytes(b"zipapp")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PREMPTI_HOME", str(prempti))
    for name in ("CODEX_HOME", "GEMINI_CLI_HOME", "COPILOT_HOME",
                 "GEMINI_CLI_SYSTEM_SETTINGS_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_CLI_SYSTEM_SETTINGS_PATH", str(tmp_path / "system.json"))
    return {"home": home, "prempti": prempti, "zipapp": str(prempti / "bin" / "prempti-hook")}


def cfg():
    return config.load()


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# Codex ------------------------------------------------------------------------------------

def test_codex_trust_hash_matches_what_codex_checks():
    # Both handlers were trusted this way and fired with the real codex-cli 0.169.0.
    command = "/root/.pyenv/versions/3.11.7/bin/python3.11 /tmp/agx/loghook.py"
    hook = {"type": "command", "command": command, "timeout": 30}
    assert codex.trust_hash("*", hook) == \
        "sha256:b878cc59e6a39e56845ba6ce9f5ebf2f244abb8a3c42f76b2e7c22feb4a22f1c"
    assert codex.trust_hash(None, hook) == \
        "sha256:da81495135b8479baaf5b2eaaba705219cb838ae26871adbe008e670aa805fe6"


USER_HOOKS = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
    {"type": "command", "command": "/usr/local/bin/my-check", "timeout": 5}]}]}}
USER_CONFIG = ('model = "gpt-5.5"\n\n[hooks.state."HOOKS:pre_tool_use:0:0"]\nenabled = true\n'
               'trusted_hash = "sha256:mine"\n\n[features]\nfoo = 1')


def codex_files(env) -> tuple[Path, Path]:
    folder = env["home"] / ".codex"
    return folder / "hooks.json", folder / "config.toml"


def write_user_codex(env) -> tuple[bytes, bytes]:
    hooks, config_toml = codex_files(env)
    hooks.parent.mkdir()
    hooks.write_text(json.dumps(USER_HOOKS, indent=4))
    config_toml.write_text(USER_CONFIG.replace("HOOKS", str(hooks)))
    return hooks.read_bytes(), config_toml.read_bytes()


def test_codex_registration_keeps_the_users_hooks_and_trust_and_comes_out_byte_for_byte(env):
    before = write_user_codex(env)
    registration.register(cfg(), "codex", PYTHON)
    hooks, config_toml = codex_files(env)
    groups = json.loads(hooks.read_text())["hooks"]["PreToolUse"]
    assert groups[0] == USER_HOOKS["hooks"]["PreToolUse"][0]  # the user's, same position
    assert groups[1]["matcher"] == "*" and groups[1]["hooks"][0]["timeout"] == 30
    command = groups[1]["hooks"][0]["command"]
    assert command.endswith(registration.BLOCK_ON_FAILURE) and "--agent codex" in command
    text = config_toml.read_text()
    assert text.startswith(USER_CONFIG.replace("HOOKS", str(hooks)))
    assert f'[hooks.state."{hooks}:pre_tool_use:1:0"]' in text
    assert codex.trust_hash("*", groups[1]["hooks"][0]) in text
    assert registration.check(cfg(), "codex", PYTHON).problems == []
    assert registration.register(cfg(), "codex", PYTHON)[0].startswith("already registered")
    registration.unregister(cfg(), "codex")
    assert (hooks.read_bytes(), config_toml.read_bytes()) == before


def test_codex_files_it_created_go_and_so_do_their_folders(env):
    registration.register(cfg(), "codex", PYTHON)
    assert (env["home"] / ".codex" / "config.toml").exists()
    registration.unregister(cfg(), "codex")
    assert not (env["home"] / ".codex").exists()
    assert not (env["prempti"] / "install").exists()


def test_codex_after_user_edits_only_the_registration_goes(env):
    write_user_codex(env)
    registration.register(cfg(), "codex", PYTHON)
    hooks, config_toml = codex_files(env)
    config_toml.write_text(config_toml.read_text() + '\n[profiles.x]\nmodel = "o3"\n')
    registration.unregister(cfg(), "codex")
    text = config_toml.read_text()
    assert "prempti-hook" not in text and "pre_tool_use:1:0" not in text
    assert '[profiles.x]\nmodel = "o3"' in text and 'trusted_hash = "sha256:mine"' in text
    assert json.loads(hooks.read_text()) == USER_HOOKS
    backups = list(config_toml.parent.glob("config.toml.prempti-backup-*"))
    assert len(backups) == 1  # what the user had just before, kept next to the file


def test_codex_stale_trust_for_the_same_position_is_replaced_not_duplicated(env):
    hooks, config_toml = codex_files(env)
    hooks.parent.mkdir()
    config_toml.write_text(f'[hooks.state."{hooks}:pre_tool_use:0:0"]\nenabled = false\n'
                           'trusted_hash = "sha256:old"\n')
    registration.register(cfg(), "codex", PYTHON)
    text = config_toml.read_text()
    assert text.count(f'[hooks.state."{hooks}:pre_tool_use:0:0"]') == 1
    assert "sha256:old" not in text and registration.check(cfg(), "codex").problems == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="validation needs tomllib (3.11+)")
def test_codex_refuses_to_write_toml_codex_could_not_read(env):
    hooks, config_toml = codex_files(env)
    hooks.parent.mkdir()
    config_toml.write_text('model = "unterminated\n')
    with pytest.raises(SettingsError, match="invalid TOML"):
        registration.register(cfg(), "codex", PYTHON)
    assert config_toml.read_text() == 'model = "unterminated\n' and not hooks.exists()


def test_codex_home_given_is_trusted_by_its_real_path(env, tmp_path, monkeypatch):
    real = tmp_path / "real-codex"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "link"))
    registration.register(cfg(), "codex", PYTHON)
    assert f'[hooks.state."{real}/hooks.json:pre_tool_use:0:0"]' in \
        (real / "config.toml").read_text()
    monkeypatch.delenv("CODEX_HOME")
    assert codex.locate({"HOME": "/h"}).extra["key_dir"] == "/h/.codex"  # not resolved


@pytest.mark.parametrize("change, problem", [
    (lambda h, c: c.write_text(c.read_text().split("# prempti-hook: begin")[0]),
     "NOT FIRING: the hook is not trusted"),
    (lambda h, c: h.write_text(h.read_text().replace('"timeout": 30', '"timeout": 29')),
     "NOT FIRING: the trust hash is stale"),
    (lambda h, c: c.write_text(c.read_text().replace("enabled = true", "enabled = false")),
     "NOT FIRING: the hook is disabled"),
    (lambda h, c: c.write_text(c.read_text() + "\n[features]\nhooks = false\n"),
     "NOT FIRING: features.hooks = false"),
    (lambda h, c: c.write_text("features.codex_hooks = false\n" + c.read_text()),
     "NOT FIRING: features.codex_hooks = false"),
    (lambda h, c: h.write_text(h.read_text().replace('"matcher": "*"', '"matcher": "Bash"')),
     "matcher is 'Bash'"),
])
def test_codex_status_says_why_it_would_not_fire(env, change, problem):
    registration.register(cfg(), "codex", PYTHON)
    change(*codex_files(env))
    problems = registration.check(cfg(), "codex").problems
    assert any(p.startswith(problem) for p in problems), problems


def test_codex_moved_entry_is_stale_until_added_again(env):
    registration.register(cfg(), "codex", PYTHON)
    hooks, _ = codex_files(env)
    data = json.loads(hooks.read_text())
    data["hooks"]["PreToolUse"].insert(0, USER_HOOKS["hooks"]["PreToolUse"][0])
    hooks.write_text(json.dumps(data))
    assert any("not trusted" in p for p in registration.check(cfg(), "codex").problems)
    registration.register(cfg(), "codex", PYTHON)
    assert registration.check(cfg(), "codex").problems == []


# Gemini -----------------------------------------------------------------------------------

def test_gemini_registration_comes_out_byte_for_byte(env):
    settings = env["home"] / ".gemini" / "settings.json"
    settings.parent.mkdir()
    original = ('{\n    "theme": "dark",\n    "hooks": {"BeforeTool": [{"matcher": '
                '"write_file", "hooks": [{"type": "command", "command": "x"}]}]}\n}')
    settings.write_text(original)
    registration.register(cfg(), "gemini", PYTHON)
    data = json.loads(settings.read_text())
    ours = data["hooks"]["BeforeTool"][1]
    assert ours["matcher"] == ".*" and ours["hooks"][0]["timeout"] == 30000
    assert ours["hooks"][0]["name"] == "prempti-hook" and data["theme"] == "dark"
    assert registration.check(cfg(), "gemini", PYTHON).problems == []
    registration.unregister(cfg(), "gemini")
    assert settings.read_text() == original


@pytest.mark.parametrize("settings, where, problem", [
    ({"hooksConfig": {"enabled": False}}, "user", "NOT FIRING: hooksConfig.enabled is false"),
    ({"hooksConfig": {"disabled": ["prempti-hook"]}}, "user",
     'NOT FIRING: hooksConfig.disabled lists "prempti-hook"'),
    ({"hooksConfig": {"enabled": False}}, "system", "NOT FIRING: hooksConfig.enabled is false"),
])
def test_gemini_status_says_why_it_would_not_fire(env, tmp_path, settings, where, problem):
    registration.register(cfg(), "gemini", PYTHON)
    path = env["home"] / ".gemini" / "settings.json" if where == "user" \
        else tmp_path / "system.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(dict(data, **settings)))
    problems = registration.check(cfg(), "gemini").problems
    assert any(p.startswith(problem) for p in problems), problems


def test_gemini_refuses_a_path_it_would_expand(env):
    with pytest.raises(SettingsError, match="expands"):
        gemini.command("/opt/$HOME/python3", "/p")


def test_gemini_settings_with_comments_are_refused_untouched(env):
    settings = env["home"] / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // my theme\n  "theme": "dark"\n}\n')
    with pytest.raises(SettingsError, match="not valid JSON"):
        registration.register(cfg(), "gemini", PYTHON)
    assert settings.read_text() == '{\n  // my theme\n  "theme": "dark"\n}\n'


# Copilot ----------------------------------------------------------------------------------

def test_copilot_hook_file_is_ours_alone(env):
    before = tree(env["home"])
    registration.register(cfg(), "copilot", PYTHON)
    path = env["home"] / ".copilot" / "hooks" / "prempti-hook.json"
    data = json.loads(path.read_text())
    (entry,) = data["hooks"]["preToolUse"]
    assert data["version"] == 1 and entry["timeoutSec"] == 30
    assert entry["bash"].endswith("--agent copilot")  # Copilot blocks on exit != 0 itself
    assert registration.check(cfg(), "copilot", PYTHON).problems == []
    registration.unregister(cfg(), "copilot")
    assert not (env["home"] / ".copilot").exists()
    assert {k: v for k, v in tree(env["home"]).items() if not k.startswith(".prempti")} == \
        {k: v for k, v in before.items() if not k.startswith(".prempti")}


@pytest.mark.parametrize("content, problem", [
    (lambda text: text.replace('"version": 1', '"version": 2'), 'NOT FIRING: "version" is 2'),
    (lambda text: text[:-5], "NOT FIRING: "),
    (lambda text: text.replace('"timeoutSec": 30', '"timeoutSec": 90'), "no timeoutSec"),
])
def test_copilot_status_says_why_it_would_not_fire(env, content, problem):
    registration.register(cfg(), "copilot", PYTHON)
    path = env["home"] / ".copilot" / "hooks" / "prempti-hook.json"
    path.write_text(content(path.read_text()))
    report = registration.check(cfg(), "copilot")
    assert report.where is not None
    assert any(p.startswith(problem) for p in report.problems), report.problems


# Common ----------------------------------------------------------------------------------

@pytest.mark.parametrize("agent", registration.AGENTS)
def test_nothing_is_written_without_the_zipapp_or_the_interpreter(env, agent):
    with pytest.raises(SettingsError, match="interpreter"):
        registration.register(cfg(), agent, "/nonexistent/python3")
    os.unlink(env["zipapp"])
    with pytest.raises(SettingsError, match="does not exist"):
        registration.register(cfg(), agent, PYTHON)
    assert sorted(p.name for p in env["home"].iterdir()) == [".prempti"]


@pytest.mark.parametrize("agent", registration.AGENTS)
def test_the_hook_command_words(env, agent, capsys):
    assert install.main("hook", ["status", agent]) == 1  # not registered
    assert install.main("hook", ["add", agent, "--python", PYTHON]) == 0
    assert install.main("hook", ["status", agent]) == 0
    capsys.readouterr()
    assert install.main("hook", ["command", agent]) == 0
    command = capsys.readouterr().out.strip()
    assert f"{env['zipapp']} --agent {agent}" in command
    assert install.main("uninstall", []) == 0  # every agent
    assert registration.registered_agents(cfg()) == []
    assert install.main("hook", ["add", "cursor"]) == 2
    assert install.main("hook", ["add", agent, "--settings", "x"]) == 2
