"""The syntax tree of a command line: one class per bash construct, made by `parser` and
walked by `expand` (words) and `evaluate` (commands).

A *word* is a list of parts, each one of the word-part classes below (`Literal`, `Quoted`,
`Parameter`, `CommandSubstitution`, `Arithmetic`, `ProcessSubstitution`; in an argument of
`declare`/`export`... also an `Assignment` of an array). A *command* is one of the command
classes (`SimpleCommand`, `Pipeline`, `AndOr`, `Subshell`, `Group`, `FunctionDef` below;
`If`, `Loop`, `For`, `Case`, `Conditional`, `ArithmeticCommand` with their parsing in
`compound`, which loads only for a command line that has one), or None where bash allows
an empty command; a script or a body is a `CommandList`.

The productions in the docstrings are bash's, simplified to what the parser keeps. Plain
classes with `__slots__` (no `dataclasses`: it imports `re` and `inspect`, and this module is
on the hook's hot path). The kind of a node is its class: `isinstance(part, Literal)`, or
`type(node) is SimpleCommand` in the hottest loops.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Union

    from .compound import ArithmeticCommand, Case, Conditional, For, If, Loop

    WordPart = Union["Literal", "Quoted", "Parameter", "CommandSubstitution", "Arithmetic",
                     "ProcessSubstitution", "Assignment"]
    Command = Optional[Union["SimpleCommand", "Pipeline", "AndOr", "Subshell", "Group", "If",
                             "Loop", "For", "Case", "FunctionDef", "Conditional",
                             "ArithmeticCommand"]]
    Redirection = Union["Redirect", "Heredoc"]


class Node:
    """What every node class shares: a `repr` that shows its fields (for tests and
    debugging). Instances hold their fields in `__slots__`."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


# --- word parts ---------------------------------------------------------------------------

class Literal(Node):
    """Unquoted text of a word: brace expansion, `~` and pathname patterns apply to it.

    literal = (any character but a metacharacter, a quote, `$`, a backquote or `\\`)+
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Quoted(Node):
    """Quoted text, taken as it is: the text of `'...'`, `$'...'` (decoded), the plain text
    of `"..."` and of a here-document body, and a character escaped with `\\`.

    quoted = "'" chars "'" | "$'" ansi_c_chars "'" | '"' chars '"' | "\\" char
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Parameter(Node):
    """A parameter expansion: `$name`, `$1`, `$@`, `${name}`, `${#name}` (`length`),
    `${!name}` (`indirect`), `${name[subscript]}`, `${name op arg}` (`op` is one of `:-`,
    `-`, `:=`, `=`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `^`, `^^`, `,`, `,,`, `@`,
    `:`; `/`, `//`, `/#`, `/%` take `arg` as the pattern and `replacement`). `arg` and
    `replacement` are words (lists of parts), or None. `quoted`: inside double quotes.

    parameter = "$" (name | digit | special) | "${" ["#" | "!"] name ["[" subscript "]"]
                [op arg ["/" replacement]] "}"
    """

    __slots__ = ("arg", "indirect", "length", "name", "op", "quoted", "replacement",
                 "subscript")

    def __init__(self, name: str, quoted: bool, op: str | None = None,
                 arg: list | None = None, replacement: list | None = None,
                 length: bool = False, indirect: bool = False,
                 subscript: str | None = None) -> None:
        self.name = name
        self.quoted = quoted
        self.op = op
        self.arg = arg
        self.replacement = replacement
        self.length = length
        self.indirect = indirect
        self.subscript = subscript


class CommandSubstitution(Node):
    """A command substitution, whose output becomes text of the word. `quoted`: inside
    double quotes (no field splitting).

    command_substitution = "$(" list ")" | "`" list "`"
    """

    __slots__ = ("body", "quoted")

    def __init__(self, body: CommandList, quoted: bool) -> None:
        self.body = body
        self.quoted = quoted


class Arithmetic(Node):
    """An arithmetic expansion (its value is a number); `parts` are the expression's text
    and the expansions in it. Also the header of an arithmetic `for ((...))`.

    arithmetic = "$((" expression "))" | "$[" expression "]"
    """

    __slots__ = ("parts", "quoted")

    def __init__(self, parts: list, quoted: bool) -> None:
        self.parts = parts
        self.quoted = quoted


class ProcessSubstitution(Node):
    """A process substitution: a file name (`/dev/fd/63`) for reading the list's output
    (`direction` "<") or for writing its input (">").

    process_substitution = ("<(" | ">(") list ")"
    """

    __slots__ = ("body", "direction")

    def __init__(self, body: CommandList, direction: str) -> None:
        self.body = body
        self.direction = direction


class Assignment(Node):
    """An assignment word: `value` (a word) for `NAME=value`, or the words of `array` for
    `NAME=(word ...)`; `append` for `+=`; `subscript` is the text of `NAME[subscript]=`.
    Before a command's name it is a prefix assignment; as an argument of a declaration
    builtin (`declare -a NAME=(...)`) it is that word's only part.

    assignment = name ["[" subscript "]"] ["+"] "=" (word | "(" word* ")")
    """

    __slots__ = ("append", "array", "name", "subscript", "value")

    def __init__(self, name: str, append: bool, value: list | None, array: list | None,
                 subscript: str | None) -> None:
        self.name = name
        self.append = append
        self.value = value
        self.array = array
        self.subscript = subscript



# --- redirections ---------------------------------------------------------------------------

class Redirect(Node):
    """A redirection of descriptor `fd` (None: the operator's default; a name for
    `{var}>file`) to or from the file `target` (a word), or a here-string (`<<<`).

    redirect = [number | "{" name "}"] op word
    op = "<" | ">" | ">>" | ">|" | "<>" | "<&" | ">&" | "&>" | "&>>" | "<<<"
    """

    __slots__ = ("fd", "op", "target")

    def __init__(self, op: str, fd: int | str | None, target: list) -> None:
        self.op = op
        self.fd = fd
        self.target = target


class Heredoc(Node):
    """A here-document: descriptor `fd` reads the lines up to `delimiter`. `parts` is the
    body (filled in when the parser reaches it, after the line's end): expanded unless the
    delimiter was `quoted`; `strip`: leading tabs removed (`<<-`).

    heredoc = [number] ("<<" | "<<-") word newline body delimiter
    """

    __slots__ = ("delimiter", "fd", "parts", "quoted", "strip")

    def __init__(self, fd: int | str, quoted: bool, delimiter: str, strip: bool) -> None:
        self.fd = fd
        self.parts: list = []
        self.quoted = quoted
        self.delimiter = delimiter
        self.strip = strip



# --- commands -------------------------------------------------------------------------------

class CommandList(Node):
    """A sequence of commands (a script, the body of a compound command), each run after
    the previous one or in the background.

    list = (and_or (";" | "&" | newline))* [and_or]
    """

    __slots__ = ("items",)

    def __init__(self, items: list[ListItem]) -> None:
        self.items = items


class ListItem(Node):
    """One command of a `CommandList` and how it ends (`;` or `&`).

    list_item = and_or (";" | "&" | newline)
    """

    __slots__ = ("command", "separator")

    def __init__(self, command: Command, separator: str) -> None:
        self.command = command
        self.separator = separator


class AndOr(Node):
    """Pipelines joined by `&&` and `||` (`operators[k]` joins pipelines k and k + 1);
    only the first one surely runs.

    and_or = pipeline (("&&" | "||") newline* pipeline)*
    """

    __slots__ = ("operators", "pipelines")

    def __init__(self, pipelines: list, operators: list[str]) -> None:
        self.pipelines = pipelines
        self.operators = operators


class Pipeline(Node):
    """Commands each reading the previous one's output (`!` and `time` are dropped).

    pipeline = ["time" ["-p"]] ["!"] command (("|" | "|&") newline* command)*
    """

    __slots__ = ("commands",)

    def __init__(self, commands: list) -> None:
        self.commands = commands


class SimpleCommand(Node):
    """A simple command: prefix assignments, then the words (the first names the
    program), with redirections anywhere.

    simple_command = (assignment | redirect)* (word | redirect)*
    """

    __slots__ = ("assignments", "redirects", "words")

    def __init__(self, assignments: list[Assignment], words: list[list],
                 redirects: list) -> None:
        self.assignments = assignments
        self.words = words
        self.redirects = redirects


class Subshell(Node):
    """A list run in a subshell (its variables and `cd` do not outlive it).

    subshell = "(" list ")" redirect*
    """

    __slots__ = ("body", "redirects")

    def __init__(self, body: CommandList, redirects: list) -> None:
        self.body = body
        self.redirects = redirects


class Group(Node):
    """A list run in the current shell.

    group = "{" list "}" redirect*
    """

    __slots__ = ("body", "redirects")

    def __init__(self, body: CommandList, redirects: list) -> None:
        self.body = body
        self.redirects = redirects


class FunctionDef(Node):
    """A function definition (`name` "" when it is not a literal word).

    function_def = name "(" ")" command | "function" word ["(" ")"] command
    """

    __slots__ = ("body", "name")

    def __init__(self, name: str, body: Command) -> None:
        self.name = name
        self.body = body
