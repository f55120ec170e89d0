"""Stage 2 of loading: apply the reader's items, in order, to one shared collection of lists,
macros and rules (Falco's `rule_loader_collector.cpp`; docs/falco-language.md, "Defining, appending,
overriding" and "Exceptions").

Bookkeeping only, no parsing: a global counter gives every definition an `index` (its place
in the load order, kept across redefinitions) and every define/append/replace a new
`visibility`; the compiler uses both to decide which macros and lists an item can see.
Exception validation needs to know whether a field exists, so the collector is given a
`field_exists(source, text)` predicate and the set of known sources.
"""

from __future__ import annotations

from collections.abc import Callable

from .reader import ExceptionInfo, Item
from .results import Context, Diagnostic, LoadError

ERROR_NO_PREVIOUS_LIST = ("List uses 'append' or 'override.items: append' but no list by that "
                          "name already exists")
ERROR_NO_PREVIOUS_MACRO = ("Macro uses 'append' or 'override.condition: append' but no macro by "
                           "that name already exists")
ERROR_NO_PREVIOUS_RULE_APPEND = ("Rule uses 'append' or 'override.<key>: append' but no rule by "
                                 "that name already exists")
ERROR_NO_PREVIOUS_RULE_REPLACE = ("An 'override.<key>: replace' to a rule was requested but no "
                                  "rule by that name already exists")

PLAIN_OPERATORS = frozenset({
    "exists", "<=", "<", ">=", ">", "==", "=", "!=", "glob", "iglob", "contains", "icontains",
    "bcontains", "startswith", "bstartswith", "endswith", "regex", "intersects", "in", "pmatch",
})
MODIFIABLE_OPERATORS = frozenset({
    "=", "==", "!=", "contains", "icontains", "bcontains", "startswith", "bstartswith",
    "endswith", "glob", "iglob", "regex",
})
MODIFIERS = frozenset({"oneof", "anyof", "allof"})
SINGLE_FIELD_OPERATORS = frozenset({"in", "pmatch", "intersects"})

# The engine version this implementation claims (Falco master's engine, whose rules-language
# features it implements: override, exceptions with operator modifiers, LOAD_UNKNOWN_KEY...).
ENGINE_VERSION = (0, 63, 0)


def version_str(version: tuple[int, int, int]) -> str:
    return ".".join(str(p) for p in version)


def compatible(have: tuple[int, int, int], need: tuple[int, int, int]) -> bool:
    """sinsp_version::compatible_with: same major version and at least the required one."""
    return have[0] == need[0] and have >= need


def normalize_comp(comp: str) -> str:
    """An exception comp trimmed, with a modifier separated from its operator by one blank."""
    parts = comp.strip(" \t\r\n").split()
    return " ".join(parts) if len(parts) == 2 else comp.strip(" \t\r\n")


def is_modifier_op(comp: str) -> bool:
    parts = comp.split(" ")
    return len(parts) == 2 and parts[0] in MODIFIABLE_OPERATORS and parts[1] in MODIFIERS


class ListInfo:
    __slots__ = ("ctx", "index", "items", "name", "used", "visibility")

    def __init__(self, name: str, items: list[str], ctx: Context) -> None:
        self.name = name
        self.items = list(items)
        self.ctx = ctx
        self.index = self.visibility = 0
        self.used = False


class MacroInfo:
    __slots__ = ("cond", "cond_ctx", "ctx", "index", "name", "used", "visibility")

    def __init__(self, name: str, cond: str, ctx: Context, cond_ctx: Context) -> None:
        self.name = name
        self.cond = cond
        self.ctx = ctx
        self.cond_ctx = cond_ctx
        self.index = self.visibility = 0
        self.used = False


class RuleInfo:
    """A rule as collected: raw strings, before any compilation."""

    __slots__ = ("capture", "capture_duration", "cond", "cond_ctx", "ctx", "desc", "enabled",
                 "exceptions", "index", "name", "output", "output_ctx", "priority",
                 "skip_if_unknown_filter", "source", "tags", "unknown_source", "visibility",
                 "warn_evttypes")

    def __init__(self, item: Item) -> None:
        v = item.values
        self.name = item.name
        self.cond: str = v["condition"]
        self.output: str = v["output"]
        self.desc: str = v["desc"]
        self.priority: int = v["priority"]
        self.source: str = v["source"]
        self.enabled: bool = v["enabled"]
        self.warn_evttypes: bool = v["warn_evttypes"]
        self.skip_if_unknown_filter: bool = v["skip-if-unknown-filter"]
        self.capture: bool = v["capture"]
        self.capture_duration: int = v["capture_duration"]
        self.tags: set[str] = set(v["tags"])
        self.exceptions: list[ExceptionInfo] = [e.copy() for e in v["exceptions"]]
        self.ctx = item.ctx
        self.cond_ctx = item.key_ctx.get("condition", item.ctx)
        self.output_ctx = item.key_ctx.get("output", item.ctx)
        self.unknown_source = False
        self.index = self.visibility = 0


class Collector:
    """Everything collected so far, across files (Falco keeps one collector per engine)."""

    def __init__(self, known_sources, field_exists: Callable[[str, str], bool]) -> None:
        self.known_sources = frozenset(known_sources)
        self.field_exists = field_exists
        self.lists: dict[str, ListInfo] = {}
        self.macros: dict[str, MacroInfo] = {}
        self.rules: dict[str, RuleInfo] = {}
        self.required_engine_version: tuple[int, int, int] | None = None
        self.plugin_requirements: list[tuple[list[tuple[str, str]], Context]] = []
        self.cur_index = 0

    def _next(self) -> int:
        index = self.cur_index
        self.cur_index += 1
        return index

    def _place(self, table: dict, info) -> None:
        """Falco's define_info: a redefinition replaces the object but keeps its index."""
        prev = table.get(info.name)
        info.index = prev.index if prev is not None else self.cur_index
        info.visibility = self._next()
        table[info.name] = info

    def changed_by(self, items) -> bool:
        """Whether applying `items` (one file's, not yet applied) would change or redefine a
        list, macro or rule already collected: append, override, `enabled`, or a definition
        of a name already defined."""
        tables = {"list": self.lists, "macro": self.macros, "rule": self.rules}
        return any(item.name in tables[item.kind] for item in items if item.kind in tables)

    # dispatch -----------------------------------------------------------------------------
    def apply(self, item: Item, warn: Callable[[Diagnostic], None]) -> None:
        """Apply one item; raise LoadError on Falco's collector errors."""
        if item.kind == "list":
            self.apply_list(item)
        elif item.kind == "macro":
            self.apply_macro(item)
        elif item.kind == "rule":
            self.apply_rule(item, warn)
        elif item.kind == "required_engine_version":
            self.apply_engine_version(item)
        elif item.kind == "required_plugin_versions":
            self.apply_plugin_versions(item)

    def apply_engine_version(self, item: Item) -> None:
        need = item.values["version"]
        if not compatible(ENGINE_VERSION, need):
            raise LoadError("LOAD_ERR_VALIDATE", f"Rules require engine version "
                            f"{version_str(need)}, but engine version is "
                            f"{version_str(ENGINE_VERSION)}", item.ctx)
        if self.required_engine_version is None or need > self.required_engine_version:
            self.required_engine_version = need

    def apply_plugin_versions(self, item: Item) -> None:
        from .reader import parse_version

        seen: set[str] = set()
        for name, version in item.values["alternatives"]:
            if parse_version(version) is None:
                raise LoadError("LOAD_ERR_VALIDATE",
                                f"Invalid required version '{version}' for plugin '{name}'",
                                item.ctx)
            if name in seen:
                raise LoadError("LOAD_ERR_VALIDATE", "Defined multiple alternative version "
                                f"requirements for plugin '{name}'", item.ctx)
            seen.add(name)
        self.plugin_requirements.append((list(item.values["alternatives"]), item.ctx))

    def apply_list(self, item: Item) -> None:
        if item.op == "append":
            prev = self.lists.get(item.name)
            if prev is None:
                raise LoadError("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_LIST, item.ctx)
            prev.items.extend(item.values["items"])
            prev.visibility = self._next()
            return
        self._place(self.lists, ListInfo(item.name, item.values["items"], item.ctx))

    def apply_macro(self, item: Item) -> None:
        cond = item.values["condition"]
        if item.op == "append":
            prev = self.macros.get(item.name)
            if prev is None:
                raise LoadError("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_MACRO, item.ctx)
            prev.cond = prev.cond + " " + cond
            prev.visibility = self._next()
            return
        cond_ctx = item.key_ctx.get("condition", item.ctx)
        self._place(self.macros, MacroInfo(item.name, cond, item.ctx, cond_ctx))

    # rules --------------------------------------------------------------------------------
    def apply_rule(self, item: Item, warn: Callable[[Diagnostic], None]) -> None:
        if item.op == "define":
            self.define_rule(item, warn)
            return
        prev = self.rules.get(item.name)
        if item.op == "enable":
            if prev is None:
                raise LoadError("LOAD_ERR_VALIDATE", "Rule has 'enabled' key but no rule by that "
                                "name already exists", item.ctx)
            self.check_source(prev, item)
            prev.enabled = item.values["enabled"]
            return
        if prev is None:
            message = (ERROR_NO_PREVIOUS_RULE_APPEND if item.op == "append"
                       else ERROR_NO_PREVIOUS_RULE_REPLACE)
            raise LoadError("LOAD_ERR_VALIDATE", message, item.ctx)
        values = item.values
        if item.op == "append" and item.legacy and "condition" not in values \
                and "exceptions" not in values:
            raise LoadError("LOAD_ERR_VALIDATE",
                            "Appended rule must have exceptions or condition property", item.ctx)
        self.check_source(prev, item)
        if item.op == "append":
            self.append_rule(prev, item)
        else:
            self.replace_rule(prev, item)
        prev.visibility = self._next()

    def check_source(self, prev: RuleInfo, item: Item) -> None:
        source = item.values.get("source")
        if source and prev.source and source != prev.source:
            raise LoadError("LOAD_ERR_VALIDATE", "Rule has been re-defined with a different "
                            "source", item.ctx)

    def define_rule(self, item: Item, warn: Callable[[Diagnostic], None]) -> None:
        info = RuleInfo(item)
        if info.source not in self.known_sources:
            info.unknown_source = True
            warn(Diagnostic("LOAD_UNKNOWN_SOURCE", f"Unknown source {info.source}, skipping",
                            item.ctx))
        prev = self.rules.get(info.name)
        if prev is not None and prev.source != info.source:
            raise LoadError("LOAD_ERR_VALIDATE", "Rule has been re-defined with a different "
                            "source", item.ctx)
        if not info.unknown_source:
            for ex in info.exceptions:
                if ex.fields is None:
                    raise LoadError("LOAD_ERR_VALIDATE", "Rule exception item must have fields "
                                    "property with a list of fields", ex.ctx)
                self.validate_exception(ex, info.source)
        self._place(self.rules, info)

    def append_rule(self, prev: RuleInfo, item: Item) -> None:
        values = item.values
        if "condition" in values:
            prev.cond = prev.cond + " " + values["condition"]
        if "output" in values:
            prev.output = prev.output + " " + values["output"]
        if "desc" in values:
            prev.desc = prev.desc + " " + values["desc"]
        if "tags" in values:
            prev.tags |= set(values["tags"])
        for ex in values.get("exceptions", ()):
            existing = next((e for e in prev.exceptions if e.name == ex.name), None)
            if existing is not None:
                if ex.fields is not None:
                    raise LoadError("LOAD_ERR_VALIDATE", "Can not append exception fields to "
                                    "existing exception, only values", ex.ctx)
                if ex.comps is not None:
                    raise LoadError("LOAD_ERR_VALIDATE", "Can not append exception comps to "
                                    "existing exception, only values", ex.ctx)
                existing.values = (existing.values or []) + list(ex.values or [])
                continue
            if ex.fields is None:
                raise LoadError("LOAD_ERR_VALIDATE", "Rule exception must have fields property "
                                "with a list of fields", ex.ctx)
            if ex.values is None:
                raise LoadError("LOAD_ERR_VALIDATE", "Rule exception must have values property "
                                "with a list of values", ex.ctx)
            new = ex.copy()
            if not prev.unknown_source:
                self.validate_exception(new, prev.source)
            prev.exceptions.append(new)

    def replace_rule(self, prev: RuleInfo, item: Item) -> None:
        values = item.values
        replaced = False
        for key, attr in (("condition", "cond"), ("output", "output"), ("desc", "desc"),
                          ("priority", "priority"), ("enabled", "enabled"),
                          ("warn_evttypes", "warn_evttypes"),
                          ("skip-if-unknown-filter", "skip_if_unknown_filter"),
                          ("capture", "capture"), ("capture_duration", "capture_duration")):
            if key in values:
                setattr(prev, attr, values[key])
                replaced = True
        if "condition" in values:
            prev.cond_ctx = item.key_ctx.get("condition", item.ctx)
        if "output" in values:
            prev.output_ctx = item.key_ctx.get("output", item.ctx)
        if "tags" in values:
            prev.tags = set(values["tags"])
            replaced = True
        if "exceptions" in values:
            # Falco assigns replaced exceptions unvalidated; we validate them as definitions
            # (see `validate_exception`) so that defaults (comps) are filled in and typos are
            # caught.
            exceptions = [e.copy() for e in values["exceptions"]]
            if not prev.unknown_source:
                for ex in exceptions:
                    self.validate_exception(ex, prev.source)
            prev.exceptions = exceptions
            replaced = True
        if not replaced:
            raise LoadError("LOAD_ERR_VALIDATE",
                            "The rule must have at least one field that can be replaced",
                            item.ctx)

    def validate_exception(self, ex: ExceptionInfo, source: str) -> None:
        """Falco's validate_exception_info: default and check comps, check fields
        (docs/falco-language.md, "Exceptions").
        Mutates `ex.comps` to the normalized form the compiler uses."""
        if isinstance(ex.fields, list):
            if ex.comps is None:
                ex.comps = ["="] * len(ex.fields)
            if not isinstance(ex.comps, list) or len(ex.comps) != len(ex.fields):
                raise LoadError("LOAD_ERR_VALIDATE",
                                "Fields and comps lists must have equal length", ex.ctx)
            comps = []
            for comp in ex.comps:
                text = normalize_comp(comp) if isinstance(comp, str) else ""
                if text not in PLAIN_OPERATORS and not is_modifier_op(text):
                    shown = comp.strip(" \t\r\n") if isinstance(comp, str) else ""
                    raise LoadError("LOAD_ERR_VALIDATE", f"'{shown}' is not a supported "
                                    "comparison operator", ex.ctx)
                comps.append(text)
            ex.comps = comps
            for field in ex.fields:
                text = field if isinstance(field, str) else ""
                if not self.field_exists(source, text):
                    raise LoadError("LOAD_ERR_VALIDATE",
                                    f"'{text}' is not a supported filter field", ex.ctx)
            return
        if ex.comps is None:
            ex.comps = "in"
        if not isinstance(ex.comps, str):
            raise LoadError("LOAD_ERR_VALIDATE", "Fields and comps must both be strings", ex.ctx)
        comp = normalize_comp(ex.comps)
        if comp not in SINGLE_FIELD_OPERATORS and not is_modifier_op(comp):
            raise LoadError("LOAD_ERR_VALIDATE", "When fields is a single value, comps must be "
                            "one of (in, pmatch, intersects) or a modifier operator (e.g. "
                            "startswith oneof)", ex.ctx)
        ex.comps = comp
        if not self.field_exists(source, ex.fields):
            raise LoadError("LOAD_ERR_VALIDATE",
                            f"'{ex.fields}' is not a supported filter field", ex.ctx)
