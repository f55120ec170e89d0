"""The shell syntax tree (`event_source.shell.nodes`): what the parser builds for each bash
construct, read through the named attributes the expander and the evaluator use."""

from __future__ import annotations

import inspect

import pytest

from prempti_hook.event_source.shell import compound, nodes
from prempti_hook.event_source.shell.analysis import Context
from prempti_hook.event_source.shell.compound import (
    ArithmeticCommand,
    Case,
    Conditional,
    For,
    If,
    Loop,
)
from prempti_hook.event_source.shell.nodes import (
    AndOr,
    Arithmetic,
    Assignment,
    CommandList,
    CommandSubstitution,
    FunctionDef,
    Group,
    Heredoc,
    Literal,
    Parameter,
    Pipeline,
    ProcessSubstitution,
    Quoted,
    Redirect,
    SimpleCommand,
    Subshell,
)
from prempti_hook.event_source.shell.parser import Parser

# The syntax tree: `nodes`, and the compound commands' nodes in `compound`.
NODE_CLASSES = [cls for module in (nodes, compound)
                for _name, cls in inspect.getmembers(module, inspect.isclass)
                if cls.__module__ == module.__name__ and issubclass(cls, nodes.Node)
                and cls is not nodes.Node]


def parse(text: str) -> CommandList:
    ctx = Context()
    ctx.reasons = {}
    return Parser(text, ctx).parse_script()


def only(text: str):
    """The single command of `text`."""
    tree = parse(text)
    assert isinstance(tree, CommandList) and len(tree.items) == 1
    return tree.items[0].command


def texts(word: list) -> list:
    return [(type(part).__name__, part.text) for part in word]


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda cls: cls.__name__)
def test_every_node_class_has_slots_and_names_its_grammar(cls):
    assert "__slots__" in vars(cls)
    instance = cls.__new__(cls)
    assert not hasattr(instance, "__dict__")
    doc = inspect.getdoc(cls)
    assert doc and any(" = " in line for line in doc.splitlines()), cls.__name__


def test_the_node_classes_are_all_there():
    assert len(NODE_CLASSES) == 25 and all(issubclass(cls, nodes.Node) for cls in NODE_CLASSES)
    assert repr(only("ls")) == "SimpleCommand(assignments=[], redirects=[], " \
                               "words=[[Literal(text='ls')]])"


def test_a_simple_command_keeps_assignments_words_and_redirections_apart():
    node = only("A=1 B+=x cmd 'a b' c\\d 2>>log <in")
    assert isinstance(node, SimpleCommand)
    assert [(a.name, a.append, texts(a.value)) for a in node.assignments] == [
        ("A", False, [("Literal", "1")]), ("B", True, [("Literal", "x")])]
    assert [texts(word) for word in node.words] == [
        [("Literal", "cmd")], [("Quoted", "a b")], [("Literal", "c"), ("Quoted", "d")]]
    assert [(r.op, r.fd, texts(r.target)) for r in node.redirects] == [
        (">>", 2, [("Literal", "log")]), ("<", None, [("Literal", "in")])]


def test_parameter_expansions_carry_their_operator_and_flags():
    word = only('echo ${x:-d} ${#y} ${!z} ${a[1]} ${p//a/b} "$q"').words
    x, y, z, a, p, q = (w[0] for w in word[1:])
    assert all(isinstance(part, Parameter) for part in (x, y, z, a, p, q))
    assert (x.name, x.op, texts(x.arg)) == ("x", ":-", [("Literal", "d")])
    assert (y.name, y.length, z.name, z.indirect) == ("y", True, "z", True)
    assert (a.name, a.subscript) == ("a", "1")
    assert (p.op, texts(p.arg), texts(p.replacement)) == ("//", [("Literal", "a")],
                                                          [("Literal", "b")])
    assert q.quoted and not x.quoted and q.op is None


def test_substitutions_and_arithmetic_are_word_parts():
    words = only('echo $(id) "`pwd`" $((1+2)) <(ls) >(cat)').words
    sub, quoted_sub, arith, read, write = (w[0] for w in words[1:])
    assert isinstance(sub, CommandSubstitution) and not sub.quoted
    assert isinstance(sub.body.items[0].command, SimpleCommand)
    assert isinstance(quoted_sub, CommandSubstitution) and quoted_sub.quoted
    assert isinstance(arith, Arithmetic) and texts(arith.parts) == [("Literal", "1+2")]
    assert isinstance(read, ProcessSubstitution) and read.direction == "<"
    assert isinstance(write, ProcessSubstitution) and write.direction == ">"


def test_lists_and_or_lists_and_pipelines():
    tree = parse("a | b && c || d & e")
    first, second = tree.items
    assert first.separator == "&" and second.separator == ";"
    assert isinstance(first.command, AndOr) and first.command.operators == ["&&", "||"]
    assert isinstance(first.command.pipelines[0], Pipeline)
    assert len(first.command.pipelines[0].commands) == 2
    assert isinstance(second.command, SimpleCommand)


def test_compound_commands():
    assert isinstance(only("(cd x; ls) >out"), Subshell)
    assert isinstance(only("{ ls; } 2>&1").redirects[0], Redirect)
    assert isinstance(only("{ ls; }"), Group)
    node = only("if a; then b; elif c; then d; else e; fi")
    assert isinstance(node, If) and len(node.clauses) == 2 and node.else_body is not None
    assert isinstance(node.clauses[1].condition, CommandList)
    assert isinstance(only("while a; do b; done"), Loop)
    loop = only("for f in x y; do rm $f; done")
    assert isinstance(loop, For) and loop.name == "f" and len(loop.words) == 2
    assert only("for f; do :; done").words is None
    header = only("for ((i=0; i<3; i++)); do :; done")
    assert header.name == "" and isinstance(header.words[0][0], Arithmetic)
    case = only("case $x in a|b) one;; *) two;; esac")
    assert isinstance(case, Case) and [len(item.patterns) for item in case.items] == [2, 1]
    assert isinstance(only("f() { ls; }"), FunctionDef)
    assert only("function g { ls; }").name == "g"
    assert isinstance(only("[[ -f x ]]"), Conditional)
    assert isinstance(only("(( i++ ))"), ArithmeticCommand)


def test_a_heredoc_body_is_filled_in_after_the_line():
    node = only("cat <<EOF >out\nhi $USER\nEOF\n")
    heredoc = node.redirects[0]
    assert isinstance(heredoc, Heredoc) and heredoc.delimiter == "EOF" and not heredoc.quoted
    assert isinstance(heredoc.parts[0], Quoted) and isinstance(heredoc.parts[1], Parameter)
    quoted = only("cat <<'EOF'\n$x\nEOF\n").redirects[0]
    assert quoted.quoted and texts(quoted.parts) == [("Quoted", "$x\n")]


def test_a_declared_array_is_an_assignment_word():
    node = only("declare -a A=(1 2) B=x")
    array = node.words[2][0]
    assert isinstance(array, Assignment) and array.name == "A" and array.value is None
    assert [texts(word) for word in array.array] == [[("Literal", "1")], [("Literal", "2")]]
    assert texts(node.words[3]) == [("Literal", "B=x")]
    assert isinstance(node.words[1][0], Literal)
