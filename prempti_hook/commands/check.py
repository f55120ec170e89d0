"""`prempti-hook --check [FILES or FOLDERS] [--json]`: validate rules the way `falco -V` does.

Files are loaded in the order given (a folder contributes its *.yaml/*.yml files sorted by
name), into one engine, exactly as the hook loads them: a later file may use and change
what an earlier one defined, and checking stops at the first file with an error. With no
argument it checks the rules the hook itself would load.

Output: one line per error or warning,
    file:line:col: error|warning: CODE: message (item type 'name')
then a summary on stderr. `--json` prints Falco's load-result JSON instead. Exit status 1 if
there is any error, 0 otherwise (warnings alone do not fail), 2 for a usage error.
"""

from __future__ import annotations

import sys

MAX_RULES_FILE_BYTES = 64 * 1024 * 1024

USAGE = """usage: prempti-hook --check [FILE_OR_FOLDER ...] [--json]

Validate Falco rules files as `falco -V` does. Without FILE_OR_FOLDER, checks the rules the
hook loads ($PREMPTI_RULES, or the default and user rules folders).
  --json    print Falco's load-result JSON instead of one line per problem"""


def read_rules_file(path: str) -> tuple[str | None, str]:
    """(text, "") or (None, reason it cannot be read)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_RULES_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, "no such file or directory"
    except IsADirectoryError:
        return None, "is a directory"
    except PermissionError:
        return None, "permission denied"
    except OSError as e:
        return None, e.strerror or str(e)
    if len(data) > MAX_RULES_FILE_BYTES:
        return None, f"file is larger than {MAX_RULES_FILE_BYTES // (1024 * 1024)} MiB"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as e:
        return None, f"not valid UTF-8 (byte {e.start})"


def default_files() -> tuple[list[str], list[str]]:
    """The rules files the hook would load, and configuration problems to report."""
    from .. import config, rulefiles

    cfg = config.load()
    return rulefiles.rules_files(cfg), list(cfg.problems) + cfg.managed_problems


def managed_files() -> list[str]:
    """The managed policy's rules files: a layer loaded apart, checked first."""
    from .. import config, rulefiles

    return rulefiles.managed_files(config.load())


def _read_all(files: list[str]):
    """(name, text) pairs, and a FileResult for the first file that cannot be read."""
    from ..falco.loader import FileResult
    from ..falco.loader.results import Diagnostic, document_context

    texts: list[tuple[str, str]] = []
    for path in files:
        text, reason = read_rules_file(path)
        if text is None:
            unreadable = FileResult(path)
            unreadable.add(Diagnostic("LOAD_ERR_FILE_READ", f"cannot read rules file: {reason}",
                                      document_context(path)))
            return texts, unreadable
        texts.append((path, text))
    return texts, None


def sources() -> dict:
    from ..event_source.fields import SOURCE, table

    return {SOURCE: table()}


def check(paths: list[str], as_json: bool, out=None, err=None) -> int:
    from ..falco.loader import LoadResult, load
    from ..falco.loader.results import one_line

    out = out or sys.stdout
    err = err or sys.stderr
    if paths:
        from ..rulefiles import expand

        files, problems = expand(paths), []
    else:
        files, problems = default_files()
    for problem in problems:
        print(one_line(f"prempti-hook: warning: {problem}"), file=err)
    if not files:
        print("prempti-hook: no rules files to check", file=err)
        return 1

    # The managed policy loads apart, first; the other files may not touch what it defines.
    managed = managed_files()
    layer, reserved = None, None
    if managed:
        from ..cache import defined_names

        managed_texts, _ = _read_all(managed)
        layer = load(managed_texts, sources(), build=False)
        reserved = defined_names(layer) if layer.successful else None
        files = [path for path in files if path not in managed]
    texts, unreadable = _read_all(files)

    result = load(texts, sources(), build=False, reserved=reserved) if texts else LoadResult()
    if unreadable is not None and result.successful:
        result.per_file.append(unreadable)  # Falco stops at the first failing file too
    if layer is not None:
        result.per_file[:0] = layer.per_file
        result.contents.update(layer.contents)
        files = managed + files

    if as_json:
        import json

        print(json.dumps(result.as_json(), indent=2, sort_keys=True), file=out)
    else:
        for diagnostic in result.diagnostics:
            print(diagnostic.as_line(), file=out)
    errors, warnings = len(result.errors), len(result.warnings)
    checked = len(result.per_file)
    print(f"prempti-hook --check: {checked} of {len(files)} file(s) checked, {errors} error(s), "
          f"{warnings} warning(s)", file=err)
    return 1 if errors else 0


def main(word: str, args: list[str]) -> int:
    as_json = False
    paths: list[str] = []
    for arg in args:
        if arg == "--json":
            as_json = True
        elif arg in ("-h", "--help"):
            print(USAGE)
            return 0
        elif arg.startswith("-") and arg != "-":
            print(f"prempti-hook --check: unknown option {arg!r}\n{USAGE}", file=sys.stderr)
            return 2
        else:
            paths.append(arg)
    try:
        return check(paths, as_json)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback: say what broke and fail
        print(f"prempti-hook --check: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
