"""Stage 3 of loading: everything collected so far -> compiled lists, macros, rules and
outputs (Falco's `rule_loader_compiler.cpp`; docs/falco-language.md, "Compiling: lists, macros,
rules", "Exceptions" and "Outputs").

Three phases, in Falco's order, stopping at the first error:
1. lists: a list item naming a list defined earlier (index < the list's visibility) is
   replaced by that list's *raw* items;
2. macros: each condition, after textual list substitution, is parsed; then each macro's
   identifiers are resolved against the macros it can see (index < its visibility);
3. rules (index order, known sources only): exceptions appended to the condition text,
   output built (append_output, %container.info) and validated, condition parsed, macros
   resolved (all visible), warnings collected, condition compiled against the source's
   field table.
Unused macros and lists are reported when everything compiled.

Compiling once for several files (`load(..., compile_each_file=False)`): Falco compiles
everything collected so far after each file. When the files after the last compile only
added items, each skipped compile had a part of what the compile at the end has, unchanged,
and compiled it the same way, except for the items that use (directly or through macros) a
list or macro collected after that file: in Falco's compile those were not there yet (an
undefined macro is an error, a list not yet defined a plain word). Given where each file
ends (`file_ends`) and the first file whose compile was skipped (`skipped_from`), the
compiler records what each item uses and `compiles_skipped()` compiles those items again as
each skipped compile had them.

The pure text transformations (`resolve_list`, `exceptions_condition`) and the macro
resolver are module-level functions so that they can be tested alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..ast import And, Identifier, Not, Or, as_string
from ..errors import CompileError, ParseError
from .collector import Collector, ListInfo, MacroInfo, RuleInfo
from .reader import ExceptionInfo
from .results import Context, Diagnostic, LoadError, Location

PARSE_MAX_DEPTH = 1000  # the Falco rule loader's parser recursion limit
MAX_EXPANDED_NODES = 200_000  # a condition larger than this after macro expansion is refused
LIST_OPERATORS = ("in", "intersects", "pmatch")
CONTAINER_INFO = "%container.info"
DEPRECATED_FIELDS = ("evt.dir", "evt.latency", "evt.latency.s", "evt.latency.ns",
                     "evt.latency.human", "evt.wait_latency")
_LATENCY_DESC = "field is not available due to the drop of enter events."
DEPRECATED_FIELD_DESCS = {
    "evt.dir": "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and "
               "'evt.dir = >' always evaluates to false. The rule expression can be simplified "
               "by removing the condition on 'evt.dir'",
    **{name: _LATENCY_DESC for name in DEPRECATED_FIELDS[1:]},
}
UNSAFE_NA_PREFIXES = ("ka.", "jevt.")
UNSAFE_NA_OPERATORS = ("=", "==", "!=", "in", "intersects", "pmatch")
UNKNOWN_FILTER_MARKERS = ("nonexistent field", "invalid formatting token", "unknown event type",
                          "unknown filter:")
_BLANKS = " \t\n\r"
_DELIMS = _BLANKS + "(),="
_TOKEN_DELIMITERS = re.compile("[" + re.escape(_DELIMS) + "]+")


# -- text transformations -----------------------------------------------------------------

def quote_item(item: str) -> str:
    """Falco's quote_item: double quotes around an item with a space, unless it already starts
    with a quote. No escaping (a Falco quirk kept on purpose: list items may carry their own
    quoting, e.g. '"(systemd)"')."""
    if " " in item and item[:1] not in ('"', "'"):
        return '"' + item + '"'
    return item


def resolve_list(cond: str, name: str, items: list[str]) -> tuple[str, bool]:
    """Falco's textual list substitution of list `name` in `cond` (quirks included;
    docs/falco-language.md, "Compiling: lists, macros, rules"). Returns (new text,
    whether the list was substituted)."""
    if not name:
        return cond, False
    used = False
    start = cond.find(name)
    while start != -1:
        end = start + len(name)
        if (start == 0 or cond[start - 1] in _DELIMS) and \
                (end >= len(cond) or cond[end] in _DELIMS):
            while start > 0 and cond[start - 1] in _BLANKS:
                start -= 1
            while end < len(cond) and cond[end] in _BLANKS:
                end += 1
            sub = ", ".join(quote_item(v) for v in items)
            if not sub:
                if start > 0 and cond[start - 1] == ",":
                    start -= 1
                elif end < len(cond) and cond[end] == ",":
                    end += 1
            new = (cond[:start] + " ") if start > 0 else ""
            new += sub + " " + cond[end:]
            cond = new
            start += len(sub) + 1
            used = True
        start = cond.find(name, start + 1)
    return cond, used


def _paren_item(text: str) -> str:
    return text if text.startswith("(") else "(" + text + ")"


def _takes_list(comp: str) -> bool:
    """Whether an exception comp takes a parenthesised list (list operators and operators
    with a modifier)."""
    return comp in LIST_OPERATORS or " " in comp


def exceptions_condition(condition: str, exceptions: list[ExceptionInfo]) -> str:
    """Falco's build_rule_exception_infos (docs/falco-language.md, "Exceptions"): the rule
    condition with each exception appended as `and not (...)`. Raises LoadError for
    malformed values."""
    condition = "(" + condition + ")"
    for ex in exceptions:
        values = ex.values or []
        if not isinstance(ex.fields, list):
            icond = ""
            for val in values:
                if isinstance(val, list):
                    raise LoadError("LOAD_ERR_VALIDATE",
                                    "Expected values array to contain a list of strings", ex.ctx)
                icond += f"({ex.fields} {ex.comps} (" if not icond else ", "
                icond += quote_item(val)
            icond += "))" if icond else ""
        else:
            icond = "("
            for row in values:
                row_items = row if isinstance(row, list) else []
                if len(ex.fields) != len(row_items):
                    raise LoadError("LOAD_ERR_VALIDATE",
                                    "Fields and values lists must have equal length", ex.ctx)
                icond += "" if icond == "(" else " or "
                icond += "("
                for k, field in enumerate(ex.fields):
                    icond += "" if k == 0 else " and "
                    value = row_items[k]
                    comp = ex.comps[k]
                    if isinstance(value, list):
                        text = "(" + ", ".join(quote_item(v if isinstance(v, str) else "")
                                               for v in value) + ")"
                    elif _takes_list(comp):
                        text = _paren_item(value)
                    else:
                        text = quote_item(value)
                    icond += f" {field} {comp} {text}"
                icond += ")"
            icond += ")"
            if icond == "()":
                icond = ""
        if icond:
            condition += " and not " + icond
    return condition


# -- macro resolution ---------------------------------------------------------------------

class MacroResolution:
    """Falco's filter_macro_resolver over immutable ASTs: identifiers at boolean positions
    (the root, and/or children, not's child) naming a visible macro are replaced by that
    macro's (recursively resolved) condition. Records the first error, the macros used."""

    def __init__(self, macros: dict) -> None:
        self.macros = macros          # name -> AST, the macros visible to this resolution
        self.path: list[str] = []     # macros being expanded (loop detection)
        self.errors: list[tuple[str, object]] = []
        self.unknown: list[tuple[str, object]] = []
        self.resolved: list[str] = []
        self.memo: dict = {}          # name -> resolved AST (same visible set: same result)

    def run(self, node):
        if isinstance(node, (And, Or)):
            children = tuple(self.run(c) for c in node.children)
            if all(a is b for a, b in zip(children, node.children)):
                return node
            return type(node)(children, node.pos)
        if isinstance(node, Not):
            child = self.run(node.child)
            return node if child is node.child else Not(child, node.pos)
        if isinstance(node, Identifier):
            return self.identifier(node)
        return node

    def identifier(self, node: Identifier):
        name = node.name
        macro = self.macros.get(name)
        if macro is None:
            self.unknown.append((name, node.pos))
            return node
        if name in self.path:
            self.errors.append((f"reference loop in macro '{name}'", node.pos))
            self.unknown.append((name, node.pos))
            return node
        if name in self.memo:
            self.resolved.append(name)
            return self.memo[name]
        self.path.append(name)
        result = self.run(macro)
        self.path.pop()
        if not self.errors:
            self.memo[name] = result
        self.resolved.append(name)
        return result

    def first_error(self) -> tuple[str, object] | None:
        if self.errors:
            return self.errors[0]
        if self.unknown:
            name, pos = self.unknown[0]
            return f"Undefined macro '{name}' used in filter.", pos
        return None


def tree_size(node, memo: dict | None = None, limit: int = MAX_EXPANDED_NODES) -> int:
    """Number of nodes of a condition tree as the compiler will walk it (shared subtrees
    counted every time they occur), stopping early past `limit`."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, (And, Or)):
        total = 1
        for child in node.children:
            total += tree_size(child, memo, limit)
            if total > limit:
                break
    elif isinstance(node, Not):
        total = 1 + tree_size(node.child, memo, limit)
    else:
        total = 1
    memo[key] = total
    return total


# -- condition warnings (Falco's filter_warning_resolver) ------------------------------------

def _walk_checks(node):
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from _walk_checks(child)
    elif isinstance(node, Not):
        yield from _walk_checks(node.child)
    elif hasattr(node, "left"):
        yield node


def condition_warnings(node) -> list[tuple[str, str, object]]:
    """(code, message, position) warnings Falco's warning resolver gives for a resolved
    condition: `<NA>` compared with a ka.*/jevt.* field, deprecated fields (evt.dir...)."""
    out: list[tuple[str, str, object]] = []
    for check in _walk_checks(node):
        left = check.left
        name = getattr(left, "name", "")
        if type(left).__name__ != "FieldRef":
            continue
        if name in DEPRECATED_FIELD_DESCS:
            out.append(("LOAD_DEPRECATED_ITEM", DEPRECATED_FIELD_DESCS[name], check.pos))
        right = getattr(check, "right", None)
        if check.op in UNSAFE_NA_OPERATORS and name.startswith(UNSAFE_NA_PREFIXES) and \
                right is not None:
            values = getattr(right, "values", None)
            if values is None:
                values = (getattr(right, "value", None),)
            if "<NA>" in values:
                out.append(("LOAD_UNSAFE_NA_CHECK", "", check.pos))
    return out


def is_unknown_filter_error(message: str) -> bool:
    return any(marker in message for marker in UNKNOWN_FILTER_MARKERS)


# -- contexts -----------------------------------------------------------------------------

def expression_context(parent: Context, text: str, original: str, pos) -> Context:
    """Falco's condition-expression location, placed in the file when the parser position
    can be mapped back (a condition written verbatim on one line, whose text before the
    position was not changed by list substitution); otherwise at the start of the condition."""
    base = parent[-1]
    column = base.column
    idx = getattr(pos, "idx", None)
    if idx is not None and base.text_column and text[:idx] == original[:idx]:
        column = base.text_column + idx
    loc = Location("condition expression", "", base.file, base.line, column,
                   min(idx or 0, len(text)))
    loc.text = text
    return (*parent, loc)


# -- the compiler -----------------------------------------------------------------------------

class ExtraOutput:
    """One `append_output` entry of Falco's configuration: extra text (and JSON-only fields)
    for the rules it matches (source, all tags, rule name; empty matches everything)."""

    __slots__ = ("fields", "format", "rule", "source", "tags")

    def __init__(self, format: str = "", source: str = "", tags=(), rule: str = "",
                 fields: dict | None = None) -> None:
        self.format = format
        self.source = source
        self.tags = frozenset(tags or ())
        self.rule = rule
        self.fields = dict(fields or {})

    def matches(self, rule: RuleInfo) -> bool:
        return ((not self.source or self.source == rule.source)
                and self.tags <= rule.tags
                and (not self.rule or self.rule == rule.name))


class CompiledRule:
    """A rule as compiled: the collected info plus the compiled pieces."""

    __slots__ = ("ast", "condition", "extra_fields", "info", "output", "output_text")

    def __init__(self, info: RuleInfo, ast, condition, output, output_text: str,
                 extra_fields: dict) -> None:
        self.info = info
        self.ast = ast
        self.condition = condition
        self.output = output
        self.output_text = output_text
        self.extra_fields = extra_fields

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def compiled_condition(self) -> str:
        return as_string(self.ast)


class CompileOutput:
    def __init__(self) -> None:
        self.lists: dict[str, list[str]] = {}
        self.macros: dict = {}
        self.rules: list[CompiledRule] = []


class Compiler:
    """Compiles a collector's contents; `warn` receives every warning as it is found."""

    def __init__(self, collector: Collector, sources: dict, warn,
                 extra_outputs: list[ExtraOutput] | None = None,
                 parse_cache: dict | None = None, keep_going: bool = False,
                 compile_cache: dict | None = None, file_ends: list[int] | None = None,
                 skipped_from: int = 0) -> None:
        self.col = collector
        self.sources = sources
        self.warn = warn
        self.extra_outputs = extra_outputs or []
        self.parse_cache = parse_cache if parse_cache is not None else {}
        # Loading compiles everything again after each file (Falco's semantics); the same
        # resolved condition or output text compiles to the same result, so it is compiled
        # once per load (keyed by value: the AST's equality ignores positions).
        self.compile_cache = compile_cache if compile_cache is not None else {}
        self.list_used: dict[str, bool] = {}
        self.macro_used: dict[str, bool] = {}
        self._list_order: dict[str, int] | None = None
        self._list_names: list[str] = []
        self._list_always: list[int] = []
        # keep_going (`--check`): an error in one macro or rule is reported through `warn`
        # and compiling goes on with the next one, so every error is found in one run. A
        # macro that failed is "broken": what uses it is skipped without a second message.
        self.keep_going = keep_going
        self.broken: set[str] = set()
        self.failed = False
        # Compiling once for several files (see the module docstring): the collector's
        # counter at the end of each file and the first file after which no compile was
        # made; the indexes of the lists and macros each macro and rule uses (through macros
        # too), by (kind, name), and those used by the item being compiled (`_using`; None
        # when not recording); the ends of the skipped files that items were compiled
        # without (`_skipped_ends`).
        self.file_ends = file_ends
        self.skipped_from = skipped_from
        self.uses: dict[tuple[str, str], set[int]] = {}
        self._using: set[int] | None = None
        self._skipped_ends: set[int] = set()

    # helpers ------------------------------------------------------------------------------
    def substitute_lists(self, text: str, upto: int | None = None) -> str:
        """Falco's list substitution: `resolve_list` with every list, in order. Only the
        lists whose name is a token of the text (what `resolve_list` looks for: a run of
        characters between delimiters) can change it, so only those are visited, still in
        order and against the text as it is by then: the same result, without a pass over
        every list for every condition (which made loading quadratic in the rules). A name
        that holds a delimiter itself (Falco accepts `test list`) is always tried.
        `upto`: only the first `upto` lists (in load order) are there.
        """
        lists = self.out.lists
        if self._list_order is None:
            self._list_order = {name: i for i, name in enumerate(lists)
                                if name and not _TOKEN_DELIMITERS.search(name)}
            self._list_names = list(lists)
            self._list_always = [i for i, name in enumerate(lists)
                                 if name and _TOKEN_DELIMITERS.search(name)]
        order = self._list_order
        end = len(self._list_names) if upto is None else upto
        tokens = set(_TOKEN_DELIMITERS.split(text))
        done = -1
        while True:
            found = [order[t] for t in tokens if t in order and done < order[t] < end]
            found.extend(i for i in self._list_always if done < i < end)
            if not found:
                return text
            done = min(found)
            name = self._list_names[done]
            text, used = resolve_list(text, name, lists[name])
            if used:
                self.list_used[name] = True
                if self._using is not None:
                    self._using.add(self.col.lists[name].index)
                tokens = set(_TOKEN_DELIMITERS.split(text))

    def parse(self, text: str, original: str, ctx: Context, upto: int | None = None):
        """List substitution, then parse; parse failures are LOAD_ERR_COMPILE_CONDITION."""
        text = self.substitute_lists(text, upto)
        cached = self.parse_cache.get(text)
        if cached is None:
            from ..parser import parse

            try:
                cached = parse(text, max_depth=PARSE_MAX_DEPTH)
            except ParseError as e:
                cached = e
            except RecursionError:
                cached = ParseError("condition is nested too deeply", 0, 1, 1)
            self.parse_cache[text] = cached
        if isinstance(cached, ParseError):
            pos = _Pos(cached.index)
            raise LoadError("LOAD_ERR_COMPILE_CONDITION", cached.message,
                            expression_context(ctx, text, original, pos))
        return cached, text

    def resolve(self, ast, macros: dict, text: str, original: str, ctx: Context,
                cond_ctx: Context = ()):
        resolution = MacroResolution(macros)
        result = resolution.run(ast)
        error = resolution.first_error()
        if error is not None and any(name in self.broken for name, _ in resolution.unknown):
            raise _UsesBrokenMacro()
        if error is not None:
            message, pos = error
            failure = LoadError("LOAD_ERR_VALIDATE", message,
                                expression_context(ctx, text, original, pos))
            if cond_ctx:
                failure.diagnostic.scalar = cond_ctx[-1]
                failure.diagnostic.focus = getattr(pos, "idx", None)
            raise failure
        for name in resolution.resolved:
            self.macro_used[name] = True
        using = self._using
        if using is not None:
            for name in resolution.resolved:
                using.add(self.col.macros[name].index)
                using.update(self.uses.get(("macro", name), ()))
        if tree_size(result) > MAX_EXPANDED_NODES:
            raise LoadError("LOAD_ERR_VALIDATE", "condition is too large after macro expansion "
                            f"(more than {MAX_EXPANDED_NODES} nodes)", ctx)
        return result

    # phases ---------------------------------------------------------------------------------
    def report(self, error: LoadError) -> None:
        """An error found in keep-going mode: reported, and compiling goes on."""
        if not self.keep_going:
            raise error
        self.failed = True
        self.warn(error.diagnostic)

    def compile(self) -> CompileOutput:
        self.out = CompileOutput()
        self.compile_lists()
        self.compile_macros()
        self.compile_rules()
        if self.failed:
            return self.out  # what looks unused may only be used by a rule that failed
        for info in self._ordered(self.col.macros):
            if not self.macro_used.get(info.name):
                self.warn(Diagnostic("LOAD_UNUSED_MACRO",
                                     "Macro not referred to by any other rule/macro", info.ctx))
        for info in self._ordered(self.col.lists):
            if not self.list_used.get(info.name):
                self.warn(Diagnostic("LOAD_UNUSED_LIST",
                                     "List not referred to by any other rule/macro", info.ctx))
        return self.out

    def _record_uses(self, kind: str, info) -> None:
        """Keep what the item just compiled used (`_using`), and note the ends of the
        skipped files it was compiled without: the first skipped compile that had it as it
        is now (after the file it was last defined or changed in, its `visibility`) and
        every later one, up to the last compile made, saw less of what it uses."""
        using, self._using = self._using, None
        if using is None:
            return
        self.uses[(kind, info.name)] = using
        ends = self.file_ends
        first = max(bisect_right(ends, info.visibility), self.skipped_from)
        if first >= len(ends) - 1:
            return  # no skipped compile had it
        for index in using:
            if index >= ends[first]:
                # The compile after the file just before the one `index` is in lacked it.
                self._skipped_ends.add(ends[bisect_right(ends, index) - 1])

    def compiles_skipped(self) -> bool:
        """After `compile()`: whether the compiles Falco makes after each file since the last
        one made (`skipped_from`) all succeed. Only what uses a list or macro collected
        after such a file can compile otherwise there; it is compiled again, as it was then
        (warnings are not reported)."""
        warn, self.warn = self.warn, lambda diagnostic: None
        try:
            for end in sorted(self._skipped_ends):
                self._compile_before(end)
        except (LoadError, _UsesBrokenMacro):
            return False
        finally:
            self.warn = warn
        return True

    def _compile_before(self, end: int) -> None:
        """Compile the items collected before `end` (the collector's counter after a skipped
        file) that use something collected from `end` on, against only what was collected
        before it; raises LoadError as the compile would have."""

        def changed(kind: str, name: str) -> bool:
            return any(index >= end for index in self.uses.get((kind, name), ()))

        upto = sum(1 for name in self.out.lists if self.col.lists[name].index < end)
        infos = [info for info in self._ordered(self.col.macros) if info.index < end]
        macros = {}
        again = []
        for info in infos:
            if changed("macro", info.name):
                macros[info.name], _ = self.parse(info.cond, info.cond, info.cond_ctx, upto)
                again.append(info)
            else:
                macros[info.name] = self.out.macros[info.name]
        for info in again:
            visible = {m.name: macros[m.name] for m in infos if m.index < info.visibility}
            macros[info.name] = self.resolve(macros[info.name], visible, info.cond, info.cond,
                                             info.ctx, info.cond_ctx)
        for info in self._ordered(self.col.rules):
            if info.index < end and not info.unknown_source and changed("rule", info.name):
                self.compile_rule(info, macros, upto)

    @staticmethod
    def _ordered(table: dict) -> list:
        return sorted(table.values(), key=lambda info: info.index)

    def compile_lists(self) -> None:
        lists = self.col.lists
        used: list[str] = []
        for info in self._ordered(lists):
            items: list[str] = []
            for item in info.items:
                ref: ListInfo | None = lists.get(item)
                if ref is not None and ref.index < info.visibility:
                    used.append(ref.name)
                    items.extend(ref.items)
                else:
                    items.append(item)
            self.out.lists[info.name] = items
        for name in used:
            self.list_used[name] = True

    def compile_macros(self) -> None:
        infos: list[MacroInfo] = self._ordered(self.col.macros)
        recording = self.file_ends is not None
        for info in infos:
            self._using = set() if recording else None
            try:
                ast, _ = self.parse(info.cond, info.cond, info.cond_ctx)
            except LoadError as e:
                self.report(e)
                self.broken.add(info.name)
                continue
            if recording:  # (the lists it uses; the macros it uses are added below)
                self.uses[("macro", info.name)] = self._using
            self.out.macros[info.name] = ast
        for info in infos:
            if info.name in self.broken:
                continue
            visible = {m.name: self.out.macros[m.name] for m in infos
                       if m.index < info.visibility and m.name not in self.broken}
            self._using = self.uses.get(("macro", info.name)) if recording else None
            try:
                self.out.macros[info.name] = self.resolve(self.out.macros[info.name], visible,
                                                          info.cond, info.cond, info.ctx,
                                                          info.cond_ctx)
                self._record_uses("macro", info)  # (nothing when not recording)
            except _UsesBrokenMacro:
                self.broken.add(info.name)
            except LoadError as e:
                self.report(e)
                self.broken.add(info.name)
        for name in self.broken:
            self.out.macros.pop(name, None)

    def compile_rules(self) -> None:
        for info in self._ordered(self.col.rules):
            if info.unknown_source:
                continue
            self._using = set() if self.file_ends is not None else None
            try:
                compiled = self.compile_rule(info, self.out.macros)
            except _UsesBrokenMacro:
                continue
            except LoadError as e:
                self.report(e)
                continue
            if compiled is not None:
                self.out.rules.append(compiled)
            self._record_uses("rule", info)

    def _compiled(self, kind, key, table, compile_it):
        """compile_it() once per (kind, key, table) and load; errors are not kept."""
        cache_key = (kind, key, id(table))
        found = self.compile_cache.get(cache_key)
        if found is None:
            found = self.compile_cache[cache_key] = (compile_it(), table)
        return found[0]

    def compile_rule(self, info: RuleInfo, macros: dict,
                     upto: int | None = None) -> CompiledRule | None:
        """The rule compiled against `macros` (resolved, by name) and the first `upto` lists
        (None: all); None when it is skipped (`skip-if-unknown-filter`)."""
        from ..codegen import compile_condition as compile_condition_once
        from ..output_compiler import compile_format as compile_format_once

        def compile_condition(ast, table):
            return self._compiled("condition", ast, table,
                                  lambda: compile_condition_once(ast, table))

        def compile_format(text, table, all_optional):
            return self._compiled(("output", all_optional), text, table,
                                  lambda: compile_format_once(text, table,
                                                              all_optional=all_optional))

        table = self.sources[info.source]
        condition = info.cond
        if info.exceptions:
            condition = exceptions_condition(condition, info.exceptions)

        output_text = info.output
        for extra in self.extra_outputs:
            if extra.format and extra.matches(info):
                output_text = output_text + " " + extra.format
        if CONTAINER_INFO in output_text:
            self.warn(Diagnostic("LOAD_DEPRECATED_ITEM", "%container.info is deprecated and "
                                 "no more useful, and will be dropped by Falco 1.0.0. The "
                                 "container plugin will automatically add required fields "
                                 "to the output message.", info.ctx))
            output_text = output_text.replace(CONTAINER_INFO, "")
        extra_fields: dict = {}
        for extra in self.extra_outputs:
            if extra.fields and extra.matches(info):
                extra_fields.update(extra.fields)
        try:
            output = compile_format(output_text, table, all_optional=True)
        except CompileError as e:
            if is_unknown_filter_error(e.message) and info.skip_if_unknown_filter:
                self.warn(Diagnostic("LOAD_UNKNOWN_FILTER", e.message, info.output_ctx))
                return
            raise LoadError("LOAD_ERR_COMPILE_OUTPUT", e.message, info.output_ctx) from None
        self.deprecated_output_fields(output_text, info.output_ctx)
        compiled_extra = {}
        for key, fmt in extra_fields.items():
            try:
                compiled_extra[key] = compile_format(fmt, table, all_optional=True)
            except CompileError as e:
                raise LoadError("LOAD_ERR_COMPILE_OUTPUT", e.message,
                                info.output_ctx) from None
            self.deprecated_output_fields(fmt, info.output_ctx)

        ast, text = self.parse(condition, info.cond, info.cond_ctx, upto)
        ast = self.resolve(ast, macros, text, info.cond, info.ctx, info.cond_ctx)
        for code, message, pos in condition_warnings(ast):
            self.warn(Diagnostic(code, message,
                                 expression_context(info.cond_ctx, text, info.cond, pos)))
        try:
            compiled = compile_condition(ast, table)
        except CompileError as e:
            ctx = expression_context(info.cond_ctx, text, info.cond, None)
            if is_unknown_filter_error(e.message) and info.skip_if_unknown_filter:
                self.warn(Diagnostic("LOAD_UNKNOWN_FILTER", e.message, ctx))
                return
            error = LoadError("LOAD_ERR_COMPILE_CONDITION", e.message, ctx)
            pos = getattr(e, "pos", None)
            error.diagnostic.focus = getattr(pos, "idx", None)
            raise error from None
        except RecursionError:
            raise LoadError("LOAD_ERR_COMPILE_CONDITION", "condition is nested too deeply",
                            info.cond_ctx) from None
        for warning in getattr(compiled, "warnings", ()) or ():
            message = getattr(warning, "message", warning)
            self.warn(Diagnostic("LOAD_COMPILE_CONDITION", str(message), info.cond_ctx))
        return CompiledRule(info, ast, compiled, output, output_text, compiled_extra)

    def deprecated_output_fields(self, fmt: str, ctx: Context) -> None:
        for name in DEPRECATED_FIELDS:
            if name in fmt:
                self.warn(Diagnostic("LOAD_DEPRECATED_ITEM", f"usage of deprecated field "
                                     f"'{name}' has been detected in the rule output", ctx))


class _UsesBrokenMacro(Exception):
    """Keep-going mode: the item uses a macro whose error was already reported."""


class _Pos:
    __slots__ = ("idx",)

    def __init__(self, idx: int) -> None:
        self.idx = idx
