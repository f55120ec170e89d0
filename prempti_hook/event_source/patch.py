"""The files of a Codex `apply_patch` text, each with its operation and the text it adds.

Grammar (Codex's patch format; lines, other lines are hunk bodies or ignored):

    patch     = ["*** Begin Patch"] { file } ["*** End Patch"]
    file      = add | delete | update
    add       = "*** Add File: " path { "+" text }
    delete    = "*** Delete File: " path
    update    = "*** Update File: " path ["*** Move to: " path] { hunk line }
    hunk line = "@@" ... | "+" text | "-" text | " " text

Lenient on purpose: a file header anywhere in the text counts, whatever precedes it, so a
patch the parser half understands still shows the rules every file it names. A move is two
files, both with the operation `Move`: the file moved away and the file written.

Only imported for patch tools and for `apply_patch` run from a shell.
"""

from __future__ import annotations

ADD, UPDATE, DELETE, MOVE = "Add", "Update", "Delete", "Move"
_HEADERS = (("*** Add File: ", ADD), ("*** Update File: ", UPDATE),
            ("*** Delete File: ", DELETE), ("*** Move to: ", MOVE))
MAX_PATCH_CHARS = 1_000_000  # beyond this, only the first MiB is read
MAX_FILES = 1000


class PatchFile:
    """One file of a patch: `op` (Add, Update, Delete or Move), `path` as written, and
    `content`, the lines the patch adds to it (without their `+`)."""

    __slots__ = ("added", "op", "path")

    def __init__(self, op: str, path: str) -> None:
        self.op = op
        self.path = path
        self.added: list[str] = []

    @property
    def content(self) -> str:
        return "\n".join(self.added)

    def __repr__(self) -> str:
        return f"PatchFile({self.op!r}, {self.path!r})"


def parse(text: str) -> list[PatchFile]:
    """The files `text` names, in order (see the module docstring)."""
    files: list[PatchFile] = []
    current: list[PatchFile] = []  # the file(s) hunk lines belong to (a move: both)
    for line in text[:MAX_PATCH_CHARS].splitlines():
        header = _header(line)
        if header is not None:
            op, path = header
            if op == MOVE:
                if current and current[0].op == UPDATE:
                    current[0].op = MOVE
                moved = PatchFile(MOVE, path)
                files.append(moved)
                current = [*current[:1], moved]
            else:
                entry = PatchFile(op, path)
                files.append(entry)
                current = [entry]
            if len(files) >= MAX_FILES:
                break
        elif line.startswith("+") and current and current[0].op != DELETE:
            for entry in current:
                entry.added.append(line[1:])
        elif line.startswith("*** End Patch"):
            current = []
    return files


def _header(line: str) -> tuple[str, str] | None:
    if not line.startswith("*** "):
        return None
    for marker, op in _HEADERS:
        if line.startswith(marker):
            path = line[len(marker):].strip()
            return (op, path) if path else None
    return None


def patch_text(tool_input: dict, keys: tuple) -> str:
    """The patch text of a patch tool's input: every one of `keys` that holds a string (a
    decoy key next to the real one hides nothing)."""
    return "\n".join(value for value in (tool_input.get(key) for key in keys)
                     if isinstance(value, str))
