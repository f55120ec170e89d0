"""Compiled rules, indexed for matching (the loader's result; the hook's cache stores it
with `falco.storing.dump` and reads it back lazily with `falco.stored.StoredRuleset`).

`Ruleset.build` generates one Python module for all the rules' conditions (one factory
function per rule, see `condition.factory_source`; compiled in pieces, see
`_factories_module`): no parsing or compiling is ever needed again to evaluate them. A
Ruleset can also be pickled (the module as `marshal` bytes next to the rules); marshal data
is only valid for the Python that wrote it, so the pickle records the interpreter
(`runtime.PYTHON_TAG`) and loading it under another one raises `RulesetVersionError`.

Indexing: each condition knows the values of the source's index field (`tool.name` for
`coding_agent`) for which it can be true (`Condition.index_values`). For each such value
`build` precomputes the ordered tuple of candidate rules (the rules whose set holds the
value, plus every rule without a set), so `match` evaluates no other rule. The index is
pickled as positions, so a loaded ruleset does not recompute it (that took about as long as
loading everything else), and only the looked-up value's tuple is ever built.
"""

from __future__ import annotations

import marshal

from .condition import Condition
from .runtime import PYTHON_TAG, RUNTIME_GLOBALS
from .stored import RulesetVersionError  # one error for both stored forms

__all__ = ["DetachedCondition", "Rule", "Ruleset", "RulesetVersionError"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

FORMAT = "prempti-ruleset/3"


class Rule:
    """One loaded rule. `priority` is 0 (Emergency) .. 7 (Debug); `output` is the output
    formatter's compiled object (it has `render(event)`); `extra` holds whatever else the
    loader keeps (description, exceptions, file position...)."""

    __slots__ = ("condition", "enabled", "extra", "name", "output", "priority", "source",
                 "tags")

    def __init__(self, name: str, condition: Condition, priority: int, tags: tuple[str, ...],
                 source: str, output, enabled: bool = True, extra: dict | None = None) -> None:
        self.name = name
        self.condition = condition
        self.priority = priority
        self.tags = tuple(tags)
        self.source = source
        self.output = output
        self.enabled = enabled
        self.extra = extra

    def __reduce__(self):
        return (Rule, (self.name, self.condition, self.priority, self.tags, self.source,
                       self.output, self.enabled, self.extra))

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"


class DetachedCondition(Condition):
    """The condition of a rule restored from a pickled Ruleset: its code lives in the
    ruleset's generated module and only the ruleset evaluates it; its text is not kept.
    It keeps what indexing needs (constants, index values) and refuses to be evaluated or
    recompiled on its own (it would otherwise be an empty expression, silently false)."""

    __slots__ = ("rule_name",)

    def __init__(self, rule_name: str, consts: tuple, index_values, index_field) -> None:
        super().__init__("", consts, index_values=index_values, index_field=index_field)
        self.rule_name = rule_name

    def _refuse(self):
        raise TypeError(
            f"the condition of rule {self.rule_name!r} was restored from a compiled ruleset "
            f"without its text: evaluate it through its Ruleset (`match`), or compile the "
            f"rule again")

    def source(self, name: str) -> str:
        self._refuse()

    def __call__(self, event: Mapping) -> bool:
        self._refuse()

    def __repr__(self) -> str:
        return f"DetachedCondition(rule={self.rule_name!r})"


class Ruleset:
    """Rules of one source in load order, with their compiled conditions and index."""

    __slots__ = ("_by_value", "_candidates", "_code", "_enabled", "_positions", "_unindexed",
                 "index_field", "rules")

    def __init__(self, rules, index_field: str | None, code: bytes, positions=None) -> None:
        """Use `Ruleset.build`; this rebuilds from already compiled module bytes (and the
        index `positions` a pickled ruleset carries; None computes them)."""
        self.rules = tuple(rules)
        self.index_field = index_field
        self._code = code
        namespace = dict(RUNTIME_GLOBALS)
        exec(marshal.loads(code), namespace)
        pairs = []
        for i, rule in enumerate(self.rules):
            fn = namespace[f"_make_r{i}"](*rule.condition.consts)
            if rule.enabled:
                pairs.append((fn, rule))
        self._enabled = tuple(pairs)
        if positions is None:
            positions = self._index_positions()
        self._positions = positions
        self._by_value, unindexed = positions
        self._unindexed = tuple(pairs[i] for i in unindexed)
        self._candidates: dict = {}

    @classmethod
    def build(cls, rules: list[Rule], index_field: str | None = None) -> Ruleset:
        """Compile the rules (in load order) into one ruleset indexed by `index_field`."""
        rules = list(rules)
        sources = [rule.condition.source(f"r{i}") for i, rule in enumerate(rules)]
        return cls(rules, index_field, marshal.dumps(_factories_module(sources)))

    def _index_positions(self) -> tuple:
        """(index value -> positions in `_enabled` of its candidate rules, positions of the
        rules that are candidates for every value); (None, all) without an index field."""
        enabled = [rule for _, rule in self._enabled]
        if self.index_field is None:
            return None, tuple(range(len(enabled)))

        def values_of(rule):
            condition = rule.condition
            if condition.index_field != self.index_field:
                return None  # compiled against another index: no knowledge
            return condition.index_values

        sets = [values_of(rule) for rule in enabled]
        unindexed = tuple(i for i, values in enumerate(sets) if values is None)
        keys: set = set()
        for values in sets:
            if values is not None:
                keys |= values
        by_value = {key: tuple(i for i, values in enumerate(sets)
                               if values is None or key in values)
                    for key in sorted(keys, key=repr)}
        return by_value, unindexed

    def candidates(self, event: Mapping) -> tuple:
        """The (function, rule) pairs worth evaluating for `event`, in load order."""
        by_value = self._by_value
        if by_value is None:
            return self._enabled
        key = event[self.index_field]
        try:
            return self._candidates[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value can only match unindexed rules
            return self._unindexed
        positions = by_value.get(key)
        enabled = self._enabled
        found = self._unindexed if positions is None else tuple(enabled[i] for i in positions)
        self._candidates[key] = found
        return found

    def match(self, event: Mapping) -> list[Rule]:
        """Every enabled rule whose condition is true for `event`, in load order.

        Raises EvaluationError (naming the rule) when a condition cannot be evaluated."""
        from .stored import run_rules

        return run_rules(self.candidates(event), event)

    def __reduce__(self):
        # Only what matching needs: the generated module already holds every condition,
        # so the conditions' text, helpers, field sets and warnings and the rules' `extra`
        # (description...) stay out of the cache, which makes it about half as big and
        # faster to load. A restored rule's `condition` keeps its constants and index values.
        # Equal constants (the same field key, tool list or value in many rules) are made
        # one object each, so the pickle stores and rebuilds each once.
        memo: dict = {}
        slim = tuple((r.name, canonical(r.condition.consts, memo),
                      canonical(r.condition.index_values, memo), r.condition.index_field,
                      r.priority, canonical(r.tags, memo), r.source, r.output, r.enabled)
                     for r in self.rules)
        return (_restore, (FORMAT, PYTHON_TAG, slim, self.index_field, self._code,
                           self._positions))

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"Ruleset({len(self.rules)} rules, index_field={self.index_field!r})"


_PIECE = 16  # rules whose factories are compiled together (see `_factories_module`)


def _factories_module(sources: list[str]):
    """The module defining each rule's factory (`_make_r0`, `_make_r1`...: `sources`).

    CPython compiles one very large module much more slowly than the same code in pieces
    (the shipped rules, in a fresh process: ~30 ms at once, ~20 ms sixteen rules at a
    time), so the factories are compiled in pieces and placed in one module: a module of
    empty `def _make_rN(): pass`, whose functions' code objects are replaced by the real
    ones. A def without defaults, annotations or closure compiles to the same module code
    whatever its body and parameters, so that module is the one compiling all the
    sources at once gives (the pieces' line numbers aside)."""
    from types import CodeType

    if len(sources) <= _PIECE:
        return compile("".join(sources), "<ruleset>", "exec")
    factories: dict = {}
    for start in range(0, len(sources), _PIECE):
        piece = compile("".join(sources[start:start + _PIECE]), "<ruleset>", "exec")
        factories.update((c.co_name, c) for c in piece.co_consts if isinstance(c, CodeType))
    names = [f"_make_r{i}" for i in range(len(sources))]
    shell = compile("".join(f"def {name}(): pass\n" for name in names), "<ruleset>", "exec")
    consts = tuple(factories.pop(c.co_name) if isinstance(c, CodeType) else c
                   for c in shell.co_consts)
    if factories:  # a factory was not defined by the shell (not one per rule, in order)
        raise ValueError(f"factories without a definition: {sorted(factories)[:3]}")
    return shell.replace(co_consts=consts)


def canonical(value, memo: dict):
    """`value` with equal strings, tuples and frozensets replaced by one shared instance
    (which pickle and marshal then store, and load, once)."""
    kind = type(value)
    if kind is tuple:
        value = tuple(canonical(v, memo) for v in value)
    elif kind is frozenset:
        value = frozenset(canonical(v, memo) for v in value)
    elif kind is not str:
        return value
    key = (kind, value)
    try:
        return memo.setdefault(key, value)
    except TypeError:  # an unhashable member: keep it as it is
        return value


def _restore(fmt: str, python_tag, rules, index_field, code: bytes, positions) -> Ruleset:
    """Unpickle a Ruleset, refusing bytes written by another Python or format."""
    if fmt != FORMAT:
        raise RulesetVersionError(
            f"compiled ruleset has format {fmt!r}, this prempti-hook reads {FORMAT!r}; "
            "rebuild the rule cache")
    if tuple(python_tag) != PYTHON_TAG:
        raise RulesetVersionError(
            f"compiled ruleset was built by {_describe(python_tag)}, this is "
            f"{_describe(PYTHON_TAG)}; rebuild the rule cache")
    restored = [Rule(name, DetachedCondition(name, consts, index_values, condition_index),
                     priority, tags, source, output, enabled)
                for (name, consts, index_values, condition_index, priority, tags, source,
                     output, enabled) in rules]
    return Ruleset(restored, index_field, code, positions)


def _describe(tag) -> str:
    name, hexversion = tag
    major, minor, micro = hexversion >> 24, (hexversion >> 16) & 0xFF, (hexversion >> 8) & 0xFF
    return f"{name} {major}.{minor}.{micro} (hexversion {hexversion:#x})"
