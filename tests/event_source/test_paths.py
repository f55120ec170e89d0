"""Path resolution shared by every path field, and the prefix lists of `tool.*_prefixes`."""

from __future__ import annotations

import os
import pwd

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prempti_hook.event_source.paths import (
    MAX_PREFIX_DEPTH,
    Folders,
    expand_home,
    is_pseudo_device,
    lexical,
    prefixes,
    resolve,
    resolve_expanded,
    user_home,
)

HOME = "/home/u"


@pytest.mark.parametrize("path, expected", [
    ("~", HOME), ("~/x", HOME + "/x"), ("$HOME", HOME), ("$HOME/x", HOME + "/x"),
    ("${HOME}/x", HOME + "/x"), ("~x", "~x"), ("$HOMEx/y", "$HOMEx/y"), ("/a/~", "/a/~"),
    ("x/~", "x/~"),
])
def test_expand_home(path, expected):
    assert expand_home(path, HOME) == expected


def test_resolve_joins_folds_and_follows_symlinks(tmp_path):
    root = os.path.realpath(tmp_path)
    os.makedirs(os.path.join(root, "real", "dir"))
    os.symlink(os.path.join(root, "real"), os.path.join(root, "link"))
    assert resolve("link/dir/../dir/f", root, HOME) == os.path.join(root, "real", "dir", "f")
    assert resolve("missing/../x", root, HOME) == os.path.join(root, "x")
    assert resolve("~/a/../b", root, HOME) == HOME + "/b"
    assert lexical("link/dir/f", root) == os.path.join(root, "link", "dir", "f")


def test_resolve_expanded_does_not_expand_home():
    assert resolve_expanded("~/x", "/w") == "/w/~/x"
    assert resolve_expanded("$HOME/x", "/w") == "/w/$HOME/x"


@pytest.mark.parametrize("path", ["/a\x00b", "/a/\ud800", "/" + "x/" * 3000, ""])
def test_resolve_never_raises(path):
    assert isinstance(resolve(path, "/", HOME), str)


def test_double_slash_root_is_root():
    assert resolve_expanded("//etc/passwd", "/") in ("/etc/passwd", os.path.realpath("/etc/passwd"))
    assert lexical("//etc/../etc/passwd", "/") == "/etc/passwd"


def test_user_home():
    assert user_home("root") == pwd.getpwnam("root").pw_dir
    assert user_home("no-such-user-xyz") is None
    assert user_home("a/b") is None
    assert user_home("") is None


@pytest.mark.parametrize("path, expected", [
    ("/dev/null", True), ("/dev/stdout", True), ("/dev/fd/3", True), ("/proc/self/fd/0", True),
    ("/dev/sda", False), ("/dev/fd/x", False), ("/dev/tcp/h/80", False), ("/tmp/x", False),
])
def test_is_pseudo_device(path, expected):
    assert is_pseudo_device(path) is expected


def test_prefixes_absolute_and_home_relative():
    assert prefixes("/home/u/.ssh/id_rsa", HOME) == [
        "/home", "/home/u", "/home/u/.ssh", "/home/u/.ssh/id_rsa", "~", "~/.ssh",
        "~/.ssh/id_rsa"]
    assert prefixes("/etc/shadow", HOME) == ["/etc", "/etc/shadow"]
    assert prefixes(HOME, HOME) == ["/home", "/home/u", "~"]
    assert prefixes("/home/uu/x", HOME) == ["/home", "/home/uu", "/home/uu/x"]
    assert prefixes("/", HOME) == ["/"]
    assert prefixes("//", HOME) == ["/"]
    assert prefixes("relative/x", HOME) == []
    assert prefixes("/a/b/", HOME) == ["/a", "/a/b"]


def test_prefixes_of_a_very_deep_path_are_bounded():
    deep = "/a" * 40_000
    found = prefixes(deep, HOME)
    assert len(found) == MAX_PREFIX_DEPTH + 1
    assert found[0] == "/a" and found[-1] == deep
    assert sum(len(p) for p in found) < len(deep) + MAX_PREFIX_DEPTH ** 2 * 2


@settings(max_examples=300)
@given(st.lists(st.text(alphabet="abc.~", min_size=1, max_size=4), min_size=1, max_size=6))
def test_every_prefix_is_an_ancestor(parts):
    path = "/" + "/".join(parts)
    found = prefixes(path, HOME)
    absolute = [p for p in found if p.startswith("/")]
    assert absolute[-1] == path.rstrip("/")
    for prefix in absolute:
        assert path == prefix or path.startswith(prefix + "/")


def test_folders_resolve_as_resolve_does_and_learn_only_plain_folders(tmp_path):
    """`Folders` (one per call) gives `resolve`'s answer for every path, whatever was
    resolved before it, and remembers a folder only when realpath would leave it as it is:
    a symlinked home, a link in the middle, `..`, missing names, a loop."""
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "f").write_text("x")
    (tmp_path / "home").symlink_to(real)
    (real / "link").symlink_to(real / "sub")
    (real / "loop").symlink_to(real / "loop")
    paths = ["~/sub/f", "~/link/f", "~/sub/../link/f", "~/missing/deeper", "~/loop/x",
             f"{real}/sub/f", f"{real}/link", f"{real}/sub/missing", "sub/f", "~/"]
    home = str(tmp_path / "home")
    for order in (paths, paths[::-1]):
        folders = Folders()
        for path in order:
            assert folders.resolve(path, str(real), home) == resolve(path, str(real), home)
        assert str(real / "link") not in folders.plain and str(tmp_path / "home") not in \
            folders.plain
    assert str(real / "sub") in folders.plain
