"""Builtins that change the shell's state rather than touch files: `cd`/`pushd`/`popd`,
`read`/`mapfile`, `printf -v`, `set --`, `shift`, `unset`, `getopts`, `let`; the file
operands of `test`/`[`; and the builtins that evaluate text again (`let` and variable names
with subscripts are arithmetic, `mapfile -C` and `compgen -C` run code).
"""

from __future__ import annotations

import os

from ..analysis import (
    COMPUTED,
    MAX_FIELDS,
    POSITIONAL,
    R_UNKNOWN_CWD,
    UNSET,
    has_marker,
    known_text,
    name_set,
)
from ..printed import printf_output
from ..syntax import FILE_TESTS, is_name
from .common import chdir, getopt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call, State
    from ..evaluate import Evaluator


def _h_cd(ev: Evaluator, call: Call) -> None:
    st = call.st
    args = [a for a in call.argv[1:] if not (a.startswith("-") and a != "-")]
    if call.argv[0] == "popd":
        st.cwds, st.oldpwd = st.oldpwd, st.cwds
        if UNSET in st.cwds:
            st.cwds = (COMPUTED,)
            ev.reason(R_UNKNOWN_CWD)
        return
    if not args:
        target = ev.var_values("HOME", st)[0]
    elif args[0] == "-":
        st.cwds, st.oldpwd = st.oldpwd, st.cwds
        if UNSET in st.cwds:
            st.cwds = (COMPUTED,)
            ev.reason(R_UNKNOWN_CWD)
        return
    else:
        target = args[0]
    chdir(ev, st, target, _cd_search(ev, call, target))


def _cd_search(ev: Evaluator, call: Call, target: str) -> list[str]:
    """Where else `cd TARGET` may go: each `CDPATH` folder joined with a relative target
    (bash tries them before the working directory), and with `shopt -s cdable_vars` the
    value of a variable named TARGET. A candidate is kept when it is a folder now or this
    command line writes it: which of them bash picks is known only when it runs."""
    if not target or target.startswith("/") or target in (".", "..") or target.startswith(
            ("./", "../")):
        return []
    st = call.st
    found: list[str] = []
    for search in call.env.get("CDPATH") or ev.var_values("CDPATH", st):
        if search == UNSET or not search:
            continue
        for folder in search.split(":"):
            if folder:
                found.append(folder.rstrip("/") + "/" + target)
    if is_name(target):
        found.extend(v for v in ev.var_values(target, st) if v != UNSET and v)
    return [place for place in found if has_marker(place) or _may_be_folder(ev, st, place)]


def _may_be_folder(ev: Evaluator, st: State, place: str) -> bool:
    for cwd in st.cwds:
        if has_marker(cwd):
            return True
        real = ev.resolve(place, cwd)
        if os.path.isdir(real) or any(path == real or path.startswith(real + "/")
                                      for path in ev.written):
            return True
    return False


def _h_read(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-a -d -i -n -N -p -t -u -C -c -O -s"))
    st = call.st
    base = call.argv[0]
    for op in ops:
        ev.name_text(op, st)  # `read 'a[$(cmd)]'` evaluates the subscript
    for name, value in opts:
        if name == "-a" and value:
            st.arrays[value] = [COMPUTED]
        elif name in ("-n", "-N", "-t", "-c", "-O", "-s", "-u") and value:
            ev.arith_text(value, st)
        elif name == "-C" and value and base != "read":
            # `mapfile -C CALLBACK`: the callback runs as code, given an index and a line
            ev.run_code(f"{value} 0 {POSITIONAL}", call)
    known = known_text(call.stdin)
    if base in ("mapfile", "readarray"):
        lines = known.splitlines() if known is not None else [COMPUTED]
        st.arrays[ops[0] if ops else "MAPFILE"] = lines[:MAX_FIELDS]
        return
    names = [op for op in ops if is_name(op)] or ["REPLY"]
    if known is None:
        for name in names:
            st.vars[name] = (COMPUTED,)
        return
    # `read a b <<< "x y z"`: words of the first line, the last name takes the rest
    line = known.split("\n", 1)[0]
    words = line.split(None, len(names) - 1) if len(names) > 1 else [line.strip()]
    for index, name in enumerate(names):
        st.vars[name] = (words[index] if index < len(words) else "",)


def _h_printf(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if len(args) >= 2 and args[0] == "-v":
        ev.name_text(args[1], call.st)  # `printf -v 'a[$(cmd)]'` evaluates the subscript
    if len(args) >= 3 and args[0] == "-v" and is_name(args[1].split("[", 1)[0]):
        value = printf_output(args[2], args[3:], ev.ctx)
        call.st.vars[args[1].split("[", 1)[0]] = (COMPUTED if value is None else value,)


def _h_let(ev: Evaluator, call: Call) -> None:
    """`let EXPR...`: each argument is an arithmetic expression."""
    for arg in call.argv[1:]:
        ev.arith_text(arg, call.st)


def _h_compgen(ev: Evaluator, call: Call) -> None:
    """`compgen -C CMD` runs a command, `-W LIST` expands its word list again."""
    opts, _ops = getopt(call.argv[1:], name_set("-A -G -W -C -F -P -S -X -o"))
    for name, value in opts:
        if value is None:
            continue
        if name == "-C":
            ev.run_code(value, call)
        elif name == "-W":
            ev.expand_text(value, call.st)
        elif name == "-F" and value in call.st.funcs:
            ev.command(call.but([value]))


def _h_unset(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:])
    functions = any(name == "-f" for name, _value in opts)
    st = call.st
    for op in ops:
        if functions:
            st.funcs.pop(op, None)
        else:
            ev.name_text(op, st)
            st.vars[op] = ("",)
            st.arrays.pop(op, None)


def _h_set(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    i = 0
    explicit = False
    while i < len(args):
        arg = args[i]
        if arg == "--":
            explicit = True
            i += 1
            break
        if len(arg) > 1 and arg[0] in "-+":
            i += 2 if arg[1:] == "o" else 1
            continue
        break
    if explicit or i < len(args):
        call.st.positional = list(args[i:])


def _h_shift(ev: Evaluator, call: Call) -> None:
    st = call.st
    count = int(call.argv[1]) if len(call.argv) > 1 and call.argv[1].isdigit() else 1
    if st.positional is not None:
        st.positional = st.positional[count:]


def _h_getopts(ev: Evaluator, call: Call) -> None:
    if len(call.argv) > 2 and is_name(call.argv[2]):
        call.st.vars[call.argv[2]] = (COMPUTED,)


def _h_test(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    for index, arg in enumerate(args):
        if arg == "-v" and index + 1 < len(args):
            ev.name_text(args[index + 1], call.st)
        if arg in FILE_TESTS:
            if index + 1 < len(args):
                ev.path(args[index + 1], call.st)
            if arg in ("-nt", "-ot", "-ef") and index:
                ev.path(args[index - 1], call.st)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "cd": _h_cd, "pushd": _h_cd, "popd": _h_cd, "read": _h_read, "mapfile": _h_read,
    "readarray": _h_read, "printf": _h_printf, "unset": _h_unset, "set": _h_set,
    "shift": _h_shift, "getopts": _h_getopts, "test": _h_test, "[": _h_test, "let": _h_let,
    "compgen": _h_compgen,
}
