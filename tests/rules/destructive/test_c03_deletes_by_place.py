"""Class 3: deletes are judged by where the target is and whether it comes back, and by the
pattern the command names, not by what a glob matches on disk today.

deny: the project root or a folder above it, the home folder, the system, by any spelling.
ask: recursive or glob deletes of project content, data files, .git, and deletes outside
the project and temp space. allow: build outputs, caches, what .gitignore ignores, temp
space, one named project file."""

from __future__ import annotations

import pytest

IGNORE = [{"file": "{project}/.gitignore",
           "content": "node_modules/\n/out\n*.log\nreports/\n.env\n.env.*\n!.env.example\n"},
          {"file": "{project}/src/app.py", "content": "print(1)\n"},
          {"file": "{project}/docs/guide/index.md", "content": "# Guide\n"},
          {"dir": "{project}/node_modules/left-pad"},
          {"file": "{project}/app.db", "content": "SQLite format 3\n"},
          {"file": "{project}/app.log", "content": "started\n"}]

DENIES = [
    "rm -rf .",
    "rm -rf ./",
    "rm -rf {project}",
    "rm -rf ~/project",
    'rm -rf "$HOME/project/"',
    'rm -rf "$PWD"',
    "rm -rf ../project",
    "rm -rf src/../../project",
    "cd .. && rm -rf project",
    "cd .. && rm -rf *",
    "rm -rf *",
    "rm -rf ./* ./.[!.]*",
    "rm -rf -- *",
    "rm -rf ..",
    "rm -rf ../*",
    "rm -rf ~",
    "rm -rf ~/*",
    'rm -rf "$HOME"/*',
    "rm -rf {home}/proj*",
    "cd ~ && rm -rf *",
    "find . -delete",
    "find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +",
    "find ~ -maxdepth 1 -name 'proj*' -exec rm -rf {} +",
    "mkdir -p /tmp/empty-x && rsync -a --delete /tmp/empty-x/ ./",
    "git --work-tree=.. clean -fdx",
    'D=~; rm -rf "$D"/*',
    "rm -rf /",
    "rm -rf /usr/lib/python3",
]

ASKS = [
    "rm -rf src",
    "rm -rf docs/guide",
    "rm -rf src/*",
    "cd src && rm -rf *",
    "rm -f *.py",
    "rm -f data.db",
    "rm -f *.sqlite3",
    "rm dumps/2024-01.sql",
    "rm -rf backups/",
    "rm -rf data",
    "rm .env",
    "rm -f .env.production",
    "rm -rf .git",
    "find . -name '*.py' -delete",
    "find . -name '*.db' -exec rm {} +",
    ": > app.db",
    "truncate -s 0 prod.sqlite3",
    "shred -u .env.local",
    "rm -rf ~/Documents/invoices",
    "rm -rf /srv/www/site",
    "rm -rf /var/tmp",
]

ALLOWS = [
    "rm -rf node_modules",
    "rm -rf dist build target",
    "rm -rf build/*",
    "rm -rf __pycache__ .pytest_cache .mypy_cache",
    "rm -rf coverage .nyc_output",
    "rm -rf node_modules/.cache",
    "rm -rf out",
    "rm -rf reports/2024",
    "rm -f *.log",
    "rm -f npm-debug.log*",
    "find . -name '*.pyc' -delete",
    "find . -type d -name __pycache__ -prune -exec rm -rf {} +",
    "find src -type d -empty -delete",
    "rm src/app.py",
    "rm -rf package-lock.json",
    "rm -f .git/index.lock",
    "rm .env.example",
    "rm -rf /tmp/build-cache",
    "rm -rf /var/tmp/e2e-traces",
    "rm -rf /tmp/jest_*",
    "cd /tmp/scratch-41 && rm -rf ./*",
    "OUT=dist; rm -rf \"$OUT\"/*",
    "truncate -s 0 app.log",
    "rmdir src/empty",
    "git rm -r --cached node_modules",
]


@pytest.mark.parametrize("command", DENIES)
def test_wiping_the_project_home_or_system_is_denied(verdict, command):
    result = verdict(command, setup=IGNORE)
    assert result == "deny", (result.rules, result.places)


@pytest.mark.parametrize("command", ASKS)
def test_deleting_what_does_not_come_back_asks(verdict, command):
    result = verdict(command, setup=IGNORE)
    assert result == "ask", (result.rules, result.places)


@pytest.mark.parametrize("command", ALLOWS)
def test_deleting_what_comes_back_is_allowed(verdict, command):
    result = verdict(command, setup=IGNORE)
    assert result == "allow", (result.rules, result.places)


def test_a_glob_in_home_is_a_wipe_even_when_it_matches_one_folder(verdict):
    # Only the project folder exists in this home: `*` matches it alone today.
    result = verdict("cd ~ && rm -rf *", setup=IGNORE)
    assert result == "deny"
    assert "home" in result.places


def test_a_glob_is_judged_when_it_matches_nothing(verdict):
    assert verdict("rm -f *.db", setup=IGNORE) == "ask"


def test_a_symlink_into_home_is_followed(verdict):
    setup = [*IGNORE, {"dir": "{home}/Documents/taxes"},
             {"symlink": "{project}/scratch", "to": "{home}/Documents"}]
    result = verdict("rm -rf scratch/*", setup=setup)
    assert result == "ask" and "in_home" in result.places


def test_the_project_root_is_found_from_a_subfolder(verdict):
    result = verdict("rm -rf ../..", cwd="{project}/src/api",
                     setup=[*IGNORE, {"dir": "{project}/src/api"}])
    assert result == "deny" and "project_root" in result.places


def test_gitignore_is_read_for_what_it_ignores(verdict):
    setup = [*IGNORE, {"file": "{project}/.gitignore", "content": "generated/\n"}]
    assert verdict("rm -rf generated", setup=setup) == "allow"
    assert verdict("rm -rf handwritten", setup=setup) == "ask"


def test_data_wins_over_gitignore(verdict):
    assert verdict("rm -f .env.local", setup=IGNORE) == "ask"


@pytest.mark.parametrize("command", [
    "git -C ~ clean -fdx",
    "cd ~ && git clean -fdx",
    "git --work-tree=$HOME clean -ffd",
    "GIT_DIR=.git GIT_WORK_TREE=.. git clean -fdx",
])
def test_git_clean_outside_the_project_is_a_wipe(verdict, command):
    result = verdict(command, setup=IGNORE)
    assert result == "deny", (result.rules, result.places)


def test_git_clean_inside_the_project_discards_work(verdict):
    result = verdict("git -C src clean -fdx", setup=IGNORE)
    assert result == "ask" and "Ask before discarding uncommitted work" in result.rules


# Class: generated sites and other toolchains' compiler output are build folders too (Sphinx
# and Elixir's `_build`, Jekyll's `_site`, Dart's `.dart_tool`...), also when a recipe of a
# Makefile in a subfolder deletes them; the same names as data or source still ask.
GENERATED = [{"file": "{project}/handbook/Makefile",
              "content": "html:\n\tsphinx-build -b html . _build/html\n"
                         "clean:\n\trm -rf _build/*\n"},
             {"file": "{project}/site/Makefile",
              "content": "clean:\n\trm -rf _site .jekyll-cache\n"},
             {"file": "{project}/handbook/conf.py", "content": "project = 'x'\n"}]


@pytest.mark.parametrize("command", [
    "rm -rf _build",
    "rm -rf api/_build/dev",
    "rm -rf handbook/_build/*",
    "make -C handbook clean",
    "cd site && make clean",
    "rm -rf .dart_tool .stack-work zig-out",
    "find . -name .ipynb_checkpoints -type d -exec rm -rf {} +",
])
def test_generated_output_folders_are_build_outputs(verdict, command):
    result = verdict(command, setup=[*IGNORE, *GENERATED])
    assert result == "allow", (result.rules, result.places)


@pytest.mark.parametrize("command", [
    "rm -rf handbook",             # the sources of the generated site
    "rm -rf _build_notes",         # only the exact folder names are build output
    "rm -rf _site/../handbook",
])
def test_sources_next_to_generated_folders_still_ask(verdict, command):
    result = verdict(command, setup=[*IGNORE, *GENERATED])
    assert result == "ask", (result.rules, result.places)
