"""`prempti-hook test [FILES or FOLDERS]`: run rule test files against the rules.

Each test states a tool call and what the rules must make of it (file format:
`offline/testfile.py`, docs/rule-tests.md). Every test runs in its own throw-away home
(`offline/sandbox.py`) through the hook's own code: the agent adapter, the Event, the
compiled ruleset's `match`, the verdict. The rules are compiled once for the whole run.

Output like pytest: one line per failing test (`file:line: name: what was expected, what
happened (matched: rules)`), then a summary line; `-v` also lists the tests that passed.
`--json` prints every result as JSON, `--junit FILE` writes JUnit XML for CI. Exit status:
0 when every test passes, 1 when one fails or a test file has a problem, 2 for usage errors.
"""

from __future__ import annotations

import os
import sys
import time

from . import arguments

USAGE = """usage: prempti-hook test [FILE_OR_FOLDER ...] [--rules PATH]... [-k TEXT] [-v]
                         [--json] [--junit FILE]

Run rule test files (YAML; see docs/rule-tests.md). A folder contributes its *.yaml/*.yml
files. Without FILE_OR_FOLDER: the tests/ folder of your rules (~/.prempti/rules/user/tests/,
or beside each --rules / PREMPTI_RULES folder).
  --rules PATH    test against these rules files or folders (repeatable, in load order)
                  instead of the rules the hook loads
  -k TEXT         run only the tests whose name contains TEXT
  -v              list every test, not only failures
  --json          print the results as JSON
  --junit FILE    also write the results as JUnit XML to FILE"""


class Outcome:
    """The result of one test: passed, failed (expectations not met) or error (the test
    cannot run as written)."""

    __slots__ = ("decided", "problems", "status", "test")

    def __init__(self, test, status: str, problems: list[str], decided=None) -> None:
        self.test = test
        self.status = status
        self.problems = problems
        self.decided = decided

    def line(self) -> str:
        from ..falco.loader.results import one_line

        text = f"{self.test.where}: {self.test.name}: {'; '.join(self.problems)}"
        if self.decided is not None:
            matched = ", ".join(self.decided.matched_names) or "no rule"
            text += f" (matched: {matched})"
        return one_line(text)

    def as_json(self) -> dict:
        out = {"file": self.test.file, "line": self.test.line, "name": self.test.name,
               "outcome": self.status, "problems": self.problems}
        if self.decided is not None:
            out.update({"verdict": self.decided.verdict, "rule": self.decided.rule_name or None,
                        "matched": self.decided.matched_names})
        return out


# -- finding test files ---------------------------------------------------------------------

def test_files(paths: list[str], rules_entries: list[str] | None) -> list[str]:
    """The test files to run: those given (folders expanded), else the `tests/` folders
    beside the rules folders the hook loads."""
    from ..rulefiles import expand, files_in

    if paths:
        return expand(paths)
    folders = _rules_folders(rules_entries)
    return [f for folder in folders for f in files_in(os.path.join(folder, "tests"))]


def _rules_folders(rules_entries: list[str] | None) -> list[str]:
    """Folders whose `tests/` hold the tests to run by default: those of the rules given,
    else of PREMPTI_RULES, else the user rules folder (your tests of your rules)."""
    if rules_entries:
        entries = rules_entries
    else:
        from .. import config

        cfg = config.load()
        entries = cfg.rules_override if cfg.rules_override is not None else \
            [cfg.user_rules_dir]
    folders = []
    for entry in entries:
        folder = entry if os.path.isdir(entry) else os.path.dirname(entry)
        if folder and folder not in folders:
            folders.append(folder)
    return folders


# -- running --------------------------------------------------------------------------------

class Runner:
    """Runs tests against one loaded ruleset, each in a throw-away home."""

    def __init__(self, rules) -> None:
        self.rules = rules
        self.rule_names = set(rules.result.collector.rules) if rules.result.collector else set()
        self._shared = None  # a pristine home for the tests without setup

    def close(self) -> None:
        if self._shared is not None:
            self._shared.remove()
            self._shared = None

    def run(self, test) -> Outcome:
        from ..offline.sandbox import Home, SetupError

        unknown = self._unknown_names(test)
        if unknown:
            return Outcome(test, "error", unknown)
        setup = test.context.get("setup")
        try:
            home = Home() if setup else self._shared_home()
        except OSError as e:
            return Outcome(test, "error", [f"cannot create a test home: {e.strerror or e}"])
        try:
            if setup:
                home.apply(setup)
            return self._evaluate(test, home)
        except SetupError as e:
            return Outcome(test, "error", [str(e)])
        except OSError as e:
            return Outcome(test, "error", [f"setup failed: {e.strerror or e}"])
        finally:
            if setup:
                home.remove()

    def _shared_home(self):
        from ..offline.sandbox import Home

        if self._shared is None:
            self._shared = Home()
        return self._shared

    def _unknown_names(self, test) -> list[str]:
        import difflib

        names = []
        expect = test.expect
        for key in ("rule", "matches", "not_matches"):
            value = expect.get(key)
            names.extend([value] if isinstance(value, str) else value or [])
        problems = []
        for name in dict.fromkeys(names):
            if name not in self.rule_names:
                guess = difflib.get_close_matches(name, list(self.rule_names), n=1, cutoff=0.6)
                hint = f" (did you mean {guess[0]!r}?)" if guess else ""
                problems.append(f"no rule named {name!r} in the rules under test{hint}")
        for field in expect.get("fields", {}):
            if not self._field_exists(field):
                problems.append(f"no field {field!r}")
        return problems

    def _field_exists(self, name: str) -> bool:
        base, bracket, arg = name.partition("[")
        arg_value = arg[:-1] if bracket and arg.endswith("]") else None
        if bracket and arg_value is None:
            return False
        return self.rules.table.lookup(base, arg_value) is not None

    def _evaluate(self, test, home) -> Outcome:
        from ..offline.calls import CallError, payload
        from ..offline.decide import DecideError, decide, event_for

        context = test.context
        try:
            hook_input = payload(test.form, home.expand(test.value),
                                 cwd=home.expand(context.get("cwd", "{project}")),
                                 extra_input=home.expand(test.input),
                                 permission_mode=context.get("permission_mode", "default"))
        except CallError as e:
            return Outcome(test, "error", [str(e)])
        with home.environment():
            try:
                event = event_for(hook_input, agent=context.get("agent", "claude_code"),
                                  home=home.path, prempti_home=home.prempti_home,
                                  claude_dir=home.claude_dir)
                decided = decide(self.rules.ruleset, event,
                                 context.get("default_action", "none"))
            except (CallError, DecideError) as e:
                return Outcome(test, "error", [str(e)])
            problems = compare(test.expect, decided, home)
        return Outcome(test, "failed" if problems else "passed", problems, decided)


def compare(expect: dict, decided, home) -> list[str]:
    """What differs between the expectations and what the rules decided."""
    problems = []
    verdict = expect.get("verdict")
    if verdict is not None and decided.verdict != verdict:
        by = f" (by {decided.rule_name!r})" if decided.rule_name else ""
        problems.append(f"expected verdict {verdict}, got {decided.verdict}{by}")
    rule = expect.get("rule")
    if rule is not None and decided.rule_name != rule:
        got = repr(decided.rule_name) if decided.rule_name else "no deciding rule"
        problems.append(f"expected {rule!r} to decide, got {got}")
    matched = set(decided.matched_names)
    for name in expect.get("matches", ()):
        if name not in matched:
            problems.append(f"expected {name!r} to match, it did not")
    for name in expect.get("not_matches", ()):
        if name in matched:
            problems.append(f"expected {name!r} not to match, it did")
    for field, wanted in expect.get("fields", {}).items():
        got = _plain(decided.event[field])
        wanted = _plain(home.expand(wanted))
        if got != wanted:
            problems.append(f"expected {field} = {_show(wanted)}, got {_show(got)}")
    return problems


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _show(value) -> str:
    from ..falco.trace import show

    return show(tuple(value) if isinstance(value, list) else value)


# -- reporting ------------------------------------------------------------------------------

def junit_xml(outcomes: list[Outcome], problems: list, seconds: float) -> bytes:
    """JUnit XML: one testsuite per test file, one testcase per test."""
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="prempti-hook test", time=f"{seconds:.3f}")
    by_file: dict[str, list] = {}
    for outcome in outcomes:
        by_file.setdefault(outcome.test.file, []).append(outcome)
    for problem in problems:
        by_file.setdefault(problem.file, [])
    for file, items in by_file.items():
        file_problems = [p for p in problems if p.file == file]
        failures = sum(o.status == "failed" for o in items)
        errors = sum(o.status == "error" for o in items) + len(file_problems)
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(items) +
                              len(file_problems)), failures=str(failures), errors=str(errors))
        for outcome in items:
            case = ET.SubElement(suite, "testcase", name=outcome.test.name, classname=file,
                                 file=file, line=str(outcome.test.line))
            if outcome.status != "passed":
                tag = "failure" if outcome.status == "failed" else "error"
                element = ET.SubElement(case, tag, message="; ".join(outcome.problems))
                element.text = outcome.line()
        for problem in file_problems:
            case = ET.SubElement(suite, "testcase", name=f"line {problem.line}",
                                 classname=file, file=file, line=str(problem.line))
            ET.SubElement(case, "error", message=problem.message).text = str(problem)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


def summary(outcomes: list[Outcome], problems: list, files: int, seconds: float) -> str:
    counts = {status: sum(o.status == status for o in outcomes)
              for status in ("failed", "passed", "error")}
    parts = [f"{counts['failed']} failed"] if counts["failed"] else []
    parts.append(f"{counts['passed']} passed")
    errors = counts["error"] + len(problems)
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    return f"prempti-hook test: {', '.join(parts)} in {seconds:.2f}s ({files} file(s))"


# -- the command ----------------------------------------------------------------------------

class Options:
    def __init__(self) -> None:
        self.paths: list[str] = []
        self.rules: list[str] = []
        self.keyword = ""
        self.verbose = False
        self.as_json = False
        self.junit = ""


def parse_args(args: list[str]) -> Options:
    """Options, or arguments.UsageError."""
    parsed = arguments.parse(args, flags=("-v", "--json"), valued=("--rules", "-k", "--junit"),
                             operands=None)
    opts = Options()
    opts.paths = parsed.operands
    opts.rules = parsed.all("--rules")
    opts.keyword = parsed.value("-k", "")
    opts.junit = parsed.value("--junit", "")
    opts.verbose = parsed.flag("-v")
    opts.as_json = parsed.flag("--json")
    return opts


def run(opts: Options, out=None, err=None) -> int:
    from ..falco.loader.results import one_line
    from ..offline import testfile
    from ..offline.rules import RulesError, load

    out = out or sys.stdout
    err = err or sys.stderr
    started = time.perf_counter()
    files = test_files(opts.paths, opts.rules or None)
    if not files:
        print("prempti-hook test: no test files found (give files or folders, or put tests in "
              "a tests/ folder beside your rules)", file=err)
        return 1
    try:
        rules = load(opts.rules or None)
    except RulesError as e:
        print(f"prempti-hook test: the rules under test do not load:\n{e}", file=err)
        return 1
    tests, problems = [], []
    for path in files:
        found, bad = testfile.read(path)
        tests.extend(t for t in found if opts.keyword in t.name)
        problems.extend(bad)
    runner = Runner(rules)
    try:
        outcomes = [runner.run(test) for test in tests]
    finally:
        runner.close()
    seconds = time.perf_counter() - started
    if opts.junit:
        from ..offline.sandbox import protected_reason

        refused = protected_reason(opts.junit)
        if refused:
            print(f"prempti-hook test: not writing the JUnit report: {refused}", file=err)
            return 1
        try:
            with open(opts.junit, "wb") as f:
                f.write(junit_xml(outcomes, problems, seconds))
        except OSError as e:
            print(f"prempti-hook test: cannot write {opts.junit}: {e.strerror or e}", file=err)
            return 1
    line = summary(outcomes, problems, len(files), seconds)
    if opts.as_json:
        import json

        doc = {"tests": [o.as_json() for o in outcomes],
               "problems": [{"file": p.file, "line": p.line, "message": p.message}
                            for p in problems],
               "summary": line}
        print(json.dumps(doc, indent=2), file=out)
    else:
        for problem in problems:
            print(one_line(f"{problem.file}:{problem.line}: ERROR {problem.message}"), file=out)
        for outcome in outcomes:
            if outcome.status != "passed":
                print(_failure_line(outcome), file=out)
            elif opts.verbose:
                print(one_line(f"{outcome.test.where}: {outcome.test.name}: passed"), file=out)
        print(line, file=out)
    failed = problems or any(o.status != "passed" for o in outcomes)
    return 1 if failed else 0


def _failure_line(outcome: Outcome) -> str:
    """`file:line: FAILED name: ... (matched: ...)`."""
    text = outcome.line()
    where = outcome.test.where + ": "
    return where + outcome.status.upper() + " " + text[len(where):]


@arguments.entry
def main(word: str, args: list[str]) -> int:
    opts = parse_args(args)
    try:
        return run(opts)
    except KeyboardInterrupt:
        return arguments.INTERRUPTED
