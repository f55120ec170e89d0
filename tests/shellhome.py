"""A home with a project inside, on the real file system, for tests of the shell analysis
(`tests/event_source/`): write files into it, analyse commands run in it, and read the paths
back as `~/...` and `./...`."""

from __future__ import annotations

import os

from prempti_hook.event_source import shell
from prempti_hook.event_source.shell import analyze

ENV = {"PATH": "/usr/bin:/bin", "USER": "u", "LANG": "C"}


def write(path, text: str, mode: int | None = None) -> str:
    """Write `text` to `path` (making its folders), with permissions `mode` if given."""
    path = str(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


class ShellHome:
    """`root`/home/u, the home, with the project `root`/home/u/proj as working folder."""

    def __init__(self, root) -> None:
        root = os.path.realpath(str(root))
        self.home = os.path.join(root, "home", "u")
        self.cwd = os.path.join(self.home, "proj")
        os.makedirs(self.cwd)

    def file(self, relative: str, text: str, mode: int | None = None) -> str:
        return write(os.path.join(self.cwd, relative), text, mode)

    def run(self, command: str, env: dict | None = None) -> shell.Analysis:
        return analyze(command, self.cwd, self.home, ENV if env is None else env)

    def short(self, path: str) -> str:
        """`~/...` for paths under home, `./...` for paths under the project."""
        if path == self.cwd or path.startswith(self.cwd + "/"):
            return "." + path[len(self.cwd):]
        if path == self.home or path.startswith(self.home + "/"):
            return "~" + path[len(self.home):]
        return path

    def names(self, command: str) -> list[str]:
        return list(self.run(command).names)

    def paths(self, command: str) -> set[str]:
        return {self.short(p) for p in self.run(command).paths}

    def writes(self, command: str) -> set[str]:
        return {self.short(p) for p in self.run(command).write_paths}

    def hosts(self, command: str) -> set[str]:
        return set(self.run(command).hosts)

    def reasons(self, command: str) -> set[str]:
        return set(self.run(command).reasons)

    def pipes(self, command: str) -> bool:
        return self.run(command).pipes_to_shell
