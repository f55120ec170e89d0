"""Local files a command runs (`event_source.code.scripts`): reading them safely and within
bounds, and finding what `make`, `just`, `npm|pnpm|yarn|bun` and git would run."""

from __future__ import annotations

import os
import threading

import pytest
from shellhome import write

from prempti_hook.event_source.code.report import UNKNOWN
from prempti_hook.event_source.code.scripts import (
    MAX_FILES,
    MAX_SCRIPT,
    FileReader,
    git_hook_steps,
    just_steps,
    make_steps,
    module_path,
    package_steps,
    script_step,
)

# --- reading ---------------------------------------------------------------------------------

def test_a_fifo_is_never_opened(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    result: list = []
    reader = threading.Thread(target=lambda: result.append(FileReader().read(str(fifo))))
    reader.start()
    reader.join(5)
    assert not reader.is_alive() and result == [None]


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/dev/tty", "/proc/self/fd/0",
                                  "/proc/self/environ", "/proc/self/cmdline",
                                  "/sys/kernel/hostname"])
def test_devices_are_not_read(path):
    assert FileReader().read(path) is None


def test_a_symlink_to_a_device_is_not_read(tmp_path):
    link = tmp_path / "x.sh"
    link.symlink_to("/dev/zero")
    assert FileReader().read(str(link)) is None


def test_a_large_file_is_cut_and_says_so(tmp_path):
    path = write(tmp_path / "big.py", "x = 1\n" * (MAX_SCRIPT // 3))
    text, truncated = FileReader().read(path)
    assert len(text) == MAX_SCRIPT and truncated
    small = write(tmp_path / "small.py", "print(1)\n")
    assert FileReader().read(small) == ("print(1)\n", False)


def test_binaries_and_missing_files_give_nothing(tmp_path):
    binary = tmp_path / "tool"
    binary.write_bytes(b"\x7fELF\x00\x00\x01")
    assert FileReader().read(str(binary)) is None
    assert FileReader().read(str(tmp_path / "missing.sh")) is None
    assert FileReader().read("bad\x00path") is None


def test_a_call_reads_a_bounded_number_of_files(tmp_path):
    reader = FileReader()
    paths = [write(tmp_path / f"s{i}.sh", "echo hi\n") for i in range(MAX_FILES + 5)]
    found = [reader.read(p) for p in paths]
    assert sum(f is not None for f in found) == MAX_FILES and reader.limited


def test_script_language_from_shebang_then_name(tmp_path):
    reader = FileReader()
    assert script_step(reader, write(tmp_path / "run", "#!/usr/bin/env -S python3 -u\nx\n"),
                       ).language == "python"
    assert script_step(reader, write(tmp_path / "a.rb", "puts 1\n")).language == "ruby"
    assert script_step(reader, write(tmp_path / "notes", "hello\n")) is None
    assert script_step(reader, str(tmp_path / "notes"), "perl").language == "perl"


def test_python_m_finds_modules_of_the_working_directory(tmp_path):
    write(tmp_path / "tools" / "release.py", "x")
    write(tmp_path / "pkg" / "__main__.py", "x")
    assert module_path("tools.release", str(tmp_path)) == str(tmp_path / "tools" / "release.py")
    assert module_path("pkg", str(tmp_path)) == str(tmp_path / "pkg" / "__main__.py")
    assert module_path("http.server", str(tmp_path)) is None
    assert module_path("../etc", str(tmp_path)) is None


# --- make and just -----------------------------------------------------------------------------

MAKEFILE = """\
CURL := curl -fsSL
URL = https://get.example.dev/$(NAME).sh
NAME = tool
.PHONY: all test deps

all: test

deps:
\t@$(CURL) $(URL) | sh
\t-echo done $@

test: deps lint
\tpytest -q

lint:
\truff check . \\
\t  --fix
gen: $(shell cat list.txt)
\techo $$HOME
"""


def test_make_runs_the_target_and_its_prerequisites(tmp_path):
    write(tmp_path / "Makefile", MAKEFILE)
    steps = make_steps(FileReader(), ["test"], str(tmp_path))
    assert [s.text for s in steps] == ["curl -fsSL https://get.example.dev/tool.sh | sh",
                                       "echo done deps", "ruff check .    --fix", "pytest -q"]
    assert all(s.language == "shell" and s.cwd == str(tmp_path) for s in steps)


def test_make_default_goal_overrides_and_files(tmp_path):
    write(tmp_path / "Makefile", MAKEFILE)
    assert make_steps(FileReader(), [], str(tmp_path))[-1].text == "pytest -q"
    steps = make_steps(FileReader(), ["deps", "NAME=other"], str(tmp_path))
    assert steps[0].text == "curl -fsSL https://get.example.dev/other.sh | sh"
    write(tmp_path / "sub" / "build.mk", "x:\n\techo $(UNDEFINED_THING)\n")
    steps = make_steps(FileReader(), ["-C", "sub", "-f", "build.mk", "x"], str(tmp_path))
    assert [s.text for s in steps] == [f"echo {UNKNOWN}"]
    assert steps[0].cwd == str(tmp_path / "sub")


def test_make_dry_runs_run_nothing(tmp_path):
    write(tmp_path / "Makefile", MAKEFILE)
    for flag in ("-n", "--dry-run", "-nk", "--just-print", "-q"):
        assert make_steps(FileReader(), [flag, "test"], str(tmp_path)) == []


def test_make_shell_function_and_dollars(tmp_path):
    write(tmp_path / "Makefile", "V := $(shell curl -s https://x.example/v)\nv:\n\techo $(V)"
                                 " $$PATH\n")
    assert make_steps(FileReader(), ["v"], str(tmp_path))[0].text == (
        "echo $(curl -s https://x.example/v) $PATH")


def test_make_prerequisite_cycles_end(tmp_path):
    write(tmp_path / "Makefile", "a: b\n\techo a\nb: a\n\techo b\n")
    assert [s.text for s in make_steps(FileReader(), ["a"], str(tmp_path))] == ["echo b",
                                                                                "echo a"]


JUSTFILE = """\
set shell := ["bash", "-c"]
default: test

test: lint
    pytest -q {{args}}

lint:
    @ruff check .

bootstrap:
    #!/usr/bin/env python3
    import os
    os.system("curl -s https://x.example/b | sh")
"""


def test_just_recipes_and_shebang_recipes(tmp_path):
    write(tmp_path / "justfile", JUSTFILE)
    os.makedirs(tmp_path / "sub" / "dir")
    steps = just_steps(FileReader(), [], str(tmp_path / "sub" / "dir"))
    assert [s.text for s in steps] == ["ruff check .", f"pytest -q {UNKNOWN}"]
    boot = just_steps(FileReader(), ["bootstrap"], str(tmp_path))
    assert boot[0].language == "python" and "os.system" in boot[0].text
    assert just_steps(FileReader(), ["--list"], str(tmp_path)) == []


# --- package.json scripts ----------------------------------------------------------------------

PACKAGE = """{
  "name": "x",
  "scripts": {
    "preinstall": "node check.js",
    "postinstall": "patch-package",
    "prepare": "husky",
    "pretest": "eslint .",
    "test": "vitest run",
    "posttest": "echo ok",
    "build": "vite build",
    "prebuild": "rm -rf dist"
  }
}"""


@pytest.mark.parametrize("manager, args, names", [
    ("npm", ["test"], ["pretest", "test", "posttest"]),
    ("npm", ["t"], ["pretest", "test", "posttest"]),
    ("npm", ["run", "build"], ["prebuild", "build"]),
    ("npm", ["run-script", "build", "--", "--watch"], ["prebuild", "build"]),
    ("npm", ["install"], ["preinstall", "postinstall", "prepare"]),
    ("npm", ["ci"], ["preinstall", "postinstall", "prepare"]),
    ("npm", ["install", "lodash"], []),
    ("npm", ["install", "--ignore-scripts"], []),
    ("npm", ["exec", "foo"], []),
    ("yarn", [], ["preinstall", "postinstall", "prepare"]),
    ("yarn", ["build"], ["prebuild", "build"]),
    ("pnpm", ["run", "test"], ["pretest", "test", "posttest"]),
    ("bun", ["run", "build"], ["prebuild", "build"]),
    ("bun", ["install"], ["preinstall", "postinstall", "prepare"]),
])
def test_package_scripts(tmp_path, manager, args, names):
    write(tmp_path / "package.json", PACKAGE)
    steps = package_steps(FileReader(), manager, args, str(tmp_path / "src"))
    assert [s.origin.rsplit(".", 1)[-1] for s in steps] == names


def test_package_scripts_of_another_folder_and_broken_manifests(tmp_path):
    write(tmp_path / "web" / "package.json", PACKAGE)
    steps = package_steps(FileReader(), "npm", ["--prefix", "web", "test"], str(tmp_path))
    assert [s.text for s in steps] == ["eslint .", "vitest run", "echo ok"]
    write(tmp_path / "bad" / "package.json", "{not json")
    assert package_steps(FileReader(), "npm", ["test"], str(tmp_path / "bad")) == []


# --- git hooks ------------------------------------------------------------------------------------

def make_repo(root, config: str = "[core]\n\tbare = false\n") -> None:
    write(root / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(root / ".git" / "config", config)


def test_hooks_a_git_command_runs(tmp_path):
    make_repo(tmp_path)
    write(tmp_path / ".git" / "hooks" / "pre-commit", "#!/bin/sh\nmake lint\n", 0o755)
    write(tmp_path / ".git" / "hooks" / "commit-msg", "#!/usr/bin/env python3\nprint(1)\n",
          0o755)
    write(tmp_path / ".git" / "hooks" / "pre-push", "#!/bin/sh\nmake test\n", 0o755)
    write(tmp_path / ".git" / "hooks" / "post-commit", "#!/bin/sh\nnot executable\n", 0o644)
    steps = git_hook_steps(FileReader(), "commit", ["-m", "x"], str(tmp_path / "src"))
    assert [(os.path.basename(s.origin), s.language) for s in steps] == [
        ("pre-commit", "shell"), ("commit-msg", "python")]
    assert [os.path.basename(s.origin) for s in git_hook_steps(
        FileReader(), "commit", ["--no-verify"], str(tmp_path))] == []
    assert [os.path.basename(s.origin) for s in git_hook_steps(
        FileReader(), "push", [], str(tmp_path))] == ["pre-push"]
    assert git_hook_steps(FileReader(), "status", [], str(tmp_path)) == []


def test_hooks_path_from_config_and_command_line(tmp_path):
    make_repo(tmp_path, "[core]\n\thooksPath = .githooks\n")
    write(tmp_path / ".githooks" / "pre-commit", "#!/bin/sh\necho from-config\n", 0o755)
    write(tmp_path / "other" / "pre-commit", "#!/bin/sh\necho from-flag\n", 0o755)
    reader = FileReader()
    assert git_hook_steps(reader, "commit", [], str(tmp_path))[0].text.endswith(
        "from-config\n")
    assert git_hook_steps(FileReader(), "commit", [], str(tmp_path),
                          hooks_path="other")[0].text.endswith("from-flag\n")


def test_a_worktree_gitdir_file_is_followed(tmp_path):
    make_repo(tmp_path / "main")
    write(tmp_path / "main" / ".git" / "hooks" / "post-checkout", "#!/bin/sh\necho x\n", 0o755)
    write(tmp_path / "wt" / ".git", f"gitdir: {tmp_path / 'main' / '.git'}\n")
    steps = git_hook_steps(FileReader(), "checkout", ["main"], str(tmp_path / "wt"))
    assert [os.path.basename(s.origin) for s in steps] == ["post-checkout"]


def test_no_repository_no_hooks(tmp_path):
    assert git_hook_steps(FileReader(), "commit", [], str(tmp_path)) == []
