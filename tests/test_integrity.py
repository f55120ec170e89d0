"""The integrity helpers: identity records and link counts (the launcher keeps its own copy
of the record functions, which must agree with the package's)."""

from __future__ import annotations

import os
import time

from prempti_hook import integrity, launcher


def test_the_launcher_and_the_package_record_the_same_identity(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"data")
    assert launcher.identity(os.stat(path)) == integrity.identity(os.stat(path))
    launcher.write_record(str(path))
    assert integrity.recorded(str(path)) == integrity.identity(os.stat(path))
    assert launcher.matches_record(os.stat(path), str(path))
    assert launcher.RECORD_SUFFIX == integrity.RECORD_SUFFIX


def test_any_change_to_the_file_breaks_its_record(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"data")
    integrity.write_record(str(path))
    before = os.stat(path)
    time.sleep(0.01)
    # Same bytes, same size, and the modification time put back: the status-change time
    # still moves, and the owner cannot set it back.
    path.write_bytes(b"data")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert integrity.recorded(str(path)) != integrity.identity(os.stat(path))
    assert not launcher.matches_record(os.stat(path), str(path))
    assert integrity.recorded(str(tmp_path / "no-record")) is None


def test_a_link_is_reported_only_for_regular_files(tmp_path):
    single, linked, folder = tmp_path / "single", tmp_path / "linked", tmp_path / "folder"
    single.write_text("x")
    linked.write_text("y")
    os.link(linked, tmp_path / "other-name")
    folder.mkdir()  # a folder always has several links
    problems = integrity.linked_files([("a", str(single)), ("b", str(linked)),
                                       ("c", str(folder)), ("d", str(tmp_path / "missing"))])
    assert problems == [integrity.linked_message("b", str(linked), 2)]
    assert f"find / -xdev -samefile {linked}" in problems[0]
