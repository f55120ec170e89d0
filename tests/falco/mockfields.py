"""Test field tables and events that mirror the Falco/libsinsp test vectors' mock fields.

`VECTOR_TABLE` holds the fields sections D (compile) and E (eval) use, with the libsinsp
types their `context` strings give (`evt.cpu` INT16, `fd.ip` IPADDR, `c.true` a mock...).
`event_for(context)` builds the event a vector's `context` describes; an unknown context
raises KeyError, so a new vector context cannot be silently evaluated against nothing.

The libsinsp test mocks `c.true`, `c.false`, `c.buffer`, `c.singlequote` and
`c.doublequote` override the comparison itself (`FieldInfo.compare`), as does
`proc.aname`, which libsinsp matches against every ancestor of the process.

`AGENT_TABLE` is a small coding-agent-like table indexed by `tool.name`, for unit tests.
"""

from __future__ import annotations

import socket

from prempti_hook.falco.fields import ARG_OPTIONAL, ARG_REQUIRED, FieldInfo, FieldTable


class MockEvent(dict):
    """An event: `event[key]` is the field value, or None when it cannot be extracted."""

    def __missing__(self, key):
        return None


class LazyEvent(dict):
    """An event that extracts each field on first use and counts the extractions."""

    def __init__(self, values: dict) -> None:
        super().__init__()
        self.values = values
        self.reads: dict[str, int] = {}

    def __missing__(self, key):
        self.reads[key] = self.reads.get(key, 0) + 1
        value = self.values.get(key)
        self[key] = value
        return value


# Comparison overrides: module-level so that compiled rules using them pickle.

def always_true(op, lhs_values, rhs_values) -> bool:
    return True


def always_false(op, lhs_values, rhs_values) -> bool:
    return False


def rhs_is_single_quoted(op, lhs_values, rhs_values) -> bool:
    return bool(rhs_values) and rhs_values[0] == "hello 'quoted'"


def rhs_is_double_quoted(op, lhs_values, rhs_values) -> bool:
    return bool(rhs_values) and rhs_values[0] == 'hello "quoted"'


def any_ancestor(op, lhs_values, rhs_values) -> bool:
    """proc.aname without index: true if ANY ancestor (not the process) satisfies it.

    The mock event's value is the tuple of ancestor names, nearest first.
    """
    ancestors = lhs_values[0]
    if op in ("in", "intersects"):
        return any(a in rhs_values for a in ancestors)
    if op in ("=", "=="):
        return any(a == rhs_values[0] for a in ancestors)
    if op == "!=":
        return any(a != rhs_values[0] for a in ancestors)
    if op == "exists":
        return bool(ancestors)
    raise AssertionError(f"mock proc.aname does not implement {op!r}")


def _f(name: str, type_: str, **kw) -> FieldInfo:
    return FieldInfo(name, type_, **kw)


VECTOR_FIELDS = [
    # libsinsp filter_compiler.ut.cpp mock filterchecks
    _f("c.true", "CHARBUF", compare=always_true),
    _f("c.false", "CHARBUF", compare=always_false),
    _f("c.buffer", "BYTEBUF", compare=always_false),
    _f("c.singlequote", "CHARBUF", compare=rhs_is_single_quoted),
    _f("c.doublequote", "CHARBUF", compare=rhs_is_double_quoted),
    # section D's type matrix
    _f("evt.rawtime", "ABSTIME"),
    _f("evt.is_io", "BOOL"),
    _f("evt.buffer", "BYTEBUF"),
    _f("fd.name", "CHARBUF"),
    _f("thread.cpu", "DOUBLE"),
    _f("evt.cpu", "INT16"),
    _f("fd.dev", "INT32"),
    _f("proc.pid", "INT64"),
    _f("fd.ip", "IPADDR", no_rhs=True),
    _f("fd.net", "IPNET", no_rhs=True),
    _f("fd.port", "PORT", no_rhs=True),
    _f("proc.pid.ts", "RELTIME"),
    _f("evt.count", "UINT32"),
    _f("evt.num", "UINT64"),
    # other real fields the vectors use
    _f("evt.type", "CHARBUF"),
    _f("syscall.type", "CHARBUF"),
    _f("evt.source", "CHARBUF"),
    _f("evt.plugininfo", "CHARBUF"),
    _f("evt.args", "CHARBUF"),
    _f("evt.is_wait", "BOOL"),
    _f("evt.arg.res", "CHARBUF"),
    _f("evt.arg.flags", "CHARBUF"),
    _f("evt.arg.data", "BYTEBUF"),
    _f("evt.arg.name", "CHARBUF"),
    _f("evt.rawarg.res", "INT64", no_rhs=True, no_transformer=True),
    _f("evt.rawres", "INT64"),
    _f("evt.buflen.in", "UINT64"),
    _f("evt.around", "UINT64", arg=ARG_REQUIRED, no_rhs=True),
    _f("evt.abspath", "CHARBUF"),
    _f("proc.name", "CHARBUF"),
    _f("proc.exe", "CHARBUF"),
    _f("proc.cwd", "CHARBUF"),
    _f("proc.aname", "CHARBUF", arg=ARG_OPTIONAL, no_rhs=True, compare=any_ancestor),
    _f("fd.directory", "CHARBUF"),
    _f("fd.filename", "CHARBUF"),
    _f("fd.types", "CHARBUF", is_list=True),
    _f("fd.num", "FD"),
    _f("fd.sip", "IPADDR"),
    _f("fd.lip", "IPADDR"),
    _f("fd.cip", "IPADDR"),
    _f("fd.rip", "IPADDR"),
    _f("fs.path.name", "CHARBUF"),
    _f("fs.path.source", "CHARBUF"),
    _f("fs.path.target", "CHARBUF"),
]

VECTOR_TABLE = FieldTable("syscall", VECTOR_FIELDS)


def _ip(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)


def _raw(text_bytes: bytes) -> str:
    """A str standing for bytes that are not valid UTF-8 (surrogateescape)."""
    return text_bytes.decode("utf-8", "surrogateescape")


_SERVER4, _CLIENT4 = _ip("142.251.111.147"), _ip("172.40.111.222")
_SERVER6, _CLIENT6 = _ip("2001:4860:4860::8888"), _ip("::1")

# (a phrase that identifies the context string, the event it describes)
_CONTEXTS: list[tuple[str, dict]] = [
    ("mock filterchecks", {
        "c.true": "x", "c.false": "x", "c.buffer": b"x", "c.singlequote": "x",
        "c.doublequote": "x"}),
    ("getcwd syscall event", {
        "evt.type": "getcwd", "syscall.type": "getcwd", "evt.source": "syscall",
        "evt.arg.res": "ENOENT", "evt.args": "res=-2(ENOENT)", "proc.name": "init"}),
    ("evt.buffer = bytes 'hello'", {"evt.buffer": b"hello"}),
    ("evt.buffer = bytes 61 00 62", {"evt.buffer": b"a\x00b"}),
    ("fd.name='/opt/dir/SUBDIR/file.txt'", {
        "fd.name": "/opt/dir/SUBDIR/file.txt", "evt.arg.flags": "O_RDWR|O_CREAT"}),
    ("epoll_create exit on cpu 1", {"evt.cpu": 1, "evt.rawarg.res": -22}),
    ("fd.num = -1", {"fd.num": -1}),
    ("fd.name='/opt/dir/subdir/file.txt'", {"fd.name": "/opt/dir/subdir/file.txt"}),
    ("fd.net matches the server address", {
        "fd.ip": _SERVER4, "fd.sip": _SERVER4, "fd.lip": _SERVER4, "fd.cip": _CLIENT4,
        "fd.rip": _CLIENT4, "fd.net": _SERVER4}),
    ("443; fd.sip=142.251.111.147", {"fd.sip": _SERVER4}),
    ("client [::1]:54321", {
        "fd.ip": _SERVER6, "fd.sip": _SERVER6, "fd.lip": _SERVER6, "fd.cip": _CLIENT6,
        "fd.rip": _CLIENT6, "fd.net": _SERVER6}),
    ("fd.name='/tmp/file_to_run' (16 chars)", {
        "fd.name": "/tmp/file_to_run", "fd.types": ("file",)}),
    ("fd.name='/tmp/file_to_run', fd.directory='/tmp'", {
        "fd.name": "/tmp/file_to_run", "fd.directory": "/tmp", "evt.num": 1,
        "fd.types": ("file",)}),
    ("event: open exit; fd.name='/tmp/file_to_run'", {"fd.name": "/tmp/file_to_run"}),
    ("fd.types = ('ipv4','file')", {"fd.types": ("ipv4", "file")}),
    ("evt.arg.data = 6 bytes", {"evt.arg.data": bytes(range(1, 7))}),
    ("proc.name='myexe'", {"proc.name": "myexe"}),
    ("fd.name = bytes '/p", {
        "fd.name": _raw(b"/p\xff/q\xff"), "fd.directory": _raw(b"/p\xff"),
        "fd.filename": _raw(b"q\xff"), "fs.path.name": _raw(b"/p\xff/q\xff"),
        "evt.arg.name": _raw(b"/p\xff/q\xff")}),
    ("proc.exe='/bin/bad", {"proc.exe": _raw(b"/bin/bad\xff"), "proc.name": _raw(b"bad\xff")}),
    ("path containing raw byte 0xff", {
        "fs.path.source": _raw(b"/tmp/s\xff"), "fs.path.target": _raw(b"/tmp/t\xff"),
        "evt.abspath": _raw(b"/tmp/a\xff"), "proc.cwd": _raw(b"/tmp/c\xff/")}),
    ("process tree: proc.aname", {"proc.aname": ("bash", "bash", "bash", "bash", "init")}),
]


def event_for(context: str) -> MockEvent:
    """The event a vector's `context` describes (the first phrase that matches wins)."""
    for phrase, values in _CONTEXTS:
        if phrase in context:
            return MockEvent(values)
    raise KeyError(f"no mock event for vector context {context!r}")


# A coding-agent-like table (a subset of the coding_agent source), indexed by tool.name.
AGENT_FIELDS = [
    _f("tool.name", "CHARBUF"),
    _f("tool.input", "CHARBUF", arg=ARG_OPTIONAL),
    _f("tool.input_command", "CHARBUF"),
    _f("tool.file_path", "CHARBUF"),
    _f("tool.real_file_path", "CHARBUF"),
    _f("tool.file_name", "CHARBUF"),
    _f("agent.cwd", "CHARBUF"),
    _f("agent.real_cwd", "CHARBUF"),
    _f("agent.real_cwd_prefix", "CHARBUF"),
    _f("agent.pid", "UINT64"),
    _f("tool.cmd.args", "CHARBUF", is_list=True),
    _f("tool.hosts", "CHARBUF", is_list=True),
    _f("tool.flag", "BOOL"),
    _f("tool.blob", "BYTEBUF"),
]

AGENT_TABLE = FieldTable("coding_agent", AGENT_FIELDS, index_field="tool.name")
