"""Compilers and build tools that write a program (`go build -o x`, `cc -o x`, `rustc -o
x`): the program they write is the project's own code, so running it later in the same
command line (`go build -o /tmp/t ./cmd && /tmp/t`) is running the project, not a file of
unknown origin.
"""

from __future__ import annotations

from ..analysis import has_marker
from .common import generic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


def _output_option(args: list) -> str | None:
    """The value of `-o FILE` / `-oFILE` / `--output FILE` / `--output=FILE`."""
    for index, arg in enumerate(args):
        if arg in ("-o", "--output") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--output="):
            return arg.partition("=")[2]
        if arg.startswith("-o") and len(arg) > 2 and arg[2] != "-":
            return arg[2:]
    return None


def _h_compiler(ev: Evaluator, call: Call) -> None:
    generic(ev, call)
    args = call.argv[1:]
    if call.argv[0].rsplit("/", 1)[-1] == "go" and (not args or args[0] not in ("build",)):
        return
    output = _output_option(args)
    if output is None or has_marker(output):
        return
    ev.path(output, call.st, write=True)
    ev.built_program(output, call.st)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {name: _h_compiler for name in
                  ("go", "gcc", "cc", "clang", "g++", "c++", "clang++", "rustc", "tcc")}
