"""What a Kubernetes manifest or compose file on disk gives its containers: host namespaces,
privileged containers and host folders mounted (`kubectl apply -f pod.yaml`,
`docker compose -f stack.yml up`), read from the file the command names.

A line scanner, not a YAML parser (YAML is not loaded on the hot path): the keys that grant
the host are matched by their key and value on one line, the way they are written in
practice, in block or flow style:

    privileged: true | hostPID: true | hostNetwork: true | hostIPC: true | pid: host
    hostPath: {path: /}        hostPath:\\n  path: /etc        - /:/host   - "/var/run:/x"

Bounded: the first `MAX_BYTES` of at most `MAX_FILES` files (a folder given to `-f` is read
for its *.yaml, *.yml and *.json files); FIFOs, devices and symlinks to them are never read.
"""

from __future__ import annotations

import os

MAX_BYTES = 256 * 1024
MAX_FILES = 16

_FLAGS = {"privileged": "privileged", "hostpid": "host_pid", "hostnetwork": "host_network",
          "hostipc": "host_ipc"}
_EXTENSIONS = (".yaml", ".yml", ".json")


class ManifestFacts:
    """Privileges (names of `tool.cmd.container_privileges`) and host paths mounted."""

    __slots__ = ("host_paths", "privileges")

    def __init__(self) -> None:
        self.privileges: list[str] = []
        self.host_paths: list[str] = []


def _value(text: str) -> str:
    return text.strip().strip(",}").strip().strip("\"'")


def scan(text: str, facts: ManifestFacts) -> None:
    """Add what one manifest's `text` grants to `facts`."""
    lines = text.split("\n")
    for index, raw in enumerate(lines):
        line = raw.strip().lstrip("-").strip()
        key, sep, rest = line.partition(":")
        key = key.strip().strip("\"'{").strip().lower()
        if not sep:
            continue
        value = _value(rest).lower()
        if key in _FLAGS and value == "true":
            facts.privileges.append(_FLAGS[key])
        elif key == "pid" and value == "host":
            facts.privileges.append("host_pid")
        at = line.find("hostPath:")
        if at >= 0 and not line.startswith("#"):
            inline = line[at + len("hostPath:"):].partition("path:")
            if inline[1]:  # flow style `hostPath: {path: /etc, type: Directory}`
                facts.host_paths.append(_value(inline[2].partition(",")[0]))
                continue
            for following in lines[index + 1:index + 4]:
                name, found, path = following.strip().partition(":")
                if found and name.strip().strip("\"'") == "path":
                    facts.host_paths.append(_value(path))
                    break
        if raw.strip().startswith("-") and line.startswith(("/", "\"/", "'/")):
            host, colon, target = line.strip("\"'").partition(":")  # compose `- /:/host`
            if colon and target.startswith("/") and " " not in host:
                facts.host_paths.append(host)


def _read(path: str) -> str | None:
    from ..files import open_regular, read_all

    try:
        fd = open_regular(path, follow=True)
    except (OSError, ValueError):
        return None
    try:
        data = read_all(fd, MAX_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    if b"\x00" in data:
        return None
    return data.decode("utf-8", "replace")


def read_manifests(paths: list[str]) -> ManifestFacts:
    """The facts of the manifest files (or folders of them) at `paths` (absolute)."""
    facts = ManifestFacts()
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            try:
                names = sorted(os.listdir(path))[:256]
            except OSError:
                continue
            files.extend(os.path.join(path, n) for n in names if n.endswith(_EXTENSIONS))
        else:
            files.append(path)
    for path in files[:MAX_FILES]:
        text = _read(path)
        if text is not None:
            scan(text, facts)
    return facts
