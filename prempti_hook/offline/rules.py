"""A set of rules loaded once for many offline decisions: the hook's own (what it loads
today), or any files and folders (`--rules`).

Besides the compiled ruleset (matched exactly as the hook matches it), the loader's result
is kept: rule definitions with their file and line, lists and macros, for traces and for
saying where a rule is written.
"""

from __future__ import annotations

from ..falco.loader.results import one_line


class RulesError(Exception):
    """The rules do not load; the message has the first problems, one per line."""


class LoadedRules:
    """Compiled rules ready to decide calls, and where each rule was written."""

    def __init__(self, files: list[str], result, ruleset, table) -> None:
        self.files = files
        self.result = result
        self.ruleset = ruleset
        self.table = table

    def info(self, name: str):
        """The collected rule `name` (loader RuleInfo), or None."""
        collector = self.result.collector
        return collector.rules.get(name) if collector is not None else None

    def where(self, name: str) -> str:
        """`file:line` of the rule's definition ("" when unknown)."""
        info = self.info(name)
        if info is None or not info.ctx:
            return ""
        loc = next((loc for loc in reversed(info.ctx) if loc.line > 0), None)
        return f"{loc.file}:{loc.line}" if loc is not None else ""


def rules_files(entries: list[str] | None, cfg=None) -> list[str]:
    """The files of `entries` (files and folders, in order), or the hook's rules files."""
    from .. import rulefiles

    if entries:
        return rulefiles.expand(entries)
    if cfg is None:
        from .. import config

        cfg = config.load()
    return rulefiles.rules_files(cfg)


def load_using_hook_cache(cfg) -> LoadedRules | None:
    """The hook's own rules with the hook's compiled ruleset from its cache, when the cache is
    fresh (else None): only the rules' definitions are read (no compile), which is what
    `explain` needs besides the ruleset. Reads the cache, never writes it."""
    import os

    from .. import cache, rebuild
    from ..event_source import fields
    from ..falco.loader import Collector, FileResult, LoadResult, _collect, _field_exists_for
    from ..falco.loader.compiler import CompileOutput, Compiler
    from ..falco.loader.reader import read

    try:
        if not os.path.isfile(os.path.join(cfg.cache_dir, cache.RULESET_FILE)):
            return None  # (describe() would create the cache folder)
        if rebuild.describe(cfg)["state"] != "fresh":
            return None
        loaded = cache.load(cfg)
    except Exception:  # any doubt about the cache: compile instead
        return None
    if not loaded.from_cache or loaded.notices:
        return None
    files = rules_files(None, cfg)
    table = fields.table()
    sources = {fields.SOURCE: table}
    result = LoadResult()
    result.collector = Collector(sources.keys(), _field_exists_for(sources))
    for path, text in _read_all(files):
        file_result = FileResult(path)
        result.per_file.append(file_result)
        result.contents[path] = text
        if not _collect(read(text, path), result.collector, file_result):
            return None
    compiler = Compiler(result.collector, sources, lambda diagnostic: None)
    compiler.out = result.compiled = CompileOutput()
    compiler.compile_lists()
    return LoadedRules(files, result, loaded.ruleset, table)


def _read_all(files: list[str]) -> list[tuple[str, str]]:
    from ..commands.check import read_rules_file

    texts = []
    for path in files:
        text, reason = read_rules_file(path)
        if text is None:
            raise RulesError(one_line(f"{path}: cannot read rules file: {reason}"))
        texts.append((path, text))
    return texts


def load(entries: list[str] | None, cfg=None) -> LoadedRules:
    """Load and compile rules (see `rules_files`); RulesError says why they do not load."""
    from ..event_source import fields
    from ..falco.loader import load as load_rules
    from ..falco.ruleset import Ruleset

    files = rules_files(entries, cfg)
    if not files:
        raise RulesError("no rules files to load")
    texts = _read_all(files)
    table = fields.table()
    result = load_rules(texts, {fields.SOURCE: table}, compile_each_file=False)
    if not result.successful:
        lines = [d.as_line() for d in result.errors[:5]]
        raise RulesError("\n".join([*lines, "the rules do not load; `prempti-hook --check "
                                    + " ".join(entries or []) + "` shows every problem"]))
    ruleset = result.rulesets.get(fields.SOURCE) or Ruleset.build([], fields.INDEX_FIELD)
    return LoadedRules(files, result, ruleset, table)
