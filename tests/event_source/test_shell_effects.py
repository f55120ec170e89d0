"""The shell analysis of destructive operations: effects (`Analysis.effects`), deletes at
the level of the pattern they name (`Analysis.deletes`), mentions that are not reads, and
well-known shell setup. Rules over these are tested in tests/rules/destructive/."""

from __future__ import annotations

import os

import pytest

from prempti_hook.event_source.shell import analyze
from prempti_hook.event_source.shell.programs import observer_for
from prempti_hook.event_source.shell.shell_setup import setup_generator

ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture
def project(tmp_path):
    home = os.path.realpath(str(tmp_path))
    root = os.path.join(home, "p")
    os.makedirs(os.path.join(root, ".git"))
    os.makedirs(os.path.join(root, "src"))
    with open(os.path.join(root, ".git", "HEAD"), "w") as handle:
        handle.write("ref: refs/heads/main\n")
    for name in ("a.py", "b.py"):
        with open(os.path.join(root, "src", name), "w") as handle:
            handle.write("x\n")
    return home, root


def run(project, command):
    home, root = project
    return analyze(command, root, home, ENV)


@pytest.mark.parametrize("command, effect", [
    ("git checkout -- .", "git.discard"),
    ("git add x && git reset --hard", "git.discard"),
    ("git tag -d v1", "git.delete_ref"),
    ("git filter-branch HEAD", "git.rewrite"),
    ("git push -f", "git.force_push"),
    ("git push origin :old", "git.delete_remote"),
    ("git commit --no-verify -m x", "hooks.skip"),
    ("npx prisma migrate reset", "db.wipe"),
    ("aws s3 rb s3://b --force", "data.delete"),
    ("pulumi up -y", "infra.apply"),
    ("cdk destroy", "infra.destroy"),
    ("kubectl scale deploy/x --replicas=0", "cluster.change"),
    ("fly deploy", "deploy"),
    ("gh repo delete a/b --yes", "remote.delete"),
    ("twine upload dist/*", "publish.package"),
    ("gh repo create a/b --public", "publish.public"),
    ("gh release create v1", "publish.release"),
    ("killall node", "kill.broad"),
    ("mkfs.ext4 /dev/sdb", "disk.format"),
    ("codex --full-auto 'x'", "agent.auto_approve"),
    ("unset HTTPS_PROXY", "proxy.bypass"),
    ("psql -c 'SELECT * FROM api_tokens'", "db.secret_read"),
])
def test_effects(project, command, effect):
    assert effect in run(project, command).effects


@pytest.mark.parametrize("command", [
    "git add reset --hard", "git commit -m 'git push --force'", "echo git reset --hard",
    "git push --dry-run -f", "npm publish --dry-run", "kill 123", "kill %1",
    "terraform plan", "psql -c 'SELECT 1'", "mkfs.ext4 disk.img",
])
def test_no_effects(project, command):
    assert not run(project, command).effects


def test_a_glob_delete_is_recorded_as_its_pattern(project):
    _home, root = project
    deletes = run(project, "rm -rf src/*").deletes
    assert deletes == {root + "/src/*": "many"}  # not src/a.py and src/b.py


def test_an_unmatched_glob_is_still_a_pattern(project):
    _home, root = project
    assert run(project, "rm -f *.db").deletes == {root + "/*.db": "many"}


def test_literal_targets_resolve_their_folders_not_themselves(project):
    home, root = project
    os.symlink(home, os.path.join(root, "link"))
    deletes = run(project, "rm link && rm -rf link/").deletes
    assert deletes == {root + "/link": "one", home: "many"}


def test_find_patterns(project):
    _home, root = project
    deletes = run(project, "find . -name '*.pyc' -delete; find src -maxdepth 1 -exec rm {} +")
    assert deletes.deletes == {root + "/**/*.pyc": "many", root + "/src/*": "many"}
    assert run(project, "find . -type d -empty -delete").deletes == {}


def test_modes(project):
    _home, root = project
    with open(os.path.join(root, "app.db"), "w") as handle:
        handle.write("x")
    deletes = run(project, "rm a.txt; rm -r src; shred b.key; : > app.db; truncate -s 0 c.log; "
                           "truncate -s 5M d.img").deletes
    assert deletes == {root + "/a.txt": "one", root + "/src": "many", root + "/b.key": "erase",
                       root + "/app.db": "erase", root + "/c.log": "erase"}


def test_run_time_targets(project):
    deletes = run(project, 'rm -rf "$NOPE"/*; ls | xargs rm -rf').deletes
    assert set(deletes) == {"\ue001/*", "\ue000"}


def test_git_clean_records_its_work_tree(project):
    home, root = project
    assert run(project, "git clean -fdx").deletes == {root: "clean"}
    assert run(project, "git --work-tree=.. clean -fd").deletes == {home: "clean"}
    assert run(project, "git clean -fdX").deletes == {}


@pytest.mark.parametrize("command", [
    "test -f ~/.ssh/id_rsa", "[ -e ~/.aws/credentials ]", "[[ -s .env ]]", "ls -la ~/.ssh",
    "stat ~/.kube/config", "grep -q KEY .env", "grep -c KEY .env",
])
def test_mentions_are_not_paths(project, command):
    assert not run(project, command).paths


@pytest.mark.parametrize("command", [
    "ls ~/.ssh | xargs cat", "cat $(grep -l KEY .env)", "grep KEY .env", "cat ~/.ssh/id_rsa",
])
def test_reads_are_paths(project, command):
    assert run(project, command).paths


def test_observers_load_only_for_their_programs():
    assert observer_for("rm") is not None and observer_for("python3.12") is not None
    assert observer_for("make") is None and observer_for("cat") is None


@pytest.mark.parametrize("argv, known", [
    (["ssh-agent", "-s"], True), (["pyenv", "init", "-"], True),
    (["/opt/homebrew/bin/brew", "shellenv"], True), (["kubectl", "completion", "bash"], True),
    (["direnv", "hook", "zsh"], True), (["pyenv", "exec", "python"], False),
    (["kubectl", "completion", "bash", "extra"], False), (["./bin/dev-env"], False),
    (["./pyenv", "init", "-"], False), (["/tmp/x/bin/pyenv", "init", "-"], False),
    (["tools/ssh-agent", "-s"], False),
    ([], False),
])
def test_setup_generators(argv, known):
    assert setup_generator(argv) is known


def test_well_known_setup_is_not_generated_code(project):
    analysis = run(project, 'eval "$(pyenv init -)"; source <(kubectl completion bash)')
    assert not analysis.pipes_to_shell and not analysis.reasons
    analysis = run(project, 'eval "$(./bin/env)"')
    assert analysis.pipes_to_shell
