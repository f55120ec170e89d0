"""Shells, interpreters of other languages, and the builtins that run code (`bash -c`,
`python -c`, `pwsh -Command`, `eval`, `source`, `trap`, `alias`).

Shell code is analysed in turn; code of another language is reported (`inline_code`), with
the paths and URLs quoted in it; code read from a pipe or a program's output is reported as
piped to a shell.
"""

from __future__ import annotations

from ..analysis import COMPUTED, MARKERS, R_DYNAMIC_CODE, R_INLINE_CODE, name_set
from .common import LANGS, SHELLS, code_literals, generic, getopt, looks_like_path, program_family

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


_LONG_CODE = frozenset({"--eval", "--print", "--command", "--exec"})
_LONG_VALUES = frozenset({"--require", "--import", "--loader", "--input-type", "--env-file",
                          "--conditions", "--experimental-loader", "--title", "--cpu-prof-dir",
                          "--config", "--load"})


def _h_shell(ev: Evaluator, call: Call) -> None:
    argv = call.argv
    st = call.st
    fish = program_family(argv[0].rsplit("/", 1)[-1]) == "fish"
    c_mode = s_mode = False
    codes: list[str] = []
    i, n = 1, len(argv)
    while i < n:
        arg = argv[i]
        if arg in ("--", "-"):
            i += 1
            break
        if arg in ("--rcfile", "--init-file"):
            if i + 1 < n:
                ev.path(argv[i + 1], st)
            i += 2
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in ("--command", "--init-command"):
                if eq:
                    codes.append(value)
                elif i + 1 < n:
                    codes.append(argv[i + 1])
                    i += 1
            i += 1
            continue
        if len(arg) > 1 and arg[0] in "-+" and arg[1] not in MARKERS:
            takes = 0
            for char in arg[1:]:
                if char == "c":
                    c_mode = True
                elif char == "s":
                    s_mode = True
                elif char in "oO" or (fish and char == "C"):
                    takes += 1
            if fish and "C" in arg[1:] and i + 1 < n:
                codes.append(argv[i + 1])
            i += 1 + takes
            continue
        break
    ops = argv[i:]
    if c_mode:
        if ops:
            rest = ops[1:]
            ev.run_code(ops[0], call, positional=rest[1:], arg0=rest[0] if rest else None)
    elif s_mode or not ops:
        ev.code_from_stdin(call, shell=True)
    else:
        ev.script_operand(ops[0], call, shell=True)
    for code in codes:
        ev.run_code(code, call)
    if call.net:
        ev.pipes()


def _h_interpreter(ev: Evaluator, call: Call) -> Call | None:
    argv = call.argv
    base = argv[0].rsplit("/", 1)[-1]
    lang = base if base in LANGS else program_family(base)
    code_letters, value_letters, attached_letters, module_letter, inplace_letter = LANGS[lang]
    st = call.st
    codes: list[str] = []
    module = None
    inplace = False
    script = None
    i, n = 1, len(argv)
    if lang == "deno" and n > 1:
        if argv[1] == "eval":
            codes.append(" ".join(argv[2:]))
            i = n
        elif argv[1] in ("run", "x"):
            i = 2
    while i < n:
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg == "-":
            script = "-"
            i += 1
            break
        if len(arg) < 2 or arg[0] != "-" or arg[1] in MARKERS:
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in _LONG_CODE:
                if eq:
                    codes.append(value)
                elif i + 1 < n:
                    codes.append(argv[i + 1])
                    i += 1
            elif name in _LONG_VALUES and not eq:
                if name == "--env-file" and i + 1 < n:
                    ev.path(argv[i + 1], st)
                i += 1
            i += 1
            continue
        j = 1
        skip_next = False
        while j < len(arg):
            char = arg[j]
            rest = arg[j + 1:]
            if char in code_letters:
                if rest:
                    codes.append(rest)
                elif i + 1 < n:
                    codes.append(argv[i + 1])
                    skip_next = True
                break
            if module_letter and char == module_letter:
                module = rest or (argv[i + 1] if i + 1 < n else "")
                skip_next = not rest
                break
            if inplace_letter and char == inplace_letter:
                inplace = True
                break
            if char in attached_letters:
                break
            if char in value_letters:
                skip_next = not rest
                break
            j += 1
        i += 2 if skip_next else 1
        if module is not None or (codes and lang in ("python", "pypy")):
            break
    rest_args = argv[i:]
    if codes:
        ev.reason(R_INLINE_CODE)
        for code in codes:
            ev.unknown(code, R_DYNAMIC_CODE)
            if COMPUTED in code:
                ev.pipes()
            code_literals(ev, code, st)
    elif module is not None:
        if module == "pip":
            from .devtools import handle_pip  # here: load devtools only when needed

            return handle_pip(ev, call.but(["pip", *rest_args]))
        generic(ev, call.but([module, *rest_args]))
        return None
    elif script is not None:
        ev.code_from_stdin(call, shell=False)
    elif rest_args:
        script = rest_args[0]
        rest_args = rest_args[1:]
        ev.script_operand(script, call, shell=False)
    else:
        ev.code_from_stdin(call, shell=False)
    for arg in rest_args:
        if inplace and not arg.startswith("-"):
            ev.path(arg, st, write=True)
        elif not arg.startswith("-") and (looks_like_path(arg) or inplace):
            ev.path(arg, st)
        else:
            ev.scan_url(arg)
    return None


def _h_pwsh(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    takes_value = ("-executionpolicy", "-ex", "-ep", "-workingdirectory", "-wd",
                   "-configurationname", "-outputformat", "-of", "-inputformat", "-if",
                   "-windowstyle", "-w", "-version", "-v", "-settingsfile", "-custompipename")
    i = 0
    while i < len(args):
        lowered = args[i].lower()
        if lowered in ("-command", "-c") or (lowered.startswith("-co") and
                                             "-command".startswith(lowered)):
            code = " ".join(args[i + 1:])
            if code in ("", "-"):
                ev.code_from_stdin(call, shell=True)
            else:
                ev.reason(R_INLINE_CODE)
                ev.unknown(code, R_DYNAMIC_CODE)
                code_literals(ev, code, call.st)
            return
        if lowered.startswith("-e") and "-encodedcommand".startswith(lowered):
            ev.reason(R_INLINE_CODE)
            ev.reason(R_DYNAMIC_CODE)
            return
        if lowered in ("-file", "-f"):
            if i + 1 < len(args):
                ev.script_operand(args[i + 1], call, shell=False)
            return
        if lowered in takes_value:
            i += 2
            continue
        if not lowered.startswith("-"):
            ev.reason(R_INLINE_CODE)
            return
        i += 1
    ev.code_from_stdin(call, shell=True)


def _h_eval(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if args:
        ev.run_code(" ".join(args), call, same_shell=True)


def _h_source(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        return
    ev.script_operand(args[0], call, shell=True)


def _h_trap(ev: Evaluator, call: Call) -> None:
    args = [a for a in call.argv[1:] if a not in ("-l", "-p", "-P", "--")]
    if len(args) >= 2 and args[0] != "-":
        ev.run_code(args[0], call, same_shell=False)


def _h_alias(ev: Evaluator, call: Call) -> None:
    for arg in call.argv[1:]:
        _name, eq, value = arg.partition("=")
        if eq and value:
            ev.run_code(value, call)


def _h_hash(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set("-p"))
    for name, value in opts:
        if name == "-p" and value is not None:
            ev.path(value, call.st)
            for op in ops:
                call.st.hashed[op] = value.rstrip("/").rsplit("/", 1)[-1]
                ev.name(call.st.hashed[op])


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "bun": _h_interpreter, "eval": _h_eval, "source": _h_source, ".": _h_source,
    "trap": _h_trap, "alias": _h_alias, "hash": _h_hash, "pwsh": _h_pwsh,
    "powershell": _h_pwsh,
}
# By family name (`python3.12` -> `python`, `ksh93` -> `ksh`): versioned names need no entry.
FAMILY_HANDLERS: dict = {name: _h_shell for name in SHELLS}
FAMILY_HANDLERS.update({name: _h_interpreter for name in LANGS})
