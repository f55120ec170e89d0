"""Rule test files: what a tool call is, and what the rules must make of it.

A test file is a YAML list, like a rules file; each item is a test or a `defaults` item:

    - defaults:                       # optional; applies to the tests after it
        cwd: "{project}"
    - test: reading a private key is denied      # the test's name (unique in the file)
      read: ~/.ssh/id_ed25519                    # the call: one of the forms of offline.calls
      verdict: deny                              # deny | ask | allow | none
      rule: Deny access to SSH private keys      # the rule that decides (named in the reason)
    - test: the public key stays readable
      bash: cat ~/.ssh/id_ed25519.pub
      not_matches: [Deny access to SSH private keys]

Keys of a test (at least one expectation):

    call         bash | read | write | edit | fetch | mcp | tool (+ input) | event
    context      agent (claude_code), cwd ("{project}"), permission_mode (default),
                 setup (files, folders, symlinks created first), default_action (none)
    expect       verdict, rule, matches (rules that must match, others may too),
                 not_matches (rules that must not), fields (field: expected value)

`{home}`, `{project}` and `{prempti_home}` stand for the test's throw-away home
(offline.sandbox); `~` and `$HOME` in a call mean that home too. A setup step is one of
`{file: P, content: S, mode: 0o600}`, `{dir: P}`, `{symlink: P, to: T}`.

Reading never raises: every problem becomes a `Problem` with its file and line (a YAML
error ends the file; a bad item is reported and the others still run).
"""

from __future__ import annotations

from .calls import FORMS

VERDICTS = ("deny", "ask", "allow", "none")
DEFAULT_ACTIONS = ("none", "allow")
CONTEXT_KEYS = ("agent", "cwd", "permission_mode", "setup", "default_action")
EXPECT_KEYS = ("verdict", "rule", "matches", "not_matches", "fields")
TEST_KEYS = ("test", *FORMS, "input", *CONTEXT_KEYS, *EXPECT_KEYS)
SETUP_KINDS = ("file", "dir", "symlink")
MAX_TEST_FILE_BYTES = 16 * 1024 * 1024


class Problem:
    """A test file (or one item of it) that cannot be run as written."""

    __slots__ = ("file", "line", "message")

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message

    def __str__(self) -> str:
        from ..falco.loader.results import one_line

        return one_line(f"{self.file}:{self.line}: {self.message}")


class TestCase:
    """One test, as read (placeholders not yet expanded)."""

    __test__ = False  # not a pytest class

    __slots__ = ("context", "expect", "file", "form", "input", "line", "name", "value")

    def __init__(self, name: str, file: str, line: int, form: str, value, input_, context: dict,
                 expect: dict) -> None:
        self.name = name
        self.file = file
        self.line = line
        self.form = form
        self.value = value
        self.input = input_
        self.context = context
        self.expect = expect

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read(path: str) -> tuple[list[TestCase], list[Problem]]:
    """The tests of one file and the problems found in it."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TEST_FILE_BYTES + 1)
    except OSError as e:
        return [], [Problem(path, 0, f"cannot read test file: {e.strerror or e}")]
    if len(data) > MAX_TEST_FILE_BYTES:
        return [], [Problem(path, 0, "test file is larger than 16 MiB")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [], [Problem(path, 0, f"test file is not valid UTF-8 (byte {e.start})")]
    return parse(text, path)


def parse(text: str, path: str) -> tuple[list[TestCase], list[Problem]]:
    import yaml

    from ..falco.loader.reader import loader_for, yaml_cause

    try:
        docs = [d for d in yaml.compose_all(text, Loader=loader_for(text)) if d is not None]
    except yaml.MarkedYAMLError as e:
        mark, problem = yaml_cause(e)
        return [], [Problem(path, mark.line + 1 if mark else 0, f"YAML error: {problem}")]
    except (yaml.YAMLError, RecursionError, UnicodeError) as e:
        return [], [Problem(path, 0, f"YAML error: {e}")]
    tests: list[TestCase] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    defaults: dict = {}
    for doc in docs:
        if _is_null(doc):
            continue
        if not isinstance(doc, yaml.SequenceNode):
            problems.append(Problem(path, doc.start_mark.line + 1,
                                    "a test file is a YAML list of tests (`- test: ...`)"))
            continue
        for node in doc.value:
            try:
                item = _mapping(node)
                if "defaults" in item:
                    defaults = {**defaults, **_defaults(item, node)}
                    continue
                test = _test(item, node, path, defaults)
            except _Invalid as e:
                problems.append(Problem(path, e.line, e.message))
                continue
            if test.name in seen:
                problems.append(Problem(path, test.line, f"test {test.name!r} is already "
                                        f"defined at line {seen[test.name]}"))
                continue
            seen[test.name] = test.line
            tests.append(test)
    return tests, problems


# -- items ------------------------------------------------------------------------------------

def _is_null(node) -> bool:
    import yaml

    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _mapping(node) -> dict:
    """key -> (value node, key line) of a mapping item."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise _Invalid(node.start_mark.line + 1, "each item must be a mapping that starts "
                       "with `test:` (or `defaults:`)")
    out: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Invalid(key_node.start_mark.line + 1, "keys must be plain words")
        if key_node.value in out:
            raise _Invalid(key_node.start_mark.line + 1, f"key `{key_node.value}` appears "
                           f"twice")
        out[key_node.value] = (value_node, key_node.start_mark.line + 1)
    return out


def _value(node):
    import yaml

    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as e:
        raise _Invalid(node.start_mark.line + 1, f"cannot read this value: {e}") from None


def _unknown_key(key: str, line: int, allowed: tuple[str, ...]) -> _Invalid:
    import difflib

    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean `{guess[0]}`?)" if guess else ""
    return _Invalid(line, f"unknown key `{key}`{hint}")


def _defaults(item: dict, node) -> dict:
    value_node, line = item["defaults"]
    if len(item) > 1:
        other = next(k for k in item if k != "defaults")
        raise _Invalid(item[other][1], "a `defaults` item has nothing but `defaults:`")
    values = _value(value_node)
    if not isinstance(values, dict):
        raise _Invalid(line, "`defaults` must be a mapping of context keys")
    out = {}
    for key, value in values.items():
        if key not in CONTEXT_KEYS:
            raise _unknown_key(str(key), line, CONTEXT_KEYS)
        out[key] = _context_value(key, value, line)
    return out


def _test(item: dict, node, path: str, defaults: dict) -> TestCase:
    line = node.start_mark.line + 1
    if "test" not in item:
        raise _Invalid(line, "a test starts with `test: <name>` (missing `test:`)")
    for key, (_, key_line) in item.items():
        if key not in TEST_KEYS:
            raise _unknown_key(key, key_line, TEST_KEYS)
    name_node, name_line = item["test"]
    name = _value(name_node)
    if not isinstance(name, str) or not name.strip():
        raise _Invalid(name_line, "`test:` must be a non-empty name")
    forms = [k for k in FORMS if k in item]
    if len(forms) != 1:
        raise _Invalid(line, f"test {name!r} needs exactly one call "
                       f"({', '.join(FORMS)}), found {len(forms) or 'none'}")
    form = forms[0]
    if "input" in item and form != "tool":
        raise _Invalid(item["input"][1], "`input:` goes with `tool:` only")
    value = _value(item[form][0])
    input_ = _value(item["input"][0]) if "input" in item else None
    context = dict(defaults)
    for key in CONTEXT_KEYS:
        if key in item:
            context[key] = _context_value(key, _value(item[key][0]), item[key][1])
    expect = {key: _expectation(key, _value(item[key][0]), item[key][1])
              for key in EXPECT_KEYS if key in item}
    if not expect:
        raise _Invalid(line, f"test {name!r} expects nothing: give `verdict`, `rule`, "
                       f"`matches`, `not_matches` or `fields`")
    if expect.get("verdict") == "none" and "rule" in expect:
        raise _Invalid(item["rule"][1], "with `verdict: none` no rule decides; name a "
                       "log-only rule with `matches:`")
    return TestCase(name.strip(), path, line, form, value, input_, context, expect)


def _context_value(key: str, value, line: int):
    if key == "setup":
        return _setup(value, line)
    if key == "default_action":
        if value not in DEFAULT_ACTIONS:
            raise _Invalid(line, f"`default_action` is one of {', '.join(DEFAULT_ACTIONS)}")
        return value
    if not isinstance(value, str) or not value:
        raise _Invalid(line, f"`{key}` must be a non-empty string")
    return value


def _setup(value, line: int) -> list[dict]:
    if not isinstance(value, list):
        raise _Invalid(line, "`setup` is a list of steps: {file: P, content: S}, {dir: P} "
                       "or {symlink: P, to: T}")
    steps = []
    for step in value:
        kinds = [k for k in SETUP_KINDS if isinstance(step, dict) and k in step]
        if len(kinds) != 1:
            raise _Invalid(line, "each setup step has exactly one of file, dir, symlink")
        allowed = {"file": ("file", "content", "mode"), "dir": ("dir",),
                   "symlink": ("symlink", "to")}[kinds[0]]
        extra = [k for k in step if k not in allowed]
        if extra:
            raise _Invalid(line, f"setup step `{kinds[0]}` has unknown key(s) "
                           f"{', '.join(map(str, extra))}")
        if not all(isinstance(step[k], str) for k in allowed if k in step and k != "mode"):
            raise _Invalid(line, "setup paths and contents must be strings")
        if kinds[0] == "symlink" and "to" not in step:
            raise _Invalid(line, "a symlink step needs `to`")
        if "mode" in step and not isinstance(step["mode"], int):
            raise _Invalid(line, "a file's `mode` is a number such as 0o600")
        steps.append(dict(step))
    return steps


def _names(key: str, value, line: int) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v for v in value):
        raise _Invalid(line, f"`{key}` is a rule name or a list of rule names")
    return value


def _expectation(key: str, value, line: int):
    if key == "verdict":
        if value not in VERDICTS:
            raise _Invalid(line, f"`verdict` is one of {', '.join(VERDICTS)} (none: no rule "
                           f"decides, the agent's own permission flow does)")
        return value
    if key == "rule":
        if not isinstance(value, str) or not value:
            raise _Invalid(line, "`rule` is the name of the rule that decides")
        return value
    if key in ("matches", "not_matches"):
        return _names(key, value, line)
    if not isinstance(value, dict) or not value:
        raise _Invalid(line, "`fields` is a mapping of field names to expected values")
    return {str(k): v for k, v in value.items()}
