"""`apply_patch` run from a shell: the Codex CLI intercepts `apply_patch 'PATCH'` and
`apply_patch <<'EOF' ... EOF` in a shell command and applies the patch itself, so the hook
sees a `Bash` call whose files are named only inside the patch text. Each file the patch
adds, updates, deletes or moves is a path the command writes.

Elsewhere `apply_patch` is not a program at all (the command fails), so treating it this way
for every agent only ever adds paths.
"""

from __future__ import annotations

from ...patch import parse
from ..analysis import PIPE, R_COMPUTED_PATH, Input, known_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


def _h_apply_patch(ev: Evaluator, call: Call) -> None:
    """`apply_patch PATCH`, or the patch on standard input (a here-document, a pipe)."""
    if len(call.argv) > 1:
        text = call.argv[1]
    else:
        stdin = call.stdin
        text = known_text(stdin)
        if text is None:
            if stdin == PIPE or isinstance(stdin, Input):
                ev.reason(R_COMPUTED_PATH)  # the patch comes from somewhere we cannot read
            return
    for entry in parse(text):
        path = entry.path
        if path.startswith("~/"):  # Codex does not expand it; the guard errs on the safe side
            ev.path(ev.home.rstrip("/") + path[1:], call.st, write=True)
        ev.path(path, call.st, write=True)


HANDLERS: dict = {"apply_patch": _h_apply_patch, "applypatch": _h_apply_patch}
