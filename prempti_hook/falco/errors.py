"""Errors the engine raises. Each carries a message a rule author can act on."""

from __future__ import annotations


class FalcoError(Exception):
    """Base class of every error the engine raises on purpose."""

    def __init__(self, message: str, *args) -> None:
        super().__init__(message, *args)
        self.message = message


class ParseError(FalcoError):
    """A condition (or output token) that libsinsp's parser rejects.

    `message` is libsinsp's text; `index` is the 0-based byte offset of the parser's cursor
    when it gave up, `line`/`column` the 1-based position of that offset (both `\\r` and
    `\\n` advance the line, as in libsinsp).
    """

    def __init__(self, message: str, index: int = 0, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.index = index
        self.line = line
        self.column = column
        self.args = (message, index, line, column)  # so that pickling keeps the position

    def render(self, text: str) -> str:
        """The message, the offending line of `text`, and a caret under the column."""
        from .parser import render_error

        return render_error(text, self)

    def __str__(self) -> str:
        return f"{self.message} (at index {self.index}, line {self.line}, column {self.column})"


class CompileError(FalcoError):
    """A condition that parses but does not compile: unknown field, operator/type mismatch,
    bad constant. `message` is libsinsp's compiler text (for example
    `filter_check called with nonexistent field proc.nobody`)."""


class EvaluationError(FalcoError):
    """A condition could not be evaluated for this event (today: a `regex` check ran over
    its time limit). The caller cannot know the rule's answer and must fail closed."""
