"""Fixtures for the gemini end-to-end tests: those of `agentkit.fixtures` (see there) for the
gemini CLI."""

from __future__ import annotations

from agentkit.fixtures import agent_fixtures
from gemini_cli import GeminiCLI

gemini_executable, release, gemini, own_gemini, fresh_gemini = agent_fixtures("gemini", GeminiCLI)
