"""A `syscall` field table for the Falco vectors (sections F, I, J, K, L, M, N).

The hook's real source is `coding_agent`; these vectors were written against Falco's syscall
source, so the tests declare the syscall fields they use, with libsinsp's types. Only what
the vectors need: this is not a catalogue of libsinsp fields.
"""

from __future__ import annotations

from prempti_hook.falco.fields import ARG_OPTIONAL, ARG_REQUIRED, FieldInfo, FieldTable

_FIELDS = [
    ("evt.type", "CHARBUF"), ("evt.num", "UINT64"), ("evt.dir", "CHARBUF"),
    ("evt.args", "CHARBUF"), ("evt.arg.path", "CHARBUF"), ("evt.asynctype", "CHARBUF"),
    ("evt.is_open_read", "BOOL"), ("evt.time", "ABSTIME"), ("evt.time.iso8601", "ABSTIME"),
    ("evt.latency", "RELTIME"), ("evt.plugininfo", "CHARBUF"),
    ("proc.name", "CHARBUF"), ("proc.pname", "CHARBUF"), ("proc.cmdline", "CHARBUF"),
    ("proc.exepath", "CHARBUF"), ("proc.pid", "INT64"), ("proc.exe", "CHARBUF"),
    ("fd.name", "FSPATH"), ("fd.filename", "CHARBUF"), ("fd.directory", "FSPATH"),
    ("fd.type", "CHARBUF"), ("fd.typechar", "CHARBUF"), ("fd.cport", "PORT"),
    ("fd.num", "FD"), ("fd.net", "IPNET"), ("thread.tid", "INT64"), ("user.name", "CHARBUF"),
    ("user.loginuid", "INT64"),
]
_ANCESTOR_FIELDS = [("proc.aname", "CHARBUF"), ("proc.apid", "INT64"), ("proc.aexe", "CHARBUF"),
                    ("proc.aexepath", "CHARBUF"), ("proc.acmdline", "CHARBUF")]


def syscall_table() -> FieldTable:
    fields = [FieldInfo(name, kind) for name, kind in _FIELDS]
    fields += [FieldInfo(name, kind, arg=ARG_OPTIONAL) for name, kind in _ANCESTOR_FIELDS]
    fields.append(FieldInfo("evt.arg", "CHARBUF", arg=ARG_REQUIRED))
    fields.append(FieldInfo("proc.args", "CHARBUF", is_list=True))
    return FieldTable("syscall", fields, index_field="evt.type")
