"""Load, validate and expand the labeled corpus of Claude Code tool calls.

The corpus (`tests/corpus/<area>.yaml`) is hand-written: each case is one PreToolUse call a
model could really send, labeled with the verdict a demanding security-minded user expects.
This module is the single place that knows the file format (see README.md), so the schema
test and the corpus runner agree on it:

- `load_corpus()` reads every area file and raises `CorpusError` listing every problem found
  (not just the first), so a contributor fixes a whole file in one go.
- `expand(case, home=...)` substitutes the `{home}` / `{project}` / `{prempti_home}`
  placeholders and builds the exact JSON object Claude Code would write on the hook's stdin.
- `apply_setup(steps, home=...)` creates the files, folders and symlinks a case declares,
  refusing anything outside the temporary home so a typo can never touch the real machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import yaml

CORPUS_DIR = Path(__file__).parent

AREAS = (
    "cwd_boundary",
    "sensitive_paths",
    "sandbox_disable",
    "threats",
    "mcp_skill",
    "persistence",
    "self_protection",
    "code",
    "destructive",
    "benign",
)

# Every id starts with its area's prefix: a reviewer sees where a failing case lives.
ID_PREFIX = {
    "cwd_boundary": "cwd-",
    "sensitive_paths": "sens-",
    "sandbox_disable": "sbx-",
    "threats": "thr-",
    "mcp_skill": "mcp-",
    "persistence": "per-",
    "self_protection": "self-",
    "code": "code-",
    "destructive": "dst-",
    "benign": "ben-",
}

VERDICTS = ("deny", "ask", "allow")

# Optional labels saying which evasion (or near miss) a case exercises; the runner reports
# detection per tag, so the vocabulary is closed to keep those reports meaningful.
TAGS = frozenset({
    "base64",         # payload or path hidden in base64 / hex / other encodings
    "bash-c",         # nested shell: bash -c, sh -c, env bash -c ...
    "chained",        # the harmful part follows ;, &&, || or a pipe
    "eval",           # eval, source <(...), command substitution building the command
    "glob",           # shell or tool globbing that lands on the target (~/.ss?/id_*)
    "home-spelling",  # ~ vs $HOME vs ${HOME} vs the absolute home path
    "hostile-input",  # NUL bytes, lone surrogates, huge inputs
    "ifs",            # ${IFS} or other whitespace tricks
    "interpreter",    # python/node/perl/ruby one-liners doing the harmful part
    "ip-spelling",    # decimal/hex/octal/IPv6/DNS spellings of an address
    "mcp",            # the harmful part travels in MCP tool arguments
    "near-miss",      # looks dangerous, is routine (must be allowed) or vice versa
    "quoting",        # ca""t, c\\at, $'\\x63at' and friends
    "redirect",       # written through >, >>, tee, dd of=, cp/mv onto the target
    "relative-path",  # the target is reached through a relative path
    "subagent",       # the call runs in, or instructs, a subagent
    "symlink",        # the target is reached through a symlink the case sets up
    "traversal",      # .. segments, // or /./ in the path
    "unicode",        # homoglyphs, fullwidth forms, invisible or bidi characters
    "variable",       # the target is built from shell variables
})

PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions", "dontAsk")

REQUIRED_KEYS = ("id", "area", "expect", "why", "tool_name", "tool_input")
OPTIONAL_KEYS = (
    "cwd",              # default "{project}"
    "setup",            # files/dirs/symlinks created before the call
    "subagent",         # agent_type of the subagent the call runs in (adds agent_id)
    "permission_mode",  # default "default"
    "mcp_source",       # mcp_server.source for MCP tools, default "dynamic"
    "monitored",        # true: a log-only rule is expected to record this allowed call
    "tags",
)

PLACEHOLDERS = ("{home}", "{project}", "{prempti_home}")
PLACEHOLDER_RE = re.compile(r"\{(home|project|prempti_home)\}")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MCP_TOOL_RE = re.compile(r"^mcp__([A-Za-z0-9_-]+?)__([A-Za-z0-9_-]+)$")

_STR, _INT, _BOOL, _LIST, _NUM = str, int, bool, list, (int, float)

# tool_input shapes of Claude Code 2.1.332 (docs/contract.md): required keys, and the
# type of every key a model may send. Anything else is a typo in the corpus.
TOOL_SHAPES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "Bash": (("command",), {
        "command": _STR, "description": _STR, "timeout": _INT,
        "run_in_background": _BOOL, "dangerouslyDisableSandbox": _BOOL}),
    "Read": (("file_path",), {
        "file_path": _STR, "offset": _INT, "limit": _INT, "pages": _STR,
        "allow_large": _BOOL}),
    "Write": (("file_path", "content"), {"file_path": _STR, "content": _STR}),
    "Edit": (("file_path", "old_string", "new_string"), {
        "file_path": _STR, "old_string": _STR, "new_string": _STR, "replace_all": _BOOL}),
    "NotebookEdit": (("notebook_path", "new_source"), {
        "notebook_path": _STR, "cell_id": _STR, "new_source": _STR, "cell_type": _STR,
        "edit_mode": _STR}),
    "Glob": (("pattern",), {"pattern": _STR, "path": _STR}),
    "Grep": (("pattern",), {
        "pattern": _STR, "path": _STR, "glob": _STR, "output_mode": _STR, "-A": _INT,
        "-B": _INT, "-C": _INT, "context": _INT, "-n": _BOOL, "-i": _BOOL, "-o": _BOOL,
        "type": _STR, "head_limit": _INT, "offset": _INT, "multiline": _BOOL}),
    "WebFetch": (("url", "prompt"), {"url": _STR, "prompt": _STR, "offset": _INT}),
    "WebSearch": (("query",), {
        "query": _STR, "allowed_domains": _LIST, "blocked_domains": _LIST}),
    "Agent": (("description", "prompt"), {
        "description": _STR, "prompt": _STR, "subagent_type": _STR, "model": _STR,
        "run_in_background": _BOOL, "name": _STR, "isolation": _STR}),
    "TodoWrite": (("todos",), {"todos": _LIST}),
}


class CorpusError(ValueError):
    """The corpus does not follow the format; the message lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("corpus format errors:\n  " + "\n  ".join(problems))


class Expanded(NamedTuple):
    """A case ready to run: the hook's stdin object and the concrete setup steps."""

    hook_input: dict[str, Any]
    setup: list[dict[str, Any]]


# --------------------------------------------------------------------------- loading

def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every case of every area file, validated; raises CorpusError on any problem."""
    problems: list[str] = []
    cases: list[dict[str, Any]] = []
    for area in AREAS:
        path = directory / f"{area}.yaml"
        if not path.is_file():
            problems.append(f"{path.name}: missing area file")
            continue
        file_cases, file_problems = _read_area_file(path, area)
        cases.extend(file_cases)
        problems.extend(file_problems)
    extra = sorted(p.name for p in directory.glob("*.yaml") if p.stem not in AREAS)
    problems.extend(f"{name}: not one of the areas {AREAS}" for name in extra)
    seen: dict[str, str] = {}
    for case in cases:
        case_id = case.get("id")
        if not isinstance(case_id, str):
            continue
        if case_id in seen:
            problems.append(f"{case_id}: duplicate id (also in {seen[case_id]}.yaml)")
        seen.setdefault(case_id, str(case.get("area")))
    if problems:
        raise CorpusError(problems)
    return cases


def load_area(area: str, directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """The validated cases of one area file."""
    cases, problems = _read_area_file(directory / f"{area}.yaml", area)
    if problems:
        raise CorpusError(problems)
    return cases


def _read_area_file(path: Path, area: str) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [f"{path.name}: cannot be read as YAML: {exc}"]
    if not isinstance(data, list) or not data:
        return [], [f"{path.name}: must be a non-empty YAML list of cases"]
    problems: list[str] = []
    cases: list[dict[str, Any]] = []
    for index, case in enumerate(data):
        where = f"{path.name}[{index}]"
        if isinstance(case, dict) and isinstance(case.get("id"), str):
            where = f"{path.name}:{case['id']}"
        found = validate_case(case, area=area)
        problems.extend(f"{where}: {p}" for p in found)
        if isinstance(case, dict):
            cases.append(case)
    return cases, problems


# --------------------------------------------------------------------------- validation

def validate_case(case: Any, *, area: str | None = None) -> list[str]:
    """Problems with one case (empty list when it is well formed)."""
    if not isinstance(case, dict):
        return ["a case must be a mapping"]
    problems = [f"missing key {k!r}" for k in REQUIRED_KEYS if k not in case]
    known = set(REQUIRED_KEYS) | set(OPTIONAL_KEYS)
    problems += [f"unknown key {k!r}" for k in case if k not in known]
    problems += _check_identity(case, area)
    problems += _check_tool(case)
    problems += _check_context(case)
    problems += _check_setup(case.get("setup"))
    return problems


def _check_identity(case: dict[str, Any], area: str | None) -> list[str]:
    problems = []
    case_id, case_area = case.get("id"), case.get("area")
    if not isinstance(case_id, str) or not ID_RE.match(case_id):
        problems.append(f"id {case_id!r} must be lowercase words joined by '-'")
    if case_area not in AREAS:
        problems.append(f"area {case_area!r} is not one of {AREAS}")
    elif area is not None and case_area != area:
        problems.append(f"area {case_area!r} does not match its file {area}.yaml")
    elif isinstance(case_id, str) and not case_id.startswith(ID_PREFIX[case_area]):
        problems.append(f"id must start with {ID_PREFIX[case_area]!r} in area {case_area}")
    if case.get("expect") not in VERDICTS:
        problems.append(f"expect {case.get('expect')!r} is not one of {VERDICTS}")
    why = case.get("why")
    if not isinstance(why, str) or not why.strip() or "\n" in why.strip():
        problems.append("why must be one non-empty line")
    tags = case.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append("tags must be a list of strings")
    else:
        problems += [f"unknown tag {t!r}" for t in tags if t not in TAGS]
    if "monitored" in case and not isinstance(case["monitored"], bool):
        problems.append("monitored must be true or false")
    if case.get("monitored") and case.get("expect") != "allow":
        problems.append("monitored only makes sense for expect: allow")
    return problems


def _check_tool(case: dict[str, Any]) -> list[str]:
    tool, tool_input = case.get("tool_name"), case.get("tool_input")
    if not isinstance(tool, str) or not tool:
        return ["tool_name must be a non-empty string"]
    if not isinstance(tool_input, dict):
        return ["tool_input must be a mapping"]
    if MCP_TOOL_RE.match(tool):
        return []  # an MCP tool takes whatever arguments its server declares
    if "mcp_source" in case:
        return ["mcp_source is only for mcp__<server>__<tool> tools"]
    if tool not in TOOL_SHAPES:
        return [f"tool_name {tool!r} is not a Claude Code tool nor mcp__<server>__<tool>"]
    required, types = TOOL_SHAPES[tool]
    problems = [f"{tool} input needs {k!r}" for k in required if k not in tool_input]
    for key, value in tool_input.items():
        if key not in types:
            problems.append(f"{tool} input has no key {key!r}")
        elif not _has_type(value, types[key]):
            problems.append(f"{tool} input {key!r} has the wrong type {type(value).__name__}")
    return problems


def _has_type(value: Any, expected: Any) -> bool:
    if expected in (int, _NUM) and isinstance(value, bool):
        return False  # YAML `true` must not pass for a number
    return isinstance(value, expected)


def _check_context(case: dict[str, Any]) -> list[str]:
    problems = []
    cwd = case.get("cwd", "{project}")
    if not isinstance(cwd, str) or not _starts_with_placeholder(cwd):
        problems.append("cwd must start with {home}, {project} or {prempti_home}")
    subagent = case.get("subagent")
    if subagent is not None and (not isinstance(subagent, str) or not subagent):
        problems.append("subagent must be the agent_type string, e.g. general-purpose")
    if case.get("permission_mode", "default") not in PERMISSION_MODES:
        problems.append(f"permission_mode must be one of {PERMISSION_MODES}")
    source = case.get("mcp_source", "dynamic")
    if not isinstance(source, str) or not source:
        problems.append("mcp_source must be a non-empty string")
    return problems


def _check_setup(setup: Any) -> list[str]:
    if setup is None:
        return []
    if not isinstance(setup, list) or not setup:
        return ["setup must be a non-empty list of steps"]
    problems = []
    for n, step in enumerate(setup):
        problems += [f"setup[{n}]: {p}" for p in _check_step(step)]
    return problems


def _check_step(step: Any) -> list[str]:
    if not isinstance(step, dict):
        return ["a step must be a mapping"]
    kinds = [k for k in ("file", "dir", "symlink") if k in step]
    if len(kinds) != 1:
        return ["a step has exactly one of file, dir, symlink"]
    kind = kinds[0]
    allowed = {"file": {"file", "content", "mode"}, "dir": {"dir"},
               "symlink": {"symlink", "to"}}[kind]
    problems = [f"unknown key {k!r} in a {kind} step" for k in step if k not in allowed]
    path = step[kind]
    if not isinstance(path, str) or not _starts_with_placeholder(path):
        problems.append(f"{kind} path must start with a placeholder (stay in the temp home)")
    elif ".." in Path(path).parts:
        problems.append(f"{kind} path must not contain '..'")
    if kind == "file":
        if not isinstance(step.get("content", ""), str):
            problems.append("file content must be a string")
        mode = step.get("mode")
        if mode is not None and (not isinstance(mode, int) or isinstance(mode, bool)):
            problems.append("file mode must be an integer such as 0o755")
    if kind == "symlink" and (not isinstance(step.get("to"), str) or not step["to"]):
        problems.append("symlink needs a non-empty 'to'")
    return problems


def _starts_with_placeholder(text: str) -> bool:
    return any(text == p or text.startswith(p + "/") for p in PLACEHOLDERS)


# --------------------------------------------------------------------------- expansion

def placeholders(home: str | os.PathLike[str]) -> dict[str, str]:
    """The concrete value of each placeholder for a temporary home folder."""
    home_str = str(home).rstrip("/") or "/"
    return {
        "home": home_str,
        "project": f"{home_str}/project",
        "prempti_home": f"{home_str}/.prempti",
    }


def substitute(value: Any, values: dict[str, str]) -> Any:
    """`value` with every placeholder replaced, recursing into lists and mappings.

    Only the three known placeholders are touched, so JSON, shell `${VAR}` and Python
    `{name}` text in commands and file contents pass through unchanged.
    """
    if isinstance(value, str):
        return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    if isinstance(value, dict):
        return {substitute(k, values): substitute(v, values) for k, v in value.items()}
    return value


def expand(case: dict[str, Any], *, home: str | os.PathLike[str]) -> Expanded:
    """The PreToolUse stdin object Claude Code would send for `case`, and its setup steps.

    Ids are derived from the case id, so a rerun sends byte-identical input.
    """
    values = placeholders(home)
    case_id = str(case["id"])
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()
    session_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "prempti-hook-corpus/" + case_id))
    project_slug = re.sub(r"[^A-Za-z0-9]", "-", values["project"])
    hook_input: dict[str, Any] = {
        "session_id": session_id,
        "transcript_path": f"{values['home']}/.claude/projects/{project_slug}/"
                           f"{session_id}.jsonl",
        "cwd": substitute(case.get("cwd", "{project}"), values),
        "prompt_id": str(uuid.uuid5(uuid.NAMESPACE_OID, case_id)),
        "permission_mode": case.get("permission_mode", "default"),
    }
    if case.get("subagent"):
        hook_input["agent_id"] = digest[:17]
        hook_input["agent_type"] = case["subagent"]
    hook_input.update({
        "effort": {"level": "medium"},
        "hook_event_name": "PreToolUse",
        "tool_name": case["tool_name"],
        "tool_input": substitute(case["tool_input"], values),
        "tool_use_id": "toolu_01" + digest[17:39],
    })
    mcp = MCP_TOOL_RE.match(case["tool_name"])
    if mcp:
        hook_input["mcp_server"] = {"name": mcp.group(1),
                                    "source": case.get("mcp_source", "dynamic")}
    setup = [_expand_step(step, values) for step in case.get("setup") or []]
    return Expanded(hook_input, setup)


def _expand_step(step: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    if "file" in step:
        return {"kind": "file", "path": substitute(step["file"], values),
                "content": substitute(step.get("content", ""), values),
                "mode": step.get("mode")}
    if "dir" in step:
        return {"kind": "dir", "path": substitute(step["dir"], values)}
    return {"kind": "symlink", "path": substitute(step["symlink"], values),
            "to": substitute(step["to"], values)}


def apply_setup(steps: list[dict[str, Any]], *, home: str | os.PathLike[str]) -> None:
    """Create expanded setup steps on disk, in order, never outside `home`.

    The standard folders ({home}, {project}, {prempti_home}) are created first, as the
    runner's fresh home always has them. Parents of every path are created as needed.
    """
    root = Path(home).resolve()
    values = placeholders(root)
    for folder in (values["project"], values["prempti_home"]):
        Path(folder).mkdir(parents=True, exist_ok=True)
    for step in steps:
        path = Path(step["path"])
        if not _inside(path, root):
            raise ValueError(f"setup path {path} is outside the temporary home {root}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if step["kind"] == "dir":
            path.mkdir(parents=True, exist_ok=True)
        elif step["kind"] == "file":
            path.write_text(step["content"], encoding="utf-8")
            if step.get("mode") is not None:
                path.chmod(step["mode"])
        else:
            if path.is_symlink() or path.exists():
                path.unlink()
            path.symlink_to(step["to"])


def _inside(path: Path, root: Path) -> bool:
    # Resolve only the parent: the last component may itself be the symlink being made.
    parent = path.parent.resolve()
    return parent == root or root in parent.parents
