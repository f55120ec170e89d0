"""The shipped rules (rules/*.yaml): clean under --check, every rule proven by a corpus case
that fires it and a near miss that must not, outputs one sentence, tags and priorities as the
contract says, and each rule reachable through the tool.name index.

Cases are evaluated in-process (the compiled ruleset's `match` on a real `Event` built from
the case's hook input, in a throw-away home with the case's setup), so a failure names the
rule and the case directly; tests/corpus/test_corpus.py runs the same corpus through the
built zipapp.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from corpus import schema

from prempti_hook.agents import claude_code
from prempti_hook.event_source import fields
from prempti_hook.event_source.event import Event
from prempti_hook.falco.loader import load as load_rules

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
RULE_CASES = REPO / "tests" / "corpus" / "rule_cases.yml"
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))

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
def rule_cases() -> dict[str, dict]:
    entries = yaml.safe_load(RULE_CASES.read_text(encoding="utf-8"))
    return {entry["rule"]: entry for entry in entries}


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict]:
    return {case["id"]: case for case in schema.load_corpus()}


@contextmanager
def _environment(home: Path):
    """The hook's environment for one case: only HOME, PREMPTI_HOME and PATH (the shell
    analysis resolves $VARS against it, so the developer's own tokens must not leak in)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({"HOME": str(home), "PREMPTI_HOME": str(home / ".prempti"),
                       "PATH": "/usr/local/bin:/usr/bin:/bin"})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Evaluated:
    """The rules a case matched, and each matching rule's rendered output."""

    def __init__(self, matched: list[str], outputs: dict[str, str]) -> None:
        self.matched = matched
        self.outputs = outputs


@pytest.fixture(scope="module")
def evaluate(ruleset, corpus, tmp_path_factory):
    cache: dict[str, Evaluated] = {}

    def run(case_id: str) -> Evaluated:
        if case_id not in cache:
            case = corpus[case_id]
            home = tmp_path_factory.mktemp("home")
            hook_input, setup = schema.expand(case, home=str(home))
            schema.apply_setup(setup, home=str(home))
            with _environment(home):
                event = Event(claude_code.read(hook_input), str(home),
                              prempti_home=str(home / ".prempti"),
                              claude_dir=str(home / ".claude"))
                rules = ruleset.match(event)
                outputs = {r.name: r.output.render(event) for r in rules}
            cache[case_id] = Evaluated([r.name for r in rules], outputs)
        return cache[case_id]

    return run


# --- --check -----------------------------------------------------------------------------

def test_check_reports_no_errors_and_no_warnings() -> None:
    proc = subprocess.run([sys.executable, "-m", "prempti_hook", "--check", str(RULES_DIR)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert "0 error(s), 0 warning(s)" in text, text
    assert f"{len(RULE_FILES)} of {len(RULE_FILES)} file(s) checked" in text, text


# --- firing cases and near misses ----------------------------------------------------------

def test_every_rule_has_firing_cases_and_near_misses(ruleset, rule_cases, corpus) -> None:
    compiled = [rule.name for rule in ruleset.rules]
    assert sorted(compiled) == sorted(RULE_NAMES)
    assert sorted(rule_cases) == sorted(compiled), "rule_cases.yaml must list every rule once"
    for name, entry in rule_cases.items():
        assert entry.get("fires"), f"{name}: no case that fires it"
        assert entry.get("near_misses"), f"{name}: no near miss"
        unknown = [i for i in entry["fires"] + entry["near_misses"] if i not in corpus]
        assert not unknown, f"{name}: unknown corpus ids {unknown}"


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_rule_fires_on_its_cases(rule, rule_cases, evaluate) -> None:
    silent = [i for i in rule_cases[rule]["fires"] if rule not in evaluate(i).matched]
    assert not silent, f"{rule!r} did not fire on {silent}"


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_rule_stays_silent_on_its_near_misses(rule, rule_cases, evaluate) -> None:
    fired = [i for i in rule_cases[rule]["near_misses"] if rule in evaluate(i).matched]
    assert not fired, f"{rule!r} fired on near misses {fired}"


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


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_rendered_outputs_read_well(rule, rule_cases, evaluate) -> None:
    for case_id in rule_cases[rule]["fires"]:
        text = evaluate(case_id).outputs[rule]
        assert "<NA>" not in text, (case_id, text)
        assert not re.search(r"\(\s*\)", text), (case_id, text)
        assert not _sentence_problems(text.replace("..", "")), (case_id, text)


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
