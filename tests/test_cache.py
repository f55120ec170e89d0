"""The rule cache, with the compiler replaced by a counter so each test sees exactly when
a rebuild happens. The real compiler is exercised end to end in tests/test_hook*.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from prempti_hook import cache, config

REAL_COMPILE_RULES = cache.compile_rules


class FakeRuleset:
    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other) -> bool:
        return isinstance(other, FakeRuleset) and other.text == self.text

    def match(self, event) -> list:
        return []


@pytest.fixture
def env(tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text("good 1")
    compiled = []

    def fake_compile(files):
        texts = [Path(f).read_text() for f in files]
        compiled.append(texts)
        if any("broken" in t for t in texts):
            return None, f"{files[0]}:1:1: error: LOAD_ERR_YAML_PARSE: broken"
        return FakeRuleset("|".join(texts)), None

    monkeypatch.setattr(cache, "compile_rules", fake_compile)
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_RULES": str(rules)})
    return cfg, rules, compiled


def bump(path, text):
    """Rewrite a file and make sure its mtime changes even on coarse clocks."""
    st = os.stat(path) if os.path.exists(path) else None
    path.write_text(text)
    if st is not None:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_fresh_cache_is_used_without_compiling(env):
    cfg, _, compiled = env
    first = cache.load(cfg)
    assert (first.ruleset, first.from_cache, first.notices) == (FakeRuleset("good 1"), False, [])
    second = cache.load(cfg)
    assert (second.ruleset, second.from_cache) == (FakeRuleset("good 1"), True)
    assert len(compiled) == 1
    mode = stat.S_IMODE(os.stat(cfg.cache_dir).st_mode)
    assert mode == 0o700
    for name in os.listdir(cfg.cache_dir):
        assert stat.S_IMODE(os.stat(os.path.join(cfg.cache_dir, name)).st_mode) == 0o600


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename"])
def test_any_rules_change_rebuilds(env, change):
    cfg, rules, compiled = env
    (rules / "b.yaml").write_text("good 2")
    cache.load(cfg)
    if change == "edit":
        bump(rules / "b.yaml", "good 3")
        expected = "good 1|good 3"
    elif change == "add":
        (rules / "c.yaml").write_text("good 4")
        expected = "good 1|good 2|good 4"
    elif change == "remove":
        (rules / "b.yaml").unlink()
        expected = "good 1"
    else:
        (rules / "b.yaml").rename(rules / "0.yaml")
        expected = "good 2|good 1"
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset(expected)
    assert len(compiled) == 2


def test_engine_change_rebuilds(env, monkeypatch):
    cfg, _, compiled = env
    cache.load(cfg)
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.load(cfg).from_cache is False
    assert len(compiled) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign", "empty"])
def test_damaged_cache_is_discarded_and_rebuilt(env, damage):
    cfg, _, compiled = env
    cache.load(cfg)
    path = os.path.join(cfg.cache_dir, cache.RULESET_FILE)
    data = Path(path).read_bytes()
    header = data[:data.index(b"\n", len(cache.MAGIC)) + 1]
    new = {"truncate": data[:len(data) - 10], "garbage": header + b"\x80\x04garbage",
           "foreign": b"prempti-hook cache 0\n" + data[len(cache.MAGIC):], "empty": b""}[damage]
    with open(path, "wb") as f:
        f.write(new)
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1")
    assert loaded.from_cache is False
    assert len(compiled) == 2
    assert cache.load(cfg).from_cache is True


def test_broken_edit_keeps_last_good_and_does_not_recompile_each_call(env):
    cfg, rules, compiled = env
    cache.load(cfg)
    bump(rules / "a.yaml", "broken now")
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1")
    assert len(loaded.notices) == 1
    assert "do not compile" in loaded.notices[0] and "--check" in loaded.notices[0]
    assert "broken" in loaded.notices[0]
    again = cache.load(cfg)
    assert again.ruleset == FakeRuleset("good 1") and again.notices == loaded.notices
    assert len(compiled) == 2  # the failure is remembered for this fingerprint
    bump(rules / "a.yaml", "good again")
    assert cache.load(cfg).ruleset == FakeRuleset("good again")
    assert cache.describe(cfg)["state"] == "fresh"


def test_broken_rules_without_any_good_ruleset(env):
    cfg, rules, _ = env
    (rules / "a.yaml").write_text("broken from the start")
    with pytest.raises(cache.RulesUnavailable, match="prempti-hook --check"):
        cache.load(cfg)
    assert cache.describe(cfg)["state"] == "broken-rules"


def test_group_writable_cache_folder_is_not_trusted(env):
    cfg, _, _ = env
    cache.load(cfg)
    os.chmod(cfg.cache_dir, 0o777)
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1") and loaded.from_cache is False
    assert "writable by group or others" in loaded.notices[0]
    assert "chmod go-w" in loaded.notices[0]
    assert cache.describe(cfg)["state"] == "untrusted"


@pytest.mark.parametrize("problem", ["world-writable", "other-owner", "symlink"])
def test_untrusted_cache_file_is_replaced(env, tmp_path, problem):
    cfg, _, compiled = env
    cache.load(cfg)
    path = os.path.join(cfg.cache_dir, cache.RULESET_FILE)
    if problem == "world-writable":
        os.chmod(path, 0o666)
    elif problem == "other-owner":
        if os.geteuid() != 0:
            pytest.skip("chown to another user needs root (CI runs as root)")
        os.chown(path, 65534, 65534)
    else:
        target = tmp_path / "elsewhere.pickle"
        target.write_bytes(Path(path).read_bytes())
        os.unlink(path)
        os.symlink(target, path)
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1")
    assert loaded.from_cache is False and len(compiled) == 2
    assert loaded.notices and "cache file" in loaded.notices[0]
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
    assert cache.load(cfg).from_cache is True


def test_cache_folder_that_is_a_file(env):
    cfg, _, _ = env
    os.makedirs(os.path.dirname(cfg.cache_dir), exist_ok=True)
    with open(cfg.cache_dir, "w") as f:
        f.write("not a folder")
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1")
    assert "not usable" in loaded.notices[0] or "not a folder" in loaded.notices[0]


def test_unwritable_cache_is_reported_but_the_ruleset_is_used(env):
    cfg, _, _ = env
    os.makedirs(os.path.join(cfg.cache_dir, cache.RULESET_FILE))  # a folder in the way
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1")
    assert any("could not write the rule cache" in n for n in loaded.notices)


def test_a_well_formed_pickle_of_something_else_is_rebuilt(env):
    import pickle

    cfg, _, compiled = env
    cache.load(cfg)
    assert len(compiled) == 1
    path = Path(cfg.cache_dir, cache.RULESET_FILE)
    data = path.read_bytes()
    header = data[:data.index(b"\n", len(cache.MAGIC)) + 1]
    path.write_bytes(header + pickle.dumps({"not": "a ruleset"}))
    loaded = cache.load(cfg)
    assert loaded.ruleset == FakeRuleset("good 1") and loaded.from_cache is False
    assert len(compiled) == 2


def test_no_rules_files_at_all_is_a_failure_not_an_empty_policy():
    # The real compiler (the env fixture replaces it): zero files is an error, so the hook
    # keeps the last good rules or denies, instead of silently enforcing nothing.
    assert REAL_COMPILE_RULES([]) == (None, "no rules files found (nothing would be enforced)")


def test_a_fifo_in_place_of_the_cache_does_not_hang(env):
    cfg, _, _ = env
    os.makedirs(cfg.cache_dir, mode=0o700)
    os.mkfifo(os.path.join(cfg.cache_dir, cache.RULESET_FILE), 0o600)
    loaded = cache.load(cfg)  # would block forever on open() without O_NONBLOCK
    assert loaded.ruleset == FakeRuleset("good 1")
    assert any("not a regular file" in n for n in loaded.notices)
