"""False alarm removed: words after a subcommand are its arguments (`git add reset --hard`
adds files named so), `git add` is not a delete, a commit message is text."""

from __future__ import annotations

import pytest

ALLOWS = [
    "git add /usr/bin/x",
    "git add reset --hard",
    "git add scripts/rm-rf-dist.sh",
    "git add -- 'scripts/pkill-workers.sh'",
    "git commit -m 'fix: never rm -rf ~ in cleanup'",
    "git commit -m 'docs: git push --force is not allowed on main'",
    "echo rm -rf ~/project",
    "printf '%s\\n' 'git reset --hard' 'terraform destroy'",
    "grep -rn 'rm -rf' scripts/",
    "git log -S 'DROP TABLE' --oneline",
    "npm test -- --grep 'deletes user account'",
]


@pytest.mark.parametrize("command", ALLOWS)
def test_arguments_are_not_commands(verdict, command):
    result = verdict(command)
    assert result == "allow", (result.rules, result.effects, result.places)


def test_the_same_words_as_commands_still_count(verdict):
    assert verdict("git add -A && git commit -m x && git reset --hard") == "ask"
    assert verdict("echo rm -rf ~ | sh") == "deny"
    assert verdict('bash -c "git stash clear"') == "ask"
