"""The rules loader: rules files -> compiled rulesets, with Falco's errors and warnings.

    load(files, sources, *, min_priority="debug", extra_outputs=None, plugins=None)
        -> LoadResult

`files` are (name, text) pairs in load order; `sources` maps a source name (`syscall`,
`coding_agent`...) to its FieldTable. Falco's semantics (docs/falco-language.md, "Load order
across files"): one collector shared by all files; each file is read into it and then
*everything collected so far* is compiled again, so a file can use and change what earlier
files defined but not the reverse; loading stops at the first file with an error. Plugin
requirements are checked at the end against `plugins` (name -> version; by default none are
loaded, so any requirement fails).
`required_engine_version` is checked against ENGINE_VERSION (0.63.0, Falco master's rules
engine, whose language this implements); rules requiring a newer 0.x engine, or 1.x, fail.

Stages, each a module with plain data in between: `reader` (YAML -> items), `collector`
(define/append/override bookkeeping), `compiler` (lists, macros, exceptions, outputs,
conditions). This package is on the cold path only; it imports yaml and the parser.
"""

from __future__ import annotations

from .collector import ENGINE_VERSION, Collector, RuleInfo, compatible
from .compiler import CompiledRule, CompileOutput, Compiler, ExtraOutput
from .reader import PRIORITIES, parse_priority, parse_version, read
from .results import Diagnostic, FileResult, LoadError

__all__ = ["ENGINE_VERSION", "PRIORITIES", "Diagnostic", "ExtraOutput", "FileResult",
           "LoadResult", "load"]


class RuleDescription:
    """A rule as Falco's `describe_rule` shows it: raw texts after append/replace, plus the
    compiled condition (`None` when the rule was not compiled: unknown source, skipped)."""

    __slots__ = ("compiled", "info")

    def __init__(self, info: RuleInfo, compiled: CompiledRule | None) -> None:
        self.info = info
        self.compiled = compiled

    def as_dict(self) -> dict:
        info = self.info
        return {
            "name": info.name, "condition": info.cond, "output": info.output,
            "description": info.desc, "priority": PRIORITIES[info.priority],
            "source": info.source, "enabled": info.enabled, "tags": sorted(info.tags),
            "capture": info.capture, "capture_duration": info.capture_duration,
            "warn_evttypes": info.warn_evttypes,
            "skip-if-unknown-filter": info.skip_if_unknown_filter,
            "condition_compiled": self.compiled.compiled_condition if self.compiled else None,
            "output_compiled": self.compiled.output_text if self.compiled else None,
        }


class LoadResult:
    """Everything a load produced. `per_file` holds one Falco load result per file that was
    attempted; `rulesets` (source -> Ruleset) is only set when everything loaded."""

    def __init__(self) -> None:
        self.per_file: list[FileResult] = []
        self.contents: dict[str, str] = {}
        self.collector: Collector | None = None
        self.compiled: CompileOutput | None = None
        self.rulesets: dict = {}
        self.min_priority = len(PRIORITIES) - 1
        self.plugin_errors: list[Diagnostic] = []
        # Condition text (after list substitution) -> its AST (or ParseError), as parsed
        # while compiling: a trace of the same conditions reuses it.
        self.parse_cache: dict = {}

    @property
    def successful(self) -> bool:
        return all(r.successful for r in self.per_file) and not self.plugin_errors

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for r in self.per_file for d in r.errors] + self.plugin_errors

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for r in self.per_file for d in r.warnings]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.per_file for d in (*r.errors, *r.warnings)] + self.plugin_errors

    def rule(self, name: str) -> RuleDescription | None:
        """The collected (and, when compiled, compiled) rule `name`."""
        if self.collector is None or name not in self.collector.rules:
            return None
        compiled = None
        if self.compiled is not None:
            compiled = next((r for r in self.compiled.rules if r.name == name), None)
        return RuleDescription(self.collector.rules[name], compiled)

    def compiled_condition(self, name: str) -> str | None:
        described = self.rule(name)
        return described.compiled.compiled_condition if described and described.compiled \
            else None

    @property
    def lists(self) -> dict[str, list[str]]:
        """Compiled list items (nested lists spliced in), by list name."""
        return dict(self.compiled.lists) if self.compiled else {}

    def is_enabled(self, compiled: CompiledRule) -> bool:
        return compiled.info.enabled and compiled.info.priority <= self.min_priority

    def enabled_rules(self) -> list[str]:
        """Names of the rules enabled in the default ruleset, in load order."""
        if self.compiled is None:
            return []
        return [r.name for r in self.compiled.rules if self.is_enabled(r)]

    def check_plugins(self, plugins: dict[str, str]) -> list[Diagnostic]:
        """Falco's check_plugin_requirements against loaded plugins (name -> version): one
        LOAD_ERR_VALIDATE diagnostic per requirement not satisfied."""
        problems: list[Diagnostic] = []
        requirements = self.collector.plugin_requirements if self.collector else []
        for alternatives, ctx in requirements:
            problem = _check_requirement(alternatives, plugins)
            if problem:
                problems.append(Diagnostic("LOAD_ERR_VALIDATE", problem, ctx))
        return problems

    def as_json(self) -> dict:
        """Falco's `-V --json` shape: one load result object per file."""
        results = [r.as_json(self.contents) for r in self.per_file]
        if self.plugin_errors and results:
            results[-1]["successful"] = False
            results[-1]["errors"].extend(d.as_json(self.contents) for d in self.plugin_errors)
        return {"falco_load_results": results}


def _check_requirement(alternatives: list[tuple[str, str]], plugins: dict[str, str]) -> str:
    """'' when satisfied. The first alternative naming a loaded plugin decides (a Falco
    quirk: later alternatives are not tried)."""
    for name, required in alternatives:
        if name not in plugins:
            continue
        have = parse_version(plugins[name])
        if have is None:
            return f"Plugin '{name}' has invalid version string '{plugins[name]}'"
        need = parse_version(required)
        if need is None or not compatible(have, need):
            return (f"Plugin '{name}' version '{plugins[name]}' is not compatible with required "
                    f"plugin version '{required}'")
        return ""
    wanted = ", ".join(f"{name} (>= {version})" for name, version in alternatives)
    return f"Plugin requirement not satisfied, must load one of: {wanted}"


def _field_exists_for(sources: dict):
    """The collector's predicate: does `text` name a real field (or a transformer over real
    fields) of `source`? (Falco's is_valid_lhs_field, used by exception validation.)"""

    def field_exists(source: str, text: str) -> bool:
        from ..ast import FieldRef, Transformer, TransformerList
        from ..errors import ParseError
        from ..parser import parse_field_or_transformer

        table = sources.get(source)
        if table is None or not text:
            return False
        try:
            node, end = parse_field_or_transformer(text, 0)
        except (ParseError, RecursionError):
            return False
        if end != len(text):
            return False

        def real(n) -> bool:
            if isinstance(n, FieldRef):
                return table.lookup(n.name, n.arg) is not None
            if isinstance(n, Transformer):
                return n.name != "val" and all(real(a) for a in n.args
                                               if isinstance(a, (FieldRef, Transformer,
                                                                 TransformerList)))
            if isinstance(n, TransformerList):
                return all(real(i) for i in n.items
                           if isinstance(i, (FieldRef, Transformer, TransformerList)))
            return True

        return real(node)

    return field_exists


def runtime_rules(result: LoadResult, source: str) -> list:
    """The rules of `source` from the last compile, in load order, as the runtime has them
    (`ruleset.Rule`), for a Ruleset to be built from."""
    from ..ruleset import Rule

    rules = []
    for compiled in result.compiled.rules if result.compiled else []:
        info = compiled.info
        if info.source == source:
            rules.append(Rule(info.name, compiled.condition, info.priority,
                              tuple(sorted(info.tags)), info.source, compiled.output,
                              enabled=result.is_enabled(compiled),
                              extra={"desc": info.desc, "extra_fields": compiled.extra_fields}))
    return rules


def build_rulesets(result: LoadResult, sources: dict) -> dict:
    """One indexed Ruleset per source, from the last compile."""
    from ..ruleset import Ruleset

    return {name: Ruleset.build(runtime_rules(result, name),
                                getattr(table, "index_field", None))
            for name, table in sources.items()}


def load(files: list[tuple[str, str]], sources: dict, *, min_priority: str = "debug",
         extra_outputs: list[ExtraOutput] | None = None,
         plugins: dict[str, str] | None = None, build: bool = True,
         keep_going: bool = False, compile_each_file: bool = True,
         reserved: dict | None = None) -> LoadResult:
    """Load rules files in order (see the module doc). `build=False` skips building the
    runtime rulesets (validation only). `keep_going=True` (for `--check`) reports every
    error of the first file that has errors instead of stopping at the first one (Falco
    stops at the first); loading still stops after that file.

    `compile_each_file=False` compiles once, after the last file, for callers that want the
    rules and not Falco's per-file warnings (the hook's cache, the offline commands): the
    result is Falco's (see `_load_compiling_once`); when anything fails, the files are
    loaded again the usual way, so errors are exactly Falco's.

    `reserved` maps (item kind, name) to the file of a layer loaded apart (the managed
    policy): these files may not define, append to, override or enable/disable an item of
    that name (an error on the item that tries)."""
    reserved = reserved or {}
    if not compile_each_file:
        fast = _load_compiling_once(files, sources, min_priority, extra_outputs, plugins, build,
                                    reserved)
        if fast is not None:
            return fast
    result, collector = _empty_result(sources, min_priority)
    parse_cache = result.parse_cache
    compile_cache: dict = {}
    for name, text in files:
        file_result = FileResult(name)
        result.per_file.append(file_result)
        result.contents[name] = text
        collected = _collect(read(text, name, keep_going), collector, file_result, keep_going,
                             reserved)
        if not collected and not keep_going:
            return result
        compiler = Compiler(collector, sources, file_result.add, extra_outputs, parse_cache,
                            keep_going, compile_cache)
        # Macros that could not even be read: their uses are not reported a second time.
        compiler.broken.update(d.item_name for d in file_result.errors
                               if d.item_type == "macro")
        try:
            result.compiled = compiler.compile()
        except LoadError as e:
            file_result.add(e.diagnostic)
            return result
        if not file_result.successful:
            return result
    result.plugin_errors = result.check_plugins(plugins or {})
    if build and result.successful:
        result.rulesets = build_rulesets(result, sources)
    return result


def _empty_result(sources, min_priority) -> tuple[LoadResult, Collector]:
    """A result with nothing loaded yet and the collector the files will be read into;
    ValueError if `min_priority` is not a priority name."""
    result = LoadResult()
    priority = parse_priority(min_priority)
    if priority is None:
        raise ValueError(f"invalid minimum priority {min_priority!r}")
    result.min_priority = priority
    collector = Collector(sources.keys(), _field_exists_for(sources))
    result.collector = collector
    return result, collector


def _load_compiling_once(files, sources, min_priority, extra_outputs, plugins,
                         build, reserved: dict) -> LoadResult | None:
    """`load` with as few compiles as give Falco's result; None when anything failed (or
    might have failed in Falco), for the caller to load file by file.

    Falco compiles everything collected so far after each file. A compile after a later file
    stands for the ones it skipped when the files in between only added lists, macros and
    rules (the compiler then compiles again, as each skipped compile had them, only the
    items that use what came after: `Compiler.compiles_skipped`). So everything collected is
    compiled, as it is, before a file that changes or redefines an item collected earlier
    (append, override, redefinition, `enabled`), and once at the end."""
    result, collector = _empty_result(sources, min_priority)
    file_ends: list[int] = []  # the collector's counter after each file
    compile_cache: dict = {}
    skipped_from = 0  # the first file after which nothing was compiled

    def compiled(warn) -> CompileOutput | None:
        compiler = Compiler(collector, sources, warn, extra_outputs, result.parse_cache,
                            compile_cache=compile_cache, file_ends=file_ends,
                            skipped_from=skipped_from)
        try:
            output = compiler.compile()
        except LoadError:
            return None
        return output if compiler.compiles_skipped() else None

    for name, text in files:
        file_result = FileResult(name)
        result.per_file.append(file_result)
        result.contents[name] = text
        items = read(text, name)
        if file_ends and collector.changed_by(items):
            if compiled(lambda d: None) is None:
                return None
            skipped_from = len(file_ends)
        if not _collect(items, collector, file_result, reserved=reserved):
            return None
        file_ends.append(collector.cur_index)
    result.compiled = compiled(result.per_file[-1].add if result.per_file
                               else (lambda d: None))
    if result.compiled is None:
        return None
    result.plugin_errors = result.check_plugins(plugins or {})
    if not result.successful:
        return None
    if build:
        result.rulesets = build_rulesets(result, sources)
    return result


_RESERVED_VERBS = {"define": "redefine (shadow)", "append": "append to", "replace": "override",
                   "enable": "enable or disable"}


def _collect(items, collector: Collector, file_result: FileResult,
             keep_going: bool = False, reserved: dict | None = None) -> bool:
    """Apply one file's items; False when there was an error (at the first one, unless
    `keep_going`: then every item that can be applied is). An item naming something in
    `reserved` (another layer's) is an error."""
    ok = True
    for item in items:
        for warning in item.warnings:
            file_result.add(warning)
        if item.kind == "error":
            file_result.add(item.error)
            ok = False
            if not keep_going:
                return False
            continue
        if item.kind == "warnings":
            continue
        owner = reserved.get((item.kind, item.name)) if reserved else None
        if owner is not None:
            verb = _RESERVED_VERBS.get(item.op, "change")
            file_result.add(Diagnostic(
                "LOAD_ERR_VALIDATE", f"{item.kind} '{item.name}' is part of the managed "
                f"policy ({owner}); other rules files cannot {verb} it", item.ctx))
            ok = False
            if not keep_going:
                return False
            continue
        try:
            collector.apply(item, file_result.add)
        except LoadError as e:
            file_result.add(e.diagnostic)
            ok = False
            if not keep_going:
                return False
    return ok

