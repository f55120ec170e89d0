"""Fields about code: what code of other languages does (`tool.code.*`) and what a written
file will run later (`tool.later.*`).

`tool.code.*` applies to shell commands (the interpreter code they run, inline or from
script files, at any depth: the shell analysis gathers it) and to file writes (the code the
written file holds or will run). `tool.later.*` applies to file writes: the commands the
file will run later, analysed like a shell command (names, paths, hosts, piping into a
shell...), where and when it runs (`kinds`), and where it installs code from (`sources`).
For other tools both are missing.

For an `Edit`, the file is analysed as it will be after the edit (read bounded, when it
exists); commands and sources that the file already had before the call are not counted
again, so that an edit is judged by what it adds.

Hot path: imported on first use of one of these fields. A write of a file that runs nothing
(a README, data) imports nothing more; the code and shell analyses load only when the
written file is code or holds commands.
"""

from __future__ import annotations

import os

from .derived_fields import analysis, may_run_later, mcp_repo_write, written_path
from .tools import CONTENT_KEYS, PATCHES, SHELL_TOOLS, WRITES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .code.report import CodeReport
    from .shell import Analysis

# Write tools that give the whole file, and those that replace a part of it (agent names).
_WHOLE = frozenset({"Write", "create", "write_file"})
_PARTS = frozenset({"Edit", "edit", "replace"})

# --- the written file, after the call --------------------------------------------------------

def _apply_edit(before: str, old, new, replace_all) -> str | None:
    if not isinstance(old, str) or not isinstance(new, str) or not old:
        return None
    if old not in before:
        return None
    return before.replace(old, new) if replace_all is True else before.replace(old, new, 1)


def _text_of(data: dict, keys: tuple):
    for key in keys:
        value = data.get(key)
        if isinstance(value, str):
            return value
    return None


def _after_and_before(tool: str, data: dict, before: str | None) -> tuple[str | None, str]:
    """(the file's text after the call or None, its text before it ("" if none))."""
    if tool in _WHOLE:
        return _text_of(data, CONTENT_KEYS.get(tool, ("content",))), before or ""
    if tool in _PARTS:
        old = _text_of(data, ("old_string", "old_str"))
        new = _text_of(data, ("new_string", "new_str"))
        if before is not None:
            after = _apply_edit(before, old, new, data.get("replace_all"))
            if after is not None:
                return after, before
        return new, ""
    if tool == "MultiEdit":
        edits = data.get("edits")
        if not isinstance(edits, list):
            return None, ""
        text = before
        for edit in edits[:256]:
            if not isinstance(edit, dict):
                continue
            changed = None if text is None else _apply_edit(
                text, edit.get("old_string"), edit.get("new_string"), edit.get("replace_all"))
            if changed is None:
                parts = [e.get("new_string") for e in edits if isinstance(e, dict)]
                return "\n".join(p for p in parts if isinstance(p, str)), ""
            text = changed
        return text, before or ""
    return None, ""


_MAX_PATCH_WORK = 200_000  # line comparisons while placing a patch's hunks


def _patch_as_write(patch, data: dict, keys: tuple, real: str) -> tuple[str, dict]:
    """One file of a Codex patch as a write: an added file is written whole; an updated file
    is the current file with the patch's hunks applied (as an Edit of all of it), or, when
    they do not apply, the lines the patch adds."""
    if patch.op == "Add":
        return "Write", {"content": patch.content}
    if patch.op == "Update":
        from .code.scripts import FileReader
        from .patch import patch_text

        current = FileReader().read(real)
        if current is not None and not current[1]:
            after = _apply_hunks(current[0], patch_text(data, keys), patch.path)
            if after is not None:
                return "Edit", {"old_string": current[0], "new_string": after}
    return "Edit", {"new_string": patch.content}


def _apply_hunks(before: str, text: str, path: str) -> str | None:
    """`before` with the hunks of the patch's `*** Update File: path` section applied, in
    order (context and removed lines found from where the previous hunk ended); None when
    one does not apply or the work bound is reached."""
    hunks: list[tuple[list, list]] = []
    inside = False
    for line in text[:1_000_000].splitlines():
        if line.startswith("*** "):
            if line.startswith("*** Update File: "):
                inside = line[len("*** Update File: "):].strip() == path
                if inside:
                    hunks.append(([], []))
            elif not line.startswith("*** Move to: "):
                inside = False
            continue
        if not inside:
            continue
        if line.startswith("@@"):
            hunks.append(([], []))
        elif line.startswith("+"):
            hunks[-1][1].append(line[1:])
        elif line.startswith("-"):
            hunks[-1][0].append(line[1:])
        elif line.startswith(" ") or not line:
            hunks[-1][0].append(line[1:])
            hunks[-1][1].append(line[1:])
    if not hunks:
        return None
    lines = before.split("\n")
    position = 0
    work = 0
    for old, new in hunks:
        if not old and not new:
            continue
        if not old:
            at = len(lines) - (1 if lines and lines[-1] == "" else 0)
        else:
            at = -1
            for start in range(position, len(lines) - len(old) + 1):
                work += 1
                if work > _MAX_PATCH_WORK:
                    return None
                if lines[start] != old[0]:
                    continue
                work += len(old)
                if lines[start:start + len(old)] == old:
                    at = start
                    break
            if at < 0:
                return None
        lines[at:at + len(old)] = new
        position = at + len(new)
    return "\n".join(lines)


class Later:
    """What a written file will run later: the shell analysis of its commands (and of the
    code it holds), what that code does, where and when it runs, and its sources."""

    __slots__ = ("analysis", "code", "commands", "kinds", "source_hosts", "sources")

    def __init__(self) -> None:
        self.kinds: tuple = ()
        self.sources: tuple = ()
        self.source_hosts: tuple = ()
        self.commands = ""
        self.analysis: Analysis | None = None
        self.code: CodeReport | None = None


_EMPTY = Later()


def later(ev) -> Later | None:
    """The later analysis of this call (cached), or None when the tool writes no file."""
    memo = ev.memo
    if "code.later" in memo:
        return memo["code.later"]
    result = None
    tool = ev.tool_name
    data = ev.tool_input if isinstance(ev.tool_input, dict) else {}
    if tool in WRITES or tool in PATCHES:
        patch = getattr(ev, "patch_file", None)
        path = written_path(ev)
        result = _EMPTY
        if path:
            from .paths import resolve

            real = resolve(path, ev.real_cwd, ev.home)
            if may_run_later(real):
                if patch is not None:  # Codex apply_patch: this file of the patch
                    tool, data = _patch_as_write(patch, data, PATCHES[tool], real)
                result = _analyse_write(ev, tool, data, real)
    else:
        found = mcp_repo_write(ev)
        if found is not None:
            from .paths import resolve

            real = resolve(found[0], ev.real_cwd, ev.home)
            result = _analyse_write(ev, "Write", {"content": found[1]}, real)
    memo["code.later"] = result
    return result


def _analyse_write(ev, tool: str, data: dict, real: str) -> Later:
    from .code.later import Plan, notebook_cell, plan
    from .code.scripts import FileReader

    reader = FileReader()
    current = reader.read(real)
    before_text = current[0] if current is not None and not current[1] else None
    directory = real.rsplit("/", 1)[0] or "/"
    if tool == "NotebookEdit":
        after_plan = Plan()
        source = data.get("new_source")
        if (isinstance(source, str) and data.get("cell_type") != "markdown"
                and data.get("edit_mode") != "delete"):
            notebook_cell(after_plan, source, directory, real)
        before_plan = Plan()
    else:
        after, before = _after_and_before(tool, data, before_text)
        if after is None:
            return _EMPTY
        after_plan = plan(real, after, ev.real_cwd)
        before_plan = plan(real, before, ev.real_cwd) if before else Plan()
    seen = {(s.language, s.text) for s in before_plan.steps if s.language == "shell"}
    steps = [s for s in after_plan.steps if (s.language, s.text) not in seen]
    out = Later()
    out.kinds = tuple(after_plan.kinds)
    sources = [s for s in after_plan.sources if s not in before_plan.sources]
    out.sources = tuple(sources)
    out.source_hosts = tuple(_source_hosts(sources))
    out.commands = "\n".join(s.text for s in steps if s.language == "shell")[:65536]
    out.analysis, out.code = _run_steps(ev, steps, reader)
    return out


def _source_hosts(sources: list[str]) -> list[str]:
    from .netaddr import url_hosts

    hosts: dict[str, None] = {}
    for spec in sources:
        text = spec
        for prefix in ("git+", "svn+", "hg+", "bzr+"):
            if text.startswith(prefix):
                text = text[len(prefix):]
        if text.startswith("git@") and ":" in text:
            text = "ssh://" + text[4:].replace(":", "/", 1)
        elif text.startswith(("github:", "gitlab:", "bitbucket:", "gist:")):
            host = {"github": "github.com", "gitlab": "gitlab.com",
                    "bitbucket": "bitbucket.org", "gist": "gist.github.com"}[
                text.split(":", 1)[0]]
            hosts[host] = None
            continue
        elif "://" not in text:
            head = text.split("/", 1)[0]
            if "." in head:  # `github.com/u/crypto` (go), `registry.example.com`
                text = "https://" + text
            elif text.count("/") == 1:  # `user/repo#branch` (npm: GitHub)
                hosts["github.com"] = None
                continue
            else:
                continue
        for host in url_hosts(text):
            hosts[host] = None
    return list(hosts)


def _run_steps(ev, steps: list, reader) -> tuple:
    """The shell analysis of what the steps run (code analysed and taken over), and the
    code facts. Code that runs no command and names no file or host needs no shell
    analysis (nor its import): most written source files."""
    if not steps:
        return None, None
    from .code import CodeContext, analyze_into
    from .code.report import Budget, CodeReport

    budget = Budget()
    reports: list = []
    needs_shell = False
    for step in steps:
        if step.language == "shell":
            reports.append(None)
            needs_shell = True
            continue
        ctx = CodeContext(ev.home, step.cwd, CodeReport(), budget, read_file=reader.text,
                          literals=False)
        analyze_into(step.language, step.text, ctx)
        report = ctx.report.finish()
        reports.append(report)
        needs_shell = needs_shell or bool(
            report.commands or report.reads or report.writes or report.deletes
            or report.urls or report.hosts or report.reasons or report.runs_fetched)
    if not needs_shell:
        merged = CodeReport()
        for report in reports:
            merged.merge(report)
        return None, merged
    from .code.later import ci_expressions
    from .shell import analysis as shell
    from .shell.evaluate import Evaluator
    from .shell.programs.interpreters import _state, run_foreign, take_over

    out = shell.Analysis()
    ctx = shell.Context()
    ctx.reasons = out.reasons
    env = {"HOME": ev.home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    evaluator = Evaluator(ctx, out, env, ev.home)
    _state(evaluator).reader = reader
    for step, report in zip(steps, reports):
        call = shell.Call([step.origin], shell.State(step.cwd), None, {}, False)
        try:
            if report is None:
                run_foreign(evaluator, call, "shell", ci_expressions(step.text), step.cwd)
            else:
                take_over(evaluator, call, report, step.cwd)
        except shell.Abort as stop:
            ctx.reason(stop.reason)
        except RecursionError:
            ctx.reason(shell.R_TOO_DEEP)
    return out, out.code


# --- tool.code.* ------------------------------------------------------------------------------

def code_report(ev):
    """The code facts of this call: False when it can have none (not a shell command or a
    file write), None when it has none."""
    if ev.tool_name in SHELL_TOOLS:
        found = analysis(ev)
        return None if found is None else found.code
    result = later(ev)
    if result is None:
        return False
    return result.code


def _on_code(compute, nothing_found):
    """An extractor of tool.code.*: None for a call that can have no code (not a shell
    command or a file write), `nothing_found` when it has none, else `compute(report)`."""
    def extract(ev, _arg):
        report = code_report(ev)
        if report is False:
            return None
        return nothing_found if report is None else compute(report)
    return extract


def _action(name: str):
    return _on_code(lambda report: name in report.actions, False)


def _code_list(attr: str):
    return _on_code(lambda report: tuple(getattr(report, attr)), ())


def _commands_text(report) -> str:
    lines = []
    for kind, payload in report.commands[:256]:
        lines.append(payload if kind == "shell" else " ".join(payload))
    if not lines:
        return ""
    from .shell.analysis import display

    return display("\n".join(lines))[:65536]


# --- tool.later.* ------------------------------------------------------------------------------

def _later_value(attr: str):
    def extract(ev, _arg):
        result = later(ev)
        return None if result is None else getattr(result, attr)
    return extract


def _on_later(compute, nothing_found=()):
    """An extractor of tool.later.*: None for a call that writes no file that runs later,
    `nothing_found` when what it runs has no shell analysis, else `compute(ev, analysis)`."""
    def extract(ev, _arg):
        result = later(ev)
        if result is None:
            return None
        found = result.analysis
        return nothing_found if found is None else compute(ev, found)
    return extract


def _later_list(attr: str):
    return _on_later(lambda _ev, found: tuple(getattr(found, attr)))


def _later_prefixes(attr: str, lexical: str):
    def compute(ev, found):
        from .derived_fields import _prefix_list

        return _prefix_list(ev, getattr(found, attr), getattr(found, lexical))
    return _on_later(compute)


def _later_names(_ev, found):
    from .derived_fields import _basenames

    return tuple(_basenames((*found.paths, *found.lexical_paths)))


EXTRACTORS = {
    "tool.code.languages": _code_list("languages"),
    "tool.code.calls": _code_list("calls"),
    "tool.code.commands": _on_code(_commands_text, ""),
    "tool.later.kinds": _later_value("kinds"),
    "tool.later.commands": _later_value("commands"),
    "tool.later.sources": _later_value("sources"),
    "tool.later.source_hosts": _later_value("source_hosts"),
    "tool.later.names": _later_list("names"),
    "tool.later.args": _later_list("args"),
    "tool.later.paths": _later_list("paths"),
    "tool.later.write_paths": _later_list("write_paths"),
    "tool.later.urls": _later_list("urls"),
    "tool.later.hosts": _later_list("hosts"),
    "tool.later.incomplete_reasons": _later_list("reasons"),
    "tool.later.pipes_to_shell": _on_later(lambda _ev, found: found.pipes_to_shell, False),
    "tool.later.path_prefixes": _later_prefixes("paths", "lexical_paths"),
    "tool.later.write_path_prefixes": _later_prefixes("write_paths", "lexical_write_paths"),
    "tool.later.path_names": _on_later(_later_names),
}
for _name in ("network", "process", "delete", "decode_exec", "env_dump", "remote_shell",
              "obfuscated"):
    EXTRACTORS[f"tool.code.{_name}"] = _action(_name)

_CODE_SCOPE = ("for a shell command, the interpreter code it runs at any depth (inline, "
               "here-documents, scripts it runs by path or by interpreter, make recipes, "
               "npm scripts, git hooks, conftest.py under pytest, setup.py under pip install ., "
               ".envrc under direnv allow); for a file write, the code the file will run")
# name, is_list, type, description
DECLARATIONS = (
    ("tool.code.languages", True, "CHARBUF",
     "languages of the code analysed (python, javascript, perl, ruby, php, lua, awk, "
     "powershell, applescript, rust, go): " + _CODE_SCOPE),
    ("tool.code.network", False, "BOOL", "the code connects or sends over the network "
     "(sockets, urlopen, requests, fetch, http.get, Net::HTTP, IO::Socket, fsockopen...)"),
    ("tool.code.process", False, "BOOL", "the code starts programs (os.system, subprocess, "
     "child_process, backquotes, system(), IO.popen...); their commands are analysed as "
     "shell commands (tool.cmd.*, tool.later.*)"),
    ("tool.code.delete", False, "BOOL", "the code deletes files or folders (rmtree, unlink, "
     "fs.rmSync, FileUtils.rm_rf, unlink()...)"),
    ("tool.code.decode_exec", False, "BOOL", "the code runs code that is decoded (base64, "
     "hex, zlib, char codes, reversed strings), deserialized or downloaded at run time "
     "(exec(b64decode(...)), eval(Buffer.from(...)), eval pack(\"H*\"...), iex (iwr ...))"),
    ("tool.code.env_dump", False, "BOOL", "the code reads the whole environment (every token "
     "in it) into something other than a child process's environment (dict(os.environ), "
     "JSON.stringify(process.env), %ENV, ENV.to_h, for (k in ENVIRON))"),
    ("tool.code.remote_shell", False, "BOOL", "the code opens a raw network socket and runs a "
     "shell, a command read from it, or wires its standard streams to it"),
    ("tool.code.obfuscated", False, "BOOL", "the code names what it calls in a hidden way: "
     "names built from pieces or char codes (__import__('o'+'s'), getattr(os, 'sys'+'tem'), "
     "require(String.fromCharCode(...))) or spelled with characters that Unicode "
     "normalisation turns into another name (fullwidth ｅｘｅｃ)"),
    ("tool.code.calls", True, "CHARBUF", "qualified names of the functions the code calls "
     "that the analysis resolved (os.system, subprocess.run, child_process.execSync, "
     "Net::HTTP.post...)"),
    ("tool.code.commands", False, "CHARBUF", "the command lines the code runs, and the shell "
     "lines of local scripts, recipes, package scripts and hooks the command runs (one per "
     "line, run-time parts as <?>)"),
    ("tool.later.kinds", True, "CHARBUF", "where and when a written file runs: npm_install "
     "(lifecycle scripts), npm_script, make, just, ci, pre_commit, devcontainer, "
     "folder_open, editor_task, direnv, shell_start, git_config, git_hook, git_hooks_path, "
     "notebook, pip_install, test_run, cargo_build, cargo_config, python_start, "
     "docker_build, agent_hook, mcp_server, service, go_generate, script, dependencies, "
     "registry_config"),
    ("tool.later.commands", False, "CHARBUF", "the shell commands a written file will run, "
     "one per line (as written, new ones only for an edit)"),
    ("tool.later.names", True, "CHARBUF", "tool.cmd.names of what the written file will run"),
    ("tool.later.args", True, "CHARBUF", "tool.cmd.args of what the written file will run"),
    ("tool.later.paths", True, "CHARBUF", "paths what the written file runs will read or "
     "write, resolved"),
    ("tool.later.write_paths", True, "CHARBUF", "the tool.later.paths that are written"),
    ("tool.later.path_prefixes", True, "CHARBUF", "every ancestor and self of "
     "tool.later.paths, absolute and as ~/... (like tool.path_prefixes)"),
    ("tool.later.write_path_prefixes", True, "CHARBUF", "tool.later.path_prefixes of "
     "tool.later.write_paths"),
    ("tool.later.path_names", True, "CHARBUF", "basenames of tool.later.paths"),
    ("tool.later.urls", True, "CHARBUF", "URLs what the written file runs will use"),
    ("tool.later.hosts", True, "CHARBUF", "hosts what the written file runs will connect to "
     "(normalized like tool.cmd.hosts)"),
    ("tool.later.pipes_to_shell", False, "BOOL", "what the written file runs pipes a "
     "download or program output into a shell or interpreter"),
    ("tool.later.incomplete_reasons", True, "CHARBUF", "tool.cmd.incomplete_reasons of what "
     "the written file runs"),
    ("tool.later.sources", True, "CHARBUF", "where a written dependency or registry file "
     "will install code from, when it names a place: URLs, git specs, go.mod replacements, "
     "registries and index URLs (new ones only for an edit; compare "
     "tool.later.source_hosts with the default registries)"),
    ("tool.later.source_hosts", True, "CHARBUF", "hosts of tool.later.sources"),
)
