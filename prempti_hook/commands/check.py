"""`prempti-hook --check [FILES or FOLDERS] [--json] [--concise]`: validate rules as `falco -V`
does, with diagnostics as good as ruff's and rustc's.

Files are loaded in the order given (a folder contributes its *.yaml/*.yml files sorted by
name), into one engine, exactly as the hook loads them: a later file may use and change
what an earlier one defined. Every error of a file is reported, not only the first (Falco
stops at the first); checking stops after the first file with errors, since later files
build on it. With no argument it checks the rules the hook itself would load, and when they
compile it refreshes the hook's rule cache, so the next tool call does not pay the compile.

Text output: per problem, `file:line:col: error|warning: CODE: message (item type 'name')`
at the exact token, the source line with a caret span under it, and `help:` suggestions
("did you mean `tool.path_names`?"); each warning once; then the summary line, on stdout.
`--concise` prints only the first lines, `--json` Falco's load-result JSON instead. Exit
status (`arguments.py`): 1 if there is any error in the rules, 0 otherwise (warnings alone
do not fail), 2 for a usage error or an internal error (cli.py reports it in one line).
"""

from __future__ import annotations

import os
import sys

from . import arguments

MAX_RULES_FILE_BYTES = 64 * 1024 * 1024

USAGE = """usage: prempti-hook --check [FILE_OR_FOLDER ...] [--json | --concise]

Validate Falco rules files as `falco -V` does. Without FILE_OR_FOLDER, checks the rules the
hook loads ($PREMPTI_RULES, or the default and user rules folders) and, when they compile,
refreshes the hook's rule cache.
  --json      print Falco's load-result JSON instead
  --concise   one line per problem (no source snippet, no suggestions)"""


def read_rules_file(path: str) -> tuple[str | None, str]:
    """(text, "") or (None, reason it cannot be read)."""
    from ..files import NotRegularFile, open_regular, read_all

    try:
        # Without blocking: a FIFO planted under a rules name must not hang the check.
        fd = open_regular(path, follow=True)
        try:
            data = read_all(fd, MAX_RULES_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None, "no such file or directory"
    except IsADirectoryError:
        return None, "is a directory"
    except NotRegularFile:
        return None, ("is a directory" if os.path.isdir(path)
                      else "not a regular file (a FIFO, socket or device)")
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


def default_files(cfg) -> tuple[list[str], list[str]]:
    """The rules files the hook would load, and configuration problems to report."""
    from .. import rulefiles

    return rulefiles.rules_files(cfg), list(cfg.problems) + cfg.managed_problems


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


def check(paths: list[str], as_json: bool, out=None, err=None, concise: bool = False) -> int:
    from .. import config, rulefiles
    from ..falco.loader import LoadResult, load
    from ..falco.loader.results import one_line

    out = out or sys.stdout
    err = err or sys.stderr
    cfg = None
    if paths:
        from ..rulefiles import expand

        files, problems = expand(paths), []
    else:
        cfg = config.load()
        files, problems = default_files(cfg)
    for problem in problems:
        print(one_line(f"prempti-hook: warning: {problem}"), file=err)
    if not files:
        print("prempti-hook: no rules files to check", file=err)
        return 1

    table = sources()
    # The managed policy loads apart, first; the other files may not touch what it defines.
    managed = rulefiles.managed_files(cfg if cfg is not None else config.load())
    layer, reserved = None, None
    if managed:
        from ..rebuild import defined_names

        managed_texts, _ = _read_all(managed)
        layer = load(managed_texts, table, build=False, keep_going=True)
        reserved = defined_names(layer) if layer.successful else None
        files = [path for path in files if path not in managed]
    texts, unreadable = _read_all(files)

    result = load(texts, table, build=False, keep_going=True, reserved=reserved) if texts \
        else LoadResult()
    if unreadable is not None and result.successful:
        result.per_file.append(unreadable)  # Falco stops at the first failing file too
    if layer is not None:
        result.per_file[:0] = layer.per_file
        result.contents.update(layer.contents)
        files = managed + files
    if result.successful:
        _add_list_name_warnings(result)

    errors, warnings = _unique(result.errors), _unique(result.warnings)
    if as_json:
        import json

        print(json.dumps(result.as_json(), indent=2, sort_keys=True), file=out)
    else:
        _print_text(result, table, concise, out)
    summary = (f"prempti-hook --check: {len(result.per_file)} of {len(files)} file(s) "
               f"checked, {len(errors)} error(s), {len(warnings)} warning(s)")
    if cfg is not None and not errors:
        summary += _refresh_cache(cfg)
    print(one_line(summary), file=err if as_json else out)
    return 1 if errors else 0


def _key(diagnostic) -> tuple:
    where = diagnostic.where
    return (diagnostic.code, diagnostic.message, where.file, where.line, where.column,
            where.offset, diagnostic.focus)


def _unique(diagnostics: list) -> list:
    """Each diagnostic once: every file recompiles all the rules loaded so far (as Falco
    does), so a warning about an earlier file's rule comes back with each later file."""
    seen: set = set()
    out = []
    for diagnostic in diagnostics:
        key = _key(diagnostic)
        if key not in seen:
            seen.add(key)
            out.append(diagnostic)
    return out


def _add_list_name_warnings(result) -> None:
    """The list-name typos only `--check` looks for, each filed under its own file."""
    from ..falco.loader.pretty import suspicious_list_names

    by_file = {r.name: r for r in result.per_file}
    for diagnostic in suspicious_list_names(result):
        target = by_file.get(diagnostic.file)
        if target is not None:
            target.add(diagnostic)


def _print_text(result, table: dict, concise: bool, out) -> None:
    from ..falco.loader.pretty import Names, render

    names = Names.of(result, next(iter(table.values())))
    for diagnostic in _unique(result.diagnostics):
        lines = render(diagnostic, result.contents, names)
        if concise:
            lines = lines[:1]
        for line in lines:
            print(line, file=out)


def _refresh_cache(cfg) -> str:
    """Bring the hook's rule cache up to date (the rules compile), so the next tool call does
    not pay the compile. Returns what to add to the summary."""
    from .. import cache

    try:
        loaded = cache.load(cfg)
    except Exception as e:  # the check itself succeeded; say why the cache did not follow
        return f"; the rule cache was not refreshed: {e}"
    if loaded.notices:
        return "; the rule cache was not refreshed: " + "; ".join(loaded.notices)
    return "; the hook's rule cache is up to date"


@arguments.entry
def main(word: str, args: list[str]) -> int:
    parsed = arguments.parse(args, flags=("--json", "--concise"), operands=None)
    try:
        return check(parsed.operands, parsed.flag("--json"), concise=parsed.flag("--concise"))
    except KeyboardInterrupt:
        return arguments.INTERRUPTED
