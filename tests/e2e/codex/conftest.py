"""Fixtures for the codex end-to-end tests: those of `agentkit.fixtures` (see there) for the
codex CLI."""

from __future__ import annotations

from agentkit.fixtures import agent_fixtures
from codex_cli import CodexCLI

codex_executable, release, codex, own_codex, fresh_codex = agent_fixtures("codex", CodexCLI)
