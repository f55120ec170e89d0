"""A tokenizer for the languages that are not parsed for real: strings (with their
interpolations), identifiers (NFKC-normalised, as Python does; a name that only becomes
`eval` after normalisation is noted), numbers, operators, commands in backquotes, and the
line ends that end statements.

    token      := (kind, value)
    kind       := ID | STR | NUM | OP | CMD | NL
    STR, CMD   value: a list of parts, each a literal `str` or ("x", code) for an
               interpolated expression (`${e}`, `#{e}`, `$(e)`, `{$e}`) or ("v", name) for an
               interpolated variable (`$name`, `@name`, `$ENV{HOME}`, `$env:HOME`)

One lexical table per language (`LEXICON`) says which quotes, comments, here-documents,
sigils and quote-like operators it has. The scan is linear: strings and comments are
skipped with `str.find`, and an unterminated one runs to the end of the text (what the
language itself would do, or a syntax error, where nothing runs). Regular expression
literals are recognised where an operand may start, so that a quote inside `/'/` does not
start a string.
"""

from __future__ import annotations

from .report import Budget

ID, STR, NUM, OP, CMD, NL = "id", "str", "num", "op", "cmd", "nl"

_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENT = _IDENT_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
_NUMBER = frozenset("0123456789abcdefABCDEFxXoObB_.")
_SPACE = frozenset(" \t\r\f\v")
_OPERATORS3 = frozenset({"===", "!==", "...", "<=>", "**=", "<<=", ">>=", ">>>", "||=",
                         "&&=", "??="})
_OPERATORS2 = frozenset({"==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=",
                         "/=", ".=", "->", "=>", "::", "..", "|&", "<<", ">>", "=~", "!~",
                         "?.", ":=", "**", "//", "??"})
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_MULTI_FIRST = frozenset(op[0] for op in _OPERATORS2 | _OPERATORS3)


class Lexicon:
    """What one language's source looks like."""

    __slots__ = ("block", "cmd_quote", "dollar_words", "here_docs", "interp_quotes",
                 "line_comments", "long_brackets", "name", "percent_quotes", "perl_quotes",
                 "plain_quotes", "regex", "sigils", "word_chars")

    def __init__(self, name: str, *, plain_quotes: str = "'\"", interp_quotes: str = "",
                 cmd_quote: str = "", line_comments: tuple = (), block: tuple = (),
                 regex: bool = False, sigils: str = "", here_docs: str = "",
                 perl_quotes: bool = False, percent_quotes: bool = False,
                 long_brackets: bool = False, dollar_words: bool = False,
                 word_chars: str = "") -> None:
        self.name = name
        self.plain_quotes = plain_quotes          # no interpolation
        self.interp_quotes = interp_quotes        # interpolating quotes
        self.cmd_quote = cmd_quote                # a command in these quotes
        self.line_comments = line_comments
        self.block = block                        # ((start, end), ...)
        self.regex = regex
        self.sigils = sigils                      # characters that start a variable name
        self.here_docs = here_docs                # "<<" (perl, ruby), "<<<" (php)
        self.perl_quotes = perl_quotes            # q qq qx qw m s tr y qr
        self.percent_quotes = percent_quotes      # ruby %q %Q %x %w %r ...
        self.long_brackets = long_brackets        # lua [[...]]
        self.dollar_words = dollar_words          # powershell: $env:NAME, bare words
        self.word_chars = frozenset(word_chars)   # extra characters inside a bare word


LEXICON = {
    "javascript": Lexicon("javascript", plain_quotes="'\"", interp_quotes="`",
                          line_comments=("//",), block=(("/*", "*/"),), regex=True,
                          sigils="$"),
    "perl": Lexicon("perl", plain_quotes="'", interp_quotes='"', cmd_quote="`",
                    line_comments=("#",), regex=True, sigils="$@%", here_docs="<<",
                    perl_quotes=True),
    "ruby": Lexicon("ruby", plain_quotes="'", interp_quotes='"', cmd_quote="`",
                    line_comments=("#",), block=(("=begin", "=end"),), regex=True,
                    sigils="@$", here_docs="<<", percent_quotes=True),
    "php": Lexicon("php", plain_quotes="'", interp_quotes='"', cmd_quote="`",
                   line_comments=("//", "#"), block=(("/*", "*/"),), sigils="$",
                   here_docs="<<<"),
    "lua": Lexicon("lua", plain_quotes="'\"", line_comments=("--",),
                   block=(("--[[", "]]"),), long_brackets=True),
    "awk": Lexicon("awk", plain_quotes='"', line_comments=("#",), regex=True, sigils="$"),
    "powershell": Lexicon("powershell", plain_quotes="'", interp_quotes='"',
                          line_comments=("#",), block=(("<#", "#>"),), sigils="$",
                          dollar_words=True, word_chars="-.\\/:"),
    "applescript": Lexicon("applescript", plain_quotes='"', line_comments=("--", "#"),
                           block=(("(*", "*)"),)),
    "rust": Lexicon("rust", plain_quotes='"', line_comments=("//",), block=(("/*", "*/"),)),
    "go": Lexicon("go", plain_quotes='"`', line_comments=("//",), block=(("/*", "*/"),)),
    "python": Lexicon("python", plain_quotes="'\"", line_comments=("#",)),
}


class Tokenizer:
    """Turns source text into tokens (see the module docstring)."""

    def __init__(self, lexicon: Lexicon, src: str, limit: int, budget: Budget | None = None
                 ) -> None:
        self.lex = lexicon
        self.src = src
        self.budget = budget if budget is not None else Budget()
        self.budget.scan(len(src))
        self.n = len(src)
        self.limit = limit
        self.tokens: list[tuple] = []
        self.renamed = False  # an identifier changed under NFKC normalisation
        self.pending_heredocs: list[tuple] = []
        # Characters that bracket matching (interpolations, quote-like operators) may still
        # scan: unbalanced brackets repeated would otherwise cost quadratic time.
        self.scan_budget = 4 * len(src) + 4096

    # --- helpers --------------------------------------------------------------------------
    def interpolated(self, body: str) -> list:
        """The parts of text that interpolates (a here-document, `qq{}`, `%Q()`)."""
        return Tokenizer(self.lex, body, self.limit, self.budget).scan_quoted(0, "\x00",
                                                                               True)[0]

    def emit(self, kind: str, value) -> None:
        tokens = self.tokens
        tokens.append((kind, value))
        if len(tokens) > self.limit:
            raise OverflowError("too many tokens")

    def operand_allowed(self) -> bool:
        """Whether an operand (a regex literal) may start here."""
        if not self.tokens:
            return True
        kind, value = self.tokens[-1]
        if kind == OP:
            return value not in (")", "]", "}")
        if kind == ID:
            return value in ("return", "typeof", "split", "grep", "map", "and", "or", "not",
                             "if", "unless", "when", "case", "in", "of", "yield", "print")
        return kind == NL

    def scan_quoted(self, pos: int, close: str, interpolate: bool,
                    escapes: bool = True) -> tuple[list, int]:
        """A quoted string from `pos` (after the opening quote) to `close`; (parts, end)."""
        src = self.src
        lex = self.lex
        parts: list = []
        buf: list[str] = []
        i = pos
        n = self.n
        while i < n:
            char = src[i]
            if char == close:
                if lex.name == "powershell" and close == "'" and src.startswith("''", i):
                    buf.append("'")
                    i += 2
                    continue
                break
            if escapes and char == "\\" and lex.name != "powershell" and i + 1 < n:
                buf.append(_unescape(src[i + 1]))
                i += 2
                continue
            if escapes and char == "`" and lex.name == "powershell" and i + 1 < n:
                buf.append(_unescape(src[i + 1]))
                i += 2
                continue
            if interpolate:
                found = self.interpolation(i)
                if found is not None:
                    part, end = found
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    parts.append(part)
                    i = end
                    continue
            buf.append(char)
            i += 1
        if buf:
            parts.append("".join(buf))
        return parts, min(i + 1, n)

    def balanced(self, start: int, opener: str, closer: str) -> int:
        """`_balanced`, within this tokenizer's scan budget (past it: the end)."""
        if self.scan_budget <= 0:
            return self.n
        end = _balanced(self.src, start, opener, closer)
        self.scan_budget -= end - start
        self.budget.scan(end - start)
        return end

    def interpolation(self, i: int) -> tuple | None:
        """An interpolated expression or variable starting at `i`: (part, end) or None."""
        src = self.src
        name = self.lex.name
        char = src[i]
        nxt = src[i + 1] if i + 1 < self.n else ""
        if char == "$" and nxt == "{" and name in ("javascript", "perl", "php",
                                                   "powershell"):
            end = self.balanced(i + 1, "{", "}")
            return ("x", src[i + 2:end - 1]), end
        if char == "#" and nxt == "{" and name == "ruby":
            end = self.balanced(i + 1, "{", "}")
            return ("x", src[i + 2:end - 1]), end
        if char == "$" and nxt == "(" and name == "powershell":
            end = self.balanced(i + 1, "(", ")")
            return ("x", src[i + 2:end - 1]), end
        if char == "{" and nxt == "$" and name == "php":
            end = self.balanced(i, "{", "}")
            return ("x", src[i + 1:end - 1]), end
        if char in "$@" and name in ("perl", "php", "powershell") and (
                nxt in _IDENT_START or (not nxt.isascii() and nxt.isalpha())):
            if char == "@" and name != "perl":
                return None
            j = i + 1
            while j < self.n and (src[j] in _IDENT or (src[j] == ":" and name == "powershell"
                                  and src[i + 1:j].lower() == "env")):
                j += 1
            var = src[i:j]
            if name == "perl" and j < self.n and src[j] == "{":
                end = self.balanced(j, "{", "}")
                return ("v", var + src[j:end]), end
            if name == "perl" and src.startswith("->{", j):
                end = self.balanced(j + 2, "{", "}")
                return ("v", var), end
            return ("v", var), j
        return None

    # --- the scan --------------------------------------------------------------------------
    def run(self) -> list[tuple]:
        src = self.src
        n = self.n
        lex = self.lex
        i = 0
        special = _special_starts(lex)
        perl_quotes = lex.perl_quotes
        word_chars = lex.word_chars
        append = self.tokens.append
        limit = self.limit
        while i < n:
            if len(self.tokens) > limit:
                raise OverflowError("too many tokens")
            char = src[i]
            if char in _SPACE:
                i += 1
                continue
            if char == "\n":
                if self.pending_heredocs:
                    i = self.read_heredocs(i + 1)
                else:
                    i += 1
                self.emit(NL, "\n")
                continue
            if char in special:
                end = self.comment(i)
                if end is None:
                    end = self.string(i)
                if end is not None:
                    i = end
                    continue
            if char in _IDENT_START and not perl_quotes and char != "r":
                j = i + 1  # the common case, inline: a plain identifier
                while j < n and src[j] in _IDENT:
                    j += 1
                if j >= n or not (src[j] in word_chars or not src[j].isascii()):
                    append((ID, src[i:j]))
                    i = j
                    continue
            if char in _IDENT_START or char in lex.sigils or (not char.isascii()
                                                              and char.isalpha()) or (
                    lex.dollar_words and char == "-" and i + 1 < n and src[i + 1].isalpha()):
                i = self.identifier(i)
                continue
            if char in _DIGITS:
                j = i + 1
                while j < n and src[j] in _NUMBER:
                    j += 1
                text = src[i:j].replace("_", "")
                try:
                    self.emit(NUM, int(text, 0))
                except ValueError:
                    self.emit(NUM, None)
                i = j
                continue
            if char not in _MULTI_FIRST and not (char == "%" and lex.percent_quotes):
                append((OP, char))  # the common case, inline: a one-character operator
                i += 1
                continue
            i = self.operator(i)
        return self.tokens

    def comment(self, i: int) -> int | None:
        src = self.src
        lex = self.lex
        for start, end in lex.block:
            if src.startswith(start, i) and (start != "=begin" or i == 0
                                             or src[i - 1] == "\n"):
                close = src.find(end, i + len(start))
                return self.n if close < 0 else close + len(end)
        for marker in lex.line_comments:
            if src.startswith(marker, i):
                if marker == "#" and lex.name == "perl" and i and src[i - 1] == "$":
                    return None  # `$#array`
                close = src.find("\n", i)
                return self.n if close < 0 else close
        return None

    def string(self, i: int) -> int | None:
        src = self.src
        lex = self.lex
        char = src[i]
        if char in lex.plain_quotes:
            if lex.name == "rust" and char == "'":
                return None
            raw = lex.name == "go" and char == "`"
            parts, end = self.scan_quoted(i + 1, char, False, escapes=not raw and not (
                lex.name in ("perl", "ruby", "php", "powershell") and char == "'"))
            self.emit(STR, parts)
            return end
        if char in lex.interp_quotes:
            parts, end = self.scan_quoted(i + 1, char, True)
            self.emit(STR, parts)
            return end
        if char and char == lex.cmd_quote:
            parts, end = self.scan_quoted(i + 1, char, True)
            self.emit(CMD, parts)
            return end
        if lex.name == "powershell" and char == "@" and src.startswith(("@'\n", '@"\n',
                                                                       "@'\r\n", '@"\r\n'),
                                                                      i):
            quote = src[i + 1]
            close = src.find("\n" + quote + "@", i + 2)
            body = src[i + 3:close if close >= 0 else self.n]
            if quote == '"':
                parts = self.interpolated(body)
            else:
                parts = [body]
            self.emit(STR, parts)
            return self.n if close < 0 else close + 3
        if lex.long_brackets and char == "[" and i + 1 < self.n and src[i + 1] in "[=":
            j = i + 1
            while j < self.n and src[j] == "=":
                j += 1
            if j < self.n and src[j] == "[":
                close_marker = "]" + "=" * (j - i - 1) + "]"
                close = src.find(close_marker, j + 1)
                body = src[j + 1:close if close >= 0 else self.n]
                self.emit(STR, [body.lstrip("\n")] if body else [])
                return self.n if close < 0 else close + len(close_marker)
        if lex.regex and char == "/" and self.operand_allowed():
            return self.regex_literal(i)
        if lex.here_docs and src.startswith(lex.here_docs, i):
            return self.heredoc_start(i)
        if lex.name == "rust" and char == "r" and src.startswith(('r"', 'r#'), i):
            return self.rust_raw(i)
        return None

    def regex_literal(self, i: int) -> int:
        src = self.src
        j = i + 1
        in_class = False
        while j < self.n:
            char = src[j]
            if char == "\\":
                j += 2
                continue
            if char == "\n":
                break
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                break
            j += 1
        j += 1
        while j < self.n and src[j] in _IDENT:
            j += 1  # flags
        self.emit(OP, "regex")
        return j

    def rust_raw(self, i: int) -> int | None:
        src = self.src
        j = i + 1
        while j < self.n and src[j] == "#":
            j += 1
        if j >= self.n or src[j] != '"':
            return None
        close_marker = '"' + "#" * (j - i - 1)
        close = src.find(close_marker, j + 1)
        self.emit(STR, [src[j + 1:close if close >= 0 else self.n]])
        return self.n if close < 0 else close + len(close_marker)

    def heredoc_start(self, i: int) -> int | None:
        """`<<EOF`, `<<"EOF"`, `<<'EOF'`, `<<~EOF`, `<<-EOF`, `<<<EOT` (php): the body
        starts at the next line."""
        src = self.src
        j = i + len(self.lex.here_docs)
        indented = j < self.n and src[j] in "~-"
        if indented:
            j += 1
        quote = src[j] if j < self.n and src[j] in "'\"" else ""
        if quote:
            j += 1
        k = j
        while k < self.n and (src[k] in _IDENT):
            k += 1
        tag = src[j:k]
        if not tag or (not quote and not tag[0].isupper() and self.lex.name != "php"):
            return None
        if quote and k < self.n and src[k] == quote:
            k += 1
        self.pending_heredocs.append((tag, quote != "'", indented))
        self.emit(STR, [])  # filled in when the body is read
        self.pending_heredocs[-1] = (*self.pending_heredocs[-1], len(self.tokens) - 1)
        return k

    def read_heredocs(self, i: int) -> int:
        src = self.src
        for tag, interpolate, indented, index in self.pending_heredocs:
            start = i
            while i < self.n:
                end = src.find("\n", i)
                line = src[i:end if end >= 0 else self.n]
                check = line.strip() if indented or self.lex.name == "php" else line
                if check in (tag, tag + ";"):
                    body = src[start:i]
                    i = self.n if end < 0 else end + 1
                    break
                i = self.n if end < 0 else end + 1
            else:
                body = src[start:]
            if interpolate:
                parts = self.interpolated(body)
            else:
                parts = [body]
            self.tokens[index] = (STR, parts)
        self.pending_heredocs = []
        return i

    def identifier(self, i: int) -> int:
        src = self.src
        lex = self.lex
        j = i
        extra = lex.word_chars
        if src[i] in lex.sigils:
            j += 1
            nxt = src[j] if j < self.n else ""
            if lex.name == "powershell" and nxt == "{":
                end = self.balanced(j, "{", "}")
                self.emit(ID, "$" + src[j + 1:end - 1])
                return end
            if lex.name == "javascript" and (not nxt or nxt not in _IDENT):
                self.emit(ID, "$")
                return j
            starts = _IDENT if src[i] == "$" else _IDENT_START
            if not nxt or (nxt not in starts and nxt.isascii()):
                self.emit(OP, src[i])
                return j
            if lex.name == "powershell":
                extra = frozenset()
        while j < self.n:
            char = src[j]
            if (char in _IDENT or (not char.isascii() and char.isalnum())
                    or (char in extra and not src.startswith("::", j))
                    or (char == ":" and lex.name == "powershell"
                        and src[i:j].lower() == "$env")):
                j += 1
            else:
                break
        word = src[i:j]
        if lex.name == "powershell":
            word = word.rstrip(".")
            j = i + len(word) if word else j
            if word.startswith("$") and j < self.n and src[j] in "/\\":
                return self.ps_expandable_word(word, j)
        if not word.isascii():
            word = self.normalize(word)
        if lex.perl_quotes and word in _PERL_QUOTES and j < self.n:
            end = self.perl_quote(word, j)
            if end is not None:
                return end
        self.emit(ID, word)
        return max(j, i + 1)

    def ps_expandable_word(self, variable: str, j: int) -> int:
        """`$HOME/.ssh/x`: a PowerShell bare word that starts with a variable is one
        string argument."""
        src = self.src
        k = j
        while k < self.n and src[k] not in " \t\r\n;|(){},'\"":
            k += 1
        self.emit(STR, [("v", variable), src[j:k]])
        return k

    def normalize(self, word: str) -> str:
        import unicodedata

        folded = unicodedata.normalize("NFKC", word)
        if folded != word and folded.isascii():
            self.renamed = True
        return folded

    def perl_quote(self, word: str, j: int) -> int | None:
        """q(...), qq{...}, qx/.../, qw[...], m/.../, s/.../.../, tr/.../.../, qr/.../."""
        src = self.src
        k = j
        while k < self.n and src[k] in " \t":
            k += 1
        if k >= self.n or src[k] in _IDENT or src[k] in " \t\n=,;)" or (
                src[k] == "=" and src.startswith("=>", k)):
            return None
        opener = src[k]
        closer = _PAIRS.get(opener, opener)
        if opener in _PAIRS:
            end = self.balanced(k, opener, closer)
            body = src[k + 1:end - 1]
        else:
            close = src.find(closer, k + 1)
            end = self.n if close < 0 else close + 1
            body = src[k + 1:end - 1]
        if word in ("s", "tr", "y"):
            if opener in _PAIRS:
                k2 = end
                while k2 < self.n and src[k2] in " \t\n":
                    k2 += 1
                if k2 < self.n and src[k2] in _PAIRS:
                    end = self.balanced(k2, src[k2], _PAIRS[src[k2]])
            else:
                close = src.find(closer, end)
                end = self.n if close < 0 else close + 1
            while end < self.n and src[end] in _IDENT:
                end += 1
            self.emit(OP, "regex")
            return end
        if word in ("m", "qr"):
            while end < self.n and src[end] in _IDENT:
                end += 1
            self.emit(OP, "regex")
            return end
        interpolate = word in ("qq", "qx") and opener != "'"
        if interpolate:
            parts = self.interpolated(body)
        else:
            parts = [body]
        if word == "qw":
            self.emit(OP, "[")
            for item in body.split():
                self.emit(STR, [item])
                self.emit(OP, ",")
            self.emit(OP, "]")
        else:
            self.emit(CMD if word == "qx" else STR, parts)
        return end

    def operator(self, i: int) -> int:
        src = self.src
        lex = self.lex
        if lex.percent_quotes and src[i] == "%" and i + 1 < self.n:
            end = self.percent_quote(i)
            if end is not None:
                return end
        three = src[i:i + 3]
        if three in _OPERATORS3:
            self.emit(OP, three)
            return i + 3
        two = src[i:i + 2]
        if two in _OPERATORS2:
            self.emit(OP, two)
            return i + 2
        self.emit(OP, src[i])
        return i + 1

    def percent_quote(self, i: int) -> int | None:
        """Ruby's %q(...), %Q{...}, %(...), %w[...], %x(...), %r{...}."""
        src = self.src
        j = i + 1
        kind = ""
        if src[j] in "qQwWxrisI":
            kind = src[j]
            j += 1
        if j >= self.n or src[j] not in "([{<|!/^":
            return None
        if not kind and not self.operand_allowed():
            return None
        opener = src[j]
        closer = _PAIRS.get(opener, opener)
        if opener in _PAIRS:
            end = self.balanced(j, opener, closer)
        else:
            close = src.find(closer, j + 1)
            end = self.n if close < 0 else close + 1
        body = src[j + 1:end - 1]
        if kind in ("w", "W", "i", "I"):
            self.emit(OP, "[")
            for item in body.split():
                self.emit(STR, [item])
                self.emit(OP, ",")
            self.emit(OP, "]")
        elif kind == "r":
            self.emit(OP, "regex")
        else:
            interpolate = kind in ("", "Q", "x")
            if interpolate:
                parts = self.interpolated(body)
            else:
                parts = [body]
            self.emit(CMD if kind == "x" else STR, parts)
        return end


_PERL_QUOTES = frozenset({"q", "qq", "qx", "qw", "m", "s", "tr", "y", "qr"})
_SPECIAL_CACHE: dict[str, frozenset] = {}


def _special_starts(lex: Lexicon) -> frozenset:
    """The characters that may start a comment or a string in this language (everything
    else skips those checks)."""
    found = _SPECIAL_CACHE.get(lex.name)
    if found is None:
        chars = set(lex.plain_quotes + lex.interp_quotes + lex.cmd_quote)
        chars.update(start[0] for start, _end in lex.block)
        chars.update(marker[0] for marker in lex.line_comments)
        if lex.regex:
            chars.add("/")
        if lex.here_docs:
            chars.add("<")
        if lex.long_brackets:
            chars.add("[")
        if lex.name == "powershell":
            chars.add("@")
        if lex.name == "rust":
            chars.add("r")
        found = _SPECIAL_CACHE[lex.name] = frozenset(chars)
    return found


def _unescape(char: str) -> str:
    return {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "e": "\x1b", "a": "\x07"}.get(char,
                                                                                      char)


def _balanced(src: str, start: int, opener: str, closer: str) -> int:
    """The index after the `closer` matching the `opener` at `start` (quoted strings and
    backslash escapes skipped). Jumps between the characters that matter with `str.find`,
    remembering where each one next occurs, so the scan stays linear."""
    n = len(src)
    specials = [c for c in dict.fromkeys((opener, closer, "\\", "'", '"'))]
    next_at = {c: src.find(c, start) for c in specials}
    depth = 0
    i = start
    while True:
        for char in specials:
            found = next_at[char]
            if 0 <= found < i:
                next_at[char] = src.find(char, i)
        candidates = [(pos, char) for char, pos in next_at.items() if pos >= 0]
        if not candidates:
            return n
        i, char = min(candidates)
        if char == "\\":
            i += 2
            continue
        if char in "'\"" and char not in (opener, closer):
            close = src.find(char, i + 1)
            while close > 0 and src[close - 1] == "\\":
                close = src.find(char, close + 1)
            if close < 0:
                return n
            i = close + 1
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def tokenize(language: str, src: str, limit: int = 200_000,
             budget: Budget | None = None) -> tuple[list[tuple], bool]:
    """(tokens, renamed): renamed when an identifier changed under NFKC normalisation.
    Raises OverflowError past `limit` tokens, `report.Exhausted` past the budget's
    characters."""
    tokenizer = Tokenizer(LEXICON.get(language) or LEXICON["javascript"], src, limit, budget)
    return tokenizer.run(), tokenizer.renamed
