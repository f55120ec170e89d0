"""What a file will run later, and where it will fetch code from, judged from its name and
content: the commands of npm lifecycle scripts, makefile and justfile recipes, CI jobs,
devcontainer and editor tasks, direnv and shell startup files, git configuration and hooks,
pre-commit hooks, notebook cells, agent hooks and MCP servers (a Dockerfile is only noted:
it runs in the image); the code of setup.py, conftest.py, build.rs, Python startup files
and any script; and the dependency sources of requirements files, package.json, go.mod,
Cargo, pyproject and registry configuration files.

`plan(path, text)` returns a `Plan`: where the content runs (`kinds`), the code it runs
(`steps`, for the shell and code analyses) and the sources it installs from. Nothing here
parses YAML or TOML for real: small, bounded line scanners read the few keys that matter
(and JSON goes through `jsonio`). A key they miss is a command the guard does not see, so
they err on the side of reading too much (every `run:`, `script:` or `command:` value).
"""

from __future__ import annotations

from . import language_of_file
from .report import UNKNOWN
from .scripts import LIFECYCLE, Makefile, Step, _just_line, _justfile, _recipe_command

MAX_LATER_STEPS = 128
MAX_SOURCES = 64

# npm scripts that run by themselves on `npm install` (and the publish cycle).
_NPM_AUTO = frozenset(name for names in LIFECYCLE.values() for name in names) | {
    "preuninstall", "uninstall", "postuninstall", "dependencies"}
_SHELL_START = frozenset({".bashrc", ".bash_profile", ".bash_login", ".bash_logout",
                          ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout",
                          ".kshrc", ".mkshrc", ".cshrc", ".tcshrc", ".xprofile", ".xsessionrc",
                          "config.fish", "bashrc", "zshrc", "profile"})
_CI_FILES = frozenset({".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml",
                       "azure-pipelines.yaml", "bitbucket-pipelines.yml", ".travis.yml",
                       ".drone.yml", ".woodpecker.yml", "cloudbuild.yaml", "cloudbuild.yml",
                       "buildspec.yml", "appveyor.yml", ".cirrus.yml", "Taskfile.yml",
                       "Taskfile.yaml", "taskfile.yml", "lefthook.yml", ".lefthook.yml",
                       "codemagic.yaml", ".gitpod.yml", "Procfile"})
# YAML keys whose value is a command (CI, task runners, pre-commit, gitpod...).
_COMMAND_KEYS = frozenset({"run", "script", "scripts", "before_script", "after_script",
                           "before_install", "install", "before_deploy", "after_success",
                           "after_failure", "command", "commands", "cmds", "cmd", "entry",
                           "init", "before", "prebuild", "postbuild", "inline", "bash", "sh",
                           "pwsh", "powershell", "shell_command"})
_REGISTRY_FILES = frozenset({".npmrc", ".yarnrc", ".yarnrc.yml", "pip.conf", "pip.ini",
                             "uv.toml", ".pypirc", "bunfig.toml", ".condarc", ".gemrc",
                             ".pdmrc", "poetry.toml", "pixi.toml", ".bowerrc"})
_REGISTRY_KEYS = ("registry", "index-url", "extra-index-url", "index_url", "extra_index_url",
                  "find-links", "trusted-host", "npmregistryserver", "url", "channels",
                  "default_channels", "custom_channels", "source", "sources", "repository",
                  "index", "mirror", "proxy", "https-proxy", "default-index")
_CODE_KINDS = {"setup.py": "pip_install", "conftest.py": "test_run", "noxfile.py": "test_run",
               "build.rs": "cargo_build", "sitecustomize.py": "python_start",
               "usercustomize.py": "python_start", "Gemfile": "bundle_install",
               "Rakefile": "rake", "Vagrantfile": "vagrant_up", "tasks.py": "invoke",
               "fabfile.py": "fabric", "manage.py": "django", "pavement.py": "paver"}


class Plan:
    """What a written file will run, and where its dependencies come from."""

    __slots__ = ("kinds", "sources", "steps")

    def __init__(self) -> None:
        self.kinds: dict[str, None] = {}
        self.steps: list[Step] = []
        self.sources: dict[str, None] = {}

    def kind(self, name: str) -> None:
        self.kinds[name] = None

    def step(self, language: str, text: str, cwd: str, origin: str) -> None:
        if text and text.strip() and len(self.steps) < MAX_LATER_STEPS:
            self.steps.append(Step(language, text, cwd, origin))

    def shell(self, text: str, cwd: str, origin: str) -> None:
        self.step("shell", text, cwd, origin)

    def source(self, spec: str) -> None:
        spec = spec.strip().strip("'\"")
        if spec and len(self.sources) < MAX_SOURCES:
            self.sources[spec[:2048]] = None


def _name_and_parts(path: str) -> tuple[str, list[str]]:
    parts = [p for p in path.split("/") if p]
    return (parts[-1] if parts else ""), parts


def plan(path: str, text: str, project: str) -> Plan:
    """What the file at `path` (resolved) holding `text` will run; `project` is the
    working directory (where CI jobs and editor tasks run)."""
    out = Plan()
    name, parts = _name_and_parts(path)
    directory = path.rsplit("/", 1)[0] or "/"
    extractor = _extractor(name, parts)
    if extractor is not None:
        extractor(out, text, directory, project, path)
        return out
    language = language_of_file(path, text[:256])
    if language is not None:
        out.kind(_CODE_KINDS.get(name) or _test_kind(name) or "script")
        out.step(language, text, directory, path)
        if language == "go":
            _go_generate(out, text, directory, path)
    return out


def _test_kind(name: str) -> str | None:
    stem = name.rsplit(".", 1)[0]
    if stem.startswith("test_") or stem.endswith(("_test", ".test", ".spec", "_spec")):
        return "test_run"
    return None


def _extractor(name: str, parts: list[str]):
    """The extractor for a file: by the folders it is in, then by its name, then by the
    shape of its name."""
    folders = tuple(parts[:-1])
    return (_by_folder(name, folders) or _BY_NAME.get(name)
            or _by_pattern(name.lower()))


def _by_folder(name: str, folders: tuple):
    yaml = name.lower().endswith((".yml", ".yaml"))
    if yaml and (folders[-2:] == (".github", "workflows")
                 or folders[-1:] in ((".circleci",), (".buildkite",))):
        return _ci_yaml
    if name == "devcontainer.json" and ".devcontainer" in folders:
        return _devcontainer
    if name == "tasks.json" and folders[-1:] == (".vscode",):
        return _vscode_tasks
    if folders[-2:] in ((".git", "hooks"), ("fish", "conf.d")) or folders[-1:] == (".husky",) \
            or (folders[-1:] == ("hooks",) and "githooks" in "".join(folders).lower()):
        return _shell_start if folders[-1:] == ("conf.d",) else _git_hook
    if name == "config" and folders[-1:] in ((".git",), ("git",)):
        return _git_config
    if name in ("settings.json", "settings.local.json") and folders[-1:] in ((".claude",),
                                                                           (".gemini",)):
        return _agent_settings
    if name in ("config.toml", "config") and folders[-1:] == (".cargo",):
        return _cargo_config
    return None


def _by_pattern(lowered: str):
    if lowered.endswith(".mk"):
        return _makefile
    if lowered.startswith("dockerfile") or lowered.endswith((".dockerfile", "containerfile")):
        return _dockerfile
    if lowered.endswith(".ipynb"):
        return _notebook
    if lowered.endswith(".pth"):
        return _pth
    if lowered.startswith(("requirements", "constraints", "dev-requirements")) and \
            lowered.endswith((".txt", ".in")):
        return _requirements
    if lowered.endswith((".service", ".timer")):
        return _systemd
    return None


# --- npm ------------------------------------------------------------------------------------

_NPM_SPEC_PREFIXES = ("git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:",
                      "http://", "https://", "file:", "link:")


def _load_json(text: str):
    from ... import jsonio

    try:
        return jsonio.loads(text)
    except (ValueError, RecursionError):
        return None


def _package_json(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    data = _load_json(text)
    scripts: dict = {}
    if isinstance(data, dict):
        found = data.get("scripts")
        scripts = found if isinstance(found, dict) else {}
        for key in ("dependencies", "devDependencies", "optionalDependencies",
                    "peerDependencies", "overrides", "resolutions", "bundledDependencies"):
            _npm_dependencies(out, data.get(key))
        publish = data.get("publishConfig")
        if isinstance(publish, dict) and isinstance(publish.get("registry"), str):
            out.source(publish["registry"])
    else:
        scripts = dict(_string_pairs(text))
    for name, command in list(scripts.items())[:MAX_LATER_STEPS]:
        if isinstance(command, str):
            out.kind("npm_install" if name in _NPM_AUTO else "npm_script")
            out.shell(command, directory, f"{path}#scripts.{name}")


def _npm_dependencies(out: Plan, deps) -> None:
    if not isinstance(deps, dict):
        return
    for spec in list(deps.values())[:512]:
        if isinstance(spec, dict):
            _npm_dependencies(out, spec)
        elif isinstance(spec, str) and _npm_remote(spec):
            out.kind("dependencies")
            out.source(spec)


def _npm_remote(spec: str) -> bool:
    """A dependency fetched from somewhere else than the registry (`git+https://...`,
    `github:u/r`, `u/r#branch`, a tarball URL)."""
    if spec.startswith(_NPM_SPEC_PREFIXES):
        return not spec.startswith(("file:", "link:"))
    if spec.startswith(("npm:", "workspace:", "catalog:")) or " " in spec:
        return False
    head = spec.split("#", 1)[0]
    return head.count("/") == 1 and not head.startswith(("@", ".", "/", "~"))


def _string_pairs(text: str):
    """`"key": "value"` pairs of JSON-like text that does not parse (a fragment, JSONC)."""
    i = 0
    n = len(text)
    count = 0
    while i < n and count < 4096:
        start = text.find('"', i)
        if start < 0:
            return
        key, end = _json_string(text, start)
        j = end
        while j < n and text[j] in " \t\r\n":
            j += 1
        if j < n and text[j] == ":":
            j += 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] == '"':
                value, end = _json_string(text, j)
                count += 1
                yield key, value
        i = end


def _json_string(text: str, start: int) -> tuple[str, int]:
    out = []
    i = start + 1
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(nxt, nxt))
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    return "".join(out), n


# --- make, just, shell files ------------------------------------------------------------------

def _makefile(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    parsed = Makefile(text)
    out.kind("make")
    for target, (prerequisites, recipe) in list(parsed.rules.items())[:256]:
        for line in recipe:
            command = _recipe_command(parsed.expand(line, target, prerequisites))
            out.shell(command, directory, f"{path}:{target}")


def _justfile_plan(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    recipes, _default = _justfile(text)
    out.kind("just")
    for name, (_deps, body) in list(recipes.items())[:256]:
        lines = [_just_line(line) for line in body]
        if lines and lines[0].startswith("#!"):
            from . import language_of_shebang

            out.step(language_of_shebang(lines[0]) or "shell", "\n".join(lines), directory,
                     f"{path}:{name}")
        else:
            for line in lines:
                out.shell(line, directory, f"{path}:{name}")


def _envrc(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    out.kind("direnv")
    out.shell(text, directory, path)


def _shell_start(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    out.kind("shell_start")
    out.shell(text, directory, path)


def _git_hook(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    from . import language_of_shebang

    out.kind("git_hook")
    language = language_of_shebang(text.split("\n", 1)[0]) or "shell"
    out.step(language, text, project, path)


def _pth(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """A `.pth` file: each line starting with `import` runs at every Python start."""
    out.kind("python_start")
    for line in text.split("\n")[:1024]:
        if line.startswith(("import ", "import\t")):
            out.step("python", line, project, path)


def _systemd(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    out.kind("service")
    for line in text.split("\n")[:4096]:
        key, eq, value = line.strip().partition("=")
        if eq and key.strip() in ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop",
                                  "ExecReload", "ExecCondition"):
            out.shell(value.strip().lstrip("-@:+!"), project, path)


def _dockerfile(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """A Dockerfile's `RUN` lines run inside the image being built, not on this machine
    (its home, keys and files are not there): only the kind is noted."""
    out.kind("docker_build")


def _shell_quote(word: str) -> str:
    if word and all(c.isalnum() or c in "-_./=:@%+," for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def _go_generate(out: Plan, text: str, directory: str, path: str) -> None:
    for line in text.split("\n")[:65536]:
        if line.startswith("//go:generate "):
            out.kind("go_generate")
            out.shell(line[len("//go:generate "):], directory, path)


# --- YAML-like files: CI, pre-commit ----------------------------------------------------------

def _yaml_commands(text: str, keys: frozenset) -> list[tuple[str, str, int]]:
    """(key, command, line number) for each value of one of `keys`: inline scalars, block
    scalars (`|`, `>`), and list items under the key (each a command). Indentation decides
    where a block ends; quotes around a value are removed."""
    lines = text.split("\n")
    found: list[tuple[str, str, int]] = []
    i = 0
    n = min(len(lines), 65536)
    while i < n and len(found) < MAX_LATER_STEPS:
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        body = stripped[2:].lstrip() if stripped.startswith("- ") else stripped
        if body.startswith("- "):
            body = body[2:].lstrip()
        key, sep, value = body.partition(":")
        key = key.strip().strip("'\"")
        if not sep or key.lower() not in keys or (value and not value[0].isspace()):
            i += 1
            continue
        value = value.strip()
        item_indent = indent + (len(stripped) - len(body))
        i, values = _yaml_value(lines, i + 1, n, value, item_indent)
        found.extend((key, v, i) for v in values if v.strip())
    return found


def _yaml_value(lines: list, i: int, n: int, value: str, indent: int) -> tuple[int, list]:
    if value and value[0] in "|>":
        block, i = _yaml_block(lines, i, n, indent)
        return i, [block if value[0] == "|" else " ".join(block.split("\n"))]
    if value.startswith("[") and value.endswith("]"):
        return i, [_yaml_scalar(v) for v in _split_flow(value[1:-1])]
    if value and not value.startswith("#"):
        return i, [_yaml_scalar(_yaml_multiline(value, lines, i, n, indent))]
    peek = i
    while peek < n and (not lines[peek].strip() or lines[peek].lstrip().startswith("#")):
        peek += 1
    if peek >= n or not lines[peek].lstrip().startswith("- "):
        return i, []  # a mapping under the key: its own keys are read line by line
    items = []
    while i < n:
        line = lines[i]
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        current = len(line) - len(stripped)
        if current < indent or (current == indent and not stripped.startswith("- ")):
            break
        if stripped.startswith("- ") and current >= indent:
            item = stripped[2:].strip()
            if item and item[0] in "|>":
                block, i = _yaml_block(lines, i + 1, n, current)
                items.append(block)
                continue
            if ":" in item.split(" ", 1)[0] or item.endswith(":"):
                i += 1  # a mapping in the list (`- name: x`): its keys are read separately
                continue
            items.append(_yaml_scalar(item))
        i += 1
    return i, items


def _yaml_block(lines: list, i: int, n: int, indent: int) -> tuple[str, int]:
    block = []
    block_indent = None
    while i < n:
        line = lines[i]
        stripped = line.lstrip()
        current = len(line) - len(stripped)
        if stripped and current <= indent:
            break
        if stripped and block_indent is None:
            block_indent = current
        block.append(line[block_indent or 0:] if stripped else "")
        i += 1
    return "\n".join(block).strip("\n"), i


def _yaml_multiline(value: str, lines: list, i: int, n: int, indent: int) -> str:
    """A plain or quoted scalar continued on more-indented lines."""
    parts = [value]
    while i < n:
        line = lines[i]
        stripped = line.lstrip()
        if not stripped or len(line) - len(stripped) <= indent or stripped.startswith("- "):
            break
        if ":" in stripped.split(" ", 1)[0]:
            break
        parts.append(stripped)
        i += 1
    return " ".join(parts)


def _yaml_scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def _split_flow(text: str) -> list[str]:
    out = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(text[start:index])
            start = index + 1
    out.append(text[start:])
    return [item.strip() for item in out if item.strip()]


def ci_expressions(command: str) -> str:
    """GitHub/GitLab expressions (`${{ secrets.X }}`) stand for values known only when the
    job runs."""
    out = []
    i = 0
    while True:
        start = command.find("${{", i)
        if start < 0:
            out.append(command[i:])
            break
        end = command.find("}}", start)
        out.append(command[i:start])
        out.append(UNKNOWN)
        if end < 0:
            break
        i = end + 2
    return "".join(out)


def _ci_yaml(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    out.kind("ci")
    for key, command, line in _yaml_commands(text, _COMMAND_KEYS):
        if key.lower() == "uses":
            continue
        out.shell(command, project, f"{path}:{line}")


def _pre_commit(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Local hooks' `entry` runs on every commit (hooks from a repository are that
    repository's code, pinned by `rev`: not read here)."""
    out.kind("pre_commit")
    for _key, value, line in _yaml_commands(text, frozenset({"entry"})):
        out.shell(value, project, f"{path}:{line}")


# --- JSON files: devcontainer, editor tasks, agent settings, notebooks --------------------------

_DEVCONTAINER_KEYS = ("initializeCommand", "onCreateCommand", "updateContentCommand",
                      "postCreateCommand", "postStartCommand", "postAttachCommand")


def _command_value(out: Plan, value, cwd: str, origin: str) -> None:
    """A string (shell), a list (a program and its arguments) or an object of those."""
    if isinstance(value, str):
        out.shell(value, cwd, origin)
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        out.shell(" ".join(_shell_quote(v) for v in value), cwd, origin)
    elif isinstance(value, dict):
        for name, inner in list(value.items())[:64]:
            _command_value(out, inner, cwd, f"{origin}.{name}")


def _devcontainer(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    out.kind("devcontainer")
    data = _load_json(text)
    if not isinstance(data, dict):
        for key, value in _string_pairs(text):
            if key in _DEVCONTAINER_KEYS:
                out.shell(value, project, f"{path}#{key}")
        return
    for key in _DEVCONTAINER_KEYS:
        if key in data:
            _command_value(out, data[key], project, f"{path}#{key}")


def _vscode_tasks(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    data = _load_json(text)
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, list):
        out.kind("editor_task")
        if "folderOpen" in text:
            out.kind("folder_open")
        for key, value in _string_pairs(text):
            if key == "command":
                out.shell(value, project, path)
        return
    for task in tasks[:128]:
        if not isinstance(task, dict):
            continue
        options = task.get("runOptions")
        folder_open = isinstance(options, dict) and options.get("runOn") == "folderOpen"
        out.kind("folder_open" if folder_open else "editor_task")
        command = task.get("command")
        args = task.get("args")
        if isinstance(command, str):
            words = [command] + [a for a in args if isinstance(a, str)] if isinstance(
                args, list) else [command]
            text_command = command if len(words) == 1 else " ".join(
                [command, *(_shell_quote(a) for a in words[1:])])
            out.shell(text_command, project, f"{path}#{task.get('label', '')}")


def _agent_settings(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Hook and status line commands of agent settings."""
    data = _load_json(text)
    if not isinstance(data, dict):
        return
    hooks = data.get("hooks")
    if isinstance(hooks, dict):
        out.kind("agent_hook")
        for event, matchers in list(hooks.items())[:64]:
            for matcher in matchers if isinstance(matchers, list) else []:
                inner = matcher.get("hooks") if isinstance(matcher, dict) else None
                for hook in inner if isinstance(inner, list) else []:
                    if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                        out.shell(hook["command"], project, f"{path}#hooks.{event}")
    status = data.get("statusLine")
    if isinstance(status, dict) and isinstance(status.get("command"), str):
        out.kind("agent_hook")
        out.shell(status["command"], project, f"{path}#statusLine")
    for key in ("apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper"):
        if isinstance(data.get(key), str):
            out.kind("agent_hook")
            out.shell(data[key], project, f"{path}#{key}")
    _mcp_entries(out, data.get("mcpServers"), project, path)


def _mcp_servers(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    data = _load_json(text)
    if isinstance(data, dict):
        _mcp_entries(out, data.get("mcpServers") or data.get("servers"), project, path)


def _mcp_entries(out: Plan, servers, project: str, path: str) -> None:
    if not isinstance(servers, dict):
        return
    for name, server in list(servers.items())[:64]:
        if not isinstance(server, dict) or not isinstance(server.get("command"), str):
            continue
        out.kind("mcp_server")
        args = server.get("args")
        words = [server["command"]] + ([a for a in args if isinstance(a, str)]
                                       if isinstance(args, list) else [])
        out.shell(" ".join(_shell_quote(w) for w in words), project, f"{path}#{name}")


def notebook_cell(out: Plan, source: str, cwd: str, origin: str) -> None:
    """One code cell: `!cmd` lines and `%%bash`/`%%sh`/`%%script bash` cells are shell,
    `%%python`/ordinary lines are Python (IPython magics dropped)."""
    out.kind("notebook")
    stripped = source.lstrip()
    first, _nl, rest = stripped.partition("\n")
    magic = first.strip().split()
    if magic and magic[0] in ("%%bash", "%%sh", "%%script", "%%system", "%%!"):
        if magic[0] != "%%script" or (len(magic) > 1 and magic[1].rsplit("/", 1)[-1] in (
                "bash", "sh", "zsh", "dash")):
            out.shell(rest, cwd, origin)
            return
        if len(magic) > 1:
            from . import language_of_program

            out.step(language_of_program(magic[1]) or "shell", rest, cwd, origin)
            return
    if magic and magic[0] in ("%%writefile", "%%html", "%%markdown", "%%latex", "%%svg",
                              "%%javascript", "%%js", "%%capture", "%%timeit", "%%time"):
        if magic[0] not in ("%%capture", "%%timeit", "%%time"):
            return
        stripped = rest
    python_lines = []
    for line in stripped.split("\n"):
        content = line.strip()
        if content.startswith("!"):
            out.shell(content[1:], cwd, origin)
            python_lines.append("")
        elif content.startswith(("%sx ", "%system ")):
            out.shell(content.split(" ", 1)[1], cwd, origin)
            python_lines.append("")
        elif "= !" in content or "=!" in content:
            _target, _eq, command = content.partition("!")
            out.shell(command, cwd, origin)
            python_lines.append("")
        elif content.startswith(("%", "?")) or content.endswith("?"):
            python_lines.append("")
        else:
            python_lines.append(line)
    out.step("python", "\n".join(python_lines), cwd, origin)


def _notebook(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    data = _load_json(text)
    cells = data.get("cells") if isinstance(data, dict) else None
    out.kind("notebook")
    if not isinstance(cells, list):
        return
    for index, cell in enumerate(cells[:512]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            notebook_cell(out, source, directory, f"{path}#cell{index}")


# --- git configuration ---------------------------------------------------------------------------

_GIT_COMMAND_KEYS = frozenset({"core.sshcommand", "core.pager", "core.editor", "core.fsmonitor",
                               "core.askpass", "core.gitproxy", "sequence.editor",
                               "diff.external", "gpg.program", "gpg.ssh.program",
                               "uploadpack.packobjectshook", "interactive.difffilter",
                               "credential.helper", "init.templatedir"})
_GIT_DRIVER_SUFFIXES = (".clean", ".smudge", ".process", ".textconv", ".command", ".driver",
                        ".cmd", ".tool")


def _git_config(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Settings whose value is a command git runs: `core.sshCommand`, `core.fsmonitor`,
    `!` aliases, filter/diff/merge drivers, pagers, credential helpers; `core.hooksPath`
    (the hooks there run); `url.<base>.insteadOf` (where fetches really go)."""
    out.kind("git_config")
    section = ""
    for raw in text.split("\n")[:65536]:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = _git_section(line)
            continue
        name, eq, value = line.partition("=")
        if not eq:
            continue
        key = f"{section}.{name.strip()}".lower()
        value = value.split(" #", 1)[0].split(" ;", 1)[0].strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        _git_setting(out, key, value, project, path)


def _git_section(line: str) -> str:
    """`[filter "lfs"]` -> `filter.lfs`; `[core]` -> `core`."""
    inner = line[1:].split("]", 1)[0].strip()
    head, _space, sub = inner.partition(" ")
    sub = sub.strip().strip('"')
    return f"{head.lower()}.{sub}" if sub else head.lower()


def _git_setting(out: Plan, key: str, value: str, project: str, path: str) -> None:
    if not value:
        return
    origin = f"{path}#{key}"
    if key.startswith("alias."):
        if value.startswith("!"):
            out.shell(value[1:], project, origin)
    elif key == "core.hookspath":
        out.kind("git_hooks_path")
    elif key.startswith("url.") and key.endswith((".insteadof", ".pushinsteadof")):
        out.source(key[4:].rsplit(".", 1)[0])
    elif key in _GIT_COMMAND_KEYS or key.startswith("pager.") or (
            key.startswith(("filter.", "diff.", "merge.", "difftool.", "mergetool."))
            and key.endswith(_GIT_DRIVER_SUFFIXES)):
        if key == "credential.helper" and not value.startswith(("!", "/")):
            return  # `store`, `cache`, `osxkeychain`: git's own helpers
        out.shell(value.lstrip("!"), project, origin)
    elif key.startswith("submodule.") and key.endswith(".update") and value.startswith("!"):
        out.shell(value[1:], project, origin)
    elif key.startswith("submodule.") and key.endswith(".url"):
        out.kind("dependencies")
        out.source(value)


# --- dependency sources --------------------------------------------------------------------------

def _requirements(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """`name @ URL`, bare URLs, `-e git+...`, `--index-url`, `--extra-index-url`,
    `--find-links`, `--trusted-host`."""
    out.kind("dependencies")
    for raw in text.split("\n")[:65536]:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words and words[0].startswith("--") and "=" in words[0]:
            words = [*words[0].split("=", 1), *words[1:]]  # `--index-url=URL`
        if words and words[0] in ("-i", "--index-url", "--extra-index-url", "-f",
                                  "--find-links", "--trusted-host", "-e", "--editable"):
            if len(words) > 1 and ((words[0] != "-e" and words[0] != "--editable")
                                   or "://" in words[1] or words[1].startswith("git+")):
                out.source(words[1] if words[0] != "--trusted-host"
                           else "https://" + words[1])
            continue
        at = line.find(" @ ")
        if at > 0:
            out.source(line[at + 3:].split(";", 1)[0].strip())
        elif "://" in line.split(" ", 1)[0] or line.startswith("git+"):
            out.source(line.split(" ", 1)[0].split(";", 1)[0])


def _go_mod(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """`replace a => b v` (or a block of them) to another module: code now comes from b."""
    out.kind("dependencies")
    in_block = False
    for raw in text.split("\n")[:65536]:
        line = raw.split("//", 1)[0].strip()
        if line.startswith("replace ("):
            in_block = True
            continue
        if in_block and line == ")":
            in_block = False
            continue
        if line.startswith("replace ") or (in_block and "=>" in line):
            target = line.partition("=>")[2].strip().split()
            if target and not target[0].startswith((".", "/")):
                out.source(target[0])


def _toml_sections(text: str):
    """(section, key, value) of a TOML-like text; a value is a string, an inline table
    (kept as text) or an array (kept as text). Multi-line arrays are joined."""
    section = ""
    lines = text.split("\n")
    i = 0
    n = min(len(lines), 65536)
    while i < n:
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]").strip().strip('"')
            continue
        key, eq, value = line.partition("=")
        if not eq:
            continue
        value = value.strip()
        if value.startswith("[") and value.count("[") > value.count("]"):
            while i < n and value.count("[") > value.count("]"):
                value += " " + lines[i].strip()
                i += 1
        yield section, key.strip().strip('"'), value


def _toml_string(value: str) -> str | None:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return None


def _inline_table(value: str) -> dict:
    out = {}
    if value.startswith("{") and value.endswith("}"):
        for item in _split_flow(value[1:-1]):
            key, eq, inner = item.partition("=")
            if eq:
                text = _toml_string(inner)
                if text is not None:
                    out[key.strip()] = text
    return out


def _toml_array(value: str) -> list[str]:
    if not (value.startswith("[") and value.endswith("]")):
        return []
    return [s for s in (_toml_string(v) for v in _split_flow(value[1:-1])) if s is not None]


def _cargo_toml(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Dependencies from git or another registry, and `[patch.*]` replacements."""
    out.kind("dependencies")
    for section, key, value in _toml_sections(text):
        if not ("dependencies" in section or section.startswith("patch")
                or section.startswith("replace")):
            continue
        table = _inline_table(value)
        if "git" in table:
            out.source(table["git"])
        elif "registry-index" in table:
            out.source(table["registry-index"])
        elif key == "git" and _toml_string(value):
            out.source(_toml_string(value) or "")


def _cargo_config(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """`.cargo/config.toml`: runners and wrappers (commands cargo runs), registries and
    source replacements (where crates come from)."""
    out.kind("cargo_config")
    for section, key, value in _toml_sections(text):
        if key in ("runner", "rustc-wrapper", "rustc-workspace-wrapper", "linker",
                   "rustc", "rustdoc"):
            words = _toml_array(value) or [_toml_string(value) or ""]
            if words and words[0]:
                out.shell(" ".join(_shell_quote(w) for w in words), project,
                          f"{path}#{section}.{key}")
        elif key in ("index", "registry", "replace-with", "git") and (
                section.startswith(("registries", "source", "registry"))):
            found = _toml_string(value)
            if found and ("://" in found or key == "git"):
                out.source(found)


def _registry_config(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Registries and indexes of .npmrc, .yarnrc(.yml), pip.conf, uv.toml, .condarc..."""
    out.kind("registry_config")
    for raw in text.split("\n")[:65536]:
        line = raw.strip()
        if not line or line[0] in "#;[":
            continue
        for sep in ("=", ":", " "):
            key, found, value = line.partition(sep)
            if found:
                break
        key = key.strip().strip("'\"").lower()
        value = value.strip().strip("'\"")
        if line.startswith("- ") and ("://" in line):
            out.source(line[2:].strip().strip("'\""))
            continue
        if line.startswith("//") and ":" in line:  # `//host/path/:_authToken=...` (npm)
            out.source("https:" + line.split(":", 1)[0])
            continue
        if not value:
            continue
        if key.endswith(_REGISTRY_KEYS) or (key.startswith("@") and key.endswith(":registry")):
            for word in value.replace(",", " ").split():
                if "://" in word or "." in word:
                    out.source(word.strip("'\"[]"))


def _pyproject(out: Plan, text: str, directory: str, project: str, path: str) -> None:
    """Index URLs (`[[tool.poetry.source]]`, `[tool.uv]`, `[[tool.uv.index]]`), and
    dependencies given as URLs (`x @ git+https://...`, `{ git = "..." }`)."""
    for section, key, value in _toml_sections(text):
        string = _toml_string(value)
        if key in ("url", "index-url", "extra-index-url", "find-links") and string and (
                "source" in section or "index" in section or section.startswith("tool.uv")
                or section.startswith("tool.pdm")):
            out.kind("dependencies")
            out.source(string)
            continue
        table = _inline_table(value)
        for field in ("git", "url"):
            if field in table:
                out.kind("dependencies")
                out.source(table[field])
        for item in _toml_array(value) + ([string] if string else []):
            at = item.find(" @ ")
            if at > 0 and ("dependencies" in key or "dependencies" in section
                           or "requires" in key):
                out.kind("dependencies")
                out.source(item[at + 3:].split(";", 1)[0].strip())


# Extractors by exact file name (see `_extractor` for folders and name shapes).
_BY_NAME = {
    "package.json": _package_json, "justfile": _justfile_plan, "Justfile": _justfile_plan,
    ".justfile": _justfile_plan, ".pre-commit-config.yaml": _pre_commit,
    ".devcontainer.json": _devcontainer, ".envrc": _envrc, ".gitconfig": _git_config,
    ".gitmodules": _git_config, ".mcp.json": _mcp_servers, "mcp.json": _mcp_servers,
    "claude_desktop_config.json": _mcp_servers, "Cargo.toml": _cargo_toml,
    "go.mod": _go_mod, "go.work": _go_mod, "pyproject.toml": _pyproject,
    **dict.fromkeys(("Makefile", "makefile", "GNUmakefile"), _makefile),
    **dict.fromkeys(_CI_FILES, _ci_yaml),
    **dict.fromkeys(_SHELL_START, _shell_start),
    **dict.fromkeys(_REGISTRY_FILES, _registry_config),
}
