"""prempti-hook: a daemon-free policy guard for AI coding agents, driven by Falco rules.

Keep this module empty of imports: every hook call imports it.
"""

__version__ = "0.1.0"


def running_zipapp():
    """The zipapp this code runs from, or None (a checkout, an installed wheel).

    Inside the zipapp every module is served by the launcher's code bundle, which also
    answers `build_id`, `extracted_files(folder)` and `verify_extracted(path, data)` (see
    launcher.py); this is how the package reaches it without importing the launcher."""
    loader = getattr(__spec__, "loader", None)
    return loader if hasattr(loader, "build_id") else None
