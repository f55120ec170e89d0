"""What a Bash command line would really run and touch (`tool.cmd.*`).

An agent can hide `cat ~/.ssh/id_rsa` in many spellings: `ca""t`, `\\cat`, `/bin/c?t`,
`{cat,~/.ssh/id_rsa}`, `K=~/.ssh; cat $K/id_rsa`, `head${IFS}-c9${IFS}/etc/gshadow`,
`bash -c '...'`, `eval "..."`, `sudo env X=1 ...`. This package parses the command the way
bash does (quoting, expansions, compound commands, here-documents), evaluates what it can
statically (variables assigned in the command, the environment, `~`, `$HOME`, `$PWD`,
brace and pathname expansion, `cd`), looks through wrapper programs and shells, and
collects program names, argument words, paths read and written, URLs and hosts.

What it cannot see statically it reports instead of guessing: `Analysis.reasons` lists
why the result may be incomplete (a command name produced at run time, code fed to a
shell from a program's output, inline code of another language, a path built at run
time, limits reached...). Values produced at run time are carried through the analysis
as private-use marker characters, so that e.g. a command substitution inside a `bash -c`
string is still recognized as unknown code.

The modules, each importing at run time only modules listed before it (no import cycles):
- `analysis`: limits, run-time markers, reasons, the per-analysis `Context`, the
  `Analysis` result, the shell `State` and the `Call` of one command.
- `nodes`: the syntax tree, one class per bash construct.
- `syntax`: character classes, names, assignment words, `$'...'` strings, patterns.
- `parser`: command text -> that tree.
- `expand`: how a word becomes fields (parameters, `~`, braces, IFS, globbing, `$(...)`),
  with what rarer words need loaded when they do: `braces` (brace expansion), `parameters`
  (`${name op arg}`), `printed` (what a command prints, when known).
- `programs/`: how each program uses its arguments, by family, and the table of them.
- `evaluate`: walks the tree, records what it sees, hands commands to their programs;
  `control` runs the compound commands and functions, loaded when one is met (as
  `compound` is by the parser).
- this module: `analyze`, the entry point.

Hot path: standard library only, no `re`/`typing`/`dataclasses`/`enum`/`json` imports.
Work is bounded (input size, nesting, steps, brace and glob results).
"""

from __future__ import annotations

import os

from .analysis import (
    COMPUTED,
    MARKERS,
    MAX_ALTS,
    MAX_FIELDS,
    MAX_GLOB_SCAN,
    MAX_INPUT,
    MAX_LEVEL,
    MAX_STEPS,
    NUMBER,
    POSITIONAL,
    R_COMPUTED_HOST,
    R_COMPUTED_PATH,
    R_DYNAMIC_CODE,
    R_DYNAMIC_COMMAND,
    R_INLINE_CODE,
    R_NUL,
    R_SYNTAX,
    R_TOO_COMPLEX,
    R_TOO_DEEP,
    R_TOO_LARGE,
    R_UNKNOWN_CWD,
    R_UNKNOWN_VARIABLE,
    UNSET,
    Abort,
    Analysis,
    Context,
    State,
    has_marker,
)
from .evaluate import Evaluator
from .parser import Parser
from .syntax import glob_match

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..paths import Folders

# What `derived_fields` and the tests use.
__all__ = [
    "COMPUTED", "MAX_ALTS", "MAX_FIELDS", "MAX_GLOB_SCAN", "MAX_INPUT", "MAX_LEVEL",
    "MAX_STEPS", "NUMBER", "POSITIONAL", "R_COMPUTED_HOST", "R_COMPUTED_PATH",
    "R_DYNAMIC_CODE", "R_DYNAMIC_COMMAND", "R_INLINE_CODE", "R_NUL", "R_SYNTAX",
    "R_TOO_COMPLEX", "R_TOO_DEEP", "R_TOO_LARGE", "R_UNKNOWN_CWD", "R_UNKNOWN_VARIABLE",
    "UNSET", "Analysis", "analyze", "glob_match",
]

_MARKER_SCRUB = {ord(m): "\ufffd" for m in MARKERS}


def analyze(command: str, cwd: str, home: str,
            env: Mapping[str, str] | None = None, folders: Folders | None = None) -> Analysis:
    """Analyse a Bash command line run in `cwd` (resolved) by a user whose home is
    `home`; `env` is the environment it runs with (default: this process's), `folders`
    what the call already learnt of the folders above its paths (`paths.Folders`)."""
    out = Analysis()
    ctx = Context()
    ctx.reasons = out.reasons
    text = command if isinstance(command, str) else ""
    if len(text) > MAX_INPUT:
        text = text[:MAX_INPUT]
        ctx.reason(R_TOO_LARGE)
    if "\x00" in text:
        # Bash cannot receive a NUL in a command string; what runs is unclear.
        text = text.replace("\x00", "")
        ctx.reason(R_NUL)
    if has_marker(text):
        text = text.translate(_MARKER_SCRUB)
    evaluator = Evaluator(ctx, out, os.environ if env is None else env, home, folders)
    try:
        node = Parser(text, ctx).parse_script()
        evaluator.run(node, State(cwd), None)
    except Abort as stop:
        ctx.reason(stop.reason)
    except RecursionError:
        ctx.reason(R_TOO_DEEP)
    return out
