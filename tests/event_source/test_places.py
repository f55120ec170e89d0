"""places.py: where a delete or a write lands, judged by the pattern, with the project's
.gitignore read (bounded)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus import compare

from prempti_hook.event_source.places import MAX_IGNORE_BYTES, Places, project_root


@pytest.fixture
def base():
    """Not under /tmp: temp space is a place of its own here."""
    with compare.scratch_dir("places-") as tmp:
        yield Path(tmp)


@pytest.fixture
def layout(base):
    home = base / "home"
    project = home / "work" / "shop"
    (project / ".git").mkdir(parents=True)
    (project / "src" / "api").mkdir(parents=True)
    (project / ".gitignore").write_text("generated/\n/local.cfg\n*.tmp\n!keep.tmp\nsub/**/x\n")
    return str(home), str(project)


def places(layout, cwd=None, env=None):
    home, project = layout
    return Places(cwd or project, home, env or {})


def test_the_project_root_is_the_nearest_git_folder(layout):
    home, project = layout
    assert project_root(project + "/src/api", home) == project
    assert project_root(home + "/work", home) == home + "/work"  # no .git: the cwd


def test_the_project_root_is_not_searched_above_home(base):
    (base / ".git").mkdir()
    home = base / "h"
    (home / "p").mkdir(parents=True)
    assert project_root(str(home / "p"), str(home)) == str(home / "p")


@pytest.mark.parametrize("target, mode, expected", [
    ("{p}", "many", ["project_root"]),
    ("{p}/*", "many", ["project_root"]),
    ("{p}/**", "many", ["project_root"]),
    ("{h}/work", "many", ["above_project"]),
    ("{h}/work/*", "many", ["project_root"]),
    ("{h}/work/sh*", "many", ["project_root"]),
    ("{h}/w*", "many", ["above_project"]),
    ("{h}/*", "many", ["above_project", "home"]),
    ("{h}", "many", ["above_project", "home"]),
    ("/", "many", ["above_project", "home", "system"]),
    ("{h}/work/other*", "many", ["in_home"]),
    ("{p}/src", "many", ["project"]),
    ("{p}/src/*", "many", ["project"]),
    ("{p}/src/app.py", "one", ["project_file"]),
    ("{p}/**/*.py", "many", ["project"]),
    ("{p}/**/*.db", "many", ["project_data"]),
    ("{p}/data", "many", ["project_data"]),
    ("{p}/backups/2024-*", "many", ["project_data"]),
    ("{p}/.env.local", "one", ["project_data"]),
    ("{p}/.env.example", "one", ["project_file"]),
    ("{p}/.git", "many", ["project_git"]),
    ("{p}/.git/index.lock", "one", ["project_file"]),
    ("{p}/node_modules", "many", ["project_build"]),
    ("{p}/node_modules/x/data", "many", ["project_build"]),
    ("{p}/**/__pycache__", "many", ["project_build"]),
    ("{p}/generated", "many", ["project_ignored"]),
    ("{p}/local.cfg", "one", ["project_ignored"]),
    ("{p}/src/local.cfg", "many", ["project"]),
    ("{p}/a.tmp", "one", ["project_ignored"]),
    ("{p}/keep.tmp", "many", ["project"]),
    ("{p}/notes.txt", "erase", ["project_file"]),
    ("{p}/app.sqlite3", "erase", ["project_data"]),
    ("{p}", "clean", []),
    ("{h}", "clean", ["above_project", "home"]),
    ("/etc/nginx", "many", ["system"]),
    ("/srv/site", "many", ["other"]),
    ("\ue001/*", "many", ["unknown"]),
    ("\ue000", "many", ["unknown"]),
    ("\ue001/cache", "many", ["unknown_entry"]),
    ("{p}/build-\ue001", "many", ["project"]),
    ("{p}/dist/\ue001", "many", ["project_build"]),
    ("{p}/\ue000", "many", ["project"]),
])
def test_delete_places(layout, target, mode, expected):
    home, project = layout
    target = target.replace("{p}", project).replace("{h}", home)
    assert places(layout).of_delete(target, mode) == expected


def test_temp_space(layout, base):
    tmpdir = base / "tmpdir"
    tmpdir.mkdir()
    found = places(layout, env={"TMPDIR": str(tmpdir)})
    assert found.of_delete("/tmp/agent-x", "many") == ["temp"]
    assert found.of_delete("/tmp/jest_*", "many") == ["temp"]
    assert found.of_delete("/tmp/*", "many") == ["temp_root"]
    assert found.of_delete("/tmp", "many") == ["temp_root"]
    assert found.of_delete(str(tmpdir) + "/cache", "many") == ["temp"]
    assert found.of_write("/var/tmp/x.json") == "temp"
    assert found.of_write("/tmp") == "temp_root"
    assert found.of_write("/dev/shm/x") == "system"


@pytest.mark.parametrize("tmpdir", ["/", "{h}", "{p}", "{h}/work", "/usr"])
def test_a_tmpdir_that_is_not_scratch_space_is_ignored(layout, tmpdir):
    home, project = layout
    value = tmpdir.replace("{p}", project).replace("{h}", home)
    found = places(layout, env={"TMPDIR": value})
    assert value not in found.temp_roots


def test_writes(layout):
    home, project = layout
    found = places(layout, cwd=project + "/src/api")
    assert found.of_write(project + "/README.md") == "project"  # outside the cwd, in the project
    assert found.of_write(home + "/.bashrc") == "in_home"
    assert found.of_write(home) == "home"
    assert found.of_write(home + "/work") == "above_project"
    assert found.of_write("/usr/local/bin/x") == "system"
    assert found.of_write("/opt/tool/x") == "other"


def test_gitignore_reading_is_bounded(layout):
    _home, project = layout
    with open(os.path.join(project, ".gitignore"), "w") as handle:
        handle.write("#" * (MAX_IGNORE_BYTES + 10) + "\nlate/\n")
    assert places(layout).of_delete(project + "/late", "many") == ["project"]


def test_markers_agree_with_the_shell_analysis():
    from prempti_hook.event_source import places
    from prempti_hook.event_source.shell import analysis

    assert places.MARKERS == analysis.MARKERS


def test_write_places_markers_agree_with_the_shell_analysis():
    from prempti_hook.event_source import destructive_fields
    from prempti_hook.event_source.shell import analysis

    assert destructive_fields._ENTRY_MARKERS == analysis.UNSET + analysis.NUMBER
    assert destructive_fields._OUTPUT_MARKERS == analysis.COMPUTED + analysis.POSITIONAL
