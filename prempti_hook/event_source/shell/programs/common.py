"""Helpers shared by the program handlers: GNU-style option parsing, what looks like a path,
the handler of programs nobody describes (`generic`), the handler of file utilities described
by a table of their options (`Spec`, `file_handler`), a program's family name, `cd`,
shell-like word splitting, and paths or URLs quoted in code of another language.
"""

from __future__ import annotations

import os

from ...paths import lexical
from ..analysis import (
    COMPUTED,
    MARKERS,
    MAX_ALTS,
    MAX_INPUT,
    R_COMPUTED_PATH,
    R_UNKNOWN_CWD,
    has_marker,
    name_set,
)
from ..expand import CMD
from ..nodes import SimpleCommand
from ..parser import Parser
from ..syntax import is_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call, State
    from ..evaluate import Evaluator


# Shells and interpreters, by family name: here rather than in `interpreters` because the
# table of programs (`programs/__init__`), `xargs` and `socat` need them too.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "rbash",
                    "posh", "lksh", "oksh", "pdksh", "fish", "csh", "tcsh", "hush"})
# option letters taking a value, for each language; code options; module option
LANGS = {
    "python": ("c", "WXQ", "", "m", ""),
    "pypy": ("c", "WXQ", "", "m", ""),
    "perl": ("eE", "", "IMmxFlC0dDV", "", "i"),
    "ruby": ("e", "rICEF", "x", "", "i"),
    "node": ("ep", "r", "", "", ""),
    "nodejs": ("ep", "r", "", "", ""),
    "bun": ("ep", "r", "", "", ""),
    "deno": ("", "", "", "", ""),
    "php": ("rBRE", "cdzt", "", "", ""),
    "lua": ("e", "l", "", "", ""),
    "luajit": ("e", "lj", "O", "", ""),
    "Rscript": ("e", "", "", "", ""),
    "R": ("e", "f", "", "", ""),
    "julia": ("eE", "pLJC", "", "", ""),
    "tclsh": ("", "", "", "", ""),
    "wish": ("", "", "", "", ""),
    "expect": ("c", "", "", "", ""),
    "osascript": ("e", "ls", "", "", ""),
    "groovy": ("e", "", "", "", ""),
    "guile": ("ce", "lL", "", "", ""),
    "jshell": ("", "", "", "", ""),
    "irb": ("e", "rI", "", "", ""),
}
CODE_RUNNERS = frozenset(LANGS) | frozenset({"pwsh", "powershell"})


def program_family(base: str) -> str:
    """`python3.12` -> `python`, `pip3` -> `pip`, `ksh93` -> `ksh`."""
    return base.rstrip("0123456789.") or base


def getopt(args: list, values: frozenset = frozenset(), stop: bool = False,
           optional: frozenset = frozenset()) -> tuple[list, list]:
    """GNU-style option parsing: ([(option, value or None)], operands).

    `values` lists options that take a value (`-o`, `--output`); `optional` those whose
    value can only be attached (`-i.bak`); `stop` ends options at the first operand (for
    programs that run the rest as a command).
    """
    opts: list = []
    operands: list = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            operands.extend(args[i + 1:])
            break
        if len(arg) < 2 or arg[0] != "-" or arg[1] in MARKERS:
            if stop:
                operands.extend(args[i:])
                break
            operands.append(arg)
            i += 1
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if eq:
                opts.append((name, value))
            elif name in values and i + 1 < n:
                opts.append((name, args[i + 1]))
                i += 1
            else:
                opts.append((name, None))
            i += 1
            continue
        j = 1
        while j < len(arg):
            option = "-" + arg[j]
            if option in values:
                if j + 1 < len(arg):
                    opts.append((option, arg[j + 1:]))
                elif i + 1 < n:
                    opts.append((option, args[i + 1]))
                    i += 1
                else:
                    opts.append((option, None))
                break
            if option in optional:
                opts.append((option, arg[j + 1:] or None))
                break
            opts.append((option, None))
            j += 1
        i += 1
    return opts, operands


def looks_like_path(word: str) -> bool:
    if not word or (word[0] in MARKERS and "/" not in word):
        return False
    if any(c in word for c in " \t\n") or "://" in word:
        return False
    return word[0] in "/.~" or "/" in word


def generic(ev: Evaluator, call: Call) -> None:
    """An unknown program: URLs, and arguments that look like paths."""
    st = call.st
    for word in call.argv[1:]:
        value = word
        if word.startswith("-"):
            if not word.startswith("--"):
                continue
            value = word.partition("=")[2]
            if not value:
                continue
        elif "=" in word and is_name(word.partition("=")[0]):
            value = word.partition("=")[2]
        if ev.scan_url(value):
            continue
        if looks_like_path(value):
            ev.path(value, st)


# --- file utilities described by a table of their options --------------------------------

class Spec:
    """How a file utility uses its operands and options."""

    __slots__ = ("copies", "dash_modes", "default_cwd", "read_only", "reads", "role", "targets",
                 "values", "writes")

    def __init__(self, role: str, values: str = "", reads: str = "", writes: str = "",
                 targets: str = "", default_cwd: bool = False, dash_modes: bool = False,
                 read_only: str = "", copies: bool = False) -> None:
        """`read_only`: flags with which the `writes` options' files are only read;
        `dash_modes`: a `-x`-like argument is the mode operand (chmod), not an option;
        `copies`: a copy that can keep symlinks or make links (cp), see `record_copies`."""
        self.role = role
        self.copies = copies
        self.dash_modes = dash_modes
        self.read_only = name_set(read_only)
        self.reads = name_set(reads)
        self.writes = name_set(writes)
        self.targets = name_set(targets)
        self.values = name_set(values) | self.reads | self.writes | self.targets
        self.default_cwd = default_cwd


_RECURSIVE = frozenset({"-r", "-R", "--recursive", "--dereference-recursive"})
_MODE_CHARS = frozenset("rwxXstugoa0123456789,+-=")


def is_dash_mode(arg: str) -> bool:
    """`-x`, `-w`, `-rwx`, `-s`...: what chmod takes as a mode, not as an option."""
    return len(arg) >= 2 and arg[0] == "-" and arg[1] != "-" and _MODE_CHARS.issuperset(arg[1:])
_PATTERN_GIVEN = frozenset({"-e", "--regexp", "-f", "--file"})


_HARD_LINKS = frozenset({"-l", "--link"})
_SYMBOLIC_LINKS = frozenset({"-s", "--symbolic", "--symbolic-link"})
# cp options that copy symlinks as symlinks (recursive copies do, unless -L or -H).
_KEEPS_SYMLINKS = frozenset({"-P", "--no-dereference", "-d", "-a", "--archive", "-R", "-r",
                             "--recursive"})
_FOLLOWS_SYMLINKS = frozenset({"-L", "--dereference"})


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1] or path


def _copy_pairs(ev: Evaluator, st: State, ops: list, target_dir: str | None, single: bool,
                into_file: bool) -> list[tuple[str, str]]:
    """(source, new name) of each file a cp/mv/ln command copies, moves or links."""
    if target_dir is not None:
        return [(op, target_dir.rstrip("/") + "/" + _basename(op)) for op in ops]
    if len(ops) >= 2:
        dest, sources = ops[-1], ops[:-1]
        into = not into_file and (len(sources) > 1 or dest.endswith("/") or (
            not has_marker(dest) and os.path.isdir(ev.resolve(dest, st.cwds[0]))))
        return [(src, dest.rstrip("/") + "/" + _basename(src) if into else dest)
                for src in sources]
    if len(ops) == 1 and single:  # `ln -s /x/y` makes ./y
        return [(ops[0], _basename(ops[0]))]
    return []


def record_copies(ev: Evaluator, st: State, kind: str, opts: list, ops: list,
                  target_dir: str | None = None) -> None:
    """What cp, mv, ln and link (`kind`: copy, move, link) leave behind for the rest of
    the command line: a hard link makes its source writable through the new name (so the
    source counts as written: `cp -l ~/.prempti/x y`); a symlink leads to its target; a
    copy or move that keeps symlinks (`cp -a`, `cp -P`, `cp -r`, `mv`) leads wherever the
    symlinks it copied lead (`cp -P link x; echo > x`)."""
    if has_marker(st.cwds[0]):
        return
    names = {name for name, _value in opts}
    if kind == "link":
        mode = "symbolic" if names & _SYMBOLIC_LINKS else "hard"
    elif kind == "move":
        mode = "mirror"
    elif names & _HARD_LINKS:
        mode = "hard"
    elif names & _SYMBOLIC_LINKS:
        mode = "symbolic"
    elif names & _KEEPS_SYMLINKS and not names & _FOLLOWS_SYMLINKS:
        mode = "mirror"
    else:
        return
    cwd = st.cwds[0]
    into_file = bool(names & {"-T", "--no-target-directory"})
    for source, new_name in _copy_pairs(ev, st, ops, target_dir, kind == "link", into_file):
        if has_marker(source) or has_marker(new_name):
            continue
        new_real = ev.resolve(new_name, cwd)
        if mode == "hard":
            ev.hardlink(source, st)
            ev.links[new_real] = ev.resolve(source, cwd)
        elif mode == "symbolic":
            base = cwd if source.startswith("/") else new_real.rsplit("/", 1)[0] or "/"
            ev.links[new_real] = ev.resolve(source, base)
        else:
            ev.mirrors[new_real] = lexical(source, cwd)


def file_handler(kind: str, **options: str | bool):
    """The handler of the programs whose arguments `Spec(kind, **options)` describes. The Spec
    is built when first used: a command line uses few of those declared, and building all of
    them would cost every hook call about 0.2 ms."""
    spec: Spec | None = None

    def handler(ev: Evaluator, call: Call) -> None:
        nonlocal spec
        if spec is None:
            spec = Spec(kind, **options)
        st = call.st
        args = call.argv[1:]
        dash_mode = False
        if spec.dash_modes and any(is_dash_mode(arg) for arg in args):
            dash_mode = True
            args = [arg for arg in args if not is_dash_mode(arg)]
        opts, ops = getopt(args, spec.values)
        target_dir, reference = _option_paths(ev, spec, opts, st)
        if "-" in ops:
            ops = [op for op in ops if op != "-"]
        role = spec.role
        if role == "read":
            for op in ops:
                ev.path(op, st)
        elif role == "write":
            for op in ops:
                ev.path(op, st, write=True)
        elif role == "mode":
            # a mode or owner change leaves the content as it was: running the file
            # afterwards (`chmod +x x.sh && ./x.sh`) runs what is on the disk
            for op in ops if reference or dash_mode else ops[1:]:
                ev.path(op, st, write=True, record=False)
        elif role in ("dest", "link"):
            _destination_paths(ev, spec, st, opts, ops, target_dir)
        elif role == "move":
            for op in ops:
                ev.path(op, st, write=True)
            record_copies(ev, st, "move", opts, ops, target_dir)
        elif role == "pattern":
            _pattern_paths(ev, spec, st, opts, ops)
            return
        elif role == "generic":
            generic(ev, call)
        if spec.default_cwd and not ops:
            ev.cwd_path(st)

    return handler


def _option_paths(ev: Evaluator, spec: Spec, opts: list, st: State) -> tuple[str | None, bool]:
    """Record the files named by options; (the target folder of `-t DIR`, or None;
    whether `--reference` names the mode's file)."""
    target_dir = None
    reference = False
    read_only = bool(spec.read_only) and any(name in spec.read_only for name, _ in opts)
    for name, value in opts:
        if value is None:
            continue
        if name in spec.reads:
            ev.path(value, st)
            reference = reference or name == "--reference"
        elif name in spec.writes:
            ev.path(value, st, write=not read_only)
        elif name in spec.targets:
            ev.path(value, st, write=True)
            target_dir = value
        else:
            ev.scan_url(value)
    return target_dir, reference


def _destination_paths(ev: Evaluator, spec: Spec, st: State, opts: list, ops: list,
                       target_dir: str | None) -> None:
    """cp, install, ln...: sources are read, the last operand (or `-t DIR`) is written."""
    link = spec.role == "link"
    if target_dir is not None:
        for op in ops:
            ev.path(op, st)
    elif len(ops) >= 2:
        for op in ops[:-1]:
            ev.path(op, st)
        ev.path(ops[-1], st, write=True)
    elif ops:
        ev.path(ops[0], st)
        if link and not has_marker(ops[0]):
            ev.path(ops[0].rstrip("/").rsplit("/", 1)[-1] or ops[0], st, write=True)
    if link or spec.copies:
        record_copies(ev, st, "link" if link else "copy", opts, ops, target_dir)


def _pattern_paths(ev: Evaluator, spec: Spec, st: State, opts: list, ops: list) -> None:
    """grep-like programs: the first operand is the pattern unless an option gives it."""
    given = any(name in _PATTERN_GIVEN for name, _value in opts)
    files = ops if given else ops[1:]
    for op in files:
        ev.path(op, st)
    if not files and (spec.default_cwd or any(n in _RECURSIVE for n, _v in opts)):
        ev.cwd_path(st)


# --- helpers of several families --------------------------------------------------------

def split_words(ev: Evaluator, text: str, st: State) -> list[str]:
    """The words of `text` split like a shell would (for `env -S`, `watch -x`...)."""
    node = Parser(text[:MAX_INPUT], ev.ctx).parse_script()
    words: list[str] = []
    for item in node.items:
        command = item.command
        if isinstance(command, SimpleCommand):
            for word in command.words:
                for alt in ev.expand(word, st, CMD)[:1]:
                    words.extend(alt)
            break
    return words


def chdir(ev: Evaluator, st: State, target: str, others: list | tuple = ()) -> State:
    """`cd target` in `st` (alternatives when the cd may not happen); `others` are more
    places the same `cd` may lead to (`CDPATH`)."""
    if has_marker(target) and not target.startswith("/"):
        ev.unknown(target, R_COMPUTED_PATH)
        ev.reason(R_UNKNOWN_CWD)
        new: tuple = (COMPUTED,)
    else:
        ev.path(target, st)
        if has_marker(target):
            ev.reason(R_UNKNOWN_CWD)
            new = (COMPUTED,)
        else:
            new = tuple(dict.fromkeys(ev.resolve(target, cwd) for cwd in st.cwds
                                      if not has_marker(cwd)) or {COMPUTED: None})
    for other in others:
        ev.path(other, st)
        if has_marker(other) and not other.startswith("/"):
            ev.reason(R_UNKNOWN_CWD)
            new = (*new, COMPUTED)
        elif not has_marker(other):
            new = (*new, *(ev.resolve(other, cwd) for cwd in st.cwds
                           if not has_marker(cwd)))
        else:
            new = (*new, COMPUTED)
    new = tuple(dict.fromkeys(new))[:MAX_ALTS]
    st.oldpwd = st.cwds
    if st.cond:
        merged = tuple(dict.fromkeys(st.cwds + new))
        st.cwds = merged[:MAX_ALTS]
    else:
        st.cwds = new
    return st


def code_literals(ev: Evaluator, code: str, st: State) -> None:
    """Paths and URLs quoted inside code of another language (`open('/etc/shadow')`)."""
    for quote in ("'", '"'):
        start = code.find(quote)
        while start >= 0:
            end = code.find(quote, start + 1)
            if end < 0:
                break
            literal = code[start + 1:end]
            if 0 < len(literal) < 4096 and not any(c in literal for c in " \t\n"):
                if literal.startswith("/") or literal.startswith("~/") or literal == "~":
                    ev.path(ev.home + literal[1:] if literal[0] == "~" else literal, st)
                else:
                    ev.scan_url(literal)
            start = code.find(quote, end + 1)
