"""Parsing: command text -> the syntax tree of `nodes`, the way bash reads it (quoting,
expansions, compound commands, here-documents).

A syntax error is recorded as a reason (`syntax_error`) and parsing goes on, so that what
can be seen is still seen. The expander and the evaluator walk the tree.
"""

from __future__ import annotations

from .analysis import R_SYNTAX
from .nodes import (
    AndOr,
    Arithmetic,
    Assignment,
    CommandList,
    CommandSubstitution,
    FunctionDef,
    Group,
    Heredoc,
    ListItem,
    Literal,
    Parameter,
    Pipeline,
    ProcessSubstitution,
    Quoted,
    Redirect,
    SimpleCommand,
    Subshell,
)
from .syntax import (
    DECLARATION_BUILTINS,
    DIGITS,
    NAME_CHARS,
    NAME_START,
    ansi_c,
    is_name,
    plain_word,
    split_assignment,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import Context
    from .nodes import Command, Redirection


_META = frozenset(" \t\n|&;()<>")
_WORD_END = frozenset(" \t\n|&;()<>\\'\"$`")
# `Parser.marks`: the text with each character of _WORD_END as a NUL (and a NUL as \x01),
# so that `str.find` finds the end of a run of plain characters at C speed.
_MARK_TABLE = dict.fromkeys(map(ord, _WORD_END), "\x00")
_MARK_TABLE[0] = "\x01"
_KEYWORD_END = frozenset(" \t\n|&;()<>")
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
# What starts a compound command (parsed by `compound.parse_compound`, loaded when met).
_COMPOUND_KEYWORDS = frozenset({"if", "while", "until", "for", "select", "case", "[["})
_CLOSERS = frozenset({"then", "do", "done", "fi", "else", "elif", "esac", "}"})
# What `skip_blanks` skips can start with only these (a blank, `\\` of a line continuation,
# `#` of a comment).
_BLANK_START = frozenset(" \t\\#")
# What a redirection can start with (`<`, `>`, `&>`, a descriptor number, `{name}`).
_REDIRECT_START = frozenset("<>&{0123456789")
_DQ_ESCAPABLE = frozenset('$`"\\\n')
_HEREDOC_ESCAPABLE = frozenset("$`\\\n")


class Parser:
    """Reads one command text into the tree above (`parse_script`); `ctx` collects the
    reasons (syntax errors) and bounds the nesting."""

    __slots__ = ("ctx", "i", "marks", "n", "peeked", "pending", "s")

    def __init__(self, text: str, ctx: Context) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.ctx = ctx
        self.pending: list[Heredoc] = []
        # (position, result) of the last `peek_keyword`: the list, the pipeline and the
        # command each look at the same word before a simple command is read.
        self.peeked: tuple = (-1, None)
        self.marks: str | None = None  # see `plain_end`

    # --- entry points -------------------------------------------------------------------
    def parse_script(self) -> CommandList:
        """The whole text: a `CommandList` (stray closers are syntax errors, skipped)."""
        node = self.parse_list()
        while self.i < self.n:  # a stray `)` or `;;` at top level
            self.ctx.reason(R_SYNTAX)
            self.i += 1
            more = self.parse_list()
            node.items.extend(more.items)
        return node

    def parse_heredoc_body(self) -> list:
        """The parts of an unquoted here-document: `$`, backquotes and `\\` are special."""
        parts: list = []
        self._read_expanding(parts, _HEREDOC_ESCAPABLE, None)
        return parts

    def _read_expanding(self, parts: list, escapable: frozenset, closing: str | None) -> bool:
        """Text in which `$`, backquotes and a backslash before `escapable` are special (a
        double-quoted string, a here-document body), up to the `closing` quote (consumed) or
        the end of the input. True when the closing quote was found."""
        s, n = self.s, self.n
        start = self.i
        count = len(parts)
        while self.i < n:
            c = s[self.i]
            if c == closing:
                self._flush(parts, start, self.i)
                if len(parts) == count:
                    parts.append(Quoted(""))  # `""` is an empty word, not no word
                self.i += 1
                return True
            if c == "\\" and self.i + 1 < n and s[self.i + 1] in escapable:
                self._flush(parts, start, self.i)
                if s[self.i + 1] != "\n":
                    parts.append(Quoted(s[self.i + 1]))
                self.i += 2
                start = self.i
            elif c == "$" or c == "`":
                self._flush(parts, start, self.i)
                if c == "$":
                    self.read_dollar(parts, True)
                else:
                    self.read_backtick(parts, True)
                start = self.i
            else:  # (the characters special here are among those of `plain_end`)
                self.i = self.plain_end(self.i + 1)
        self._flush(parts, start, self.i)
        return False

    def plain_end(self, j: int) -> int:
        """The first position from `j` on holding a character of _WORD_END (metacharacters,
        quotes, `\\`, `$`, backquotes), or the end: where a run of characters that mean
        nothing special ends. Found with `str.find` in the text's marks (made once per
        parser, when first needed) rather than character by character."""
        marks = self.marks
        if marks is None:
            marks = self.marks = self.s.translate(_MARK_TABLE)
        end = marks.find("\x00", j)
        return self.n if end < 0 else end

    def _flush(self, parts: list, start: int, end: int) -> None:
        if end > start:
            parts.append(Quoted(self.s[start:end]))

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
            delim, strip = node.delimiter, node.strip
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
            if node.quoted:
                node.parts = [Quoted(body)]
            else:
                sub = Parser(body, self.ctx)
                node.parts = sub.parse_heredoc_body()

    def peek_keyword(self) -> str | None:
        """The plain word at the cursor when it could be a reserved word, else None."""
        s, n, i = self.s, self.n, self.i
        at, word = self.peeked
        if at == i:
            return word
        j = self.plain_end(i)
        word = None if j == i or (j < n and s[j] not in _KEYWORD_END) else s[i:j]
        self.peeked = (i, word)
        return word

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
                   case: bool = False) -> CommandList:
        """list = (and_or (";" | "&" | newline))* [and_or], up to a reserved word of `stops`,
        a `)` (`paren`, `case`) or a `;;` (`case`)."""
        ctx = self.ctx
        ctx.enter()
        items: list[ListItem] = []
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
                items.append(ListItem(node, ";"))
            self.skip_blanks()
            if self.i < self.n:
                c = s[self.i]
                if c == "&" and not s.startswith("&&", self.i):
                    if items:
                        items[-1].separator = "&"
                    self.i += 1
                elif c == ";" and not (s.startswith(";;", self.i) or s.startswith(";&", self.i)):
                    self.i += 1
                elif c == "\n":
                    self.newline()
        ctx.leave()
        return CommandList(items)

    def parse_andor(self) -> Command:
        """and_or = pipeline (("&&" | "||") newline* pipeline)*"""
        first = self.parse_pipeline()
        pipes = [first]
        ops = []
        s = self.s
        n = self.n
        while True:  # (a pipeline leaves the cursor after blanks, see `parse_command`)
            i = self.i
            if i + 1 < n and s[i] in "&|" and s[i + 1] == s[i]:
                ops.append(s[i:i + 2])
                self.i = i + 2
                self.skip_separators()
                pipes.append(self.parse_pipeline())
            else:
                break
        if not ops:
            return first
        return AndOr(pipes, ops)

    def parse_pipeline(self) -> Command:
        """pipeline = ["time" ["-p"]] ["!"] command (("|" | "|&") newline* command)*"""
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
        while True:  # (a command leaves the cursor after blanks, see `parse_command`)
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
        return Pipeline(commands)

    def parse_command(self) -> Command:
        """command = simple_command | subshell | group | if | loop | for | case
                   | function_def | conditional | arithmetic_command

        Every kind of command ends with the blanks after it skipped (a simple command
        stops at a separator after blanks, the others end with `parse_redirs`): the
        pipeline and the and-or list rely on it."""
        self.skip_blanks()
        if self.i >= self.n:
            return None
        s = self.s
        ctx = self.ctx
        if s[self.i] == "(":
            if s.startswith("((", self.i):
                from .compound import try_arith_command

                node = try_arith_command(self)
                if node is not None:
                    return node
            self.i += 1
            ctx.enter()
            body = self.parse_list(paren=True)
            ctx.leave()
            self.expect_char(")")
            return Subshell(body, self.parse_redirs())
        word = self.peek_keyword()
        if word == "{":
            self.i += 1
            body = self.parse_list(stops=frozenset({"}"}))
            self.take_keyword("}")
            return Group(body, self.parse_redirs())
        if word in _COMPOUND_KEYWORDS:
            from .compound import parse_compound  # (loaded for such commands only)

            return parse_compound(self, word)
        if word == "function":
            self.i += len(word)
            self.skip_blanks()
            name = self.read_word()
            self.skip_blanks()
            self._skip_empty_parens()
            self.skip_separators()
            body = self.parse_command()
            return FunctionDef(_literal(name) or "", body)
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

    def parse_redirs(self) -> list[Redirection]:
        """redirect* (after a compound command)"""
        redirs = []
        while True:
            self.skip_blanks()
            redir = self.try_redirect()
            if redir is None:
                return redirs
            redirs.append(redir)

    def parse_simple(self) -> SimpleCommand | FunctionDef:
        """simple_command = (assignment | redirect)* (word | redirect)*, or the function
        definition `name () command` it turns out to start."""
        assigns: list[Assignment] = []
        words: list[list] = []
        redirs: list[Redirection] = []
        declaring = False  # the first word is `export`, `declare`...
        s = self.s
        while True:
            if self.i < self.n and s[self.i] in _BLANK_START:
                self.skip_blanks()
            if self.i >= self.n:
                break
            c = s[self.i]
            if c in "\n;&|)":
                break
            if c == "(":
                self.ctx.reason(R_SYNTAX)
                break
            if c in _REDIRECT_START:
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
            if not words or declaring:
                assignment = split_assignment(word)
                if assignment is not None:
                    if self.i < self.n and s[self.i] == "(" and not assignment.value:
                        assignment.value = None
                        from .compound import read_array

                        assignment.array = read_array(self)
                    if not words:
                        assigns.append(assignment)
                        continue
                    if assignment.array is not None:  # `declare -a NAME=(...)`
                        words.append([assignment])
                        continue
            words.append(word)
            if len(words) == 1:
                declaring = plain_word(word) in DECLARATION_BUILTINS
            if len(words) == 1 and not assigns and not redirs:
                self.skip_blanks()  # (the loop skips them next anyway)
                if self.i < self.n and s[self.i] == "(":
                    name = _literal(word)
                    if name and self._skip_empty_parens():
                        self.skip_separators()
                        return FunctionDef(name, self.parse_command())
        return SimpleCommand(assigns, words, redirs)

    _REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "&>>", "&>", "<", ">")

    def try_redirect(self) -> Redirection | None:
        """redirect = [number | "{" name "}"] op word | heredoc; None when the cursor is on
        none."""
        s, n = self.s, self.n
        i = self.i
        fd: int | str | None = None
        j = i
        if j < n and s[j] == "{":
            close = s.find("}", j)
            if 0 < close < j + 64 and is_name(s[j + 1:close]) and close + 1 < n \
                    and s[close + 1] in "<>":
                fd = s[j + 1:close]
                j = close + 1
        else:
            while j < n and s[j] in DIGITS:
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
            node = Heredoc(0 if fd is None else fd, any(q in raw for q in "'\"\\"), delim,
                           op == "<<-")
            if word is None:
                self.ctx.reason(R_SYNTAX)
            self.pending.append(node)
            return node
        word = self.read_word()
        if word is None:
            self.ctx.reason(R_SYNTAX)
            word = []
        return Redirect(op, fd, word)

    # --- words ----------------------------------------------------------------------------
    def read_word(self) -> list | None:
        """word = (literal | quoted | parameter | command_substitution | arithmetic
        | process_substitution)+; None when the cursor is on none."""
        s, n = self.s, self.n
        start = self.i
        parts: list = []
        while self.i < n:
            i = self.i
            c = s[i]
            if c not in _WORD_END:  # (most: a run of plain characters)
                j = self.plain_end(i + 1)
                parts.append(Literal(s[i:j]))
                self.i = j
                continue
            if c in _META:
                if i == start and c in "<>" and i + 1 < n and s[i + 1] == "(":
                    self.read_procsub(parts)
                    continue
                break
            if c == "\\":
                if i + 1 >= n:
                    parts.append(Literal("\\"))
                    self.i = n
                elif s[i + 1] == "\n":
                    self.i = i + 2
                else:
                    parts.append(Quoted(s[i + 1]))
                    self.i = i + 2
            elif c == "'":
                end = s.find("'", i + 1)
                if end < 0:
                    self.ctx.reason(R_SYNTAX)
                    end = n
                parts.append(Quoted(s[i + 1:end]))
                self.i = end + 1
            elif c == '"':
                self.read_dquote(parts)
            elif c == "$":
                self.read_dollar(parts, False)
            else:  # a backquote (every other character of _WORD_END is handled above)
                self.read_backtick(parts, False)
        if self.i == start:
            return None
        self.i = min(self.i, n)
        return parts

    def read_procsub(self, parts: list) -> None:
        """process_substitution = ("<(" | ">(") list ")" (the cursor is on `<` or `>`)"""
        direction = self.s[self.i]
        self.i += 2
        body = self.parse_list(paren=True)
        self.expect_char(")")
        parts.append(ProcessSubstitution(body, direction))

    def read_dquote(self, parts: list) -> None:
        """double_quoted = '"' (char | "\\" char | parameter | command_substitution
        | arithmetic)* '"' (quoted parts)"""
        self.i += 1
        if not self._read_expanding(parts, _DQ_ESCAPABLE, '"'):
            self.ctx.reason(R_SYNTAX)  # no closing quote

    def read_dollar(self, parts: list, quoted: bool) -> None:
        """What follows a `$`: `$'...'`, `$"..."`, `$((...))`, `$(...)`, `$[...]`,
        `${...}`, `$name`, `$1`, `$@`..., or a literal `$`."""
        s, n = self.s, self.n
        i = self.i
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "'" and not quoted:
            text, self.i = ansi_c(s, i + 2)
            if self.i > n:
                self.ctx.reason(R_SYNTAX)
                self.i = n
            parts.append(Quoted(text))
        elif nxt == '"' and not quoted:
            self.i = i + 1
            self.read_dquote(parts)
        elif nxt == "(":
            if s.startswith("((", i + 1):
                from .compound import read_arith

                self.i = i + 3
                arith = read_arith(self)
                if arith is not None:
                    parts.append(Arithmetic(arith, quoted))
                    return
            self.i = i + 2
            body = self.parse_list(paren=True)
            self.expect_char(")")
            parts.append(CommandSubstitution(body, quoted))
        elif nxt == "[":
            self.i = i + 2
            from .compound import read_arith_bracket

            parts.append(Arithmetic(read_arith_bracket(self), quoted))
        elif nxt == "{":
            self.read_brace_param(parts, quoted)
        elif nxt in NAME_START:
            j = i + 2
            while j < n and s[j] in NAME_CHARS:
                j += 1
            parts.append(Parameter(s[i + 1:j], quoted))
            self.i = j
        elif nxt in DIGITS or nxt in _SPECIAL_PARAMS:
            parts.append(Parameter(nxt, quoted))
            self.i = i + 2
        else:
            parts.append(Quoted("$") if quoted else Literal("$"))
            self.i = i + 1

    _PARAM_OPS = (":-", ":=", ":+", ":?", "-", "=", "+", "?", "##", "#", "%%", "%", "//",
                  "/#", "/%", "/", "^^", "^", ",,", ",", "@", ":")

    def read_brace_param(self, parts: list, quoted: bool) -> None:
        """parameter = "${" ["#" | "!"] name ["[" subscript "]"] [op arg ["/" replacement]] "}"
        (the cursor is on `$`)"""
        s, n = self.s, self.n
        i = self.i + 2
        length = indirect = False
        if i + 1 < n and s[i] == "#" and s[i + 1] != "}" and (
                s[i + 1] in NAME_START or s[i + 1] in DIGITS or s[i + 1] in "@*"):
            length = True
            i += 1
        elif i + 1 < n and s[i] == "!" and (s[i + 1] in NAME_START or s[i + 1] in "@*#"):
            indirect = True
            i += 1
        j = i
        if j < n and s[j] in NAME_START:
            while j < n and s[j] in NAME_CHARS:
                j += 1
        elif j < n and s[j] in DIGITS:
            while j < n and s[j] in DIGITS:
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
        arg = replacement = None
        if not name:
            self.ctx.reason(R_SYNTAX)
        elif j < n and s[j] != "}":
            op = next((o for o in self._PARAM_OPS if s.startswith(o, j)), None)
            if op is None:
                self.ctx.reason(R_SYNTAX)
            else:
                self.i = j + len(op)
                if op[0] == "/":
                    arg = self.read_brace_arg(quoted, "/")  # the pattern
                    replacement = []
                    if self.i < n and s[self.i] == "/":
                        self.i += 1
                        replacement = self.read_brace_arg(quoted, "")
                else:
                    arg = self.read_brace_arg(quoted, "")
        if self.i < n and s[self.i] == "}":
            self.i += 1
        else:
            # skip whatever we could not understand up to the closing brace
            close = s.find("}", self.i)
            self.ctx.reason(R_SYNTAX)
            self.i = n if close < 0 else close + 1
        if not (length or indirect or subscript):
            subscript = None  # `${a[]}` is `${a}`
        parts.append(Parameter(name, quoted, op, arg, replacement, length, indirect, subscript))

    def read_brace_arg(self, quoted: bool, stop: str) -> list:
        """The word after a `${name op`, up to `}` (or `stop`)."""
        s, n = self.s, self.n
        parts: list = []
        start = self.i
        while self.i < n:
            c = s[self.i]
            if c == "}" or (stop and c == stop):
                break
            if c == "\\" and self.i + 1 < n:
                self._flush_kind(parts, start, self.i, quoted)
                parts.append(Quoted(s[self.i + 1]))
                self.i += 2
                start = self.i
            elif c == "'" and not quoted:
                self._flush_kind(parts, start, self.i, quoted)
                end = s.find("'", self.i + 1)
                if end < 0:
                    self.ctx.reason(R_SYNTAX)
                    end = n
                parts.append(Quoted(s[self.i + 1:end]))
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
            text = self.s[start:end]
            parts.append(Quoted(text) if quoted else Literal(text))

    def read_backtick(self, parts: list, quoted: bool) -> None:
        """command_substitution = "`" list "`" (backslash-escapes removed first)"""
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
        sub = Parser("".join(chunks), self.ctx)
        self.ctx.enter()
        body = sub.parse_script()
        self.ctx.leave()
        parts.append(CommandSubstitution(body, quoted))


def _literal(word: list | None) -> str | None:
    """The text of a word made only of literal characters (no expansion), else None."""
    if not word:
        return None
    out = []
    for part in word:
        if not isinstance(part, (Literal, Quoted)):
            return None
        out.append(part.text)
    return "".join(out)


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
