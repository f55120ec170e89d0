"""Version control, package managers and build tools: `git` (remotes, `-C`, settings whose
value is a command), `pip`, `make`.
"""

from __future__ import annotations

from ..analysis import R_INLINE_CODE, UNSET, has_marker, name_set
from .common import chdir, getopt, looks_like_path
from .git_effects import git_effects, git_value, no_hooks_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call, State
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
# Subcommands whose path arguments are only names (what .gitignore says of them, whether
# git tracks them): they read none of the files.
_GIT_MENTIONS = frozenset({"check-ignore", "check-attr", "ls-files"})
# Options of push, pull, fetch and ls-remote that always take a value (an option wrongly
# listed here would swallow the repository after it).
_GIT_TRANSFER_VALUES = name_set("-o --push-option --repo --receive-pack --exec --upload-pack "
                                "--depth --deepen --shallow-since --shallow-exclude --refmap "
                                "-j --jobs --negotiation-tip --server-option --filter -s "
                                "--strategy -X --strategy-option")


class _GitRun:
    """What git's global options say about one run: where it works and what it is told."""

    __slots__ = ("config", "directories", "st", "sub_index", "work_tree")

    def __init__(self, call: Call) -> None:
        self.st = call.st
        self.directories: list[str] = []
        self.work_tree = git_value(call, "GIT_WORK_TREE")
        self.config: dict = {}  # settings given for this run (keys lowercased)
        self.sub_index = 0


# git subcommands that run hooks (`code.scripts.HOOKS_BY_COMMAND` says which): only these
# load the code analysis to read them.
GIT_HOOK_COMMANDS = frozenset({"commit", "merge", "pull", "push", "checkout", "switch",
                               "rebase", "am", "cherry-pick", "revert", "gc", "worktree"})


def _git_globals(ev: Evaluator, call: Call) -> _GitRun:
    """Read `git [-C DIR] [-c K=V] [--config-env=K=VAR] [--work-tree=DIR]... SUB`."""
    run = _GitRun(call)
    args = call.argv[1:]
    i = 0
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        following = args[i + 1] if i + 1 < len(args) else None
        if arg == "-C" and following is not None:
            run.directories.append(following)
            run.st = chdir(ev, run.st.copy(), following)
            i += 1
        elif arg == "-c" and following is not None:
            key, _eq, value = following.partition("=")
            _git_code(ev, call, key, value, run.config)
            i += 1
        elif arg.startswith(("--config-env", "--work-tree")):
            name, eq, value = arg.partition("=")
            if not eq and following is not None:
                value = following
                i += 1
            if name == "--config-env":
                # `--config-env=KEY=VAR`: the setting's value is the variable's
                key, _eq, variable = value.partition("=")
                _git_code(ev, call, key, _variable(ev, call, variable), run.config)
            else:
                run.work_tree = value
        elif arg.startswith("--git-dir="):
            ev.path(arg.partition("=")[2], run.st)
        elif arg in ("--git-dir", "--namespace", "--exec-path") and following is not None:
            ev.path(following, run.st)
            i += 1
        i += 1
    run.sub_index = i
    _git_config_from_environment(ev, call, run.config)
    return run


def _h_git(ev: Evaluator, call: Call) -> None:
    run = _git_globals(ev, call)
    args = call.argv[1:]
    sub = args[run.sub_index] if run.sub_index < len(args) else ""
    rest = args[run.sub_index + 1:]
    st = run.st
    if sub not in _GIT_READ_ONLY:
        # Commands that change the work tree write wherever it is (`-C DIR`, `--work-tree`).
        for directory in run.directories:
            ev.path(directory, call.st, write=True)
        if run.work_tree:
            ev.path(run.work_tree, st, write=True)
    inner = call.but(call.argv, st=st)
    if sub in GIT_HOOK_COMMANDS:
        from .interpreters import git_hooks  # the hooks it runs (event_source.code)

        git_hooks(ev, call, st, sub, rest)
    for arg in rest:
        ev.scan_url(arg)
    git_effects(ev, inner, sub, rest, run.work_tree, run.config)
    if sub in ("clone", "submodule"):
        _git_clone(ev, inner, call, sub, rest)
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
    else:
        _git_paths(ev, st, sub, rest)


def _git_paths(ev: Evaluator, st: State, sub: str, rest: list) -> None:
    """The files a subcommand names: written by those that change the work tree, read by
    `git add` (it copies them into the index), only named by check-ignore and friends."""
    if sub in ("add", "rm", "mv", "checkout", "restore", "apply", "am", "reset", "clean",
               "stash", "switch"):
        _opts, ops = getopt(rest, name_set("-m --message -b -B --orphan -p --patch -s "
                                           "--source --pathspec-from-file --directory -e "
                                           "--exclude"))
        if sub == "rm" and "--cached" in rest:
            return  # only the index changes: the files are neither read nor written
        for op in ops:
            if sub == "add":
                ev.path(op, st)
            elif looks_like_path(op) or op == "." or sub in ("rm", "mv"):
                ev.path(op, st, write=True)
    elif sub not in _GIT_MENTIONS:
        _opts, ops = getopt(rest, name_set("-m --message -F --file -C -c -b -B -o -n -S "
                                           "--author --date --format --pretty --since "
                                           "--until -L --grep"))
        for op in ops:
            if looks_like_path(op):
                ev.path(op, st)


def _git_clone(ev: Evaluator, inner: Call, call: Call, sub: str, rest: list) -> None:
    st = inner.st
    _opts, ops = getopt(rest, name_set("-b --branch -o --origin --depth -c --config "
                                       "--reference --separate-git-dir -j --jobs "
                                       "--template -u --upload-pack --filter "
                                       "--shallow-since --shallow-exclude --name"))
    if sub == "submodule":
        if ops[:1] == ["foreach"]:
            # `git submodule foreach [--recursive] CMD`: CMD runs in every submodule
            code = [op for op in ops[1:] if op != "--recursive"]
            if code:
                ev.run_code(" ".join(code), inner)
            return
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


def _git_remote(ev: Evaluator, text: str, bare: bool = True, call: Call | None = None) -> None:
    """A git remote: URL, `user@host:path`, `ext::command`, or a local path."""
    if text.startswith("ext::") and call is not None:
        ev.command(call.but(_ext_words(text[5:]), stdin=None))
        return
    if ev.scan_url(text):
        return
    head, sep, _tail = text.partition(":")
    if sep and "/" not in head and head:
        ev.host(head.rpartition("@")[2])


def _ext_words(command: str) -> list[str]:
    """The program and arguments of an `ext::` remote (git-remote-ext): words split on
    spaces, `% ` a space inside a word, `%%` a percent sign, `%s`/`%S` the service."""
    words: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(command):
        char = command[i]
        following = command[i + 1] if i + 1 < len(command) else ""
        if char == "%" and following:
            current.append({" ": " ", "%": "%", "s": "git-upload-pack",
                            "S": "git-upload-pack"}.get(following, ""))
            i += 2
            continue
        if char == " ":
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
        i += 1
    if current:
        words.append("".join(current))
    return words or ["git-remote-ext"]


def _variable(ev: Evaluator, call: Call, name: str) -> str:
    """The value of variable `name` for this command (set here, earlier, or inherited)."""
    value = git_value(call, name)
    if value:
        return value
    inherited = ev.env.get(name)
    return UNSET if inherited is None else inherited


def _git_config_from_environment(ev: Evaluator, call: Call, config: dict) -> None:
    """`GIT_CONFIG_COUNT=N GIT_CONFIG_KEY_0=k GIT_CONFIG_VALUE_0=v ... git ...`."""
    count = git_value(call, "GIT_CONFIG_COUNT")
    if not count.isdigit():
        return
    for n in range(min(int(count), 64)):
        key = git_value(call, f"GIT_CONFIG_KEY_{n}")
        if key:
            _git_code(ev, call, key, git_value(call, f"GIT_CONFIG_VALUE_{n}"), config)


def _git_code(ev: Evaluator, call: Call, key: str, value: str,
              config: dict | None = None) -> None:
    """A git setting given on the command line; analyse it when it is a command."""
    key = key.lower()
    if config is not None:
        config[key] = value
    if not value:
        return
    if key == "core.hookspath":
        ev.path(value, call.st)
        if not no_hooks_dir(value, call):
            ev.reason(R_INLINE_CODE)  # the hooks there run, and we do not see them
        elif config is None:  # `git config core.hooksPath /dev/null`: hooks are off
            ev.out.effects["hooks.skip"] = None
    elif key.startswith(("alias.", "credential.")):
        if value.startswith("!"):
            _run_setting(ev, call, key, value[1:])
    elif key in _GIT_CODE_KEYS or key.startswith("pager.") or (
            key.startswith(("filter.", "diff.", "merge.", "difftool.", "mergetool."))
            and key.endswith(_GIT_CODE_SUFFIXES)):
        _run_setting(ev, call, key, value)
    else:
        ev.scan_url(value)


def _run_setting(ev: Evaluator, call: Call, key: str, code: str) -> None:
    """Analyse the command a setting carries, once: the variables that carry settings
    (`GIT_CONFIG_*`) reach the command too, and a `git` in it must not start over."""
    token = "\x00git-config " + key + "=" + code
    if token in ev.calls:
        return
    ev.calls.add(token)
    try:
        ev.run_code(code, call)
    finally:
        ev.calls.discard(token)


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
    if ops[:1] in (["install"], ["wheel"], ["download"]):
        from .interpreters import project_files  # a local project's setup.py runs

        project_files(ev, call, "pip", call.argv[1:])


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
