"""The words of a text, for tests of whole words (`prod` in `acme-api-prod`, `db` in
`projects/x/instances/db-1`). Shared by the destructive fields and the shell's cloud CLI
observers; it imports nothing, so a file tool's call may load it."""

from __future__ import annotations


def alnum_words(text: str) -> set[str]:
    """The lower-cased runs of letters and digits of `text` (anything else separates)."""
    out: set[str] = set()
    word: list[str] = []
    for char in text.lower():
        if char.isalnum():
            word.append(char)
        elif word:
            out.add("".join(word))
            word = []
    if word:
        out.add("".join(word))
    return out
