"""Comments cite documents of the repository, and the sections they cite exist."""

from __future__ import annotations

import re

import pytest
from importcheck import REPO

SOURCES = [p for folder in ("prempti_hook", "tests", "docs") for p in (REPO / folder).rglob("*")
           if p.suffix in (".py", ".md") and ".cache" not in p.parts]
CITATION = re.compile(r"docs/([a-z-]+\.md),\s+((?:\"[^\"]+\"(?:,\s*|\s+and\s+)?)+)")


def _headings(doc: str) -> set[str]:
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", text, re.M)}


def test_no_section_marks_of_documents_outside_the_repository():
    cited = [f"{p.relative_to(REPO)}:{n}" for p in SOURCES if p.name != "test_docs_citations.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if "§" in line]
    assert cited == []


def test_every_cited_section_exists():
    seen = 0
    for path in SOURCES:
        text = " ".join(path.read_text(encoding="utf-8").split())  # citations wrap lines
        for doc, sections in CITATION.findall(text):
            headings = _headings(doc)
            for section in re.findall(r"\"([^\"<]+)\"", sections):
                seen += 1
                assert any(h.startswith(section) for h in headings), \
                    f"{path.relative_to(REPO)} cites docs/{doc}, {section!r}: no such section"
    assert seen >= 20  # the citations really were found


@pytest.mark.parametrize("doc", ["contract.md", "falco-language.md"])
def test_the_cited_documents_are_in_the_repository(doc):
    assert (REPO / "docs" / doc).is_file()
