"""A compiled condition (cold path: made by the compiler, `codegen.py`; a hook call runs the
stored form of its function, see `stored.py`): the generated expression, its constants, and
the source of the factory that makes its function (`factory_source`).
"""

from __future__ import annotations

from .runtime import RUNTIME_GLOBALS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def factory_source(name: str, expr: str, helpers: tuple[str, ...], nconsts: int) -> str:
    """Python source of `_make_<name>(_c0, ...)`, which returns the function `name(e)`.

    The constants are the factory's parameters, so the evaluating function reads them as
    closure cells. Nothing from rule text ever appears here: `expr` and `helpers` are
    built by the compiler from fixed templates, `_cN` names and numbers only.
    """
    params = ", ".join(f"_c{i}" for i in range(nconsts))
    lines = [f"def _make_{name}({params}):"]
    lines.extend(f"    def _h{i}(e): return {h}" for i, h in enumerate(helpers))
    lines.append(f"    def {name}(e): return {expr}")
    lines.append(f"    return {name}")
    return "\n".join(lines) + "\n"


class Condition:
    """A compiled condition.

    `expr` is the generated expression, `consts` the values of `_c0...`, `helpers` the
    bodies of split-out sub-expressions (`_h0(e)`...) for deeply nested conditions.
    `fields` are the field keys it reads, `index_values` the values of `index_field` (the
    source's index field) for which it can be true (None: any value), `warnings`
    libsinsp's compiler warnings, `required` the list fields that must hold a value for it
    to be true (see `codegen._required_lists`).
    Calling it evaluates it against an event (the function is built on first call; a
    `Ruleset` builds all its rules' functions at once instead).
    """

    __slots__ = ("_fn", "consts", "expr", "fields", "helpers", "index_field", "index_values",
                 "required", "warnings")

    def __init__(self, expr: str, consts: tuple = (), helpers: tuple[str, ...] = (),
                 fields: frozenset[str] = frozenset(), index_values: frozenset | None = None,
                 warnings=(), index_field: str | None = None,
                 required: frozenset[str] = frozenset()) -> None:
        self.expr = expr
        self.consts = tuple(consts)
        self.helpers = tuple(helpers)
        self.fields = frozenset(fields)
        self.index_values = index_values
        self.index_field = index_field  # the field `index_values` are values of
        self.warnings = list(warnings)
        self.required = required  # list fields that must not be empty for it to be true
        self._fn = None

    def source(self, name: str) -> str:
        return factory_source(name, self.expr, self.helpers, len(self.consts))

    def __call__(self, event: Mapping) -> bool:
        fn = self._fn
        if fn is None:
            namespace = dict(RUNTIME_GLOBALS)
            exec(compile(self.source("condition"), "<condition>", "exec"), namespace)
            fn = self._fn = namespace["_make_condition"](*self.consts)
        return bool(fn(event))

    def __reduce__(self):
        return (Condition, (self.expr, self.consts, self.helpers, self.fields,
                            self.index_values, tuple(self.warnings), self.index_field,
                            self.required))

    def __repr__(self) -> str:
        return f"Condition({self.expr!r})"
