"""Stage 1 of loading: rules file text -> validated items, each with where it came from.

This is Falco's `rule_loader_reader` without the collector calls: instead of feeding a
collector as it goes, it returns the items in order, as plain data, and stops at the first
error exactly where Falco would (the error becomes the last element, an `Item` of kind
`"error"`). Running the items through the collector in order then reproduces Falco's
interleaving of reader and collector errors.

Every check and message follows Falco's reader (`rule_loader_reader.cpp`;
docs/falco-language.md, "Reading a rules file", "Defining, appending, overriding",
"Exceptions"): item dispatch by first known key, scalar/sequence decoding with yaml-cpp's
conversions (booleans `true/yes/on/y`... in lower, Capitalised or UPPER case; unsigned
integers), the four rule forms (override, legacy append, enable-only, full definition),
override validation, exceptions decoding, unknown keys. YAML is composed (not constructed)
so that every node keeps its position; duplicate keys resolve to the first occurrence, like
yaml-cpp.
"""

from __future__ import annotations

import yaml

from .results import (
    RULES_CONTENT_ITEM,
    VALUE_FOR,
    Context,
    Diagnostic,
    LoadError,
    Location,
    document_context,
)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's composer (PyYAML's C loader) recurses in C once per level of nesting and, on
# Python 3.11, crashes the interpreter with a stack overflow somewhere past ~20,000 levels
# instead of raising RecursionError. A crashed hook is a hook that did not answer, which an
# agent reads as "allow". Text that may nest deeper than this goes to the pure-Python loader,
# whose recursion ends in a RecursionError (reported as "nested too deeply").
C_LOADER_MAX_NESTING = 500
_NULL_TAG = "tag:yaml.org,2002:null"

WARNING_APPEND = ("'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') "
                  "under 'override' instead.")
WARNING_ENABLED = ("The standalone 'enabled' key usage is deprecated. The correct approach "
                   "requires also a 'replace' entry under the 'override' key (i.e. 'enabled: "
                   "replace').")
ERROR_OVERRIDE_APPEND = ("Keys 'override' and 'append: true' cannot be used together. Add an "
                         "'append' entry (e.g. 'condition: append') under 'override' instead.")
LIST_NAME_RULE = "([^()\"'[:space:]=,]+)"
MACRO_NAME_RULE = "([a-zA-Z]+[a-zA-Z0-9_]*)"

LIST_KEYS = ("list", "items", "append", "override")
MACRO_KEYS = ("macro", "condition", "append", "override")
RULE_KEYS = ("rule", "condition", "output", "desc", "priority", "source", "enabled", "tags",
             "exceptions", "warn_evttypes", "skip-if-unknown-filter", "capture",
             "capture_duration", "append", "override")
RULE_APPENDABLE = ("condition", "output", "desc", "tags", "exceptions")
RULE_REPLACEABLE = ("condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
                    "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration")
# The order Falco decodes the overridden keys in (it decides which error comes first).
_APPEND_ORDER = ("condition", "exceptions", "output", "desc", "tags")
_REPLACE_ORDER = ("condition", "exceptions", "output", "desc", "tags", "priority", "enabled",
                  "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration")
_BOOL_KEYS = ("enabled", "warn_evttypes", "skip-if-unknown-filter", "capture")

PRIORITIES = ("Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational",
              "Debug")
_PRIORITY_INDEX = {name.lower(): i for i, name in enumerate(PRIORITIES)}
_PRIORITY_INDEX["info"] = PRIORITIES.index("Informational")

_TRUE_WORDS = ("y", "yes", "true", "on")
_FALSE_WORDS = ("n", "no", "false", "off")
_MAX_ENTRY_DEPTH = 8  # exception fields/comps/values nest at most 2 levels in any useful rule
_UINT32_MAX = 2**32 - 1
_UINT64_MAX = 2**64 - 1


class Item:
    """One thing the collector must do, decoded from one YAML item.

    kind: "required_engine_version", "required_plugin_versions", "list", "macro", "rule",
    or "error" (reading stopped here; `error` holds the diagnostic).
    op:   lists and macros: "define" | "append"; rules: "define" | "append" (legacy or
          override append) | "replace" (override replace) | "enable" (standalone enabled);
          `legacy` is True for the deprecated `append: true` form.
    values: decoded keys, by Falco key name (see module doc of loader.collector).
    ctx: the item's context; key_ctx: contexts of individual values (condition, output...).
    warnings: diagnostics Falco emits while reading this item, before applying it.
    """

    __slots__ = ("ctx", "error", "key_ctx", "kind", "legacy", "name", "op", "values",
                 "warnings")

    def __init__(self, kind: str, name: str = "", op: str = "define",
                 values: dict | None = None, ctx: Context = (), key_ctx: dict | None = None,
                 warnings: list[Diagnostic] | None = None, legacy: bool = False,
                 error: Diagnostic | None = None) -> None:
        self.kind = kind
        self.name = name
        self.op = op
        self.values = values if values is not None else {}
        self.ctx = ctx
        self.key_ctx = key_ctx if key_ctx is not None else {}
        self.warnings = warnings if warnings is not None else []
        self.legacy = legacy
        self.error = error

    def __repr__(self) -> str:
        return f"Item({self.kind}, {self.name!r}, {self.op}, {self.values!r})"


class ExceptionInfo:
    """One entry of a rule's `exceptions`. `fields` and `comps` are a string (single form) or
    a list of strings, or None when absent; `values` is a list of entries (a string or a list
    of entries) or None when the key is absent."""

    __slots__ = ("comps", "ctx", "fields", "name", "values")

    def __init__(self, name: str, fields, comps, values, ctx: Context) -> None:
        self.name = name
        self.fields = fields
        self.comps = comps
        self.values = values
        self.ctx = ctx

    def copy(self) -> ExceptionInfo:
        return ExceptionInfo(self.name, _copy_entry(self.fields), _copy_entry(self.comps),
                             _copy_entry(self.values), self.ctx)

    def __repr__(self) -> str:
        return f"ExceptionInfo({self.name!r}, {self.fields!r}, {self.comps!r}, {self.values!r})"


def _copy_entry(entry):
    if isinstance(entry, list):
        return [_copy_entry(e) for e in entry]
    return entry


# -- small YAML helpers -------------------------------------------------------------------

def is_null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def is_scalar(node) -> bool:
    """yaml-cpp's IsScalar: a scalar that is not null."""
    return isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG


def get(mapping, key: str):
    """The value node of `key` in a mapping node (first occurrence, as yaml-cpp), or None."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for knode, vnode in mapping.value:
        if isinstance(knode, yaml.ScalarNode) and knode.value == key:
            return vnode
    return None


def keys_of(mapping) -> list[tuple[str, object]]:
    out = []
    for knode, _ in mapping.value:
        if isinstance(knode, yaml.ScalarNode):
            out.append((knode.value, knode))
    return out


def decode_bool(text: str) -> bool | None:
    """yaml-cpp's bool conversion: y/yes/true/on and n/no/false/off, all lower, all upper or
    Capitalised."""
    if not (text.islower() or text.isupper() or (text[:1].isupper() and text[1:].islower())):
        return None
    low = text.lower()
    if low in _TRUE_WORDS:
        return True
    if low in _FALSE_WORDS:
        return False
    return None


def decode_unsigned(text: str, limit: int) -> int | None:
    """yaml-cpp's unsigned conversion (stream extraction with base detection): decimal,
    0x hexadecimal or 0-prefixed octal, optional '+', nothing after."""
    body = text[1:] if text.startswith("+") else text
    if not body:
        return None
    try:
        if body[:2] in ("0x", "0X"):
            value = int(body[2:], 16) if body[2:].isalnum() else None
        elif len(body) > 1 and body[0] == "0":
            value = int(body[1:], 8) if body[1:].isdigit() else None
        else:
            value = int(body) if body.isdigit() and body.isascii() else None
    except ValueError:
        return None
    if value is None or value > limit:
        return None
    return value


def parse_priority(text: str) -> int | None:
    """Index of a priority name (case-insensitive; `info` is Informational), else None."""
    return _PRIORITY_INDEX.get(text.lower()) if text.isascii() else None


def parse_version(text: str) -> tuple[int, int, int] | None:
    """A semver `x.y.z` (decimal numbers only), else None."""
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def matches_list_name(name: str) -> bool:
    return bool(name) and not any(c in "()\"'=," or c in " \t\n\v\f\r" for c in name)


def matches_macro_name(name: str) -> bool:
    if not name or not ("a" <= name[0].lower() <= "z"):
        return False
    return all(c.isascii() and (c.isalnum() or c == "_") for c in name)


# -- the reader ---------------------------------------------------------------------------

class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[Item] = []
        self.pending: list[Diagnostic] = []   # warnings not yet attached to an item

    # contexts ---------------------------------------------------------------------------
    def loc(self, node, item_type: str, item_name: str = "") -> Location:
        mark = node.start_mark
        return Location(item_type, item_name, self.name, mark.line + 1, mark.column + 1,
                        mark.index)

    def ctx(self, node, item_type: str, item_name: str, parent: Context) -> Context:
        return (*parent, self.loc(node, item_type, item_name))

    def text_ctx(self, node, item_type: str, parent: Context) -> Context:
        """Context of a condition scalar, recording where its text starts when the text is
        written verbatim on one line (so parser positions map to file columns)."""
        loc = self.loc(node, item_type, "")
        quoted = 1 if getattr(node, "style", None) in ("'", '"') else 0
        start, end = node.start_mark, node.end_mark
        if start.line == end.line and end.column - start.column == len(node.value) + 2 * quoted:
            loc.text_column = loc.column + quoted
        loc.text_end = end.index
        return (*parent, loc)

    def warn(self, code: str, message: str, ctx: Context) -> None:
        self.pending.append(Diagnostic(code, message, ctx))

    def emit(self, item: Item) -> None:
        item.warnings = self.pending
        self.pending = []
        self.items.append(item)

    # decoding ---------------------------------------------------------------------------
    def scalar(self, item, key: str, ctx: Context, *, optional: bool = False,
               allow_empty: bool = False) -> tuple[str | None, object]:
        """Decode a scalar key as a string. Returns (text or None if absent, value node)."""
        node = get(item, key)
        if node is None:
            if optional:
                return None, None
            raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Item has no mapping for key '{key}'", ctx)
        if is_null(node):
            if allow_empty:
                return "", node
            raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Mapping for key '{key}' is empty", ctx)
        valctx = self.ctx(node, VALUE_FOR, key, ctx)
        if not is_scalar(node):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value is not a scalar value", valctx)
        if node.value == "" and not allow_empty:
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value must be non-empty", valctx)
        return node.value, node

    def boolean(self, item, key: str, ctx: Context, *, optional: bool = False) -> bool | None:
        text, node = self.scalar(item, key, ctx, optional=optional)
        if text is None:
            return None
        value = decode_bool(text)
        if value is None:
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Can't decode YAML scalar value",
                            self.ctx(node, VALUE_FOR, key, ctx))
        return value

    def unsigned(self, item, key: str, ctx: Context, limit: int, *,
                 optional: bool = False) -> int | None:
        text, node = self.scalar(item, key, ctx, optional=optional)
        if text is None:
            return None
        value = decode_unsigned(text, limit)
        if value is None:
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Can't decode YAML scalar value",
                            self.ctx(node, VALUE_FOR, key, ctx))
        return value

    def sequence(self, item, key: str, ctx: Context, *, optional: bool) -> list[str] | None:
        node = get(item, key)
        if node is None:
            if optional:
                return None
            raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Item has no mapping for key '{key}'", ctx)
        valctx = self.ctx(node, VALUE_FOR, key, ctx)
        if not isinstance(node, yaml.SequenceNode):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value is not a sequence", valctx)
        out = []
        for child in node.value:
            if not is_scalar(child):
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "sequence value is not scalar",
                                self.ctx(child, "list item", "", valctx))
            out.append(child.value)
        return out

    def priority(self, item, ctx: Context) -> int:
        text, node = self.scalar(item, "priority", ctx)
        value = parse_priority(text)
        if value is None:
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Invalid priority",
                            self.ctx(node, "rule priority", "", ctx))
        return value

    def unknown_keys(self, item, expected: tuple[str, ...], ctx: Context) -> None:
        for key, knode in keys_of(item):
            if key not in expected:
                self.warn("LOAD_UNKNOWN_KEY", f"Unknown key '{key}'. The key will be ignored.",
                          self.ctx(knode, VALUE_FOR, key, ctx))

    # items --------------------------------------------------------------------------------
    def read_item(self, item, parent: Context) -> None:
        if not isinstance(item, yaml.MappingNode):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Unexpected element type. Each element "
                            "should be a yaml associative array.",
                            self.ctx(item, RULES_CONTENT_ITEM, "", parent))
        if get(item, "required_engine_version") is not None:
            self.read_engine_version(item, parent)
        elif get(item, "required_plugin_versions") is not None:
            self.read_plugin_versions(item, parent)
        elif get(item, "list") is not None:
            self.read_list(item, parent)
        elif get(item, "macro") is not None:
            self.read_macro(item, parent)
        elif get(item, "rule") is not None:
            self.read_rule(item, parent)
        else:
            self.warn("LOAD_UNKNOWN_ITEM", "Unknown top level item",
                      self.ctx(item, RULES_CONTENT_ITEM, "", parent))

    def read_engine_version(self, item, parent: Context) -> None:
        ctx = self.ctx(item, "required_engine_version", "", parent)
        self.unknown_keys(item, ("required_engine_version",), ctx)
        text, _ = self.scalar(item, "required_engine_version", ctx)
        number = decode_unsigned(text, _UINT32_MAX)
        if number is not None:
            version = (0, number, 0)
        else:
            parsed = parse_version(text)
            if parsed is None:
                raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Unable to parse engine version "
                                f"'{text}' as a semver string. Expected \"x.y.z\" semver format.",
                                ctx)
            version = parsed
        self.emit(Item("required_engine_version", "", values={"version": version}, ctx=ctx))

    def read_plugin_versions(self, item, parent: Context) -> None:
        node = get(item, "required_plugin_versions")
        ctx = self.ctx(node, "required plugin versions", "", parent)
        self.unknown_keys(item, ("required_plugin_versions",), ctx)
        if not isinstance(node, yaml.SequenceNode):
            raise LoadError("LOAD_ERR_YAML_VALIDATE",
                            "Value of required_plugin_versions must be a sequence", ctx)
        for plugin in node.value:
            tmp = self.ctx(plugin, "required plugin versions entry", "", ctx)
            if not isinstance(plugin, yaml.MappingNode):
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Plugin version must be a mapping", tmp)
            name, _ = self.scalar(plugin, "name", tmp)
            pctx = self.ctx(plugin, "required plugin versions entry", name, ctx)
            version, _ = self.scalar(plugin, "version", pctx)
            alternatives = [(name, version)]
            alts = get(plugin, "alternatives")
            if alts is not None:
                if not isinstance(alts, yaml.SequenceNode):
                    raise LoadError("LOAD_ERR_YAML_VALIDATE",
                                    "Value of plugin version alternatives must be a sequence",
                                    pctx)
                for alt in alts.value:
                    actx = self.ctx(alt, "required plugin versions alternative", "", pctx)
                    if not isinstance(alt, yaml.MappingNode):
                        raise LoadError("LOAD_ERR_YAML_VALIDATE",
                                        "Plugin version alternative must be a mapping", actx)
                    alt_name, _ = self.scalar(alt, "name", actx)
                    actx = self.ctx(alt, "required plugin versions alternative", alt_name, pctx)
                    alt_version, _ = self.scalar(alt, "version", actx)
                    alternatives.append((alt_name, alt_version))
            self.emit(Item("required_plugin_versions", name,
                           values={"alternatives": alternatives}, ctx=pctx))

    def read_overrides(self, item, appendable, replaceable, ctx: Context):
        """Falco's decode_overrides: (append keys, replace keys) in file order."""
        node = get(item, "override")
        out_append: list[str] = []
        out_replace: list[str] = []
        if node is None or not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            return out_append, out_replace  # yaml-cpp iterates nothing over a scalar
        octx = self.ctx(item, "overrides", "", ctx)
        if isinstance(node, yaml.SequenceNode):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value of override must be a mapping",
                            self.ctx(node, VALUE_FOR, "override", ctx))
        for knode, vnode in node.value:
            key = knode.value if is_scalar(knode) else ""
            if not is_scalar(vnode):
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value is not a scalar value",
                                self.ctx(vnode, VALUE_FOR, key, octx))
            operation = vnode.value
            if operation == "append":
                if key not in appendable:
                    raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Key '{key}' cannot be appended "
                                    "to, use 'replace' instead",
                                    self.ctx(knode, "overrides", key, octx))
                out_append.append(key)
            elif operation == "replace":
                if key not in replaceable:
                    raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Key '{key}' cannot be replaced",
                                    self.ctx(knode, "overrides", key, octx))
                out_replace.append(key)
            else:
                allowed = ("append " if key in appendable else "") + (
                    "replace " if key in replaceable else "")
                raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Invalid override operation for key "
                                f"'{key}': '{operation}'. Allowed values are: {allowed}",
                                self.ctx(vnode, VALUE_FOR, key, octx))
        return out_append, out_replace

    def read_list(self, item, parent: Context) -> None:
        name, _ = self.scalar(item, "list", self.ctx(item, "list", "", parent))
        ctx = self.ctx(item, "list", name, parent)
        if not matches_list_name(name):
            self.warn("LOAD_INVALID_LIST_NAME", "List has an invalid name. List names should "
                      "match a regular expression: " + LIST_NAME_RULE, ctx)
        self.unknown_keys(item, LIST_KEYS, ctx)
        items = self.sequence(item, "items", ctx, optional=False)
        append = bool(self.boolean(item, "append", ctx, optional=True))
        if append:
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx)
        over_append, over_replace = self.read_overrides(item, ("items",), ("items",), ctx)
        if append and (over_append or over_replace):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", ERROR_OVERRIDE_APPEND, ctx)
        append = append or "items" in over_append
        self.emit(Item("list", name, "append" if append else "define", {"items": items}, ctx,
                       legacy=append and not over_append))

    def read_macro(self, item, parent: Context) -> None:
        name, _ = self.scalar(item, "macro", self.ctx(item, "macro", "", parent))
        ctx = self.ctx(item, "macro", name, parent)
        if not matches_macro_name(name):
            self.warn("LOAD_INVALID_MACRO_NAME", "Macro has an invalid name. Macro names should "
                      "match a regular expression: " + MACRO_NAME_RULE, ctx)
        self.unknown_keys(item, MACRO_KEYS, ctx)
        cond, cnode = self.scalar(item, "condition", ctx)
        key_ctx = {"condition": self.text_ctx(cnode, "macro condition", ctx)}
        append = bool(self.boolean(item, "append", ctx, optional=True))
        if append:
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx)
        over_append, over_replace = self.read_overrides(item, ("condition",), ("condition",), ctx)
        if append and (over_append or over_replace):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", ERROR_OVERRIDE_APPEND, ctx)
        append = append or "condition" in over_append
        self.emit(Item("macro", name, "append" if append else "define", {"condition": cond},
                       ctx, key_ctx, legacy=append and not over_append))

    def read_rule(self, item, parent: Context) -> None:
        name, _ = self.scalar(item, "rule", self.ctx(item, "rule", "", parent))
        ctx = self.ctx(item, "rule", name, parent)
        self.unknown_keys(item, RULE_KEYS, ctx)
        has_append_flag = bool(self.boolean(item, "append", ctx, optional=True))
        if has_append_flag:
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx)
        over_append, over_replace = self.read_overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE,
                                                        ctx)
        if has_append_flag and (over_append or over_replace):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", ERROR_OVERRIDE_APPEND, ctx)
        source, _ = self.scalar(item, "source", ctx, optional=True, allow_empty=True)

        if over_append or over_replace:
            self.read_rule_overrides(item, name, ctx, source, over_append, over_replace)
        elif has_append_flag:
            values: dict = {"source": source}
            key_ctx = {}
            cnode = get(item, "condition")
            if cnode is not None:
                values["condition"], _ = self.scalar(item, "condition", ctx)
                key_ctx["condition"] = self.text_ctx(cnode, "rule condition", ctx)
            if get(item, "exceptions") is not None:
                values["exceptions"] = self.exceptions(item, ctx, append=True)
            self.emit(Item("rule", name, "append", values, ctx, key_ctx, legacy=True))
        elif all(get(item, k) is None for k in ("condition", "output", "desc", "priority")):
            enabled = self.boolean(item, "enabled", ctx)
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_ENABLED, ctx)
            self.emit(Item("rule", name, "enable", {"enabled": enabled, "source": source}, ctx))
        else:
            self.read_rule_definition(item, name, ctx, source)

    def read_rule_definition(self, item, name: str, ctx: Context, source: str | None) -> None:
        cond, cnode = self.scalar(item, "condition", ctx)
        key_ctx = {"condition": self.text_ctx(cnode, "rule condition", ctx)}
        output, onode = self.scalar(item, "output", ctx)
        key_ctx["output"] = self.ctx(onode, "rule output", "", ctx)
        desc, _ = self.scalar(item, "desc", ctx)
        values = {
            "condition": cond,
            "output": output.strip(" \t\n\r\f\v"),
            "desc": desc,
            "priority": self.priority(item, ctx),
            "source": source or "syscall",
            "enabled": self.boolean(item, "enabled", ctx, optional=True),
            "warn_evttypes": self.boolean(item, "warn_evttypes", ctx, optional=True),
            "skip-if-unknown-filter": self.boolean(item, "skip-if-unknown-filter", ctx,
                                                   optional=True),
            "capture": self.boolean(item, "capture", ctx, optional=True),
            "capture_duration": self.unsigned(item, "capture_duration", ctx, _UINT64_MAX,
                                              optional=True),
            "tags": self.sequence(item, "tags", ctx, optional=True),
            "exceptions": self.exceptions(item, ctx, append=False),
        }
        defaults = {"enabled": True, "warn_evttypes": True, "skip-if-unknown-filter": False,
                    "capture": False, "capture_duration": 0, "tags": [], "exceptions": []}
        for key, default in defaults.items():
            if values[key] is None:
                values[key] = default
        self.emit(Item("rule", name, "define", values, ctx, key_ctx))

    def read_rule_overrides(self, item, name: str, ctx: Context, source: str | None,
                            over_append: list[str], over_replace: list[str]) -> None:
        expected = {k for k in (*RULE_APPENDABLE, *RULE_REPLACEABLE) if get(item, k) is not None}
        for op, keys, order in (("append", over_append, _APPEND_ORDER),
                                ("replace", over_replace, _REPLACE_ORDER)):
            if not keys:
                continue
            values: dict = {"source": source}
            key_ctx: dict = {}
            for key in order:
                if key not in keys:
                    continue
                if key not in expected:
                    raise LoadError("LOAD_ERR_YAML_VALIDATE", f"An {op} override for '{key}' "
                                    f"was specified but '{key}' is not defined", ctx)
                expected.discard(key)
                values[key] = self.override_value(item, key, ctx, append=(op == "append"))
                if key == "condition":
                    key_ctx[key] = self.text_ctx(get(item, key), "rule condition", ctx)
                elif key == "output":
                    key_ctx[key] = self.ctx(get(item, key), "rule output", "", ctx)
            self.emit(Item("rule", name, op, values, ctx, key_ctx))
        for key in (*RULE_APPENDABLE, *RULE_REPLACEABLE):
            if key in expected:
                raise LoadError("LOAD_ERR_YAML_VALIDATE", f"Unexpected key '{key}': no "
                                "corresponding entry under 'override' is defined.",
                                self.ctx(get(item, key), "overrides", key, ctx))

    def override_value(self, item, key: str, ctx: Context, *, append: bool):
        if key == "exceptions":
            return self.exceptions(item, ctx, append=append)
        if key == "tags":
            return self.sequence(item, "tags", ctx, optional=True) or []
        if key == "priority":
            return self.priority(item, ctx)
        if key in _BOOL_KEYS:
            return self.boolean(item, key, ctx)
        if key == "capture_duration":
            return self.unsigned(item, key, ctx, _UINT64_MAX)
        text, _ = self.scalar(item, key, ctx)
        return text.strip(" \t\n\r\f\v") if key == "output" else text

    # exceptions -----------------------------------------------------------------------------
    def entry(self, node, key: str, ctx: Context, depth: int = 0):
        """A fields/comps/values entry: a string, or a list of entries. Null and mappings
        decode to "" (yaml-cpp leaves the entry empty)."""
        valctx = self.ctx(node, VALUE_FOR, key, ctx)
        if depth > _MAX_ENTRY_DEPTH:
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value is nested too deeply", valctx)
        if is_scalar(node):
            if node.value == "":
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Value must be non-empty", valctx)
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.entry(child, "", self.ctx(child, "exception", "", valctx), depth + 1)
                    for child in node.value]
        return ""

    def exceptions(self, item, parent: Context, *, append: bool) -> list[ExceptionInfo]:
        node = get(item, "exceptions")
        if node is None or is_null(node):
            return []
        exes_ctx = self.ctx(node, "exceptions", "", parent)
        if not isinstance(node, yaml.SequenceNode):
            raise LoadError("LOAD_ERR_YAML_VALIDATE", "Rule exceptions must be a sequence",
                            exes_ctx)
        out: list[ExceptionInfo] = []
        for ex in node.value:
            tmp = self.ctx(ex, "exception", "", exes_ctx)
            if not isinstance(ex, yaml.MappingNode):
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Rule exception must be a mapping", tmp)
            name, _ = self.scalar(ex, "name", tmp)
            ex_ctx = self.ctx(ex, "exception", name, parent)
            if any(e.name == name for e in out):
                self.warn("LOAD_EXCEPTION_NAME_NOT_UNIQUE",
                          f"Multiple definitions of exception '{name}' in the same rule", ex_ctx)
            fields_node = get(ex, "fields")
            if fields_node is None and not append:
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Item has no mapping for key 'fields'",
                                ex_ctx)
            fields = None if fields_node is None else self.entry(fields_node, "fields", ex_ctx)
            comps_node = get(ex, "comps")
            comps = None if comps_node is None else self.entry(comps_node, "comps", ex_ctx)
            values = None
            vals_node = get(ex, "values")
            if vals_node is not None:
                vals_ctx = self.ctx(vals_node, "exception values", "", ex_ctx)
                if not isinstance(vals_node, yaml.SequenceNode):
                    raise LoadError("LOAD_ERR_YAML_VALIDATE",
                                    "Rule exception values must be a sequence", vals_ctx)
                values = [self.entry(v, "", self.ctx(v, "exception value", "", vals_ctx))
                          for v in vals_node.value]
            elif append:
                self.warn("LOAD_APPEND_NO_VALUES", "Overriding/appending exception with no "
                          "values", ex_ctx)
            out.append(ExceptionInfo(name, fields, comps, values, ex_ctx))
        return out


_UNCLOSED = {"while scanning a quoted scalar": "a quoted value starts here and is not closed",
             "while parsing a flow sequence": "a `[` list starts here and is not closed",
             "while parsing a flow mapping": "a `{` mapping starts here and is not closed",
             "while scanning a block scalar": "a block value starts here and is not closed"}


def yaml_cause(error) -> tuple:
    """(mark, problem) of a YAML error at the line of its real cause: a quote or bracket
    that is never closed is reported where it opens (the parser only notices lines later,
    often at the end of the file), otherwise where the parser stopped."""
    problem = error.problem or error.context or "invalid YAML"
    opened, stopped = error.context_mark, error.problem_mark
    if opened is not None and stopped is not None and stopped.line > opened.line:
        what = _UNCLOSED.get((error.context or "").strip())
        if what:
            return opened, (f"{what} ({problem} at line {stopped.line + 1}, "
                            f"column {stopped.column + 1})")
    return stopped or opened, problem


def nesting_bound(text: str) -> int:
    """An upper bound of how deeply the YAML in `text` can nest. Flow collections: the
    deepest run of unclosed `[`/`{` (brackets inside quotes counted too, which only
    overestimates). Block collections: a nested block collection starts further right than
    its parent (a sequence under a mapping key may start in the same column), and where one
    starts is within its line's run of indentation and `-`/`?` indicators."""
    import re

    depth = deepest = 0
    for bracket in re.findall(r"[][{}]", text):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    widest = max(map(len, re.findall(r"^[ \t?-]*", text, re.M)), default=0)
    return deepest + 2 * widest + 2


def loader_for(text: str):
    """PyYAML's C loader, or its pure-Python one for text that may nest too deeply for it."""
    if _LOADER is not yaml.SafeLoader and nesting_bound(text) > C_LOADER_MAX_NESTING:
        return yaml.SafeLoader
    return _LOADER


def compose(text: str, name: str) -> list:
    """YAML documents of `text` as node trees. Raises LoadError(LOAD_ERR_YAML_PARSE)."""
    try:
        return list(yaml.compose_all(text, Loader=loader_for(text)))
    except yaml.MarkedYAMLError as e:
        mark, problem = yaml_cause(e)
        if mark is not None:
            where = Location("rules content", "", name, mark.line + 1, mark.column + 1,
                             mark.index)
            message = f"yaml: error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
            raise LoadError("LOAD_ERR_YAML_PARSE", message,
                            (*document_context(name), where)) from None
        raise LoadError("LOAD_ERR_YAML_PARSE", f"yaml: {problem}", document_context(name)) from None
    except yaml.YAMLError as e:
        raise LoadError("LOAD_ERR_YAML_PARSE", f"yaml: {e}", document_context(name)) from None
    except RecursionError:
        raise LoadError("LOAD_ERR_YAML_PARSE", "yaml: the document is nested too deeply",
                        document_context(name)) from None
    except UnicodeError as e:
        raise LoadError("LOAD_ERR_YAML_PARSE", f"yaml: the text is not valid Unicode "
                        f"({e.reason} at character {e.start})", document_context(name)) from None


def read(text: str, name: str, keep_going: bool = False) -> list[Item]:
    """The items of one rules file, in order. If reading fails, the last item has kind
    "error" (with the warnings Falco emits before that error).

    `keep_going` (for `--check`): an item that cannot be read becomes an "error" item and
    reading goes on with the next item, so that every bad item of a file is reported (a YAML
    syntax error still ends the file: nothing after it can be trusted)."""
    reader = _Reader(name)
    doc_ctx = document_context(name)
    try:
        for doc in compose(text, name):
            if doc is None or is_null(doc):
                continue
            if not isinstance(doc, (yaml.SequenceNode, yaml.MappingNode)):
                raise LoadError("LOAD_ERR_YAML_VALIDATE", "Rules content is not yaml", doc_ctx)
            if not isinstance(doc, yaml.SequenceNode):
                raise LoadError("LOAD_ERR_YAML_VALIDATE",
                                "Rules content is not yaml array of objects", doc_ctx)
            for node in doc.value:
                if is_null(node):
                    continue
                if not keep_going:
                    reader.read_item(node, doc_ctx)
                    continue
                try:
                    reader.read_item(node, doc_ctx)
                except LoadError as e:
                    reader.items.append(Item("error", error=e.diagnostic,
                                             warnings=reader.pending))
                    reader.pending = []
            if reader.pending:  # warnings of items that produced no collector work
                reader.emit(Item("warnings"))
    except LoadError as e:
        reader.items.append(Item("error", error=e.diagnostic, warnings=reader.pending))
        reader.pending = []
    if reader.pending:
        reader.emit(Item("warnings"))
    return reader.items
