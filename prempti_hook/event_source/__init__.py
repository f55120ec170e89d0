"""Falco's event source for coding agents: a tool call as fields rules can test."""

# The name rules declare (`source: coding_agent`) and the audit log records.
SOURCE = "coding_agent"
