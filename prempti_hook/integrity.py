"""Checks that the files keeping the guard in force are the ones we think (hot path).

The agent runs as the same user as the hook, so owner and mode checks cannot stop it; two
things still can, cheaply:
- **link counts**: a hard link is a second name for the same file. Path rules protect
  `~/.prempti/...` and `~/.claude/settings.json`, but a write through a name elsewhere
  (`cp -l settings.json notes.txt; echo > notes.txt`) changes the protected file without
  ever naming it. A protected file with more than one name makes the hook fail closed
  (`linked_message` says how to fix it). Costs one `stat`, or nothing where the caller
  already has one.
- **identity records**: a file prempti-hook writes and later runs or unpickles (the rule
  cache) gets a record of its identity (device, inode, size, modification and status-change
  times) in a symlink `<file>.id`. The status-change time is set by the kernel on every
  write, link, chmod or `touch` and cannot be set back by the file's owner, and a symlink
  cannot be written through a hard link; so a file that no longer matches its record was
  changed by something else, and is not used. Costs one `readlink`.
(The launcher keeps its own copy of the record functions: it runs before this package can
be imported; tests check both agree.)
"""

from __future__ import annotations

import os
import stat

RECORD_SUFFIX = ".id"


def linked_message(what: str, path: str, links: int, fix: str = "") -> str:
    """What to tell the user about a protected file with `links` names."""
    fix = fix or (f"delete the other names (find them with: find / -xdev -samefile {path}), "
                  f"then try again")
    return (f"{what} {path} has {links} names (hard links): through another name it can be "
            f"changed without touching {path}; {fix}")


def linked_files(files) -> list[str]:
    """A message for each of `files` ((what, path) pairs) that is a regular file with more
    than one name; a missing or unreadable one is not this check's business."""
    problems = []
    for what, path in files:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_nlink > 1 and stat.S_ISREG(st.st_mode):
            problems.append(linked_message(what, path, st.st_nlink))
    return problems


def identity(st) -> str:
    """The identity of a file as recorded (see the module docstring)."""
    return f"v1:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def write_record(path: str) -> None:
    """Record the identity of `path` (a file we have just finished writing) in `<path>.id`,
    replaced atomically."""
    record = path + RECORD_SUFFIX
    temporary = f"{record}.{os.getpid()}.tmp"
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
    os.symlink(identity(os.stat(path, follow_symlinks=False)), temporary)
    os.replace(temporary, record)


def recorded(path: str) -> str | None:
    """The identity recorded for `path`, or None when there is no record."""
    try:
        return os.readlink(path + RECORD_SUFFIX)
    except OSError:
        return None
