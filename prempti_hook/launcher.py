"""The zipapp's `__main__.py` (build_zipapp.py copies this file into the pyz, with the
build's id filled in): start prempti-hook straight from the files shiv already extracted.

Why: shiv's own bootstrap imports zipfile, hashlib, shutil, subprocess, pathlib,
compileall... on every run just to find the folder it extracted the first time; that
costs several times what the hook itself does. This launcher finds the folder with `os`
alone and imports the entry point directly. Only when no valid extraction exists yet does
it hand over to shiv's bootstrap, which extracts under its lock and runs the entry point.

An extraction is used only when it is complete and belongs to this very build:
- shiv 1.0 extracts into `<name>_<id>.tmp` and renames that to `<name>_<id>` (one rename,
  under its lock) when done, so `<name>_<id>` never exists half-written;
- `<name>_<id>/site-packages/~prempti-build-id` must hold this build's id. The build
  writes that file last in the archive, and shiv extracts in archive order.
Anything else found under that name (a leftover `.tmp`, a folder without the right id) is
removed under shiv's lock before shiv extracts, so it is never used or merged into a new
extraction either.

Where: the installed zipapp (`$PREMPTI_HOME/bin/prempti-hook`) always extracts into
`$PREMPTI_HOME/lib`, which the self-protection rules cover; any other copy follows shiv
(SHIV_ROOT, else ~/.shiv). Every other SHIV_* variable is dropped before shiv's bootstrap
runs: they can change the entry point, drop into an interactive interpreter (which would
read the tool call on stdin as Python), prepend sys.path or force a re-extraction under
running processes.

Failures (contract: never exit 1, never a traceback; Claude Code would let the tool run):
- before the entry point starts: as the hook (no arguments, or only `--agent NAME`), one
  JSON deny in that agent's shape on stdout and the reason on stderr, exit 0 (exit 2 for an
  agent it does not know: every agent blocks on that); as a command, the reason on stderr,
  exit 2;
- after it started the hook handles its own errors; whatever still escapes is reported in
  one line with exit 2, which Claude Code treats as a block.

This file must parse on old Pythons (3.6 and later) so that they get a clear message
instead of a SyntaxError: hence no annotations and no `from __future__ import annotations`.
"""

import os
import sys

BUILD_ID = ""  # filled in by build_zipapp.py
STAMP_NAME = "~prempti-build-id"
ENTRY_MODULE = "prempti_hook.cli"
MIN_PYTHON = (3, 9)
# The deny of each agent's pre-tool event (agents/<agent>.py write the same), as templates
# for one JSON string: the reason.
DENY_TEMPLATES = {
    "claude_code": '{"hookSpecificOutput":{"hookEventName":"PreToolUse",'
                   '"permissionDecision":"deny","permissionDecisionReason":%s}}',
    "codex": '{"hookSpecificOutput":{"hookEventName":"PreToolUse",'
             '"permissionDecision":"deny","permissionDecisionReason":%s}}',
    "gemini": '{"decision":"deny","reason":%s}',
    "copilot": '{"permissionDecision":"deny","permissionDecisionReason":%s}',
}


def installed_home(archive, environ):
    """PREMPTI_HOME when `archive` is that installation's `bin/prempti-hook`, else None."""
    home = environ.get("PREMPTI_HOME") or os.path.join(os.path.expanduser("~"), ".prempti")
    installed = os.path.join(home, "bin", "prempti-hook")
    if os.path.realpath(archive) == os.path.realpath(installed):
        return home
    return None


def extraction_root(archive, environ):
    """The folder to extract into. The installed zipapp always uses `<PREMPTI_HOME>/lib`:
    its code must stay where the self-protection rules look (and where the uninstaller
    cleans up), whatever SHIV_ROOT says. Anything else follows shiv 1.0's `cache_path`:
    SHIV_ROOT (`$NAME` means another variable's value), else ~/.shiv."""
    home = installed_home(archive, environ)
    if home is not None:
        return os.path.join(home, "lib")
    root = environ.get("SHIV_ROOT")
    if root:
        if root.startswith("$"):
            root = environ.get(root[1:], root[1:])
        return os.path.expanduser(root)
    return os.path.expanduser("~/.shiv")


def extraction_dir(archive, environ, build_id):
    """`<root>/<archive name>_<build id>`; shiv names it after the archive's real path."""
    name = os.path.basename(os.path.realpath(archive))
    return os.path.join(extraction_root(archive, environ), f"{name}_{build_id}")


def is_complete(folder, build_id):
    """True when `folder` holds a finished extraction of build `build_id`."""
    if not build_id:
        return False
    try:
        with open(os.path.join(folder, "site-packages", STAMP_NAME), "rb") as f:
            return f.read(256) == build_id.encode("ascii")
    except (OSError, UnicodeError):
        return False


def add_site_packages(path):
    """Put the extraction on sys.path where shiv puts it: before the first site-packages
    folder already there, else last (with `-S` there is none)."""
    for index, entry in enumerate(sys.path):
        if index and os.path.basename(entry) in ("site-packages", "dist-packages"):
            sys.path.insert(index, path)
            return
    sys.path.append(path)


def _remove(path):
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def clear_unusable(folder, build_id):
    """Under shiv's lock, remove a leftover `<folder>.tmp` and a `<folder>` that is not a
    complete extraction of this build, so that shiv extracts afresh into empty space."""
    temporary = folder + ".tmp"
    if not os.path.lexists(temporary) and not os.path.lexists(folder):
        return
    import fcntl

    parent, name = os.path.split(folder)
    fd = os.open(os.path.join(parent, f".{name}_lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.path.lexists(folder) and not is_complete(folder, build_id):
            _remove(folder)
        if os.path.lexists(temporary):
            _remove(temporary)
    finally:
        os.close(fd)


def _json_string(text):
    try:
        from _json import encode_basestring_ascii
    except ImportError:  # pragma: no cover - every CPython has it
        from json.encoder import py_encode_basestring_ascii as encode_basestring_ascii
    return encode_basestring_ascii(text)


def _write(fd, text):
    data = text.encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(fd, data):]
        return True
    except OSError:
        return False


def deny_json(reason, agent="claude_code"):
    """The hook's deny answer in `agent`'s shape (None for an agent it does not know),
    built without `json`."""
    template = DENY_TEMPLATES.get(agent)
    return None if template is None else (template % _json_string(reason)) + "\n"


def hook_agent(argv):
    """The agent when `argv` runs the hook (no arguments: Claude Code; `--agent NAME`),
    else None (a command)."""
    if len(argv) <= 1:
        return "claude_code"
    if len(argv) == 3 and argv[1] == "--agent":
        return argv[2]
    return None


def fail_to_start(message, hook_mode, folder=None, agent="claude_code"):
    """Report that prempti-hook could not start, in the way that blocks the tool call."""
    fix = ""
    if folder:
        fix = (f". It runs from files extracted into {folder}: make sure that folder can be "
               "written (or delete it to extract afresh), or reinstall with "
               "install/install.sh")
    reason = f"prempti-hook could not start, so the call was blocked to be safe: {message}{fix}."
    _write(2, "prempti-hook: " + reason.replace("\n", " ") + "\n")
    answer = deny_json(reason, agent) if hook_mode else None
    if answer is not None and _write(1, answer):
        os._exit(0)
    os._exit(2)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


class OldPython(Exception):
    """The interpreter is older than the code supports."""


def describe(error):
    text = str(error).replace("\n", " ").strip()
    if isinstance(error, OldPython):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_entry(entry):
    """Call the entry point and exit with its code; whatever escapes it exits 2."""
    try:
        code = entry()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _flush()
        os._exit(2 if hook_agent(sys.argv) is not None else 130)
    except BaseException as error:  # the hook reports its own failures; this is a last resort
        _flush()
        _write(2, f"prempti-hook: internal error: {describe(error)}\n")
        os._exit(2)
    sys.exit(code)


def _entry_point():
    module = __import__(ENTRY_MODULE, fromlist=["main"])
    return module.main


def _drop_shiv_overrides(environ):
    for key in list(environ):
        if key.startswith("SHIV_") and key != "SHIV_ROOT":
            del environ[key]


def bootstrap_with_shiv(folder):
    """First run (or a foreign folder): let shiv extract, then run our entry point."""
    _drop_shiv_overrides(os.environ)
    os.environ["SHIV_ROOT"] = os.path.dirname(folder)  # where we looked is where shiv extracts
    clear_unusable(folder, BUILD_ID)
    import _bootstrap

    _bootstrap.run = run_entry  # shiv calls run(entry point) once everything is in place
    _bootstrap.bootstrap()
    raise RuntimeError("shiv's bootstrap returned without running the entry point")


def main():
    agent = hook_agent(sys.argv)
    hook_mode = agent is not None
    if hook_mode:
        # A hook call is a short-lived process that frees nothing worth collecting: cyclic
        # garbage collection passes during imports are pure cost (up to ~1 ms).
        import gc

        gc.disable()
    folder = None
    try:
        if sys.version_info < MIN_PYTHON:
            found = sys.version.split()[0]
            raise OldPython(f"it needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, and "
                            f"{sys.executable} is Python {found}; run it with a newer "
                            f"python3 (install/install.sh records the one it runs with)")
        folder = extraction_dir(sys.argv[0], os.environ, BUILD_ID)
        if is_complete(folder, BUILD_ID):
            add_site_packages(os.path.join(folder, "site-packages"))
            entry = _entry_point()
        else:
            bootstrap_with_shiv(folder)  # runs the entry point itself, never returns
    except SystemExit:
        raise
    except OldPython as error:
        fail_to_start(describe(error), hook_mode, agent=agent)
    except BaseException as error:
        fail_to_start(describe(error), hook_mode, folder, agent=agent)
    run_entry(entry)


if __name__ == "__main__":
    main()
