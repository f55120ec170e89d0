"""What every stage of one analysis shares: the limits it works within, the markers that
stand for values known only at run time, the reasons a result may be incomplete, the
per-analysis `Context` (those reasons, the nesting depth and the work budget), the `Analysis`
result, and the shell `State` that the evaluator walks the tree with, with the `Call` of one
command about to run.

Kept apart, at the bottom of the package's imports, so that the parser, the expander, the
evaluator and the program handlers can all use this vocabulary without importing one another.
"""

from __future__ import annotations

# --- limits -----------------------------------------------------------------------------
MAX_INPUT = 128 * 1024      # characters of command text analysed
MAX_LEVEL = 40              # nesting of parse/evaluation (subshells, $(), bash -c, eval...)
MAX_STEPS = 40_000          # words expanded + commands evaluated, for the whole analysis
MAX_FIELDS = 256            # words one word may expand to (brace, glob)
MAX_ALTS = 8                # alternative values tracked for one variable
MAX_GLOB_SCAN = 4096        # directory entries examined per pathname expansion
MAX_EXPANDED = 1024 * 1024  # characters of text built by expansion, for the whole analysis
MAX_WORDS = 10_000          # words built by expansion (splitting, braces, globs), in total

# --- markers for values known only at run time ------------------------------------------
COMPUTED = "\ue000"    # output of a program ($(...), `...`, read, $RANDOM...)
UNSET = "\ue001"       # a variable set neither in the command nor in the environment
NUMBER = "\ue002"      # a run-time number ($$, $?, $((...))): digits, cannot hide a path
POSITIONAL = "\ue003"  # an argument of a function body analysed at its definition
MARKERS = COMPUTED + UNSET + NUMBER + POSITIONAL
SHOWN_UNKNOWN = "<?>"

# --- reasons an analysis may be incomplete ----------------------------------------------
R_SYNTAX = "syntax_error"
R_TOO_LARGE = "too_large"
R_TOO_DEEP = "too_deep"
R_TOO_COMPLEX = "too_complex"
R_NUL = "nul_byte"
R_DYNAMIC_COMMAND = "dynamic_command"
R_DYNAMIC_CODE = "dynamic_code"
R_INLINE_CODE = "inline_code"
R_COMPUTED_PATH = "computed_path"
R_COMPUTED_HOST = "computed_host"
R_UNKNOWN_VARIABLE = "unknown_variable"
R_UNKNOWN_CWD = "unknown_cwd"
R_STARTUP_FILE = "startup_file"  # a shell sources a startup file (BASH_ENV, ENV, --rcfile)


# --- the context and the result of one analysis -----------------------------------------

class Abort(Exception):
    """A limit was reached: stop the whole analysis, keep what was found."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Context:
    """Shared by every parser and evaluator of one analysis: reasons and the budgets."""

    __slots__ = ("expanded", "level", "reasons", "steps", "words")

    def __init__(self) -> None:
        self.reasons: dict[str, None] = {}
        self.level = 0
        self.steps = 0
        self.expanded = 0
        self.words = 0

    def reason(self, why: str) -> None:
        self.reasons[why] = None

    def enter(self) -> None:
        self.level += 1
        if self.level > MAX_LEVEL:
            raise Abort(R_TOO_DEEP)

    def leave(self) -> None:
        self.level -= 1

    def step(self, cost: int = 1) -> None:
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise Abort(R_TOO_COMPLEX)

    def grow(self, chars: int, words: int = 0) -> None:
        """Charge text about to be built by expansion (before it is built): a command
        such as `a=x; a=$a$a; ...` doubles a value at every step, so the budget is counted
        for the whole analysis and checked before the text exists."""
        self.expanded += chars
        self.words += words
        if self.expanded > MAX_EXPANDED or self.words > MAX_WORDS:
            raise Abort(R_TOO_LARGE)


class Analysis:
    """What one command line runs and touches. Lists are ordered, without duplicates.

    `paths`/`write_paths` are resolved (symlinks, `..`); `lexical_paths`/
    `lexical_write_paths` are the same paths as written (absolute, `..` folded, symlinks
    kept), for matching rules written with either form (`/etc` vs macOS `/private/etc`).
    `tail_names` are the known last names of paths built at run time (`environ` of
    `/proc/$(pgrep x)/environ`).

    `effects` are consequential things the command does beyond its files (`git.discard`,
    `db.wipe`...; see `programs/destructive.py`); `deletes` maps what it deletes, at the level
    of the pattern it names (`/p/src/*`, not what the glob matches today), to how: "one"
    (a single named file), "many" (recursive or a glob) or "erase" (overwritten in place).
    The other lists are described with their fields in docs/fields-shell.md.
    """

    __slots__ = ("args", "code", "code_producers", "container_mounts", "container_paths",
                 "container_privileges", "credential_reads", "credential_sinks",
                 "data_channels", "data_hosts", "deletes", "effects", "hardlinks", "hosts",
                 "lexical_paths", "lexical_write_paths", "listen_hosts", "names", "paths",
                 "pipes_to_shell", "program_paths", "reasons", "served_paths", "tail_names",
                 "urls", "write_paths")

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.args: dict[str, None] = {}
        self.paths: dict[str, None] = {}
        self.write_paths: dict[str, None] = {}
        self.lexical_paths: dict[str, None] = {}
        self.lexical_write_paths: dict[str, None] = {}
        self.tail_names: dict[str, None] = {}
        self.urls: dict[str, None] = {}
        self.hosts: dict[str, None] = {}
        self.pipes_to_shell = False
        self.reasons: dict[str, None] = {}
        self.hardlinks: dict[str, None] = {}
        self.program_paths: dict[str, None] = {}
        self.code_producers: dict[str, None] = {}
        self.credential_reads: dict[str, None] = {}
        self.credential_sinks: dict[str, None] = {}
        self.container_mounts: dict[str, None] = {}
        self.container_privileges: dict[str, None] = {}
        self.container_paths: dict[str, None] = {}
        self.data_hosts: dict[str, None] = {}
        self.data_channels: dict[str, None] = {}
        self.served_paths: dict[str, None] = {}
        self.listen_hosts: dict[str, None] = {}
        self.effects: dict[str, None] = {}
        self.deletes: dict[str, str] = {}
        # What code of other languages run by the command does (`event_source.code`'s
        # CodeReport), once some is met: tool.code.*.
        self.code = None

    @property
    def incomplete(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict:
        """Plain data, for tests and debugging."""
        return {name: (getattr(self, name) if name in ("pipes_to_shell", "deletes")
                       else tuple(getattr(self, name))) for name in self.__slots__
                if name != "code"}


def display(text: str) -> str:
    """A value with its run-time parts shown as `<?>` (for names, args, URLs)."""
    if not has_marker(text):
        return text
    for marker in MARKERS:
        text = text.replace(marker, SHOWN_UNKNOWN)
    return text


def has_marker(text: str) -> bool:
    # Called for nearly every word and path: most are ASCII, which `isascii` tells at C
    # speed without a scan per marker.
    return not text.isascii() and any(marker in text for marker in MARKERS)


def name_set(text: str) -> frozenset:
    """A set of names written as one space-separated string (option and program tables)."""
    return frozenset(text.split())


# --- the shell state while walking the tree ---------------------------------------------

PIPE = "pipe"  # stdin of a command fed by the previous command of a pipeline


class Input:
    """What a command reads on standard input, when more is known than PIPE (some
    program's output) or None (the terminal): `kind` "text" (a here-document or a
    here-string), "pipe" (the known output of the previous element of a pipeline) or
    "file" (`< path`); `value` is that text, or the file's path."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: str) -> None:
        self.kind = kind
        self.value = value

    def __repr__(self) -> str:
        return f"Input({self.kind!r}, {self.value!r})"


def known_text(stdin: object) -> str | None:
    """The text a command reads on standard input when it is known (a here-document, a
    here-string, a pipeline's known output), else None."""
    if isinstance(stdin, Input) and stdin.kind != "file":
        return stdin.value
    return None


class State:
    """Shell state while walking the tree: variables, working directories, functions.

    Values are tuples of alternatives: after `if x; then K=a; else K=b; fi`, `K` is
    ("a", "b"). `cond` > 0 while in code that may not run (`&&`, `||`, `if`, loops), where
    assignments and `cd` add alternatives instead of replacing them.
    """

    __slots__ = ("arg0", "arrays", "cond", "cwds", "funcs", "hashed", "oldpwd", "positional",
                 "vars")

    def __init__(self, cwd: str) -> None:
        self.vars: dict[str, tuple] = {}
        self.arrays: dict[str, list] = {}
        self.cwds: tuple = (cwd,)
        self.oldpwd: tuple = (UNSET,)
        self.positional: list | None = []
        self.arg0 = "bash"
        self.funcs: dict[str, object] = {}  # name -> body (a command of `nodes`)
        self.hashed: dict[str, str] = {}
        self.cond = 0

    def copy(self) -> State:
        new = State.__new__(State)
        new.vars = dict(self.vars)
        new.arrays = dict(self.arrays)
        new.cwds = self.cwds
        new.oldpwd = self.oldpwd
        new.positional = self.positional
        new.arg0 = self.arg0
        new.funcs = dict(self.funcs)
        new.hashed = dict(self.hashed)
        new.cond = self.cond
        return new


class Call:
    """One command about to run: its words and where its input comes from."""

    __slots__ = ("argv", "env", "net", "st", "stdin")

    def __init__(self, argv: list, st: State, stdin: object, env: dict, net: bool) -> None:
        self.argv = argv
        self.st = st
        self.stdin = stdin
        self.env = env
        self.net = net

    def but(self, argv: list, stdin: object = False, st: State | None = None) -> Call:
        """The same call with other words (a wrapper's inner command)."""
        return Call(argv, st or self.st, self.stdin if stdin is False else stdin, self.env,
                    self.net)


# Environment variables that make programs run code: a command to run (git, pagers,
# editors), a file to source (bash), a library to load (the dynamic linker). Assigning one
# is running code, for the evaluator and for wrappers that set variables (`env`, `sudo`).
CODE_VARS = name_set("GIT_SSH_COMMAND GIT_SSH GIT_PAGER PAGER GIT_EDITOR EDITOR VISUAL "
                     "GIT_EXTERNAL_DIFF GIT_ASKPASS SSH_ASKPASS SUDO_ASKPASS LESSOPEN "
                     "LESSCLOSE MANPAGER PROMPT_COMMAND GIT_PROXY_COMMAND")
SOURCED_VARS = name_set("BASH_ENV ENV")
# Prompt strings are expanded again, `$(...)` included, when bash shows them (`PS4` before
# every command traced by `set -x`).
PROMPT_VARS = name_set("PS0 PS1 PS2 PS3 PS4")
_PRELOAD_VARS = name_set("LD_PRELOAD LD_AUDIT DYLD_INSERT_LIBRARIES")
INJECTION_VARS = CODE_VARS | SOURCED_VARS | PROMPT_VARS | _PRELOAD_VARS
