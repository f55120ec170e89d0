"""A compiled ruleset as the hook's rule cache stores it (HOT PATH: read on every call).

`falco.storing.dump(ruleset)` (cold path) writes a `Ruleset` as bytes; `StoredRuleset(fd,
at, head)` reads them back lazily, so that a hook call pays only for the rules that can
apply to its tool, and only once it asks:

    magic (8 bytes) | index size (4 bytes) | index | block 0 | block 1 | ... | outputs

- the index (marshal) holds the format, the Python it was written by, the index field
  (`tool.name`), for each of its values the *segment* of candidate rules (the rules whose
  condition can be true for that value, plus the rules that can be true for any value), the
  segment for any other value, and where each block starts. Segments and offsets are packed
  unsigned ints, so the index loads in a time that does not grow with the number of rules;
- the enabled rules are grouped into *blocks*: rules that are candidates for exactly the
  same segments share a block, so every segment is a few whole blocks and every rule is
  stored once. A block is one marshal blob: for each of its rules, its number (load order),
  name, priority, tags, the code object of its condition's factory (see
  `condition.factory_source`), its constants (equal ones stored once per block) and where its
  output format is;
- each output format is its own small blob, read and decoded only when that rule decides
  the verdict.

`match(event)` reads the blocks of the event's index value's segment, builds their
functions once, and evaluates them in load order. The rules of other tools cost nothing.
Rules are also grouped by the list fields their condition needs to hold a value
(`Condition.required`: `F intersects (...)` is false when F is missing or empty): a block
whose needed lists are empty for the event (a command that names no host, no URL, no
package manager...) is not read at all; its rules could not have matched.

Everything is marshal (plain values and code objects; no pickle, no `copyreg`). Objects of
the runtime (globs, regexes, value expressions, output formats...) are stored through
their `__reduce__` as `(..., class name, arguments)` and rebuilt from a fixed table of
classes. Marshalled code is only valid for the Python that wrote it: another one raises
`RulesetVersionError` and the cache layer rebuilds from the rules files. A cache file is
trusted input (it runs code): the cache layer checks it is exactly the file it wrote.
"""

from __future__ import annotations

import marshal
import os

from . import runtime

MAGIC = b"PRS\x04rule"
FORMAT = "prempti-stored-ruleset/2"
_OBJECT = ...  # marks an encoded object: (..., class name, arguments)
_function = type(lambda: None)


class RulesetVersionError(ValueError):
    """Stored by another Python or in another format: rebuild it."""


# Reading (hot path) -------------------------------------------------------------------------

class _ClassTable(dict):
    """Class name -> class, for every object a stored rule may hold. `Glob` and `Getopt`
    are looked up on first use: the fnmatch engine (`glob.py`) is only loaded by rules with
    globs, `getopt.py` by rules with `getopt()`."""

    def __missing__(self, name: str):
        if name == "Glob":
            from .glob import Glob as found
        elif name == "Getopt":
            from .getopt import Getopt as found
        else:
            raise KeyError(name)
        self[name] = found
        return found


_CLASSES = _ClassTable()


def _classes() -> dict:
    """The class table (see `_ClassTable`), filled on first use."""
    if not _CLASSES:
        for cls in (runtime.PathPrefixes, runtime.Regex, runtime.FieldValue,
                    runtime.ConstValue, runtime.Transform, runtime.ListItems, runtime.Join,
                    runtime.Concat, runtime.ValueExpr):
            _CLASSES[cls.__name__] = cls
        _CLASSES.update(tuple=tuple, list=list, frozenset=frozenset, set=set)
    return _CLASSES


def _output_classes() -> dict:
    classes = _classes()
    if "OutputFormat" not in classes:
        from . import output

        for cls in (output.OutputFormat, output.FieldToken, output.TransformerToken):
            classes[cls.__name__] = cls
    return classes


def _decode(value, classes: dict):
    """The object an encoded `(..., name, arguments)` stands for (plain values are never
    passed here: callers test `_is_object` first, which saves a call per plain argument)."""
    _, name, args = value
    if name == "dict":
        return {(_decode(k, classes) if _is_object(k) else k):
                (_decode(v, classes) if _is_object(v) else v) for k, v in args}
    made = [_decode(a, classes) if type(a) is tuple and a and a[0] is _OBJECT else a
            for a in args]
    if name in ("tuple", "list", "frozenset", "set"):
        return classes[name](made)
    return classes[name](*made)


def _is_object(value) -> bool:
    return type(value) is tuple and bool(value) and value[0] is _OBJECT


class StoredRule(tuple):
    """A candidate rule as the verdict and the log need it: (name, priority, tags, where its
    output format is, enabled, the ruleset). A tuple, because a hook call makes one for
    each of about a hundred candidates and a tuple is made at C speed; the output format
    is read and decoded on first use (only the rule that decides is ever rendered)."""

    __slots__ = ()

    name = property(lambda self: self[0])
    priority = property(lambda self: self[1])
    tags = property(lambda self: self[2])
    enabled = property(lambda self: self[4])

    @property
    def output(self):
        return self[5].read_output(self[3])

    def __repr__(self) -> str:
        return f"StoredRule({self[0]!r})"


def _read(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) != size:
        raise EOFError("the stored ruleset is shorter than its index says")
    return data


class StoredRuleset:
    """The ruleset stored at offset `at` of the open file `fd` (`head`: bytes already read
    from there, possibly all of them). Raises RulesetVersionError for another Python or
    format, ValueError/EOFError/OSError for damaged bytes. Owns `fd` (closes it)."""

    __slots__ = ("_blocks", "_data_at", "_fd", "_loaded", "_needs", "_other", "_outputs",
                 "_outputs_at", "_segments", "_values", "index_field")

    def __init__(self, fd: int, at: int, head: bytes = b"") -> None:
        self._fd = fd
        if len(head) < len(MAGIC) + 4:
            head = _read(fd, len(MAGIC) + 4, at)
        if head[:len(MAGIC)] != MAGIC:
            raise RulesetVersionError("not a stored ruleset of this format")
        size = int.from_bytes(head[len(MAGIC):len(MAGIC) + 4], "little")
        start = len(MAGIC) + 4
        raw = head[start:start + size]
        if len(raw) < size:
            raw = _read(fd, size, at + start)
        index = marshal.loads(raw)
        if index.get("format") != FORMAT or tuple(index.get("python", ())) != runtime.PYTHON_TAG:
            raise RulesetVersionError("stored by another Python or in another format")
        self._data_at = at + start + size
        self.index_field = index["index_field"]
        self._values = index["values"]
        self._other = index["other"]
        self._segments = index["segments"]
        self._blocks = memoryview(index["blocks"]).cast("I")
        self._needs = index["needs"]  # per block: list fields its rules need non-empty
        self._outputs_at = self._data_at + self._blocks[-1]
        self._loaded: dict = {}
        self._outputs: dict = {}

    def candidates(self, event) -> tuple:
        """(function, rule) pairs of the rules that can match `event`, in load order."""
        segment = self._other
        if self.index_field is not None:
            try:
                segment = self._values.get(event[self.index_field], self._other)
            except TypeError:  # an unhashable value can only match rules for any value
                pass
        # The blocks whose rules could be true: every list field they need holds a value
        # (`F intersects (...)` is false on a missing or empty F). The others are not read.
        needs = self._needs
        chosen = tuple(b for b in memoryview(self._segments[segment]).cast("I").tolist()
                       if all(event[field] for field in needs[b]))
        pairs = self._loaded.get(chosen)
        if pairs is None:
            pairs = self._loaded[chosen] = self._load(chosen)
        return pairs

    def match(self, event) -> list:
        """Every rule whose condition is true for `event`, in load order. Raises
        EvaluationError (naming the rule) when a condition cannot be evaluated."""
        return run_rules(self.candidates(event), event)

    @property
    def rules(self) -> tuple:
        """Every rule, disabled ones included, in load order. Reads every block (for tools
        such as `explain`; a hook call never asks)."""
        blocks = self._blocks
        rules = []
        for b in range(len(blocks) - 1):
            rules.extend(marshal.loads(_read(self._fd, blocks[b + 1] - blocks[b],
                                             self._data_at + blocks[b])))
        rules.sort(key=_number)
        return tuple(StoredRule((name, priority, tags, output_at, enabled, self))
                     for _, name, priority, tags, _, _, _, output_at, enabled in rules)

    def _load(self, chosen: tuple) -> tuple:
        blocks = self._blocks
        rules = []
        for b in chosen:
            data = _read(self._fd, blocks[b + 1] - blocks[b], self._data_at + blocks[b])
            rules.extend(marshal.loads(data))
        if len(rules) > 1:
            rules.sort(key=_number)
        classes = _classes()
        built = []
        for _, name, priority, tags, factory, consts, objects, output_at, _ in rules:
            if objects:
                consts = list(consts)
                for position, encoded in objects:
                    consts[position] = _decode(encoded, classes)
            fn = _function(factory, runtime.RUNTIME_GLOBALS)(*consts)
            built.append((fn, StoredRule((name, priority, tags, output_at, True, self))))
        return tuple(built)

    def read_output(self, output_at: tuple):
        found = self._outputs.get(output_at)
        if found is None:
            found = self._outputs[output_at] = self._read_output(output_at)
        return found

    def _read_output(self, output_at: tuple):
        offset, size = output_at
        data = _read(self._fd, size, self._outputs_at + offset)
        value = marshal.loads(data)
        return _decode(value, _output_classes()) if _is_object(value) else value

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _number(rule: tuple) -> int:
    return rule[0]


def run_rules(pairs, event) -> list:
    """The rules of (function, rule) `pairs` whose function is true for `event`."""
    matched = []
    for fn, rule in pairs:
        try:
            if fn(event):
                matched.append(rule)
        except Exception as e:
            from .errors import EvaluationError  # only on this rare path: keeps imports lean

            if isinstance(e, EvaluationError):
                raise EvaluationError(f"rule '{rule.name}': {e.message}") from None
            raise
    return matched
