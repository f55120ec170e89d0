"""Which modules a piece of code imports, measured in a fresh `python -I -S` process with
only the repository on sys.path (no site, no editable-install hooks), as the zipapp runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("re", "typing", "dataclasses", "enum", "json", "pickle", "pyparsing", "yaml",
         "filelock")


def modules_after(code: str) -> set[str]:
    """The names in sys.modules after running `code` in a fresh isolated interpreter."""
    # Snapshot sys.modules before importing json to report it (json imports re).
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n{code}\n"
              "_names = sorted(sys.modules)\nimport json as _j\nprint(_j.dumps(_names))")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True,
                         text=True, check=True).stdout.splitlines()[-1]
    return set(json.loads(out))


def heavy_imports(code: str) -> set[str]:
    """The expensive modules (see HEAVY) that `code` imports."""
    return {m for m in modules_after(code) if m.split(".")[0] in HEAVY}
