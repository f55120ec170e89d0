"""Class 1: discarding uncommitted work asks, by any spelling; unstaging, stashing, dry runs
and branch creation do not."""

from __future__ import annotations

import pytest

SRC = [{"file": "{project}/src/app.py", "content": "print(1)\n"}]

ASKS = [
    "git checkout -- src/app.py",
    "git checkout .",
    "git checkout HEAD~2 -- .",
    "git checkout -f",
    "git checkout --force release",
    "git switch -f main",
    "git switch --discard-changes develop",
    "git restore src/",
    "git restore --staged --worktree .",
    "git reset --hard",
    "git reset --hard origin/main",
    "git reset --merge",
    "git reset --keep HEAD~1",
    "git clean -f",
    "git clean -xfd",
    "git clean --force -d",
    "git stash drop",
    "git stash clear",
    "git stash -u && git stash drop stash@{0}",
    "git rm -rf .",
    "git checkout --orphan fresh && git rm -rf .",
    "git worktree remove -f ../wt-feature",
    "git read-tree -u --reset HEAD",
    "git checkout-index -a -f",
    "git submodule foreach 'git reset --hard'",
    "bash -c 'git reset --hard HEAD'",
    "git -C src checkout -- .",
]

ALLOWS = [
    "git checkout -b feature/new-cart",
    "git checkout main",
    "git switch develop",
    "git restore --staged src/app.py",
    "git reset HEAD~1",
    "git reset --soft HEAD~1",
    "git reset HEAD -- package.json",
    "git clean -n",
    "git clean -ndx",
    "git clean --dry-run -x",
    "git clean -fdX",
    "git stash",
    "git stash push -m wip",
    "git stash pop",
    "git stash list",
    "git rm --cached config/local.yml",
    "git rm src/old.py",
    "git worktree remove ../wt-feature",
    "git status --short",
    "git diff HEAD -- src/",
    "git commit -m 'never run git reset --hard here'",
]


@pytest.mark.parametrize("command", ASKS)
def test_discarding_work_asks(verdict, command):
    result = verdict(command, setup=SRC)
    assert result == "ask", (result.rules, result.effects)
    assert "Ask before discarding uncommitted work" in result.rules


@pytest.mark.parametrize("command", ALLOWS)
def test_work_kept_is_allowed(verdict, command):
    result = verdict(command, setup=SRC)
    assert result == "allow", (result.rules, result.effects)


def test_the_reason_says_what_is_lost(verdict):
    result = verdict("git reset --hard")
    assert "git.discard" in result.effects
