"""The Falco condition parser: text -> AST, faithful to libsinsp's `filter/parser.cpp`.

    parse(text, max_depth=100) -> Node                   a whole condition
    parse_field_or_transformer(text, start) -> (Node, end)   one output-format token
    unparse(node) -> str                                  text that parses back to `node`
    render_error(text, error) -> str                      the message with a caret under it
    char_index(text, byte_index) -> int                   a reported position as a str index

Why it is built this way
------------------------
libsinsp's parser is a hand-written recursive descent with ordered choice, prefix-matched
keywords and operators (`a.b inside` is `a.b in side`), and error messages and positions
that depend on exactly which alternative was tried last and where the cursor stood (a
first list item that fails to parse even means "empty list"). A declarative pyparsing
grammar (`Forward`, `|`, `+`) reports the failure it chooses, at the furthest location it
reached; giving libsinsp's message *and* position in all 650 vectors would take a
hand-written fail action on nearly every element. So the grammar is split in two layers:

* the **lexical productions** are named regular expressions (`Token`), declared below in
  grammar order, each named after its production in libsinsp's grammar (blanks are a
  production of their own). The lexer runs each pattern at the cursor. They used to be
  pyparsing `Regex` elements, but only their compiled pattern was ever used: pyparsing's
  per-call machinery (`try_parse`) costs 2-4 µs per attempt against 0.3-0.5 µs for the
  pattern itself, and importing pyparsing costs about 40 ms of the first hook call after a
  rules edit;
* the **phrase productions** are the methods of `_Parser`, one per production, in grammar
  order, mirroring libsinsp's functions and their order of alternatives; each docstring is
  the EBNF it implements (`/` is ordered choice; docs/falco-language.md, "Condition grammar").

Positions follow libsinsp (`parser::get_pos()`): a 0-based *byte* index (UTF-8, with
U+DC80..U+DCFF counting as the one raw byte they stand for) and 1-based line and column,
both `\\r` and `\\n` starting a new line. The `end` returned by parse_field_or_transformer is
a plain `str` index, since callers slice strings with it.

Recursion: libsinsp counts one unit of depth per call of its guarded functions (five per
level of parentheses, so the default limit of 100 allows 19 levels) and fails with
`exceeded max depth limit of N`. `_Parser` keeps the same counter, and makes sure Python's
own recursion limit leaves room for it; a RecursionError that still happens (a caller
already deep in its stack, a huge `max_depth`) is reported as the same depth error.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from itertools import accumulate

from .ast import (
    And,
    BinaryCheck,
    FieldRef,
    Identifier,
    ListValue,
    Node,
    Not,
    Or,
    Pos,
    Transformer,
    TransformerList,
    UnaryCheck,
    Value,
)
from .errors import ParseError
from .escaping import EscapeError, quote_str, unescape_str

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = ["char_index", "parse", "parse_field_or_transformer", "render_error", "unparse"]

DEFAULT_MAX_DEPTH = 100  # libsinsp's default; Falco's rule loader sets 1000

# --------------------------------------------------------------------------------------
# Lexical productions (docs/falco-language.md, "Condition grammar"), in grammar order.
# `space` inside the patterns is POSIX [:space:] (SP HT LF VT FF CR), which is not the same
# set as a `blank`.


class Token:
    """A lexical production: a named regular expression matched at the cursor, blanks and
    all (`re`, the compiled pattern)."""

    __slots__ = ("name", "re")

    def __init__(self, name: str, pattern: str) -> None:
        self.name = name
        self.re = re.compile(pattern)

    def __repr__(self) -> str:
        return f"Token({self.name!r})"


def _token(name: str, pattern: str) -> Token:
    return Token(name, pattern)


# libsinsp writes names as `[a-zA-Z]+[a-zA-Z0-9_]*`; `[a-zA-Z][a-zA-Z0-9_]*` is the same
# language without the ambiguity that makes a backtracking engine quadratic on a long
# run of letters with no dot after it.
_NAME = r"[a-zA-Z][a-zA-Z0-9_]*"
# A quoted string ends at the first delimiter whose preceding raw character is not a
# backslash (so `"x\\"` never ends), and never runs past a NUL (libsinsp reads C strings).
_DOUBLE_QUOTED = r'"(?:[^"\x00]|(?<=\\)")*(?<!\\)"'
_SINGLE_QUOTED = r"'(?:[^'\x00]|(?<=\\)')*(?<!\\)'"

BLANK = _token("blank", r"[ \t\n\r\x08]+")  # SP HT LF CR BS; not FF, not VT
NOT_BLANK = _token("not-blank", r"not[ \t\n\x0b\x0c\r]+")
IDENTIFIER = _token("identifier", _NAME)
FIELD_NAME = _token("field-name", rf"{_NAME}(?:\.{_NAME})+")
FIELD_ARG_BARE = _token("field-arg-bare", r"""[^\]\["' \t\n\x0b\x0c\r]+""")
HEX_NUMBER = _token("hex-number", r"0[xX][0-9a-fA-F]+")
NUMBER = _token("number", r"[+\-]?[0-9]+\.?[0-9]*(?:[eE][+\-][0-9]+)?")
BARE_STRING = _token("bare-string", r"""[^()"' \t\n\x0b\x0c\r=,]+""")
QUOTED_STRING = _token("quoted-string", f"{_DOUBLE_QUOTED}|{_SINGLE_QUOTED}")
UNARY_OP = _token("unary-op", r"exists")
NUM_OP = _token("num-op", r"<=|<|>=|>")
# Word operators need a blank after them; the blank is left for the value to skip.
STR_OP = _token("str-op", r"==|=|!=|(?:glob|iglob|contains|icontains|bcontains|startswith"
                          r"|bstartswith|endswith|regex)(?=[ \t\n\r\x08])")
LIST_OP = _token("list-op", r"intersects|in|pmatch")
MODIFIER = _token("modifier", r"oneof|anyof|allof")
TRANSFORMER = _token("transformer-name",
                     r"(?:tolower|toupper|b64|basename|len|join|concat|getopt)\(")
VAL = _token("val", r"val\(")

_BLANK_CHARS = frozenset(" \t\n\r\b")
_CONJUNCTIONS = frozenset({"and", "or", "not"})

# The operator and transformer lists libsinsp prints in its messages, in its order.
_OPERATORS = ("exists", "<=", "<", ">=", ">", "==", "=", "!=", "glob", "iglob", "contains",
              "icontains", "bcontains", "startswith", "bstartswith", "endswith", "regex",
              "intersects", "in", "pmatch")
_TRANSFORMERS = ("val", "tolower", "toupper", "b64", "basename", "len", "join", "concat",
                 "getopt")


def _quoted_list(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


_WITH_TRANSFORMER = "a field with a valid transformer: " + _quoted_list(_TRANSFORMERS)
MSG_EMPTY = "filter input string is empty"
MSG_BAD_OPERATOR = "expected a valid check operator: one of " + _quoted_list(_OPERATORS)
MSG_BAD_NUMBER = "expected a number value or " + _WITH_TRANSFORMER
MSG_BAD_STRING = "expected a string value or " + _WITH_TRANSFORMER
MSG_BAD_LIST = "expected a list, an identifier, or " + _WITH_TRANSFORMER
MSG_BAD_CHECK = "expected a '(' token, a field check, or an identifier"
MSG_BAD_FIELD_ARG = "expected a valid field argument: a quoted string or a bare string"
MSG_BAD_TRANSFORMER_ARG = ("expected field transformer argument: field, transformer, "
                           "quoted string, number, or transformer list")
MSG_BAD_TRANSFORMER_LIST_ARG = ("expected transformer list argument: field, transformer, "
                                "quoted string, or number")
MSG_UNCLOSED_TRANSFORMER = "expected a ')' token closing the transformer"


# --------------------------------------------------------------------------------------
# Positions


def _char_bytes(char: str) -> int:
    """UTF-8 length of one character; U+DC80..U+DCFF stand for one raw byte each."""
    if char < "\x80":
        return 1
    if char < "\u0800":
        return 2
    if char < "\U00010000":
        return 1 if "\udc80" <= char <= "\udcff" else 3
    return 4


def _byte_len(text: str) -> int:
    return len(text) if text.isascii() else sum(map(_char_bytes, text))


def char_index(text: str, byte_index: int) -> int:
    """The `str` index in `text` of a byte offset the parser reported (`ParseError.index`,
    `Pos.idx`), for slicing; the two differ once the text has non-ASCII characters."""
    if text.isascii():
        return min(byte_index, len(text))
    consumed = 0
    for index, char in enumerate(text):
        if consumed >= byte_index:
            return index
        consumed += _char_bytes(char)
    return len(text)


def _line_breaks(text: str) -> list[int]:
    """The indexes of every \r and \n in `text`, in order (found by `str.find`: a loop over
    every character cost a few ms of each rules compile)."""
    breaks: list[int] = []
    for char in "\r\n":
        at = text.find(char)
        while at >= 0:
            breaks.append(at)
            at = text.find(char, at + 1)
    if "\r" in text and "\n" in text:
        breaks.sort()
    return breaks


class _Positions:
    """Maps `str` indexes of one text to libsinsp positions (byte index, line, column).
    The tables are built on first use, once per text."""

    __slots__ = ("_breaks", "_offsets", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._breaks: list[int] | None = None   # indexes of \r and \n
        self._offsets: list[int] | None = None  # byte offset of each index (non-ASCII only)

    def at(self, index: int) -> Pos:
        text, breaks, offsets = self._text, self._breaks, self._offsets
        if breaks is None:
            breaks = self._breaks = _line_breaks(text)
            if not text.isascii():
                offsets = self._offsets = list(accumulate(map(_char_bytes, text), initial=0))
        before = bisect_right(breaks, index - 1) if breaks else 0
        line_start = breaks[before - 1] + 1 if before else 0
        if offsets is None:
            return Pos(index, before + 1, index - line_start + 1)
        return Pos(offsets[index], before + 1, offsets[index] - offsets[line_start] + 1)


# --------------------------------------------------------------------------------------
# Phrase productions


class _Parser:
    """libsinsp's parser state: the text, a cursor, the last token read, the depth counter.

    Each lexing method tries one production at the cursor; on success it moves the cursor
    past it, records the token (libsinsp's `m_last_token`, which the "unexpected token
    after" message quotes) and returns True. Blanks never become the last token.
    """

    __slots__ = ("depth", "last", "max_depth", "pos", "positions", "text")

    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.pos = 0
        self.last = ""
        self.depth = 0
        self.max_depth = max_depth
        self.positions = _Positions(text)

    # ---- lexer ----------------------------------------------------------------------

    def blank(self) -> bool:
        """Blank* (returns whether there was at least one)."""
        pos = self.pos
        if pos < len(self.text) and self.text[pos] in _BLANK_CHARS:
            self.pos = BLANK.re.match(self.text, pos).end()
            return True
        return False

    def literal(self, word: str) -> bool:
        """A fixed string, matched as a prefix (`or` matches the start of `orb`)."""
        if self.text.startswith(word, self.pos):
            self.pos += len(word)
            self.last = word
            return True
        return False

    def lex(self, token: Token) -> bool:
        """One lexical production, longest match at the cursor."""
        match = token.re.match(self.text, self.pos)
        if match is None:
            return False
        self.last = match.group()
        self.pos = match.end()
        return True

    def quoted(self) -> bool:
        """QuotedStr: read a quoted string and unescape it (the token is the value)."""
        text, pos = self.text, self.pos
        if pos >= len(text) or text[pos] not in "\"'":
            return False
        match = QUOTED_STRING.re.match(text, pos)
        if match is None:
            # Unterminated: libsinsp gives up with the cursor back on the quote, but leaves
            # what it read in its last token.
            nul = text.find("\0", pos)
            self.last = text[pos:nul if nul >= 0 else len(text)]
            return False
        self.pos = match.end()
        try:
            self.last = unescape_str(match.group())
        except EscapeError as error:
            self.fail(error.message)
        return True

    # ---- bookkeeping ----------------------------------------------------------------

    def here(self) -> Pos:
        """The cursor's position, for the node that starts here."""
        return self.positions.at(self.pos)

    def at(self, index: int) -> Pos:
        return self.positions.at(index)

    def fail(self, message: str) -> NoReturn:
        """Raise libsinsp's error `message` at the cursor."""
        pos = self.positions.at(self.pos)
        raise ParseError(message, pos.idx, pos.line, pos.col)

    def enter(self) -> None:
        """libsinsp's depth_guard: one unit of depth per guarded production."""
        self.depth += 1
        if self.depth >= self.max_depth:
            self.fail(f"exceeded max depth limit of {self.max_depth}")

    # ---- conditions -----------------------------------------------------------------

    def parse_or(self) -> Node:
        """OrExpr ::= Blank* AndExpr Blank* ( "or" ( Blank+ AndExpr / "(" Embedded ) Blank* )*"""
        self.enter()
        start = self.pos
        self.blank()
        children = [self.parse_and()]
        self.blank()
        while self.literal("or"):
            if self.blank():
                children.append(self.parse_and())
            elif self.literal("("):
                children.append(self.parse_embedded())
            else:
                self.fail("expected blank or '(' after 'or'")
            self.blank()
        self.depth -= 1
        return children[0] if len(children) == 1 else Or(tuple(children), self.at(start))

    def parse_and(self) -> Node:
        """AndExpr ::= Blank* NotExpr Blank* ( "and" ( Blank+ NotExpr / "(" Embedded ) Blank* )*"""
        self.enter()
        start = self.pos
        self.blank()
        children = [self.parse_not()]
        self.blank()
        while self.literal("and"):
            if self.blank():
                children.append(self.parse_not())
            elif self.literal("("):
                children.append(self.parse_embedded())
            else:
                self.fail("expected blank or '(' after 'and'")
            self.blank()
        self.depth -= 1
        return children[0] if len(children) == 1 else And(tuple(children), self.at(start))

    def parse_not(self) -> Node:
        """NotExpr ::= Blank* NotBlank* ( "not(" Embedded / Check )

        Only the parity of the `not`s counts: `not not a` is `a`.
        """
        self.enter()
        start = self.pos
        self.blank()
        negate = False
        while self.lex(NOT_BLANK):
            negate = not negate
        if self.literal("not("):
            negate = not negate
            child = self.parse_embedded()
        else:
            child = self.parse_check()
        self.depth -= 1
        return Not(child, self.at(start)) if negate else child

    def parse_embedded(self) -> Node:
        """Embedded ::= Blank* OrExpr Blank* ")"     (after a consumed "(")"""
        self.enter()
        self.blank()
        child = self.parse_or()
        self.blank()
        if not self.literal(")"):
            self.fail("expected a ')' token")
        self.depth -= 1
        return child

    def parse_check(self) -> Node:
        """Check ::= Blank* ( "(" Embedded
                           / Field Condition
                           / TransformerName "(" Blank* TransformerTail Condition
                           / Identifier )"""
        self.enter()
        pos = self.here()
        self.blank()
        if self.literal("("):
            node = self.parse_embedded()
        elif self.lex(FIELD_NAME):
            node = self.parse_condition(self.parse_field(self.last, pos), pos)
        elif self.lex(TRANSFORMER):
            self.blank()
            left = self.parse_transformer_tail(self.last[:-1], pos)
            node = self.parse_condition(left, pos)
        elif self.lex(IDENTIFIER):
            node = Identifier(self.last, pos)
        else:
            self.fail(MSG_BAD_CHECK)
        self.depth -= 1
        return node

    # ---- fields and transformers ----------------------------------------------------

    def parse_field(self, name: str, pos: Pos) -> FieldRef:
        """Field ::= FieldName FieldArg?      (the name is already read)"""
        self.enter()
        node = FieldRef(name, self.parse_field_arg(), pos)
        self.depth -= 1
        return node

    def parse_field_arg(self) -> str | None:
        """FieldArg ::= "[" ( QuotedStr / FieldArgBare ) "]"    (no blank before or inside)"""
        if not self.literal("["):
            return None
        if not (self.quoted() or self.lex(FIELD_ARG_BARE)):
            self.fail(MSG_BAD_FIELD_ARG)
        arg = self.last
        if not self.literal("]"):
            self.fail("expected a ']' token")
        return arg

    def parse_transformer_tail(self, name: str, pos: Pos) -> Transformer:
        """TransformerTail ::= Blank* TArg Blank* ( "," TArg Blank* )* Blank* ")" FieldArg?"""
        self.enter()
        self.blank()
        args = [self.parse_transformer_arg(self.here())]
        self.blank()
        while self.literal(","):
            args.append(self.parse_transformer_arg(self.here()))
            self.blank()
        if not self.literal(")"):
            self.fail(MSG_UNCLOSED_TRANSFORMER)
        node = Transformer(name, tuple(args), self.parse_field_arg(), pos)
        self.depth -= 1
        return node

    def parse_transformer_arg(self, pos: Pos) -> Node:
        """TArg ::= Blank* ( Number / QuotedStr / "(" TList
                           / TransformerName "(" TransformerTail / Field )"""
        self.enter()
        self.blank()
        if self.lex(HEX_NUMBER) or self.lex(NUMBER) or self.quoted():
            node: Node = Value(self.last, pos)
        elif self.literal("("):
            node = self.parse_transformer_list(pos)
        elif self.lex(TRANSFORMER):
            node = self.parse_transformer_tail(self.last[:-1], pos)
        elif self.lex(FIELD_NAME):
            node = self.parse_field(self.last, pos)
        else:
            self.fail(MSG_BAD_TRANSFORMER_ARG)
        self.depth -= 1
        return node

    def parse_transformer_list(self, pos: Pos) -> TransformerList:
        """TList ::= Blank* ( ")" / TListArg Blank* ( "," Blank* TListArg Blank* )* ")" )"""
        self.blank()
        if self.literal(")"):
            return TransformerList((), pos)
        items = [self.parse_transformer_list_arg(pos)]
        self.blank()
        while self.literal(","):
            self.blank()
            items.append(self.parse_transformer_list_arg(pos))
            self.blank()
        if not self.literal(")"):
            self.fail("expected ')'")
        return TransformerList(tuple(items), pos)

    def parse_transformer_list_arg(self, pos: Pos) -> Node:
        """TListArg ::= Field / TransformerName "(" Blank* TransformerTail / QuotedStr / Number"""
        if self.lex(FIELD_NAME):
            return self.parse_field(self.last, pos)
        if self.lex(TRANSFORMER):
            self.blank()
            return self.parse_transformer_tail(self.last[:-1], pos)
        if self.quoted() or self.lex(HEX_NUMBER) or self.lex(NUMBER):
            return Value(self.last, pos)
        self.fail(MSG_BAD_TRANSFORMER_LIST_ARG)

    # ---- the operator and its right-hand side ---------------------------------------

    def parse_condition(self, left: Node, pos: Pos) -> Node:
        """Condition ::= Blank* ( "exists" / Blank* NumOp NumRhs / Blank* StrOp StrRhs
                                  / Blank* ListOp ListRhs )"""
        self.enter()
        self.blank()
        if self.lex(UNARY_OP):
            self.depth -= 1
            return UnaryCheck(left, self.last, pos)
        if self.lex(NUM_OP):
            op = self.last
            right = self.parse_num_rhs()
        elif self.lex(STR_OP):
            op = self.last
            modifier = self.modifier()
            if modifier:
                op = f"{op} {modifier}"
                right = self.parse_list_rhs(with_transformer=False)
            else:
                right = self.parse_str_rhs()
        elif self.lex(LIST_OP):
            op = self.last
            right = self.parse_list_rhs()
        else:
            self.fail(MSG_BAD_OPERATOR)
        self.depth -= 1
        return BinaryCheck(left, op, right, pos)

    def modifier(self) -> str | None:
        """ModifiedList's guard: read `Blank+ Modifier Blank+` only if a list or a name
        follows, and that name is not a whole `and`, `or` or `not`. Otherwise read nothing:
        the modifier word is then a plain value (`proc.name == oneof`)."""
        start, last = self.pos, self.last
        if self.blank() and self.lex(MODIFIER):
            modifier = self.last
            if self.blank():
                name = IDENTIFIER.re.match(self.text, self.pos)
                if self.text.startswith("(", self.pos) or (
                        name is not None and name.group() not in _CONJUNCTIONS):
                    return modifier
        self.pos, self.last = start, last
        return None

    def parse_num_rhs(self) -> Node:
        """NumRhs ::= Blank* ( RhsTransformer / HexNumber / Number )"""
        self.enter()
        self.blank()
        pos = self.here()
        node = self.try_rhs_transformer()
        if node is None:
            if not (self.lex(HEX_NUMBER) or self.lex(NUMBER)):
                self.fail(MSG_BAD_NUMBER)
            node = Value(self.last, pos)
        self.depth -= 1
        return node

    def parse_str_rhs(self) -> Node:
        """StrRhs ::= Blank* ( RhsTransformer / QuotedStr / BareString )"""
        self.enter()
        self.blank()
        pos = self.here()
        node = self.try_rhs_transformer()
        if node is None:
            if not (self.quoted() or self.lex(BARE_STRING)):
                self.fail(MSG_BAD_STRING)
            node = Value(self.last, pos)
        self.depth -= 1
        return node

    def list_item(self) -> str:
        """ListItem ::= Blank* ( QuotedStr / BareString )

        A string value, as `parse_str_rhs` reads one without its transformers (lists are
        most of what rules parse: no node or position is made for each item)."""
        self.enter()
        self.blank()
        if not (self.quoted() or self.lex(BARE_STRING)):
            self.fail("expected a string value")
        self.depth -= 1
        return self.last

    def parse_list_rhs(self, with_transformer: bool = True) -> Node:
        """ListRhs ::= Blank* ( List / RhsTransformer / Identifier )
        List    ::= "(" Blank* ( ")" / ListItem Blank* ( "," Blank* ListItem Blank* )* ")" )

        After a modifier (ModifiedList) the transformer alternative is left out. A bare name
        is a one-value `Value`, not an `Identifier`: it is never a macro."""
        self.enter()
        self.blank()
        pos = self.here()
        if self.literal("("):
            self.blank()
            values: list[str] = []
            depth = self.depth
            try:
                # libsinsp tries a first item and takes any failure to mean "empty list".
                first = self.list_item()
            except ParseError:
                self.depth = depth
            else:
                values.append(first)
                self.blank()
                while self.literal(","):
                    values.append(self.list_item())
                    self.blank()
            if not self.literal(")"):
                self.fail("expected a ')' token")
            node: Node = ListValue(tuple(values), pos)
        else:
            node = self.try_rhs_transformer() if with_transformer else None
            if node is None:
                if not self.lex(IDENTIFIER):
                    self.fail(MSG_BAD_LIST)
                node = Value(self.last, pos)
        self.depth -= 1
        return node

    def try_rhs_transformer(self) -> Transformer | None:
        """RhsTransformer ::= "val(" Blank* Field Blank* ")" FieldArg?
                           / TransformerName "(" Blank* TransformerTail

        Returns None, having read nothing but blanks, when neither starts here."""
        self.enter()
        self.blank()
        start = self.pos
        node = None
        if self.lex(VAL):
            self.blank()
            field_pos = self.here()
            if not self.lex(FIELD_NAME):
                self.fail("expected a field within 'val' transformer")
            field = self.parse_field(self.last, field_pos)
            self.blank()
            if not self.literal(")"):
                self.fail(MSG_UNCLOSED_TRANSFORMER)
            node = Transformer("val", (field,), self.parse_field_arg(), self.at(start))
        elif self.lex(TRANSFORMER):
            self.blank()
            node = self.parse_transformer_tail(self.last[:-1], self.at(start))
        self.depth -= 1
        return node


# --------------------------------------------------------------------------------------
# Entry points


def parse(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Node:
    """Filter ::= OrExpr     (the whole text, which must not be empty)

    Raises ParseError with libsinsp's message and position.
    """
    if not text:
        raise ParseError(MSG_EMPTY, 0, 1, 1)
    parser = _Parser(text, max_depth)
    node = _guarded(parser, parser.parse_or)
    if parser.pos != len(text):
        parser.fail(f"unexpected token after '{parser.last}', expecting 'or', 'and'")
    return node


def parse_field_or_transformer(text: str, start: int = 0,
                               max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[Node, int]:
    """FieldOrTransformer ::= Field / TransformerName "(" Blank* TransformerTail

    libsinsp's entry point for output-format tokens: one field (with its `[arg]`) or one
    transformer call starting exactly at `text[start]` (no blanks skipped before it).
    Returns the node and the `str` index just after it; the rest of `text` is not looked
    at. Error positions count from the start of `text`.
    """
    if not 0 <= start <= len(text):
        raise ValueError(f"start {start} is outside the text (length {len(text)})")
    parser = _Parser(text, max_depth)
    parser.pos = start

    def field_or_transformer() -> Node:
        parser.enter()
        pos = parser.here()
        if parser.lex(FIELD_NAME):
            node: Node = parser.parse_field(parser.last, pos)
        elif parser.lex(TRANSFORMER):
            parser.blank()
            node = parser.parse_transformer_tail(parser.last[:-1], pos)
        else:
            # libsinsp's message, unbalanced quote included.
            parser.fail(f"unexpected token after '{parser.last}")
        parser.depth -= 1
        return node

    node = _guarded(parser, field_or_transformer)
    return node, parser.pos


# Python frames per unit of libsinsp depth: the guarded productions are one frame each, and
# a transformer list adds two unguarded ones between guarded ones.
_FRAMES_PER_DEPTH = 2
_FRAME_MARGIN = 200
_MAX_RECURSION_LIMIT = 10_000  # beyond this a C stack may overflow before RecursionError


def _guarded(parser: _Parser, production):
    """Run a top-level production with enough Python stack for `parser.max_depth`."""
    wanted = min(_MAX_RECURSION_LIMIT,
                 _frame_depth() + _FRAMES_PER_DEPTH * max(parser.max_depth, 0) + _FRAME_MARGIN)
    previous = sys.getrecursionlimit()
    if wanted > previous:
        sys.setrecursionlimit(wanted)
    try:
        return production()
    except RecursionError:
        parser.fail(f"exceeded max depth limit of {parser.max_depth}")
    finally:
        if wanted > previous:
            sys.setrecursionlimit(previous)


def _frame_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


# --------------------------------------------------------------------------------------
# Writing conditions back out


def unparse(node: Node) -> str:
    """Condition text that `parse` maps back to an AST equal to `node`.

    Unlike `ast.as_string` (libsinsp's lossy canonical form), values are quoted whenever
    the lexer would not read them back whole, double negations keep their parentheses, and
    a macro named `not` is parenthesised. Meant for ASTs that `parse` produced.
    """
    if isinstance(node, (And, Or)):
        word = " and " if isinstance(node, And) else " or "
        return "(" + word.join(unparse(child) for child in node.children) + ")"
    if isinstance(node, Not):
        child = unparse(node.child)
        return "not (" + child + ")" if isinstance(node.child, Not) else "not " + child
    if isinstance(node, Identifier):
        return "(not)" if node.name == "not" else node.name
    if isinstance(node, FieldRef):
        return node.name + _unparse_field_arg(node.arg)
    if isinstance(node, Transformer):
        return (node.name + "(" + ", ".join(_unparse_operand(arg) for arg in node.args) + ")"
                + _unparse_field_arg(node.arg))
    if isinstance(node, TransformerList):
        return "(" + ", ".join(_unparse_operand(item) for item in node.items) + ")"
    if isinstance(node, UnaryCheck):
        return unparse(node.left) + " " + node.op
    if isinstance(node, BinaryCheck):
        return unparse(node.left) + " " + node.op + " " + _unparse_rhs(node.op, node.right)
    if isinstance(node, ListValue):
        return "(" + ", ".join(_bare_or_quoted(value) for value in node.values) + ")"
    if isinstance(node, Value):
        return _bare_or_quoted(node.value)
    raise TypeError(f"not an AST node: {node!r}")


def _whole(token: Token, text: str) -> bool:
    """Whether the lexer would read all of `text` as `token` (greedy, as it runs)."""
    match = token.re.match(text)
    return match is not None and match.end() == len(text)


def _bare_or_quoted(value: str) -> str:
    return value if _whole(BARE_STRING, value) else quote_str(value)


def _unparse_field_arg(arg: str | None) -> str:
    if arg is None:
        return ""
    return "[" + (arg if _whole(FIELD_ARG_BARE, arg) else quote_str(arg)) + "]"


def _unparse_operand(node: Node) -> str:
    """A transformer argument or transformer list item: numbers bare, strings quoted."""
    if isinstance(node, Value):
        value = node.value
        return value if _whole(HEX_NUMBER, value) or _whole(NUMBER, value) else quote_str(value)
    return unparse(node)


def _unparse_rhs(op: str, right: Node) -> str:
    if isinstance(right, Value) and (op in ("<=", "<", ">=", ">") or " " in op
                                     or op in ("intersects", "in", "pmatch")):
        return right.value  # a number, or a list name: written exactly as it was read
    return unparse(right)


# --------------------------------------------------------------------------------------
# Showing an error


_EXCERPT_RADIUS = 60


def render_error(text: str, error: ParseError) -> str:
    """`error`'s message, then the line of `text` it points into and a caret under the
    column (long lines are cut around it), for `--check` and friends:

        expected a ')' token
          (a.b = 1
                  ^
    """
    lines = text.replace("\r", "\n").split("\n")
    line = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
    # error.column counts bytes; find the character it falls on.
    column, consumed = 0, 0
    while column < len(line) and consumed < error.column - 1:
        consumed += _byte_len(line[column])
        column += 1
    start = max(0, column - _EXCERPT_RADIUS)
    excerpt = line[start:column + _EXCERPT_RADIUS]
    shown = "".join(char if char.isprintable() or char == "\t" else "?" for char in excerpt)
    lead = "..." if start else ""
    tail = "..." if column + _EXCERPT_RADIUS < len(line) else ""
    pad = "".join("\t" if char == "\t" else " " for char in lead + shown[:column - start])
    return (f"{error.message} (line {error.line}, column {error.column})\n"
            f"  {lead}{shown}{tail}\n  {pad}^")
