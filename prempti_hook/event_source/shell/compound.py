"""The rarer constructs: compound commands (`if`, `while`/`until`, `for`/`select`, `case`,
`[[ ]]`, `(( ))`), their syntax-tree nodes and their parsing, with arithmetic text
(`$(( ))`, `$[ ]`) and array assignments (`NAME=( ... )`), as functions of the `Parser` at
the cursor.

Apart from `parser` so that a hook call whose command line has none of them (most: `ls -la`,
`git status`, `npm test`) does not load them; the parser imports this module the first
time it meets one.
"""

from __future__ import annotations

from .analysis import R_SYNTAX
from .nodes import Arithmetic, Literal, Node
from .parser import _KEYWORD_END, _literal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .nodes import Command, CommandList
    from .parser import Parser


# --- the nodes of compound commands (see `nodes`) ---------------------------------------

class IfClause(Node):
    """A condition of an `if` or `elif` and the list run when it holds.

    if_clause = ("if" | "elif") list "then" list
    """

    __slots__ = ("body", "condition")

    def __init__(self, condition: CommandList, body: CommandList) -> None:
        self.condition = condition
        self.body = body


class If(Node):
    """An `if` command: its clauses in order, then the `else` list (or None).

    if = if_clause ("elif" list "then" list)* ["else" list] "fi" redirect*
    """

    __slots__ = ("clauses", "else_body", "redirects")

    def __init__(self, clauses: list[IfClause], else_body: CommandList | None,
                 redirects: list) -> None:
        self.clauses = clauses
        self.else_body = else_body
        self.redirects = redirects


class Loop(Node):
    """A `while` or `until` loop.

    loop = ("while" | "until") list "do" list "done" redirect*
    """

    __slots__ = ("body", "condition", "redirects")

    def __init__(self, condition: CommandList, body: CommandList, redirects: list) -> None:
        self.condition = condition
        self.body = body
        self.redirects = redirects


class For(Node):
    """A `for` (or `select`) loop: `name` takes each field of `words` (None: no `in`, the
    positional parameters). An arithmetic `for ((...))` has no name and its header as the
    one word.

    for = ("for" | "select") (name ["in" word*] | "((" expression "))") [";"]
          ("do" list "done" | "{" list "}") redirect*
    """

    __slots__ = ("body", "name", "redirects", "words")

    def __init__(self, name: str, words: list | None, body: CommandList,
                 redirects: list) -> None:
        self.name = name
        self.words = words
        self.body = body
        self.redirects = redirects


class CaseItem(Node):
    """The patterns of one `case` branch and the list it runs.

    case_item = ["("] word ("|" word)* ")" list [";;" | ";&" | ";;&"]
    """

    __slots__ = ("body", "patterns")

    def __init__(self, patterns: list, body: CommandList) -> None:
        self.patterns = patterns
        self.body = body


class Case(Node):
    """A `case` command: the `subject` word matched against each item's patterns.

    case = "case" word "in" case_item* "esac" redirect*
    """

    __slots__ = ("items", "redirects", "subject")

    def __init__(self, subject: list, items: list[CaseItem], redirects: list) -> None:
        self.subject = subject
        self.items = items
        self.redirects = redirects


class Conditional(Node):
    """A conditional command; `words` are its operands and operators, unexpanded.

    conditional = "[[" word* "]]" redirect*
    """

    __slots__ = ("redirects", "words")

    def __init__(self, words: list, redirects: list) -> None:
        self.words = words
        self.redirects = redirects


class ArithmeticCommand(Node):
    """An arithmetic command; `parts` as in `Arithmetic`.

    arithmetic_command = "((" expression "))" redirect*
    """

    __slots__ = ("parts", "redirects")

    def __init__(self, parts: list, redirects: list) -> None:
        self.parts = parts
        self.redirects = redirects


# --- parsing ------------------------------------------------------------------------------

def parse_compound(p: Parser, keyword: str) -> Command:
    """The compound command that `keyword` starts (one of parser's `_COMPOUND_KEYWORDS`:
    `if`, `while`, `until`, `for`, `select`, `case`, `[[`)."""
    if keyword == "if":
        return parse_if(p)
    if keyword in ("while", "until"):
        return parse_loop(p, keyword)
    if keyword in ("for", "select"):
        return parse_for(p, len(keyword))
    if keyword == "case":
        return parse_case(p)
    return parse_cond(p)


def parse_loop(p: Parser, keyword: str) -> Loop:
    """loop = ("while" | "until") list "do" list "done" redirect*"""
    p.i += len(keyword)
    cond = p.parse_list(stops=frozenset({"do"}))
    p.take_keyword("do")
    body = p.parse_list(stops=frozenset({"done"}))
    p.take_keyword("done")
    return Loop(cond, body, p.parse_redirs())


def parse_if(p: Parser) -> If:
    """if = "if" list "then" list ("elif" list "then" list)* ["else" list] "fi" redirect*"""
    p.i += 2
    clauses = []
    else_body = None
    cond = p.parse_list(stops=frozenset({"then"}))
    p.take_keyword("then")
    body = p.parse_list(stops=frozenset({"elif", "else", "fi"}))
    clauses.append(IfClause(cond, body))
    while True:
        p.skip_separators()
        word = p.peek_keyword()
        if word == "elif":
            p.i += 4
            cond = p.parse_list(stops=frozenset({"then"}))
            p.take_keyword("then")
            body = p.parse_list(stops=frozenset({"elif", "else", "fi"}))
            clauses.append(IfClause(cond, body))
        elif word == "else":
            p.i += 4
            else_body = p.parse_list(stops=frozenset({"fi"}))
        else:
            break
    p.take_keyword("fi")
    return If(clauses, else_body, p.parse_redirs())


def parse_for(p: Parser, keyword_len: int) -> For:
    """for = ("for" | "select") (name ["in" word*] | "((" expression "))") [";"]
          ("do" list "done" | "{" list "}") redirect*"""
    p.i += keyword_len
    p.skip_blanks()
    s = p.s
    if s.startswith("((", p.i):
        p.i += 2
        parts = read_arith(p)
        if parts is None:
            p.ctx.reason(R_SYNTAX)
            parts = []
        name, words = "", [[Arithmetic(parts, False)]]
    else:
        name = _literal(p.read_word()) or ""
        words = None
        p.skip_separators()
        if p.peek_keyword() == "in":
            p.i += 2
            words = []
            while True:
                p.skip_blanks()
                if p.i >= p.n or s[p.i] in ";\n&|)":
                    break
                word = p.read_word()
                if word is None:
                    break
                words.append(word)
    p.skip_blanks()
    if p.i < p.n and s[p.i] == ";":
        p.i += 1
    p.skip_separators()
    if p.peek_keyword() == "{":
        p.i += 1
        body = p.parse_list(stops=frozenset({"}"}))
        p.take_keyword("}")
    else:
        p.take_keyword("do")
        body = p.parse_list(stops=frozenset({"done"}))
        p.take_keyword("done")
    return For(name, words, body, p.parse_redirs())


def parse_case(p: Parser) -> Case:
    """case = "case" word "in" (["("] word ("|" word)* ")" list [";;" | ";&" | ";;&"])*
              "esac" redirect*"""
    p.i += 4
    p.skip_blanks()
    subject = p.read_word() or []
    p.skip_separators()
    p.take_keyword("in")
    items = []
    s = p.s
    while True:
        p.skip_separators()
        if p.i >= p.n:
            p.ctx.reason(R_SYNTAX)
            break
        if p.peek_keyword() == "esac":
            p.i += 4
            break
        if s[p.i] == "(":
            p.i += 1
        patterns = []
        closed = False
        while p.i < p.n:
            p.skip_blanks()
            word = p.read_word()
            if word is not None:
                patterns.append(word)
            p.skip_blanks()
            if p.i < p.n and s[p.i] == "|":
                p.i += 1
                continue
            if p.i < p.n and s[p.i] == ")":
                p.i += 1
                closed = True
            break
        if not closed:
            p.ctx.reason(R_SYNTAX)
            p.i += 1
            continue
        body = p.parse_list(stops=frozenset({"esac"}), case=True)
        items.append(CaseItem(patterns, body))
        if s.startswith(";;&", p.i):
            p.i += 3
        elif s.startswith(";;", p.i) or s.startswith(";&", p.i):
            p.i += 2
    return Case(subject, items, p.parse_redirs())


def parse_cond(p: Parser) -> Conditional:
    """conditional = "[[" word* "]]" redirect*"""
    p.i += 2
    words = []
    s = p.s
    while True:
        p.skip_separators()
        if p.i >= p.n:
            p.ctx.reason(R_SYNTAX)
            break
        if s.startswith("]]", p.i) and (p.i + 2 >= p.n
                                            or s[p.i + 2] in _KEYWORD_END):
            p.i += 2
            break
        word = p.read_word()
        if word is None:
            p.i += 1
        else:
            words.append(word)
    return Conditional(words, p.parse_redirs())


def try_arith_command(p: Parser) -> ArithmeticCommand | None:
    """arithmetic_command = "((" expression "))" redirect*; None (cursor unmoved) when
    there is no matching `))`: then `((` opens nested subshells."""
    save = p.i
    p.i += 2
    parts = read_arith(p)
    if parts is None:
        p.i = save
        return None
    return ArithmeticCommand(parts, p.parse_redirs())


def read_arith(p: Parser) -> list | None:
    """Parts of an arithmetic text up to the matching `))`, or None if there is none."""
    s, n = p.s, p.n
    parts: list = []
    depth = 0
    while p.i < n:
        c = s[p.i]
        if c == "(":
            depth += 1
            p.i += 1
        elif c == ")":
            if depth == 0:
                if s.startswith("))", p.i):
                    p.i += 2
                    return parts
                return None
            depth -= 1
            p.i += 1
        elif not read_arith_expansion(p, c, parts):
            j = p.i + 1
            while j < n and s[j] not in "()$`\"\\":
                j += 1
            parts.append(Literal(s[p.i:j]))
            p.i = j
    return None


def read_arith_bracket(p: Parser) -> list:
    """Parts of the old arithmetic form `$[...]`, up to the matching `]` (consumed)."""
    s, n = p.s, p.n
    parts: list = []
    depth = 0
    while p.i < n:
        c = s[p.i]
        if c == "]" and depth == 0:
            p.i += 1
            return parts
        if not read_arith_expansion(p, c, parts):
            depth += (c == "[") - (c == "]")
            if parts and isinstance(parts[-1], Literal):
                parts[-1].text += c
            else:
                parts.append(Literal(c))
            p.i += 1
    p.ctx.reason(R_SYNTAX)
    return parts


def read_arith_expansion(p: Parser, c: str, parts: list) -> bool:
    """In arithmetic text, the expansion, double quotes or escape that `c` (the character
    at the cursor) starts, read into parts; False, with nothing read, if it starts none."""
    if c == "$":
        p.read_dollar(parts, True)
    elif c == "`":
        p.read_backtick(parts, True)
    elif c == '"':
        p.read_dquote(parts)
    elif c == "\\":
        p.i += 2
    else:
        return False
    return True


def read_array(p: Parser) -> list:
    """The words of `NAME=( ... )`; the cursor is on `(`."""
    p.i += 1
    words = []
    while True:
        p.skip_separators()
        if p.i >= p.n:
            p.ctx.reason(R_SYNTAX)
            return words
        if p.s[p.i] == ")":
            p.i += 1
            return words
        word = p.read_word()
        if word is None:
            p.i += 1
        else:
            words.append(word)
