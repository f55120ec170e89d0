"""The shipped rules (rules/*.yaml): clean under --check, every rule proven by tests that fire
it and near misses that must not (rules/tests/, run through `prempti-hook test`), outputs one
sentence, tags and priorities as the contract says, and each rule reachable through the
tool.name index.

The rule tests run through the real zipapp's `test` command (what a user runs); the output
checks evaluate the same test calls in-process, through the command's own runner, to read
each matching rule's rendered output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from prempti_hook.commands.test import Runner
from prempti_hook.event_source import fields
from prempti_hook.falco.loader import load as load_rules
from prempti_hook.offline import testfile
from prempti_hook.offline.rules import load as load_rules_offline

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
RULE_TESTS = RULES_DIR / "tests"
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))
TEST_FILES = sorted(RULE_TESTS.glob("*.yaml"))

DENY_TAG, ASK_TAG = "coding_agent_deny", "coding_agent_ask"
# Fields that can carry the very secret a rule protects: never echoed in an output.
UNSAFE_OUTPUT_FIELDS = ("%tool.input", "%tool.content", "%tool.url ", "%tool.url,",
                        "%tool.cmd.args", "%tool.secrets[")


# --- fixtures ------------------------------------------------------------------------------

def _rule_items() -> list[dict]:
    items = []
    for path in RULE_FILES:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and "rule" in item:
                items.append({**item, "_file": path.name})
    return items


RULE_ITEMS = _rule_items()
RULE_NAMES = [item["rule"] for item in RULE_ITEMS]


@pytest.fixture(scope="module")
def ruleset():
    texts = [(str(p), p.read_text(encoding="utf-8")) for p in RULE_FILES]
    result = load_rules(texts, {fields.SOURCE: fields.table()})
    assert result.successful, [e.one_line() for e in result.errors]
    return result.rulesets[fields.SOURCE]


@pytest.fixture(scope="module")
def rule_tests() -> list:
    tests = []
    for path in TEST_FILES:
        found, problems = testfile.read(str(path))
        assert not problems, [str(p) for p in problems]
        tests.extend(found)
    return tests


@pytest.fixture(scope="module")
def runner():
    runner = Runner(load_rules_offline([str(RULES_DIR)]))
    yield runner
    runner.close()


# --- --check -----------------------------------------------------------------------------

def test_check_reports_no_errors_and_no_warnings() -> None:
    proc = subprocess.run([sys.executable, "-m", "prempti_hook", "--check", str(RULES_DIR)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert "0 error(s), 0 warning(s)" in text, text
    assert f"{len(RULE_FILES)} of {len(RULE_FILES)} file(s) checked" in text, text


# --- firing cases and near misses ----------------------------------------------------------

def test_every_rule_has_tests_that_fire_it_and_near_misses(ruleset, rule_tests) -> None:
    compiled = [rule.name for rule in ruleset.rules]
    assert sorted(compiled) == sorted(RULE_NAMES)
    fired = {name for t in rule_tests for name in t.expect.get("matches", [])}
    fired |= {t.expect["rule"] for t in rule_tests if "rule" in t.expect}
    missed = {name for t in rule_tests for name in t.expect.get("not_matches", [])}
    assert not sorted(set(compiled) - fired), "rules without a test that fires them"
    assert not sorted(set(compiled) - missed), "rules without a near miss (`not_matches`)"


def test_every_test_file_belongs_to_a_rules_file() -> None:
    assert [p.name for p in TEST_FILES] == [p.name for p in RULE_FILES]


def test_rule_tests_pass_through_the_command(built_zipapp) -> None:
    """`prempti-hook test` on the shipped rules' tests, as a user or CI runs it."""
    proc = subprocess.run([sys.executable, "-I", "-S", str(built_zipapp), "test", "--rules",
                           str(RULES_DIR), str(RULE_TESTS)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.splitlines()[-1]
    assert re.fullmatch(r"prempti-hook test: \d+ passed in [0-9.]+s \(\d+ file\(s\)\)", last), last


# --- outputs ---------------------------------------------------------------------------------

def _sentence_problems(text: str) -> list[str]:
    problems = []
    if "\n" in text:
        problems.append("spans several lines")
    if not text.endswith("."):
        problems.append("does not end with a period")
    if re.search(r"[.!?] +[A-Z]", text[:-1]):
        problems.append("holds more than one sentence")
    return problems


@pytest.mark.parametrize("item", RULE_ITEMS, ids=RULE_NAMES)
def test_output_template_is_one_sentence_without_unsafe_fields(item) -> None:
    output = item["output"].strip()
    assert output.startswith("prempti-hook "), output
    assert not _sentence_problems(output), (_sentence_problems(output), output)
    unsafe = [f for f in UNSAFE_OUTPUT_FIELDS if f in output + " "]
    assert not unsafe, f"output echoes {unsafe}, which may carry the secret itself"
    # List fields render as "(a,b)"; outputs join them into plain text instead.
    raw_lists = re.findall(r"%(?:tool\.(?:paths|write_paths|hosts|secrets|path_names|"
                           r"cmd\.names|cmd\.args|cmd\.incomplete_reasons))\b", output)
    assert not raw_lists, f"list fields printed raw: {raw_lists}"


def test_rendered_outputs_read_well(rule_tests, runner) -> None:
    """Every rule's output, rendered for each test call that fires it, reads as a sentence."""
    problems = []
    for test in rule_tests:
        wanted = set(test.expect.get("matches", []))
        if not wanted:
            continue
        outcome = runner.run(test)
        assert outcome.status == "passed", outcome.line()
        event = outcome.decided.event
        for rule in outcome.decided.matched:
            if rule.name not in wanted:
                continue
            text = rule.output.render(event)
            if "<NA>" in text or re.search(r"\(\s*\)", text) or \
                    _sentence_problems(text.replace("..", "")):
                problems.append((test.where, rule.name, text))
    assert not problems, problems


# --- contract: tags, priorities, sources, index --------------------------------------------

@pytest.mark.parametrize("item", RULE_ITEMS, ids=RULE_NAMES)
def test_tags_and_priority_follow_the_contract(item) -> None:
    tags = set(item.get("tags", []))
    priority = item["priority"]
    assert item["source"] == "coding_agent"
    assert not ({DENY_TAG, ASK_TAG} <= tags), "a rule cannot both deny and ask"
    if priority == "CRITICAL":
        assert DENY_TAG in tags
    elif priority == "WARNING":
        assert ASK_TAG in tags and DENY_TAG not in tags
    elif priority == "NOTICE":
        assert not ({DENY_TAG, ASK_TAG} & tags), "a log-only rule carries no verdict tag"
    else:
        pytest.fail(f"priority {priority} is not CRITICAL, WARNING or NOTICE")
    if DENY_TAG in tags:
        assert priority == "CRITICAL"
    if ASK_TAG in tags:
        assert priority == "WARNING"


def test_rules_are_reachable_through_the_tool_name_index(ruleset) -> None:
    """Only rules that also look at MCP tools (whose names are only known by their
    `mcp__` prefix) may be evaluated for every call; all others name their tools."""
    for rule in ruleset.rules:
        if rule.condition.index_values is None:
            text = next(i for i in RULE_ITEMS if i["rule"] == rule.name)["condition"]
            assert "is_mcp" in text, f"{rule.name!r} is evaluated for every tool call"
