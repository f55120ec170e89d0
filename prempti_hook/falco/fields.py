"""Field tables: how an event source plugs its fields into the engine.

The engine knows nothing about where values come from. A source declares its fields here
(name, libsinsp type, whether it is a list, whether it takes an `[argument]`), and at
evaluation time hands the engine an *event*: any mapping where `event[key]` returns the
value of the field `key` (`"proc.name"`, or `"evt.arg[0]"` with its argument), or `None`
when the field cannot be extracted for this event. Values are `str` for string types,
`int` for numeric ones, `bool` for BOOL, `bytes` for BYTEBUF, packed `bytes` (4 or 16)
for IP addresses, and a `tuple` of those for list fields.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# libsinsp type names, as they appear in Falco's messages.
STRING_TYPES = frozenset({"CHARBUF", "FSPATH", "FSRELPATH"})
NUMERIC_TYPES = frozenset({
    "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "ERRNO", "FD",
    "PID", "SYSCALLID", "SIGTYPE", "RELTIME", "ABSTIME", "PORT", "FLAGS8", "FLAGS16",
    "FLAGS32", "ENUMFLAGS8", "ENUMFLAGS16", "ENUMFLAGS32", "MODE", "DOUBLE",
})

ARG_NONE = "none"          # `field` only
ARG_OPTIONAL = "optional"  # `field` or `field[arg]`
ARG_REQUIRED = "required"  # `field[arg]` only


class FieldInfo:
    """One field of a source.

    `compare` is an optional per-field comparison override (libsinsp has them for
    `proc.aname`, `fd.ip`...): a picklable module-level function
    `compare(op, lhs, rhs) -> bool` used instead of the generic operator, where `op` is the
    operator text as written (`"=="`, `"in"`, `"== oneof"`, `"exists"`), `lhs` a tuple (one
    value, or the list), `rhs` the tuple of constants or right-hand field values. It is only
    called when extraction succeeded and the left side is the plain field.
    """

    __slots__ = ("arg", "compare", "desc", "is_list", "name", "no_rhs", "no_transformer",
                 "type")

    def __init__(self, name: str, type: str, *, is_list: bool = False, arg: str = ARG_NONE,
                 desc: str = "", no_rhs: bool = False, no_transformer: bool = False,
                 compare=None) -> None:
        self.name = name
        self.type = type
        self.is_list = is_list
        self.arg = arg
        self.desc = desc
        self.no_rhs = no_rhs
        self.no_transformer = no_transformer
        self.compare = compare

    def __repr__(self) -> str:
        lst = " (list)" if self.is_list else ""
        return f"FieldInfo({self.name!r}, {self.type}{lst})"


class FieldTable:
    """The fields of one event source (`syscall`, `coding_agent`...).

    `index_field`, when set, names a single-valued field the compiled ruleset indexes rules
    by (Falco indexes by event type; a coding-agent source indexes by `tool.name`), so an
    event is only checked against the rules that can match its value of that field.
    """

    def __init__(self, source: str, fields: Iterable[FieldInfo],
                 index_field: str | None = None) -> None:
        self.source = source
        self.fields = {f.name: f for f in fields}
        self.index_field = index_field

    def lookup(self, name: str, arg: str | None = None) -> FieldInfo | None:
        """The field `name` if it exists and accepts `arg` (None = no argument), else None."""
        info = self.fields.get(name)
        if info is None:
            return None
        if arg is None and info.arg == ARG_REQUIRED:
            return None
        if arg is not None and info.arg == ARG_NONE:
            return None
        return info

    def __contains__(self, name: str) -> bool:
        return name in self.fields
