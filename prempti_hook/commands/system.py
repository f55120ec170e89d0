"""`prempti-hook install --system` / `uninstall --system` (as root): the hardened install.

The agent runs as the user; in this install nothing the hook runs, reads or trusts can be
written by that user:

    /opt/prempti-hook/bin/prempti-hook      the zipapp (root, 0755)
    /opt/prempti-hook/lib/                  its extraction, made and byte-compiled by root
    /opt/prempti-hook/rules/default/        the shipped rules (no user rules layer)
    /opt/prempti-hook/cache/                the compiled rules, written by root (0644)
    /etc/prempti/config.yaml, rules.d/      the managed policy (config.py): settings locked
    /var/log/prempti-hook/<user>/events.jsonl
                                            one audit log per user, owned by the user so the
                                            hook can append, append-only (chattr +a) so the
                                            user cannot truncate, rewrite, rename or delete it;
                                            rotated by root (logrotate, /etc/logrotate.d/)
    /etc/claude-code/managed-settings.d/50-prempti-hook.json
                                            the hook, in Claude Code's managed settings, with
                                            allowManagedHooksOnly (no user or project hook can
                                            rewrite a call after ours checked it)

The interpreter must be root-owned and writable by root alone (its executable, prefix,
standard library and every folder above them), or the user could change the code the hook
runs: `/usr/bin/python3` by default, never a user's pyenv/asdf/conda Python.

Cold path; runs as root.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys

from .. import claude_settings as cs
from .. import config
from . import arguments

SYSTEM_HOME = "/opt/prempti-hook"
LOG_ROOT = "/var/log/prempti-hook"
DEFAULT_PYTHON = "/usr/bin/python3"
LOGROTATE_FILE = "/etc/logrotate.d/prempti-hook"
DROPIN_NAME = "50-prempti-hook.json"
FIRST_USER_UID = 1000
NOBODY_UID = 65534
USAGE = """usage: prempti-hook install --system [--python PATH] [--user NAME]...
       prempti-hook uninstall --system [--purge]

As root: install the running zipapp for every user of this machine, root-owned, with the
hook in Claude Code's managed settings (see README, "Hardened install"). --user provisions
the audit log of these users only (default: root and every user from uid 1000).
"""
MANAGED_CONFIG = """\
# prempti-hook managed settings: what this file sets, users and agents cannot change.
# Keys: mode, fail_open, default_action, log_dir (%u: user name), log_max_bytes,
# log_backups, input_max_bytes. Rotation is done by root (/etc/logrotate.d/prempti-hook).
mode: guardrails
fail_open: false
log_dir: /var/log/prempti-hook/%u
log_max_bytes: 0
"""
LOGROTATE = """\
# prempti-hook audit logs (installed by `prempti-hook install --system`). The live file is
# append-only (chattr +a) so its user cannot erase it; rotated files become root's.
{log_root}/*/events.jsonl {{
    su root root
    weekly
    rotate 26
    maxsize 50M
    missingok
    notifempty
    nocompress
    create 0600
    prerotate
        chattr -a "$1"
    endscript
    postrotate
        chattr +a "$1"
        for old in "$1".[0-9]*; do chown root:root "$old"; chmod 0644 "$old"; done
    endscript
}}
"""


class SystemInstallError(Exception):
    """The system install cannot go on; the message says why and what to do."""


def claude_managed_dir() -> str:
    if sys.platform == "darwin":
        return "/Library/Application Support/ClaudeCode"
    return "/etc/claude-code"


def dropin_path() -> str:
    return os.path.join(claude_managed_dir(), "managed-settings.d", DROPIN_NAME)


def hook_command(python: str) -> str:
    """The command in Claude Code's managed settings: no inherited environment at all (no
    PREMPTI_* override, no PYTHON*, no HOME: the password database says who the user is)."""
    return " ".join(["/usr/bin/env", "-i", f"PREMPTI_HOME={shlex.quote(SYSTEM_HOME)}",
                     f"{config.ENV_SYSTEM}=1", shlex.quote(python), "-I", "-S",
                     shlex.quote(cs.zipapp_path(SYSTEM_HOME))])


def hook_environment() -> dict:
    return {"PREMPTI_HOME": SYSTEM_HOME, config.ENV_SYSTEM: "1"}


# The interpreter ----------------------------------------------------------------------------

_PROBE = ("import os, sys; print('\\0'.join([os.path.realpath(sys.executable), sys.executable,"
          " sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,"
          " os.path.dirname(os.__file__)] + [p for p in sys.path if p]))")


def _root_only(path: str) -> str | None:
    """Why `path` (a file or folder that exists) is not safe from other users, or None."""
    st = os.stat(path)
    if st.st_uid != 0:
        return f"{path} is owned by uid {st.st_uid}, not root"
    if st.st_mode & stat.S_IWOTH and not (stat.S_ISDIR(st.st_mode) and
                                          st.st_mode & stat.S_ISVTX):
        return f"{path} can be written by every user"
    if st.st_mode & stat.S_IWGRP and st.st_gid != 0:
        return f"{path} can be written by group {st.st_gid}"
    if stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IXUSR | stat.S_IXGRP):
        if not st.st_mode & stat.S_IXOTH:
            return f"{path} cannot be used by other users (no o+x)"
    elif not st.st_mode & stat.S_IROTH:
        return f"{path} cannot be read by other users (no o+r)"
    return None


def interpreter_problems(python: str) -> list[str]:
    """What makes `python` unfit to run the hook for other users (empty: fit)."""
    try:
        probe = subprocess.run([python, "-I", "-S", "-c", _PROBE], capture_output=True,
                               text=True, timeout=60)
    except OSError as e:
        return [f"cannot run {python}: {e.strerror or e}"]
    if probe.returncode != 0:
        return [f"cannot run {python}: {probe.stderr.strip()[:200]}"]
    problems: list[str] = []
    seen: set = set()
    for path in probe.stdout.strip().split("\0"):
        while path and not os.path.exists(path):  # a zip that does not exist yet: its folder
            path = os.path.dirname(path)
        while path and path not in seen:
            seen.add(path)
            problem = _root_only(path)
            if problem and problem not in problems:
                problems.append(problem)
            parent = os.path.dirname(path)
            path = "" if parent == path else parent
    return problems


def check_interpreter(python: str) -> str:
    """The real path of `python`, or SystemInstallError saying why it cannot be used."""
    real = os.path.realpath(python)
    problems = interpreter_problems(real)
    if problems:
        raise SystemInstallError(
            f"{real} cannot run the hook for every user: " + "; ".join(problems[:5]) +
            f". A user who can change the interpreter, its standard library or a folder above "
            f"them can change the code the hook runs. Use a root-owned Python 3.9+ such as "
            f"{DEFAULT_PYTHON} (--python PATH)")
    version = subprocess.run([real, "-I", "-S", "-c", "import sys; print(sys.version_info >= "
                              "(3, 9))"], capture_output=True, text=True, timeout=60)
    if version.stdout.strip() != "True":
        raise SystemInstallError(f"{real} is older than Python 3.9")
    return real


# Files --------------------------------------------------------------------------------------

def _mkdir(path: str, mode: int = 0o755) -> None:
    os.makedirs(path, exist_ok=True)
    os.chown(path, 0, 0)
    os.chmod(path, mode)


def _write_root_file(path: str, data: bytes, mode: int = 0o644) -> None:
    temporary = f"{path}.new.{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
    os.chown(temporary, 0, 0)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def install_files(zipapp: str) -> None:
    for sub in ("", "bin", "lib", "rules", "rules/default", "rules/user", "cache"):
        _mkdir(os.path.join(SYSTEM_HOME, sub))
    with open(zipapp, "rb") as f:
        _write_root_file(cs.zipapp_path(SYSTEM_HOME), f.read(), 0o755)
    from ..rulefiles import embedded_rules_dir, files_in

    fresh = os.path.join(SYSTEM_HOME, "rules", f".default.new.{os.getpid()}")
    _mkdir(fresh)
    for path in files_in(embedded_rules_dir()):
        with open(path, "rb") as f:
            _write_root_file(os.path.join(fresh, os.path.basename(path)), f.read())
    target = os.path.join(SYSTEM_HOME, "rules", "default")
    shutil.rmtree(target, ignore_errors=True)
    os.rename(fresh, target)
    for name in os.listdir(os.path.join(SYSTEM_HOME, "cache")):  # compiled again below
        os.unlink(os.path.join(SYSTEM_HOME, "cache", name))


def extract(python: str) -> None:
    """Let root extract the zipapp into lib/ and byte-compile it: users only ever read it."""
    lib = os.path.join(SYSTEM_HOME, "lib")
    for name in os.listdir(lib):  # earlier builds' extractions
        path = os.path.join(lib, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    run = subprocess.run([python, "-I", "-S", cs.zipapp_path(SYSTEM_HOME), "--version"],
                         env=hook_environment(), capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise SystemInstallError(f"the installed zipapp does not run: {run.stderr.strip()}")
    subprocess.run([python, "-I", "-S", "-m", "compileall", "-q", lib], capture_output=True,
                   timeout=600)


def write_policy() -> None:
    folder = config.default_dir()
    _mkdir(folder)
    _mkdir(os.path.join(folder, config.RULES_SUBDIR))
    path = os.path.join(folder, config.CONFIG_NAME)
    if not os.path.exists(path):
        _write_root_file(path, MANAGED_CONFIG.encode())
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    keys = {line.split(":", 1)[0].strip() for line in text.splitlines() if ":" in line
            and not line.lstrip().startswith("#")}
    extra = "".join(line + "\n" for line in MANAGED_CONFIG.splitlines()
                    if line.split(":", 1)[0] in ("log_dir", "log_max_bytes")
                    and line.split(":", 1)[0] not in keys)
    if extra:
        _write_root_file(path, (text.rstrip("\n") + "\n" + extra).encode())
    os.chown(path, 0, 0)
    os.chmod(path, 0o644)


def default_users() -> list[tuple[str, int, int]]:
    import pwd

    return [(p.pw_name, p.pw_uid, p.pw_gid) for p in pwd.getpwall()
            if p.pw_uid == 0 or FIRST_USER_UID <= p.pw_uid < NOBODY_UID]


def named_users(names: list[str]) -> list[tuple[str, int, int]]:
    import pwd

    users = []
    for name in names:
        try:
            p = pwd.getpwnam(name)
        except KeyError:
            raise SystemInstallError(f"no user named {name!r}") from None
        users.append((p.pw_name, p.pw_uid, p.pw_gid))
    return users


def provision_log(log_dir: str, uid: int, gid: int) -> str | None:
    """The audit log of one user in a root-owned folder: the file and its lock belong to the
    user (the hook appends as the user), the file is append-only. Returns a warning or None."""
    parent = os.path.dirname(log_dir)
    if parent.startswith(LOG_ROOT):
        _mkdir(parent)
    _mkdir(log_dir)
    warning = None
    for name in ("events.jsonl", "events.jsonl.lock"):
        path = os.path.join(log_dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        os.fchown(fd, uid, gid)
        os.fchmod(fd, 0o600)
        os.close(fd)
    chattr = shutil.which("chattr")
    path = os.path.join(log_dir, "events.jsonl")
    if chattr is None:
        warning = f"{path} is not append-only: chattr is not installed"
    else:
        run = subprocess.run([chattr, "+a", path], capture_output=True, text=True)
        if run.returncode != 0:
            warning = f"{path} is not append-only: {run.stderr.strip()}"
    return warning


def provision_logs(users: list[tuple[str, int, int]]) -> list[str]:
    cfg = config.load(hook_environment())
    template = cfg.settings.get("log_dir") or os.path.join(SYSTEM_HOME, "log")
    _mkdir(LOG_ROOT)
    warnings = []
    for name, uid, gid in users:
        warning = provision_log(template.replace("%u", name), uid, gid)
        if warning:
            warnings.append(warning)
    if os.path.isdir(os.path.dirname(LOGROTATE_FILE)):
        _write_root_file(LOGROTATE_FILE, LOGROTATE.format(log_root=LOG_ROOT).encode())
    return warnings


def register(python: str) -> str:
    path = dropin_path()
    _mkdir(os.path.dirname(os.path.dirname(path)))
    _mkdir(os.path.dirname(path))
    data, _ = cs.read(path)
    new, _ = cs.add(data, hook_command(python), cs.zipapp_path(SYSTEM_HOME), path)
    new["allowManagedHooksOnly"] = True
    _write_root_file(path, cs.render(new, None))
    return path


def prove(python: str) -> str:
    """Run the installed hook as Claude Code will (this also compiles the rule cache as root,
    readable by everyone) on a call that must be denied."""
    sample = {"session_id": "prempti-system-install", "transcript_path": "", "cwd": "/",
              "permission_mode": "default", "hook_event_name": "PreToolUse",
              "tool_name": "Bash", "tool_input": {"command": "cat ~/.ssh/id_rsa"},
              "tool_use_id": "toolu_prempti_system_install"}
    run = subprocess.run(["sh", "-c", hook_command(python)], input=json.dumps(sample),
                         capture_output=True, text=True, timeout=300)
    try:
        output = json.loads(run.stdout)["hookSpecificOutput"]
    except (ValueError, KeyError, TypeError):
        raise SystemInstallError(f"the installed hook did not answer a verdict (exit "
                                 f"{run.returncode}): {run.stderr.strip()[:300]}") from None
    reason = output.get("permissionDecisionReason", "")
    if output.get("permissionDecision") != "deny" or reason.startswith("prempti-hook could"):
        raise SystemInstallError(f"the installed hook does not deny the sample call: {reason}")
    return f"check: Bash `cat ~/.ssh/id_rsa` -> deny: {reason}"


def install(parsed: arguments.Parsed) -> int:
    python, users = parsed.value("--python", DEFAULT_PYTHON), parsed.all("--user")
    zipapp = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    import zipfile

    if not (os.path.isfile(zipapp) and zipfile.is_zipfile(zipapp)):
        return _error("install --system copies the zipapp it runs from: run it as "
                      "`python3 -I -S dist/prempti-hook.pyz install --system` "
                      "(install/install.sh --system does)", 2)
    os.umask(0o022)
    python = check_interpreter(python)
    install_files(zipapp)
    extract(python)
    write_policy()
    warnings = provision_logs(named_users(users) if users else default_users())
    check = prove(python)  # before registering: a broken hook would block every user
    settings = register(python)
    print(f"prempti-hook: installed for every user in {SYSTEM_HOME} (interpreter {python})")
    print(f"prempti-hook: registered in Claude Code's managed settings {settings}")
    print(f"prempti-hook: managed policy in {config.default_dir()}; audit logs in {LOG_ROOT}")
    for warning in warnings:
        print(f"prempti-hook: warning: {warning}", file=sys.stderr)
    print(f"  {check}")
    return 0


def uninstall(parsed: arguments.Parsed) -> int:
    purge = parsed.flag("--purge")
    path = dropin_path()
    data, raw = cs.read(path)
    if raw is not None:
        new = cs.remove(data, cs.zipapp_path(SYSTEM_HOME), ["hooks", f"hooks.{cs.HOOK_EVENT}"],
                        path)
        new.pop("allowManagedHooksOnly", None)
        if new:
            _write_root_file(path, cs.render(new, raw))
        else:
            os.unlink(path)
    shutil.rmtree(SYSTEM_HOME, ignore_errors=True)
    for extra in (LOGROTATE_FILE,):
        if os.path.exists(extra):
            os.unlink(extra)
    if purge:
        if os.path.isdir(LOG_ROOT):
            subprocess.run(["chattr", "-R", "-a", LOG_ROOT], capture_output=True)
            shutil.rmtree(LOG_ROOT, ignore_errors=True)
        shutil.rmtree(config.default_dir(), ignore_errors=True)
    kept = "" if purge else f"; kept {config.default_dir()} and {LOG_ROOT} (--purge removes them)"
    print(f"prempti-hook: system install removed{kept}")
    return 0


def _error(message: str, code: int = 1) -> int:
    print(f"prempti-hook: {message}", file=sys.stderr)
    return code


@arguments.entry
def main(word: str, args: list[str]) -> int:
    if word not in ("install", "uninstall"):
        raise arguments.UsageError("--system goes with install or uninstall")
    if word == "install":
        parsed = arguments.parse(args, valued=("--python", "--user"))
    else:
        parsed = arguments.parse(args, flags=("--purge",))
    if os.geteuid() != 0:
        return _error(f"{word} --system needs root (it writes {SYSTEM_HOME}, "
                      f"{config.default_dir()} and Claude Code's managed settings)", 2)
    try:
        return install(parsed) if word == "install" else uninstall(parsed)
    except SystemInstallError as e:
        return _error(f"{e}; the system install is not complete")
    except cs.SettingsError as e:
        return _error(f"{e}; the system install is not complete")
    except OSError as e:
        return _error(f"{e.filename or ''}: {e.strerror or e}; the system install is not "
                      f"complete")
