"""The Falco rules language engine: parser, condition compiler, rules loader, outputs.

It knows nothing about coding agents: an event source plugs in through a field table
(`prempti_hook.falco.fields`). Public API:

    parse(text) -> AST          as_string(ast) -> str          ParseError

Attributes are imported lazily (PEP 562) so that unpickling a compiled ruleset, which
imports this package, never imports pyparsing or yaml.
"""

from __future__ import annotations

__all__ = ["CompileError", "ParseError", "as_string", "parse"]


def __getattr__(name: str):
    if name == "parse":
        from .parser import parse

        return parse
    if name == "as_string":
        from .ast import as_string

        return as_string
    if name in ("ParseError", "CompileError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
