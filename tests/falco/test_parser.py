"""The condition parser against libsinsp: sections A and B of the vectors, the depth limit,
the output-format entry point, positions, error rendering, speed-independent robustness."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from importcheck import REPO, modules_after
from vectors import cases, params

from prempti_hook.falco import parse as lazily_imported_parse
from prempti_hook.falco.ast import (
    And,
    BinaryCheck,
    FieldRef,
    Identifier,
    ListValue,
    Not,
    Or,
    Pos,
    Transformer,
    TransformerList,
    UnaryCheck,
    Value,
    as_string,
)
from prempti_hook.falco.errors import ParseError
from prempti_hook.falco.parser import (
    char_index,
    parse,
    parse_field_or_transformer,
    render_error,
    unparse,
)

PARSER_SECTIONS = ("A_parser", "B_parser_extra")


def position(error: ParseError) -> str:
    return f"{error.index}:{error.line}:{error.column}"


def check_vector(case: dict) -> None:
    if case["expect"] == "accept":
        ast = parse(case["input"])
        assert as_string(ast) == case["ast_as_string"]
        return
    with pytest.raises(ParseError) as raised:
        parse(case["input"])
    if "error" in case:
        assert raised.value.message == case["error"]
    if "error_pos_idx_line_col" in case:
        assert position(raised.value) == case["error_pos_idx_line_col"]


@pytest.mark.parametrize("case", params("A_parser"))
def test_section_a(case: dict) -> None:
    check_vector(case)


@pytest.mark.parametrize("case", params("B_parser_extra"))
def test_section_b(case: dict) -> None:
    check_vector(case)


def accepted_by_test_accept() -> list:
    """Section A's test_accept cases that libsinsp also tries with other blanks: all but
    the ones it calls with an `out_pos` argument (it then skips the variants): P0113, whose
    backslash-space escape would become backslash-newline, and parse_position_info."""
    return [pytest.param(c, id=c["id"]) for c in cases("A_parser")
            if "test_accept" in c["source"] and "parse_position_info" not in c["source"]
            and c["id"] != "P0113"]


@pytest.mark.parametrize("case", accepted_by_test_accept())
def test_section_a_accepts_other_blanks(case: dict) -> None:
    """libsinsp's test_accept: the input surrounded by spaces, then every space of that
    turned into a newline, then every newline of that into a tab, must all parse."""
    text = case["input"]
    original = parse(text)
    padded = f" {text} "
    with_newlines = padded.replace(" ", "\n")
    with_tabs = with_newlines.replace("\n", "\t")
    for variant in (padded, with_newlines, with_tabs):
        ast = parse(variant)
        if "'" not in text and '"' not in text:  # blanks inside quotes change the value
            assert ast == original


def test_vector_sections_are_complete() -> None:
    assert len(cases("A_parser")) == 545
    assert len(cases("B_parser_extra")) == 105


# ---- AST shapes (what libsinsp's test_equal_ast cases assert, built by hand) -----------

def f(name: str, arg: str | None = None) -> FieldRef:
    return FieldRef(name, arg)


@pytest.mark.parametrize(("text", "expected"), [
    ("evt.name exists and evt.type in (a, b) or proc.name=cat",        # P0383
     Or((And((UnaryCheck(f("evt.name"), "exists"),
              BinaryCheck(f("evt.type"), "in", ListValue(("a", "b"))))),
         BinaryCheck(f("proc.name"), "=", Value("cat"))))),
    ("b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) "  # P0384
     "or proc.name=b64(tolower(some.field))",
     Or((And((UnaryCheck(Transformer("b64", (f("evt.name"),)), "exists"),
              BinaryCheck(Transformer("tolower", (Transformer("toupper", (f("evt.type"),)),)),
                          "in", Transformer("val", (f("some.field"),))))),
         BinaryCheck(f("proc.name"), "=",
                     Transformer("b64", (Transformer("tolower", (f("some.field"),)),)))))),
    ("not not not not not(not not(not not_macro))",                      # P0387
     Not(Not(Identifier("not_macro")))),
    ("proc.name == oneof (cat, nginx)",                                  # P0536
     BinaryCheck(f("proc.name"), "== oneof", ListValue(("cat", "nginx")))),
    ("proc.name == oneof my_list",                                       # P0540
     BinaryCheck(f("proc.name"), "== oneof", Value("my_list"))),
    ("proc.name == anyof and fd.name exists",                            # P0542
     And((BinaryCheck(f("proc.name"), "==", Value("anyof")),
          UnaryCheck(f("fd.name"), "exists")))),
    ("proc.name in my_list", BinaryCheck(f("proc.name"), "in", Value("my_list"))),
    ('test.str[""] = x', BinaryCheck(f("test.str", ""), "=", Value("x"))),
    ("test.str = x", BinaryCheck(f("test.str"), "=", Value("x"))),
    ('join("-", (fd.name, "x", 12, tolower(a.b))) = y',
     BinaryCheck(Transformer("join", (Value("-"), TransformerList((
         f("fd.name"), Value("x"), Value("12"), Transformer("tolower", (f("a.b"),)))))),
         "=", Value("y"))),
    ('getopt(proc.args, "nt:")[t] exists',
     UnaryCheck(Transformer("getopt", (f("proc.args"), Value("nt:")), "t"), "exists")),
    ("concat(a.b, c.d) = e", BinaryCheck(Transformer("concat", (f("a.b"), f("c.d"))), "=",
                                         Value("e"))),
    ("a.b = val(c.d)[x]", BinaryCheck(f("a.b"), "=", Transformer("val", (f("c.d"),), "x"))),
    ("a or b and c or d", Or((Identifier("a"), And((Identifier("b"), Identifier("c"))),
                               Identifier("d")))),
    ("not a and b", And((Not(Identifier("a")), Identifier("b")))),
    ("not (a)", Not(Identifier("a"))),
])
def test_ast_shapes(text: str, expected) -> None:
    assert parse(text) == expected


def test_modifier_needs_a_blank_before_it() -> None:
    # `==oneof (a)`: `oneof` is a value and `(a)` is left over (P0512).
    assert parse("proc.name ==oneof") == BinaryCheck(f("proc.name"), "==", Value("oneof"))
    assert parse("proc.name == oneof android") == BinaryCheck(
        f("proc.name"), "== oneof", Value("android"))


@pytest.mark.parametrize(("text", "value"), [
    ('a.b = "\\x41"', "A"), ('a.b = "\\xc3\\xa9"', "é"), ("a.b = '\\xff'", "\udcff"),
    ('a.b = "\\x00"', "\0"), ('a.b = "tab\\there"', "tab\there"), ("a.b = x\\fy", "x\\fy"),
])
def test_string_values(text: str, value: str) -> None:
    assert parse(text).right == Value(value)


# ---- errors and positions ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "message", "where"), [
    ("", "filter input string is empty", "0:1:1"),
    ('a.b = "\\xzz"', "invalid hex char escape sequence: zz", "12:1:13"),
    ('a.b = "\\x4"', "truncated hex char escape sequence", "11:1:12"),
    ("a.b = 'x\0y'", "expected a string value or a field with a valid transformer: 'val', "
     "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'", "6:1:7"),
    # byte positions: `é` is two bytes; the line and column restart after \r and after \n
    ("proc.name = héllo)", "unexpected token after 'héllo', expecting 'or', 'and'",
     "18:1:19"),
    ("a and\r\nb.c", "expected a valid check operator: one of 'exists', '<=', '<', '>=', "
     "'>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
     "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'",
     "10:3:4"),
    ("a.b in (é, x", "expected a ')' token", "13:1:14"),
    ("a.b in (\udcff, x", "expected a ')' token", "12:1:13"),
    ("a.b = x and\0", "expected blank or '(' after 'and'", "11:1:12"),
    ("a.b in (\"\\q\", x)", "expected a ')' token", "12:1:13"),  # see below
])
def test_errors(text: str, message: str, where: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse(text)
    assert raised.value.message == message
    assert position(raised.value) == where


def test_bad_first_list_item_means_an_empty_list() -> None:
    """libsinsp quirk, kept: any error in a list's first item (here a bad escape, after
    which the cursor is past the string) is taken to mean "the list is empty"."""
    assert parse('a.b in ("\\q")') == BinaryCheck(f("a.b"), "in", ListValue(()))


@pytest.mark.parametrize(("text", "byte_index", "index"), [
    ("abc", 2, 2), ("héllo)", 6, 5), ("a\udcffb", 2, 2), ("€x", 3, 1), ("😀y", 4, 1),
    ("abc", 99, 3),
])
def test_char_index(text: str, byte_index: int, index: int) -> None:
    assert char_index(text, byte_index) == index


def test_node_positions() -> None:
    ast = parse("a and\n  b.c = 'x'")
    assert ast.pos == Pos(0, 1, 1)
    check = ast.children[1]
    assert check.pos == Pos(8, 2, 3)          # `and` takes the blanks after it
    assert check.left.pos == Pos(8, 2, 3)
    assert check.right.pos == Pos(14, 2, 9)
    assert parse("x.y = é or z").children[1].pos == Pos(12, 1, 13)  # é is two bytes


# ---- the recursion limit ---------------------------------------------------------------------

def nested(levels: int) -> str:
    return "(" * levels + "a" + ")" * levels


def test_depth_limit_default() -> None:
    assert parse(nested(19)) == Identifier("a")
    with pytest.raises(ParseError) as raised:
        parse(nested(20))
    assert raised.value.message == "exceeded max depth limit of 100"
    assert position(raised.value) == "20:1:21"


def test_depth_limit_of_the_rule_loader() -> None:
    assert parse(nested(199), max_depth=1000) == Identifier("a")
    with pytest.raises(ParseError) as raised:
        parse(nested(200), max_depth=1000)
    assert raised.value.message == "exceeded max depth limit of 1000"
    assert raised.value.index == 200


@pytest.mark.parametrize("text", [
    nested(50_000), "not (" * 50_000 + "a", "a.b = tolower(" * 50_000,
    'join("", (' * 50_000, "x in (" * 50_000,
])
@pytest.mark.parametrize("max_depth", [100, 1000, 10**9])
def test_deep_nesting_is_an_error_not_a_crash(text: str, max_depth: int) -> None:
    with pytest.raises(ParseError) as raised:
        parse(text, max_depth=max_depth)
    assert raised.value.message.startswith(("exceeded max depth limit of ",
                                            "expected ", "unexpected token"))


def test_flat_chains_are_not_limited() -> None:
    assert len(parse(" and ".join(["a"] * 20_000)).children) == 20_000
    assert parse("not " * 20_001 + "a") == Not(Identifier("a"))


# ---- parse_field_or_transformer (output formats) --------------------------------------------

@pytest.mark.parametrize(("text", "start", "node", "end"), [
    ("proc.name end", 0, f("proc.name"), 9),
    ("start %proc.name end", 7, f("proc.name"), 16),
    ("proc.name.", 0, f("proc.name"), 9),
    ("proc.aname[0]and%x", 0, f("proc.aname", "0"), 13),
    ("toupper( proc.aname ) x", 0, Transformer("toupper", (f("proc.aname"),)), 21),
    ('join("->", (proc.name, evt.arg.path))!', 0,
     Transformer("join", (Value("->"), TransformerList((f("proc.name"), f("evt.arg.path"))))),
     37),
    ('getopt(proc.args, "t:")[t]', 0,
     Transformer("getopt", (f("proc.args"), Value("t:")), "t"), 26),
])
def test_field_or_transformer(text: str, start: int, node, end: int) -> None:
    assert parse_field_or_transformer(text, start) == (node, end)


@pytest.mark.parametrize(("text", "message"), [
    ("(proc.aname)", "unexpected token after '"),
    (" proc.name", "unexpected token after '"),         # no blanks before the token
    ("val(proc.aname)", "unexpected token after '"),
    ("toupper (proc.name)", "unexpected token after '"),
    ("some_transformer(proc.aname)", "unexpected token after '"),
    ("toupper(proc.aname", "expected a ')' token closing the transformer"),
    ("toupper(tolower)", "expected field transformer argument: field, transformer, quoted "
                         "string, number, or transformer list"),
    ("", "unexpected token after '"),
])
def test_field_or_transformer_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_field_or_transformer(text)
    assert raised.value.message == message


def test_field_or_transformer_start_must_be_in_the_text() -> None:
    with pytest.raises(ValueError):
        parse_field_or_transformer("proc.name", 10)
    with pytest.raises(ValueError):
        parse_field_or_transformer("proc.name", -1)
    with pytest.raises(ParseError):  # at the very end: nothing to read, libsinsp's error
        parse_field_or_transformer("proc.name", 9)


# ---- writing conditions back out -------------------------------------------------------------

def accepted_inputs() -> list:
    return [pytest.param(c["input"], id=c["id"]) for section in PARSER_SECTIONS
            for c in cases(section) if c["expect"] == "accept"]


@pytest.mark.parametrize("text", accepted_inputs())
def test_unparse_round_trips_every_accepted_vector(text: str) -> None:
    ast = parse(text)
    assert parse(unparse(ast)) == ast


@pytest.mark.parametrize(("text", "lossy"), [
    ('join(",", (proc.name, proc.pid)) = "myproc,123"', "join(,,(proc.name,proc.pid)) = "
                                                       "myproc,123"),   # P0389
    ('proc.name = ""', "proc.name = "),                                  # H0032
    ("not (not a)", "not not a"),                                        # P0024
])
def test_as_string_is_lossy_where_libsinsp_is(text: str, lossy: str) -> None:
    """Why unparse exists: libsinsp's canonical form does not always parse back."""
    ast = parse(text)
    assert as_string(ast) == lossy
    try:
        assert parse(lossy) != ast
    except ParseError:
        pass
    assert parse(unparse(ast)) == ast


def test_unparse_output() -> None:
    ast = parse("(not) and not (not b) and a.b[\"x y\"] = 'a b' and c.d in (\"\", 'e,f', g)"
                " and join('-', (x.y, \"1e5\", 0x1F, -2)) = oneof")
    assert unparse(ast) == ('((not) and not (not b) and a.b["x y"] = "a b" and '
                            'c.d in ("", "e,f", g) and join("-", (x.y, "1e5", 0x1F, -2)) = oneof)')


# ---- showing an error --------------------------------------------------------------------------

def test_render_error_points_at_the_column() -> None:
    text = "proc.name = cat and\n  (fd.name = x"
    with pytest.raises(ParseError) as raised:
        parse(text)
    shown = render_error(text, raised.value)
    assert shown.splitlines() == [
        "expected a ')' token (line 2, column 15)",
        "    (fd.name = x",
        "                ^",
    ]


def test_render_error_counts_bytes_and_cuts_long_lines() -> None:
    text = "a.b = é" + " and x" * 40 + " )"
    with pytest.raises(ParseError) as raised:
        parse(text)
    lines = render_error(text, raised.value).splitlines()
    assert lines[1].startswith("  ...") and lines[1].endswith(")")
    assert lines[2].index("^") == lines[1].index(")")


# ---- module hygiene ------------------------------------------------------------------------------

def test_package_exposes_parse() -> None:
    assert lazily_imported_parse is parse


def test_nothing_imports_pyparsing() -> None:
    """The lexical productions are compiled patterns of our own (`Token`): pyparsing is not
    a dependency any more (pyproject.toml), and no module may import it."""
    assert "pyparsing" not in modules_after("import prempti_hook.falco.parser")
    assert "pyparsing" not in modules_after("import prempti_hook.falco.codegen")
    import ast as python_ast

    importing = []
    for path in (REPO / "prempti_hook").rglob("*.py"):
        for node in python_ast.walk(python_ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, python_ast.Import) else
                     [node.module or ""] if isinstance(node, python_ast.ImportFrom) else [])
            if any(n.split(".")[0] == "pyparsing" for n in names):
                importing.append(str(path))
    assert importing == []
    assert "pyparsing" not in (REPO / "pyproject.toml").read_text()


def test_productions_are_named_and_documented() -> None:
    from prempti_hook.falco import parser

    names = [element.name for element in vars(parser).values()
             if isinstance(element, parser.Token)]
    assert "field-name" in names and "quoted-string" in names
    for name, method in vars(parser._Parser).items():
        if name.startswith("parse_"):
            assert re.search(r"::=", method.__doc__ or ""), name


# ---- robustness (hypothesis) -------------------------------------------------------------------

# Pieces of the language and of hostile input, glued at random: most results are errors,
# enough are valid conditions to exercise the round trip.
FRAGMENTS = [
    " ", "  ", "\t", "\n", "\r", "\b", "\f", "\v", "(", ")", ",", "[", "]", "a", "b1",
    "x.y", "p.q[0]", "r.s['k v']", "and", "or", "not", "not(", "=", "==", "!=", "<", ">=",
    "in", "pmatch", "intersects", "exists", "contains", "startswith ", "glob", "regex",
    '"', "'", "\\", '"a b"', "'c'", '"\\x41"', '"\\xff"', '"\\x"', '"\\q"', "\\n", "oneof",
    "anyof ", "tolower(", "join(", "getopt(", "concat(", "val(", "1", "-2.5", "0x1F",
    "1e+3", "1e5", "\x00", "\udcff", "\ud800", "é", "∀", "#", "*", "/tmp/", "=", "and ",
    " or ", "not ",
]
fragment_soup = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
any_text = st.text(st.characters(exclude_categories=()), max_size=200)
long_text = st.tuples(fragment_soup, st.integers(1, 3000)).map(lambda t: t[0] * t[1])
hostile_text = st.one_of(fragment_soup, any_text, long_text)


def max_byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None)
@given(hostile_text, st.sampled_from([100, 1000]))
def test_parse_only_raises_parse_error_and_round_trips(text: str, max_depth: int) -> None:
    try:
        ast = parse(text, max_depth=max_depth)
    except ParseError as error:
        assert error.message
        assert 0 <= error.index <= max_byte_length(text)
        assert error.line >= 1 and error.column >= 1
        assert error.line - 1 <= text.count("\n") + text.count("\r")
        assert render_error(text, error).startswith(error.message)
        return
    as_string(ast)
    assert parse(unparse(ast), max_depth=max_depth) == ast


@settings(max_examples=300, deadline=None)
@given(hostile_text, st.integers(0, 50))
def test_field_or_transformer_only_raises_parse_error(text: str, start: int) -> None:
    start = min(start, len(text))
    try:
        node, end = parse_field_or_transformer(text, start)
    except ParseError as error:
        assert error.message
        return
    assert start < end <= len(text)
    assert parse_field_or_transformer(text[:end], start) == (node, end)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.sampled_from([100, 1000]))
def test_nesting_limit_follows_libsinsp_counting(levels: int, max_depth: int) -> None:
    """Five guarded frames per level of parentheses, failing when the count reaches the
    limit: `levels` parse exactly when levels < max_depth / 5."""
    text = nested(levels)
    if levels < max_depth // 5:
        assert parse(text, max_depth=max_depth) == Identifier("a")
    else:
        with pytest.raises(ParseError) as raised:
            parse(text, max_depth=max_depth)
        assert raised.value.message == f"exceeded max depth limit of {max_depth}"


# Conditions built from the grammar. With `plain_values` no value needs quoting, and on
# those libsinsp's canonical form is lossless (apart from double negation, see
# test_as_string_is_lossy_where_libsinsp_is). With `wild_values` values are random quoted
# or bare tokens, many invalid: what is accepted exercises escapes and unparse's quoting.
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: name not in ("and", "or", "not"))
plain_values = st.from_regex(r"[a-zA-Z0-9/._*+\-]{1,10}", fullmatch=True)
wild_bodies = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(
    ["\\", '"', "'", "\\x41", "\\xc3\\xa9", "\\xff", "\\x00", "\\n", " ", ",", "(", ")",
     "=", "\x00", "\udcff"])), max_size=12).map("".join)
wild_values = st.one_of(
    plain_values,
    st.builds(lambda q, body: q + body + q, st.sampled_from(['"', "'"]), wild_bodies),
    wild_bodies,
)
numbers = st.from_regex(r"[+\-]?[0-9]{1,5}(\.[0-9]{1,3})?|0x[0-9a-fA-F]{1,4}", fullmatch=True)


def condition_strategy(values: st.SearchStrategy[str],
                       with_join: bool) -> st.SearchStrategy[str]:
    """Random conditions; join() only if asked (as_string renders it lossily)."""
    fields = st.builds(lambda a, b, arg: f"{a}.{b}{arg}", names, names, st.one_of(
        st.sampled_from(["", "[0]", "[k]"]), values.map(lambda v: f"[{v}]")))
    transformed = st.builds(lambda t, f: f"{t}({f})", st.sampled_from(
        ["tolower", "toupper", "b64", "basename", "len"]), fields)
    left_sides = st.one_of(fields, transformed)
    str_ops = st.sampled_from(["=", "==", "!=", "contains", "icontains", "startswith",
                               "endswith", "glob", "iglob", "regex", "bcontains"])
    joins = st.builds(lambda sep, fs, v: f"join({sep}, ({', '.join(fs)})) = {v}", values,
                      st.lists(st.one_of(fields, transformed, values, numbers), max_size=3),
                      values)
    checks = st.one_of(
        joins if with_join else names,
        names,
        st.builds(lambda left: f"{left} exists", left_sides),
        st.builds(lambda left, op, v: f"{left} {op} {v}", left_sides, str_ops, values),
        st.builds(lambda left, op, v: f"{left} {op} {v}", left_sides,
                  st.sampled_from(["<", "<=", ">", ">="]), numbers),
        st.builds(lambda left, op, vs: f"{left} {op} ({', '.join(vs)})", left_sides,
                  st.sampled_from(["in", "intersects", "pmatch", "== oneof", "!= anyof",
                                   "contains allof"]), st.lists(values, max_size=4)),
        st.builds(lambda left, op, name: f"{left} {op} {name}", left_sides,
                  st.sampled_from(["in", "pmatch", "= oneof"]), names),
        st.builds(lambda left, op, f: f"{left} {op} val({f})", left_sides, str_ops, fields),
    )
    return st.recursive(checks, lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map(" and ".join),
        st.lists(inner, min_size=2, max_size=4).map(" or ".join),
        inner.map(lambda c: f"({c})"),
        inner.map(lambda c: f"not ({c})"),
        inner.map(lambda c: f"not {c}"),
    ), max_leaves=12)


plain_conditions = condition_strategy(plain_values, with_join=False)
wild_conditions = condition_strategy(wild_values, with_join=True)


def has_double_negation(node) -> bool:
    if isinstance(node, Not):
        return isinstance(node.child, Not) or has_double_negation(node.child)
    if isinstance(node, (And, Or)):
        return any(has_double_negation(child) for child in node.children)
    return False


@settings(max_examples=300, deadline=None)
@given(plain_conditions)
def test_as_string_round_trips_on_plain_conditions(text: str) -> None:
    ast = parse(text)
    assume(not has_double_negation(ast))
    assert parse(as_string(ast)) == ast
    assert parse(unparse(ast)) == ast


@settings(max_examples=400, deadline=None)
@given(wild_conditions)
def test_unparse_round_trips_on_wild_conditions(text: str) -> None:
    try:
        ast = parse(text)
    except ParseError:
        return
    assert parse(unparse(ast)) == ast
