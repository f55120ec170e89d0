"""The rule cache, with real (tiny) rules and the compiler wrapped by a counter so each test
sees exactly when a rebuild happens. The hook end to end is in tests/e2e."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prempti_hook import cache, config, integrity, rebuild

REAL_COMPILE_RULES = rebuild.compile_rules
BASH = {"tool.name": "Bash"}


def rules_text(label: str) -> str:
    """A rules file whose one rule, named `label`, matches every Bash call ("broken" in the
    label: a file that does not load)."""
    if "broken" in label:
        return f"- rule: {label}\n  condition: [unclosed\n"
    return (f"- rule: {label}\n  desc: d\n  condition: tool.name = Bash\n"
            f"  output: \"{label} saw %tool.name\"\n  priority: WARNING\n"
            f"  source: coding_agent\n  tags: [coding_agent_deny]\n")


def names(loaded: cache.Loaded) -> list[str]:
    return [rule.name for rule in loaded.ruleset.match(BASH)]


@pytest.fixture
def env(tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(rules_text("good 1"))
    compiled = []

    def counting_compile(files, managed=()):
        compiled.append(list(files))
        return REAL_COMPILE_RULES(files, managed)

    monkeypatch.setattr(rebuild, "compile_rules", counting_compile)
    cfg = config.load({"HOME": str(tmp_path), "PREMPTI_RULES": str(rules)})
    return cfg, rules, compiled


def bump(path, label):
    """Rewrite a rules file and make sure its mtime changes even on coarse clocks."""
    st = os.stat(path) if os.path.exists(path) else None
    path.write_text(rules_text(label))
    if st is not None:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def cache_file(cfg) -> Path:
    return Path(cfg.cache_dir, cache.RULESET_FILE)


def test_fresh_cache_is_used_without_compiling(env):
    cfg, _, compiled = env
    first = cache.load(cfg)
    assert (names(first), first.from_cache, first.notices) == (["good 1"], False, [])
    second = cache.load(cfg)
    assert (names(second), second.from_cache, second.notices) == (["good 1"], True, [])
    assert len(compiled) == 1
    mode = stat.S_IMODE(os.stat(cfg.cache_dir).st_mode)
    assert mode == 0o700
    for name in os.listdir(cfg.cache_dir):
        if not name.endswith(integrity.RECORD_SUFFIX):
            assert stat.S_IMODE(os.stat(os.path.join(cfg.cache_dir, name)).st_mode) == 0o600


def test_the_output_format_is_read_only_for_the_rule_that_decides(env):
    cfg, _, _ = env
    cache.load(cfg)
    ruleset = cache.load(cfg).ruleset
    rule = ruleset.match(BASH)[0]
    assert ruleset._outputs == {}  # not read yet
    assert rule.output.render(BASH) == "good 1 saw Bash"
    assert len(ruleset._outputs) == 1


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename"])
def test_any_rules_change_rebuilds(env, change):
    cfg, rules, compiled = env
    (rules / "b.yaml").write_text(rules_text("good 2"))
    cache.load(cfg)
    if change == "edit":
        bump(rules / "b.yaml", "good 3")
        expected = ["good 1", "good 3"]
    elif change == "add":
        (rules / "c.yaml").write_text(rules_text("good 4"))
        expected = ["good 1", "good 2", "good 4"]
    elif change == "remove":
        (rules / "b.yaml").unlink()
        expected = ["good 1"]
    else:
        (rules / "b.yaml").rename(rules / "0.yaml")
        expected = ["good 2", "good 1"]
    loaded = cache.load(cfg)
    assert names(loaded) == expected
    assert len(compiled) == 2


def test_engine_change_rebuilds(env, monkeypatch):
    cfg, _, compiled = env
    cache.load(cfg)
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.load(cfg).from_cache is False
    assert len(compiled) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign", "empty", "bad-index"])
def test_damaged_cache_is_discarded_and_rebuilt(env, damage):
    cfg, _, compiled = env
    cache.load(cfg)
    path = cache_file(cfg)
    data = path.read_bytes()
    header = data[:data.index(b"\n", len(cache.MAGIC)) + 1]
    new = {"truncate": data[:len(header) + 30], "garbage": header + b"\x80\x04garbage",
           "foreign": b"prempti-hook cache 0\n" + data[len(cache.MAGIC):], "empty": b"",
           "bad-index": header + data[len(header):len(header) + 12] + b"\xff" * 64}[damage]
    path.write_bytes(new)
    integrity.write_record(str(path))  # as if we had written it: the content is what counts
    loaded = cache.load(cfg)
    assert names(loaded) == ["good 1"]
    assert loaded.from_cache is False
    assert len(compiled) == 2
    assert cache.load(cfg).from_cache is True


def test_a_cache_changed_since_it_was_written_is_not_used(env):
    """Same bytes written again (as through a hard link since removed): the identity no
    longer matches the record, so the file is rebuilt, never read, and the user is told."""
    cfg, _, compiled = env
    cache.load(cfg)
    path = cache_file(cfg)
    data = path.read_bytes()
    time.sleep(0.01)
    with open(path, "r+b") as f:
        f.write(data)
    loaded = cache.load(cfg)
    assert loaded.from_cache is False and len(compiled) == 2
    assert any("was changed since prempti-hook wrote it" in n for n in loaded.notices)
    assert cache.load(cfg).from_cache is True
    # A cache without its record (0.1.0 wrote none) is rebuilt silently.
    os.unlink(f"{path}{integrity.RECORD_SUFFIX}")
    loaded = cache.load(cfg)
    assert (loaded.from_cache, loaded.notices) == (False, [])


def test_a_hard_link_to_the_cache_fails_closed_and_says_how_to_fix_it(env, tmp_path):
    cfg, _, _ = env
    cache.load(cfg)
    os.link(cache_file(cfg), tmp_path / "notes.txt")
    with pytest.raises(cache.RulesUnavailable) as failure:
        cache.load(cfg)
    assert "2 names (hard links)" in str(failure.value)
    assert f"delete {cache_file(cfg)}" in str(failure.value)
    assert f"find / -xdev -samefile {cache_file(cfg)}" in str(failure.value)
    (tmp_path / "notes.txt").unlink()
    assert names(cache.load(cfg)) == ["good 1"]


def test_a_hard_link_to_a_rules_file_fails_closed(env, tmp_path):
    cfg, rules, _ = env
    cache.load(cfg)
    os.link(rules / "a.yaml", tmp_path / "copy.yaml")
    with pytest.raises(cache.RulesUnavailable, match=r"rules file .*a\.yaml has 2 names"):
        cache.load(cfg)


def test_broken_edit_keeps_last_good_and_does_not_recompile_each_call(env):
    cfg, rules, compiled = env
    cache.load(cfg)
    bump(rules / "a.yaml", "broken now")
    loaded = cache.load(cfg)
    assert names(loaded) == ["good 1"]
    assert len(loaded.notices) == 1
    assert "do not compile" in loaded.notices[0] and "--check" in loaded.notices[0]
    again = cache.load(cfg)
    assert names(again) == ["good 1"] and again.notices == loaded.notices
    assert len(compiled) == 2  # the failure is remembered for this fingerprint
    bump(rules / "a.yaml", "good again")
    assert names(cache.load(cfg)) == ["good again"]
    assert rebuild.describe(cfg)["state"] == "fresh"


def test_broken_rules_without_any_good_ruleset(env):
    cfg, rules, _ = env
    (rules / "a.yaml").write_text(rules_text("broken from the start"))
    with pytest.raises(cache.RulesUnavailable, match="prempti-hook --check"):
        cache.load(cfg)
    assert rebuild.describe(cfg)["state"] == "broken-rules"


def test_group_writable_cache_folder_is_not_trusted(env):
    cfg, _, _ = env
    cache.load(cfg)
    os.chmod(cfg.cache_dir, 0o777)
    loaded = cache.load(cfg)
    assert names(loaded) == ["good 1"] and loaded.from_cache is False
    assert "writable by group or others" in loaded.notices[0]
    assert "chmod go-w" in loaded.notices[0]
    assert rebuild.describe(cfg)["state"] == "untrusted"


@pytest.mark.parametrize("problem", ["world-writable", "other-owner", "symlink"])
def test_untrusted_cache_file_is_replaced(env, tmp_path, problem):
    cfg, _, compiled = env
    cache.load(cfg)
    path = cache_file(cfg)
    if problem == "world-writable":
        os.chmod(path, 0o666)
    elif problem == "other-owner":
        if os.geteuid() != 0:
            pytest.skip("chown to another user needs root (CI runs as root)")
        os.chown(path, 65534, 65534)
    else:
        target = tmp_path / "elsewhere.cache"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    loaded = cache.load(cfg)
    assert names(loaded) == ["good 1"]
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
    assert names(loaded) == ["good 1"]
    assert "not usable" in loaded.notices[0] or "not a folder" in loaded.notices[0]


def test_unwritable_cache_is_reported_but_the_ruleset_is_used(env):
    cfg, _, _ = env
    os.makedirs(cache_file(cfg))  # a folder in the way
    loaded = cache.load(cfg)
    assert names(loaded) == ["good 1"]
    assert any("could not write the rule cache" in n for n in loaded.notices)


def test_the_cache_of_an_earlier_version_is_removed_when_rebuilt(env):
    cfg, _, _ = env
    os.makedirs(cfg.cache_dir, mode=0o700)
    for name in cache.FORMER_FILES:
        Path(cfg.cache_dir, name).write_bytes(b"an old pickle")
    cache.load(cfg)
    assert not [n for n in cache.FORMER_FILES if os.path.exists(os.path.join(cfg.cache_dir, n))]


def test_no_rules_files_at_all_is_a_failure_not_an_empty_policy():
    # Zero files is an error, so the hook keeps the last good rules or denies, instead of
    # silently enforcing nothing.
    assert REAL_COMPILE_RULES([]) == (None, "no rules files found (nothing would be enforced)")


def test_a_fifo_in_place_of_the_cache_does_not_hang(env):
    cfg, _, _ = env
    os.makedirs(cfg.cache_dir, mode=0o700)
    os.mkfifo(cache_file(cfg), 0o600)
    loaded = cache.load(cfg)  # would block forever on open() without O_NONBLOCK
    assert names(loaded) == ["good 1"]
    assert any("not a regular file" in n for n in loaded.notices)


# The rebuild lock and the call's deadline ----------------------------------------------------

def _hold_lock(cfg, pid_text: bytes = b""):
    os.makedirs(cfg.cache_dir, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(cfg.cache_dir, cache.LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.pwrite(fd, pid_text, 0)
    return fd


def test_a_lock_held_by_an_idle_process_costs_the_call_its_deadline_only(env):
    cfg, rules, compiled = env
    cache.load(cfg)
    bump(rules / "a.yaml", "good 2")  # stale: the next call must rebuild
    fd = _hold_lock(cfg, b"999999999\n")  # no such process
    try:
        started = time.monotonic()
        loaded = cache.load(cfg, deadline=started + 0.3)
        elapsed = time.monotonic() - started
    finally:
        os.close(fd)
    assert 0.3 <= elapsed < 1.5
    assert names(loaded) == ["good 1"]  # the last rules that compiled, and the user is told
    assert "held by another process" in loaded.notices[0]
    assert "last rules that compiled" in loaded.notices[0]
    assert len(compiled) == 1
    assert names(cache.load(cfg)) == ["good 2"]  # released: rebuilt as usual


def test_without_a_last_good_ruleset_a_timed_out_call_compiles_for_itself(env):
    cfg, _, _ = env
    fd = _hold_lock(cfg)
    try:
        loaded = cache.load(cfg, deadline=time.monotonic() + 0.1)
    finally:
        os.close(fd)
    assert names(loaded) == ["good 1"] and loaded.from_cache is False
    assert "compiled the rules for itself" in loaded.notices[0]
    assert not cache_file(cfg).exists()  # nothing written without the lock


@pytest.mark.parametrize("emptied", [False, True])
def test_a_holder_that_is_working_is_waited_for_past_the_deadline(env, emptied, monkeypatch):
    """A compile under heavy load can hold the lock longer than a call's deadline: a live
    holder using CPU is waited for (up to LOCK_WAIT_SECONDS), then its result is used.
    Also when the lock file is emptied while it works (older filelock versions, as a waiting
    command uses them, open it with O_TRUNC at each try)."""
    cfg, _, compiled = env
    os.makedirs(cfg.cache_dir, mode=0o700, exist_ok=True)
    lock = os.path.join(cfg.cache_dir, cache.LOCK_FILE)
    busy = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({lock!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.ftruncate(fd, 0); os.pwrite(fd, b'%d\\n' % os.getpid(), 0)\n"
        "print('held', flush=True)\n"
        "end = time.monotonic() + 1.2\n"
        "while time.monotonic() < end: pass\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert busy.stdout.readline() == "held\n"
        started = time.monotonic()
        if emptied:
            real_working = rebuild._Holder.working

            def working_then_emptied(self, now):
                busy = real_working(self, now)
                os.truncate(lock, 0)  # the pid is gone after the first look
                return busy

            monkeypatch.setattr(rebuild._Holder, "working", working_then_emptied)
        loaded = cache.load(cfg, deadline=started + 0.2)
        elapsed = time.monotonic() - started
    finally:
        busy.wait(timeout=30)
        busy.stdout.close()
    assert elapsed >= 0.9
    assert (names(loaded), loaded.notices) == (["good 1"], [])
    assert len(compiled) == 1


# The two ways of taking the rebuild lock exclude each other ---------------------------------
#
# A hook call takes `rebuild.lock` with fcntl (importing filelock would cost it ~50 ms); the
# commands take it with filelock. Both are flock on the same file: each must wait for the
# other, across real processes.

REPO = Path(__file__).resolve().parent.parent
HOLD_SECONDS = 1.0


def _holder(lock: str, how: str) -> subprocess.Popen:
    """A process that holds `lock` (`how`: filelock or fcntl) for HOLD_SECONDS."""
    take = {"filelock": "import filelock\nheld = filelock.FileLock(lock)\nheld.acquire()\n",
            "fcntl": ("import fcntl, os\nfd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)\n"
                      "fcntl.flock(fd, fcntl.LOCK_EX)\n")}[how]
    code = (f"import time\nlock = {lock!r}\n{take}"
            f"print('held', flush=True)\ntime.sleep({HOLD_SECONDS})\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def _load_in_a_process(tmp_path, rules, on_hook_call: bool) -> dict:
    """`cache.load` in a fresh process, as a hook call (with a deadline) or as a command."""
    deadline = "deadline=time.monotonic() + 10" if on_hook_call else ""
    code = (f"import json, sys, time\nsys.path.insert(0, {str(REPO)!r})\n"
            "from prempti_hook import cache, config\n"
            f"cfg = config.load({{'HOME': {str(tmp_path)!r}, 'PREMPTI_RULES': {str(rules)!r}}})\n"
            f"started = time.monotonic()\nloaded = cache.load(cfg, {deadline})\n"
            "print(json.dumps({'elapsed': time.monotonic() - started,\n"
            "                  'from_cache': loaded.from_cache, 'notices': loaded.notices,\n"
            "                  'filelock': 'filelock' in sys.modules}))\n")
    import json

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize(("holder_way", "on_hook_call"), [("filelock", True),
                                                           ("fcntl", False)])
def test_a_hook_call_and_a_command_wait_for_each_other_on_the_rebuild_lock(
        env, tmp_path, holder_way, on_hook_call):
    cfg, rules, _ = env
    os.makedirs(cfg.cache_dir, mode=0o700, exist_ok=True)
    holder = _holder(os.path.join(cfg.cache_dir, cache.LOCK_FILE), holder_way)
    try:
        result = _load_in_a_process(tmp_path, rules, on_hook_call)
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    # It waited for the holder to let go, then rebuilt the cache itself, quietly.
    assert result["elapsed"] >= HOLD_SECONDS * 0.8, result
    assert (result["from_cache"], result["notices"]) == (False, []), result
    assert cache_file(cfg).exists()
    # A hook call never imports filelock; a command takes the lock with it.
    assert result["filelock"] is (not on_hook_call)


def test_a_command_holding_the_lock_with_filelock_is_not_overtaken_by_a_hook_call(env):
    """While a command holds the lock through filelock, a hook call cannot take it with
    fcntl: past its deadline it uses its own compile, writes nothing, and says so."""
    cfg, _, _ = env
    os.makedirs(cfg.cache_dir, mode=0o700, exist_ok=True)
    holder = _holder(os.path.join(cfg.cache_dir, cache.LOCK_FILE), "filelock")
    try:
        loaded = cache.load(cfg, deadline=time.monotonic() + 0.2)
        held_meanwhile = holder.poll() is None
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    assert held_meanwhile
    assert names(loaded) == ["good 1"] and loaded.from_cache is False
    assert "compiled the rules for itself" in loaded.notices[0]
    assert not cache_file(cfg).exists()  # nothing written without the lock


def test_the_hooks_compile_gives_falcos_error_for_a_rule_repaired_by_a_later_file(tmp_path):
    """The hook compiles the rules once where that gives Falco's result: a rule that does
    not compile in its own file is an error there (Falco compiles after each file), even
    when a later file replaces its condition."""
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(rules_text("good 1").replace("tool.name = Bash", "tool.nam = Bash"))
    second.write_text("- rule: good 1\n  condition: tool.name = Bash\n"
                      "  override:\n    condition: replace\n")
    ruleset, error = rebuild.compile_rules([str(first), str(second)])
    assert ruleset is None
    assert error.startswith(f"{first}:3:") and "tool.nam" in error
    first.write_text(rules_text("good 1"))
    ruleset, error = rebuild.compile_rules([str(first), str(second)])
    assert error is None and [rule.name for rule in ruleset.match(BASH)] == ["good 1"]
