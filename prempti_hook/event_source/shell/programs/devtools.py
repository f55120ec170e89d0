"""Version control, package managers and build tools: `git` (remotes, `-C`, settings whose
value is a command), `pip`, `make`.
"""

from __future__ import annotations

from ..analysis import R_INLINE_CODE, has_marker, name_set
from .common import chdir, getopt, looks_like_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


# git settings whose value is a shell command (git runs it), and the suffixes of per-driver
# settings that are commands (`filter.x.clean`, `diff.x.textconv`, `merge.x.driver`).
_GIT_CODE_KEYS = name_set("core.sshcommand core.pager core.editor core.fsmonitor core.askpass "
                          "sequence.editor diff.external gpg.program gpg.ssh.program "
                          "gpg.x509.program uploadpack.packobjectshook core.gitproxy "
                          "interactive.difffilter")
_GIT_CODE_SUFFIXES = (".clean", ".smudge", ".process", ".textconv", ".command", ".driver",
                      ".cmd", ".tool")
_GIT_READ_ONLY = frozenset({"status", "log", "diff", "show", "blame", "grep", "ls-files",
                            "ls-tree", "rev-parse", "describe", "shortlog", "cat-file",
                            "branch", "tag", "remote", "config", "reflog", "whatchanged",
                            "ls-remote", "help", "version", "fetch"})
# Options of push, pull, fetch and ls-remote that always take a value (an option wrongly
# listed here would swallow the repository after it).
_GIT_TRANSFER_VALUES = name_set("-o --push-option --repo --receive-pack --exec --upload-pack "
                                "--depth --deepen --shallow-since --shallow-exclude --refmap "
                                "-j --jobs --negotiation-tip --server-option --filter -s "
                                "--strategy -X --strategy-option")


def _h_git(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    st = call.st
    i = 0
    directories = []
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        if arg == "-C" and i + 1 < len(args):
            directories.append(args[i + 1])
            st = chdir(ev, st.copy(), args[i + 1])
            i += 2
            continue
        if arg == "-c" and i + 1 < len(args):
            _git_config_value(ev, call, args[i + 1])
            i += 2
            continue
        if arg.startswith(("--git-dir=", "--work-tree=")):
            ev.path(arg.partition("=")[2], st)
        elif arg in ("--git-dir", "--work-tree", "--namespace", "--exec-path",
                     "--config-env") and i + 1 < len(args):
            ev.path(args[i + 1], st)
            i += 1
        i += 1
    sub = args[i] if i < len(args) else ""
    rest = args[i + 1:]
    if directories and sub not in _GIT_READ_ONLY:
        for directory in directories:
            ev.path(directory, call.st, write=True)
    inner = call.but(call.argv, st=st)
    from .interpreters import git_hooks  # the hooks this command runs (event_source.code)

    git_hooks(ev, call, st, sub, rest)
    for arg in rest:
        ev.scan_url(arg)
    if sub in ("clone", "submodule"):
        _opts, ops = getopt(rest, name_set("-b --branch -o --origin --depth -c --config "
                                           "--reference --separate-git-dir -j --jobs "
                                           "--template -u --upload-pack --filter "
                                           "--shallow-since --shallow-exclude --name"))
        if sub == "submodule":
            ops = ops[1:]
        if ops:
            _git_remote(ev, ops[0], call=call)
            if len(ops) > 1:
                ev.path(ops[1], st, write=True)
            else:
                name = ops[0].rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                if name.endswith(".git"):
                    name = name[:-4]
                if name and not has_marker(name):
                    ev.path(name, st, write=True)
        for option in ("-u", "--upload-pack", "--template"):
            if option in rest:
                index = rest.index(option)
                if index + 1 < len(rest) and option != "--template":
                    ev.run_code(rest[index + 1], call)
    elif sub in ("push", "pull", "fetch", "ls-remote"):
        # `git push [options] [REPOSITORY [REFSPEC...]]`: only the repository can name a host
        # (`HEAD:main` is a refspec, not `host:path`).
        opts, ops = getopt(rest, _GIT_TRANSFER_VALUES)
        for name, value in opts:
            if name == "--repo" and value is not None:
                _git_remote(ev, value, bare=False, call=call)
        if ops:
            _git_remote(ev, ops[0], bare=False, call=call)
    elif sub == "remote":
        # `git remote add NAME URL`, `git remote set-url [--push|--add] NAME URL [OLDURL]`
        _opts, ops = getopt(rest, name_set("-t -m --mirror"))
        if ops[:1] in (["add"], ["set-url"]):
            for url in ops[2:]:
                _git_remote(ev, url, bare=False, call=call)
    elif sub == "config":
        _h_git_config(ev, inner, rest)
    elif sub in ("add", "rm", "mv", "checkout", "restore", "apply", "am", "reset", "clean",
                 "stash", "switch"):
        _opts, ops = getopt(rest, name_set("-m --message -b -B --orphan -p --patch -s "
                                           "--source --pathspec-from-file --directory"))
        for op in ops:
            if looks_like_path(op) or op == "." or sub in ("add", "rm", "mv"):
                ev.path(op, st, write=True)
    else:
        _opts, ops = getopt(rest, name_set("-m --message -F --file -C -c -b -B -o -n -S "
                                           "--author --date --format --pretty --since "
                                           "--until -L --grep"))
        for op in ops:
            if looks_like_path(op):
                ev.path(op, st)


def _git_remote(ev: Evaluator, text: str, bare: bool = True, call: Call | None = None) -> None:
    """A git remote: URL, `user@host:path`, `ext::command`, or a local path."""
    if text.startswith("ext::") and call is not None:
        ev.run_code(text[5:].replace("%S", "git-upload-pack"), call)
        return
    if ev.scan_url(text):
        return
    head, sep, _tail = text.partition(":")
    if sep and "/" not in head and head:
        ev.host(head.rpartition("@")[2])


def _git_config_value(ev: Evaluator, call: Call, setting: str) -> None:
    key, _eq, value = setting.partition("=")
    _git_code(ev, call, key, value)


def _git_code(ev: Evaluator, call: Call, key: str, value: str) -> None:
    """A git setting given on the command line; analyse it when it is a command."""
    key = key.lower()
    if not value:
        return
    if key == "core.hookspath":
        ev.path(value, call.st)
        ev.reason(R_INLINE_CODE)  # the hooks there run, and we do not see them
    elif key.startswith(("alias.", "credential.")):
        if value.startswith("!"):
            ev.run_code(value[1:], call)
    elif key in _GIT_CODE_KEYS or key.startswith("pager.") or (
            key.startswith(("filter.", "diff.", "merge.", "difftool.", "mergetool."))
            and key.endswith(_GIT_CODE_SUFFIXES)):
        ev.run_code(value, call)
    else:
        ev.scan_url(value)


def _h_git_config(ev: Evaluator, call: Call, rest: list) -> None:
    opts, ops = getopt(rest, name_set("-f --file --blob --type --default --comment "
                                      "--value --url"))
    st = call.st
    names = {name for name, _value in opts}
    target = next((value for name, value in opts if name in ("-f", "--file") and value), None)
    reading = bool(names & {"--get", "--get-all", "--get-regexp", "-l", "--list",
                            "--get-urlmatch", "--show-origin"})
    if target:
        ev.path(target, st, write=not reading)
    elif "--global" in names:
        ev.path(ev.home + "/.gitconfig", st, write=not reading)
    elif "--system" in names:
        ev.path("/etc/gitconfig", st, write=not reading)
    if ops[:1] in (["set"], ["get"], ["unset"]):
        ops = ops[1:]
    if len(ops) >= 2:
        _git_code(ev, call, ops[0], ops[1])


def handle_pip(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-i --index-url --extra-index-url -f --find-links --trusted-host -r --requirement "
        "-c --constraint -t --target --prefix --root --src -e --editable --proxy --cert "
        "--client-cert --cache-dir --log --python --platform --python-version "
        "--implementation --abi --upgrade-strategy --progress-bar --report"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name == "--trusted-host":
            ev.host(value.partition(":")[0])
        elif name in ("-r", "--requirement", "-c", "--constraint", "--cert",
                      "--client-cert"):
            ev.path(value, st)
        elif name in ("-t", "--target", "--prefix", "--root", "--src", "--log", "--report"):
            ev.path(value, st, write=True)
        elif name == "--proxy":
            ev.url(value, "http")
        elif not ev.scan_url(value) and looks_like_path(value):
            ev.path(value, st)
    for op in ops[1:]:
        # `pkg @ https://...`, `git+https://host/repo@ref`, or a local path
        if not (ev.scan_url(op) or ev.scan_url(op.partition("@")[2].strip())) \
                and looks_like_path(op):
            ev.path(op, st)


def _h_make(ev: Evaluator, call: Call) -> None:
    """make runs the recipes of its makefile: a makefile from a stream is piped code."""
    opts, _ops = getopt(call.argv[1:], name_set(
        "-f --file --makefile -C --directory -I --include-dir -j --jobs -l --load-average "
        "-o --old-file --assume-old -W --what-if --new-file --assume-new --eval"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-f", "--file", "--makefile"):
            ev.script_operand(value, call, shell=False)
        elif name in ("-C", "--directory"):
            st = chdir(ev, st.copy(), value)
        elif name == "--eval":
            ev.reason(R_INLINE_CODE)
    from .interpreters import make  # the recipes it runs (event_source.code)

    make(ev, call)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {"git": _h_git, "pip": handle_pip, "pipx": handle_pip, "make": _h_make,
                  "gmake": _h_make}
# By family name: `pip3`, `pip3.12`.
FAMILY_HANDLERS: dict = {"pip": handle_pip}
