"""Shells, interpreters of other languages, the builtins that run code (`bash -c`,
`python -c`, `pwsh -Command`, `eval`, `source`, `trap`, `alias`), and the programs that run
code from local files (`make`, `just`, `npm run`, git hooks).

Shell code is analysed in turn. Code of another language (inline, from standard input, or
from a script file) goes to `event_source.code`, whose findings come back here: paths,
URLs and hosts join the command's, and the commands the code runs (`os.system("...")`,
`child_process.exec("...")`, backquotes) are analysed as shell commands, at any depth.
Inline code is still reported (`inline_code`): what a tokenizer reads of a language is not
all of it. Code read from a pipe or a program's output is reported as piped to a shell.

Local files are read bounded and without blocking (`code.scripts.FileReader`); scripts in
system folders (package-managed, not writable by the agent) are not read.
"""

from __future__ import annotations

from ..analysis import (
    COMPUTED,
    MARKERS,
    R_DYNAMIC_CODE,
    R_INLINE_CODE,
    R_TOO_LARGE,
    Input,
    has_marker,
    name_set,
)
from .common import LANGS, SHELLS, code_literals, generic, getopt, looks_like_path, program_family

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ...code.report import CodeReport
    from ...code.scripts import Step
    from ..analysis import Call, State
    from ..evaluate import Evaluator


_LONG_CODE = frozenset({"--eval", "--print", "--command", "--exec"})
_LONG_VALUES = frozenset({"--require", "--import", "--loader", "--input-type", "--env-file",
                          "--conditions", "--experimental-loader", "--title", "--cpu-prof-dir",
                          "--config", "--load"})
# Interpreters whose code `event_source.code` reads, by family name.
_CODE_LANGUAGES = {"python": "python", "pypy": "python", "node": "javascript",
                   "nodejs": "javascript", "bun": "javascript", "deno": "javascript",
                   "perl": "perl", "ruby": "ruby", "irb": "ruby", "php": "php", "lua": "lua",
                   "luajit": "lua", "osascript": "applescript", "pwsh": "powershell",
                   "powershell": "powershell"}
# Folders of package-managed programs: not the agent's to plant scripts in.
_SYSTEM_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/snap/", "/nix/store/",
                    "/opt/homebrew/Cellar/", "/System/", "/Library/Developer/")


# --- code of other languages (event_source.code) --------------------------------------------

class _CodeState:
    """Per analysis: the file reader (bounds for the whole call), the work budget, and the
    scripts being analysed (a script that runs itself is read once)."""

    __slots__ = ("_reader", "active", "budget")

    def __init__(self) -> None:
        from ...code.report import Budget

        self._reader = None
        self.budget = Budget()
        self.active: set[str] = set()

    @property
    def reader(self):
        """Made when first used: inline code may read no file."""
        if self._reader is None:
            from ...code.scripts import FileReader

            self._reader = FileReader()
        return self._reader

    @reader.setter
    def reader(self, reader) -> None:
        self._reader = reader

    def read_text(self, path: str):
        return self.reader.text(path)


def _state(ev: Evaluator) -> _CodeState:
    state = getattr(ev, "code_state", None)
    if state is None:
        from ...code.report import CodeReport

        state = _CodeState()
        ev.code_state = state
        if ev.out.code is None:
            ev.out.code = CodeReport()
    return state


def _cwd(st: State) -> str | None:
    for cwd in st.cwds:
        if not has_marker(cwd):
            return cwd
    return None


def run_foreign(ev: Evaluator, call: Call, language: str, text: str,
                cwd: str | None = None, literals: bool = True) -> None:
    """Analyse `text`, code of `language` that this command runs, and take over what it
    does (shell code goes to the shell analysis directly). `literals`: inline code (a
    file's strings are often data, see `code.CodeContext`)."""
    if language == "shell":
        if not literals:
            _file_commands(ev, text)
        sub = call.but(call.argv, stdin=None, st=_in_dir(call.st, cwd))
        ev.run_code(text.translate(_SCRUB), sub, stdin=None)
        return
    from ...code import CodeContext, analyze_into
    from ...code.report import CodeReport

    state = _state(ev)
    where = cwd or _cwd(call.st)
    if where is None:
        return
    ctx = CodeContext(ev.home, where, CodeReport(), state.budget, read_file=state.read_text,
                      literals=literals)
    analyze_into(language, text, ctx)
    take_over(ev, call, ctx.report.finish(), cwd)


def take_over(ev: Evaluator, call: Call, report: CodeReport, cwd: str | None = None) -> None:
    """A code report (analysed already) in the command's analysis."""
    _state(ev)
    ev.out.code.merge(report)
    _take_over(ev, call, report, _in_dir(call.st, cwd))


def _file_commands(ev: Evaluator, text: str) -> None:
    """Shell code from a local file (a script, a recipe, a package script, a hook) joins
    tool.code.commands: rules written on the text of a command line can read it there."""
    _state(ev)
    ev.out.code.command("shell", text)


def _in_dir(st: State, cwd: str | None) -> State:
    if cwd is None or st.cwds == (cwd,):
        return st
    inner = st.copy()
    inner.cwds = (cwd,)
    return inner


def _known_part(path: str) -> str:
    """A path with run-time parts cut back to its last known folder (`~/.ssh/<?>` ->
    `~/.ssh`); "" when nothing before them is known."""
    cut = min((path.find(m) for m in MARKERS if m in path), default=-1)
    if cut < 0:
        return path
    slash = path.rfind("/", 0, cut)
    return path[:slash] if slash > 0 else ""


def _take_over(ev: Evaluator, call: Call, report: CodeReport, st: State) -> None:
    """What the code does, in the command's analysis."""
    for path in report.reads:
        known = _known_part(path)
        if known:
            ev.path(known, st)
    for path in report.writes:
        known = _known_part(path)
        if known:
            ev.path(known, st, write=True)
    for url in report.urls:
        ev.url(url)
    for name in report.effects:  # db.wipe through a driver or an ORM
        ev.out.effects[name] = None
    for host in report.hosts:
        ev.host(host)
    for why in report.reasons:
        ev.reason(why)
    if report.runs_fetched:
        ev.pipes()
    sub = call.but(call.argv, stdin=None, st=st.copy())
    for kind, payload in report.commands:
        if kind == "shell":
            ev.run_code(payload, sub, stdin=None)
        elif payload:
            ev.command(sub.but(list(payload), stdin=None, st=st.copy()))


_SCRUB = {ord(m): "\ufffd" for m in MARKERS}


def _planted(path: str) -> bool:
    """A script the agent could have written (not a package-managed system file)."""
    return not path.startswith(_SYSTEM_PREFIXES)


def run_steps(ev: Evaluator, call: Call, steps: list[Step]) -> None:
    """Code that local files make this command run (recipes, scripts, hooks)."""
    for step in steps:
        with _FileFacts(ev):
            if step.truncated:
                ev.reason(R_TOO_LARGE)
            run_foreign(ev, call, step.language, step.text, step.cwd, literals=False)


class _FileFacts:
    """While a local file's code is analysed: what it does counts (programs, paths, hosts,
    piping into a shell, code facts), what the analysis could not see in it does not. A
    file is there for anyone to read, and real scripts are full of run-time values
    (`exec "$JAVACMD" "$@"` in every gradlew); only a file cut at the size limit keeps its
    `too_large`, since the rest of it was not read."""

    __slots__ = ("before", "reasons")

    def __init__(self, ev: Evaluator) -> None:
        self.reasons = ev.ctx.reasons
        self.before: set = set()

    def __enter__(self) -> _FileFacts:
        self.before = set(self.reasons)
        return self

    def __exit__(self, *exc) -> None:
        for why in [r for r in self.reasons if r not in self.before and r != R_TOO_LARGE]:
            del self.reasons[why]


def script_file(ev: Evaluator, call: Call, script: str, language: str | None,
                arguments: list | None = None, same_shell: bool = False) -> bool:
    """The script a shell or interpreter runs: analysed from what this command line wrote
    into it, or read from the disk. False when there is nothing to read."""
    st = call.st
    if has_marker(script) or not script:
        return False
    found, content = ev.written_file(script, st)
    if found:
        if content is not None and language not in (None, "shell"):
            run_foreign(ev, call, language, content, literals=False)
        return True
    cwd = _cwd(st)
    if cwd is None:
        return False
    from ...code.scripts import script_step

    real = ev.resolve(script, cwd)
    state = _state(ev)
    if real in state.active or not _planted(real):
        return False
    step = script_step(state.reader, real, language, cwd)
    if step is None:
        return False
    state.active.add(real)
    try:
        with _FileFacts(ev):
            if step.truncated:
                ev.reason(R_TOO_LARGE)
            if step.language == "shell":
                sub = call.but(call.argv, stdin=None)
                _file_commands(ev, step.text)
                ev.run_code(step.text.translate(_SCRUB), sub, positional=list(arguments or []),
                            arg0=script, same_shell=same_shell, stdin=None)
            else:
                run_foreign(ev, call, step.language, step.text, cwd, literals=False)
    finally:
        state.active.discard(real)
    return True


def stdin_code(ev: Evaluator, call: Call, language: str) -> None:
    """Code fed to an interpreter on standard input: a here-document, a here-string, the
    known output of a pipeline, or a local file (`python3 < x.py`)."""
    stdin = call.stdin
    if not isinstance(stdin, Input):
        return
    kind, value = stdin.kind, stdin.value
    if kind in ("text", "pipe"):
        run_foreign(ev, call, language, value)
    elif kind == "file" and not value.startswith("/dev/") and not has_marker(value):
        script_file(ev, call, value, language)


def run_by_path(ev: Evaluator, call: Call) -> bool:
    """A program run by its path (`./x.sh`, `tools/run`): a script is analysed as the
    language its `#!` line or name says. False when it is not a readable script."""
    name = call.argv[0]
    if has_marker(name) or "/" not in name:
        return False
    from ...code import language_of_file

    language = None
    if "." in name.rsplit("/", 1)[-1]:
        language = language_of_file(name)
    return script_file(ev, call, name, language, arguments=call.argv[1:])


# --- shells -------------------------------------------------------------------------------

class _ShellOptions:
    """What a shell's command line asks for: `-c`, `-s`, `-n`, `--command`, and where the
    operands start."""

    __slots__ = ("c_mode", "codes", "index", "no_exec", "s_mode")

    def __init__(self) -> None:
        self.c_mode = self.s_mode = self.no_exec = False
        self.codes: list[str] = []
        self.index = 1


def _shell_options(ev: Evaluator, argv: list, st: State) -> _ShellOptions:
    fish = program_family(argv[0].rsplit("/", 1)[-1]) == "fish"
    opts = _ShellOptions()
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
                    opts.codes.append(value)
                elif i + 1 < n:
                    opts.codes.append(argv[i + 1])
                    i += 1
            i += 1
            continue
        if len(arg) > 1 and arg[0] in "-+" and arg[1] not in MARKERS:
            takes = 0
            for char in arg[1:]:
                if char == "c":
                    opts.c_mode = True
                elif char == "s":
                    opts.s_mode = True
                elif char == "n" and arg[0] == "-":
                    opts.no_exec = True  # `bash -n x.sh`: a syntax check, nothing runs
                elif char in "oO" or (fish and char == "C"):
                    takes += 1
            if fish and "C" in arg[1:] and i + 1 < n:
                opts.codes.append(argv[i + 1])
            i += 1 + takes
            continue
        break
    opts.index = i
    return opts


def _h_shell(ev: Evaluator, call: Call) -> None:
    opts = _shell_options(ev, call.argv, call.st)
    ops = call.argv[opts.index:]
    if opts.c_mode:
        if ops:
            rest = ops[1:]
            ev.run_code(ops[0], call, positional=rest[1:], arg0=rest[0] if rest else None)
    elif opts.s_mode or not ops:
        ev.code_from_stdin(call, shell=True)
        if isinstance(call.stdin, Input) and call.stdin.kind == "file" and not opts.no_exec:
            stdin_code(ev, call, "shell")
    else:
        ev.script_operand(ops[0], call, shell=True)
        if not opts.no_exec:
            script_file(ev, call, ops[0], "shell", arguments=ops[1:])
    for code in opts.codes:
        ev.run_code(code, call)
    if call.net:
        ev.pipes()


# --- interpreters of other languages -------------------------------------------------------

class _Options:
    """What an interpreter's command line asks for."""

    __slots__ = ("codes", "index", "inplace", "module", "stdin")

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.module: str | None = None
        self.inplace = False
        self.stdin = False
        self.index = 1


def _interpreter_options(argv: list, lang: str, ev: Evaluator, st: State) -> _Options:
    opts = _Options()
    i, n = 1, len(argv)
    if lang == "deno" and n > 1:
        if argv[1] == "eval":
            opts.codes.append(" ".join(argv[2:]))
            i = n
        elif argv[1] in ("run", "x", "install", "test", "bench", "serve", "compile"):
            i = 2
    if lang == "bun" and n > 1 and argv[1] in ("run", "x"):
        i = 2
    while i < n:
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg == "-":
            opts.stdin = True
            i += 1
            break
        if len(arg) < 2 or arg[0] != "-" or arg[1] in MARKERS:
            break
        if arg.startswith("--"):
            i = _long_option(ev, argv, i, opts, st)
            continue
        i = _short_options(argv, i, lang, opts)
        if opts.module is not None or (opts.codes and lang in ("python", "pypy")):
            break
    opts.index = i
    return opts


def _long_option(ev: Evaluator, argv: list, i: int, opts: _Options, st: State) -> int:
    """`--eval CODE`, `--eval=CODE`, `--require X`...: the index after the option."""
    n = len(argv)
    name, eq, value = argv[i].partition("=")
    if name in _LONG_CODE:
        if eq:
            opts.codes.append(value)
        elif i + 1 < n:
            opts.codes.append(argv[i + 1])
            i += 1
    elif name in _LONG_VALUES and not eq:
        if name == "--env-file" and i + 1 < n:
            ev.path(argv[i + 1], st)
        i += 1
    return i + 1


def _short_options(argv: list, i: int, lang: str, opts: _Options) -> int:
    """Letters of one `-xyz` word (code, module, in-place, options with values): the index
    after it and the value it takes."""
    code_letters, value_letters, attached_letters, module_letter, inplace_letter = LANGS[lang]
    arg = argv[i]
    n = len(argv)
    skip_next = False
    for j in range(1, len(arg)):
        char = arg[j]
        rest = arg[j + 1:]
        if char in code_letters:
            if rest:
                opts.codes.append(rest)
            elif i + 1 < n:
                opts.codes.append(argv[i + 1])
                skip_next = True
            break
        if module_letter and char == module_letter:
            opts.module = rest or (argv[i + 1] if i + 1 < n else "")
            skip_next = not rest
            break
        if inplace_letter and char == inplace_letter:
            opts.inplace = True
            break
        if char in attached_letters:
            break
        if char in value_letters:
            skip_next = not rest
            break
    return i + (2 if skip_next else 1)


def _code_language(argv: list, lang: str) -> str | None:
    language = _CODE_LANGUAGES.get(lang)
    if lang == "osascript":
        for index, arg in enumerate(argv[:-1]):
            if arg == "-l" and argv[index + 1] in ("JavaScript", "javascript"):
                return "javascript"
    return language


def _h_interpreter(ev: Evaluator, call: Call) -> Call | None:
    argv = call.argv
    base = argv[0].rsplit("/", 1)[-1]
    lang = base if base in LANGS else program_family(base)
    st = call.st
    language = _code_language(argv, lang)
    opts = _interpreter_options(argv, lang, ev, st)
    rest_args = argv[opts.index:]
    if opts.codes:
        ev.reason(R_INLINE_CODE)
        for code in opts.codes:
            ev.unknown(code, R_DYNAMIC_CODE)
            if COMPUTED in code:
                ev.pipes()
            if language is None:
                code_literals(ev, code, st)
            else:
                run_foreign(ev, call, language, code)
    elif opts.module is not None:
        return _module(ev, call, opts.module, rest_args, language)
    elif opts.stdin or not rest_args:
        ev.code_from_stdin(call, shell=False)
        if language is not None:
            stdin_code(ev, call, language)
    else:
        script = rest_args[0]
        rest_args = rest_args[1:]
        if lang in ("deno", "bun") and ev.scan_url(script):
            ev.pipes()  # `deno run https://...`: code downloaded and run unseen
        else:
            ev.script_operand(script, call, shell=False)
            script_file(ev, call, script, language, arguments=rest_args)
    for arg in rest_args:
        if opts.inplace and not arg.startswith("-"):
            ev.path(arg, st, write=True)
        elif not arg.startswith("-") and (looks_like_path(arg) or opts.inplace):
            ev.path(arg, st)
        else:
            ev.scan_url(arg)
    return None


def _module(ev: Evaluator, call: Call, module: str, rest_args: list,
            language: str | None) -> Call | None:
    """`python -m NAME`: pip is pip; a module of the working directory is read."""
    if module == "pip":
        from .devtools import handle_pip  # here: load devtools only when needed

        return handle_pip(ev, call.but(["pip", *rest_args]))
    if module == "pytest":
        return _h_pytest(ev, call.but(["pytest", *rest_args]))
    cwd = _cwd(call.st)
    if language == "python" and cwd is not None and not has_marker(module):
        from ...code.scripts import module_path

        path = module_path(module, cwd)
        if path is not None:
            ev.path(path, call.st)
            script_file(ev, call, path, "python", arguments=rest_args)
    generic(ev, call.but([module, *rest_args]))
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
                run_foreign(ev, call, "powershell", code)
            return
        if lowered.startswith("-e") and "-encodedcommand".startswith(lowered):
            ev.reason(R_INLINE_CODE)
            _encoded_command(ev, call, args[i + 1] if i + 1 < len(args) else "")
            return
        if lowered in ("-file", "-f"):
            if i + 1 < len(args):
                ev.script_operand(args[i + 1], call, shell=False)
                script_file(ev, call, args[i + 1], "powershell", arguments=args[i + 2:])
            return
        if lowered in takes_value:
            i += 2
            continue
        if not lowered.startswith("-"):
            ev.reason(R_INLINE_CODE)
            run_foreign(ev, call, "powershell", " ".join(args[i:]))
            return
        i += 1
    ev.code_from_stdin(call, shell=True)


def _encoded_command(ev: Evaluator, call: Call, blob: str) -> None:
    """`pwsh -EncodedCommand BASE64`: UTF-16LE code, hidden from review: decoded and read."""
    from ...code.report import DECODE_EXEC_ACTION
    from ...code.values import decode_utf16

    ev.reason(R_DYNAMIC_CODE)  # what runs is not what the command shows
    code = decode_utf16(blob) if not has_marker(blob) else None
    if code is None:
        return
    run_foreign(ev, call, "powershell", code)
    ev.out.code.act(DECODE_EXEC_ACTION)


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
    script_file(ev, call, args[0], "shell", arguments=args[1:], same_shell=True)


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


# --- zsh modules -----------------------------------------------------------------------------

def _h_ztcp(ev: Evaluator, call: Call) -> None:
    """zsh's `ztcp HOST PORT` (zsh/net/tcp) opens a connection; `ztcp -l` listens."""
    opts, ops = getopt(call.argv[1:], name_set("-d"))
    if any(name in ("-l", "-a", "-c") for name, _value in opts):
        return
    if ops:
        ev.host(ops[0])


# --- programs that run code from local files -----------------------------------------------

def make(ev: Evaluator, call: Call, st: State | None = None) -> None:
    """`make [TARGET...]`: the recipes of the makefile (and of the targets' prerequisites)
    are shell commands this command runs."""
    cwd = _cwd(st or call.st)
    if cwd is None or any(has_marker(a) for a in call.argv[1:]):
        return
    from ...code.scripts import make_steps

    run_steps(ev, call, make_steps(_state(ev).reader, call.argv[1:], cwd))


def _h_just(ev: Evaluator, call: Call) -> None:
    """`just [RECIPE...]`: the recipe's lines (or its `#!` script) and its dependencies'."""
    generic(ev, call)
    cwd = _cwd(call.st)
    if cwd is None or any(has_marker(a) for a in call.argv[1:]):
        return
    from ...code.scripts import just_steps

    run_steps(ev, call, just_steps(_state(ev).reader, call.argv[1:], cwd))


def package_scripts(ev: Evaluator, call: Call, manager: str) -> None:
    """The package.json scripts `npm|pnpm|yarn|bun ARGS` runs (`run x`, `test`, and the
    lifecycle scripts of an install, a pack or a publish)."""
    cwd = _cwd(call.st)
    args = call.argv[1:]
    if cwd is None or any(has_marker(a) for a in args):
        return
    words = [a for a in args if not a.startswith("-")]
    if words and words[0] not in _SCRIPT_WORDS and manager == "npm":
        return  # `npm ls`, `npm config get`...: no script runs
    from ...code.scripts import package_steps

    run_steps(ev, call, package_steps(_state(ev).reader, manager, call.argv[1:], cwd))


def project_files(ev: Evaluator, call: Call, program: str, args: list) -> None:
    """Project files `program` runs on its own (`code.scripts.project_steps`): pytest's
    conftest.py, the setup.py of `pip install .`, the .envrc of `direnv allow`."""
    cwd = _cwd(call.st)
    if cwd is None or any(has_marker(a) for a in args):
        return
    from ...code.scripts import project_steps

    run_steps(ev, call, project_steps(_state(ev).reader, program, args, cwd))


def _h_pytest(ev: Evaluator, call: Call) -> None:
    generic(ev, call)
    project_files(ev, call, "pytest", call.argv[1:])


def _h_npm(ev: Evaluator, call: Call) -> Call | None:
    args = call.argv[1:]
    if args[:1] in (["exec"], ["x"]):
        from .wrappers import HANDLERS as WRAPPERS  # `npm exec` is npx

        return WRAPPERS["npx"](ev, call.but(["npx", *args[1:]]))
    generic(ev, call)
    package_scripts(ev, call, "npm")
    return None


def _h_bun(ev: Evaluator, call: Call) -> Call | None:
    """bun runs scripts (`bun run x`, `bun x.ts`), package.json scripts and installs."""
    args = call.argv[1:]
    first = args[0] if args else ""
    if first in ("install", "i", "add", "a", "pm", "update", "remove", "rm", "link",
                 "publish", "pack") or (first == "run" and len(args) > 1 and "." not in
                                        args[1] and "/" not in args[1]):
        generic(ev, call)
        package_scripts(ev, call, "bun")
        return None
    if first in ("x", "create"):
        from .wrappers import HANDLERS as WRAPPERS

        return WRAPPERS["bunx"](ev, call.but(["bunx", *args[1:]]))
    return _h_interpreter(ev, call)


# Package manager words that run package.json scripts: others need no file read.
_SCRIPT_WORDS = frozenset({"run", "run-script", "rum", "urn", "test", "t", "tst", "start",
                           "stop", "restart", "install", "i", "in", "ins", "inst", "insta",
                           "instal", "isnt", "isntall", "isntal", "add", "ci",
                           "clean-install", "install-clean", "ic", "install-test", "it",
                           "pack", "publish", "version"})


def git_hooks(ev: Evaluator, call: Call, st: State, subcommand: str, rest: list) -> None:
    """The hooks a git command runs (`.git/hooks/pre-commit`, or under `core.hooksPath`);
    `subcommand` is one of devtools.GIT_HOOK_COMMANDS."""
    cwd = _cwd(st)
    if cwd is None:
        return
    hooks_path = None
    argv = call.argv
    for index, arg in enumerate(argv[:-1]):
        if arg == "-c" and argv[index + 1].lower().startswith("core.hookspath="):
            hooks_path = argv[index + 1].partition("=")[2]
    from ...code.scripts import git_hook_steps

    run_steps(ev, call, git_hook_steps(_state(ev).reader, subcommand, rest, cwd, hooks_path))


def awk_program(ev: Evaluator, call: Call, program: str) -> None:
    """An awk program that runs commands, opens connections or reads the environment."""
    if any(token in program for token in ("system", "getline", "|", "ENVIRON", "/inet")):
        run_foreign(ev, call, "awk", program)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "bun": _h_bun, "eval": _h_eval, "source": _h_source, ".": _h_source,
    "trap": _h_trap, "alias": _h_alias, "hash": _h_hash, "pwsh": _h_pwsh,
    "powershell": _h_pwsh, "npm": _h_npm, "just": _h_just, "ztcp": _h_ztcp,
    "pytest": _h_pytest, "py.test": _h_pytest,
}
# By family name (`python3.12` -> `python`, `ksh93` -> `ksh`): versioned names need no entry.
FAMILY_HANDLERS: dict = {name: _h_shell for name in SHELLS}
FAMILY_HANDLERS.update({name: _h_interpreter for name in LANGS})
