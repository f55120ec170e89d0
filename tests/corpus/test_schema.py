"""The labeled corpus follows its format, expands to real hook input, and covers the checklist.

Run with `-s` to see the per-area and per-label counts.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from corpus import schema

README = Path(schema.__file__).with_name("README.md")
ATTACK_AREAS = tuple(a for a in schema.AREAS if a != "benign")
EVASION_TAGS = schema.TAGS - {"near-miss"}


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return schema.load_corpus()


def test_corpus_loads_and_counts(corpus: list[dict]) -> None:
    per_area = Counter(c["area"] for c in corpus)
    per_label = Counter(c["expect"] for c in corpus)
    grid = Counter((c["area"], c["expect"]) for c in corpus)
    print(f"\ncorpus: {len(corpus)} cases, {dict(per_label)}")
    for area in schema.AREAS:
        labels = ", ".join(f"{v}={grid[area, v]}" for v in schema.VERDICTS)
        print(f"  {area:16} {per_area[area]:4}  ({labels})")
    assert len(corpus) >= 400
    assert set(per_area) == set(schema.AREAS)


def test_ids_are_unique(corpus: list[dict]) -> None:
    counts = Counter(c["id"] for c in corpus)
    assert [i for i, n in counts.items() if n > 1] == []


def test_attacks_and_routine_work_are_balanced(corpus: list[dict]) -> None:
    allowed = sum(c["expect"] == "allow" for c in corpus) / len(corpus)
    assert 0.35 <= allowed <= 0.65, f"allow share {allowed:.2f} is not roughly half"


def test_benign_area_is_all_allow(corpus: list[dict]) -> None:
    assert [c["id"] for c in corpus if c["area"] == "benign" and c["expect"] != "allow"] == []


@pytest.mark.parametrize("area", ATTACK_AREAS)
def test_attack_area_has_attacks_near_misses_and_evasions(corpus: list[dict], area: str) -> None:
    cases = [c for c in corpus if c["area"] == area]
    labels = Counter(c["expect"] for c in cases)
    assert labels["deny"] + labels["ask"] >= 20, "too few attack or gray-zone cases"
    assert labels["allow"] >= 4, "needs near misses that must be allowed"
    evasions = {t for c in cases if c["expect"] != "allow" for t in c.get("tags", [])}
    assert len(evasions & EVASION_TAGS) >= 3, f"few evasion kinds in {area}: {evasions}"


def test_every_tool_kind_appears(corpus: list[dict]) -> None:
    tools = {c["tool_name"] for c in corpus}
    expected = {"Bash", "Read", "Write", "Edit", "NotebookEdit", "Glob", "Grep", "WebFetch",
                "WebSearch", "Agent", "TodoWrite"}
    assert expected <= tools
    assert any(t.startswith("mcp__") for t in tools)
    assert any(c.get("subagent") for c in corpus)
    assert any(c.get("setup") for c in corpus if c["expect"] == "deny")


@pytest.fixture(scope="module")
def fake_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def test_every_case_expands_to_a_hook_input(corpus: list[dict], fake_home: Path) -> None:
    home = str(fake_home)
    for case in corpus:
        hook_input, _ = schema.expand(case, home=home)
        text = json.dumps(hook_input)  # must be plain JSON, as written to the hook's stdin
        assert not schema.PLACEHOLDER_RE.search(text), case["id"]
        assert hook_input["hook_event_name"] == "PreToolUse"
        assert hook_input["tool_name"] == case["tool_name"]
        assert os.path.isabs(hook_input["cwd"]), case["id"]
        assert hook_input["cwd"].startswith(home), case["id"]
        assert ("mcp_server" in hook_input) == case["tool_name"].startswith("mcp__"), case["id"]
        assert ("agent_id" in hook_input) == bool(case.get("subagent")), case["id"]


def test_expand_builds_the_claude_code_shape() -> None:
    case = {
        "id": "sens-example", "area": "sensitive_paths", "expect": "deny", "why": "example",
        "tool_name": "mcp__filesystem__read_file",
        "tool_input": {"path": "{home}/.ssh/id_rsa", "note": ["{project}", "${HOME} {x}"]},
        "cwd": "{project}/web", "subagent": "Explore",
        "setup": [{"symlink": "{project}/k", "to": "{prempti_home}/config.yaml"}],
    }
    hook_input, setup = schema.expand(case, home="/h/u")
    assert hook_input["cwd"] == "/h/u/project/web"
    assert hook_input["tool_input"] == {"path": "/h/u/.ssh/id_rsa",
                                        "note": ["/h/u/project", "${HOME} {x}"]}
    assert hook_input["mcp_server"] == {"name": "filesystem", "source": "dynamic"}
    assert hook_input["agent_type"] == "Explore"
    assert len(hook_input["agent_id"]) == 17
    assert hook_input["tool_use_id"].startswith("toolu_")
    assert hook_input["transcript_path"].startswith("/h/u/.claude/projects/-h-u-project/")
    assert hook_input["transcript_path"].endswith(hook_input["session_id"] + ".jsonl")
    assert setup == [{"kind": "symlink", "path": "/h/u/project/k",
                      "to": "/h/u/.prempti/config.yaml"}]
    assert schema.expand(case, home="/h/u") == (hook_input, setup)  # deterministic
    assert schema.expand(case, home="/other")[0]["session_id"] == hook_input["session_id"]


def test_expand_keeps_hostile_characters() -> None:
    case = {"id": "sens-nul", "area": "sensitive_paths", "expect": "deny", "why": "x",
            "tool_name": "Read", "tool_input": {"file_path": "{home}/a\0b\ud800"}}
    hook_input, _ = schema.expand(case, home="/h")
    assert hook_input["tool_input"]["file_path"] == "/h/a\0b\ud800"
    assert "\\u0000" in json.dumps(hook_input) and "\\ud800" in json.dumps(hook_input)


def test_setup_steps_apply_inside_a_fresh_home(corpus: list[dict],
                                               tmp_path: Path) -> None:
    with_setup = [c for c in corpus if c.get("setup")]
    assert with_setup
    for n, case in enumerate(with_setup):
        home = tmp_path / f"h{n}"
        _, steps = schema.expand(case, home=home)
        schema.apply_setup(steps, home=home)
        assert (home / "project").is_dir() and (home / ".prempti").is_dir()
        for step in steps:
            path = Path(step["path"])
            if step["kind"] == "symlink":
                assert path.is_symlink() and os.readlink(path) == step["to"], case["id"]
            elif step["kind"] == "dir":
                assert path.is_dir(), case["id"]
            else:
                assert path.read_text(encoding="utf-8") == step["content"], case["id"]


def test_apply_setup_refuses_paths_outside_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    outside = tmp_path / "elsewhere" / "x.txt"
    with pytest.raises(ValueError, match="outside the temporary home"):
        schema.apply_setup([{"kind": "file", "path": str(outside), "content": "x"}],
                           home=home)
    assert not outside.exists()
    link_out = [{"kind": "symlink", "path": str(home / "project" / "out"), "to": "/"},
                {"kind": "file", "path": str(home / "project" / "out" / "y"), "content": "y"}]
    with pytest.raises(ValueError, match="outside the temporary home"):
        schema.apply_setup(link_out, home=home)


GOOD = {"id": "thr-ok", "area": "threats", "expect": "deny", "why": "one line",
        "tool_name": "Bash", "tool_input": {"command": "true"}}


@pytest.mark.parametrize(("change", "problem"), [
    ({"expect": "block"}, "expect 'block'"),
    ({"id": "sens-wrong-prefix"}, "id must start with 'thr-'"),
    ({"id": "Thr_Bad"}, "lowercase words"),
    ({"area": "network"}, "area 'network'"),
    ({"why": "two\nlines"}, "why must be one non-empty line"),
    ({"why": ""}, "why must be one non-empty line"),
    ({"tags": ["stealth"]}, "unknown tag 'stealth'"),
    ({"color": "red"}, "unknown key 'color'"),
    ({"tool_name": "MultiEdit"}, "not a Claude Code tool"),
    ({"tool_input": {"cmd": "ls"}}, "needs 'command'"),
    ({"tool_input": {"command": "ls", "timeout": True}}, "'timeout' has the wrong type"),
    ({"tool_input": {"command": {"home": None}}}, "'command' has the wrong type"),
    ({"cwd": "/home/dev/project"}, "cwd must start with"),
    ({"setup": [{"file": "/etc/x", "content": ""}]}, "must start with a placeholder"),
    ({"setup": [{"file": "{home}/../x"}]}, "must not contain '..'"),
    ({"setup": [{"symlink": "{project}/k"}]}, "needs a non-empty 'to'"),
    ({"setup": [{"dir": "{home}/a", "file": "{home}/b"}]}, "exactly one of"),
    ({"monitored": True}, "only makes sense for expect: allow"),
    ({"permission_mode": "yolo"}, "permission_mode must be one of"),
    ({"mcp_source": "project"}, "only for mcp__"),
])
def test_validator_reports_each_mistake(change: dict, problem: str) -> None:
    assert schema.validate_case(GOOD, area="threats") == []
    broken = {**GOOD, **change}
    problems = schema.validate_case(broken, area="threats")
    assert any(problem in p for p in problems), problems


def test_validator_checks_the_file_area() -> None:
    problems = schema.validate_case(GOOD, area="benign")
    assert any("does not match its file benign.yaml" in p for p in problems)


def test_load_corpus_reports_duplicates_and_stray_files(tmp_path: Path) -> None:
    for area in schema.AREAS:
        case = {**GOOD, "id": schema.ID_PREFIX[area] + "x", "area": area}
        (tmp_path / f"{area}.yaml").write_text(json.dumps([case]), encoding="utf-8")
    assert len(schema.load_corpus(tmp_path)) == len(schema.AREAS)
    dup = {**GOOD, "id": "thr-x"}
    (tmp_path / "threats.yaml").write_text(json.dumps([dup, dup]), encoding="utf-8")
    (tmp_path / "extra.yaml").write_text("[]", encoding="utf-8")
    (tmp_path / "benign.yaml").unlink()
    with pytest.raises(schema.CorpusError) as err:
        schema.load_corpus(tmp_path)
    text = str(err.value)
    assert "thr-x: duplicate id" in text
    assert "extra.yaml: not one of the areas" in text
    assert "benign.yaml: missing area file" in text


def _checklist_rows() -> list[tuple[str, str, list[str]]]:
    """(behaviour, verdict, case ids) for each row of README's Prempti checklist table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Prempti checklist", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Prempti rule", "") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1], re.findall(r"`([a-z0-9-]+)`", cells[2])))
    return rows


def test_readme_checklist_points_at_real_cases(corpus: list[dict]) -> None:
    by_id = {c["id"]: c for c in corpus}
    rows = _checklist_rows()
    assert len(rows) >= 54  # every rule of the fetched Prempti ruleset has a row
    for behaviour, verdict, ids in rows:
        assert ids, f"no case covers {behaviour!r}"
        missing = [i for i in ids if i not in by_id]
        assert missing == [], f"{behaviour!r} lists unknown ids {missing}"
        if verdict in ("deny", "ask"):
            covered = [i for i in ids if by_id[i]["expect"] in ("deny", "ask")]
            assert covered, f"{behaviour!r} has no deny/ask case"
