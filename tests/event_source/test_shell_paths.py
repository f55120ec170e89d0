"""The shell analysis resolves paths the way `paths.resolve_expanded` (realpath) does, while
remembering the folders it has looked at: the same result for every path, through symlinks
of every kind (loops, dangling, relative, to `.` and `..`), `.`, `..` and empty names."""

from __future__ import annotations

import os
import random

from prempti_hook.event_source.paths import resolve_expanded
from prempti_hook.event_source.shell.analysis import Analysis, Context
from prempti_hook.event_source.shell.evaluate import Evaluator

NAMES = ["d1", "d2", "d3", "f", "g", "l1", "l2", "l3", "l4", "up", "loopA", "loopB",
         "dangling", "self", "parent", "abs", "lf", "x", ".", "..", ""]


def _tree(root: str) -> None:
    os.makedirs(os.path.join(root, "d1", "d2"))
    os.makedirs(os.path.join(root, "d3"))
    for name in ("d1/f", "d1/d2/g"):
        with open(os.path.join(root, name), "w"):
            pass
    links = {"l1": "d1", "l2": os.path.join(root, "d1", "d2"), "d1/up": "../d3",
             "loopA": "loopB", "loopB": "loopA", "dangling": "nonexistent", "l3": "l1/d2",
             "self": ".", "parent": "..", "abs": root, "lf": "d1/f", "l4": "l1/../d3"}
    for name, target in links.items():
        os.symlink(target, os.path.join(root, name))


def test_paths_resolve_as_realpath_does(tmp_path):
    root = os.path.realpath(tmp_path)
    _tree(root)
    rnd = random.Random(14)
    cwds = [root, root + "/d1", root + "/l1", root + "/loopA", root + "/missing", "/"]
    evaluator = None
    for index in range(6000):
        if index % 300 == 0:  # fresh memories now and then
            evaluator = Evaluator(Context(), Analysis(), {}, root)
        text = "/".join(rnd.choice(NAMES) for _ in range(rnd.randint(1, 6)))
        if rnd.random() < 0.4:
            text = root + "/" + text
        if rnd.random() < 0.1:
            text += "/"
        cwd = rnd.choice(cwds)
        assert evaluator.realpath(text, cwd) == resolve_expanded(text, cwd), (text, cwd)


def test_a_symlink_made_plain_folder_is_not_trusted_below_it(tmp_path):
    """A folder looked at once is remembered as plain; a symlink below it is still seen."""
    root = os.path.realpath(tmp_path)
    _tree(root)
    evaluator = Evaluator(Context(), Analysis(), {}, root)
    assert evaluator.realpath("d1/f", root) == root + "/d1/f"
    assert evaluator.realpath("d1/up/x", root) == root + "/d3/x"
    assert evaluator.realpath("abs/d1/f", root) == root + "/d1/f"
    assert evaluator.realpath("l1/f", root) == root + "/d1/f"


def test_a_glob_past_the_field_bound_is_reported_not_cut_silently(tmp_path):
    """`rm -rf /tmp/*` in a folder of more entries than MAX_FIELDS: the paths past the bound
    are not analysed, so the command is incomplete (too_complex), never shown as smaller."""
    from prempti_hook.event_source.shell import MAX_FIELDS, analyze

    few, many = tmp_path / "few", tmp_path / "many"
    for folder, count in ((few, 10), (many, MAX_FIELDS + 5)):
        folder.mkdir()
        for n in range(count):
            (folder / f"f{n:04d}").write_text("")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    assert "too_complex" not in analyze(f"rm -rf {few}/*", str(tmp_path), str(tmp_path),
                                        env).reasons
    result = analyze(f"rm -rf {many}/*", str(tmp_path), str(tmp_path), env)
    assert "too_complex" in result.reasons


def test_a_cut_glob_is_reported_each_time_it_is_used(tmp_path):
    """A pattern is matched once per analysis; that its matches were cut is said again every
    time it is used, even where the first use's reasons were dropped (a script file's
    analysis keeps its reasons to itself)."""
    from prempti_hook.event_source.shell import MAX_FIELDS, analyze

    big = tmp_path / "big"
    big.mkdir()
    for n in range(MAX_FIELDS + 5):
        (big / f"f{n:04d}").write_text("")
    (tmp_path / "s.sh").write_text("echo {1..400}\nrm -rf big/*\n")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = analyze("bash s.sh; rm -rf big/*", str(tmp_path), str(tmp_path), env)
    assert "too_complex" in result.reasons
