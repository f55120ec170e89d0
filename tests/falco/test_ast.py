"""The AST nodes and libsinsp's canonical rendering (`ast::as_string`), on hand-built trees.
(The parser's vectors check as_string on parsed trees; these pin the rendering rules.)"""

from __future__ import annotations

import pytest

from prempti_hook.falco import as_string as lazily_imported_as_string
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
    escape_str,
)
from prempti_hook.falco.escaping import escape_str as escaping_escape_str


@pytest.mark.parametrize(("node", "text"), [
    (Identifier("m"), "m"),
    (And((Identifier("a"), Identifier("b"), Identifier("c"))), "(a and b and c)"),
    (Or((Identifier("a"), And((Identifier("b"), Identifier("c"))))), "(a or (b and c))"),
    (Not(Not(Identifier("a"))), "not not a"),
    (Not(And((Identifier("a"), Identifier("b")))), "not (a and b)"),
    (UnaryCheck(FieldRef("a.b"), "exists"), "a.b exists"),
    (BinaryCheck(FieldRef("a.b", "0"), "=", Value("x")), "a.b[0] = x"),
    (BinaryCheck(FieldRef("a.b", ""), "=", Value("")), 'a.b[""] = '),
    (BinaryCheck(FieldRef("a.b", "k v"), "=", Value("x y")), 'a.b["k v"] = "x y"'),
    (BinaryCheck(FieldRef("a.b"), "in", ListValue(("a b", "c", ""))), 'a.b in ("a b", c, )'),
    (BinaryCheck(FieldRef("a.b"), "in", ListValue(())), "a.b in ()"),
    (BinaryCheck(FieldRef("a.b"), "== oneof", Value("my_list")), "a.b == oneof my_list"),
    (BinaryCheck(FieldRef("a.b"), "=", Transformer("val", (FieldRef("c.d"),))),
     "a.b = val(c.d)"),
    (UnaryCheck(Transformer("join", (Value("-"), TransformerList(
        (FieldRef("a.b"), Value("lit"), Transformer("tolower", (FieldRef("c.d"),)))))),
        "exists"), "join(-,(a.b,lit,tolower(c.d))) exists"),
    (UnaryCheck(Transformer("getopt", (FieldRef("p.args"), Value("t:")), "t"), "exists"),
     "getopt(p.args,t:)[t] exists"),
    (BinaryCheck(FieldRef("a.b"), "=", Value('say "hi"\n')), 'a.b = "say \\"hi\\"\\n"'),
])
def test_as_string(node, text: str) -> None:
    assert as_string(node) == text


def test_as_string_rejects_non_nodes() -> None:
    with pytest.raises(TypeError):
        as_string("a and b")


def test_equality_ignores_positions() -> None:
    assert Value("x", Pos(3, 1, 4)) == Value("x", Pos(9, 2, 1)) == Value("x")
    assert FieldRef("a.b", "") != FieldRef("a.b", None)
    assert hash(Value("x", Pos(3, 1, 4))) == hash(Value("x"))


def test_nodes_are_immutable() -> None:
    with pytest.raises(AttributeError):
        Value("x").value = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del Pos(1, 1, 2).idx
    with pytest.raises(AttributeError):
        Value("x").other = 1  # type: ignore[attr-defined]


def test_nodes_compare_by_kind_and_fields_and_show_them() -> None:
    assert And((Identifier("a"),)) != Or((Identifier("a"),))
    assert hash(And((Value("a"), Value("b")))) == hash(And((Value("a"), Value("b"))))
    assert Pos(1, 2, 3) == Pos(1, 2, 3) != Pos(1, 2, 4)
    assert repr(FieldRef("a.b", None, Pos(1))) == "FieldRef(name='a.b', arg=None)"
    assert repr(Pos(4, 1, 5)) == "Pos(idx=4, line=1, col=5)"
    assert {Value("x", Pos(1)): 1}[Value("x", Pos(7))] == 1


def test_escape_str_is_shared_with_escaping() -> None:
    assert escape_str is escaping_escape_str
    assert lazily_imported_as_string is as_string
