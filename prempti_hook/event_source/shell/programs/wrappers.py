"""Wrappers: programs that run another command (`sudo`, `env`, `xargs`, `timeout`, `nohup`,
`tmux`, `parallel`...).

Their handlers return the inner command's `Call`, which the evaluator analyses like any
other command, so `sudo -u root env FOO=1 cat f` is seen as `cat f`; those that take the
command as a string (`su -c`, `watch`, `tmux send-keys`) analyse it as shell code.
"""

from __future__ import annotations

from ...paths import resolve_expanded
from ..analysis import (
    COMPUTED,
    INJECTION_VARS,
    MAX_ALTS,
    PIPE,
    Call,
    Input,
    has_marker,
    name_set,
)
from ..syntax import is_name
from .common import CODE_RUNNERS, SHELLS, chdir, generic, getopt, program_family, split_words
from .destructive import effect

_PROXY_VARIABLES = name_set("HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy")
_MAX_LIST = 64 * 1024  # bytes of an xargs list file read

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..evaluate import Evaluator


def _wrapper(values: str = "", no_command: str = "", skip: int = 0, env: bool = False,
             writes: str = "", reads: str = ""):
    """The handler of a simple wrapper: its options that take a value (`values`, and
    `writes`/`reads` whose value is a file), those that mean no command is run
    (`no_command`); the command starts `skip` operands later, after `NAME=value` operands
    when `env`."""
    value_set = name_set(values) | name_set(writes) | name_set(reads)
    no_cmd = name_set(no_command)
    write_set = name_set(writes)
    read_set = name_set(reads)

    def handler(ev: Evaluator, call: Call) -> Call | None:
        opts, ops = getopt(call.argv[1:], value_set, stop=True)
        for name, value in opts:
            if value is not None and name in write_set:
                ev.path(value, call.st, write=True)
            elif value is not None and name in read_set:
                ev.path(value, call.st)
            elif value is not None:
                ev.scan_url(value)  # `uvx --from git+https://host/repo tool`
        if any(name in no_cmd for name, _value in opts):
            return None
        environment = call.env
        if env:
            while ops and "=" in ops[0] and is_name(ops[0].partition("=")[0]):
                name, _eq, value = ops[0].partition("=")
                ev.scan_url(value)
                environment = {**environment, name: [value]}
                ops = ops[1:]
        ops = ops[skip:]
        if not ops:
            return None
        return Call(ops, call.st, call.stdin, environment, call.net)

    return handler


def _h_env(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set("-u --unset -C --chdir -S --split-string "
                                               "--default-signal --ignore-signal "
                                               "--block-signal -a --argv0 -P"), stop=True)
    st = call.st
    split: list[str] = []
    for name, value in opts:
        if value is None:
            continue
        if name in ("-C", "--chdir"):
            st = chdir(ev, st.copy(), value)
        elif name in ("-S", "--split-string"):
            split = split_words(ev, value, st)
        elif name in ("-u", "--unset") and value in _PROXY_VARIABLES:
            effect(ev, "proxy.bypass")
    environment = dict(call.env)
    while ops and "=" in ops[0] and is_name(ops[0].partition("=")[0]):
        name, _eq, value = ops[0].partition("=")
        ev.scan_url(value)
        environment[name] = [value]
        if name in INJECTION_VARS:
            ev.injection(name, [value], st)
        ops = ops[1:]
    argv = split + ops
    if not argv:
        return None
    return Call(argv, st, call.stdin, environment, call.net)


def _h_sudo(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-u --user -g --group -h --host -p --prompt -r --role -t --type -T "
        "--command-timeout -U --other-user -C --close-from -D --chdir -R --chroot"),
        stop=True)
    names = {name for name, _value in opts}
    environment = dict(call.env)
    while ops and "=" in ops[0] and is_name(ops[0].partition("=")[0]):
        name, _eq, value = ops[0].partition("=")
        environment[name] = [value]
        if name in INJECTION_VARS:
            ev.injection(name, [value], call.st)
        ops = ops[1:]
    if names & {"-e", "--edit"}:
        for op in ops:
            ev.path(op, call.st, write=True)
        return None
    if names & {"-s", "--shell", "-i", "--login"}:
        if ops:
            ev.run_code(" ".join(ops), call)
        else:
            ev.code_from_stdin(call, shell=True)
        return None
    if not ops or (names & {"-l", "--list", "-v", "--validate", "-k", "-K", "-V"} and not ops):
        return None
    return Call(ops, call.st, call.stdin, environment, call.net)


def _h_doas(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set("-u -C"), stop=True)
    if any(name == "-s" for name, _value in opts):
        ev.code_from_stdin(call, shell=True)
        return None
    return call.but(ops) if ops else None


def _h_su(ev: Evaluator, call: Call) -> Call | None:
    opts, _ops = getopt(call.argv[1:], name_set(
        "-c --command -s --shell -g --group -G --supp-group -w --whitelist-environment "
        "--session-command"))
    codes = [value for name, value in opts
             if name in ("-c", "--command", "--session-command") and value is not None]
    for code in codes:
        ev.run_code(code, call)
    if not codes:
        ev.code_from_stdin(call, shell=True)
    return None


def _h_sg(ev: Evaluator, call: Call) -> Call | None:
    args = [a for a in call.argv[1:] if a != "-c"]
    if len(args) >= 2:
        ev.run_code(" ".join(args[1:]), call)
    return None


def _xargs_items(ev: Evaluator, call: Call, arg_file: str | None, delimiter: str | None
                 ) -> list[str] | None:
    """The items xargs reads, when they are known: static text piped in (`echo a b |`), or
    a list file that exists (`-a list.txt`, `< list.txt`), bounded; None when unknown."""
    text = None
    stdin = call.stdin
    if arg_file is not None:
        text = _read_list(arg_file, call)
    elif isinstance(stdin, Input):
        text = _read_list(stdin.value, call) if stdin.kind == "file" else stdin.value
    if text is None or has_marker(text):
        return None
    if delimiter is not None:
        items = [item for item in text.split(delimiter) if item]
    else:
        items = split_words(ev, text.replace("\n", " "), call.st) if text.strip() else []
    return items[:MAX_ALTS] if len(items) <= MAX_ALTS else None


def _read_list(path: str, call: Call) -> str | None:
    if has_marker(path) or has_marker(call.st.cwds[0]):
        return None
    try:
        with open(resolve_expanded(path, call.st.cwds[0]), "rb") as handle:
            data = handle.read(_MAX_LIST)
    except (OSError, ValueError):
        return None
    return data.decode("utf-8", "replace") if len(data) < _MAX_LIST else None


def _h_xargs(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-I -n -P -L -d -s -E -a --arg-file --delimiter --max-args --max-procs "
        "--max-lines --max-chars --eof --replace --process-slot-var"),
        stop=True, optional=name_set("-i -l -e"))
    replace = None
    arg_file = None
    delimiter = None
    for name, value in opts:
        if name in ("-I", "--replace"):
            replace = value if value is not None else "{}"
        elif name == "-i":
            replace = value or "{}"
        elif name in ("-a", "--arg-file") and value is not None:
            ev.path(value, call.st)
            arg_file = value
        elif name in ("-d", "--delimiter") and value is not None:
            delimiter = "\n" if value == "\\n" else value
        elif name in ("-0", "--null"):
            delimiter = "\x00"
    if not ops:
        ops = ["echo"]
    items = _xargs_items(ev, call, arg_file, delimiter)
    if items is not None:
        # Known items: the command runs with them (each one in place of the replace string).
        batches = [[op.replace(replace, item) for op in ops] for item in items] if replace \
            else [[*ops, *items]]
        for argv in batches[1:]:
            ev.command(Call(argv, call.st, None, call.env, call.net))
        return Call(batches[0], call.st, None, call.env, call.net) if batches else None
    if replace:
        argv = [op.replace(replace, COMPUTED) for op in ops]
    else:
        argv = [*ops, COMPUTED]
    # The items come from xargs' input; the command's own stdin is /dev/null.
    inner = Call(argv, call.st, None, call.env, call.net)
    if call.stdin == PIPE and program_family(argv[0].rsplit("/", 1)[-1]) in SHELLS | CODE_RUNNERS:
        ev.pipes()
    return inner


def _h_flock(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-w --timeout --wait -E --conflict-exit-code -c --command"), stop=True)
    if not ops:
        return None
    if not ops[0].isdigit():
        ev.path(ops[0], call.st)
    for name, value in opts:
        if name in ("-c", "--command") and value is not None:
            ev.run_code(value, call)
            return None
    if len(ops) > 2 and ops[1] in ("-c", "--command"):
        ev.run_code(ops[2], call)
        return None
    return call.but(ops[1:]) if len(ops) > 1 else None


def _h_watch(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set("-n --interval -q --equexit -d"), stop=True)
    if not ops:
        return None
    if any(name in ("-x", "--exec") for name, _value in opts):
        return call.but(ops)
    ev.run_code(" ".join(ops), call)
    return None


def _h_chroot(ev: Evaluator, call: Call) -> Call | None:
    _opts, ops = getopt(call.argv[1:], name_set("--userspec --groups"), stop=True)
    if not ops:
        return None
    ev.path(ops[0], call.st)
    if len(ops) == 1:
        ev.code_from_stdin(call, shell=True)
        return None
    return call.but(ops[1:])


def _h_script(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set("-c --command -E --echo -I --log-in -O "
                                               "--log-out -B --log-io -T --log-timing -m "
                                               "--logging-format"))
    for name, value in opts:
        if value is None:
            continue
        if name in ("-c", "--command"):
            ev.run_code(value, call)
        elif name not in ("-E", "--echo", "-m", "--logging-format"):
            ev.path(value, call.st, write=True)
    for op in ops[:1]:
        ev.path(op, call.st, write=True)
    return None


def _h_exec_like(ev: Evaluator, call: Call) -> Call | None:
    """`command`, `builtin`, `exec`, `nohup`...: the rest is the command."""
    opts, ops = getopt(call.argv[1:], name_set("-a"), stop=True)
    if call.argv[0] == "command" and any(n in ("-v", "-V") for n, _v in opts):
        return None
    return call.but(ops) if ops else None


def _h_busybox(ev: Evaluator, call: Call) -> Call | None:
    """`busybox APPLET args...`: the applet runs with its arguments unchanged."""
    args = call.argv[1:]
    while args and args[0].startswith("-"):
        args = args[1:]
    return call.but(args) if args else None


def _h_after_dashes(ev: Evaluator, call: Call) -> Call | None:
    """`op run -- cmd`, `doppler run -- cmd`, `aws-vault exec p -- cmd`..."""
    args = call.argv[1:]
    if "--" in args:
        inner = args[args.index("--") + 1:]
        return call.but(inner) if inner else None
    generic(ev, call)
    return None


def _h_run_subcommand(ev: Evaluator, call: Call) -> Call | None:
    """`poetry run cmd`, `pipenv run cmd`, `bundle exec cmd`, `conda run -n env cmd`...;
    `yarn BIN`/`pnpm BIN` run a package's program when BIN is not one of their commands."""
    args = call.argv[1:]
    base = call.argv[0].rsplit("/", 1)[-1]
    if base in ("pnpm", "yarn"):  # package.json scripts they run (event_source.code)
        from .interpreters import package_scripts

        package_scripts(ev, call, base)
    if base == "direnv":  # `direnv allow`: the .envrc runs in the user's shell
        from .interpreters import project_files

        project_files(ev, call, "direnv", args)
    for index, arg in enumerate(args):
        if arg in ("run", "exec", "dlx", "x"):
            _opts, ops = getopt(args[index + 1:], name_set(
                "-n --name -p --prefix --cwd --with --python --project --directory "
                "--env-file --package -c --call --shell --filter -F --index --extra "
                "--group --from -e --environment -s --service"), stop=True)
            return call.but(ops) if ops else None
        if not arg.startswith("-"):
            if base in _PACKAGE_RUNNERS and arg not in _PACKAGE_RUNNERS[base]:
                generic(ev, call)
                return call.but(args[index:])
            break
    generic(ev, call)
    return None


# Commands of yarn and pnpm (any other first word is a script or a package's program).
_PACKAGE_RUNNERS = {
    "yarn": name_set("add audit autoclean bin cache check config constraints create dedupe "
                     "dlx exec explain generate-lock-entry global help import info init "
                     "install licenses link list login logout node npm outdated owner pack "
                     "patch patch-commit plugin policies publish rebuild remove run search "
                     "set stage tag team test unlink unplug up upgrade upgrade-interactive "
                     "version versions why workspace workspaces start build dev lint"),
    "pnpm": name_set("add audit bin config create dedupe deploy dlx doctor env exec fetch "
                     "help i import init install install-test it licenses link list ls "
                     "outdated pack patch patch-commit prune publish rb rebuild recursive "
                     "remove rm root run server setup start store t test uninstall unlink "
                     "up update why build dev lint"),
}


def _h_npx(ev: Evaluator, call: Call) -> Call | None:
    opts, ops = getopt(call.argv[1:], name_set("-p --package -c --call"), stop=True)
    for name, value in opts:
        if name in ("-c", "--call") and value is not None:
            ev.run_code(value, call)
            return None
        if value is not None:
            ev.scan_url(value)  # `-p https://host/pkg.tgz`: the package comes from there
    if ops:
        ev.scan_url(ops[0])  # `npx git+https://host/repo.git`
    return call.but(ops) if ops else None


def _h_uv(ev: Evaluator, call: Call) -> Call | None:
    args = call.argv[1:]
    if args[:1] == ["pip"]:
        from .devtools import handle_pip  # here: load devtools only when needed

        return handle_pip(ev, call.but(["pip", *args[1:]]))
    if args[:2] == ["tool", "run"]:
        return _h_run_subcommand(ev, call.but(["uv", *args[1:]]))
    return _h_run_subcommand(ev, call)


def _h_nix_shell(ev: Evaluator, call: Call) -> Call | None:
    opts, _ops = getopt(call.argv[1:], name_set("--run --command -p --packages -I --arg "
                                                "--argstr -A --attr"))
    for name, value in opts:
        if name in ("--run", "--command") and value is not None:
            ev.run_code(value, call)
    args = call.argv[1:]
    for flag in ("-c", "--command"):
        if call.argv[0] == "nix" and flag in args:
            inner = args[args.index(flag) + 1:]
            return call.but(inner) if inner else None
    return None


# tmux subcommands that start a shell command or type into a shell, with the options of each
# that take a value (per subcommand: `-d` is a flag of new-session but a delay of run-shell).
_TMUX_VALUES = {
    "new-session": "-c -e -f -F -n -s -t -x -y", "new-window": "-c -e -F -n -t",
    "split-window": "-c -e -F -l -t", "respawn-pane": "-c -e -t", "respawn-window": "-c -e -t",
    "run-shell": "-d -t", "send-keys": "-N -t", "display-popup": "-b -c -d -e -h -s -S -t -T "
    "-w -x -y", "pipe-pane": "-t",
}
_TMUX_ALIASES = {"new": "new-session", "neww": "new-window", "splitw": "split-window",
                 "respawnp": "respawn-pane", "respawnw": "respawn-window", "run": "run-shell",
                 "send": "send-keys", "popup": "display-popup", "pipep": "pipe-pane"}


def _h_tmux(ev: Evaluator, call: Call) -> Call | None:
    """tmux commands that start a shell command or type keys into a shell."""
    args = call.argv[1:]
    for index, arg in enumerate(args):
        sub = _TMUX_ALIASES.get(arg, arg)
        if sub in _TMUX_VALUES:
            _opts, ops = getopt(args[index + 1:], name_set(_TMUX_VALUES[sub]))
            keys = [op for op in ops if op not in ("Enter", "C-m", "KPEnter", ";")]
            if keys:
                ev.run_code(" ".join(keys), call)
            return None
    return None


def _h_screen(ev: Evaluator, call: Call) -> Call | None:
    args = call.argv[1:]
    if "-X" in args and "stuff" in args:
        keys = args[args.index("stuff") + 1:]
        ev.run_code(" ".join(keys), call)
        return None
    _opts, ops = getopt(args, name_set("-S -c -e -h -p -s -t -T -L -Logfile -X"), stop=True)
    return call.but(ops) if ops else None


def _h_parallel(ev: Evaluator, call: Call) -> Call | None:
    """GNU parallel: a command template run for each argument (`:::` lists or stdin)."""
    args = call.argv[1:]
    head = args[:args.index(":::")] if ":::" in args else args
    if "--dry-run" in head or "--dryrun" in head:
        return None  # only prints the commands
    separators = (":::", "::::", ":::+", "::::+")
    end = next((k for k, a in enumerate(args) if a in separators), len(args))
    _opts, template = getopt(args[:end], name_set(
        "-j --jobs -S --sshlogin --sshloginfile -a --arg-file --colsep -C -d --delimiter -E "
        "-I --replace --joblog --results --tmpdir --workdir --wd -n --max-args -N -L "
        "--timeout --delay --memfree --load --retries --tag --tagstring --sep"), stop=True)
    if not template:
        ev.code_from_stdin(call, shell=True)  # each input line is a command
        return None
    code = " ".join(template)
    known = [a for a in args[end:] if a not in separators]
    if end < len(args) and args[end] == ":::" and known:
        for value in known[:MAX_ALTS]:
            quoted = "'" + value.replace("'", "'\\''") + "'"
            ev.run_code(code.replace("{}", quoted) if "{}" in code else code + " " + quoted,
                        call)
        return None
    argv = split_words(ev, code, call.st)
    if not argv:
        return None
    argv = [w.replace("{}", COMPUTED) for w in argv]
    if "{}" not in code:
        argv.append(COMPUTED)
    return Call(argv, call.st, None, call.env, call.net)


def _h_at(ev: Evaluator, call: Call) -> Call | None:
    opts, _ops = getopt(call.argv[1:], name_set("-f -q -t"))
    for name, value in opts:
        if name == "-f" and value is not None:
            ev.path(value, call.st)
            return None
    ev.code_from_stdin(call, shell=True)
    return None


def _h_bwrap(ev: Evaluator, call: Call) -> Call | None:
    arity = {"--bind": 2, "--bind-try": 2, "--ro-bind": 2, "--ro-bind-try": 2,
             "--dev-bind": 2, "--dev-bind-try": 2, "--symlink": 2, "--setenv": 2, "--file": 2,
             "--bind-data": 2, "--ro-bind-data": 2, "--chmod": 2}
    args = call.argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("--"):
            break
        count = arity.get(arg, 1)
        if arg in ("--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try") \
                and i + 1 < len(args):
            ev.path(args[i + 1], call.st)
        flags = {"--unshare-all", "--share-net", "--unshare-user", "--unshare-user-try",
                 "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                 "--unshare-cgroup", "--unshare-cgroup-try", "--clearenv", "--new-session",
                 "--die-with-parent", "--as-pid-1", "--disable-userns",
                 "--assert-userns-disabled"}
        i += 1 if arg in flags else 1 + count
    inner = args[i:]
    return call.but(inner) if inner else None


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "env": _h_env, "sudo": _h_sudo, "doas": _h_doas, "su": _h_su, "runuser": _h_su,
    "sg": _h_sg, "xargs": _h_xargs, "flock": _h_flock, "watch": _h_watch,
    "chroot": _h_chroot, "script": _h_script, "command": _h_exec_like,
    "builtin": _h_exec_like, "exec": _h_exec_like, "busybox": _h_busybox,
    "toybox": _h_busybox, "npx": _h_npx, "bunx": _h_npx, "pnpx": _h_npx, "uv": _h_uv,
    "uvx": _wrapper(values="--from --with -p --python --index-url"),
    "poetry": _h_run_subcommand, "pipenv": _h_run_subcommand, "pdm": _h_run_subcommand,
    "hatch": _h_run_subcommand, "rye": _h_run_subcommand, "bundle": _h_run_subcommand,
    "conda": _h_run_subcommand, "mamba": _h_run_subcommand,
    "micromamba": _h_run_subcommand, "pixi": _h_run_subcommand, "pnpm": _h_run_subcommand,
    "yarn": _h_run_subcommand, "direnv": _h_run_subcommand, "railway": _h_run_subcommand,
    "op": _h_after_dashes, "doppler": _h_after_dashes, "aws-vault": _h_after_dashes,
    "infisical": _h_after_dashes, "dotenv": _h_after_dashes, "nix-shell": _h_nix_shell,
    "nix": _h_nix_shell, "tmux": _h_tmux, "screen": _h_screen, "parallel": _h_parallel,
    "at": _h_at, "batch": _h_at, "bwrap": _h_bwrap,
    "nohup": _wrapper(), "setsid": _wrapper(), "unbuffer": _wrapper(),
    "eatmydata": _wrapper(), "fakeroot": _wrapper(values="-l -s -i"),
    "catchsegv": _wrapper(), "dbus-run-session": _wrapper(),
    "xvfb-run": _wrapper(values="-n -s -f -e -p"), "torsocks": _wrapper(values="-u -p -a -P"),
    "proxychains": _wrapper(values="-f"), "proxychains4": _wrapper(values="-f"),
    "tsocks": _wrapper(), "pkexec": _wrapper(values="--user"),
    "nice": _wrapper(values="-n --adjustment"),
    "timeout": _wrapper(values="-s --signal -k --kill-after", skip=1),
    "stdbuf": _wrapper(values="-i -o -e --input --output --error"),
    "ionice": _wrapper(values="-c --class -n --classdata -p --pid -P --pgid -u --uid",
                       no_command="-p --pid -P --pgid -u --uid"),
    "taskset": _wrapper(values="", no_command="-p --pid", skip=1),
    "chrt": _wrapper(values="-T -P -D --sched-runtime --sched-period --sched-deadline",
                     no_command="-p --pid", skip=1),
    "caffeinate": _wrapper(values="-t -w"), "faketime": _wrapper(skip=1),
    "time": _wrapper(values="-f --format", writes="-o --output"),
    "strace": _wrapper(values="-e -p -s -u -E -P -I -b -a -O -S -X -U",
                       writes="-o", no_command="-p"),
    "ltrace": _wrapper(values="-e -p -s -u -n -a -l -w -x -F -A -D",
                       writes="-o", no_command="-p"),
    "valgrind": _wrapper(), "firejail": _wrapper(), "cgexec": _wrapper(values="-g"),
    "numactl": _wrapper(values="-C -N -m -i -p -l --physcpubind --cpunodebind --membind "
                        "--interleave --preferred"),
    "prlimit": _wrapper(values="-p --pid", no_command="-p --pid"),
    "systemd-run": _wrapper(values="-u --unit -p --property -E --setenv --uid --gid --nice "
                            "-M --machine --description --slice -H --host "
                            "--working-directory --on-calendar --on-active "
                            "--on-boot --on-startup --on-unit-active --on-unit-inactive "
                            "--timer-property --path-property --socket-property -D"),
    "nsenter": _wrapper(values="-t --target -S --setuid -G --setgid -w --wd -r --root"),
    "unshare": _wrapper(values="--map-user --map-group --propagation --setgroups -R --root "
                        "-w --wd -S --setuid -G --setgid"),
    "gosu": _wrapper(skip=1), "su-exec": _wrapper(skip=1),
    "chpst": _wrapper(values="-u -U -b -e -/ -n -l -L -m -d -o -p -f -c"),
    "setpriv": _wrapper(values="--reuid --regid --groups --inh-caps --ambient-caps "
                        "--bounding-set --securebits --pdeathsig --selinux-label "
                        "--apparmor-profile --ruid --euid --rgid --egid"),
    "coproc": _wrapper(),
}
