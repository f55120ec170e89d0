"""Writing a compiled ruleset in the stored form the hook's rule cache holds (cold path: run
when the rules are compiled). The format, and the reading side every hook call runs, are in
`falco.stored`; this module is never loaded by a hook call that finds its cache fresh.
"""

from __future__ import annotations

import marshal
import sys

from . import runtime
from .ruleset import canonical
from .stored import _OBJECT, FORMAT, MAGIC, _output_classes

_PLAIN = (str, int, float, bool, type(None), bytes, complex)
_code = type((lambda: None).__code__)


# Encoding objects (cold path) ---------------------------------------------------------------

def _encode(value):
    """`value` as marshal can store it, and whether it holds any runtime object."""
    kind = type(value)
    if kind in _PLAIN:
        return value, False
    if value is _OBJECT:
        raise TypeError("Ellipsis cannot be stored in a rule")
    if kind in (tuple, list, frozenset, set):
        items = [_encode(v) for v in value]
        if kind in (tuple, frozenset) and not any(has for _, has in items):
            return value, False
        return (_OBJECT, kind.__name__, tuple(v for v, _ in items)), True
    if kind is dict:
        pairs = tuple((_encode(k)[0], _encode(v)[0]) for k, v in value.items())
        return (_OBJECT, "dict", pairs), True
    name = kind.__name__
    try:
        known = _output_classes()[name]  # (not .get: `Glob`, `Getopt` are found by __missing__)
    except KeyError:
        known = None
    if known is not kind:
        raise TypeError(f"{name} objects cannot be stored in the rule cache")
    made, args = value.__reduce__()
    if made is not kind:
        raise TypeError(f"{name}.__reduce__ does not rebuild a {name}")
    return (_OBJECT, name, tuple(_encode(a)[0] for a in args)), True


def _split_consts(consts: tuple) -> tuple[tuple, tuple]:
    """(plain constants, with None where an object goes; ((position, encoded object), ...))"""
    plain, objects = [], []
    for i, value in enumerate(consts):
        encoded, has_objects = _encode(value)
        if has_objects:
            plain.append(None)
            objects.append((i, encoded))
        else:
            plain.append(value)
    return tuple(plain), tuple(objects)


def _packed(numbers) -> bytes:
    return b"".join(n.to_bytes(4, sys.byteorder) for n in numbers)


# Lists nearly every shell call has (its programs and their arguments): needing them tells
# little, and each distinct set of needs is a block of its own, read apart.
_USUALLY_SET = frozenset({"tool.cmd.names", "tool.cmd.args"})


def _needs(condition) -> tuple:
    """The list fields a rule's block is skipped on (see `stored`): those its condition
    needs (`Condition.required`), less the ones nearly every call has; if that leaves
    several, the first one is enough to skip on."""
    needed = sorted(set(getattr(condition, "required", ())) - _USUALLY_SET)
    return tuple(needed[:1])


def _blocks(segments: list[tuple], needs: list[tuple]) -> tuple[list[list[int]],
                                                                 list[list[int]]]:
    """(blocks: rule numbers grouped by the set of segments they are in and the list fields
    they need (`needs[n]`, see `Condition.required`), in load order of their first rule;
    for each segment, the numbers of its blocks)."""
    membership: dict[int, list[int]] = {n: [] for n in range(len(needs))}
    for number, segment in enumerate(segments):
        for n in segment:
            membership[n].append(number)
    groups: dict[tuple, int] = {}
    blocks: list[list[int]] = []
    keys = []
    for n in range(len(needs)):
        # membership () for a rule that can never match: stored, never read
        key = (tuple(membership[n]), needs[n])
        keys.append(key)
        if key not in groups:
            groups[key] = len(blocks)
            blocks.append([])
        blocks[groups[key]].append(n)
    of_segment = [sorted({groups[keys[n]] for n in segment}) for segment in segments]
    return blocks, of_segment


def _without_line_numbers(code):
    """`code` (and the code nested in it) without its line table. Generated conditions
    have no source lines worth pointing at (an evaluation error names the rule), and the
    line tables are about 40% of the stored bytes a hook call unmarshals."""
    consts = tuple(_without_line_numbers(c) if isinstance(c, _code) else c
                   for c in code.co_consts)
    table = "co_linetable" if sys.version_info >= (3, 10) else "co_lnotab"
    return code.replace(co_consts=consts, **{table: b""})


def dump(ruleset) -> bytes:
    """`ruleset` (a `falco.ruleset.Ruleset`) as stored bytes (see the module docstring)."""
    module = marshal.loads(ruleset._code)
    factories = {c.co_name: _without_line_numbers(c) for c in module.co_consts
                 if isinstance(c, _code)}
    rules_all = ruleset.rules
    enabled = [i for i, rule in enumerate(rules_all) if rule.enabled]
    by_value, unindexed = ruleset._positions  # positions among the enabled rules

    def numbers(positions) -> tuple:
        return tuple(enabled[p] for p in positions)

    segment_of: dict[tuple, int] = {}
    values = {} if by_value is None else {
        v: segment_of.setdefault(numbers(p), len(segment_of)) for v, p in by_value.items()}
    other = segment_of.setdefault(numbers(unindexed), len(segment_of))
    # Disabled rules (and rules no value can match) are in no segment: stored, never read.
    needs = [_needs(rule.condition) for rule in rules_all]
    blocks, of_segment = _blocks(list(segment_of), needs)
    outputs = [marshal.dumps(_encode(rule.output)[0]) for rule in rules_all]
    output_at = [0]
    for blob in outputs:
        output_at.append(output_at[-1] + len(blob))
    block_blobs = []
    for block in blocks:
        memo: dict = {}
        rules = []
        for n in block:
            rule = rules_all[n]
            consts, objects = _split_consts(canonical(rule.condition.consts, memo))
            rules.append((n, rule.name, rule.priority, canonical(tuple(rule.tags), memo),
                          factories[f"_make_r{n}"], consts, objects,
                          (output_at[n], len(outputs[n])), bool(rule.enabled)))
        block_blobs.append(marshal.dumps(tuple(rules)))
    block_at = [0]
    for blob in block_blobs:
        block_at.append(block_at[-1] + len(blob))
    index = marshal.dumps({
        "format": FORMAT, "python": runtime.PYTHON_TAG, "index_field": ruleset.index_field,
        "values": values, "other": other, "segments": tuple(_packed(s) for s in of_segment),
        "blocks": _packed(block_at), "needs": tuple(needs[block[0]] for block in blocks)})
    return b"".join([MAGIC, len(index).to_bytes(4, "little"), index, *block_blobs, *outputs])
