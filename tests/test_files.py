"""The shared file helpers (`prempti_hook.files`): reading what the agent may have planted,
writing whole files atomically."""

from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path

import pytest
from importcheck import REPO, modules_after

from prempti_hook import files


def test_it_imports_only_the_standard_library_basics():
    loaded = modules_after("import prempti_hook.files")
    ours = {m for m in loaded if m.startswith("prempti_hook")}
    assert ours == {"prempti_hook", "prempti_hook.files"}
    assert not {"re", "json", "typing", "tempfile", "shutil", "pathlib"} & loaded


def test_open_regular_does_not_block_on_a_fifo(tmp_path):
    fifo = tmp_path / "planted"
    os.mkfifo(fifo)
    result: list = []
    opener = threading.Thread(target=lambda: result.append(_outcome(str(fifo))), daemon=True)
    opener.start()
    opener.join(5)
    assert result == ["NotRegularFile"], "opening a FIFO blocked or was accepted"


def _outcome(path: str) -> str:
    try:
        os.close(files.open_regular(path, follow=True))
    except files.NotRegularFile:
        return "NotRegularFile"
    return "opened"


def test_open_regular_refuses_folders_and_reads_files(tmp_path):
    with pytest.raises(files.NotRegularFile, match="not a regular file"):
        files.open_regular(str(tmp_path))
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    fd = files.open_regular(str(path))
    try:
        assert files.read_all(fd) == b"abc"
        assert os.get_blocking(fd) is False  # left non-blocking unless asked
    finally:
        os.close(fd)
    fd = files.open_regular(str(path), blocking=True)
    try:
        assert os.get_blocking(fd) is True
    finally:
        os.close(fd)


def test_open_regular_follows_a_symlink_only_when_told(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"x")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(OSError):
        files.open_regular(str(link))
    os.close(files.open_regular(str(link), follow=True))


def test_read_all_stops_at_the_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"y" * (3 << 20))
    fd = files.open_regular(str(path))
    try:
        assert len(files.read_all(fd, 5)) == 5
        assert len(files.read_all(fd)) == (3 << 20) - 5
    finally:
        os.close(fd)


def test_write_all_finishes_a_write_a_pipe_takes_in_parts():
    read_end, write_end = os.pipe()
    data = os.urandom(1 << 20)  # far more than a pipe buffer: os.write returns short counts
    received: list[bytes] = []

    def drain():
        while chunk := os.read(read_end, 65536):
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    files.write_all(write_end, data)
    os.close(write_end)
    reader.join(10)
    os.close(read_end)
    assert b"".join(received) == data


def test_write_atomic_sets_the_exact_mode_whatever_the_umask(tmp_path):
    path = tmp_path / "f"
    old = os.umask(0o077)
    try:
        files.write_atomic(str(path), b"one", 0o644)
    finally:
        os.umask(old)
    assert path.read_bytes() == b"one"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    files.write_atomic(str(path), b"two")
    assert path.read_bytes() == b"two" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["f"]  # no temporary file left


def test_write_atomic_fsyncs_only_when_durable(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    files.write_atomic(str(tmp_path / "cache"), b"x")
    assert synced == []
    files.write_atomic(str(tmp_path / "settings"), b"x", durable=True)
    assert len(synced) == 1


def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "dotfiles" / "settings.json"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "settings.json"
    link.symlink_to(target)
    files.write_atomic(str(link), b"new", through_symlink=True)
    assert link.is_symlink() and target.read_bytes() == b"new"
    # Without it, the link itself is replaced and what it pointed to is left alone.
    files.write_atomic(str(link), b"newer")
    assert not link.is_symlink() and link.read_bytes() == b"newer"
    assert target.read_bytes() == b"new"


def test_write_atomic_replaces_a_stale_temporary_and_never_writes_through_it(tmp_path):
    path = tmp_path / "f"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"keep")
    stale = Path(f"{path}.{os.getpid()}.tmp")
    stale.symlink_to(elsewhere)  # a planted link at the temporary name
    files.write_atomic(str(path), b"data")
    assert path.read_bytes() == b"data" and elsewhere.read_bytes() == b"keep"
    assert not os.path.lexists(stale)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"old")

    def fail(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_all", fail)
    with pytest.raises(OSError, match="No space"):
        files.write_atomic(str(path), b"new")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f"]


# The helpers live in one place: no module keeps its own copy (the launcher excepted: it runs
# before the package can be imported; the shell analysis reads no files).
COPIES = {
    "a write-all loop": re.compile(r"\[os\.write\("),
    "a non-blocking open": re.compile(r"os\.O_NONBLOCK|\"O_NONBLOCK\""),
    "an atomic write": re.compile(r"def _?write_atomic\b"),
    "the rules file suffixes": re.compile(r"""\(["']\.yaml["'], ["']\.yml["']\)"""),
    "the source name": re.compile(r"""^SOURCE = ["']coding_agent["']""", re.M),
    "private folders": re.compile(r"def _?make_private_dirs\b"),
}
HOME = {"a write-all loop": "files.py", "a non-blocking open": "files.py",
        "an atomic write": "files.py", "the rules file suffixes": "files.py",
        "the source name": "event_source/__init__.py", "private folders": "files.py"}
EXEMPT = {"launcher.py"}


@pytest.mark.parametrize("what", sorted(COPIES))
def test_each_helper_is_written_once(what):
    package = REPO / "prempti_hook"
    found = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                   if str(p.relative_to(package)) not in EXEMPT
                   and COPIES[what].search(p.read_text(encoding="utf-8")))
    allowed = {HOME[what]} | ({"claude_settings.py"} if what == "an atomic write" else set())
    assert set(found) <= allowed and HOME[what] in found, found


def test_make_private_dirs_makes_every_missing_folder_private(tmp_path):
    target = tmp_path / "a" / "b" / "c"
    files.make_private_dirs(str(target))
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    files.make_private_dirs(str(target))  # already there: nothing to do
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        files.make_private_dirs(str(tmp_path / "f"))
