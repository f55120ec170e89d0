"""Load the Falco/libsinsp test vectors copied into tests/falco/vectors/ (one YAML document
per case, grouped by section). Use `cases("A_parser")` or `cases("I_rule_loader")`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

VECTORS = Path(__file__).parent / "falco" / "vectors"


@cache
def cases(section: str) -> tuple[dict, ...]:
    """All cases of one section file (name without `.yaml`), in file order."""
    path = VECTORS / f"{section}.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(doc for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader)
                 if doc)


def params(section: str, kind: str | None = None):
    """pytest parameters (case, id=case id) for a section, optionally one `kind` only."""
    import pytest

    return [pytest.param(c, id=c["id"]) for c in cases(section)
            if kind is None or c.get("kind") == kind]
