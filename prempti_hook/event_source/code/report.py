"""What every analyser of this package shares: the limits it works within, the markers for
values known only at run time, the facts it reports (`CodeReport`) and the per-analysis
budget (`Budget`).

Kept apart, at the bottom of the package's imports, so that the Python analyser, the token
analyser and the extractors of files that run later use one vocabulary without importing one
another.
"""

from __future__ import annotations

# --- limits -----------------------------------------------------------------------------
MAX_CODE = 256 * 1024      # characters of one snippet or file analysed (the rest is cut)
MAX_VALUE = 4096           # characters a computed string keeps (then marked unknown)
MAX_DEPTH = 80             # nesting of expressions and statements walked
MAX_WORK = 400_000         # nodes and tokens visited in one analysis, all snippets together
MAX_CHARS = 1536 * 1024   # characters tokenized or bracket-scanned, all snippets together
MAX_NESTED = 8             # code inside code (exec of a literal, a decoded blob) analysed
MAX_ITEMS = 256            # paths, URLs, hosts, commands, calls kept per report
MAX_ALTS = 16              # alternative values of one variable (a loop over a list)

# --- markers for values known only at run time (the same characters as the shell
# analysis's, so that values handed over to it keep their meaning) --------------------------
UNKNOWN = "\ue003"   # a value not known statically (a variable, an argument, input): the
#                      shell analysis skips it quietly (its POSITIONAL marker)
FETCHED = "\ue000"   # a value read at run time from the network or a program's output: the
#                      shell analysis treats it as program output (its COMPUTED marker)
MARKERS = UNKNOWN + FETCHED

# --- value flags (see `values.Text`) -----------------------------------------------------
DECODED = 1      # went through a decoder (base64, hex, zlib, char codes, reversal...)
NETWORK = 2      # came from the network
BUILT = 4        # assembled from several literal pieces ('o' + 's', chr codes...)
ENVIRON = 8      # holds the whole environment (os.environ, process.env, %ENV...)
FILE = 16        # read from a file at run time
ENV_NAME = 32    # the name of an environment variable taken from the environment itself
#                  (`for name in os.environ`): its value (`os.environ[name]`) is any of them

# --- reasons (the shell analysis's names, so that rules see one vocabulary) ---------------
R_TOO_LARGE = "too_large"
R_TOO_DEEP = "too_deep"
R_TOO_COMPLEX = "too_complex"
R_DYNAMIC_CODE = "dynamic_code"

# --- facts: what code does ----------------------------------------------------------------
NETWORK_ACTION = "network"          # connects or sends over the network
PROCESS_ACTION = "process"          # starts a program
DELETE_ACTION = "delete"            # deletes files or folders
DECODE_EXEC_ACTION = "decode_exec"  # runs code that is decoded or downloaded at run time
ENV_DUMP_ACTION = "env_dump"        # reads the whole environment (every token in it)
REMOTE_SHELL_ACTION = "remote_shell"  # a network socket wired to a shell or a program
OBFUSCATED_ACTION = "obfuscated"    # names the functions it calls in a hidden way
ACTIONS = (NETWORK_ACTION, PROCESS_ACTION, DELETE_ACTION, DECODE_EXEC_ACTION,
           ENV_DUMP_ACTION, REMOTE_SHELL_ACTION, OBFUSCATED_ACTION)

# Signals that make up `remote_shell` (a raw socket, and a shell or stdio tied to it).
SIGNAL_SOCKET = "socket"
SIGNAL_SHELL = "shell_process"
SIGNAL_STDIO = "stdio_redirect"
# Code runs code built at run time (exec/eval of a value the analysis cannot know): in code
# that also downloads, that is how downloaded code runs (`r.on('data', c => d += c)` ...
# `eval(d)`).
SIGNAL_DYNAMIC_EXEC = "dynamic_exec"


class Budget:
    """The work one analysis may do, shared by every snippet it looks at."""

    __slots__ = ("chars", "nested", "work")

    def __init__(self) -> None:
        self.work = 0
        self.nested = 0
        self.chars = 0

    def scan(self, count: int) -> None:
        """Characters about to be tokenized or scanned."""
        self.chars += count
        if self.chars > MAX_CHARS:
            raise Exhausted(R_TOO_COMPLEX)


class Exhausted(Exception):
    """A limit was reached: stop analysing this snippet, keep what was found."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CodeReport:
    """What code would do: facts for rules, and what the shell analysis takes over.

    `reads`/`writes`/`deletes` hold path values (home expanded, relative to the working
    directory, run-time parts as `UNKNOWN`); `effects` holds tool.effects words the code has
    without a command line (`db.wipe`: SQL that drops or empties tables sent through a
    database driver, an ORM's drop_all); `commands` holds ("shell", text) for a command
    line given to a shell and ("argv", [words]) for a program run with arguments, both
    analysed in turn by the shell analysis; `runs_fetched` says code from the network runs.
    """

    __slots__ = ("actions", "calls", "commands", "deletes", "effects", "hosts", "languages",
                 "reads", "reasons", "runs_fetched", "signals", "urls", "writes")

    def __init__(self) -> None:
        self.languages: dict[str, None] = {}
        self.actions: dict[str, None] = {}
        self.signals: dict[str, None] = {}
        self.calls: dict[str, None] = {}
        self.reads: dict[str, None] = {}
        self.writes: dict[str, None] = {}
        self.deletes: dict[str, None] = {}
        self.effects: dict[str, None] = {}
        self.urls: dict[str, None] = {}
        self.hosts: dict[str, None] = {}
        self.commands: list[tuple] = []
        self.reasons: dict[str, None] = {}
        self.runs_fetched = False

    # --- recording (every list is bounded) -------------------------------------------------
    def act(self, action: str) -> None:
        self.actions[action] = None

    def signal(self, name: str) -> None:
        self.signals[name] = None

    def call(self, name: str) -> None:
        if len(self.calls) < MAX_ITEMS:
            self.calls[name] = None

    def add(self, bucket: dict, value: str) -> None:
        if value and len(bucket) < MAX_ITEMS:
            bucket[value[:MAX_VALUE]] = None

    def command(self, kind: str, payload) -> None:
        if len(self.commands) < MAX_ITEMS:
            self.commands.append((kind, payload))

    def reason(self, why: str) -> None:
        self.reasons[why] = None

    def finish(self) -> CodeReport:
        """Derive the facts that combine signals (a remote shell)."""
        signals = self.signals
        if SIGNAL_SOCKET in signals and (SIGNAL_SHELL in signals or SIGNAL_STDIO in signals):
            self.act(REMOTE_SHELL_ACTION)
        if SIGNAL_DYNAMIC_EXEC in signals and NETWORK_ACTION in self.actions:
            self.act(DECODE_EXEC_ACTION)
        return self

    def merge(self, other: CodeReport) -> None:
        """Add another report's facts to this one (several snippets of one call)."""
        for name in ("languages", "actions", "signals", "calls", "reads", "writes", "deletes",
                     "effects", "urls", "hosts", "reasons"):
            mine = getattr(self, name)
            for key in getattr(other, name):
                if len(mine) < MAX_ITEMS:
                    mine[key] = None
        for kind, payload in other.commands:
            self.command(kind, payload)
        self.runs_fetched = self.runs_fetched or other.runs_fetched
