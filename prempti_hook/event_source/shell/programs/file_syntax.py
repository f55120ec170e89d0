"""File utilities that a table of options cannot describe: those with a syntax of their own
(`dd if= of=`, `sed` scripts with `w`/`r`/`e`, `awk` programs, `jq` filters, `find -exec`,
`fd -x`, `tar` old-style options) and those whose options change what the operands are
(`tee`, `install -d`, `mknod`, `chattr`, compressors, editors, `zip`/`unzip`).
"""

from __future__ import annotations

from ..analysis import (
    COMPUTED,
    MARKERS,
    R_COMPUTED_PATH,
    R_DYNAMIC_CODE,
    R_INLINE_CODE,
    Call,
    name_set,
)
from ..syntax import DIGITS, is_name
from .common import code_literals, file_handler, getopt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import State
    from ..evaluate import Evaluator


def _h_dd(ev: Evaluator, call: Call) -> None:
    for arg in call.argv[1:]:
        if arg.startswith("if="):
            ev.path(arg[3:], call.st)
        elif arg.startswith("of="):
            ev.path(arg[3:], call.st, write=True)


def _h_tee(ev: Evaluator, call: Call) -> None:
    _opts, ops = getopt(call.argv[1:])
    for op in ops:
        ev.path(op, call.st, write=True)


def _h_install(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-m --mode -o --owner -g --group -S --suffix "
                                               "-t --target-directory --strip-program -Z"))
    if any(name in ("-d", "--directory") for name, _value in opts):
        for op in ops:
            ev.path(op, call.st, write=True)
        return
    file_handler("dest", values="-m --mode -o --owner -g --group -S --suffix "
                 "--strip-program", targets="-t --target-directory")(ev, call)


def _h_mknod(ev: Evaluator, call: Call) -> None:
    _opts, ops = getopt(call.argv[1:], name_set("-m --mode -Z --context"))
    if ops:
        ev.path(ops[0], call.st, write=True)


def _h_chattr(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg in ("-v", "-p"):
            skip_next = True
        elif arg[:1] not in "+-=":
            ev.path(arg, call.st, write=True)


def _h_compress(ev: Evaluator, call: Call) -> None:
    """gzip & co. replace their operands unless asked to write to stdout."""
    opts, ops = getopt(call.argv[1:], name_set("-S --suffix -b -T -D -o -L"))
    keep = any(name in ("-c", "--stdout", "--to-stdout", "-k", "--keep", "-t", "--test",
                        "-l", "--list") for name, _value in opts)
    for name, value in opts:
        if name == "-o" and value is not None:
            ev.path(value, call.st, write=True)
    for op in ops:
        ev.path(op, call.st, write=not keep)


def _h_editor(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-c --cmd -S -u -i -T -o -O -p -t -q -w -W"))
    if any(name in ("-c", "--cmd") for name, _value in opts) or any(
            op.startswith("+") and len(op) > 1 for op in ops):
        ev.reason(R_INLINE_CODE)
    for name, value in opts:
        if name in ("-S", "-u") and value is not None:
            ev.path(value, call.st)
    for op in ops:
        if not op.startswith("+"):
            ev.path(op, call.st, write=True)


def _h_sed(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-e --expression -f --file -l --line-length --follow-symlinks-"),
        optional=name_set("-i"))
    st = call.st
    scripts: list[str] = []
    inplace = False
    for name, value in opts:
        if name in ("-e", "--expression") and value is not None:
            scripts.append(value)
        elif name in ("-f", "--file") and value is not None:
            ev.path(value, st)
            scripts.append("")
        elif name in ("-i", "--in-place"):
            inplace = True
    if not scripts and ops:
        scripts.append(ops[0])
        ops = ops[1:]
    for script in scripts:
        for command, argument in _sed_commands(script):
            if command == "e":
                if argument:
                    ev.run_code(argument, call)
                else:
                    ev.reason(R_INLINE_CODE)
            elif command == "se":
                ev.reason(R_INLINE_CODE)
                ev.reason(R_DYNAMIC_CODE)
            elif command in ("w", "W"):
                ev.path(argument, st, write=True)
            elif command in ("r", "R"):
                ev.path(argument, st)
    for op in ops:
        ev.path(op, st, write=inplace)


def _sed_skip(script: str, i: int, delim: str) -> int:
    n = len(script)
    while i < n:
        char = script[i]
        if char == "\\":
            i += 2
            continue
        if char == delim:
            return i + 1
        i += 1
    return n


def _sed_address_end(script: str, i: int) -> int:
    """Where the command starts after the addresses at `i` (`1,$`, `/re/`, `\\%re%`...)."""
    n = len(script)
    while i < n:
        char = script[i]
        if char in DIGITS or char in "$,~+! \t":
            i += 1
        elif char == "/":
            i = _sed_skip(script, i + 1, "/")
        elif char == "\\" and i + 1 < n:
            i = _sed_skip(script, i + 2, script[i + 1])
        else:
            break
    return i


def _sed_s_flags(script: str, i: int, out: list) -> int:
    """The flags of an `s` command at `i`: `e` runs the result, `w FILE` writes it (both
    noted in `out`); where the flags end."""
    n = len(script)
    while i < n and script[i] in "gpiImMe0123456789w":
        if script[i] == "e":
            out.append(("se", ""))
        if script[i] == "w":
            end = script.find("\n", i)
            end = n if end < 0 else end
            out.append(("w", script[i + 1:end].strip()))
            return end
        i += 1
    return i


def _sed_commands(script: str) -> list[tuple[str, str]]:
    """The sed commands that run programs or touch files: (`e`|`se`|`w`|`W`|`r`|`R`, arg)."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(script)
    while i < n:
        char = script[i]
        if char in " \t\n;}{!":
            i += 1
            continue
        i = _sed_address_end(script, i)
        if i >= n:
            break
        command = script[i]
        i += 1
        line_end = script.find("\n", i)
        if line_end < 0:
            line_end = n
        if command in "rRwWe":
            argument = script[i:line_end].strip()
            if command != "e" or argument:
                out.append((command, argument))
            else:
                out.append(("e", ""))
            i = line_end
        elif command in "aic:btTv":
            end = line_end if command in "aic" else min(
                (p for p in (script.find(";", i), line_end) if p >= 0), default=n)
            i = end
        elif command in "sy":
            if i >= n:
                break
            delim = script[i]
            i = _sed_skip(script, i + 1, delim)
            i = _sed_skip(script, i, delim)
            if command == "s":
                i = _sed_s_flags(script, i, out)
        elif command in "=dDgGhHlnNpPqQxzF#":
            if command == "#":
                i = line_end
            while i < n and script[i] in DIGITS:
                i += 1
        else:
            break
    return out


def _h_awk(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-F -v -f -e -i -l -o -E --field-separator "
                                               "--assign --file --source --include --load"))
    st = call.st
    programs = [v for n, v in opts if n in ("-e", "--source") and v is not None]
    from .interpreters import awk_program, script_file  # awk code (event_source.code)

    for name, value in opts:
        if name in ("-f", "--file", "-E", "-i", "--include") and value is not None:
            ev.path(value, st)
            script_file(ev, call, value, "awk")
            programs.append("")
    if not programs and ops:
        programs.append(ops[0])
        ops = ops[1:]
    for program in programs:
        if any(token in program for token in ("system", "getline", "|&", '| "', '|"')):
            ev.reason(R_INLINE_CODE)
        _awk_outputs(ev, program, st)
        code_literals(ev, program, st)
        awk_program(ev, call, program)
    for op in ops:
        if "=" in op and is_name(op.partition("=")[0]):
            continue
        ev.path(op, st)


def _awk_outputs(ev: Evaluator, program: str, st: State) -> None:
    """`print > "file"` and `print >> "file"` in an awk program write that file."""
    index = program.find(">")
    while index >= 0:
        j = index + 1
        if j < len(program) and program[j] == ">":
            j += 1
        while j < len(program) and program[j] in " \t":
            j += 1
        if j < len(program) and program[j] == '"':
            end = program.find('"', j + 1)
            if end > j + 1:
                ev.path(program[j + 1:end], st, write=True)
        index = program.find(">", j)


def _h_jq(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    st = call.st
    two = {"--arg", "--argjson", "--slurpfile", "--rawfile"}
    one = {"-L", "--indent", "-f", "--from-file"}
    filter_given = False
    operands = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--args", "--jsonargs"):
            break
        if arg in two:
            if arg in ("--slurpfile", "--rawfile") and i + 2 < len(args):
                ev.path(args[i + 2], st)
            i += 3
            continue
        if arg in one:
            if arg in ("-f", "--from-file") and i + 1 < len(args):
                ev.path(args[i + 1], st)
                filter_given = True
            i += 2
            continue
        if arg.startswith("-") and len(arg) > 1:
            i += 1
            continue
        operands.append(arg)
        i += 1
    for op in operands if filter_given else operands[1:]:
        ev.path(op, st)


def _h_fd(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    st = call.st
    for flag in ("-x", "--exec", "-X", "--exec-batch"):
        if flag in args:
            index = args.index(flag)
            end = index + 1
            while end < len(args) and args[end] != ";":
                end += 1
            inner = args[index + 1:end]
            if inner:
                argv = [w.replace("{}", COMPUTED) for w in inner]
                if not any("{" in w for w in inner):  # no placeholder: the path is appended
                    argv.append(COMPUTED)
                ev.command(Call(argv, st, None, call.env, call.net))
            args = args[:index] + args[end + 1:]
    _opts, ops = getopt(args, name_set(
        "-e --extension -E --exclude -t --type -d --max-depth -S --size --changed-within "
        "--changed-before -o --owner -j --threads --max-results --color --exact-depth "
        "--min-depth --format --path-separator --base-directory --search-path "
        "--ignore-file -c"))
    for op in ops[1:]:
        ev.path(op, st)
    if len(ops) <= 1:
        ev.cwd_path(st)


_TAR_SHORT_VALUES = frozenset("fCTXbHgKLNVIF")
_TAR_LONG_VALUES = name_set(
    "--file --directory --files-from --exclude-from --blocking-factor --format "
    "--listed-incremental --starting-file --tape-length --newer --after-date --newer-mtime "
    "--label --use-compress-program --to-command --checkpoint-action --owner --group --mode "
    "--mtime --transform --xform --info-script --new-volume-script --exclude --index-file "
    "--record-size --volno-file --rsh-command --rmt-command --strip-components --warning "
    "--quoting-style --pax-option --exclude-tag --exclude-tag-all --exclude-tag-under "
    "--owner-map --group-map --hole-detection --sparse-version --suffix")
_TAR_CODE_OPTIONS = name_set("-I --use-compress-program --to-command --info-script "
                             "--new-volume-script -F --rsh-command --rmt-command")
_TAR_CREATE = name_set("-c --create -r --append -u --update -A --catenate --concatenate "
                       "--delete")


def _tar_items(args: list) -> list[tuple]:
    """tar's arguments in order: ("opt", name, value or None) and ("op", operand). The
    order matters because `-C DIR` applies to the operands after it. Old-style bundles
    (`tar czf x.tgz -C / dir`) take their option values from the following arguments."""
    items: list[tuple] = []
    pending: list[str] = []  # old-style letters waiting for their value
    index = 0
    if args and args[0] and not args[0].startswith("-") and args[0].isalpha():
        for letter in args[0]:
            if letter in _TAR_SHORT_VALUES:
                pending.append("-" + letter)
            else:
                items.append(("opt", "-" + letter, None))
        index = 1
        for option in pending:
            items.append(("opt", option, args[index] if index < len(args) else None))
            index += 1
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            items.extend(("op", rest) for rest in args[index:])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if not eq and name in _TAR_LONG_VALUES and index < len(args):
                value, eq = args[index], "="
                index += 1
            items.append(("opt", name, value if eq else None))
        elif arg.startswith("-") and len(arg) > 1 and arg[1] not in MARKERS:
            for position in range(1, len(arg)):
                letter = arg[position]
                if letter in _TAR_SHORT_VALUES:
                    value = arg[position + 1:]
                    if not value and index < len(args):
                        value = args[index]
                        index += 1
                    items.append(("opt", "-" + letter, value or None))
                    break
                items.append(("opt", "-" + letter, None))
        else:
            items.append(("op", arg))
    return items


def _h_tar(ev: Evaluator, call: Call) -> None:
    """tar, option by option: `-C DIR` changes where the names after it are read or
    extracted (`tar -cf - -C ~ .ssh` reads `~/.ssh`); `-x` writes the members (all of them
    into the current folder when none is named), except with `-O` (to standard output) or
    `-t`; with `-P` members keep their absolute names, so an extraction may write anywhere
    (`/` is recorded as its known folder, with `computed_path`)."""
    items = _tar_items(call.argv[1:])
    st = call.st
    names = {item[1] for item in items if item[0] == "opt"}
    extract = bool(names & {"-x", "--extract", "--get"})
    create = bool(names & _TAR_CREATE)
    to_stdout = bool(names & {"-O", "--to-stdout", "--to-command", "-t", "--list"})
    absolute = bool(names & {"-P", "--absolute-names"})
    directory = None  # the folder `-C` last named; None: the working directory
    members = False
    for item in items:
        if item[0] == "op":
            members = True
            member = item[1]
            if directory is not None and not member.startswith("/"):
                member = directory.rstrip("/") + "/" + member
            ev.path(member, st, write=extract and not to_stdout)
            continue
        _kind, name, value = item
        if value is None:
            continue
        if name in ("-f", "--file"):
            ev.path(value, st, write=create)
        elif name in ("-C", "--directory"):
            if directory is not None and not value.startswith("/"):
                value = directory.rstrip("/") + "/" + value
            directory = value
            ev.path(value, st)
        elif name in ("-T", "--files-from", "-X", "--exclude-from"):
            ev.path(value, st)
            members = members or name in ("-T", "--files-from")
            if directory is not None and name in ("-T", "--files-from"):
                ev.path(directory, st, write=extract and not to_stdout)
        elif name in _TAR_CODE_OPTIONS:
            ev.run_code(value, call)
        elif name == "--checkpoint-action" and value.startswith("exec="):
            ev.run_code(value[5:], call)
    if extract and not to_stdout:
        if absolute:
            ev.reason(R_COMPUTED_PATH)  # members named inside the archive, anywhere
            ev.path("/", st, write=True)
        if not members:
            if directory is None:
                ev.cwd_path(st, write=True)
            else:
                ev.path(directory, st, write=True)


def _h_zip(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-b -n -t -tt -i -x -P --password -O -TT -Z "
                                               "-s -sp -U -x"))
    for name, value in opts:
        if name == "-TT" and value is not None:
            ev.run_code(value, call)
    if ops:
        ev.path(ops[0], call.st, write=True)
        for op in ops[1:]:
            ev.path(op, call.st)


def _h_unzip(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-d -x -P -O -I"))
    st = call.st
    listing = any(name in ("-l", "-p", "-t", "-v", "-Z", "-c") for name, _value in opts)
    target = next((value for name, value in opts if name == "-d" and value), None)
    if ops:
        ev.path(ops[0], st)
    if not listing:
        if target:
            ev.path(target, st, write=True)
        else:
            ev.cwd_path(st, write=True)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "dd": _h_dd, "tee": _h_tee, "install": _h_install, "mknod": _h_mknod, "chattr": _h_chattr,
    "sed": _h_sed, "gsed": _h_sed, "awk": _h_awk, "gawk": _h_awk, "mawk": _h_awk,
    "nawk": _h_awk, "busybox-awk": _h_awk, "jq": _h_jq, "gojq": _h_jq, "yq": _h_jq,
    "jaq": _h_jq, "fd": _h_fd, "fdfind": _h_fd,
    "tar": _h_tar, "gtar": _h_tar, "bsdtar": _h_tar, "zip": _h_zip, "unzip": _h_unzip,
}
for _name in name_set("gzip gunzip bzip2 bunzip2 xz unxz lzma unlzma zstd unzstd lz4 compress "
                      "uncompress pigz pbzip2 brotli"):
    HANDLERS[_name] = _h_compress
for _name in name_set("vi vim nvim vimdiff nano pico emacs ed ex micro joe jed kak hx"):
    HANDLERS[_name] = _h_editor
