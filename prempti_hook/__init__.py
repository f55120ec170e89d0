"""prempti-hook: a daemon-free policy guard for AI coding agents, driven by Falco rules.

Keep this module empty of imports: every hook call imports it.
"""

__version__ = "0.1.0"
