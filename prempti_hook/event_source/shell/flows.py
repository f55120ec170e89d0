"""Where text and files go, for the rarer cases the evaluator meets: the credentials that
helpers print (to a login, another command, a variable, the terminal), data placed in a host
name, the origin of a file written earlier in the command line, where a path leads through a
copy that kept its symlinks, and what decoders (`base64 -d`, `xxd -r -p`) print.

Functions of the evaluator (`ev`), kept apart and loaded on first use: most command lines
need none of them, and every hook call is a new process that would otherwise import them.
"""

from __future__ import annotations

import os

from .. import netaddr
from ..paths import resolve_expanded
from .analysis import MARKERS, MAX_INPUT, R_COMPUTED_HOST, has_marker
from .nodes import Assignment
from .syntax import DECLARATION_BUILTINS, plain_word, split_assignment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import State
    from .evaluate import Evaluator
    from .nodes import SimpleCommand

# Programs that print their arguments: a credential in them is shown.
_PRINTERS = frozenset({"echo", "printf", "print"})


def settle_pipeline_credentials(ev: Evaluator, pipeline: int) -> None:
    """At the end of a pipeline: a credential read by one element reaches a login read
    by a later element, or goes wherever the pipeline's output goes."""
    pending, ev.pending_credentials = ev.pending_credentials, []
    for kind, stage in pending:
        stage_pipeline, position = stage  # see Evaluator.pipe_stage
        if stage_pipeline != pipeline:
            ev.pending_credentials.append((kind, stage))
        elif any(login_pipeline == pipeline and login_position > position
                 for login_pipeline, login_position in ev.login_stages):
            ev.out.credential_sinks["login"] = None
        else:
            ev.credential(kind, printed_here=False)


def settle_word_credentials(ev: Evaluator, kinds: list, program: str, reached: list,
                            node: SimpleCommand) -> None:
    """Credentials whose text became words of the simple command `node` running `program`
    (`$(gh auth token)`, a variable holding it): kept in the variables it assigns, hidden in
    a login, printed by echo/printf, sent (`reached` hosts) to the service that issued it or
    elsewhere, or given to a local program."""
    out = ev.out
    if ev.consumes_secret:
        out.credential_sinks["login"] = None
    elif not program or program in DECLARATION_BUILTINS:
        for name in _assigned_names(node):
            ev.secret_vars[name] = tuple(kinds)
        out.credential_sinks["variable"] = None
    elif program in _PRINTERS:
        for kind in kinds:  # printed: on the terminal, or into the next element
            ev.credential(kind)
    elif reached:
        from .programs.credentials import issued_by

        issuer = all(issued_by(kind, host) for kind in kinds for host in reached)
        out.credential_sinks["issuer" if issuer else "elsewhere"] = None
    else:
        out.credential_sinks["argument"] = None


def _assigned_names(node: SimpleCommand) -> list[str]:
    """The variables a simple command assigns (`X=...`, `export X=...`)."""
    names = [assignment.name for assignment in node.assignments]
    words = node.words
    if words and plain_word(words[0]) in DECLARATION_BUILTINS:
        for word in words[1:]:
            assignment = (word[0] if word and isinstance(word[0], Assignment)
                          else split_assignment(word))
            if assignment is not None:
                names.append(assignment.name)
    return names


def data_host(ev: Evaluator, text: str, channel: str) -> None:
    """A host name with run-time data in it (`$(base32 f).x.example.net`): the query goes
    to the domain written after the data, which receives the data."""
    rest = text[max(text.rfind(marker) for marker in MARKERS) + 1:]
    dot = rest.find(".")
    domain = rest[dot + 1:].strip(".").rsplit(":", 1)[0] if dot >= 0 else ""
    host = netaddr.normalize_host(domain) if "." in domain else ""
    if not host:
        ev.unknown(text, R_COMPUTED_HOST)
        return
    ev.reach(host)
    ev.data_sent(host, channel)


def origin(ev: Evaluator, text: str, st: State) -> str | None:
    """"built" for a file compiled earlier in this command line, the downloading program's
    label for one downloaded earlier (or inside a folder downloaded earlier: `git clone
    URL d && bash d/x.sh`), else None."""
    for cwd in st.cwds:
        if has_marker(cwd) or has_marker(text):
            continue
        real = ev.resolve(text, cwd)
        if real in ev.built:
            return "built"
        for path, label in ev.downloaded.items():
            if real == path or real.startswith(path + "/"):
                return label
    return None


def mirror_target(source: str, copy: str, rest: str, links: dict) -> str | None:
    """Where `copy + rest` leads when `copy` is a copy of `source` that kept symlinks
    (`source` as written, absolute): through the first symlink of `source + rest` (on
    disk, or made earlier in the command line), as the copy of that symlink resolves it
    (a relative target is relative to the copy's folder); None when there is none, and
    the copy is a file of its own."""
    names = [name for name in rest.split("/") if name]
    src, dst = source, copy
    for index in range(len(names) + 1):
        target = links.get(src)
        if target is None:
            try:
                target = os.readlink(src) if os.path.islink(src) else None
            except (OSError, ValueError):
                return None
        if target is not None:
            remaining = "/".join(names[index:])
            if not target.startswith("/"):
                target = dst.rsplit("/", 1)[0] + "/" + target
            return resolve_expanded(target + ("/" + remaining if remaining else ""), "/")
        if index == len(names):
            return None
        src, dst = src + "/" + names[index], dst + "/" + names[index]
    return None


def decoded(program: str, args: list, text: str) -> str | None:
    """What `base64 -d`, `base32 -d`, `xxd -r -p` and `rev` print for a known input (so
    `cat "$(echo LmF3cy9j... | base64 -d)"` is seen as the path it decodes to); None when
    that is not known or not text."""
    if has_marker(text) or len(text) > MAX_INPUT:
        return None
    import binascii  # a builtin module: loaded only when a decoder runs

    flags = {arg for arg in args if arg.startswith("-")}
    data = text.strip()
    try:
        if program == "rev":
            return "\n".join(line[::-1] for line in text.split("\n"))
        if program == "base64" and flags & {"-d", "--decode", "-D"}:
            raw = binascii.a2b_base64("".join(data.split()))
        elif program == "base32" and flags & {"-d", "--decode"}:
            import base64

            raw = base64.b32decode("".join(data.split()))
        elif program == "xxd" and "-r" in flags and flags & {"-p", "-ps", "-plain"}:
            raw = binascii.unhexlify("".join(data.split()))
        else:
            return None
        return raw.decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
