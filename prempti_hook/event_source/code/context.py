"""The context of one analysis: where the code runs (home, working directory), the report
it fills, the shared budget, and how to analyse code found inside code (`nested`) or read a
local file the code runs (`read_file`).

Separate from the analysers so that each of them (and the extractors of files that run
later) can be handed the same context without importing the others.
"""

from __future__ import annotations

from .report import MAX_NESTED, R_TOO_DEEP, Budget, CodeReport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


class CodeContext:
    """What an analyser needs besides the code itself."""

    __slots__ = ("budget", "cwd", "home", "literals", "read_file", "report")

    def __init__(self, home: str, cwd: str, report: CodeReport | None = None,
                 budget: Budget | None = None,
                 read_file: Callable[[str], str | None] | None = None,
                 literals: bool = True) -> None:
        """`literals`: string literals that look like paths or URLs count as used even
        when the analysis cannot follow them to a call (for the short code of a command
        line; a file's strings are often data: test cases, messages, documentation)."""
        self.home = home.rstrip("/") or "/"
        self.literals = literals
        self.cwd = cwd
        self.report = report if report is not None else CodeReport()
        self.budget = budget if budget is not None else Budget()
        self.read_file = read_file

    def nested(self, language: str, text: str) -> None:
        """Analyse code that this code runs (an exec'd literal, a decoded payload)."""
        budget = self.budget
        if budget.nested >= MAX_NESTED:
            self.report.reason(R_TOO_DEEP)
            return
        budget.nested += 1
        try:
            from . import analyze_into

            analyze_into(language, text, self)
        finally:
            budget.nested -= 1

    def file_text(self, path: str) -> str | None:
        """The text of a local file the code runs (bounded; None if it cannot be read)."""
        if self.read_file is None or not path:
            return None
        if not path.startswith("/"):
            path = self.cwd.rstrip("/") + "/" + path
        return self.read_file(path)
