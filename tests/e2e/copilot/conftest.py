"""Fixtures for the copilot end-to-end tests: those of `agentkit.fixtures` (see there) for the
copilot CLI."""

from __future__ import annotations

from agentkit.fixtures import agent_fixtures
from copilot_cli import CopilotCLI

(copilot_executable, release, copilot, own_copilot,
 fresh_copilot) = agent_fixtures("copilot", CopilotCLI)
