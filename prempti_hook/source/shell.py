"""What a Bash command line would really run and touch (`tool.cmd.*`).

An agent can hide `cat ~/.ssh/id_rsa` in many spellings: `ca""t`, `\\cat`, `/bin/c?t`,
`{cat,~/.ssh/id_rsa}`, `K=~/.ssh; cat $K/id_rsa`, `head${IFS}-c9${IFS}/etc/gshadow`,
`bash -c '...'`, `eval "..."`, `sudo env X=1 ...`. This module parses the command the way
bash does (quoting, expansions, compound commands, here-documents), evaluates what it can
statically (variables assigned in the command, the environment, `~`, `$HOME`, `$PWD`,
brace and pathname expansion, `cd`), looks through wrapper programs and shells, and
collects program names, argument words, paths read and written, URLs and hosts.

What it cannot see statically it reports instead of guessing: `Analysis.reasons` lists
why the result may be incomplete (a command name produced at run time, code fed to a
shell from a program's output, inline code of another language, a path built at run
time, limits reached...). Values produced at run time are carried through the analysis
as private-use marker characters, so that e.g. a command substitution inside a `bash -c`
string is still recognized as unknown code.

Hot path: standard library only, no `re`/`typing`/`dataclasses`/`enum`/`json` imports.
Work is bounded (input size, nesting, steps, brace and glob results).
"""

from __future__ import annotations

import os
import sys

from . import netaddr
from .paths import is_pseudo_device, lexical, resolve_expanded, user_home

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# --- limits -----------------------------------------------------------------------------
MAX_INPUT = 128 * 1024      # characters of command text analysed
MAX_LEVEL = 40              # nesting of parse/evaluation (subshells, $(), bash -c, eval...)
MAX_STEPS = 40_000          # words expanded + commands evaluated, for the whole analysis
MAX_FIELDS = 256            # words one word may expand to (brace, glob)
MAX_ALTS = 8                # alternative values tracked for one variable
MAX_GLOB_SCAN = 4096        # directory entries examined per pathname expansion

# --- markers for values known only at run time ------------------------------------------
COMPUTED = "\ue000"    # output of a program ($(...), `...`, read, $RANDOM...)
UNSET = "\ue001"       # a variable set neither in the command nor in the environment
NUMBER = "\ue002"      # a run-time number ($$, $?, $((...))): digits, cannot hide a path
POSITIONAL = "\ue003"  # an argument of a function body analysed at its definition
_MARKERS = COMPUTED + UNSET + NUMBER + POSITIONAL
_SHOWN_UNKNOWN = "<?>"

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

_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
_META = frozenset(" \t\n|&;()<>")
_WORD_END = frozenset(" \t\n|&;()<>\\'\"$`")
_KEYWORD_END = frozenset(" \t\n|&;()<>")
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_CLOSERS = frozenset({"then", "do", "done", "fi", "else", "elif", "esac", "}"})
_DQ_ESCAPABLE = frozenset('$`"\\\n')
_GLOB_CHARS = frozenset("*?[")
# macOS file systems ignore case: `CAT` runs cat there.
_CASE_INSENSITIVE = sys.platform == "darwin"


class _Abort(Exception):
    """A limit was reached: stop the whole analysis, keep what was found."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Ctx:
    """Shared by every parser and evaluator of one analysis: reasons and the budgets."""

    __slots__ = ("level", "reasons", "steps")

    def __init__(self) -> None:
        self.reasons: dict[str, None] = {}
        self.level = 0
        self.steps = 0

    def reason(self, why: str) -> None:
        self.reasons[why] = None

    def enter(self) -> None:
        self.level += 1
        if self.level > MAX_LEVEL:
            raise _Abort(R_TOO_DEEP)

    def leave(self) -> None:
        self.level -= 1

    def step(self, cost: int = 1) -> None:
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise _Abort(R_TOO_COMPLEX)


# ========================================================================================
# Parsing: text -> a small tree of tuples.
#
# Words are lists of parts:
#   ("L", text)                  unquoted literal (subject to brace/tilde/glob)
#   ("Q", text)                  quoted literal
#   ("V", name, op, arg, quoted, flags)   parameter expansion; flags = (length, indirect,
#                                subscript); arg = parts, or (pattern, replacement) parts
#   ("C", list_node, quoted)     command substitution $(...) or `...`
#   ("A", parts, quoted)         arithmetic $((...)) (its value is a number)
#   ("P", list_node, "<" | ">")  process substitution <(...) / >(...)
# Nodes:
#   ("list", [[node, sep], ...]), ("andor", [pipes], [ops]), ("pipe", [commands]),
#   ("simple", assigns, words, redirs), ("sub", list, redirs), ("group", list, redirs),
#   ("if", [(cond, body)], else_body, redirs), ("loop", cond, body, redirs),
#   ("for", name, words | None, body, redirs), ("case", word, [(patterns, body)], redirs),
#   ("func", name, body), ("cond", words, redirs), ("arith", parts, redirs)
# Redirections: ["redir", op, fd, word] and ["heredoc", fd, parts, quoted, delim, strip].
# ========================================================================================


class _Parser:
    __slots__ = ("ctx", "i", "n", "pending", "s")

    def __init__(self, text: str, ctx: _Ctx) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.ctx = ctx
        self.pending: list[list] = []

    # --- entry points -------------------------------------------------------------------
    def parse_script(self) -> tuple:
        node = self.parse_list()
        while self.i < self.n:  # a stray `)` or `;;` at top level
            self.ctx.reason(R_SYNTAX)
            self.i += 1
            more = self.parse_list()
            node[1].extend(more[1])
        return node

    def parse_heredoc_body(self) -> list:
        """The parts of an unquoted here-document: `$`, backquotes and `\\` are special."""
        parts: list = []
        s, n = self.s, self.n
        start = self.i
        while self.i < n:
            c = s[self.i]
            if c == "\\" and self.i + 1 < n and s[self.i + 1] in "$`\\\n":
                self._flush(parts, start, self.i)
                if s[self.i + 1] != "\n":
                    parts.append(("Q", s[self.i + 1]))
                self.i += 2
                start = self.i
            elif c == "$" or c == "`":
                self._flush(parts, start, self.i)
                if c == "$":
                    self.read_dollar(parts, True)
                else:
                    self.read_backtick(parts, True)
                start = self.i
            else:
                self.i += 1
        self._flush(parts, start, self.i)
        return parts

    def _flush(self, parts: list, start: int, end: int) -> None:
        if end > start:
            parts.append(("Q", self.s[start:end]))

    # --- blanks, comments, newlines and here-documents -------------------------------------
    def skip_blanks(self) -> None:
        s, n = self.s, self.n
        i = self.i
        while i < n:
            c = s[i]
            if c == " " or c == "\t":
                i += 1
            elif c == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
            elif c == "#":
                end = s.find("\n", i)
                i = n if end < 0 else end
            else:
                break
        self.i = i

    def skip_separators(self) -> None:
        """Blanks, comments and newlines (reading any here-document bodies due)."""
        while True:
            self.skip_blanks()
            if self.i < self.n and self.s[self.i] == "\n":
                self.newline()
            else:
                return

    def newline(self) -> None:
        self.i += 1
        if self.pending:
            self.read_heredocs()

    def read_heredocs(self) -> None:
        s, n = self.s, self.n
        pending, self.pending = self.pending, []
        for node in pending:
            delim, strip = node[4], node[5]
            lines = []
            while self.i < n:
                end = s.find("\n", self.i)
                if end < 0:
                    end = n
                line = s[self.i:end]
                self.i = min(end + 1, n)
                if strip:
                    line = line.lstrip("\t")
                if line == delim:
                    break
                lines.append(line)
            body = "\n".join(lines) + "\n" if lines else ""
            if node[3]:
                node[2] = [("Q", body)]
            else:
                sub = _Parser(body, self.ctx)
                node[2] = sub.parse_heredoc_body()

    def peek_keyword(self) -> str | None:
        """The plain word at the cursor when it could be a reserved word, else None."""
        s, n, i = self.s, self.n, self.i
        j = i
        while j < n and s[j] not in _WORD_END:
            j += 1
        if j == i or (j < n and s[j] not in _KEYWORD_END):
            return None
        return s[i:j]

    def take_keyword(self, word: str) -> bool:
        self.skip_separators()
        if self.peek_keyword() == word:
            self.i += len(word)
            return True
        self.ctx.reason(R_SYNTAX)
        return False

    def expect_char(self, char: str) -> None:
        self.skip_separators()
        if self.i < self.n and self.s[self.i] == char:
            self.i += 1
        else:
            self.ctx.reason(R_SYNTAX)

    # --- lists, pipelines, commands --------------------------------------------------------
    def parse_list(self, stops: frozenset = frozenset(), paren: bool = False,
                   case: bool = False) -> tuple:
        ctx = self.ctx
        ctx.enter()
        items: list[list] = []
        s = self.s
        while True:
            self.skip_separators()
            if self.i >= self.n:
                break
            c = s[self.i]
            if c == ")":
                if paren or case:
                    break
                ctx.reason(R_SYNTAX)
                self.i += 1
                continue
            if c == ";" and (s.startswith(";;", self.i) or s.startswith(";&", self.i)):
                if case:
                    break
                ctx.reason(R_SYNTAX)
                self.i += 2
                continue
            if c in ";&|":
                ctx.reason(R_SYNTAX)
                self.i += 1
                continue
            word = self.peek_keyword()
            if word is not None and word in stops:
                break
            if word in _CLOSERS:
                ctx.reason(R_SYNTAX)
                self.i += len(word)
                continue
            before = self.i
            node = self.parse_andor()
            if self.i == before:
                ctx.reason(R_SYNTAX)
                self.i += 1
                continue
            if node is not None:
                items.append([node, ";"])
            self.skip_blanks()
            if self.i < self.n:
                c = s[self.i]
                if c == "&" and not s.startswith("&&", self.i):
                    if items:
                        items[-1][1] = "&"
                    self.i += 1
                elif c == ";" and not (s.startswith(";;", self.i) or s.startswith(";&", self.i)):
                    self.i += 1
                elif c == "\n":
                    self.newline()
        ctx.leave()
        return ("list", items)

    def parse_andor(self) -> tuple | None:
        first = self.parse_pipeline()
        pipes = [first]
        ops = []
        s = self.s
        while True:
            self.skip_blanks()
            if s.startswith("&&", self.i) or s.startswith("||", self.i):
                ops.append(s[self.i:self.i + 2])
                self.i += 2
                self.skip_separators()
                pipes.append(self.parse_pipeline())
            else:
                break
        if not ops:
            return first
        return ("andor", pipes, ops)

    def parse_pipeline(self) -> tuple | None:
        while True:
            self.skip_blanks()
            word = self.peek_keyword()
            if word == "!":
                self.i += 1
            elif word == "time":
                self.i += 4
                self.skip_blanks()
                if self.peek_keyword() == "-p":
                    self.i += 2
            else:
                break
        commands = [self.parse_command()]
        s = self.s
        while True:
            self.skip_blanks()
            if self.i < self.n and s[self.i] == "|" and not s.startswith("||", self.i):
                self.i += 1
                if self.i < self.n and s[self.i] == "&":
                    self.i += 1
                self.skip_separators()
                commands.append(self.parse_command())
            else:
                break
        if len(commands) == 1:
            return commands[0]
        return ("pipe", commands)

    def parse_command(self) -> tuple | None:
        self.skip_blanks()
        if self.i >= self.n:
            return None
        s = self.s
        ctx = self.ctx
        if s[self.i] == "(":
            if s.startswith("((", self.i):
                node = self.try_arith_command()
                if node is not None:
                    return node
            self.i += 1
            ctx.enter()
            body = self.parse_list(paren=True)
            ctx.leave()
            self.expect_char(")")
            return ("sub", body, self.parse_redirs())
        word = self.peek_keyword()
        if word == "{":
            self.i += 1
            body = self.parse_list(stops=frozenset({"}"}))
            self.take_keyword("}")
            return ("group", body, self.parse_redirs())
        if word == "if":
            return self.parse_if()
        if word in ("while", "until"):
            self.i += len(word)
            cond = self.parse_list(stops=frozenset({"do"}))
            self.take_keyword("do")
            body = self.parse_list(stops=frozenset({"done"}))
            self.take_keyword("done")
            return ("loop", cond, body, self.parse_redirs())
        if word in ("for", "select"):
            return self.parse_for(len(word))
        if word == "case":
            return self.parse_case()
        if word == "function":
            self.i += len(word)
            self.skip_blanks()
            name = self.read_word()
            self.skip_blanks()
            self._skip_empty_parens()
            self.skip_separators()
            body = self.parse_command()
            return ("func", _literal(name) or "", body)
        if word == "[[":
            return self.parse_cond()
        return self.parse_simple()

    def _skip_empty_parens(self) -> bool:
        s, j = self.s, self.i
        if j < self.n and s[j] == "(":
            k = j + 1
            while k < self.n and s[k] in " \t":
                k += 1
            if k < self.n and s[k] == ")":
                self.i = k + 1
                return True
        return False

    def parse_if(self) -> tuple:
        self.i += 2
        clauses = []
        else_body = None
        cond = self.parse_list(stops=frozenset({"then"}))
        self.take_keyword("then")
        body = self.parse_list(stops=frozenset({"elif", "else", "fi"}))
        clauses.append((cond, body))
        while True:
            self.skip_separators()
            word = self.peek_keyword()
            if word == "elif":
                self.i += 4
                cond = self.parse_list(stops=frozenset({"then"}))
                self.take_keyword("then")
                body = self.parse_list(stops=frozenset({"elif", "else", "fi"}))
                clauses.append((cond, body))
            elif word == "else":
                self.i += 4
                else_body = self.parse_list(stops=frozenset({"fi"}))
            else:
                break
        self.take_keyword("fi")
        return ("if", clauses, else_body, self.parse_redirs())

    def parse_for(self, keyword_len: int) -> tuple:
        self.i += keyword_len
        self.skip_blanks()
        s = self.s
        if s.startswith("((", self.i):
            self.i += 2
            parts = self.read_arith()
            if parts is None:
                self.ctx.reason(R_SYNTAX)
                parts = []
            name, words = "", [[("A", parts, False)]]
        else:
            name = _literal(self.read_word()) or ""
            words = None
            self.skip_separators()
            if self.peek_keyword() == "in":
                self.i += 2
                words = []
                while True:
                    self.skip_blanks()
                    if self.i >= self.n or s[self.i] in ";\n&|)":
                        break
                    word = self.read_word()
                    if word is None:
                        break
                    words.append(word)
        self.skip_blanks()
        if self.i < self.n and s[self.i] == ";":
            self.i += 1
        self.skip_separators()
        if self.peek_keyword() == "{":
            self.i += 1
            body = self.parse_list(stops=frozenset({"}"}))
            self.take_keyword("}")
        else:
            self.take_keyword("do")
            body = self.parse_list(stops=frozenset({"done"}))
            self.take_keyword("done")
        return ("for", name, words, body, self.parse_redirs())

    def parse_case(self) -> tuple:
        self.i += 4
        self.skip_blanks()
        subject = self.read_word() or []
        self.skip_separators()
        self.take_keyword("in")
        items = []
        s = self.s
        while True:
            self.skip_separators()
            if self.i >= self.n:
                self.ctx.reason(R_SYNTAX)
                break
            if self.peek_keyword() == "esac":
                self.i += 4
                break
            if s[self.i] == "(":
                self.i += 1
            patterns = []
            closed = False
            while self.i < self.n:
                self.skip_blanks()
                word = self.read_word()
                if word is not None:
                    patterns.append(word)
                self.skip_blanks()
                if self.i < self.n and s[self.i] == "|":
                    self.i += 1
                    continue
                if self.i < self.n and s[self.i] == ")":
                    self.i += 1
                    closed = True
                break
            if not closed:
                self.ctx.reason(R_SYNTAX)
                self.i += 1
                continue
            body = self.parse_list(stops=frozenset({"esac"}), case=True)
            items.append((patterns, body))
            if s.startswith(";;&", self.i):
                self.i += 3
            elif s.startswith(";;", self.i) or s.startswith(";&", self.i):
                self.i += 2
        return ("case", subject, items, self.parse_redirs())

    def parse_cond(self) -> tuple:
        self.i += 2
        words = []
        s = self.s
        while True:
            self.skip_separators()
            if self.i >= self.n:
                self.ctx.reason(R_SYNTAX)
                break
            if s.startswith("]]", self.i) and (self.i + 2 >= self.n
                                                or s[self.i + 2] in _KEYWORD_END):
                self.i += 2
                break
            word = self.read_word()
            if word is None:
                self.i += 1
            else:
                words.append(word)
        return ("cond", words, self.parse_redirs())

    def try_arith_command(self) -> tuple | None:
        save = self.i
        self.i += 2
        parts = self.read_arith()
        if parts is None:
            self.i = save
            return None
        return ("arith", parts, self.parse_redirs())

    def parse_redirs(self) -> list:
        redirs = []
        while True:
            self.skip_blanks()
            redir = self.try_redirect()
            if redir is None:
                return redirs
            redirs.append(redir)

    def parse_simple(self) -> tuple:
        assigns: list = []
        words: list = []
        redirs: list = []
        s = self.s
        while True:
            self.skip_blanks()
            if self.i >= self.n:
                break
            c = s[self.i]
            if c in "\n;&|)":
                break
            if c == "(":
                self.ctx.reason(R_SYNTAX)
                break
            redir = self.try_redirect()
            if redir is not None:
                redirs.append(redir)
                continue
            before = self.i
            word = self.read_word()
            if word is None:
                self.ctx.reason(R_SYNTAX)
                self.i = before + 1
                continue
            if not words or _plain(words[0]) in _DECLARATION_BUILTINS:
                assignment = _split_assignment(word)
                if assignment is not None:
                    if self.i < self.n and s[self.i] == "(" and not assignment[2]:
                        assignment = (assignment[0], assignment[1], None, self.read_array())
                    if not words:
                        assigns.append(assignment)
                        continue
                    if assignment[3] is not None:  # `declare -a NAME=(...)`
                        words.append([("ARR", assignment)])
                        continue
            words.append(word)
            if len(words) == 1 and not assigns and not redirs:
                name = _literal(word)
                save = self.i
                self.skip_blanks()
                if name and self._skip_empty_parens():
                    self.skip_separators()
                    return ("func", name, self.parse_command())
                self.i = save
        return ("simple", assigns, words, redirs)

    def read_array(self) -> list:
        """The words of `NAME=( ... )`; the cursor is on `(`."""
        self.i += 1
        words = []
        while True:
            self.skip_separators()
            if self.i >= self.n:
                self.ctx.reason(R_SYNTAX)
                return words
            if self.s[self.i] == ")":
                self.i += 1
                return words
            word = self.read_word()
            if word is None:
                self.i += 1
            else:
                words.append(word)

    _REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "&>>", "&>", "<", ">")

    def try_redirect(self) -> list | None:
        s, n = self.s, self.n
        i = self.i
        fd: int | str | None = None
        j = i
        if j < n and s[j] == "{":
            close = s.find("}", j)
            if 0 < close < j + 64 and _is_name(s[j + 1:close]) and close + 1 < n \
                    and s[close + 1] in "<>":
                fd = s[j + 1:close]
                j = close + 1
        else:
            while j < n and s[j] in _DIGITS:
                j += 1
            if j > i and j < n and s[j] in "<>":
                fd = int(s[i:j]) if j - i < 6 else 99999
            else:
                j = i
        if j >= n or s[j] not in "<>&":
            return None
        if s.startswith("<(", j) or s.startswith(">(", j):
            return None
        op = next((o for o in self._REDIR_OPS if s.startswith(o, j)), None)
        if op is None or (op[0] == "&" and fd is not None):
            return None
        self.i = j + len(op)
        self.skip_blanks()
        if op in ("<<", "<<-"):
            start = self.i
            word = self.read_word()
            raw = s[start:self.i]
            delim = raw.replace("'", "").replace('"', "").replace("\\", "")
            if delim.startswith("$"):
                delim = delim[1:]
            node = ["heredoc", 0 if fd is None else fd, [], any(q in raw for q in "'\"\\"),
                    delim, op == "<<-"]
            if word is None:
                self.ctx.reason(R_SYNTAX)
            self.pending.append(node)
            return node
        word = self.read_word()
        if word is None:
            self.ctx.reason(R_SYNTAX)
            word = []
        return ["redir", op, fd, word]

    # --- words ----------------------------------------------------------------------------
    def read_word(self) -> list | None:
        s, n = self.s, self.n
        start = self.i
        parts: list = []
        while self.i < n:
            i = self.i
            c = s[i]
            if c in _META:
                if i == start and c in "<>" and i + 1 < n and s[i + 1] == "(":
                    self.read_procsub(parts)
                    continue
                break
            if c == "\\":
                if i + 1 >= n:
                    parts.append(("L", "\\"))
                    self.i = n
                elif s[i + 1] == "\n":
                    self.i = i + 2
                else:
                    parts.append(("Q", s[i + 1]))
                    self.i = i + 2
            elif c == "'":
                end = s.find("'", i + 1)
                if end < 0:
                    self.ctx.reason(R_SYNTAX)
                    end = n
                parts.append(("Q", s[i + 1:end]))
                self.i = end + 1
            elif c == '"':
                self.read_dquote(parts)
            elif c == "$":
                self.read_dollar(parts, False)
            elif c == "`":
                self.read_backtick(parts, False)
            else:
                j = i + 1
                while j < n and s[j] not in _WORD_END:
                    j += 1
                parts.append(("L", s[i:j]))
                self.i = j
        if self.i == start:
            return None
        self.i = min(self.i, n)
        return parts

    def read_procsub(self, parts: list) -> None:
        direction = self.s[self.i]
        self.i += 2
        body = self.parse_list(paren=True)
        self.expect_char(")")
        parts.append(("P", body, direction))

    def read_dquote(self, parts: list) -> None:
        s, n = self.s, self.n
        self.i += 1
        start = self.i
        count = len(parts)
        while self.i < n:
            c = s[self.i]
            if c == '"':
                self._flush(parts, start, self.i)
                if len(parts) == count:
                    parts.append(("Q", ""))  # `""` is an empty word, not no word
                self.i += 1
                return
            if c == "\\" and self.i + 1 < n and s[self.i + 1] in _DQ_ESCAPABLE:
                self._flush(parts, start, self.i)
                if s[self.i + 1] != "\n":
                    parts.append(("Q", s[self.i + 1]))
                self.i += 2
                start = self.i
            elif c == "$" or c == "`":
                self._flush(parts, start, self.i)
                if c == "$":
                    self.read_dollar(parts, True)
                else:
                    self.read_backtick(parts, True)
                start = self.i
            else:
                self.i += 1
        self._flush(parts, start, self.i)
        self.ctx.reason(R_SYNTAX)

    def read_dollar(self, parts: list, quoted: bool) -> None:
        s, n = self.s, self.n
        i = self.i
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "'" and not quoted:
            text, self.i = _ansi_c(s, i + 2)
            if self.i > n:
                self.ctx.reason(R_SYNTAX)
                self.i = n
            parts.append(("Q", text))
        elif nxt == '"' and not quoted:
            self.i = i + 1
            self.read_dquote(parts)
        elif nxt == "(":
            if s.startswith("((", i + 1):
                self.i = i + 3
                arith = self.read_arith()
                if arith is not None:
                    parts.append(("A", arith, quoted))
                    return
            self.i = i + 2
            body = self.parse_list(paren=True)
            self.expect_char(")")
            parts.append(("C", body, quoted))
        elif nxt == "[":
            end = s.find("]", i)
            self.i = n if end < 0 else end + 1
            parts.append(("A", [], quoted))
        elif nxt == "{":
            self.read_brace_param(parts, quoted)
        elif nxt in _NAME_START:
            j = i + 2
            while j < n and s[j] in _NAME_CHARS:
                j += 1
            parts.append(("V", s[i + 1:j], None, None, quoted, _NO_FLAGS))
            self.i = j
        elif nxt in _DIGITS or nxt in _SPECIAL_PARAMS:
            parts.append(("V", nxt, None, None, quoted, _NO_FLAGS))
            self.i = i + 2
        else:
            parts.append(("Q" if quoted else "L", "$"))
            self.i = i + 1

    _PARAM_OPS = (":-", ":=", ":+", ":?", "-", "=", "+", "?", "##", "#", "%%", "%", "//",
                  "/#", "/%", "/", "^^", "^", ",,", ",", "@", ":")

    def read_brace_param(self, parts: list, quoted: bool) -> None:
        s, n = self.s, self.n
        i = self.i + 2
        length = indirect = False
        if i + 1 < n and s[i] == "#" and s[i + 1] != "}" and (
                s[i + 1] in _NAME_START or s[i + 1] in _DIGITS or s[i + 1] in "@*"):
            length = True
            i += 1
        elif i + 1 < n and s[i] == "!" and (s[i + 1] in _NAME_START or s[i + 1] in "@*#"):
            indirect = True
            i += 1
        j = i
        if j < n and s[j] in _NAME_START:
            while j < n and s[j] in _NAME_CHARS:
                j += 1
        elif j < n and s[j] in _DIGITS:
            while j < n and s[j] in _DIGITS:
                j += 1
        elif j < n and s[j] in _SPECIAL_PARAMS:
            j += 1
        name = s[i:j]
        subscript = None
        if name and j < n and s[j] == "[":
            close = _matching(s, j, "[", "]")
            subscript = s[j + 1:close]
            j = close + 1
        self.i = j
        op = None
        arg: object = None
        if not name:
            self.ctx.reason(R_SYNTAX)
        elif j < n and s[j] != "}":
            op = next((o for o in self._PARAM_OPS if s.startswith(o, j)), None)
            if op is None:
                self.ctx.reason(R_SYNTAX)
            else:
                self.i = j + len(op)
                if op[0] == "/":
                    pattern = self.read_brace_arg(quoted, "/")
                    replacement: list = []
                    if self.i < n and s[self.i] == "/":
                        self.i += 1
                        replacement = self.read_brace_arg(quoted, "")
                    arg = (pattern, replacement)
                else:
                    arg = self.read_brace_arg(quoted, "")
        if self.i < n and s[self.i] == "}":
            self.i += 1
        else:
            # skip whatever we could not understand up to the closing brace
            close = s.find("}", self.i)
            self.ctx.reason(R_SYNTAX)
            self.i = n if close < 0 else close + 1
        flags = (length, indirect, subscript) if (length or indirect or subscript) else _NO_FLAGS
        parts.append(("V", name, op, arg, quoted, flags))

    def read_brace_arg(self, quoted: bool, stop: str) -> list:
        s, n = self.s, self.n
        parts: list = []
        start = self.i
        while self.i < n:
            c = s[self.i]
            if c == "}" or (stop and c == stop):
                break
            if c == "\\" and self.i + 1 < n:
                self._flush_kind(parts, start, self.i, quoted)
                parts.append(("Q", s[self.i + 1]))
                self.i += 2
                start = self.i
            elif c == "'" and not quoted:
                self._flush_kind(parts, start, self.i, quoted)
                end = s.find("'", self.i + 1)
                if end < 0:
                    self.ctx.reason(R_SYNTAX)
                    end = n
                parts.append(("Q", s[self.i + 1:end]))
                self.i = end + 1
                start = self.i
            elif c == '"':
                self._flush_kind(parts, start, self.i, quoted)
                self.read_dquote(parts)
                start = self.i
            elif c == "$" or c == "`":
                self._flush_kind(parts, start, self.i, quoted)
                if c == "$":
                    self.read_dollar(parts, quoted)
                else:
                    self.read_backtick(parts, quoted)
                start = self.i
            else:
                self.i += 1
        self._flush_kind(parts, start, min(self.i, n), quoted)
        return parts

    def _flush_kind(self, parts: list, start: int, end: int, quoted: bool) -> None:
        if end > start:
            parts.append(("Q" if quoted else "L", self.s[start:end]))

    def read_backtick(self, parts: list, quoted: bool) -> None:
        s, n = self.s, self.n
        j = self.i + 1
        chunks = []
        while j < n:
            c = s[j]
            if c == "\\" and j + 1 < n:
                nxt = s[j + 1]
                chunks.append(nxt if nxt in "$`\\" or (quoted and nxt == '"') else c + nxt)
                j += 2
                continue
            if c == "`":
                break
            chunks.append(c)
            j += 1
        else:
            self.ctx.reason(R_SYNTAX)
        self.i = j + 1
        sub = _Parser("".join(chunks), self.ctx)
        self.ctx.enter()
        body = sub.parse_script()
        self.ctx.leave()
        parts.append(("C", body, quoted))

    def read_arith(self) -> list | None:
        """Parts of an arithmetic text up to the matching `))`, or None if there is none."""
        s, n = self.s, self.n
        parts: list = []
        depth = 0
        while self.i < n:
            c = s[self.i]
            if c == "(":
                depth += 1
                self.i += 1
            elif c == ")":
                if depth == 0:
                    if s.startswith("))", self.i):
                        self.i += 2
                        return parts
                    return None
                depth -= 1
                self.i += 1
            elif c == "$":
                self.read_dollar(parts, True)
            elif c == "`":
                self.read_backtick(parts, True)
            elif c == '"':
                self.read_dquote(parts)
            elif c == "\\":
                self.i += 2
            else:
                j = self.i + 1
                while j < n and s[j] not in "()$`\"\\":
                    j += 1
                parts.append(("L", s[self.i:j]))
                self.i = j
        return None


_NO_FLAGS = (False, False, None)


def _is_name(text: str) -> bool:
    return bool(text) and text[0] in _NAME_START and all(c in _NAME_CHARS for c in text)


def _literal(word: list | None) -> str | None:
    """The text of a word made only of literal characters (no expansion), else None."""
    if not word:
        return None
    out = []
    for part in word:
        if part[0] not in ("L", "Q"):
            return None
        out.append(part[1])
    return "".join(out)


def _plain(word: list) -> str | None:
    """The text of a word that is a single unquoted literal (a possible reserved word)."""
    if len(word) == 1 and word[0][0] == "L":
        return word[0][1]
    return None


def _split_assignment(word: list) -> tuple | None:
    """(name, append, value_parts, None) for `NAME=value`, `NAME+=value`, `NAME[i]=v`."""
    if not word:
        return None
    first = word[0]
    if first[0] != "L":
        return None
    text = first[1]
    eq = text.find("=")
    if eq <= 0:
        return None
    name = text[:eq]
    append = name.endswith("+")
    if append:
        name = name[:-1]
    bracket = name.find("[")
    base = name[:bracket] if bracket > 0 and name.endswith("]") else name
    if not _is_name(base):
        return None
    value = [("L", text[eq + 1:])] if eq + 1 < len(text) else []
    value.extend(word[1:])
    return (base, append, value, None)


def _matching(s: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for j in range(start, len(s)):
        if s[j] == opening:
            depth += 1
        elif s[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(s)


_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b",
                "E": "\x1b", "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _ansi_c(s: str, i: int, end_char: str = "'") -> tuple[str, int]:
    """Decode a `$'...'` string starting after the quote: (text, index after the end).

    Bash stops the string at a decoded NUL, so the rest is dropped the same way.
    """
    out = []
    n = len(s)
    truncated = False
    while i < n:
        c = s[i]
        if c == end_char:
            break
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = s[i + 1]
        i += 2
        if e in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[e])
        elif e in "01234567":
            j = i - 1
            k = j
            while k < n and k < j + 3 and s[k] in "01234567":
                k += 1
            out.append(chr(int(s[j:k], 8) & 0xFF))
            i = k
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            k = i
            while k < n and k < i + width and s[k] in _HEX_DIGITS:
                k += 1
            if k == i:
                out.append("\\" + e)
            else:
                code = int(s[i:k], 16)
                out.append(chr(code) if code <= 0x10FFFF else "\ufffd")
                i = k
        elif e == "c" and i < n:
            out.append(chr(ord(s[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + e)
        if out and "\x00" in out[-1]:
            out[-1] = out[-1].split("\x00", 1)[0]
            truncated = True
            break
    if truncated:
        while i < n and s[i] != end_char:
            i += 1 if s[i] != "\\" else 2
    return "".join(out), i + 1


# ========================================================================================
# Results
# ========================================================================================


class Analysis:
    """What one command line runs and touches. Lists are ordered, without duplicates.

    `paths`/`write_paths` are resolved (symlinks, `..`); `lexical_paths`/
    `lexical_write_paths` are the same paths as written (absolute, `..` folded, symlinks
    kept), for matching rules written with either form (`/etc` vs macOS `/private/etc`).
    """

    __slots__ = ("args", "hosts", "lexical_paths", "lexical_write_paths", "names", "paths",
                 "pipes_to_shell", "reasons", "urls", "write_paths")

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.args: dict[str, None] = {}
        self.paths: dict[str, None] = {}
        self.write_paths: dict[str, None] = {}
        self.lexical_paths: dict[str, None] = {}
        self.lexical_write_paths: dict[str, None] = {}
        self.urls: dict[str, None] = {}
        self.hosts: dict[str, None] = {}
        self.pipes_to_shell = False
        self.reasons: dict[str, None] = {}

    @property
    def incomplete(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict:
        """Plain data, for tests and debugging."""
        return {name: (getattr(self, name) if name == "pipes_to_shell"
                       else tuple(getattr(self, name))) for name in self.__slots__}


def _show(text: str) -> str:
    """A value with its run-time parts shown as `<?>` (for names, args, URLs)."""
    if not any(m in text for m in _MARKERS):
        return text
    for marker in _MARKERS:
        text = text.replace(marker, _SHOWN_UNKNOWN)
    return text


def _has_marker(text: str) -> bool:
    return any(m in text for m in _MARKERS)


# ========================================================================================
# Evaluation state
# ========================================================================================

PIPE = "pipe"  # stdin of a command fed by the previous command of a pipeline
_DEFAULT_IFS = " \t\n"


class _State:
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
        self.funcs: dict[str, tuple] = {}
        self.hashed: dict[str, str] = {}
        self.cond = 0

    def copy(self) -> _State:
        new = _State.__new__(_State)
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


class _Call:
    """One command about to run: its words and where its input comes from."""

    __slots__ = ("argv", "env", "net", "st", "stdin")

    def __init__(self, argv: list, st: _State, stdin: object, env: dict, net: bool) -> None:
        self.argv = argv
        self.st = st
        self.stdin = stdin
        self.env = env
        self.net = net

    def but(self, argv: list, stdin: object = False, st: _State | None = None) -> _Call:
        """The same call with other words (a wrapper's inner command)."""
        return _Call(argv, st or self.st, self.stdin if stdin is False else stdin, self.env,
                     self.net)


# expansion modes
CMD, ASSIGN, REDIR, PLAIN = 0, 1, 2, 3
# segment kinds while expanding a word
_LIT, _QUOTED, _EXPANDED, _BREAK = 0, 1, 2, 3
_NUMBER_VARS = frozenset({"RANDOM", "SRANDOM", "SECONDS", "LINENO", "BASHPID", "PPID", "UID",
                          "EUID", "EPOCHSECONDS", "EPOCHREALTIME", "SHLVL", "COLUMNS",
                          "LINES"})
_COMPUTED_VARS = frozenset({"REPLY", "BASH_COMMAND", "PIPESTATUS", "BASH_REMATCH",
                            "FUNCNAME", "OPTARG", "MAPFILE", "COPROC", "DIRSTACK"})
_DECLARATION_BUILTINS = frozenset({"export", "declare", "typeset", "local", "readonly"})


def _ifs_split(text: str, ifs: str) -> tuple[bool, list[str], bool]:
    """(starts with a separator, words, ends with a separator)."""
    if ifs == _DEFAULT_IFS:
        words = text.replace("\t", " ").replace("\n", " ").split(" ")
        words = [w for w in words if w]
    else:
        words = []
        current: list[str] = []
        for char in text:
            if char in ifs:
                if current:
                    words.append("".join(current))
                    current = []
            else:
                current.append(char)
        if current:
            words.append("".join(current))
    return text[0] in ifs, words, text[-1] in ifs


def _glob_escape(text: str) -> str:
    if not any(c in text for c in "*?[\\"):
        return text
    return "".join("\\" + c if c in "*?[\\" else c for c in text)


def _has_glob(pattern: str) -> bool:
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _GLOB_CHARS:
            return True
    return False


def _glob_unescape(pattern: str) -> str:
    if "\\" not in pattern:
        return pattern
    out = []
    escaped = False
    for char in pattern:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def _class_match(pattern: str, p: int, char: str) -> tuple[bool, int]:
    """Match `char` against the bracket expression at `pattern[p]` (`[`).

    Returns (matched, index after `]`), or (False, -1) when the `[` opens no expression
    (then it is a literal character, as in bash).
    """
    q = p + 1
    size = len(pattern)
    negate = q < size and pattern[q] in "!^"
    if negate:
        q += 1
    matched = False
    first = True
    while q < size:
        c = pattern[q]
        if c == "]" and not first:
            return matched != negate, q + 1
        first = False
        if c == "[" and q + 1 < size and pattern[q + 1] == ":":
            end = pattern.find(":]", q + 2)
            if end > 0:
                name = pattern[q + 2:end]
                matched = matched or _char_class(name, char)
                q = end + 2
                continue
        if c == "\\" and q + 1 < size:
            q += 1
            c = pattern[q]
        if q + 2 < size and pattern[q + 1] == "-" and pattern[q + 2] != "]":
            high = pattern[q + 2]
            if high == "\\" and q + 3 < size:
                high = pattern[q + 3]
                q += 1
            matched = matched or c <= char <= high
            q += 3
        else:
            matched = matched or c == char
            q += 1
    return False, -1


def _char_class(name: str, char: str) -> bool:
    tests = {"alpha": str.isalpha, "digit": str.isdigit, "alnum": str.isalnum,
             "upper": str.isupper, "lower": str.islower, "space": str.isspace,
             "xdigit": lambda c: c in _HEX_DIGITS, "punct": lambda c: c.isprintable()
             and not c.isalnum() and not c.isspace(), "blank": lambda c: c in " \t"}
    test = tests.get(name)
    return bool(test and test(char))


def glob_match(pattern: str, name: str) -> bool:
    """Bash pathname-pattern match (`*`, `?`, `[...]`, `\\x`) of one name; no `/` logic."""
    p = n = 0
    star_p, star_n = -1, 0
    psize, nsize = len(pattern), len(name)
    while n < nsize:
        if p < psize:
            c = pattern[p]
            if c == "*":
                star_p, star_n = p, n
                p += 1
                continue
            if c == "?":
                p += 1
                n += 1
                continue
            if c == "[":
                matched, end = _class_match(pattern, p, name[n])
                if end > 0:
                    if matched:
                        p, n = end, n + 1
                        continue
                elif name[n] == "[":
                    p += 1
                    n += 1
                    continue
            elif c == "\\" and p + 1 < psize:
                if pattern[p + 1] == name[n]:
                    p += 2
                    n += 1
                    continue
            elif c == name[n]:
                p += 1
                n += 1
                continue
        if star_p < 0:
            return False
        star_n += 1
        p, n = star_p + 1, star_n
    while p < psize and pattern[p] == "*":
        p += 1
    return p == psize


# ========================================================================================
# The evaluator
# ========================================================================================


class _Eval:
    """Walks the tree with a `_State`, expanding words and recording into an `Analysis`."""

    def __init__(self, ctx: _Ctx, out: Analysis, env: Mapping[str, str], home: str) -> None:
        self.ctx = ctx
        self.out = out
        self.env = env
        self.home = home
        self.calls: set[str] = set()
        self.capture: list | None = None
        self.net_fds: set[str] = set()  # descriptors opened on /dev/tcp or /dev/udp
        # Files this command line writes (content when known) and links it makes, so that
        # `curl -o x.sh URL; sh x.sh` or `ln -s /etc/shadow x; cat x` are seen through.
        self.written: dict[str, str | None] = {}
        self.links: dict[str, str] = {}

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

    def args(self, words: list) -> None:
        args = self.out.args
        for word in words:
            if POSITIONAL not in word:
                args[_show(word)] = None

    def path(self, text: str, st: _State, write: bool = False, record: bool = True) -> None:
        if not text or text == "-":
            return
        if _has_marker(text):
            if POSITIONAL in text:
                return
            text = text.replace(NUMBER, _SHOWN_UNKNOWN)
            cut = min((text.find(m) for m in (COMPUTED, UNSET) if m in text), default=-1)
            if cut >= 0:
                self.unknown(text, R_COMPUTED_PATH)
                known = text[:cut]
                slash = known.rfind("/")
                if slash < 0:
                    return
                text = known[:slash] or "/"
        if is_pseudo_device(text):
            return
        host = netaddr.dev_tcp_host(text)
        if host is not None:
            if host:
                self.out.hosts[host] = None
            return
        out = self.out
        for cwd in st.cwds:
            if _has_marker(cwd) and not text.startswith("/"):
                self.reason(R_UNKNOWN_CWD)
                continue
            real = resolve_expanded(text, cwd)
            lex = lexical(text, cwd)
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
        """Where `real` leads through links made earlier in this command line."""
        found: list[str] = []
        for _ in range(4):
            for link, target in self.links.items():
                if real == link or real.startswith(link + "/"):
                    real = resolve_expanded(target + real[len(link):], "/")
                    if real in found:
                        return found
                    found.append(real)
                    break
            else:
                return found
        return found

    def written_file(self, text: str, st: _State) -> tuple[bool, str | None]:
        """(written earlier in this command line, its content when known)."""
        if not self.written or _has_marker(text):
            return False, None
        for cwd in st.cwds:
            if _has_marker(cwd):
                continue
            real = resolve_expanded(text, cwd)
            if real in self.written:
                return True, self.written[real]
            if any(real.startswith(path + "/") for path in self.written):
                return True, None
        return False, None

    def run_written(self, text: str, call: _Call, shell: bool, direct: bool = False) -> bool:
        """Analyse a program file written earlier in this command line (`direct`: run
        by its path rather than given to a shell); False if it was not written here."""
        found, content = self.written_file(text, call.st)
        if not found:
            return False
        if content is None and direct:
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

    def cwd_path(self, st: _State, write: bool = False) -> None:
        for cwd in st.cwds:
            if not _has_marker(cwd):
                self.path(cwd, st, write)

    def host(self, text: str) -> None:
        if not text:
            return
        if _has_marker(text):
            self.unknown(text, R_COMPUTED_HOST)
            return
        host = netaddr.normalize_host(text)
        if host:
            self.out.hosts[host] = None

    def url(self, text: str, default_scheme: str = "") -> None:
        """A URL (`default_scheme` is assumed when it has none, as curl does)."""
        if not text:
            return
        self.out.urls[_show(text)] = None
        known = text
        if _has_marker(text):
            cut = min(text.find(m) for m in _MARKERS if m in text)
            known = text[:cut]
            after = known.find("://")
            rest = known[after + 3:] if after >= 0 else known
            if not any(c in rest for c in "/?#"):
                self.unknown(text, R_COMPUTED_HOST)
                return
        if default_scheme and "://" not in known:
            known = default_scheme + "://" + known
        for host in netaddr.url_hosts(known):
            self.out.hosts[host] = None

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

    def pipes(self) -> None:
        self.out.pipes_to_shell = True

    # --- variables ------------------------------------------------------------------------
    def var_values(self, name: str, st: _State) -> list[str]:
        """Alternatives for `$name` (not arrays, not special parameters)."""
        values = st.vars.get(name)
        if values is not None:
            return list(values)
        if name in st.arrays:
            items = st.arrays[name]
            return [items[0] if items else ""]
        if name == "PWD":
            return list(st.cwds)
        if name == "OLDPWD":
            return list(st.oldpwd)
        if name == "HOME":
            return [self.home]
        if name == "IFS":
            return [_DEFAULT_IFS]
        if name in _NUMBER_VARS:
            return [NUMBER]
        if name in _COMPUTED_VARS:
            return [COMPUTED]
        value = self.env.get(name)
        return [UNSET] if value is None else [value]

    def ifs(self, st: _State) -> str:
        values = st.vars.get("IFS")
        if not values:
            return _DEFAULT_IFS
        return values[0] if not _has_marker(values[0]) else _DEFAULT_IFS

    def assign(self, st: _State, name: str, append: bool, values: list | tuple) -> None:
        if name in _INJECTION_VARS and isinstance(values, list):
            self.injection(name, values, st)
        if isinstance(values, tuple):  # an array: ("array", fields)
            st.arrays[name] = list(values[1])
            st.vars.pop(name, None)
            return
        if append:
            old = self.var_values(name, st)
            values = [a + b for a in old for b in values]
        if st.cond:
            previous = st.vars.get(name)
            if previous is None and name not in st.arrays:
                previous = tuple(v for v in self.var_values(name, st) if v != UNSET)
            values = list(previous or ()) + [v for v in values if v not in (previous or ())]
        if len(values) > MAX_ALTS:
            values = values[:MAX_ALTS]
            self.reason(R_TOO_COMPLEX)
        st.vars[name] = tuple(values)
        st.arrays.pop(name, None)

    def assign_values(self, assignment: tuple, st: _State) -> list | tuple:
        """Alternative values of an assignment word (an array gives ("array", fields))."""
        if assignment[3] is not None:
            fields: list[str] = []
            for word in assignment[3]:
                for alt in self.expand(word, st, CMD):
                    fields.extend(alt)
            # `([key]=value ...)`: keep the values (lookups by key take them all)
            fields = [f.partition("]=")[2] if f.startswith("[") and "]=" in f else f
                      for f in fields]
            return ("array", fields)
        return [" ".join(alt) for alt in self.expand(assignment[2], st, ASSIGN)] or [""]

    # --- parameters -----------------------------------------------------------------------
    def param(self, part: tuple, st: _State, quoted: bool) -> tuple[list, bool]:
        """(values, multi) for a `V` part: alternatives, or separate words when `multi`."""
        _, name, op, arg, _q, flags = part
        length, indirect, subscript = flags
        if length:
            values = self.special(name, st) if subscript is None else [NUMBER]
            return [str(len(v)) if not _has_marker(v) else NUMBER for v in values], False
        if indirect:
            target = self.var_values(name, st)
            if len(target) == 1 and _is_name(target[0]):
                name = target[0]
            else:
                return [COMPUTED], False
        multi = False
        if name in ("@", "*") or subscript in ("@", "*"):
            items = self.multi_values(name, st)
            if name == "*" or subscript == "*":
                values = [self.ifs(st)[:1].join(items)]
            else:
                values, multi = items, True
        elif subscript is not None and name in st.arrays:
            items = st.arrays[name]
            if subscript.isdigit():
                index = int(subscript)
                values = [items[index] if index < len(items) else ""]
            else:
                values = list(items) or [""]
        else:
            values = self.special(name, st)
        if op is None:
            return values, multi
        return self.param_op(op, arg, values, st, quoted), False

    def multi_values(self, name: str, st: _State) -> list[str]:
        if name in ("@", "*"):
            if st.positional is None:
                return [POSITIONAL]
            return list(st.positional)
        if name in st.arrays:
            return list(st.arrays[name])
        return self.var_values(name, st)

    def special(self, name: str, st: _State) -> list[str]:
        if name in ("#", "?", "$", "!"):
            return [NUMBER]
        if name == "-":
            return [COMPUTED]
        if name == "0":
            return [st.arg0]
        if name.isdigit():
            if st.positional is None:
                return [POSITIONAL]
            index = int(name) - 1
            return [st.positional[index] if index < len(st.positional) else ""]
        return self.var_values(name, st)

    def word_text(self, parts: list | None, st: _State) -> list[str]:
        """Alternatives of an operator's argument word (no splitting, no globbing)."""
        if not parts:
            return [""]
        return [" ".join(alt) for alt in self.expand(parts, st, PLAIN)] or [""]

    def param_op(self, op: str, arg: object, values: list, st: _State,
                 quoted: bool) -> list[str]:
        out: list[str] = []
        for value in values:
            unset = value == UNSET
            empty = unset or value == ""
            if op in (":-", "-", ":=", "="):
                use_default = empty if op[0] == ":" else unset
                if use_default:
                    out.extend(self.word_text(arg, st))
                else:
                    out.append(value)
            elif op in (":+", "+"):
                use_alt = not empty if op[0] == ":" else not unset
                out.extend(self.word_text(arg, st) if use_alt else [""])
            elif op in (":?", "?"):
                out.append(value)
            elif op in ("#", "##", "%", "%%"):
                patterns = self.word_text(arg, st)
                for pattern in patterns:
                    out.append(_strip_pattern(value, pattern, op))
            elif op[0] == "/":
                pattern_parts, replacement_parts = arg
                for pattern in self.word_text(pattern_parts, st):
                    for replacement in self.word_text(replacement_parts, st):
                        out.append(_substitute(value, pattern, replacement, op))
            elif op in ("^^", ",,", "^", ","):
                if _has_marker(value):
                    out.append(value)
                elif op == "^^":
                    out.append(value.upper())
                elif op == ",,":
                    out.append(value.lower())
                elif op == "^":
                    out.append(value[:1].upper() + value[1:])
                else:
                    out.append(value[:1].lower() + value[1:])
            elif op == ":":
                out.append(_substring(value, self.word_text(arg, st)[0]))
            elif op == "@":
                transform = (self.word_text(arg, st) or [""])[0]
                if transform == "E" and not _has_marker(value):
                    out.append(_ansi_c(value, 0, end_char="\x00")[0])
                elif transform == "U":
                    out.append(value.upper())
                elif transform == "L":
                    out.append(value.lower())
                else:
                    out.append(value)
            else:
                out.append(COMPUTED)
        return out[:MAX_ALTS] or [""]

    # --- words ----------------------------------------------------------------------------
    def expand(self, word: list, st: _State, mode: int) -> list[list[str]]:
        """Alternatives (usually one) of the list of fields a word expands to."""
        self.ctx.step()
        if mode == CMD and any(p[0] == "L" and "{" in p[1] for p in word):
            variants = _brace_expand(word, self.ctx)
        else:
            variants = [word]
        result: list[list[str]] = [[]]
        for variant in variants:
            alts = self.expand_one(variant, st, mode)
            if len(alts) == 1:
                for fields in result:
                    fields.extend(alts[0])
            else:
                result = [r + a for r in result for a in alts]
                if len(result) > MAX_ALTS:
                    result = result[:MAX_ALTS]
                    self.reason(R_TOO_COMPLEX)
        return result

    def expand_one(self, word: list, st: _State, mode: int) -> list[list[str]]:
        alternatives: list[list] = [[]]
        last = len(word) - 1
        for index, part in enumerate(word):
            options = self.segments(part, st, mode, index, last, word)
            if len(options) == 1:
                for segs in alternatives:
                    segs.extend(options[0])
            else:
                alternatives = [a + o for a in alternatives for o in options]
                if len(alternatives) > MAX_ALTS:
                    alternatives = alternatives[:MAX_ALTS]
                    self.reason(R_TOO_COMPLEX)
        return [self.fields(segs, st, mode) for segs in alternatives]

    def segments(self, part: tuple, st: _State, mode: int, index: int, last: int,
                 word: list) -> list[list]:
        kind = part[0]
        if kind == "L":
            return [self.literal_segments(part[1], st, mode, index, last, word)]
        if kind == "Q":
            return [[(part[1], _QUOTED)]]
        if kind == "V":
            quoted = part[4]
            seg_kind = _QUOTED if quoted else _EXPANDED
            values, multi = self.param(part, st, quoted)
            if multi:
                segs: list = []
                for k, value in enumerate(values):
                    if k:
                        segs.append(("", _BREAK))
                    segs.append((value, seg_kind))
                return [segs]
            return [[(value, seg_kind)] for value in values] or [[("", seg_kind)]]
        if kind == "C":
            value = self.substitution(part[1], st)
            return [[(value, _QUOTED if part[2] else _EXPANDED)]]
        if kind == "A":
            self.arithmetic(part[1], st)
            return [[(NUMBER, _QUOTED if part[2] else _EXPANDED)]]
        if kind == "P":
            self.ctx.enter()
            self.run(part[1], st.copy(), PIPE if part[2] == ">" else None)
            self.ctx.leave()
            return [[("/dev/fd/63", _QUOTED)]]
        return [[("", _QUOTED)]]

    def arithmetic(self, parts: list, st: _State) -> None:
        """Analyse an arithmetic expression. Bash evaluates variables in it as expressions
        again, and `a[$(cmd)]` there runs cmd: a variable holding such text is code."""
        for sub in parts:
            if sub[0] in ("C", "A"):
                self.segments(sub, st, PLAIN, 0, 0, parts)
                continue
            if sub[0] == "V":
                values = [v for alt in self.expand([sub], st, PLAIN) for v in alt]
            elif sub[0] == "L":
                values = [v for name in _identifiers(sub[1]) for v in self.var_values(name, st)]
            else:
                continue
            for value in values:
                if "$(" in value or "`" in value or COMPUTED in value:
                    self.reason(R_DYNAMIC_CODE)
                if "$(" in value or "`" in value:
                    sub = _Parser(value[:MAX_INPUT] + "))", self.ctx)
                    self.ctx.enter()
                    inner = sub.read_arith()
                    if inner is not None:
                        self.arithmetic(inner, st)
                    self.ctx.leave()

    def literal_segments(self, text: str, st: _State, mode: int, index: int, last: int,
                         word: list) -> list:
        if mode == ASSIGN:
            return self.assign_tildes(text, st, index == 0)
        if index != 0 or not text.startswith("~"):
            return [(text, _LIT)]
        slash = text.find("/")
        if slash < 0 and index != last:
            return [(text, _LIT)]
        prefix = text[1:] if slash < 0 else text[1:slash]
        home = self.tilde(prefix, st)
        if home is None:
            return [(text, _LIT)]
        rest = "" if slash < 0 else text[slash:]
        return [(home, _QUOTED), (rest, _LIT)]

    def assign_tildes(self, text: str, st: _State, at_start: bool) -> list:
        """Tilde expansion in an assignment value: at its start and after each `:`."""
        if "~" not in text:
            return [(text, _LIT)]
        segs = []
        pieces = text.split(":")
        for k, piece in enumerate(pieces):
            if k:
                segs.append((":", _LIT))
            if piece.startswith("~") and (k or at_start):
                slash = piece.find("/")
                prefix = piece[1:] if slash < 0 else piece[1:slash]
                home = self.tilde(prefix, st)
                if home is not None:
                    segs.append((home, _QUOTED))
                    segs.append(("" if slash < 0 else piece[slash:], _LIT))
                    continue
            segs.append((piece, _LIT))
        return segs

    def tilde(self, prefix: str, st: _State) -> str | None:
        if prefix == "":
            return self.var_values("HOME", st)[0]
        if prefix == "+":
            return st.cwds[0]
        if prefix == "-":
            return st.oldpwd[0]
        return user_home(prefix)

    def fields(self, segs: list, st: _State, mode: int) -> list[str]:
        """Join segments into words: IFS splitting and pathname expansion (CMD mode)."""
        split = mode == CMD
        globbing = mode in (CMD, REDIR)
        ifs = self.ifs(st) if split else ""
        out: list[str] = []
        current: list = []
        started = False

        def finish() -> None:
            nonlocal current, started
            if started:
                text = "".join(s for s, _k in current)
                matches = None
                if globbing and not _has_marker(text) and any(
                        k != _QUOTED and any(c in _GLOB_CHARS for c in s) for s, k in current):
                    pattern = "".join(s if k != _QUOTED else _glob_escape(s)
                                      for s, k in current)
                    if _has_glob(pattern):
                        matches = self.glob(pattern, st)
                if matches:
                    out.extend(matches)
                else:
                    out.append(text)
            current = []
            started = False

        for text, kind in segs:
            if kind == _BREAK:
                finish()
            elif kind == _EXPANDED and split and text:
                lead, words, trail = _ifs_split(text, ifs)
                if not words:
                    finish()
                    continue
                if lead:
                    finish()
                for k, word in enumerate(words):
                    if k:
                        finish()
                    current.append((word, _EXPANDED))
                    started = True
                if trail:
                    finish()
            elif kind == _QUOTED or text:
                current.append((text, kind))
                started = True
        finish()
        if len(out) > MAX_FIELDS:
            self.reason(R_TOO_COMPLEX)
            del out[MAX_FIELDS:]
        return out

    def glob(self, pattern: str, st: _State) -> list[str]:
        """Pathname expansion against the file system, bounded; [] when nothing matches."""
        cwd = st.cwds[0]
        if _has_marker(cwd) and not pattern.startswith("/"):
            return []
        absolute = pattern.startswith("/")
        components = [c for c in pattern.split("/") if c]
        current = [("/" if absolute else "", "/" if absolute else cwd)]
        scanned = 0
        for index, component in enumerate(components):
            is_last = index == len(components) - 1
            if not _has_glob(component):
                literal = _glob_unescape(component)
                current = [(shown + literal + ("" if is_last else "/"),
                            real.rstrip("/") + "/" + literal) for shown, real in current]
                continue
            matched = []
            for shown, real in current:
                try:
                    with os.scandir(real) as entries:
                        for entry in entries:
                            scanned += 1
                            if scanned > MAX_GLOB_SCAN:
                                self.reason(R_TOO_COMPLEX)
                                break
                            name = entry.name
                            if name.startswith(".") and not component.startswith("."):
                                continue
                            if not glob_match(component, name):
                                continue
                            if not is_last:
                                try:
                                    if not entry.is_dir():
                                        continue
                                except OSError:
                                    continue
                            matched.append((shown + name + ("" if is_last else "/"),
                                            real.rstrip("/") + "/" + name))
                except (OSError, ValueError):
                    continue
            current = matched[:MAX_FIELDS]
            if not current:
                return []
        results = []
        for shown, real in current:
            try:
                if os.path.lexists(real):
                    results.append(shown.rstrip("/") if shown != "/" else shown)
            except (OSError, ValueError):
                continue
        return sorted(results)

    def substitution(self, body: tuple, st: _State) -> str:
        """Analyse a `$(...)`; its value when a simple command makes it known, else
        the COMPUTED marker."""
        self.ctx.enter()
        saved = self.capture
        self.capture = [] if _single_simple(body) else None
        try:
            self.run(body, st.copy(), None)
            captured = self.capture
        finally:
            self.capture = saved
            self.ctx.leave()
        if captured and len(captured) == 1:
            value = _static_output(captured[0], self)
            if value is not None:
                return value.rstrip("\n")
        return COMPUTED

    # --- nodes ----------------------------------------------------------------------------
    def run(self, node: tuple | None, st: _State, stdin: object) -> None:
        if node is None:
            return
        ctx = self.ctx
        ctx.step()
        kind = node[0]
        if kind == "simple":
            self.simple(node, st, stdin)
        elif kind == "list":
            ctx.enter()
            for item, _sep in node[1]:
                self.run(item, st, stdin)
            ctx.leave()
        elif kind == "andor":
            pipes = node[1]
            self.run(pipes[0], st, stdin)
            st.cond += 1
            for pipe in pipes[1:]:
                self.run(pipe, st, stdin)
            st.cond -= 1
        elif kind == "pipe":
            piped: object = stdin
            for command in node[1]:
                piped = self.run_piped(command, st.copy(), piped)
        elif kind in ("sub", "group"):
            redirected = self.redirs(node[2], st)[0]
            ctx.enter()
            self.run(node[1], st.copy() if kind == "sub" else st,
                     stdin if redirected is None else redirected)
            ctx.leave()
        elif kind == "if":
            redirected = self.redirs(node[3], st)[0]
            stdin = stdin if redirected is None else redirected
            for index, (cond, body) in enumerate(node[1]):
                st.cond += index > 0
                self.run(cond, st, stdin)
                st.cond += 1 - (index > 0)
                self.run(body, st, stdin)
                st.cond -= 1
            if node[2] is not None:
                st.cond += 1
                self.run(node[2], st, stdin)
                st.cond -= 1
        elif kind == "loop":
            redirected = self.redirs(node[3], st)[0]
            stdin = stdin if redirected is None else redirected
            st.cond += 1
            self.run(node[1], st, stdin)
            self.run(node[2], st, stdin)
            st.cond -= 1
        elif kind == "for":
            self.run_for(node, st, stdin)
        elif kind == "case":
            self.expand(node[1], st, PLAIN)
            st.cond += 1
            for patterns, body in node[2]:
                for pattern in patterns:
                    self.expand(pattern, st, PLAIN)
                self.run(body, st, stdin)
            st.cond -= 1
            self.redirs(node[3], st)
        elif kind == "func":
            self.define_function(node, st)
        elif kind == "cond":
            self.run_cond(node, st)
        elif kind == "arith":
            self.expand([("A", node[1], False)], st, PLAIN)
            self.redirs(node[2], st)

    def run_piped(self, node: tuple | None, st: _State, stdin: object) -> object:
        """Run one element of a pipeline; what the next element reads: PIPE, or
        ("pipe", text) when this element is a simple command whose output is known."""
        if node is None or node[0] != "simple":
            self.run(node, st, stdin)
            return PIPE
        saved = self.capture
        self.capture = []
        try:
            self.run(node, st, stdin)
            captured = self.capture
        finally:
            self.capture = saved
        if len(captured) == 1:
            text = _static_output(captured[0], self)
            if text is not None:
                return ("pipe", text)
        return PIPE

    def run_for(self, node: tuple, st: _State, stdin: object) -> None:
        _, name, words, body, redirs = node
        redirected = self.redirs(redirs, st)[0]
        stdin = stdin if redirected is None else redirected
        if words is None:
            values = self.multi_values("@", st)
        else:
            values = []
            for word in words:
                for alt in self.expand(word, st, CMD):
                    values.extend(alt)
        st.cond += 1
        if name:
            if len(values) > MAX_ALTS:
                values = [*values[:MAX_ALTS - 1], COMPUTED]
            st.vars.pop(name, None)
            saved_cond = st.cond
            st.cond = 0
            self.assign(st, name, False, values or [""])
            st.cond = saved_cond
        self.run(body, st, stdin)
        st.cond -= 1

    def run_cond(self, node: tuple, st: _State) -> None:
        previous = None
        for word in node[1]:
            texts = [" ".join(alt) for alt in self.expand(word, st, PLAIN)]
            if previous in _FILE_TESTS:
                for text in texts:
                    self.path(text, st)
            previous = _plain(word)
        self.redirs(node[2], st)

    def define_function(self, node: tuple, st: _State) -> None:
        _, name, body = node
        if not name:
            return
        st.funcs[name] = body
        # Analyse the body once now (arguments unknown), so its programs are seen even if
        # the call is hidden; each call analyses it again with the real arguments.
        inner = st.copy()
        inner.positional = None
        self.calls.add(name)
        try:
            self.run(body, inner, None)
        finally:
            self.calls.discard(name)

    def call_function(self, call: _Call, name: str) -> None:
        if name in self.calls:
            return
        inner = call.st
        saved = inner.positional
        inner.positional = list(call.argv[1:])
        self.calls.add(name)
        self.ctx.enter()
        try:
            self.run(inner.funcs[name], inner, call.stdin)
        finally:
            self.ctx.leave()
            self.calls.discard(name)
            inner.positional = saved

    def redirs(self, redirs: list, st: _State, outputs: list | None = None
               ) -> tuple[object, bool]:
        """Record redirection targets; (stdin they give, or None; whether one is a
        network socket). Standard-output targets are appended to `outputs`."""
        stdin = None
        net = False
        for redir in redirs:
            if redir[0] == "heredoc":
                fd = redir[1]
                text = "".join(" ".join(alt) for alt in self.expand(redir[2], st, PLAIN)[:1])
                if fd == 0:
                    stdin = ("text", text)
                continue
            _, op, fd, word = redir
            texts = []
            for alt in self.expand(word, st, REDIR):
                texts.extend(alt)
            if op == "<<<":
                if fd in (None, 0):
                    stdin = ("text", " ".join(texts) + "\n")
                continue
            if op in (">&", "<&") and all(t == "-" or t.rstrip("-").isdigit() for t in texts):
                if any(t.rstrip("-") in self.net_fds for t in texts):
                    net = True
                    if op == "<&" and fd in (None, 0):
                        stdin = PIPE
                continue
            for text in texts:
                if netaddr.dev_tcp_host(text) is not None:
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
                    stdin = ("file", text)
        return stdin, net

    def simple(self, node: tuple, st: _State, stdin: object) -> None:
        _, assigns, words, redirs = node
        declaration = bool(words) and _plain(words[0]) in _DECLARATION_BUILTINS
        first_alts: list[list[str]] = [[]]
        rest: list[str] = []
        for index, word in enumerate(words):
            if declaration and index:
                assignment = word[0][1] if word[0][0] == "ARR" else _split_assignment(word)
                if assignment is not None:
                    values = self.assign_values(assignment, st)
                    self.assign(st, assignment[0], assignment[1], values)
                    shown = values[0] if isinstance(values, list) else " ".join(values[1])
                    rest.append(assignment[0] + "=" + shown)
                    continue
            alts = self.expand(word, st, CMD)
            if index == 0:
                first_alts = alts
            else:
                for alt in alts:
                    rest.extend(alt)
        prefix = [(a[0], a[1], self.assign_values(a, st)) for a in assigns]
        outputs: list = []
        redirected, net = self.redirs(redirs, st, outputs)
        if redirected is not None:
            stdin = redirected
        for name, _append, values in prefix:
            if isinstance(values, list) and name in _INJECTION_VARS:
                self.injection(name, values, st)
        if not words:
            for name, append, values in prefix:
                self.assign(st, name, append, values)
            if outputs:
                self.record_output(["true"], None, st, outputs)
            return
        env = {name: values for name, _append, values in prefix if isinstance(values, list)}
        for alt in first_alts[:MAX_ALTS]:
            argv = alt + rest
            if argv:
                if self.capture is not None:
                    self.capture.append((argv, stdin, st.cwds[0]))
                if outputs:
                    self.record_output(argv, stdin, st, outputs)
                self.command(_Call(argv, st, stdin, env, net))

    def record_output(self, argv: list, stdin: object, st: _State, outputs: list) -> None:
        """Remember what `echo`/`printf`/`cat <<EOF` write into a file, so that running
        that file later in the same command line is analysed."""
        text = "" if argv == ["true"] else _static_output((argv, stdin, st.cwds[0]), self)
        for op, target in outputs:
            if _has_marker(target) or _has_marker(st.cwds[0]):
                continue
            real = resolve_expanded(target, st.cwds[0])
            if text is None:
                self.written[real] = None
            elif op in (">>", "&>>"):
                if real in self.written:
                    before = self.written[real]
                    self.written[real] = None if before is None else before + text
                else:  # appending to a file that was there before: its start is unknown
                    self.written[real] = None if os.path.lexists(real) else text
            else:
                self.written[real] = text

    def injection(self, name: str, values: list, st: _State) -> None:
        """Variables that make programs run code: `GIT_SSH_COMMAND=...`, `LD_PRELOAD=...`,
        `BASH_ENV=...`."""
        call = _Call([name], st, None, {}, False)
        for value in values:
            if name in _CODE_VARS:
                self.run_code(value.lstrip("|"), call)
            elif name in _SOURCED_VARS:
                self.script_operand(value, call, shell=True)
            else:
                self.reason(R_INLINE_CODE)
                for item in value.replace(":", " ").split():
                    self.path(item, st)

    # --- commands -------------------------------------------------------------------------
    def command(self, call: _Call) -> None:
        for _ in range(24):
            self.ctx.step()
            argv = call.argv
            name = argv[0]
            if _has_marker(name):
                if POSITIONAL not in name:
                    self.reason(R_DYNAMIC_COMMAND)
                self.args(argv[1:])
                _generic(self, call)
                return
            base = name.rstrip("/").rsplit("/", 1)[-1] or name
            self.name(base)
            hashed = call.st.hashed.get(base)
            if hashed:
                self.name(hashed)
            self.args(argv[1:])
            if base in call.st.funcs and "/" not in name:
                self.call_function(call, base)
                return
            if "/" in name and self.run_written(name, call, shell=True, direct=True):
                return
            handler = _HANDLERS.get(base)
            if handler is None:
                handler = _FAMILY_HANDLERS.get(_family(base))
            if handler is None:
                _generic(self, call)
                return
            nxt = handler(self, call)
            if nxt is None or not nxt.argv:
                return
            call = nxt
        self.reason(R_TOO_COMPLEX)

    def run_code(self, code: str, call: _Call, positional: list | None = None,
                 arg0: str | None = None, same_shell: bool = False,
                 stdin: object = False) -> None:
        """Analyse shell code that a command runs (`bash -c`, `eval`, `trap`...)."""
        if COMPUTED in code or UNSET in code:
            self.reason(R_DYNAMIC_CODE)
            if COMPUTED in code:
                self.pipes()
        self.ctx.enter()
        try:
            node = _Parser(code[:MAX_INPUT], self.ctx).parse_script()
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

    def code_from_stdin(self, call: _Call, shell: bool) -> None:
        """A shell or interpreter that reads its program from standard input."""
        stdin = call.stdin
        if stdin == PIPE or call.net:
            self.pipes()
        elif isinstance(stdin, tuple) and stdin[0] == "pipe":
            self.pipes()
            if shell:
                self.run_code(stdin[1], call, stdin=None)
            else:
                self.reason(R_INLINE_CODE)
        elif isinstance(stdin, tuple) and stdin[0] == "text":
            if shell:
                self.run_code(stdin[1], call, stdin=None)
            else:
                self.reason(R_INLINE_CODE)
                self.unknown(stdin[1], R_DYNAMIC_CODE)
                if COMPUTED in stdin[1]:
                    self.pipes()
        elif isinstance(stdin, tuple) and stdin[0] == "file" and _is_stream(stdin[1]):
            self.pipes()

    def script_operand(self, script: str, call: _Call, shell: bool) -> None:
        """The program file given to a shell or interpreter."""
        if _is_stream(script):
            if script in _STDIN_NAMES:
                self.code_from_stdin(call, shell=shell)
            else:
                self.pipes()
        else:
            self.path(script, call.st)
            self.run_written(script, call, shell)


# ========================================================================================
# Helpers of the evaluator
# ========================================================================================

_STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def _names(text: str) -> frozenset:
    """A set of names written as one space-separated string (option and program tables)."""
    return frozenset(text.split())

_FILE_TESTS = _names("-a -b -c -d -e -f -g -h -k -p -r -s -u -w -x -G -L -N -O -S -nt -ot "
                           "-ef")


_CODE_VARS = _names("GIT_SSH_COMMAND GIT_SSH GIT_PAGER PAGER GIT_EDITOR EDITOR VISUAL "
                    "GIT_EXTERNAL_DIFF GIT_ASKPASS SSH_ASKPASS SUDO_ASKPASS LESSOPEN "
                    "LESSCLOSE MANPAGER PROMPT_COMMAND GIT_PROXY_COMMAND")
_SOURCED_VARS = _names("BASH_ENV ENV")
_PRELOAD_VARS = _names("LD_PRELOAD LD_AUDIT DYLD_INSERT_LIBRARIES")
_INJECTION_VARS = _CODE_VARS | _SOURCED_VARS | _PRELOAD_VARS
_INTERPRETER_NAMES = ("python", "perl", "ruby", "node", "php", "lua", "deno", "bun", "pwsh",
                      "osascript", "Rscript", "julia", "tclsh", "expect")


def _foreign_shebang(content: str) -> bool:
    """A script whose `#!` line names an interpreter of another language."""
    if not content.startswith("#!"):
        return False
    line = content.split("\n", 1)[0]
    return any(name in line for name in _INTERPRETER_NAMES)


def _identifiers(text: str) -> list[str]:
    """Variable names in an arithmetic expression's literal text."""
    names = []
    current: list[str] = []
    for char in text + " ":
        if char in _NAME_CHARS:
            current.append(char)
        else:
            if current and current[0] in _NAME_START:
                names.append("".join(current))
            current = []
    return names


def _is_stream(path: str) -> bool:
    """A program file that is really a stream (`-`, `/dev/stdin`, `<(...)`, a socket)."""
    return path in _STDIN_NAMES or path.startswith(("/dev/fd/", "/proc/self/fd/", "/dev/tcp/",
                                                    "/dev/udp/"))


def _family(base: str) -> str:
    """`python3.12` -> `python`, `pip3` -> `pip`, `ksh93` -> `ksh`."""
    return base.rstrip("0123456789.") or base


def _single_simple(body: tuple) -> bool:
    items = body[1] if body[0] == "list" else []
    return len(items) == 1 and items[0][0] is not None and items[0][0][0] == "simple"


def _brace_expand(word: list, ctx: _Ctx) -> list[list]:
    """Bash brace expansion (`a{b,c}d`, `{1..3}`) over the unquoted characters of a word."""
    tokens: list = []
    for part in word:
        if part[0] == "L":
            tokens.extend(part[1])
        else:
            tokens.append(part)
    if "," not in tokens and ".." not in "".join(t for t in tokens if isinstance(t, str)):
        return [word]
    words = []
    for toks in _brace_tokens(tokens, ctx):
        parts: list = []
        buf: list[str] = []
        for token in toks:
            if isinstance(token, str):
                buf.append(token)
            else:
                if buf:
                    parts.append(("L", "".join(buf)))
                    buf = []
                parts.append(token)
        if buf:
            parts.append(("L", "".join(buf)))
        words.append(parts)
    return words


def _brace_tokens(tokens: list, ctx: _Ctx) -> list[list]:
    index = 0
    size = len(tokens)
    while index < size:
        if tokens[index] != "{":
            index += 1
            continue
        depth, commas, close = 0, [], -1
        for j in range(index, size):
            token = tokens[j]
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    close = j
                    break
            elif token == "," and depth == 1:
                commas.append(j)
        if close < 0:
            index += 1
            continue
        if commas:
            bounds = [index, *commas, close]
            alternatives = [tokens[bounds[k] + 1:bounds[k + 1]] for k in range(len(bounds) - 1)]
        else:
            alternatives = _sequence(tokens[index + 1:close])
            if alternatives is None:
                index += 1
                continue
        prefix, suffix = tokens[:index], tokens[close + 1:]
        out: list[list] = []
        ctx.enter()
        for alternative in alternatives:
            for result in _brace_tokens(prefix + alternative + suffix, ctx):
                out.append(result)
                if len(out) >= MAX_FIELDS:
                    ctx.reason(R_TOO_COMPLEX)
                    ctx.leave()
                    return out
        ctx.leave()
        return out
    return [tokens]


def _sequence(tokens: list) -> list[list] | None:
    """`1..5`, `a..e`, `01..10..2` -> the values as token lists; None if not a sequence."""
    if not all(isinstance(t, str) for t in tokens):
        return None
    pieces = "".join(tokens).split("..")
    if len(pieces) not in (2, 3):
        return None
    step = 1
    if len(pieces) == 3:
        if not _is_int(pieces[2]):
            return None
        step = abs(int(pieces[2])) or 1
    start, end = pieces[0], pieces[1]
    if _is_int(start) and _is_int(end):
        low, high = int(start), int(end)
        width = max(len(start), len(end)) if (start.lstrip("-").startswith("0")
                                               or end.lstrip("-").startswith("0")) else 0
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [list(str(v).zfill(width)) for v in values[:MAX_FIELDS]]
    if len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        low, high = ord(start), ord(end)
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [[chr(v)] for v in values[:MAX_FIELDS]]
    return None


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return 0 < len(digits) < 10 and digits.isdigit() and digits.isascii()


def _strip_pattern(value: str, pattern: str, op: str) -> str:
    """`${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`."""
    if _has_marker(pattern):
        return COMPUTED
    if _has_marker(value):
        return value
    if len(value) > 512:
        return COMPUTED
    size = len(value)
    if op == "#":
        order = range(size + 1)
    elif op == "##" or op == "%":
        order = range(size, -1, -1)
    else:
        order = range(size + 1)
    for k in order:
        if op[0] == "#" and glob_match(pattern, value[:k]):
            return value[k:]
        if op[0] == "%" and glob_match(pattern, value[k:]):
            return value[:k]
    return value


def _substitute(value: str, pattern: str, replacement: str, op: str) -> str:
    """`${v/p/r}`, `${v//p/r}`, `${v/#p/r}`, `${v/%p/r}`."""
    if _has_marker(pattern) or (_has_marker(replacement) and not pattern):
        return COMPUTED
    if not pattern:
        return value
    literal = not any(c in _GLOB_CHARS or c == "\\" for c in pattern)
    if op == "/#":
        for k in range(len(value), -1, -1):
            if glob_match(pattern, value[:k]):
                return replacement + value[k:]
        return value
    if op == "/%":
        for k in range(len(value) + 1):
            if glob_match(pattern, value[k:]):
                return value[:k] + replacement
        return value
    if literal:
        return value.replace(pattern, replacement, -1 if op == "//" else 1)
    if _has_marker(value) or len(value) > 256:
        return COMPUTED
    out = []
    index = 0
    size = len(value)
    while index <= size:
        match_end = -1
        for end in range(size, index, -1):
            if glob_match(pattern, value[index:end]):
                match_end = end
                break
        if match_end < 0:
            if index < size:
                out.append(value[index])
            index += 1
            continue
        out.append(replacement)
        index = match_end
        if op != "//":
            out.append(value[index:])
            return "".join(out)
    return "".join(out)


def _substring(value: str, spec: str) -> str:
    """`${v:offset}` and `${v:offset:length}` with literal integers."""
    if _has_marker(value) or _has_marker(spec):
        return COMPUTED
    pieces = spec.split(":")
    try:
        offset = int(pieces[0].strip() or "0")
        length = int(pieces[1].strip()) if len(pieces) > 1 else None
    except ValueError:
        return COMPUTED
    if offset < 0:
        offset = max(0, len(value) + offset)
    if length is None:
        return value[offset:]
    if length < 0:
        return value[offset:len(value) + length]
    return value[offset:offset + length]


def _printf(fmt: str, values: list[str]) -> str | None:
    """Output of `printf FMT ARGS` for `%s`/`%b`/`%%` formats, else None (unknown)."""
    if _has_marker(fmt):
        return None
    fmt = _ansi_c(fmt, 0, end_char="\x00")[0]
    out: list[str] = []
    index = 0
    while True:
        consumed = False
        i = 0
        while i < len(fmt):
            char = fmt[i]
            if char != "%":
                out.append(char)
                i += 1
                continue
            conv = fmt[i + 1] if i + 1 < len(fmt) else ""
            if conv == "%":
                out.append("%")
            elif conv in ("s", "b"):
                value = values[index] if index < len(values) else ""
                index += 1
                consumed = True
                if conv == "b" and not _has_marker(value):
                    value = _ansi_c(value, 0, end_char="\x00")[0]
                out.append(value)
            else:
                return None
            i += 2
        if not consumed or index >= len(values):
            return "".join(out)


def _static_output(captured: tuple, ev: _Eval) -> str | None:
    """What a simple command prints, when that is known without running it."""
    argv, stdin, cwd = captured
    base = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if base == "echo":
        interpret = False
        while args and len(args[0]) > 1 and args[0][0] == "-" and all(
                c in "neE" for c in args[0][1:]):
            interpret = interpret or "e" in args[0]
            args = args[1:]
        text = " ".join(args)
        if interpret and not _has_marker(text):
            text = _ansi_c(text, 0, end_char="\x00")[0]
        return text
    if base == "printf" and args:
        return _printf(args[0], args[1:])
    if base == "pwd":
        return cwd
    if base == "cat" and not args and isinstance(stdin, tuple) and stdin[0] in ("text", "pipe"):
        return stdin[1]
    if base in ("basename", "dirname") and args and not args[0].startswith("-"):
        path = args[0].rstrip("/") or "/"
        if base == "dirname":
            head = path.rsplit("/", 1)[0] if "/" in path else "."
            return head or "/"
        name = path.rsplit("/", 1)[-1]
        if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
            name = name[:-len(args[1])]
        return name
    if base in ("realpath", "readlink") and args:
        operands = [a for a in args if not a.startswith("-")]
        if len(operands) == 1 and (base == "realpath" or any(a in ("-f", "-e", "-m")
                                                             for a in args)):
            if _has_marker(operands[0]) or _has_marker(cwd):
                return None
            return resolve_expanded(operands[0], cwd)
    return None


def _code_literals(ev: _Eval, code: str, st: _State) -> None:
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


# ========================================================================================
# Command knowledge: how each program uses its arguments
# ========================================================================================


def _getopt(args: list, values: frozenset = frozenset(), stop: bool = False,
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
        if len(arg) < 2 or arg[0] != "-" or arg[1] in _MARKERS:
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


def _looks_like_path(word: str) -> bool:
    if not word or (word[0] in _MARKERS and "/" not in word):
        return False
    if any(c in word for c in " \t\n") or "://" in word:
        return False
    return word[0] in "/.~" or "/" in word


def _generic(ev: _Eval, call: _Call) -> None:
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
        elif "=" in word and _is_name(word.partition("=")[0]):
            value = word.partition("=")[2]
        if ev.scan_url(value):
            continue
        if _looks_like_path(value):
            ev.path(value, st)


class _Spec:
    """How a file utility uses its operands and options."""

    __slots__ = ("default_cwd", "reads", "role", "targets", "values", "writes")

    def __init__(self, role: str, values: str = "", reads: str = "", writes: str = "",
                 targets: str = "", default_cwd: bool = False) -> None:
        self.role = role
        self.reads = _names(reads)
        self.writes = _names(writes)
        self.targets = _names(targets)
        self.values = _names(values) | self.reads | self.writes | self.targets
        self.default_cwd = default_cwd


_RECURSIVE = frozenset({"-r", "-R", "--recursive", "--dereference-recursive"})
_PATTERN_GIVEN = frozenset({"-e", "--regexp", "-f", "--file"})


def _record_link(ev: _Eval, st: _State, target: str, link: str, symbolic: bool) -> None:
    """`ln [-s] TARGET LINK`: later paths through LINK lead to TARGET."""
    if _has_marker(target) or _has_marker(link) or _has_marker(st.cwds[0]):
        return
    cwd = st.cwds[0]
    link_real = resolve_expanded(link, cwd)
    if os.path.isdir(link_real):
        link_real = link_real.rstrip("/") + "/" + target.rstrip("/").rsplit("/", 1)[-1]
    if symbolic and not target.startswith("/"):
        base = link_real.rsplit("/", 1)[0] or "/"
        target_real = resolve_expanded(target, base)
    else:
        target_real = resolve_expanded(target, cwd)
    ev.links[link_real] = target_real


def _files(spec: _Spec):
    def handler(ev: _Eval, call: _Call) -> None:
        st = call.st
        opts, ops = _getopt(call.argv[1:], spec.values)
        target = False
        reference = False
        for name, value in opts:
            if value is None:
                continue
            if name in spec.reads:
                ev.path(value, st)
                reference = reference or name == "--reference"
            elif name in spec.writes:
                ev.path(value, st, write=True)
            elif name in spec.targets:
                ev.path(value, st, write=True)
                target = True
            else:
                ev.scan_url(value)
        ops = [op for op in ops if op != "-"]
        role = spec.role
        if role == "read":
            for op in ops:
                ev.path(op, st)
        elif role == "write":
            for op in ops:
                ev.path(op, st, write=True)
        elif role == "mode":
            for op in ops if reference else ops[1:]:
                ev.path(op, st, write=True)
        elif role in ("dest", "link"):
            if target:
                for op in ops:
                    ev.path(op, st)
            elif len(ops) >= 2:
                for op in ops[:-1]:
                    ev.path(op, st)
                ev.path(ops[-1], st, write=True)
            elif ops:
                ev.path(ops[0], st)
                if role == "link" and not _has_marker(ops[0]):
                    ev.path(ops[0].rstrip("/").rsplit("/", 1)[-1] or ops[0], st, write=True)
            if role == "link" and not target and len(ops) >= 2:
                _record_link(ev, st, ops[0], ops[-1], symbolic=any(
                    name in ("-s", "--symbolic") for name, _value in opts))
        elif role == "move":
            for op in ops:
                ev.path(op, st, write=True)
        elif role == "pattern":
            given = any(name in _PATTERN_GIVEN for name, _value in opts)
            files = ops if given else ops[1:]
            for op in files:
                ev.path(op, st)
            if not files and (spec.default_cwd or any(n in _RECURSIVE for n, _v in opts)):
                ev.cwd_path(st)
            return
        elif role == "generic":
            _generic(ev, call)
        if spec.default_cwd and not ops:
            ev.cwd_path(st)

    return handler


_SPECS: dict[str, _Spec] = {}


def _declare(names: str, spec: _Spec) -> None:
    for name in names.split():
        _SPECS[name] = spec


# An option wrongly listed as taking a value would swallow the path after it (`cat -A
# /etc/shadow`), while a missing one only adds a harmless extra path (`head -n 5` -> `5`).
# So each group lists only options that take a value in every program of the group.
_declare("cat rev zcat bzcat xzcat zstdcat lzcat md5sum sha1sum sha224sum sha256sum "
         "sha384sum sha512sum cksum sum lsattr getfacl ldd namei readelf objdump nm comm "
         "less more most pg zless zmore wc strings file od hexdump xxd base32 base64 basenc "
         "fold fmt expand unexpand column tac cmp paste nl readlink realpath bat batcat "
         "source-highlight xmllint csvlook mlr shasum b2sum ssh-add",
         _Spec("read", reads="--files0-from"))
_declare("head tail", _Spec("read", values="-n -c --lines --bytes --pid -s --sleep-interval "
                            "--max-unchanged-stats"))
_declare("cut", _Spec("read", values="-b -c -f -d --bytes --characters --fields --delimiter "
                      "--output-delimiter"))
_declare("stat", _Spec("read", values="-c --format --printf"))
_declare("diff diff3", _Spec("read", values="-C -U -I -x -L -F -W --label --width "
                             "--ignore-matching-lines --horizon-lines --exclude",
                             reads="-X --exclude-from --from-file --to-file"))
_declare("join", _Spec("read", values="-1 -2 -j -t -e -o -a -v"))
_declare("iconv", _Spec("read", values="-f -t --from-code --to-code", writes="-o --output"))
_declare("ls dir vdir exa eza lsd", _Spec(
    "read", values="-I --ignore -T --tabsize -w --width --block-size --format --hide "
    "--indicator-style --quoting-style --sort --time --time-style", default_cwd=True))
_declare("du", _Spec("read", values="-d --max-depth -B --block-size -t --threshold "
                     "--exclude --time-style", reads="-X --exclude-from --files0-from",
                     default_cwd=True))
_declare("tree", _Spec("read", values="-L -P -I -H -T --filelimit --charset", writes="-o",
                       default_cwd=True))
_declare("grep egrep fgrep zgrep zegrep zfgrep bzgrep xzgrep", _Spec(
    "pattern", values="-e --regexp -A -B -C -m -d -D --max-count --context --after-context "
    "--before-context --label --include --exclude --exclude-dir --devices --directories "
    "--binary-files --group-separator", reads="-f --file --exclude-from"))
_declare("rg", _Spec(
    "pattern", values="-e --regexp -A -B -C -m -g -t -T -j -M -E -r --max-count --context "
    "--glob --iglob --type --type-not --threads --max-columns --max-depth --max-filesize "
    "--type-add --colors --sort --sortr --encoding --pre --pre-glob --replace "
    "--path-separator --context-separator --field-match-separator --engine",
    reads="-f --file --ignore-file", default_cwd=True))
_declare("ag ack ack-grep pt sift ugrep", _Spec("pattern", values="-e -A -B -C -m --regexp",
                                                reads="-f --file", default_cwd=True))
_declare("rm unlink rmdir dos2unix unix2dos mac2unix sponge", _Spec("write"))
_declare("mkdir mkfifo", _Spec("write", values="-m --mode"))
_declare("shred srm wipe", _Spec("write", values="-n --iterations -s --size",
                                 reads="--random-source"))
_declare("truncate", _Spec("write", values="-s --size", reads="-r --reference"))
_declare("touch", _Spec("write", values="-d --date -t", reads="-r --reference"))
_declare("chmod chown chgrp", _Spec("mode", values="--from", reads="--reference"))
_declare("setfacl", _Spec("write", values="-m --modify -x --remove --set",
                          reads="-M --modify-file -X --remove-file --set-file"))
_declare("cp", _Spec("dest", values="-S --suffix", targets="-t --target-directory"))
_declare("mv", _Spec("move", values="-S --suffix", targets="-t --target-directory"))
_declare("ln link", _Spec("link", values="-S --suffix", targets="-t --target-directory"))
_declare("sort", _Spec("read", values="-k --key -t --field-separator -S --buffer-size -T "
                       "--temporary-directory --batch-size --parallel --compress-program",
                       reads="--files0-from --random-source", writes="-o --output"))
_declare("split csplit", _Spec("dest", values="-a -b -C -l -n -t -f --additional-suffix "
                               "--filter --suffix-length --bytes --lines --line-bytes "
                               "--number --separator --prefix --suffix-format"))
_declare("uniq", _Spec("dest", values="-f -s -w --skip-fields --skip-chars --check-chars"))
_declare("sdiff", _Spec("read", values="-w -I --width", writes="-o --output"))
_declare("gpg gpg2", _Spec("read", values="-r -u -R --recipient --local-user --default-key "
                           "--hidden-recipient --cipher-algo --digest-algo -z --trust-model "
                           "--keyserver --recv-keys --passphrase",
                           reads="--homedir --keyring --secret-keyring --passphrase-file",
                           writes="-o --output"))
_declare("age rage", _Spec("read", values="-r --recipient", reads="-i --identity -R "
                           "--recipients-file", writes="-o --output"))
_declare("ssh-keygen", _Spec("read", values="-t -b -C -N -P -I -n -V -z -O -E -Y -m -a -w -D "
                             "-r -G -M -S -J -j -K -s -u -Z -g -F -R",
                             writes="-f"))
_declare("echo printf true false : yes seq sleep kill killall pkill pgrep ps id whoami "
         "groups uname hostname uptime printenv which type whereis help history unalias "
         "jobs wait fg bg disown exit return break continue umask ulimit times clear reset "
         "tput stty basename dirname expr factor numfmt nproc arch tty logname users who w "
         "last sync getconf locale cal notify-send say logger wall mesg tr envsubst",
         _Spec("text"))
_declare("date", _Spec("text", values="-d --date", reads="-f --file -r --reference"))


# --- wrappers: programs that run another command ------------------------------------------

def _wrapper(values: str = "", no_command: str = "", skip: int = 0, env: bool = False,
             writes: str = "", reads: str = ""):
    value_set = _names(values) | _names(writes) | _names(reads)
    no_cmd = _names(no_command)
    write_set = _names(writes)
    read_set = _names(reads)

    def handler(ev: _Eval, call: _Call) -> _Call | None:
        opts, ops = _getopt(call.argv[1:], value_set, stop=True)
        for name, value in opts:
            if value is not None and name in write_set:
                ev.path(value, call.st, write=True)
            elif value is not None and name in read_set:
                ev.path(value, call.st)
        if any(name in no_cmd for name, _value in opts):
            return None
        environment = call.env
        if env:
            while ops and "=" in ops[0] and _is_name(ops[0].partition("=")[0]):
                name, _eq, value = ops[0].partition("=")
                ev.scan_url(value)
                environment = {**environment, name: [value]}
                ops = ops[1:]
        ops = ops[skip:]
        if not ops:
            return None
        return _Call(ops, call.st, call.stdin, environment, call.net)

    return handler


def _h_env(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names("-u --unset -C --chdir -S --split-string "
                                              "--default-signal --ignore-signal "
                                              "--block-signal -a --argv0 -P"), stop=True)
    st = call.st
    split: list[str] = []
    for name, value in opts:
        if value is None:
            continue
        if name in ("-C", "--chdir"):
            st = _chdir(ev, st.copy(), value)
        elif name in ("-S", "--split-string"):
            split = _split_words(ev, value, st)
    environment = dict(call.env)
    while ops and "=" in ops[0] and _is_name(ops[0].partition("=")[0]):
        name, _eq, value = ops[0].partition("=")
        ev.scan_url(value)
        environment[name] = [value]
        if name in _INJECTION_VARS:
            ev.injection(name, [value], st)
        ops = ops[1:]
    argv = split + ops
    if not argv:
        return None
    return _Call(argv, st, call.stdin, environment, call.net)


def _split_words(ev: _Eval, text: str, st: _State) -> list[str]:
    """The words of `text` split like a shell would (for `env -S`, `watch -x`...)."""
    node = _Parser(text[:MAX_INPUT], ev.ctx).parse_script()
    words: list[str] = []
    for item, _sep in node[1]:
        if item is not None and item[0] == "simple":
            for word in item[2]:
                for alt in ev.expand(word, st, CMD)[:1]:
                    words.extend(alt)
            break
    return words


def _h_sudo(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-u --user -g --group -h --host -p --prompt -r --role -t --type -T "
        "--command-timeout -U --other-user -C --close-from -D --chdir -R --chroot"),
        stop=True)
    names = {name for name, _value in opts}
    environment = dict(call.env)
    while ops and "=" in ops[0] and _is_name(ops[0].partition("=")[0]):
        name, _eq, value = ops[0].partition("=")
        environment[name] = [value]
        if name in _INJECTION_VARS:
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
    return _Call(ops, call.st, call.stdin, environment, call.net)


def _h_doas(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names("-u -C"), stop=True)
    if any(name == "-s" for name, _value in opts):
        ev.code_from_stdin(call, shell=True)
        return None
    return call.but(ops) if ops else None


def _h_su(ev: _Eval, call: _Call) -> _Call | None:
    opts, _ops = _getopt(call.argv[1:], _names(
        "-c --command -s --shell -g --group -G --supp-group -w --whitelist-environment "
        "--session-command"))
    codes = [value for name, value in opts
             if name in ("-c", "--command", "--session-command") and value is not None]
    for code in codes:
        ev.run_code(code, call)
    if not codes:
        ev.code_from_stdin(call, shell=True)
    return None


def _h_sg(ev: _Eval, call: _Call) -> _Call | None:
    args = [a for a in call.argv[1:] if a != "-c"]
    if len(args) >= 2:
        ev.run_code(" ".join(args[1:]), call)
    return None


def _h_xargs(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-I -n -P -L -d -s -E -a --arg-file --delimiter --max-args --max-procs "
        "--max-lines --max-chars --eof --replace --process-slot-var"),
        stop=True, optional=_names("-i -l -e"))
    replace = None
    for name, value in opts:
        if name in ("-I", "--replace"):
            replace = value if value is not None else "{}"
        elif name == "-i":
            replace = value or "{}"
        elif name in ("-a", "--arg-file") and value is not None:
            ev.path(value, call.st)
    if not ops:
        ops = ["echo"]
    if replace:
        argv = [op.replace(replace, COMPUTED) for op in ops]
    else:
        argv = [*ops, COMPUTED]
    # The items come from xargs' input; the command's own stdin is /dev/null.
    inner = _Call(argv, call.st, None, call.env, call.net)
    if call.stdin == PIPE and _family(argv[0].rsplit("/", 1)[-1]) in _SHELLS | _CODE_RUNNERS:
        ev.pipes()
    return inner


def _h_flock(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names(
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


def _h_watch(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names("-n --interval -q --equexit -d"), stop=True)
    if not ops:
        return None
    if any(name in ("-x", "--exec") for name, _value in opts):
        return call.but(ops)
    ev.run_code(" ".join(ops), call)
    return None


def _h_chroot(ev: _Eval, call: _Call) -> _Call | None:
    _opts, ops = _getopt(call.argv[1:], _names("--userspec --groups"), stop=True)
    if not ops:
        return None
    ev.path(ops[0], call.st)
    if len(ops) == 1:
        ev.code_from_stdin(call, shell=True)
        return None
    return call.but(ops[1:])


def _h_script(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names("-c --command -E --echo -I --log-in -O "
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


def _h_exec_like(ev: _Eval, call: _Call) -> _Call | None:
    """`command`, `builtin`, `exec`, `nohup`...: the rest is the command."""
    opts, ops = _getopt(call.argv[1:], _names("-a"), stop=True)
    if call.argv[0] == "command" and any(n in ("-v", "-V") for n, _v in opts):
        return None
    return call.but(ops) if ops else None


def _h_busybox(ev: _Eval, call: _Call) -> _Call | None:
    """`busybox APPLET args...`: the applet runs with its arguments unchanged."""
    args = call.argv[1:]
    while args and args[0].startswith("-"):
        args = args[1:]
    return call.but(args) if args else None


def _h_after_dashes(ev: _Eval, call: _Call) -> _Call | None:
    """`op run -- cmd`, `doppler run -- cmd`, `aws-vault exec p -- cmd`..."""
    args = call.argv[1:]
    if "--" in args:
        inner = args[args.index("--") + 1:]
        return call.but(inner) if inner else None
    _generic(ev, call)
    return None


def _h_run_subcommand(ev: _Eval, call: _Call) -> _Call | None:
    """`poetry run cmd`, `pipenv run cmd`, `bundle exec cmd`, `conda run -n env cmd`..."""
    args = call.argv[1:]
    for index, arg in enumerate(args):
        if arg in ("run", "exec", "dlx", "x"):
            _opts, ops = _getopt(args[index + 1:], _names(
                "-n --name -p --prefix --cwd --with --python --project --directory "
                "--env-file --package -c --call --shell --filter -F --index --extra "
                "--group --from"), stop=True)
            return call.but(ops) if ops else None
        if not arg.startswith("-"):
            break
    _generic(ev, call)
    return None


def _h_npx(ev: _Eval, call: _Call) -> _Call | None:
    opts, ops = _getopt(call.argv[1:], _names("-p --package -c --call"), stop=True)
    for name, value in opts:
        if name in ("-c", "--call") and value is not None:
            ev.run_code(value, call)
            return None
    return call.but(ops) if ops else None


def _h_uv(ev: _Eval, call: _Call) -> _Call | None:
    args = call.argv[1:]
    if args[:1] == ["pip"]:
        return _h_pip(ev, call.but(["pip", *args[1:]]))
    if args[:2] == ["tool", "run"]:
        return _h_run_subcommand(ev, call.but(["uv", *args[1:]]))
    return _h_run_subcommand(ev, call)


def _h_nix_shell(ev: _Eval, call: _Call) -> _Call | None:
    opts, _ops = _getopt(call.argv[1:], _names("--run --command -p --packages -I --arg "
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


def _h_tmux(ev: _Eval, call: _Call) -> _Call | None:
    """tmux commands that start a shell command or type keys into a shell."""
    args = call.argv[1:]
    for index, arg in enumerate(args):
        sub = _TMUX_ALIASES.get(arg, arg)
        if sub in _TMUX_VALUES:
            _opts, ops = _getopt(args[index + 1:], _names(_TMUX_VALUES[sub]))
            keys = [op for op in ops if op not in ("Enter", "C-m", "KPEnter", ";")]
            if keys:
                ev.run_code(" ".join(keys), call)
            return None
    return None


def _h_screen(ev: _Eval, call: _Call) -> _Call | None:
    args = call.argv[1:]
    if "-X" in args and "stuff" in args:
        keys = args[args.index("stuff") + 1:]
        ev.run_code(" ".join(keys), call)
        return None
    _opts, ops = _getopt(args, _names("-S -c -e -h -p -s -t -T -L -Logfile -X"), stop=True)
    return call.but(ops) if ops else None


def _h_parallel(ev: _Eval, call: _Call) -> _Call | None:
    """GNU parallel: a command template run for each argument (`:::` lists or stdin)."""
    args = call.argv[1:]
    separators = (":::", "::::", ":::+", "::::+")
    end = next((k for k, a in enumerate(args) if a in separators), len(args))
    _opts, template = _getopt(args[:end], _names(
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
    argv = _split_words(ev, code, call.st)
    if not argv:
        return None
    argv = [w.replace("{}", COMPUTED) for w in argv]
    if "{}" not in code:
        argv.append(COMPUTED)
    return _Call(argv, call.st, None, call.env, call.net)


def _h_at(ev: _Eval, call: _Call) -> _Call | None:
    opts, _ops = _getopt(call.argv[1:], _names("-f -q -t"))
    for name, value in opts:
        if name == "-f" and value is not None:
            ev.path(value, call.st)
            return None
    ev.code_from_stdin(call, shell=True)
    return None


def _h_bwrap(ev: _Eval, call: _Call) -> _Call | None:
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


# --- shells, interpreters, eval -----------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "rbash",
                     "posh", "lksh", "oksh", "pdksh", "fish", "csh", "tcsh", "hush"})
# option letters taking a value, for each language; code options; module option
_LANGS = {
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
_LONG_CODE = frozenset({"--eval", "--print", "--command", "--exec"})
_LONG_VALUES = frozenset({"--require", "--import", "--loader", "--input-type", "--env-file",
                          "--conditions", "--experimental-loader", "--title", "--cpu-prof-dir",
                          "--config", "--load"})
_CODE_RUNNERS = frozenset(_LANGS) | frozenset({"pwsh", "powershell"})


def _h_shell(ev: _Eval, call: _Call) -> None:
    argv = call.argv
    st = call.st
    fish = _family(argv[0].rsplit("/", 1)[-1]) == "fish"
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
        if len(arg) > 1 and arg[0] in "-+" and arg[1] not in _MARKERS:
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


def _h_interpreter(ev: _Eval, call: _Call) -> _Call | None:
    argv = call.argv
    base = argv[0].rsplit("/", 1)[-1]
    lang = base if base in _LANGS else _family(base)
    code_letters, value_letters, attached_letters, module_letter, inplace_letter = _LANGS[lang]
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
        if len(arg) < 2 or arg[0] != "-" or arg[1] in _MARKERS:
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
            _code_literals(ev, code, st)
    elif module is not None:
        if module == "pip":
            return _h_pip(ev, call.but(["pip", *rest_args]))
        _generic(ev, call.but([module, *rest_args]))
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
        elif not arg.startswith("-") and (_looks_like_path(arg) or inplace):
            ev.path(arg, st)
        else:
            ev.scan_url(arg)
    return None


def _h_pwsh(ev: _Eval, call: _Call) -> None:
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
                _code_literals(ev, code, call.st)
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


def _h_eval(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if args:
        ev.run_code(" ".join(args), call, same_shell=True)


def _h_source(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        return
    ev.script_operand(args[0], call, shell=True)


def _h_trap(ev: _Eval, call: _Call) -> None:
    args = [a for a in call.argv[1:] if a not in ("-l", "-p", "-P", "--")]
    if len(args) >= 2 and args[0] != "-":
        ev.run_code(args[0], call, same_shell=False)


def _h_alias(ev: _Eval, call: _Call) -> None:
    for arg in call.argv[1:]:
        _name, eq, value = arg.partition("=")
        if eq and value:
            ev.run_code(value, call)


def _h_hash(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-p"))
    for name, value in opts:
        if name == "-p" and value is not None:
            ev.path(value, call.st)
            for op in ops:
                call.st.hashed[op] = value.rstrip("/").rsplit("/", 1)[-1]
                ev.name(call.st.hashed[op])


# --- shell state ----------------------------------------------------------------------------

def _chdir(ev: _Eval, st: _State, target: str) -> _State:
    """`cd target` in `st` (alternatives when the cd may not happen)."""
    if _has_marker(target) and not target.startswith("/"):
        ev.unknown(target, R_COMPUTED_PATH)
        ev.reason(R_UNKNOWN_CWD)
        new: tuple = (COMPUTED,)
    else:
        ev.path(target, st)
        if _has_marker(target):
            ev.reason(R_UNKNOWN_CWD)
            new = (COMPUTED,)
        else:
            new = tuple(dict.fromkeys(resolve_expanded(target, cwd) for cwd in st.cwds
                                      if not _has_marker(cwd)) or {COMPUTED: None})
    st.oldpwd = st.cwds
    if st.cond:
        merged = tuple(dict.fromkeys(st.cwds + new))
        st.cwds = merged[:MAX_ALTS]
    else:
        st.cwds = new
    return st


def _h_cd(ev: _Eval, call: _Call) -> None:
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
    _chdir(ev, st, target)


def _h_read(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-a -d -i -n -N -p -t -u -C -c -O -s"))
    st = call.st
    base = call.argv[0]
    for name, value in opts:
        if name == "-a" and value:
            st.arrays[value] = [COMPUTED]
    stdin = call.stdin
    known = stdin[1] if isinstance(stdin, tuple) and stdin[0] in ("text", "pipe") else None
    if base in ("mapfile", "readarray"):
        lines = known.splitlines() if known is not None else [COMPUTED]
        st.arrays[ops[0] if ops else "MAPFILE"] = lines[:MAX_FIELDS]
        return
    names = [op for op in ops if _is_name(op)] or ["REPLY"]
    if known is None:
        for name in names:
            st.vars[name] = (COMPUTED,)
        return
    # `read a b <<< "x y z"`: words of the first line, the last name takes the rest
    line = known.split("\n", 1)[0]
    words = line.split(None, len(names) - 1) if len(names) > 1 else [line.strip()]
    for index, name in enumerate(names):
        st.vars[name] = (words[index] if index < len(words) else "",)


def _h_printf(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    if len(args) >= 3 and args[0] == "-v" and _is_name(args[1].split("[", 1)[0]):
        value = _printf(args[2], args[3:])
        call.st.vars[args[1].split("[", 1)[0]] = (COMPUTED if value is None else value,)


def _h_unset(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:])
    functions = any(name == "-f" for name, _value in opts)
    st = call.st
    for op in ops:
        if functions:
            st.funcs.pop(op, None)
        else:
            st.vars[op] = ("",)
            st.arrays.pop(op, None)


def _h_set(ev: _Eval, call: _Call) -> None:
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


def _h_shift(ev: _Eval, call: _Call) -> None:
    st = call.st
    count = int(call.argv[1]) if len(call.argv) > 1 and call.argv[1].isdigit() else 1
    if st.positional is not None:
        st.positional = st.positional[count:]


def _h_getopts(ev: _Eval, call: _Call) -> None:
    if len(call.argv) > 2 and _is_name(call.argv[2]):
        call.st.vars[call.argv[2]] = (COMPUTED,)


def _h_test(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    for index, arg in enumerate(args):
        if arg in _FILE_TESTS:
            if index + 1 < len(args):
                ev.path(args[index + 1], call.st)
            if arg in ("-nt", "-ot", "-ef") and index:
                ev.path(args[index - 1], call.st)


# --- file utilities with their own syntax ---------------------------------------------------

def _h_dd(ev: _Eval, call: _Call) -> None:
    for arg in call.argv[1:]:
        if arg.startswith("if="):
            ev.path(arg[3:], call.st)
        elif arg.startswith("of="):
            ev.path(arg[3:], call.st, write=True)


def _h_tee(ev: _Eval, call: _Call) -> None:
    _opts, ops = _getopt(call.argv[1:])
    for op in ops:
        ev.path(op, call.st, write=True)


def _h_install(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-m --mode -o --owner -g --group -S --suffix "
                                              "-t --target-directory --strip-program -Z"))
    if any(name in ("-d", "--directory") for name, _value in opts):
        for op in ops:
            ev.path(op, call.st, write=True)
        return
    _files(_Spec("dest", values="-m --mode -o --owner -g --group -S --suffix "
                 "--strip-program", targets="-t --target-directory"))(ev, call)


def _h_mknod(ev: _Eval, call: _Call) -> None:
    _opts, ops = _getopt(call.argv[1:], _names("-m --mode -Z --context"))
    if ops:
        ev.path(ops[0], call.st, write=True)


def _h_chattr(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg in ("-v", "-p"):
            skip_next = True
        elif arg[:1] not in "+-=":
            ev.path(arg, call.st, write=True)


def _h_compress(ev: _Eval, call: _Call) -> None:
    """gzip & co. replace their operands unless asked to write to stdout."""
    opts, ops = _getopt(call.argv[1:], _names("-S --suffix -b -T -D -o -L"))
    keep = any(name in ("-c", "--stdout", "--to-stdout", "-k", "--keep", "-t", "--test",
                        "-l", "--list") for name, _value in opts)
    for name, value in opts:
        if name == "-o" and value is not None:
            ev.path(value, call.st, write=True)
    for op in ops:
        ev.path(op, call.st, write=not keep)


def _h_editor(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-c --cmd -S -u -i -T -o -O -p -t -q -w -W"))
    if any(name in ("-c", "--cmd") for name, _value in opts) or any(
            op.startswith("+") and len(op) > 1 for op in ops):
        ev.reason(R_INLINE_CODE)
    for name, value in opts:
        if name in ("-S", "-u") and value is not None:
            ev.path(value, call.st)
    for op in ops:
        if not op.startswith("+"):
            ev.path(op, call.st, write=True)


def _h_sed(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-e --expression -f --file -l --line-length --follow-symlinks-"),
        optional=_names("-i"))
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


def _sed_commands(script: str) -> list[tuple[str, str]]:
    """The sed commands that run programs or touch files: (`e`|`se`|`w`|`W`|`r`|`R`, arg)."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(script)
    while i < n:
        char = script[i]
        if char in " \t\n;}{!":
            i += 1
            continue
        while i < n:  # addresses
            char = script[i]
            if char in _DIGITS or char in "$,~+! \t":
                i += 1
            elif char == "/":
                i = _sed_skip(script, i + 1, "/")
            elif char == "\\" and i + 1 < n:
                i = _sed_skip(script, i + 2, script[i + 1])
            else:
                break
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
                while i < n and script[i] in "gpiImMe0123456789w":
                    if script[i] == "e":
                        out.append(("se", ""))
                    if script[i] == "w":
                        end = script.find("\n", i)
                        end = n if end < 0 else end
                        out.append(("w", script[i + 1:end].strip()))
                        i = end
                        break
                    i += 1
        elif command in "=dDgGhHlnNpPqQxzF#":
            if command == "#":
                i = line_end
            while i < n and script[i] in _DIGITS:
                i += 1
        else:
            break
    return out


def _h_awk(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-F -v -f -e -i -l -o -E --field-separator "
                                              "--assign --file --source --include --load"))
    st = call.st
    programs = [v for n, v in opts if n in ("-e", "--source") and v is not None]
    for name, value in opts:
        if name in ("-f", "--file", "-E", "-i", "--include") and value is not None:
            ev.path(value, st)
            programs.append("")
    if not programs and ops:
        programs.append(ops[0])
        ops = ops[1:]
    for program in programs:
        if any(token in program for token in ("system", "getline", "|&", '| "', '|"')):
            ev.reason(R_INLINE_CODE)
        _awk_outputs(ev, program, st)
        _code_literals(ev, program, st)
    for op in ops:
        if "=" in op and _is_name(op.partition("=")[0]):
            continue
        ev.path(op, st)


def _awk_outputs(ev: _Eval, program: str, st: _State) -> None:
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


def _h_jq(ev: _Eval, call: _Call) -> None:
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


def _h_find(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    st = call.st
    i = 0
    while (i < len(args) and args[i] in ("-H", "-L", "-P", "-D", "-O")) or (
            i < len(args) and args[i][:2] in ("-D", "-O") and len(args[i]) > 2):
        i += 2 if args[i] in ("-D", "-O") else 1
    roots = []
    while (i < len(args) and not args[i].startswith(("-", "(", "!", ")"))) or (
            i < len(args) and args[i] == "-"):
        roots.append(args[i])
        i += 1
    if not roots:
        roots = ["."]
    deletes = False
    while i < len(args):
        arg = args[i]
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            end = i + 1
            while end < len(args) and args[end] not in (";", "+"):
                end += 1
            inner = args[i + 1:end]
            if inner:
                for root in roots[:4]:
                    argv = [w.replace("{}", root) for w in inner]
                    ev.command(_Call(argv, st, None, call.env, call.net))
            i = end + 1
            continue
        if arg == "-delete":
            deletes = True
        elif arg in ("-fprint", "-fprint0", "-fls", "-fprintf") and i + 1 < len(args):
            ev.path(args[i + 1], st, write=True)
        elif arg in ("-newer", "-anewer", "-cnewer", "-samefile") and i + 1 < len(args):
            ev.path(args[i + 1], st)
        i += 1
    for root in roots:
        ev.path(root, st, write=deletes)


def _h_fd(ev: _Eval, call: _Call) -> None:
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
                ev.command(_Call(argv, st, None, call.env, call.net))
            args = args[:index] + args[end + 1:]
    _opts, ops = _getopt(args, _names(
        "-e --extension -E --exclude -t --type -d --max-depth -S --size --changed-within "
        "--changed-before -o --owner -j --threads --max-results --color --exact-depth "
        "--min-depth --format --path-separator --base-directory --search-path "
        "--ignore-file -c"))
    for op in ops[1:]:
        ev.path(op, st)
    if len(ops) <= 1:
        ev.cwd_path(st)


def _h_tar(ev: _Eval, call: _Call) -> None:
    args = list(call.argv[1:])
    if args and not args[0].startswith("-") and all(c.isalpha() for c in args[0]):
        args[0] = "-" + args[0]  # old-style `tar czf x.tgz dir`
    opts, ops = _getopt(args, _names(
        "-f --file -C --directory -T --files-from -X --exclude-from -b -H --format -g -K -L "
        "-N -V --exclude -I --use-compress-program --to-command --checkpoint-action "
        "--owner --group --mode --mtime --transform --xform --newer --after-date "
        "--info-script --new-volume-script -F"))
    st = call.st
    names = {name for name, _value in opts}
    extract = bool(names & {"-x", "--extract", "--get"})
    create = bool(names & {"-c", "--create", "-r", "--append", "-u", "--update", "-A",
                           "--catenate", "--concatenate", "--delete"})
    directory = None
    for name, value in opts:
        if value is None:
            continue
        if name in ("-f", "--file"):
            ev.path(value, st, write=create)
        elif name in ("-C", "--directory"):
            directory = value
            ev.path(value, st, write=extract)
        elif name in ("-T", "--files-from", "-X", "--exclude-from"):
            ev.path(value, st)
        elif name in ("-I", "--use-compress-program", "--to-command", "--info-script",
                      "--new-volume-script", "-F"):
            ev.run_code(value, call)
        elif name == "--checkpoint-action" and value.startswith("exec="):
            ev.run_code(value[5:], call)
    if extract and directory is None:
        ev.cwd_path(st, write=True)
    for op in ops:
        ev.path(op, st)


def _h_zip(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-b -n -t -tt -i -x -P --password -O -TT -Z "
                                              "-s -sp -U -x"))
    for name, value in opts:
        if name == "-TT" and value is not None:
            ev.run_code(value, call)
    if ops:
        ev.path(ops[0], call.st, write=True)
        for op in ops[1:]:
            ev.path(op, call.st)


def _h_unzip(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names("-d -x -P -O -I"))
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


# --- version control and package managers ---------------------------------------------------

# git settings whose value is a shell command (git runs it), and the suffixes of per-driver
# settings that are commands (`filter.x.clean`, `diff.x.textconv`, `merge.x.driver`).
_GIT_CODE_KEYS = _names("core.sshcommand core.pager core.editor core.fsmonitor core.askpass "
                        "sequence.editor diff.external gpg.program gpg.ssh.program "
                        "gpg.x509.program uploadpack.packobjectshook core.gitproxy "
                        "interactive.difffilter")
_GIT_CODE_SUFFIXES = (".clean", ".smudge", ".process", ".textconv", ".command", ".driver",
                      ".cmd", ".tool")
_GIT_READ_ONLY = frozenset({"status", "log", "diff", "show", "blame", "grep", "ls-files",
                            "ls-tree", "rev-parse", "describe", "shortlog", "cat-file",
                            "branch", "tag", "remote", "config", "reflog", "whatchanged",
                            "ls-remote", "help", "version", "fetch"})


def _h_git(ev: _Eval, call: _Call) -> None:
    args = call.argv[1:]
    st = call.st
    i = 0
    directories = []
    while i < len(args) and args[i].startswith("-"):
        arg = args[i]
        if arg == "-C" and i + 1 < len(args):
            directories.append(args[i + 1])
            st = _chdir(ev, st.copy(), args[i + 1])
            i += 2
            continue
        if arg == "-c" and i + 1 < len(args):
            _git_config_value(ev, call, args[i + 1])
            i += 2
            continue
        if arg.startswith(("--git-dir=", "--work-tree=")):
            ev.path(arg.partition("=")[2], st)
        elif arg in ("--git-dir", "--work-tree", "--namespace", "--exec-path",
                     "--config-env") and i + 1 < len(args):
            ev.path(args[i + 1], st)
            i += 1
        i += 1
    sub = args[i] if i < len(args) else ""
    rest = args[i + 1:]
    if directories and sub not in _GIT_READ_ONLY:
        for directory in directories:
            ev.path(directory, call.st, write=True)
    inner = call.but(call.argv, st=st)
    for arg in rest:
        ev.scan_url(arg)
    if sub in ("clone", "submodule"):
        _opts, ops = _getopt(rest, _names("-b --branch -o --origin --depth -c --config "
                                          "--reference --separate-git-dir -j --jobs "
                                          "--template -u --upload-pack --filter "
                                          "--shallow-since --shallow-exclude --name"))
        if sub == "submodule":
            ops = ops[1:]
        if ops:
            _git_remote(ev, ops[0], call=call)
            if len(ops) > 1:
                ev.path(ops[1], st, write=True)
            else:
                name = ops[0].rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                if name.endswith(".git"):
                    name = name[:-4]
                if name and not _has_marker(name):
                    ev.path(name, st, write=True)
        for option in ("-u", "--upload-pack", "--template"):
            if option in rest:
                index = rest.index(option)
                if index + 1 < len(rest) and option != "--template":
                    ev.run_code(rest[index + 1], call)
    elif sub in ("remote", "push", "pull", "fetch", "ls-remote"):
        for arg in rest:
            if not arg.startswith("-"):
                _git_remote(ev, arg, bare=False, call=call)
    elif sub == "config":
        _h_git_config(ev, inner, rest)
    elif sub in ("add", "rm", "mv", "checkout", "restore", "apply", "am", "reset", "clean",
                 "stash", "switch"):
        _opts, ops = _getopt(rest, _names("-m --message -b -B --orphan -p --patch -s "
                                          "--source --pathspec-from-file --directory"))
        for op in ops:
            if _looks_like_path(op) or op == "." or sub in ("add", "rm", "mv"):
                ev.path(op, st, write=True)
    else:
        _opts, ops = _getopt(rest, _names("-m --message -F --file -C -c -b -B -o -n -S "
                                          "--author --date --format --pretty --since "
                                          "--until -L --grep"))
        for op in ops:
            if _looks_like_path(op):
                ev.path(op, st)


def _git_remote(ev: _Eval, text: str, bare: bool = True, call: _Call | None = None) -> None:
    """A git remote: URL, `user@host:path`, `ext::command`, or a local path."""
    if text.startswith("ext::") and call is not None:
        ev.run_code(text[5:].replace("%S", "git-upload-pack"), call)
        return
    if ev.scan_url(text):
        return
    head, sep, _tail = text.partition(":")
    if sep and "/" not in head and head:
        ev.host(head.rpartition("@")[2])


def _git_config_value(ev: _Eval, call: _Call, setting: str) -> None:
    key, _eq, value = setting.partition("=")
    _git_code(ev, call, key, value)


def _git_code(ev: _Eval, call: _Call, key: str, value: str) -> None:
    """A git setting given on the command line; analyse it when it is a command."""
    key = key.lower()
    if not value:
        return
    if key == "core.hookspath":
        ev.path(value, call.st)
        ev.reason(R_INLINE_CODE)  # the hooks there run, and we do not see them
    elif key.startswith(("alias.", "credential.")):
        if value.startswith("!"):
            ev.run_code(value[1:], call)
    elif key in _GIT_CODE_KEYS or key.startswith("pager.") or (
            key.startswith(("filter.", "diff.", "merge.", "difftool.", "mergetool."))
            and key.endswith(_GIT_CODE_SUFFIXES)):
        ev.run_code(value, call)
    else:
        ev.scan_url(value)


def _h_git_config(ev: _Eval, call: _Call, rest: list) -> None:
    opts, ops = _getopt(rest, _names("-f --file --blob --type --default --comment "
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


def _h_pip(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
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
        elif not ev.scan_url(value) and _looks_like_path(value):
            ev.path(value, st)
    for op in ops[1:]:
        if not ev.scan_url(op.partition("@")[2].strip() or op) and _looks_like_path(op):
            ev.path(op, st)


# --- network programs -----------------------------------------------------------------------

_CURL_VALUES = _names(
    "-d --data --data-ascii --data-binary --data-raw --data-urlencode --json -F --form "
    "--form-string -H --header -A --user-agent -e --referer -u --user -x --proxy -X "
    "--request -T --upload-file -b --cookie -c --cookie-jar -D --dump-header -K --config "
    "-E --cert --key --cacert --capath -m --max-time --connect-timeout -w --write-out -r "
    "--range -C --continue-at -y -Y -z --time-cond -U --proxy-user --url -o --output "
    "--output-dir --trace --trace-ascii --stderr --netrc-file --resolve --connect-to "
    "--retry --retry-delay --retry-max-time --limit-rate --max-filesize --interface "
    "--dns-servers --oauth2-bearer --aws-sigv4 --cert-type --key-type --pass --pinnedpubkey "
    "--proto --proto-redir --unix-socket --abstract-unix-socket --preproxy --socks4 "
    "--socks4a --socks5 --socks5-hostname --noproxy --hsts --alt-svc --etag-save "
    "--etag-compare --variable --expand-url --expand-data -P --ftp-port -Q --quote "
    "--local-port --mail-from --mail-rcpt --request-target --sasl-authzid --service-name "
    "--tls-max --ciphers --curves --url-query --keepalive-time --max-redirs --happy-eyeballs-"
    "timeout-ms --create-file-mode --ech --ip-tos --libcurl")


def _h_curl(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _CURL_VALUES)
    st = call.st
    remote_name = False
    for name, value in opts:
        if name in ("-O", "--remote-name", "--remote-name-all", "-J"):
            remote_name = True
        if value is None:
            continue
        if name in ("--url", "--expand-url"):
            ev.url(value, "http")
        elif name in ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar",
                      "--trace", "--trace-ascii", "--stderr", "--output-dir", "--etag-save",
                      "--libcurl", "--hsts", "--alt-svc"):
            ev.path(value, st, write=True)
        elif name in ("-T", "--upload-file", "-K", "--config", "--netrc-file", "-E", "--cert",
                      "--key", "--cacert", "--capath", "--etag-compare", "--unix-socket"):
            ev.path(value, st)
        elif name in ("-d", "--data", "--data-ascii", "--data-binary", "--json",
                      "--data-urlencode"):
            at = value.find("@")
            if at >= 0 and (at == 0 or name == "--data-urlencode") and value[at + 1:]:
                ev.path(value[at + 1:], st)
        elif name in ("-F", "--form"):
            field = value.partition("=")[2]
            if field[:1] in ("@", "<"):
                ev.path(field[1:].split(";", 1)[0], st)
        elif name in ("-b", "--cookie") and "=" not in value:
            ev.path(value, st)
        elif name in ("-x", "--proxy", "--preproxy", "--socks4", "--socks4a", "--socks5",
                      "--socks5-hostname"):
            ev.url(value, "http")
        elif name in ("--resolve", "--connect-to"):
            pieces = value.split(":")
            ev.host(pieces[0].lstrip("+"))
            if len(pieces) >= 3 and name == "--resolve":
                ev.host(":".join(pieces[2:]).strip("[]"))
            elif len(pieces) >= 3:
                ev.host(pieces[2])
    for op in ops:
        ev.url(op, "http")
    if remote_name:
        ev.cwd_path(st, write=True)


def _h_wget(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-O --output-document -o --output-file -a --append-output -P --directory-prefix -i "
        "--input-file --post-file --body-file --load-cookies --save-cookies -e --execute "
        "--header -U --user-agent --user --password --http-user --http-password -t --tries "
        "-T --timeout -w --wait --limit-rate -Q --quota -l --level -A --accept -R --reject "
        "-D --domains -I -X --bind-address --ca-certificate --certificate --private-key -B "
        "--base --config --post-data --method --body-data --referer --proxy-user "
        "--proxy-password -E --warc-file --rejected-log --default-page -N"))
    st = call.st
    saved = False
    for name, value in opts:
        if value is None:
            continue
        if name in ("-O", "--output-document", "-o", "--output-file", "-a",
                    "--append-output", "--save-cookies", "-P", "--directory-prefix",
                    "--warc-file", "--rejected-log"):
            ev.path(value, st, write=True)
            saved = saved or name in ("-O", "--output-document", "-P", "--directory-prefix")
        elif name in ("-i", "--input-file", "--post-file", "--body-file", "--load-cookies",
                      "--ca-certificate", "--certificate", "--private-key", "--config"):
            ev.path(value, st)
        elif name in ("-e", "--execute"):
            key, _eq, setting = value.partition("=")
            if key.strip().lower() in ("http_proxy", "https_proxy", "ftp_proxy"):
                ev.url(setting.strip(), "http")
    for op in ops:
        ev.url(op, "http")
    if ops and not saved:
        ev.cwd_path(st, write=True)


def _h_httpie(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-a --auth -A --auth-type --session --session-read-only -o --output --verify --cert "
        "--cert-key --cert-key-pass --proxy --timeout --max-redirects --style -s --print -p "
        "--pretty --format-options --unsorted --sorted --response-charset "
        "--response-mime --boundary --ssl --ciphers --default-scheme"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-o", "--output"):
            ev.path(value, st, write=True)
        elif name in ("--cert", "--cert-key", "--session", "--session-read-only"):
            ev.path(value, st)
        elif name == "--proxy":
            ev.url(value.partition(":")[2], "http")
    scheme = "https" if call.argv[0].rsplit("/", 1)[-1] in ("https", "xhs") else "http"
    url_seen = False
    for op in ops:
        if not url_seen:
            if op.isupper() and op.isalpha():
                continue
            url_seen = True
            ev.url("localhost" + op if op.startswith(":") else op, scheme)
            continue
        for sep in ("=@", ":=@", "@"):
            if sep in op:
                ev.path(op.split(sep, 1)[1], st)
                break


def _h_netcat(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-p -s -w -i -x -X -e -c -q -W -T -O -I -P -o -m -g -G -V -b --proxy --proxy-type "
        "--exec --sh-exec --lua-exec --source-port --source --wait --idle-timeout "
        "--output --hex-dump --append-output --allow --allowfile --deny --denyfile "
        "--max-conns --proxy-auth"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-e", "--exec"):
            argv = value.split()
            if argv:
                ev.command(_Call(argv, st, PIPE, call.env, True))
        elif name in ("-c", "--sh-exec", "--lua-exec"):
            if name == "--lua-exec":
                ev.reason(R_INLINE_CODE)
            else:
                ev.run_code(value, _Call(call.argv, st, PIPE, call.env, True), stdin=PIPE)
                ev.pipes()
        elif name in ("-x", "--proxy"):
            ev.host(value.rsplit(":", 1)[0] if value.count(":") == 1 else value)
        elif name in ("-o", "--output", "--hex-dump", "--append-output"):
            ev.path(value, st, write=True)
    for op in ops:
        # `nc host 80`, `nc -l 4444`, `nc host 20-30`: the host is the non-numeric operand
        if not op.replace("-", "").isdigit():
            ev.host(op)


def _h_socat(ev: _Eval, call: _Call) -> None:
    _opts, ops = _getopt(call.argv[1:], _names("-d -lf -lp -T -b -L -W -s"))
    st = call.st
    network = False
    runs_shell = False
    for address in ops[:2]:
        kind, _sep, rest = address.partition(":")
        kind = kind.lower()
        params = rest.split(",", 1)[0]
        if kind.startswith(("tcp", "udp", "sctp", "openssl", "ssl", "dccp", "socks", "proxy")):
            network = True
            host = params.rsplit(":", 1)[0] if params.count(":") >= 1 else params
            if not host.isdigit():
                ev.host(host.strip("[]"))
        elif kind in ("exec", "system"):
            if kind == "system":
                ev.run_code(params, call)
            else:
                argv = params.split()
                if argv:
                    ev.command(_Call(argv, st, None, call.env, False))
                    runs_shell = _family(argv[0].rsplit("/", 1)[-1]) in _SHELLS
            runs_shell = runs_shell or kind == "system"
        elif kind in ("file", "open", "gopen", "create", "pipe"):
            ev.path(params, st, write=kind in ("create", "open", "gopen", "file"))
        elif kind == "-" or kind in ("stdio", "stdin", "stdout"):
            continue
    if network and runs_shell:
        ev.pipes()


_SSH_VALUES = _names("-B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -P")


def _ssh_options(ev: _Eval, call: _Call, opts: list) -> None:
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-i", "-F"):
            ev.path(value, st)
        elif name == "-E":
            ev.path(value, st, write=True)
        elif name == "-J":
            for hop in value.split(","):
                ev.host(_ssh_host(hop))
        elif name in ("-L", "-R"):
            pieces = value.split(":")
            if len(pieces) >= 3:
                ev.host(pieces[-2])
        elif name == "-W":
            ev.host(value.rsplit(":", 1)[0])
        elif name == "-o":
            key, _sep, setting = value.replace("=", " ", 1).partition(" ")
            key = key.lower()
            if key in ("proxycommand", "localcommand", "knownhostscommand"):
                ev.run_code(setting, call)
            elif key in ("hostname", "proxyjump"):
                for hop in setting.split(","):
                    ev.host(_ssh_host(hop))
            elif key in ("identityfile", "userknownhostsfile", "certificatefile"):
                ev.path(setting.strip(), st)
        elif name == "-S" and call.argv[0].rsplit("/", 1)[-1] in ("scp", "sftp"):
            ev.command(_Call([value], st, None, call.env, False))


def _ssh_host(text: str) -> str:
    """The host of `[user@]host[:port]` or `ssh://[user@]host[:port]`."""
    text = text.strip()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0]
    text = text.rpartition("@")[2]
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text[1:]
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"})


def _h_ssh(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _SSH_VALUES, stop=True)
    _ssh_options(ev, call, opts)
    if not ops:
        return
    host = _ssh_host(ops[0])
    ev.host(host)
    if len(ops) > 1 and not _has_marker(host) and (
            netaddr.normalize_host(host) in _LOCAL_HOSTS
            or netaddr.normalize_host(host).startswith("127.")):
        # a command run over ssh on this very machine is a local command
        ev.run_code(" ".join(ops[1:]), call)


def _remote_or_path(ev: _Eval, st: _State, text: str, write: bool) -> None:
    """An scp/rsync operand: `[user@]host:path`, `host::module`, a URL, or a local path."""
    if ev.scan_url(text):
        return
    head, sep, _tail = text.partition(":")
    if sep and head and "/" not in head and not _has_marker(head):
        ev.host(_ssh_host(head))
    else:
        ev.path(text, st, write=write)


def _h_scp(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _SSH_VALUES)
    _ssh_options(ev, call, opts)
    if call.argv[0].rsplit("/", 1)[-1] == "sftp":
        for name, value in opts:
            if name == "-b" and value is not None:
                ev.path(value, call.st)
        for op in ops[:1]:
            ev.host(_ssh_host(op))
        return
    for index, op in enumerate(ops):
        _remote_or_path(ev, call.st, op, write=index == len(ops) - 1 and len(ops) > 1)


def _h_rsync(ev: _Eval, call: _Call) -> None:
    opts, ops = _getopt(call.argv[1:], _names(
        "-e --rsh --rsync-path --exclude --include --exclude-from --include-from "
        "--files-from --password-file --log-file --backup-dir --suffix -T --temp-dir "
        "--partial-dir --compare-dest --copy-dest --link-dest --chmod --chown --port -f "
        "--filter --out-format --log-file-format --timeout --contimeout --bwlimit --max-size "
        "--min-size --max-delete --modify-window -B --block-size --usermap --groupmap "
        "--address --sockopts --outbuf --iconv --checksum-choice --compress-choice "
        "--compress-level --info --debug --stop-after --stop-at --write-batch "
        "--only-write-batch --read-batch --protocol --mkpath-"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-e", "--rsh"):
            argv = value.split()
            if argv:
                ev.command(_Call(argv, st, None, call.env, False))
        elif name in ("--exclude-from", "--include-from", "--files-from", "--password-file",
                      "--read-batch", "--compare-dest", "--copy-dest", "--link-dest"):
            ev.path(value, st)
        elif name in ("--log-file", "--backup-dir", "--write-batch", "--only-write-batch",
                      "-T", "--temp-dir", "--partial-dir"):
            ev.path(value, st, write=True)
    for index, op in enumerate(ops):
        _remote_or_path(ev, st, op, write=index == len(ops) - 1 and len(ops) > 1)


def _h_hosts(ev: _Eval, call: _Call) -> None:
    """ping, dig, host, telnet...: operands that look like host names."""
    _opts, ops = _getopt(call.argv[1:], _names(
        "-c -i -I -s -t -W -w -p -Q -m -M -f -q -b -k -r -x -y -4 -6 -T -l -S -n -N -o -z "
        "-h -H -P -u -U -e -E -D -O -A -B -C -F -g -j -J -K -L -R -X -Y -Z --port --host "
        "--user --password --database"))
    for name, value in _opts:
        if name in ("-h", "-H", "--host") and value is not None:
            ev.host(value)
    for op in ops:
        if op.startswith("@"):
            op = op[1:]
        if "://" in op:
            ev.scan_url(op)
        elif netaddr.looks_like_hostname(op):
            ev.host(op)


def _h_openssl(ev: _Eval, call: _Call) -> None:
    """openssl subcommands use single-dash long options (`-in`, `-out`, `-connect`)."""
    args = call.argv[1:]
    st = call.st
    reads = {"-in", "-inkey", "-key", "-cert", "-certfile", "-CAfile", "-CApath", "-config",
             "-signkey", "-kfile", "-rand", "-sign", "-verify", "-prverify", "-keyfile",
             "-recip", "-signer", "-chain", "-inform_file"}
    writes = {"-out", "-keyout", "-pubout_file", "-sess_out", "-msgfile"}
    for index, arg in enumerate(args[:-1]):
        value = args[index + 1]
        if arg in reads:
            ev.path(value, st)
        elif arg in writes:
            ev.path(value, st, write=True)
        elif arg in ("-connect", "-proxy", "-host"):
            ev.host(_ssh_host(value))
        elif arg in ("-pass", "-passin", "-passout") and value.startswith("file:"):
            ev.path(value[5:], st)


def _h_make(ev: _Eval, call: _Call) -> None:
    """make runs the recipes of its makefile: a makefile from a stream is piped code."""
    opts, _ops = _getopt(call.argv[1:], _names(
        "-f --file --makefile -C --directory -I --include-dir -j --jobs -l --load-average "
        "-o --old-file --assume-old -W --what-if --new-file --assume-new --eval"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-f", "--file", "--makefile"):
            ev.script_operand(value, call, shell=False)
        elif name in ("-C", "--directory"):
            st = _chdir(ev, st.copy(), value)
        elif name == "--eval":
            ev.reason(R_INLINE_CODE)


# --- the tables -------------------------------------------------------------------------------

_HANDLERS: dict = {name: _files(spec) for name, spec in _SPECS.items()}
_HANDLERS.update({
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
    "yarn": _h_run_subcommand, "bun": _h_interpreter, "direnv": _h_run_subcommand,
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
    "eval": _h_eval, "source": _h_source, ".": _h_source, "trap": _h_trap,
    "alias": _h_alias, "hash": _h_hash, "cd": _h_cd, "pushd": _h_cd, "popd": _h_cd,
    "read": _h_read, "mapfile": _h_read, "readarray": _h_read, "printf": _h_printf,
    "unset": _h_unset, "set": _h_set, "shift": _h_shift, "getopts": _h_getopts,
    "test": _h_test, "[": _h_test, "dd": _h_dd, "tee": _h_tee, "install": _h_install,
    "mknod": _h_mknod, "chattr": _h_chattr, "sed": _h_sed, "gsed": _h_sed, "awk": _h_awk,
    "gawk": _h_awk, "mawk": _h_awk, "nawk": _h_awk, "busybox-awk": _h_awk, "jq": _h_jq,
    "gojq": _h_jq, "yq": _h_jq, "jaq": _h_jq, "find": _h_find, "gfind": _h_find,
    "fd": _h_fd, "fdfind": _h_fd, "tar": _h_tar, "gtar": _h_tar, "bsdtar": _h_tar,
    "zip": _h_zip, "unzip": _h_unzip, "git": _h_git, "pip": _h_pip, "pipx": _h_pip,
    "curl": _h_curl, "wget": _h_wget, "wget2": _h_wget, "http": _h_httpie,
    "https": _h_httpie, "xh": _h_httpie, "xhs": _h_httpie, "nc": _h_netcat,
    "ncat": _h_netcat, "netcat": _h_netcat, "socat": _h_socat, "ssh": _h_ssh,
    "mosh": _h_ssh, "autossh": _h_ssh, "scp": _h_scp, "sftp": _h_scp, "rsync": _h_rsync,
    "pwsh": _h_pwsh, "powershell": _h_pwsh, "openssl": _h_openssl, "make": _h_make,
    "gmake": _h_make,
})
for _name in _names("gzip gunzip bzip2 bunzip2 xz unxz lzma unlzma zstd unzstd lz4 compress "
                    "uncompress pigz pbzip2 brotli"):
    _HANDLERS[_name] = _h_compress
for _name in _names("vi vim nvim vimdiff nano pico emacs ed ex micro joe jed kak hx"):
    _HANDLERS[_name] = _h_editor
for _name in _names("ping ping6 traceroute traceroute6 tracepath mtr dig nslookup host whois "
                    "telnet ftp tftp lftp nmap arping fping hping3 mysql mariadb psql redis-cli "
                    "mongo mongosh ldapsearch smbclient"):
    _HANDLERS[_name] = _h_hosts
_FAMILY_HANDLERS: dict = {name: _h_shell for name in _SHELLS}
_FAMILY_HANDLERS.update({name: _h_interpreter for name in _LANGS})
_FAMILY_HANDLERS.update({"pip": _h_pip, "pypy": _h_interpreter})


# ========================================================================================
# Entry point
# ========================================================================================

_MARKER_SCRUB = {ord(m): "\ufffd" for m in _MARKERS}


def analyze(command: str, cwd: str, home: str,
            env: Mapping[str, str] | None = None) -> Analysis:
    """Analyse a Bash command line run in `cwd` (resolved) by a user whose home is
    `home`; `env` is the environment it runs with (default: this process's)."""
    out = Analysis()
    ctx = _Ctx()
    ctx.reasons = out.reasons
    text = command if isinstance(command, str) else ""
    if len(text) > MAX_INPUT:
        text = text[:MAX_INPUT]
        ctx.reason(R_TOO_LARGE)
    if "\x00" in text:
        # Bash cannot receive a NUL in a command string; what runs is unclear.
        text = text.replace("\x00", "")
        ctx.reason(R_NUL)
    if any(m in text for m in _MARKERS):
        text = text.translate(_MARKER_SCRUB)
    evaluator = _Eval(ctx, out, os.environ if env is None else env, home)
    try:
        node = _Parser(text, ctx).parse_script()
        evaluator.run(node, _State(cwd), None)
    except _Abort as stop:
        ctx.reason(stop.reason)
    except RecursionError:
        ctx.reason(R_TOO_DEEP)
    return out
