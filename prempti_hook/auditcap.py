"""Fitting one audit record into a bounded line, saying what was cut.

A tool call can be made huge on purpose (a command naming 8,000 paths made a 1.2 MB line;
33 such calls rotated a deny out of every kept file). So the whole line is bounded, not only
each field: when a record's JSON is over the budget, the largest values are cut first, by
water-filling. Every value gets at most the same share T, with T the largest value that
makes the total fit, so small values (the time, the rule, the verdict, the reason) stay whole
and only the giants shrink. `tool.input`, the call itself, is cut last: only when every other
value is down to FLOOR bytes does it get cut too. A cut string
ends with `...[N more characters]`, a cut list with a last item `...[N more items]`, and the
record gains

    "truncated": {"line_bytes": <size before>, "cut": {"<key path>": {"bytes": <size before>,
                  "kept_bytes": <size after>, "items": <n>, "kept_items": <k>}, ...}}

(`items`/`kept_items` for lists only; key paths are dotted from the top, e.g.
`output_fields.tool.cmd.paths`). Imported only when a record is over the budget.
"""

from __future__ import annotations

from . import jsonio

# Keys whose values are small by construction and name the event: never cut.
KEPT_WHOLE = frozenset({"time", "hostname", "source", "rule", "priority", "tags", "verdict",
                        "mode", "enforced", "duration_ms"})
# `tool.input` is the call itself (every other tool field is derived from it, and `replay`
# rebuilds the call from it): it is cut only when every other value is down to FLOOR bytes.
CUT_LAST = frozenset({"output_fields.tool.input"})
FLOOR = 1024
# Room kept for the "truncated" note itself: at most NOTE_ENTRIES cut paths are listed.
NOTE_ROOM = 6144
NOTE_ENTRIES = 40
_NULL = 4  # len("null")


def _size(value) -> int:
    return len(jsonio.dumps(value))


def _share(sizes: list[int], room: int) -> int:
    """The largest T with sum(min(size, T)) <= room (water-filling)."""
    total = 0
    ordered = sorted(sizes)
    for index, size in enumerate(ordered):
        left = len(ordered) - index
        if total + size * left > room:
            return max(0, (room - total) // left)
        total += size
    return max(ordered, default=0)


def _cut_string(text: str, limit: int) -> str:
    """`text` cut so that its JSON form is at most `limit` bytes (marker included)."""
    if len(text) <= limit and _size(text) <= limit:
        return text
    # Every character takes at least one byte of JSON: no longer prefix can fit, and the
    # search never measures more than `limit` characters (not the megabytes of a huge call).
    low, high = 0, min(len(text), limit)
    best = None
    while low <= high:
        keep = (low + high) // 2
        candidate = text[:keep] + f"...[{len(text) - keep} more characters]"
        if _size(candidate) <= limit:
            best, low = candidate, keep + 1
        else:
            high = keep - 1
    return best if best is not None else f"...[{len(text)} characters]"


def _cut_list(items, limit: int) -> tuple[list, dict]:
    """The first items of `items` that fit in `limit` bytes, then a marker item; and the
    counts for the note."""
    kept: list = []
    used = 2  # the brackets
    for index, item in enumerate(items):
        room = limit - used - _size(f"...[{len(items) - index} more items]") - 2  # commas
        item_size = _size(item)
        if item_size <= room:
            kept.append(item)
            used += item_size + 1
        elif isinstance(item, str) and not kept and room > 64:
            kept.append(_cut_string(item, room))  # one giant first item: keep its start
            used += room + 1
        else:
            break
    real = len(kept)
    if real < len(items):
        kept.append(f"...[{len(items) - real} more items]")
    return kept, {"items": len(items), "kept_items": real}


def _limits(sizes: dict, room: int, last: set) -> dict:
    """How many bytes each value may keep: water-filling, except that the values in `last`
    stay whole as long as the others can give way down to FLOOR bytes each."""
    rest = {key: size for key, size in sizes.items() if key not in last}
    whole = sum(sizes[key] for key in last)
    share = _share(list(rest.values()), room - whole)
    if not last or share >= FLOOR or sum(rest.values()) <= room - whole:
        return {**{key: share for key in rest}, **{key: sizes[key] for key in last}}
    floors = sum(min(size, FLOOR) for size in rest.values())
    last_share = _share([sizes[key] for key in last], room - floors)
    return {**{key: FLOOR for key in rest}, **{key: last_share for key in last}}


def _fit_mapping(mapping: dict, room: int, path: str, cuts: dict,
                 kept_whole: frozenset = frozenset()) -> dict:
    """`mapping` with its largest values cut so that its JSON form fits in about `room`."""
    sizes = {key: _size(value) for key, value in mapping.items() if key not in kept_whole}
    fixed = _size({key: (None if key in sizes else value) for key, value in mapping.items()})
    fixed -= _NULL * len(sizes)
    limits = _limits(sizes, room - fixed, {key for key in sizes if path + key in CUT_LAST})
    out = {}
    for key, value in mapping.items():
        if key in sizes and sizes[key] > limits[key]:
            out[key] = _cut(value, limits[key], f"{path}{key}", cuts, sizes[key])
        else:
            out[key] = value
    return out


def _cut(value, limit: int, path: str, cuts: dict, size: int):
    """`value` (`size` bytes of JSON) cut to about `limit` bytes; the cut is noted in `cuts`
    by path."""
    if isinstance(value, dict):
        return _fit_mapping(value, limit, path + ".", cuts)
    if isinstance(value, str):
        cut, counts = _cut_string(value, limit), {}
    elif isinstance(value, (list, tuple)):
        cut, counts = _cut_list(value, limit)
    else:  # a number or a constant: nothing to cut
        return value
    cuts[path] = {"bytes": size, "kept_bytes": _size(cut), **counts}
    return cut


def fit(record: dict, budget: int) -> str:
    """The JSON text of `record`, at most `budget` bytes, cut as the module says."""
    text = jsonio.dumps(record)
    if len(text) <= budget:
        return text
    original = len(text)
    room = budget - NOTE_ROOM
    for _ in range(4):  # the share is computed on sizes; rarely, escaping needs one more turn
        cuts: dict = {}
        fitted = _fit_mapping(record, room, "", cuts, KEPT_WHOLE)
        fitted["truncated"] = _note(original, cuts)
        text = jsonio.dumps(fitted)
        if len(text) <= budget:
            return text
        room -= len(text) - budget + 256
    return jsonio.dumps(_skeleton(record, original, budget))


def _note(original: int, cuts: dict) -> dict:
    listed = dict(list(cuts.items())[:NOTE_ENTRIES])
    note = {"line_bytes": original, "cut": listed}
    if len(cuts) > NOTE_ENTRIES:
        note["more_cut"] = len(cuts) - NOTE_ENTRIES
    return note


def _skeleton(record: dict, original: int, budget: int) -> dict:
    """Last resort (a record whose keys alone are over the budget): what names the event,
    each value cut to a few hundred bytes."""
    out = {}
    for key in ("time", "hostname", "source", "rule", "priority", "output", "tags",
                "verdict", "mode", "enforced", "duration_ms"):
        if key in record:
            value = record[key]
            out[key] = _cut_string(value, 512) if isinstance(value, str) else value
    out["output_fields"] = {}
    out["truncated"] = {"line_bytes": original, "cut": {}, "skeleton": True}
    return out if _size(out) <= budget else {"truncated": {"line_bytes": original,
                                                           "skeleton": True}}
