"""The command line of every command (not the hook's: `prempti-hook [--agent NAME]` is
dispatched by `cli.py` before any of this), and the exit codes they share.

Each command declares its options and gets a `Parsed` back, or a `UsageError`, which
`cli.py` prints as one line (`prempti-hook <command>: <message> (see prempti-hook <command>
--help)`) and exits 2 for. The grammar:

    arguments  := item*
    item       := "--"                 every later word is an operand
                | VALUED "=" VALUE     an option that takes a value, in one word...
                | VALUED VALUE         ...or in two
                | FLAG                 an option that takes none
                | OPERAND              any other word, "-" (stdin) included

Options may come anywhere, in any order; a repeatable option keeps every value in order,
any other keeps its last. A word that starts with "-" and is no declared option is a usage
error, except after the first operand of a command whose operands are free text
(`explain bash ls -la`).
"""

from __future__ import annotations

import sys

# Exit codes of every command (the hook itself has its own contract: 0 with a verdict, or
# 2; never 1). README "Commands" and `prempti-hook --help` show this table.
OK = 0        # done; nothing wrong found
FINDINGS = 1  # done, and the answer is "no": errors in the rules, a failed test, a broken
#               log chain, a registration that would not fire; or what was asked was
#               refused or could not be done (a locked setting, no person at the terminal,
#               a file that cannot be read or written), said in one line
USAGE = 2     # a usage error (unknown command or option, a missing or bad value), or an
#               internal error (a bug: one line, never a traceback)
INTERRUPTED = 130  # Ctrl-C

EXIT_CODES = (
    (OK, "done, nothing wrong found"),
    (FINDINGS, "findings: --check found an error, a rule test failed, logs --verify found a "
               "broken chain, a hook registration would not fire; or the command was "
               "refused or could not be done (a locked setting, no person at the terminal, "
               "a file it cannot read or write)"),
    (USAGE, "usage error (unknown command or option, missing or bad value) or internal "
            "error; one line on stderr, never a traceback"),
)


class UsageError(Exception):
    """The command line cannot be run as given; the message says why, in one line."""


class Parsed:
    """What a command line says: flags given, option values (in order), operands."""

    __slots__ = ("flags", "operands", "values")

    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.values: dict[str, list[str]] = {}
        self.operands: list[str] = []

    def flag(self, name: str) -> bool:
        return name in self.flags

    def value(self, name: str, default: str | None = None) -> str | None:
        """The last value given for `name`, or `default`."""
        given = self.values.get(name)
        return given[-1] if given else default

    def all(self, name: str) -> list[str]:
        """Every value given for `name`, in order."""
        return list(self.values.get(name, ()))


def parse(args: list[str], flags: tuple[str, ...] = (), valued: tuple[str, ...] = (),
          aliases: dict[str, str] | None = None, operands: int | None = 0,
          free_operands: bool = False) -> Parsed:
    """`args` read by the grammar above. `flags` take no value, `valued` take one; `aliases`
    maps a short or alternative spelling to its option (`-n` -> `--tail`). `operands` is
    how many operands may be given (None: any number). With `free_operands`, a dashed word
    that is no option is an operand too once an operand came."""
    aliases = aliases or {}
    parsed = Parsed()
    rest = list(args)
    only_operands = False
    while rest:
        word = rest.pop(0)
        if only_operands or word == "-" or not word.startswith("-"):
            parsed.operands.append(word)
            continue
        if word == "--":
            only_operands = True
            continue
        name, sep, value = word.partition("=")
        name = aliases.get(name, name)
        if name in flags and not sep:
            parsed.flags.add(name)
        elif name in flags:
            raise UsageError(f"{name} takes no value")
        elif name in valued:
            if not sep:
                if not rest:
                    raise UsageError(f"{name} needs a value")
                value = rest.pop(0)
            parsed.values.setdefault(name, []).append(value)
        elif free_operands and parsed.operands:
            parsed.operands.append(word)
        else:
            raise UsageError(f"unknown option {word.partition('=')[0]!r}")
    if operands is not None and len(parsed.operands) > operands:
        extra = parsed.operands[operands]
        raise UsageError(f"unexpected argument {extra!r}" if operands else
                         f"takes no arguments, not {extra!r}")
    return parsed


def number(name: str, value: str, allowed: tuple[str, ...] = ()) -> int | str:
    """`value` of option `name` as a whole number (or one of the `allowed` words)."""
    if value in allowed:
        return value
    if not value.isdigit():
        words = " or ".join(repr(w) for w in allowed)
        raise UsageError(f"{name} takes a number{' or ' + words if words else ''}, "
                         f"not {value!r}")
    return int(value)


def entry(main):
    """Decorate a command's `main(word, args)`: a UsageError it raises is printed as one line
    and exits USAGE (cli.py does the same for errors raised before a command runs)."""

    def run(word: str, args: list[str]) -> int:
        try:
            return main(word, args)
        except UsageError as e:
            report(word, e)
            return USAGE

    run.__doc__ = main.__doc__
    run.__wrapped__ = main
    return run


def report(word: str, error: UsageError) -> None:
    print(f"prempti-hook {word}: {error} (see prempti-hook {word} --help)", file=sys.stderr)
