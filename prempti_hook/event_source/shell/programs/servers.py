"""Local servers that publish a folder (`python3 -m http.server`, `php -S`, `ruby -run -e
httpd`, `http-server`, `busybox httpd`...): which folder they serve
(`tool.cmd.served_paths`) and which addresses they listen on (`tool.cmd.listen_hosts`;
`0.0.0.0` and `::` are every interface, which is each server's default unless told
otherwise).

The evaluator calls `check` for the commands `programs.SERVER_PROGRAMS` names, whatever
family handles them otherwise.
"""

from __future__ import annotations

from ... import netaddr
from ..analysis import has_marker
from .common import program_family

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

ALL_INTERFACES = "0.0.0.0"


def _value(args: list, *names: str) -> str | None:
    """The value of the first of `names` given (`-b X`, `--bind X`, `--bind=X`, `-bX`)."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg[len(name) + 1:]
            if len(name) == 2 and arg.startswith(name) and len(arg) > 2 and not arg.startswith(
                    "--"):
                return arg[2:]
    return None


def _operands(args: list, values: tuple) -> list[str]:
    out = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in values:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _python(args: list) -> tuple | None:
    if "-m" not in args:
        return None
    index = args.index("-m")
    module = args[index + 1] if index + 1 < len(args) else ""
    if module not in ("http.server", "SimpleHTTPServer"):
        return None
    rest = args[index + 2:]
    folder = _value(rest, "-d", "--directory")
    bind = _value(rest, "-b", "--bind") or ALL_INTERFACES
    return folder, bind


def _php(args: list) -> tuple | None:
    address = _value(args, "-S")
    if address is None:
        return None
    return _value(args, "-t"), address.rsplit(":", 1)[0] if ":" in address else address


def _ruby(args: list) -> tuple | None:
    if not any(arg in ("-run", "-run-e") or arg.startswith("-run") for arg in args):
        return None
    if not any("httpd" in arg for arg in args):
        return None
    after = args[next(i for i, a in enumerate(args) if "httpd" in a) + 1:]
    folders = _operands(after, ("-p", "--port", "-b", "--bind-address"))
    bind = _value(after, "-b", "--bind-address") or ALL_INTERFACES
    return (folders[0] if folders else None), bind


def _http_server(args: list) -> tuple | None:
    folders = _operands(args, ("-p", "--port", "-a", "-c", "-e", "-t", "-P", "--proxy",
                               "-C", "-K", "-U", "--username", "--password"))
    return (folders[0] if folders else None), _value(args, "-a") or ALL_INTERFACES


def _serve(args: list) -> tuple | None:
    folders = _operands(args, ("-l", "--listen", "-c", "--config", "-p"))
    listen = _value(args, "-l", "--listen") or ""
    host = listen.partition("://")[2] or listen
    host = host.rsplit(":", 1)[0] if ":" in host else ALL_INTERFACES
    return (folders[0] if folders else None), host or ALL_INTERFACES


def _httpd(args: list) -> tuple | None:
    """busybox httpd: `-h HOME` (default .), `-p [IP:]PORT` (default every interface)."""
    port = _value(args, "-p") or ""
    return _value(args, "-h"), port.rsplit(":", 1)[0] if ":" in port else ALL_INTERFACES


def _caddy(args: list) -> tuple | None:
    if not args or args[0] != "file-server":
        return None
    listen = _value(args, "--listen") or ""
    return _value(args, "--root", "-r"), (listen.rsplit(":", 1)[0] if ":" in listen
                                          else ALL_INTERFACES) or ALL_INTERFACES


def _miniserve(args: list) -> tuple | None:
    folders = _operands(args, ("-i", "--interfaces", "-p", "--port", "-a", "--auth"))
    return (folders[0] if folders else None), _value(args, "-i", "--interfaces") or (
        ALL_INTERFACES)


_SERVERS = {"php": _php, "http-server": _http_server, "serve": _serve, "httpd": _httpd,
            "caddy": _caddy, "miniserve": _miniserve, "darkhttpd": _miniserve}


def check(ev: Evaluator, call: Call) -> None:
    base = call.argv[0].rstrip("/").rsplit("/", 1)[-1]
    family = program_family(base)
    args = call.argv[1:]
    if family in ("python", "pypy"):
        found = _python(args)
    elif family == "ruby":
        found = _ruby(args)
    else:
        reader = _SERVERS.get(base)
        found = reader(args) if reader is not None else None
    if found is None:
        return
    folder, bind = found
    st = call.st
    out = ev.out
    bind = (bind or ALL_INTERFACES).strip("[]")
    host = ALL_INTERFACES if bind in ("", "*", "::", "0") else (
        netaddr.normalize_host(bind) or bind)
    out.listen_hosts["::" if bind == "::" else host] = None
    folder = folder or "."
    ev.path(folder, st)
    if has_marker(folder):
        return
    home = ev.home.rstrip("/")
    for cwd in st.cwds:
        if has_marker(cwd):
            continue
        real = ev.resolve(folder, cwd)
        out.served_paths[real] = None
        if real == home or real.startswith(home + "/"):
            out.served_paths["~" + real[len(home):]] = None
