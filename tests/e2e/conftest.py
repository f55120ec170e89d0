"""End-to-end tests: `tests/e2e/agentkit/` (the harness shared by the Codex, Gemini and
Copilot tests) is importable as `agentkit`."""

from __future__ import annotations

import sys
from pathlib import Path

E2E = str(Path(__file__).resolve().parent)
if E2E not in sys.path:
    sys.path.insert(0, E2E)
