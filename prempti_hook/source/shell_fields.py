"""Declarations of the shell-analysis fields (`tool.cmd.*`, path and secret fields).

Filled in by the shell-analysis work; see `source/shell.py`.
"""

from __future__ import annotations

SHELL_FIELDS: list = []
SHELL_EXTRACTORS: dict = {}
