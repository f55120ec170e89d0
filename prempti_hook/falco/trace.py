"""Why a rule did or did not match an event: its condition evaluated part by part (cold path,
for `prempti-hook explain`; the hook never imports this).

The hook evaluates each rule as one generated Python expression that stops at the first
false `and` operand, which is what makes it fast and what hides the reason. A trace is a
second, separate evaluation of the same rule:

- the condition is the one the engine compiled (after list substitution, the loader's own
  parse); a run of values that is a list's items is shown by the list's name, so a check
  reads `tool.name in (shell_tools)` and can say which item of which list matched;
- macros are followed by name instead of being inlined, so the trace shows `macro has_paths`
  with its own checks under it;
- every check (a field, an operator, values) is compiled alone by the engine's own code
  generator and run on the event: its truth is the engine's, not a re-implementation's.
  Every operand of `and`/`or` is evaluated, so a false rule shows all that is false;
- each exception is traced on its own, row by row.

The hook's compiled rulesets are not touched: nothing here is pickled or cached on disk.
"""

from __future__ import annotations

from . import ast as A
from .errors import CompileError, FalcoError, ParseError

LIST_OPERATORS = ("in", "intersects", "pmatch")


class Node:
    """One line of a trace.

    kind: "all" (and), "any" (or), "not", "macro", "check", "exception", "error".
    text: what the author wrote for it (a check, a macro or exception name).
    result: True, False, or None (could not be evaluated: `detail` says why).
    detail: for a check, the value it saw and what matched ("" when nothing to add).
    fields: the field keys this node (and its children) read.
    """

    __slots__ = ("children", "detail", "fields", "kind", "result", "text")

    def __init__(self, kind: str, text: str, result, children=(), detail: str = "",
                 fields=()) -> None:
        self.kind = kind
        self.text = text
        self.result = result
        self.children = list(children)
        self.detail = detail
        self.fields = list(fields)

    def as_json(self) -> dict:
        out: dict = {"kind": self.kind, "text": self.text, "result": self.result}
        if self.detail:
            out["detail"] = self.detail
        if self.children:
            out["children"] = [c.as_json() for c in self.children]
        return out

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class RuleTrace:
    """A rule's trace: its condition, its exceptions, and the outcome."""

    __slots__ = ("condition", "exceptions", "matched", "name")

    def __init__(self, name: str, condition: Node, exceptions: list[Node]) -> None:
        self.name = name
        self.condition = condition
        self.exceptions = exceptions
        applied = any(e.result for e in exceptions)
        self.matched = None if condition.result is None else bool(condition.result and
                                                                   not applied)

    @property
    def applied_exceptions(self) -> list[Node]:
        return [e for e in self.exceptions if e.result]

    def fields(self) -> list[str]:
        seen: dict[str, None] = {}
        for root in (self.condition, *self.exceptions):
            for node in root.walk():
                for key in node.fields:
                    seen.setdefault(key, None)
        return list(seen)


class Tracer:
    """Traces rules of one loaded ruleset (a loader LoadResult) against events.

    Compiled checks are cached by their text, so the macros many rules share cost once."""

    def __init__(self, result, table) -> None:
        self.result = result
        self.table = table
        self.lists: dict[str, list[str]] = result.lists
        collector = result.collector
        self.macros = collector.macros if collector is not None else {}
        self._checks: dict = {}
        self._parsed: dict = {}
        self._list_runs: dict | None = None

    # parsing ----------------------------------------------------------------------------
    def _substituted(self, text: str) -> str:
        from .loader.compiler import resolve_list

        for name, items in self.lists.items():
            text, _ = resolve_list(text, name, items)
        return text

    def _parse(self, text: str):
        """The AST of a condition after list substitution (what the engine compiles; the
        loader's parse is reused)."""
        cached = self._parsed.get(text)
        if cached is None:
            from .loader.compiler import PARSE_MAX_DEPTH
            from .parser import parse

            substituted = self._substituted(text)
            cached = self.result.parse_cache.get(substituted)  # parsed while loading
            if cached is None:
                cached = parse(substituted, max_depth=PARSE_MAX_DEPTH)
            elif isinstance(cached, ParseError):
                raise cached
            self._parsed[text] = cached
        return cached

    def _runs(self) -> dict[str, list[tuple[str, tuple]]]:
        """First item -> (name, items) of the lists with two items or more that start with it,
        longest first: how a run of values that list substitution produced is recognised as
        the list it came from."""
        if self._list_runs is None:
            runs: dict[str, list] = {}
            for name, items in sorted(self.lists.items(), key=lambda p: -len(p[1])):
                if len(items) > 1:
                    runs.setdefault(items[0], []).append((name, tuple(items)))
            self._list_runs = runs
        return self._list_runs

    def written_values(self, values: tuple) -> tuple[list[str], dict[str, str]]:
        """The values of a check's list as the author wrote them (a run of a list's items
        shown as the list's name) and, for each item, the list it came from."""
        shown: list[str] = []
        origins: dict[str, str] = {}
        i = 0
        runs = self._runs()
        while i < len(values):
            for name, items in runs.get(values[i], ()):
                if values[i:i + len(items)] == items:
                    shown.append(name)
                    for item in items:
                        origins.setdefault(item, name)
                    i += len(items)
                    break
            else:
                shown.append(values[i])
                i += 1
        return shown, origins

    # tracing ----------------------------------------------------------------------------
    def trace_rule(self, info, event) -> RuleTrace:
        """The trace of a collected rule (loader RuleInfo) for `event`."""
        try:
            condition = self.trace_text(info.cond, event)
        except (FalcoError, RecursionError) as e:
            condition = Node("error", info.cond, None, detail=_message(e))
        exceptions = [self.trace_exception(ex, event) for ex in info.exceptions]
        return RuleTrace(info.name, condition, exceptions)

    def trace_text(self, text: str, event, path: tuple = ()) -> Node:
        return self._node(self._parse(text), event, path)

    def trace_exception(self, ex, event) -> Node:
        from .loader.compiler import exceptions_condition

        try:
            whole = exceptions_condition("x", [ex])
            text = whole[len("(x) and not "):] if whole != "(x)" else ""
            if not text:
                return Node("exception", ex.name, False, detail="no values")
            child = self.trace_text(text, event)
        except (FalcoError, RecursionError) as e:
            return Node("exception", ex.name, None, detail=_message(e))
        except Exception as e:  # a LoadError from malformed values: the rule did not load
            return Node("exception", ex.name, None, detail=str(e))
        return Node("exception", ex.name, child.result, [child])

    def _node(self, node, event, path: tuple) -> Node:
        if isinstance(node, (A.And, A.Or)):
            children = [self._node(c, event, path) for c in node.children]
            results = [c.result for c in children]
            if isinstance(node, A.And):
                result = False if False in results else (None if None in results else True)
                return Node("all", "all of", result, children)
            result = True if True in results else (None if None in results else False)
            return Node("any", "any of", result, children)
        if isinstance(node, A.Not):
            child = self._node(node.child, event, path)
            return Node("not", "not", None if child.result is None else not child.result,
                        [child])
        if isinstance(node, A.Identifier):
            return self._macro(node.name, event, path)
        return self._check(node, event)

    def _macro(self, name: str, event, path: tuple) -> Node:
        info = self.macros.get(name)
        if info is None or name in path:
            return Node("error", name, None, detail=f"undefined macro '{name}'")
        try:
            child = self.trace_text(info.cond, event, (*path, name))
        except (FalcoError, RecursionError) as e:
            return Node("macro", name, None, detail=_message(e))
        return Node("macro", name, child.result, [child])

    def _check(self, node, event) -> Node:
        text = self._check_text(node)
        try:
            condition = self._compiled(node)
            result = bool(condition(event))
        except (FalcoError, RecursionError) as e:
            return Node("check", text, None, detail=_message(e))
        fields = sorted(condition.fields)
        detail = self._detail(node, event, result)
        return Node("check", text, result, detail=detail, fields=fields)

    def _check_text(self, node) -> str:
        """The check as the author wrote it: lists by name (`tool.name in (shell_tools)`)."""
        from .parser import unparse

        right = getattr(node, "right", None)
        if isinstance(right, A.ListValue) and len(right.values) > 1:
            shown, origins = self.written_values(right.values)
            if origins:
                inner = unparse(A.ListValue(tuple(shown)))
                return f"{unparse(node.left)} {node.op} {inner}"
        return unparse(node)

    def _compiled(self, node):
        """The check compiled alone by the engine (AST nodes are keys: equal checks, as
        in shared macros, compile once)."""
        from .codegen import compile_condition

        compiled = self._checks.get(node)
        if compiled is None:
            try:
                compiled = compile_condition(node, self.table)
            except CompileError as e:
                compiled = e
            self._checks[node] = compiled
        if isinstance(compiled, CompileError):
            raise compiled
        return compiled

    # what a check saw -------------------------------------------------------------------
    def value_of(self, operand, event):
        """The value of a field or transformer for `event` (None when missing)."""
        from .codegen import compile_value

        if isinstance(operand, A.FieldRef) and self.table.lookup(operand.name,
                                                                 operand.arg or None):
            key = operand.name if not operand.arg else f"{operand.name}[{operand.arg}]"
            return event[key]
        try:
            expr = compile_value(operand, self.table)
            values = expr.extract(event)
        except (FalcoError, RecursionError):
            return None
        if values is None:
            return None
        return tuple(values) if expr.is_list else values[0]

    def _detail(self, node, event, result: bool) -> str:
        left = getattr(node, "left", None)
        if left is None:
            return ""
        value = self.value_of(left, event)
        seen = f"{_operand_text(left)} = {show(value)}"
        if not result or not isinstance(node, A.BinaryCheck):
            return seen
        matched = self.matched_items(node, event, value)
        if matched:
            return f"{seen}; matched {', '.join(matched)}"
        if isinstance(node.right, (A.FieldRef, A.Transformer)):
            right = node.right.args[0] if isinstance(node.right, A.Transformer) and \
                node.right.name == "val" else node.right
            return f"{seen}; {_operand_text(right)} = {show(self.value_of(right, event))}"
        return seen

    def matched_items(self, node: A.BinaryCheck, event, value) -> list[str]:
        """For a true check against several values: which of them matched, each with the
        list it came from (`Bash (list shell_tools)`)."""
        right = node.right
        if not isinstance(right, A.ListValue) or len(right.values) < 2:
            return []
        op = node.op.partition(" ")[0]
        items = list(right.values)
        if op in ("in", "intersects", "=", "=="):  # membership: the value is the item
            values = value if isinstance(value, tuple) else (value,)
            wanted = set(items)
            hits = [v for v in values if isinstance(v, str) and v in wanted]
        else:
            single = op if op != "==" else "="
            hits = []
            for item in items:
                probe = A.BinaryCheck(node.left, single, A.ListValue((item,)) if op in
                                      LIST_OPERATORS else A.Value(item))
                try:
                    if self._compiled(probe)(event):
                        hits.append(item)
                except (FalcoError, RecursionError):
                    continue
        _, origins = self.written_values(right.values)
        return [f"{hit} (list {origins[hit]})" if hit in origins else hit
                for hit in dict.fromkeys(hits)]


# -- helpers ------------------------------------------------------------------------------------

def _operand_text(node) -> str:
    from .parser import unparse

    return unparse(node)


def _message(error) -> str:
    return getattr(error, "message", None) or str(error)


SHOW_MAX = 200  # characters of a value shown in a trace


def show(value) -> str:
    """A field value as a trace shows it: strings quoted, lists in parentheses, long values
    cut (with the length said), missing values as <missing>."""
    if value is None:
        return "<missing>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        shown = [show(v) for v in value[:20]]
        more = f", ... {len(value) - 20} more" if len(value) > 20 else ""
        return "(" + ", ".join(shown) + more + ")"
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        from .loader.results import one_line

        text = one_line(value)
        if len(text) > SHOW_MAX:
            text = text[:SHOW_MAX] + f"...[{len(value)} characters]"
        return '"' + text + '"'
    return str(value)
