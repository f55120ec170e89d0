"""Class 2: deleting refs, rewriting history and force-pushing ask; a lease on a feature
branch, ordinary pushes and reads do not."""

from __future__ import annotations

import pytest


def on(branch: str) -> list:
    return [{"file": "{project}/.git/HEAD", "content": f"ref: refs/heads/{branch}\n"}]


ASKS = [
    ("git branch -D spike/old-auth", "main"),
    ("git branch --delete --force spike/old-auth", "main"),
    ("git branch -f main HEAD~3", "main"),
    ("git tag -d v1.4.0", "main"),
    ("git tag -f v1.4.0", "main"),
    ("git reflog expire --expire-unreachable=now --all", "main"),
    ("git reflog delete HEAD@{2}", "main"),
    ("git update-ref -d refs/heads/hotfix", "main"),
    ("git filter-branch --tree-filter 'rm -f secrets.yml' HEAD", "main"),
    ("git filter-repo --path vendor/ --invert-paths", "main"),
    ("GIT_SEQUENCE_EDITOR='sed -i s/pick/fixup/' git rebase -i HEAD~4", "feature/x"),
    ("git -c sequence.editor=true rebase -i main", "feature/x"),
    ("git push --force", "feature/x"),
    ("git push -f origin feature/x", "feature/x"),
    ("git push origin +feature/x", "feature/x"),
    ("git push origin +HEAD:main", "feature/x"),
    ("git push --force-with-lease origin main", "feature/x"),
    ("git push --force-with-lease", "main"),
    ("git push --force-with-lease origin HEAD", "release/2.0"),
    ("git push --mirror backup", "main"),
    ("git push --prune origin 'refs/heads/*:refs/heads/*'", "main"),
    ("git push origin --delete old-branch", "main"),
    ("git push origin :refs/tags/v1.0", "main"),
    ("git push origin -d feature/x", "main"),
]

ALLOWS = [
    ("git push --force-with-lease origin feature/x", "main"),
    ("git push --force-with-lease", "agent/fix-flaky-test"),
    ("git push --force-with-lease --force-if-includes origin HEAD", "feature/x"),
    ("git push -u origin feature/x", "feature/x"),
    ("git push", "feature/x"),
    ("git push --dry-run --force origin main", "main"),
    ("git branch -d merged-branch", "main"),
    ("git branch new-branch", "main"),
    ("git tag -a v2.0.0 -m 'release 2.0.0'", "main"),
    ("git reflog -n 10", "main"),
    ("git update-ref refs/backup/before HEAD", "main"),
    ("git filter-repo --analyze", "main"),
    ("git rebase origin/main", "feature/x"),
    ("git fetch --prune", "main"),
    ("git log --oneline origin/main..HEAD", "feature/x"),
]


@pytest.mark.parametrize("command, branch", ASKS)
def test_history_changes_ask(verdict, command, branch):
    result = verdict(command, setup=on(branch))
    assert result == "ask", (result.rules, result.effects)


@pytest.mark.parametrize("command, branch", ALLOWS)
def test_history_kept_is_allowed(verdict, command, branch):
    result = verdict(command, setup=on(branch))
    assert result == "allow", (result.rules, result.effects)


def test_force_with_lease_is_never_denied(verdict):
    assert verdict("git push --force-with-lease origin main", setup=on("main")) == "ask"
