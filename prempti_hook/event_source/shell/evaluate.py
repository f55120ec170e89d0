"""The evaluator: walks the parsed tree with a `State`, expands words (the `Expander` half,
see `expand`), records names, arguments, paths, URLs and hosts into an `Analysis`, and hands
each command to the handler of its program (see `programs`).

It also follows what the command line does to itself: files it writes and then runs, links
it makes, functions it defines, variables that make programs run code, code it passes to
shells.
"""

from __future__ import annotations

import os
import sys

from ..paths import Folders, is_pseudo_device, lexical
from .analysis import (
    CODE_VARS,
    COMPUTED,
    INJECTION_VARS,
    MARKERS,
    MAX_ALTS,
    MAX_INPUT,
    NUMBER,
    PIPE,
    POSITIONAL,
    PROMPT_VARS,
    R_COMPUTED_HOST,
    R_COMPUTED_PATH,
    R_DYNAMIC_CODE,
    R_DYNAMIC_COMMAND,
    R_INLINE_CODE,
    R_STARTUP_FILE,
    R_TOO_COMPLEX,
    R_UNKNOWN_CWD,
    R_UNKNOWN_VARIABLE,
    SHOWN_UNKNOWN,
    SOURCED_VARS,
    UNSET,
    Call,
    Input,
    display,
    has_marker,
)
from .expand import CMD, PLAIN, REDIR, Expander, known_output
from .nodes import (
    AndOr,
    Assignment,
    CommandList,
    Group,
    Heredoc,
    Pipeline,
    SimpleCommand,
    Subshell,
)
from .parser import Parser
from .programs import handler_for, inspect, observer_for
from .programs.common import generic
from .syntax import (
    DECLARATION_BUILTINS,
    plain_word,
    split_assignment,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from .analysis import Analysis, Context, State
    from .nodes import Command, Redirection


_NO_FLAGS: frozenset = frozenset()  # (the option letters of a command that declares nothing)
# macOS file systems ignore case: `CAT` runs cat there.
_CASE_INSENSITIVE = sys.platform == "darwin"
_STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_INTERPRETER_NAMES = ("python", "perl", "ruby", "node", "php", "lua", "deno", "bun", "pwsh",
                      "osascript", "Rscript", "julia", "tclsh", "expect")


def _foreign_shebang(content: str) -> bool:
    """A script whose `#!` line names an interpreter of another language."""
    if not content.startswith("#!"):
        return False
    line = content.split("\n", 1)[0]
    return any(name in line for name in _INTERPRETER_NAMES)


# Programs that turn encoded text back into text (their output run as code is decoded code).
_DECODING_PROGRAMS = frozenset({"base64", "base32", "basenc", "xxd", "od", "rev", "uudecode",
                                "openssl", "gzip", "gunzip", "zcat", "bzip2", "bunzip2",
                                "xz", "unxz", "zstd"})

def program_label(argv: list) -> str:
    """A program's name and its subcommand, if it has one (`pyenv init`, `kubectl
    completion`, `git clone`, `curl`): how `tool.cmd.code_producers` names it."""
    label = argv[0].rstrip("/").rsplit("/", 1)[-1]
    for arg in argv[1:3]:
        if arg[:1].isalpha() and arg.replace("-", "").replace("_", "").replace(
                ".", "").isalnum() and ("." not in arg or arg.startswith("shell.")):
            return label + " " + arg
        if not arg.startswith("-"):
            break
    return label


def _decodes_escapes(argv: list) -> bool:
    """printf/echo output decoded from `\\x..` escapes stays opaque when piped to a shell."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in ("printf", "echo"):
        return False
    from .programs.destructive import decodes_escapes

    return decodes_escapes(argv)


def _under(real: str, table: dict) -> list:
    """The keys of `table` (absolute paths) that are `real` or a folder above it, in the
    table's order. Looked up folder by folder, not by comparing `real` with every key: a
    long command line makes thousands of files and links, and names a path in each
    command."""
    found = [real] if real in table else []
    slash = real.find("/")
    while slash >= 0:
        if real[:slash] in table:
            found.append(real[:slash])
        slash = real.find("/", slash + 1)
    if len(found) > 1:  # (the table's order decides which comes first)
        return [key for key in table if real == key or real.startswith(key + "/")]
    return found


def _dev_tcp_host(path: str) -> str | None:
    """`netaddr.dev_tcp_host`, with netaddr loaded only for such a path."""
    if not path.startswith(("/dev/tcp/", "/dev/udp/")):
        return None
    from .. import netaddr

    return netaddr.dev_tcp_host(path)


def _is_stream(path: str) -> bool:
    """A program file that is really a stream (`-`, `/dev/stdin`, `<(...)`, a socket)."""
    return path in _STDIN_NAMES or path.startswith(("/dev/fd/", "/proc/self/fd/", "/dev/tcp/",
                                                    "/dev/udp/"))


class Evaluator(Expander):
    """Walks the tree with a `State`, expanding words and recording into an `Analysis`."""

    def __init__(self, ctx: Context, out: Analysis, env: Mapping[str, str], home: str,
                 folders: Folders | None = None) -> None:
        self.ctx = ctx
        self.out = out
        self.env = env
        self.home = home
        self.calls: set[str] = set()
        self.capture: list | None = None
        self.net_fds: set[str] = set()  # descriptors opened on /dev/tcp or /dev/udp
        # descriptors opened for reading (`exec 3< file`): what they read, and the
        # programs that produce it when it is a `<(...)`
        self.fd_inputs: dict[str, tuple[Input, list]] = {}
        # Files this command line writes (content when known) and links it makes, so that
        # `curl -o x.sh URL; sh x.sh` or `ln -s /etc/shadow x; cat x` are seen through.
        self.written: dict[str, str | None] = {}
        self.links: dict[str, str] = {}
        # Copies that keep symlinks (`cp -a`, `cp -P`, `mv`, `rsync -l`): copy -> source.
        self.mirrors: dict[str, str] = {}
        # Variables declared with `declare -i`: what is assigned to them is arithmetic.
        self.integer_vars: set[str] = set()
        # Where files written earlier come from: downloaded (path -> the program that
        # fetched it) or built by a compiler from the project's sources.
        self.downloaded: dict[str, str] = {}
        self.built: set[str] = set()
        self.net_events = 0  # URLs and hosts recorded so far
        self.reached: list[str] = []  # the hosts recorded, in order (bounded)
        self.piped_download = False  # this pipeline element reads what a download printed
        # Programs whose output may become code: those of the current command's `$(...)`
        # and `<(...)`, and those earlier in the current pipeline.
        self.producers: list | None = None
        self.word_producers: list = []
        self.pipe_producers: list = []
        # Stored credentials printed by helpers (`gh auth token`), followed to where their
        # text goes: the terminal, a login that reads it on stdin, another command's
        # arguments (to the service that issued it, or elsewhere), a variable.
        self.pipe_stage: tuple | None = None  # (pipeline, position) of the running element
        self.pending_credentials: list = []  # (kind, stage) until the pipeline ends
        self.login_stages: set = set()  # stages that read a password on stdin
        self.word_credentials: list = []  # kinds that become the current command's words
        self.output_words: list = []  # those of the command around the current `$(...)`
        self.secret_vars: dict[str, tuple] = {}  # variables holding such text
        self.consumes_secret = False  # the current command reads a password on stdin
        self.substitutions = 0  # depth of `$(...)`/`<(...)` being analysed
        # Words of the simple command being run that came from pathname expansion, to the
        # pattern they matched: deletes are judged by the pattern (`rm -rf *` at the root
        # is a wipe whatever it matches today; see programs/destructive.py).
        self.glob_sources: dict[str, str] = {}
        # A command that only tests or lists a path (`test -f`, `ls`, `grep -q`: see
        # programs/mentions.py) mentions it without reading it: no path is recorded while
        # `mentioning`. `consumed` > 0 while a command's output feeds another program (a
        # pipeline, `$(...)`), where a listing is no longer a mere mention.
        self.mentioning = False
        self.consumed = 0
        # Paths resolved so far, (text, cwd) -> (real, lexical): a long command line names
        # the same files and folders again and again, and resolving costs system calls.
        self.resolved: dict[tuple, tuple[str, str]] = {}
        self.folders = Folders() if folders is None else folders  # see `realpath`
        self.globbed: dict[tuple, tuple[list, bool]] = {}  # see `Expander.glob`

    # --- recording ------------------------------------------------------------------------
    def reason(self, why: str) -> None:
        self.ctx.reasons[why] = None

    def unknown(self, text: str, computed_reason: str) -> None:
        """Record why a value with run-time parts leaves the analysis incomplete."""
        if COMPUTED in text:
            self.reason(computed_reason)
        if UNSET in text:
            self.reason(R_UNKNOWN_VARIABLE)

    def name(self, name: str) -> None:
        self.out.names[name] = None
        if _CASE_INSENSITIVE and name.lower() != name:
            self.out.names[name.lower()] = None

    def resolve(self, text: str, cwd: str) -> str:
        """`paths.resolve_expanded`, once per path and working directory of this analysis
        (the file system is not changed by analysing)."""
        return self.forms(text, cwd)[0]

    def forms(self, text: str, cwd: str) -> tuple[str, str]:
        """(resolved, lexical) forms of `text` run in `cwd` (see `paths`)."""
        key = (text, cwd)
        found = self.resolved.get(key)
        if found is None:
            found = self.resolved[key] = (self.realpath(text, cwd), lexical(text, cwd))
        return found

    def realpath(self, text: str, cwd: str) -> str:
        """`paths.resolve_expanded(text, cwd)`, with the folders learnt once per analysis
        (`paths.Folders`)."""
        return self.folders.resolve_expanded(text, cwd)

    def args(self, words: list) -> None:
        args = self.out.args
        for word in words:
            if word.isascii():  # no marker (most words)
                args[word] = None
            elif POSITIONAL not in word:
                args[display(word)] = None

    def path(self, text: str, st: State, write: bool = False, record: bool = True) -> None:
        if not text or text == "-" or (self.mentioning and not write):
            return
        if has_marker(text):
            if POSITIONAL in text:
                return
            text = text.replace(NUMBER, SHOWN_UNKNOWN)
            cut = min((text.find(m) for m in (COMPUTED, UNSET) if m in text), default=-1)
            if cut >= 0:
                self.unknown(text, R_COMPUTED_PATH)
                # the name at the end is known even when a folder is not (`environ` in
                # `/proc/$(pgrep x)/environ`): rules on file names still apply
                tail = text[max(text.rfind(COMPUTED), text.rfind(UNSET)) + 1:]
                name = tail.rstrip("/").rsplit("/", 1)[-1]
                if "/" in tail and name and name not in (".", ".."):
                    self.out.tail_names[name] = None
                known = text[:cut]
                slash = known.rfind("/")
                if slash < 0:
                    return
                text = known[:slash] or "/"
        if is_pseudo_device(text):
            return
        host = _dev_tcp_host(text)
        if host is not None:
            if host:
                self.out.hosts[host] = None
            return
        out = self.out
        for cwd in st.cwds:
            if has_marker(cwd) and not text.startswith("/"):
                self.reason(R_UNKNOWN_CWD)
                continue
            real, lex = self.forms(text, cwd)
            for form in (real, *self.through_links(real)):
                out.paths[form] = None
                if write:
                    out.write_paths[form] = None
            out.lexical_paths[lex] = None
            if write:
                out.lexical_write_paths[lex] = None
                if record:
                    self.written.setdefault(real, None)

    def through_links(self, real: str) -> list[str]:
        """Where `real` leads through links made earlier in this command line, and through
        symlinks kept by copies made earlier in it (`cp -P link x; echo > x`)."""
        found: list[str] = []
        if not self.links and not self.mirrors:
            return found
        for _ in range(4):
            # (the first link, in the order made, that is `real` or a folder above it)
            for link in _under(real, self.links):
                real = self.resolve(self.links[link] + real[len(link):], "/")
                break
            else:
                for copy in _under(real, self.mirrors):
                    from .flows import mirror_target

                    led = mirror_target(self.mirrors[copy], copy, real[len(copy):],
                                        self.links)
                    if led is not None:
                        real = led
                        break
                else:
                    return found
            if real in found:
                return found
            found.append(real)
        return found

    def hardlink(self, text: str, st: State) -> None:
        """A file that gets another name (`ln`, `cp -l`, `rsync --link-dest`): whatever
        is written through the new name changes it, so it counts as written too."""
        self.path(text, st, write=True, record=False)
        if has_marker(text):
            return
        for cwd in st.cwds:
            if not has_marker(cwd) or text.startswith("/"):
                self.out.hardlinks[self.resolve(text, cwd)] = None

    def written_file(self, text: str, st: State) -> tuple[bool, str | None]:
        """(written earlier in this command line, its content when known)."""
        if not self.written or has_marker(text):
            return False, None
        for cwd in st.cwds:
            if has_marker(cwd):
                continue
            real = self.resolve(text, cwd)
            if real in self.written:
                return True, self.written[real]
            if _under(real, self.written):  # inside a folder written earlier
                return True, None
        return False, None

    def run_written(self, text: str, call: Call, shell: bool, direct: bool = False) -> bool:
        """Analyse a program file written earlier in this command line (`direct`: run
        by its path rather than given to a shell); False if it was not written here."""
        found, content = self.written_file(text, call.st)
        if not found:
            return False
        origin = self.origin(text, call.st)
        if origin == "built":
            return True  # the project's own program, compiled by this command line
        if origin is not None:
            # downloaded, then run: code from the network, whoever runs it
            self.reason(R_DYNAMIC_CODE if not direct else R_DYNAMIC_COMMAND)
            self.pipes((origin,))
        elif content is None and direct:
            self.reason(R_DYNAMIC_COMMAND)
        elif content is None:
            # downloaded or generated, then given to a shell: code from a program's output
            self.reason(R_DYNAMIC_CODE)
            if shell:
                self.pipes()
        elif shell and not _foreign_shebang(content):
            self.run_code(content, call, stdin=None)
        else:
            self.reason(R_INLINE_CODE)
        return True

    def origin(self, text: str, st: State) -> str | None:
        """Where a file written earlier comes from (see `flows.origin`)."""
        from .flows import origin

        return origin(self, text, st)

    def built_program(self, text: str, st: State) -> None:
        """A program compiled from the project by this command line (`go build -o x`)."""
        for cwd in st.cwds:
            if not has_marker(cwd) or text.startswith("/"):
                self.built.add(self.resolve(text, cwd))

    def program_path(self, name: str, st: State) -> None:
        """A program started by its path (`./x`, `/tmp/x/tool`): where it really is."""
        for cwd in st.cwds:
            if not has_marker(cwd) or name.startswith("/"):
                self.out.program_paths[self.resolve(name, cwd)] = None

    def cwd_path(self, st: State, write: bool = False) -> None:
        for cwd in st.cwds:
            if not has_marker(cwd):
                self.path(cwd, st, write)

    def host(self, text: str) -> None:
        if not text:
            return
        if has_marker(text):
            self.unknown(text, R_COMPUTED_HOST)
            return
        from .. import netaddr  # (loaded only for commands that name hosts)

        host = netaddr.normalize_host(text)
        if host:
            self.reach(host)

    def url(self, text: str, default_scheme: str = "") -> None:
        """A URL (`default_scheme` is assumed when it has none, as curl does)."""
        if not text:
            return
        self.out.urls[display(text)] = None
        known = text
        if has_marker(text):
            cut = min(text.find(m) for m in MARKERS if m in text)
            known = text[:cut]
            after = known.find("://")
            rest = known[after + 3:] if after >= 0 else known
            if not any(c in rest for c in "/?#"):
                # the host itself is built at run time: data in its labels, or unknown
                authority = text[after + 3 if after >= 0 else 0:]
                for stop in "/?#":
                    authority = authority.split(stop, 1)[0]
                self.data_host(authority.rpartition("@")[2], "dns")
                return
        if default_scheme and "://" not in known:
            known = default_scheme + "://" + known
        from .. import netaddr

        for host in netaddr.url_hosts(known):
            self.reach(host)

    def data_host(self, text: str, channel: str) -> None:
        """A host name with run-time data in it (see `flows.data_host`)."""
        from .flows import data_host

        data_host(self, text, channel)

    def data_sent(self, host: str, channel: str) -> None:
        """Data known only at run time leaves for `host` through `channel` (`dns`,
        `icmp`, `http`)."""
        self.out.data_hosts[host] = None
        self.out.data_channels[channel] = None

    def reach(self, host: str) -> None:
        self.out.hosts[host] = None
        self.net_events += 1
        if len(self.reached) < 1024:
            self.reached.append(host)

    def scan_url(self, word: str) -> bool:
        """Record `word` (or its `--opt=`/`NAME=` value) when it starts like a URL."""
        for candidate in (word, word.partition("=")[2]):
            sep = candidate.find("://")
            if sep > 0 and candidate[0].isalpha() and all(
                    c.isalnum() or c in "+-." for c in candidate[:sep]):
                end = len(candidate)
                for blank in " \t\n":
                    pos = candidate.find(blank)
                    if 0 <= pos < end:
                        end = pos
                self.url(candidate[:end])
                return True
        return False

    def pipes(self, producers: list | tuple = ()) -> None:
        """Code from a stream runs: record it, and the programs whose output it may be
        (`producers`, or those of the current pipeline and `$(...)`)."""
        self.out.pipes_to_shell = True
        for label in producers or (*self.pipe_producers, *self.word_producers):
            self.out.code_producers[label] = None

    def credential(self, kind: str, printed_here: bool = True) -> None:
        """The running command prints a stored credential of `kind` (`gh auth token`), or
        (`printed_here` false) a pipeline that just ended does: record it, and where its
        text goes once that is known (see `credential_sinks`)."""
        self.out.credential_reads[kind] = None
        if self.pipe_stage is not None:
            self.pending_credentials.append((kind, self.pipe_stage))
        elif self.substitutions:
            # `$(gh auth token)`: it becomes words of the command around the `$(...)`
            (self.output_words if printed_here else self.word_credentials).append(kind)
        else:
            self.out.credential_sinks["output"] = None

    def login_consumer(self) -> None:
        """The running command reads a password or token on standard input
        (`docker login --password-stdin`): a credential piped into it stays hidden."""
        self.consumes_secret = True
        if self.pipe_stage is not None:
            self.login_stages.add(self.pipe_stage)

    def produced(self, argv: list) -> None:
        """A program ran whose output a shell may run next: remember its label."""
        if self.producers is not None and len(self.producers) < MAX_ALTS:
            self.producers.append(program_label(argv))

    # --- nodes ----------------------------------------------------------------------------
    def run(self, node: Command | CommandList, st: State, stdin: object) -> None:
        """Run one node of the tree (see `_RUNNERS`) with `st`, reading `stdin`."""
        if node is None:
            return
        self.ctx.step()
        if type(node) is SimpleCommand:  # most nodes are
            self.simple(node, st, stdin)
            return
        runner = _RUNNERS.get(type(node))
        if runner is None:  # a compound command (loaded the first time one is met)
            from .control import RUNNERS

            runner = RUNNERS.get(type(node))
        if runner is not None:
            runner(self, node, st, stdin)

    def run_list(self, node: CommandList, st: State, stdin: object) -> None:
        ctx = self.ctx
        ctx.enter()
        for item in node.items:
            self.run(item.command, st, stdin)
        ctx.leave()

    def run_andor(self, node: AndOr, st: State, stdin: object) -> None:
        """Only the first pipeline surely runs: the others change `st` conditionally."""
        pipelines = node.pipelines
        self.run(pipelines[0], st, stdin)
        st.cond += 1
        for pipeline in pipelines[1:]:
            self.run(pipeline, st, stdin)
        st.cond -= 1

    def run_pipe(self, node: Pipeline, st: State, stdin: object) -> None:
        self.run_pipeline(node.commands, st, stdin)

    def run_subshell(self, node: Subshell, st: State, stdin: object) -> None:
        redirected = self.redirs(node.redirects, st)[0]
        self.ctx.enter()
        self.run(node.body, st.copy(), stdin if redirected is None else redirected)
        self.ctx.leave()

    def run_group(self, node: Group, st: State, stdin: object) -> None:
        redirected = self.redirs(node.redirects, st)[0]
        self.ctx.enter()
        self.run(node.body, st, stdin if redirected is None else redirected)
        self.ctx.leave()

    def run_pipeline(self, commands: list, st: State, stdin: object) -> object:
        """Each element reads the previous one's output: remember which programs produced
        it (code run from it names them) and whether a download is among them (files
        written from it are downloaded)."""
        saved = (self.pipe_producers, self.piped_download, self.producers, self.pipe_stage)
        producers: list = []
        downloading = self.piped_download
        piped: object = stdin
        pipeline = self.ctx.steps  # a number no other pipeline of this analysis has
        last = len(commands) - 1
        try:
            for position, command in enumerate(commands):
                # The list itself, not a copy: it grows only between elements, so while an
                # element runs it holds exactly the earlier ones' programs (a copy per
                # element made a long pipeline cost its length squared).
                self.pipe_producers = producers
                self.piped_download = downloading
                self.producers = []
                self.pipe_stage = (pipeline, position)
                before = self.net_events
                self.consumed += position < last  # its output feeds the next element
                try:
                    piped = self.run_piped(command, st.copy(), piped)
                finally:
                    self.consumed -= position < last
                producers.extend(self.producers)
                downloading = downloading or self.net_events > before
        finally:
            self.pipe_producers, self.piped_download, self.producers, self.pipe_stage = saved
        if self.pending_credentials:
            from .flows import settle_pipeline_credentials

            settle_pipeline_credentials(self, pipeline)
        if self.producers is not None:  # a pipeline inside `$(...)`: all of it produces
            self.producers.extend(producers[:MAX_ALTS])
        return piped

    def run_piped(self, node: Command, st: State, stdin: object) -> object:
        """Run one element of a pipeline; what the next element reads: PIPE, or
        Input("pipe", text) when this element is a simple command whose output is known."""
        if type(node) is not SimpleCommand:
            self.run(node, st, stdin)
            return PIPE
        saved = self.capture
        self.capture = []
        try:
            self.run(node, st, stdin)
            captured = self.capture
        finally:
            self.capture = saved
        if len(captured) == 1 and not _decodes_escapes(captured[0][0]):
            text = known_output(captured[0], self)
            if text is not None:
                return Input("pipe", text)
        return PIPE

    def redirs(self, redirs: list[Redirection], st: State, outputs: list | None = None
               ) -> tuple[object, bool]:
        """Record redirection targets; (stdin they give, or None; whether one is a
        network socket). Standard-output targets are appended to `outputs`."""
        stdin = None
        net = False
        for redir in redirs:
            if type(redir) is Heredoc:
                text = "".join(" ".join(alt) for alt in self.expand(redir.parts, st, PLAIN)[:1])
                if redir.fd == 0:
                    stdin = Input("text", text)
                continue
            op, fd = redir.op, redir.fd
            texts = []
            for alt in self.expand(redir.target, st, REDIR):
                texts.extend(alt)
            if op == "<<<":
                if fd in (None, 0):
                    stdin = Input("text", " ".join(texts) + "\n")
                continue
            if op in (">&", "<&") and all(t == "-" or t.rstrip("-").isdigit() for t in texts):
                if any(t.rstrip("-") in self.net_fds for t in texts):
                    net = True
                    if op == "<&" and fd in (None, 0):
                        stdin = PIPE
                elif op == "<&" and fd in (None, 0):
                    # `exec 3< <(curl ...); bash <&3`: the descriptor opened earlier
                    for text in texts:
                        opened = self.fd_inputs.get(text.rstrip("-"))
                        if opened is not None:
                            stdin, producers = opened
                            self.word_producers.extend(producers)
                continue
            for text in texts:
                if _dev_tcp_host(text) is not None:
                    net = True
                    if fd is not None:
                        self.net_fds.add(str(fd))
                write = op not in ("<", "<&")
                output = outputs is not None and fd in (None, 1) and op in (
                    ">", ">>", ">|", "&>", "&>>")
                self.path(text, st, write=write, record=not output)
                if output:
                    outputs.append((op, text))
                if op in ("<", "<&", "<>") and fd in (None, 0):
                    stdin = Input("file", text)
                elif op in ("<", "<>") and fd is not None and len(self.fd_inputs) < 64:
                    self.fd_inputs[str(fd)] = (Input("file", text), list(self.word_producers))
        return stdin, net

    def simple(self, node: SimpleCommand, st: State, stdin: object) -> None:
        saved = (self.word_producers, self.word_credentials, self.consumes_secret,
                 self.output_words, self.glob_sources)
        self.glob_sources = {}
        self.output_words = self.word_credentials  # the command whose `$(...)` this may be
        self.word_producers, self.word_credentials, self.consumes_secret = [], [], False
        net_before, written_before = self.net_events, len(self.written)
        hosts_before = len(self.reached)
        try:
            argv = self.simple_command(node, st, stdin)
            if self.word_credentials:
                from .flows import settle_word_credentials

                settle_word_credentials(self, self.word_credentials,
                                        argv[0].rsplit("/", 1)[-1] if argv else "",
                                        self.reached[hosts_before:], node)
        finally:
            (self.word_producers, self.word_credentials, self.consumes_secret,
             self.output_words, self.glob_sources) = saved
        reached = self.net_events > net_before
        if reached or self.piped_download:
            # what this command writes comes from the network (`curl -o x URL`,
            # `git clone URL d`, `curl URL | tar x -C d`, `x=$(curl URL); echo "$x" > f`)
            label = (program_label(argv) if reached and argv
                     else (self.pipe_producers or ["download"])[0])
            for path in list(self.written)[written_before:]:
                self.downloaded.setdefault(path, label)

    def simple_command(self, node: SimpleCommand, st: State, stdin: object) -> list | None:
        """Expand and run one simple command; the words of the (first) command it runs."""
        assigns, words = node.assignments, node.words
        program = plain_word(words[0]) if words else None
        declaration = program in DECLARATION_BUILTINS
        first_alts: list[list[str]] = [[]]
        rest: list[str] = []
        # option letters of a declaration (`-i`, `-n`...)
        flags: set[str] = set() if declaration else _NO_FLAGS
        for index, word in enumerate(words):
            if declaration and index and self.declaration_word(word, st, flags, rest):
                continue
            alts = self.expand(word, st, CMD)
            if index == 0:
                first_alts = alts
            else:
                for alt in alts:
                    rest.extend(alt)
                    if declaration:
                        self.declaration_fields(alt, st, flags)
        for assignment in assigns:
            if assignment.subscript is not None:  # `a[$i]=x`: the subscript is an expression
                self.arith_text(assignment.subscript, st)
        prefix = [(a.name, a.append, self.assign_values(a, st)) for a in assigns] \
            if assigns else ()
        outputs: list = []
        if node.redirects:
            redirected, net = self.redirs(node.redirects, st, outputs)
            if redirected is not None:
                stdin = redirected
        else:
            net = False
        for name, _append, values in prefix:
            if isinstance(values, list) and name in INJECTION_VARS:
                self.injection(name, values, st)
        if outputs and (not words or program in (":", "true")):
            from .programs.destructive import truncated

            truncated(self, outputs, st)  # `: > data.db` empties the file
        if not words:
            for name, append, values in prefix:
                self.assign(st, name, append, values)
            if outputs:
                self.record_output(["true"], None, st, outputs)
            return None
        env = {name: values for name, _append, values in prefix
               if isinstance(values, list)} if prefix else {}
        first = None
        for alt in first_alts if len(first_alts) <= MAX_ALTS else first_alts[:MAX_ALTS]:
            argv = alt + rest if rest else alt
            if argv:
                if self.capture is not None:
                    self.capture.append((argv, stdin, st.cwds[0]))
                if outputs:
                    self.record_output(argv, stdin, st, outputs)
                first = first or argv
                self.command(Call(argv, st, stdin, env, net))
        return first

    def declaration_word(self, word: list, st: State, flags: set, rest: list) -> bool:
        """An argument of `declare`/`local`/`export`... written as an assignment: made
        (with `-i` its value is an arithmetic expression, with `-n` a variable name, and a
        subscript is evaluated); True when it was one."""
        option = plain_word(word)
        if option and option[:1] in "-+":
            flags.update(option[1:])
        # An unterminated quote can leave an empty word (`export "`).
        assignment = (word[0] if word and type(word[0]) is Assignment
                      else split_assignment(word))
        if assignment is None:
            return False
        name = assignment.name
        if assignment.subscript is not None:
            self.arith_text(assignment.subscript, st)
        values = self.assign_values(assignment, st)
        if "i" in flags:
            self.integer_vars.add(name)
        if "n" in flags and isinstance(values, list):
            for value in values:
                self.name_text(value, st)
        self.assign(st, name, assignment.append, values)
        shown = values[0] if isinstance(values, list) else " ".join(values[1])
        rest.append(name + "=" + shown)
        return True

    def declaration_fields(self, fields: list, st: State, flags: set) -> None:
        """Arguments of a declaration that were not plain assignments (`declare -i n`,
        `declare 'a[$(x)]=1'`): names looked up at run time, values of `-i`/`-n`."""
        for text in fields:
            if text[:1] in "-+":
                continue
            name, eq, value = text.partition("=")
            self.name_text(name, st)
            if "i" in flags:
                self.integer_vars.add(name.partition("[")[0])
                if eq:
                    self.arith_text(value, st)
            if "n" in flags and eq:
                self.name_text(value, st)

    def record_output(self, argv: list, stdin: object, st: State, outputs: list) -> None:
        """Remember what `echo`/`printf`/`cat <<EOF` write into a file, so that running
        that file later in the same command line is analysed."""
        text = "" if argv == ["true"] else known_output((argv, stdin, st.cwds[0]), self)
        for op, target in outputs:
            if has_marker(target) or has_marker(st.cwds[0]):
                continue
            real = self.resolve(target, st.cwds[0])
            if text is None:
                self.written[real] = None
            elif op in (">>", "&>>"):
                if real in self.written:
                    before = self.written[real]
                    if before is not None:
                        self.ctx.grow(len(before) + len(text))
                    self.written[real] = None if before is None else before + text
                else:  # appending to a file that was there before: its start is unknown
                    self.written[real] = None if os.path.lexists(real) else text
            else:
                self.written[real] = text

    def injection(self, name: str, values: list, st: State) -> None:
        """Variables that make programs run code: `GIT_SSH_COMMAND=...`, `LD_PRELOAD=...`,
        `BASH_ENV=...`."""
        call = Call([name], st, None, {}, False)
        for value in values:
            if name in CODE_VARS:
                self.run_code(value.lstrip("|"), call)
            elif name in SOURCED_VARS:
                self.reason(R_STARTUP_FILE)
                self.script_operand(value, call, shell=True)
            elif name in PROMPT_VARS:
                self.expand_text(value, st)
            else:
                self.reason(R_INLINE_CODE)
                for item in value.replace(":", " ").split():
                    self.path(item, st)

    # --- commands -------------------------------------------------------------------------
    def command(self, call: Call) -> None:
        saved = self.mentioning
        try:
            self.command_chain(call)
        finally:
            self.mentioning = saved

    def command_chain(self, call: Call) -> None:
        for _ in range(24):
            self.ctx.step()
            self.mentioning = False
            argv = call.argv
            name = argv[0]
            if has_marker(name):
                if POSITIONAL not in name:
                    self.reason(R_DYNAMIC_COMMAND)
                if COMPUTED in name:
                    # `$(curl URL)`: a program's output is run as a command
                    self.pipes()
                self.args(argv[1:])
                generic(self, call)
                return
            base = name.rstrip("/").rsplit("/", 1)[-1] or name if "/" in name else name
            self.name(base)
            hashed = call.st.hashed.get(base)
            if hashed:
                self.name(hashed)
            self.args(argv[1:])
            if base in call.st.funcs and "/" not in name:
                from .control import call_function

                call_function(self, call, base)
                return
            observer = observer_for(base)
            if observer is not None:
                observer(self, call)  # what it destroys, publishes or kills (not its paths)
            if call.env:
                from .programs.destructive import environment

                environment(self, call)  # NO_PROXY='*'...
            if "://" in name:
                # `npx https://host/pkg.tgz`: a package fetched and run by a wrapper
                self.url(name)
                self.pipes((program_label([name]),))
            elif "/" in name:
                if self.run_written(name, call, shell=True, direct=True):
                    return
                self.program_path(name, call.st)
            inspect(self, call, base)  # stored credentials, served folders
            handler = handler_for(base)
            if handler is None:
                self.produced(argv)
                generic(self, call)
                if "/" in name:  # a script run by its path: read it (event_source.code)
                    from .programs.interpreters import run_by_path

                    run_by_path(self, call)
                return
            nxt = handler(self, call)
            if nxt is None or not nxt.argv:
                self.produced(argv)
                return
            call = nxt
        self.reason(R_TOO_COMPLEX)

    def run_code(self, code: str, call: Call, positional: list | None = None,
                 arg0: str | None = None, same_shell: bool = False,
                 stdin: object = False) -> None:
        """Analyse shell code that a command runs (`bash -c`, `eval`, `trap`...)."""
        if COMPUTED in code or UNSET in code:
            self.reason(R_DYNAMIC_CODE)
            if COMPUTED in code:
                self.pipes()
        decoders = [label for label in self.word_producers
                    if label.partition(" ")[0] in _DECODING_PROGRAMS]
        if decoders:
            # `eval "$(echo ... | base64 -d)"`: the decoded code is analysed, and it is still
            # code that came out of a decoder
            self.pipes(decoders)
        self.ctx.enter()
        try:
            node = Parser(code[:MAX_INPUT], self.ctx).parse_script()
            if same_shell:
                st = call.st
            else:
                st = call.st.copy()
                st.positional = list(positional or [])
                st.arg0 = arg0 or st.arg0
                for name, values in call.env.items():
                    st.vars[name] = tuple(values)
            self.run(node, st, call.stdin if stdin is False else stdin)
        finally:
            self.ctx.leave()

    def code_from_stdin(self, call: Call, shell: bool) -> None:
        """A shell or interpreter that reads its program from standard input."""
        stdin = call.stdin
        if stdin == PIPE or call.net:
            self.pipes()
            return
        if not isinstance(stdin, Input):
            return
        if stdin.kind == "pipe":
            # Static text (`printf 'make test\n' | bash`): analysed as the script it is,
            # and still code that came out of a decoder when one made it (`| base64 -d |`).
            decoders = [label for label in self.pipe_producers
                        if label.partition(" ")[0] in _DECODING_PROGRAMS]
            if decoders:
                self.pipes(decoders)
            if shell:
                self.run_code(stdin.value, call, stdin=None)
            else:
                # literal code piped to an interpreter is `python3 -c CODE` (analysed by the
                # interpreter's handler); text with a part made at run time is generated code
                self.reason(R_INLINE_CODE)
                if COMPUTED in stdin.value or UNSET in stdin.value:
                    self.pipes()
        elif stdin.kind == "text":
            if shell:
                self.run_code(stdin.value, call, stdin=None)
            else:
                self.reason(R_INLINE_CODE)
                self.unknown(stdin.value, R_DYNAMIC_CODE)
                if COMPUTED in stdin.value:
                    self.pipes()
        elif _is_stream(stdin.value):  # a file: `< /dev/stdin`, `< /dev/tcp/...`
            self.pipes()

    def script_operand(self, script: str, call: Call, shell: bool) -> None:
        """The program file given to a shell or interpreter."""
        if _is_stream(script):
            if script in _STDIN_NAMES:
                self.code_from_stdin(call, shell=shell)
            else:
                self.pipes()
        else:
            if COMPUTED in script or UNSET in script:
                self.reason(R_DYNAMIC_CODE)  # `source "$UNKNOWN"`: the code is not known
            self.path(script, call.st)
            self.run_written(script, call, shell)


# How `Evaluator.run` runs each kind of node (a simple command is taken first; the
# compound commands are in `control.RUNNERS`).
_RUNNERS = {
    CommandList: Evaluator.run_list,
    AndOr: Evaluator.run_andor,
    Pipeline: Evaluator.run_pipe,
    Subshell: Evaluator.run_subshell,
    Group: Evaluator.run_group,
}
