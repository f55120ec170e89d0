"""What a simple command prints, when that is known without running it (`echo`, `printf`,
`pwd`, `cat` of a here-document, decoders of known text, `basename`...): the value of a
`$(...)`, what a pipeline's next element reads, what a file written by the command line
holds.

Loaded by the evaluator when such output may matter (a pipeline, a command substitution,
an output redirection).
"""

from __future__ import annotations

from .analysis import has_marker, known_text
from .expand import PRINTING_PROGRAMS
from .syntax import ansi_c

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import Context
    from .evaluate import Evaluator


def printf_output(fmt: str, values: list[str], ctx: Context | None = None) -> str | None:
    """Output of `printf FMT ARGS` for `%s`/`%b`/`%%` formats, else None (unknown). The
    format is reused until the arguments run out, so the text is charged to `ctx` one
    round at a time (`printf '%s<long text>' a b c ...` multiplies the format)."""
    if has_marker(fmt):
        return None
    fmt = ansi_c(fmt, 0, end_char="\x00")[0]
    out: list[str] = []
    index = 0
    while True:
        consumed = False
        i = 0
        size = 0
        while i < len(fmt):
            char = fmt[i]
            if char != "%":
                out.append(char)
                size += 1
                i += 1
                continue
            conv = fmt[i + 1] if i + 1 < len(fmt) else ""
            if conv == "%":
                out.append("%")
            elif conv in ("s", "b"):
                value = values[index] if index < len(values) else ""
                index += 1
                consumed = True
                if conv == "b" and not has_marker(value):
                    value = ansi_c(value, 0, end_char="\x00")[0]
                out.append(value)
                size += len(value)
            else:
                return None
            i += 2
        if ctx is not None:
            ctx.grow(size)
        if not consumed or index >= len(values):
            return "".join(out)


_DECODERS = frozenset({"base64", "base32", "xxd", "rev"})


def static_output(captured: tuple, ev: Evaluator) -> str | None:
    """What a simple command prints, when that is known without running it."""
    argv, stdin, cwd = captured
    base = argv[0].rsplit("/", 1)[-1]
    if base not in PRINTING_PROGRAMS:  # (the programs below: see expand.known_output)
        return None
    args = argv[1:]
    if base == "echo":
        interpret = False
        while args and len(args[0]) > 1 and args[0][0] == "-" and all(
                c in "neE" for c in args[0][1:]):
            interpret = interpret or "e" in args[0]
            args = args[1:]
        ev.ctx.grow(sum(len(arg) + 1 for arg in args))
        text = " ".join(args)
        if interpret and not has_marker(text):
            text = ansi_c(text, 0, end_char="\x00")[0]
        return text
    if base == "printf" and args:
        return printf_output(args[0], args[1:], ev.ctx)
    if base == "pwd":
        return cwd
    if base == "cat" and not args and known_text(stdin) is not None:
        return known_text(stdin)
    if base in _DECODERS and known_text(stdin) is not None:
        from .flows import decoded

        return decoded(base, args, known_text(stdin))
    if base in ("basename", "dirname") and args and not args[0].startswith("-"):
        path = args[0].rstrip("/") or "/"
        if base == "dirname":
            head = path.rsplit("/", 1)[0] if "/" in path else "."
            return head or "/"
        name = path.rsplit("/", 1)[-1]
        if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
            name = name[:-len(args[1])]
        return name
    if base in ("realpath", "readlink") and args:
        operands = [a for a in args if not a.startswith("-")]
        if len(operands) == 1 and (base == "realpath" or any(a in ("-f", "-e", "-m")
                                                             for a in args)):
            if has_marker(operands[0]) or has_marker(cwd):
                return None
            return ev.resolve(operands[0], cwd)
    return None
