"""What a git subcommand destroys: uncommitted work (`git.discard`), refs and reflogs
(`git.delete_ref`), history (`git.rewrite`), remote branches (`git.force_push`,
`git.delete_remote`), and the hooks it skips (`hooks.skip`).

Words after the subcommand are its arguments: `git add reset --hard` adds files, `git commit
-m "rm -rf"` commits. Options are read per subcommand (`-n` is `--no-verify` for commit but
`--dry-run` for push and clean).
"""

from __future__ import annotations

import os

from ...paths import resolve_expanded
from ..analysis import COMPUTED, has_marker, name_set
from .common import getopt
from .destructive import delete, effect, flags

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

# Branches that others build on: a force push with a lease is routine on a feature branch,
# not on these.
PROTECTED_BRANCHES = frozenset({"main", "master", "trunk", "develop", "development", "dev",
                                "production", "prod", "release", "releases", "stable",
                                "staging", "live", "gh-pages", "default"})
_PROTECTED_PREFIXES = ("release/", "releases/", "release-", "prod/", "production/")

# Variables that switch off commit and push hooks (husky, pre-commit, lefthook, overcommit).
_HOOK_SWITCHES = {"HUSKY": ("0", "false"), "HUSKY_SKIP_HOOKS": None, "SKIP": None,
                  "LEFTHOOK": ("0", "false"), "OVERCOMMIT_DISABLE": None,
                  "PRE_COMMIT_ALLOW_NO_CONFIG": None}
_HOOKED = frozenset({"commit", "push", "merge", "rebase", "am", "cherry-pick", "revert",
                     "pull", "checkout", "switch"})


def git_value(call: Call, name: str) -> str:
    """A variable as git sees it: set for this command, or earlier in the command line."""
    values = call.env.get(name)
    if values is None:
        values = call.st.vars.get(name)
    return values[0] if values else ""


def _skips_hooks(ev: Evaluator, call: Call, sub: str, rest: list) -> bool:
    opts = flags(rest)
    if "--no-verify" in opts or (sub == "commit" and "-n" in opts):
        return True
    for name, off in _HOOK_SWITCHES.items():
        value = git_value(call, name)
        if value and (off is None or value.lower() in off):
            return True
    return False


def no_hooks_dir(path: str | None, call: Call) -> bool:
    """`core.hooksPath` pointing nowhere (`/dev/null`, an empty or missing folder)."""
    if path is None:
        return False
    if not path or path == "/dev/null" or has_marker(path):
        return True
    cwd = call.st.cwds[0]
    return has_marker(cwd) or not os.path.isdir(resolve_expanded(path, cwd))


def current_branch(cwd: str) -> str | None:
    """The branch checked out in the repository holding `cwd` (`.git/HEAD`), or None."""
    if has_marker(cwd):
        return None
    path = cwd
    for _ in range(32):
        head = os.path.join(path, ".git", "HEAD")
        try:
            with open(head, encoding="utf-8", errors="replace") as handle:
                text = handle.read(512).strip()
        except (OSError, ValueError):  # ValueError: a NUL in the working directory
            text = None
        if text is not None:
            return text[16:] if text.startswith("ref: refs/heads/") else None
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None


def is_protected(branch: str | None) -> bool:
    """An unknown branch counts as protected."""
    if not branch or has_marker(branch):
        return True
    name = branch
    for prefix in ("refs/heads/", "refs/tags/", "origin/", "upstream/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name in PROTECTED_BRANCHES or name.startswith(_PROTECTED_PREFIXES)


_PUSH_VALUES = name_set("-o --push-option --repo --receive-pack --exec --signed")


def _push(ev: Evaluator, call: Call, rest: list) -> None:
    opts, ops = getopt(rest, _PUSH_VALUES)
    names = {name for name, _value in opts}
    if names & {"-n", "--dry-run"}:
        return
    force = bool(names & {"-f", "--force"})
    lease = bool(names & {"--force-with-lease", "--force-if-includes"})
    if "--mirror" in names:
        effect(ev, "git.force_push")
        effect(ev, "git.delete_remote")
        return
    if names & {"--prune", "-d", "--delete"}:
        effect(ev, "git.delete_remote")
    refspecs = ops[1:]
    current = current_branch(call.st.cwds[0])
    if not refspecs:
        targets = ["--all"] if names & {"--all", "--branches", "--tags"} else [current or ""]
    else:
        targets = []
        for spec in refspecs:
            plus = spec.startswith("+")
            spec = spec.lstrip("+")
            src, colon, dst = spec.partition(":")
            if colon and not src:
                effect(ev, "git.delete_remote")  # `:main` deletes main
            if plus:
                effect(ev, "git.force_push")
            target = dst if colon else src
            targets.append(current or "" if target in ("HEAD", "@") else target)
    if force or (lease and any(t == "--all" or is_protected(t) for t in targets)):
        effect(ev, "git.force_push")


def _checkout(ev: Evaluator, call: Call, rest: list) -> None:
    opts, ops = getopt(rest, name_set("-b -B --orphan --conflict --pathspec-from-file"))
    names = {name for name, _value in opts}
    if names & {"-p", "--patch"}:
        return
    if names & {"-f", "--force", "--ours", "--theirs"} or "--" in rest:
        effect(ev, "git.discard")
        return
    if names & {"-b", "-B", "--orphan"}:
        return
    for op in ops:
        if op == "." or (not has_marker(op) and any(
                os.path.lexists(resolve_expanded(op, cwd)) for cwd in call.st.cwds
                if not has_marker(cwd))):
            effect(ev, "git.discard")
            return


def _clean(ev: Evaluator, call: Call, rest: list, work_tree: str) -> None:
    opts, _ops = getopt(rest, name_set("-e --exclude"))
    names = {name for name, _value in opts}
    if not names & {"-f", "--force"} or names & {"-n", "--dry-run", "-i", "--interactive"}:
        return
    if "-X" in names:
        return  # only what .gitignore ignores: build outputs
    effect(ev, "git.discard")
    delete(ev, work_tree or (call.st.cwds[0] if not has_marker(call.st.cwds[0]) else COMPUTED),
           call.st, "clean")


def _simple_discards(sub: str, rest: list, opts: set) -> bool:
    """Subcommands whose options alone say they throw work away."""
    words = [w for w in rest if not w.startswith("-")]
    if sub == "switch":
        return bool(opts & {"-f", "--force", "--discard-changes"})
    if sub == "restore":
        staged_only = bool(opts & {"-S", "--staged"}) and not opts & {"-W", "--worktree"}
        return not staged_only and not opts & {"-p", "--patch"} and bool(words or opts)
    if sub == "reset":
        return bool(opts & {"--hard", "--merge", "--keep"})
    if sub == "stash":
        return words[:1] in (["drop"], ["clear"])
    if sub == "rm":
        return "--cached" not in opts and bool(opts & {"-r", "-f", "--force"})
    if sub == "worktree":
        return words[:1] == ["remove"] and bool(opts & {"-f", "--force"})
    if sub == "read-tree":
        return "-u" in opts and "--reset" in opts
    if sub == "checkout-index":
        return bool(opts & {"-f", "--force"})
    if sub == "submodule":
        return words[:1] in (["deinit"], ["update"]) and bool(opts & {"-f", "--force"})
    return False


def _history(ev: Evaluator, call: Call, sub: str, rest: list, opts: set) -> None:
    words = [w for w in rest if not w.startswith("-")]
    if sub == "branch" and ("-D" in opts or (opts & {"-d", "--delete"}
                                             and opts & {"-f", "--force"})):
        effect(ev, "git.delete_ref")
    elif sub == "branch" and opts & {"-f", "--force"} and len(words) >= 2:
        effect(ev, "git.rewrite")  # moves an existing branch
    elif sub == "tag" and opts & {"-d", "--delete"}:
        effect(ev, "git.delete_ref")
    elif sub == "tag" and opts & {"-f", "--force"}:
        effect(ev, "git.rewrite")
    elif (sub == "update-ref" and "-d" in opts) or (
            sub == "reflog" and words[:1] in (["expire"], ["delete"])):
        effect(ev, "git.delete_ref")
    elif sub == "filter-branch" or (sub == "filter-repo" and not opts & {"--analyze", "--dry-run"}):
        effect(ev, "git.rewrite")
    elif sub == "rebase" and opts & {"-i", "--interactive"} and any(
            git_value(call, name) for name in ("GIT_SEQUENCE_EDITOR", "GIT_EDITOR")):
        effect(ev, "git.rewrite")  # a scripted interactive rebase: picks become drops


def git_effects(ev: Evaluator, call: Call, sub: str, rest: list, work_tree: str,
                config: dict) -> None:
    """Record what `git SUB REST...` destroys or skips; `config` holds the settings given
    for this run (`-c`, `--config-env`, `GIT_CONFIG_*`), keys lowercased."""
    opts = flags(rest)
    if sub in _HOOKED and (_skips_hooks(ev, call, sub, rest) or no_hooks_dir(
            config.get("core.hookspath"), call)):
        effect(ev, "hooks.skip")
    if sub == "rebase" and opts & {"-i", "--interactive"} and (
            config.keys() & {"sequence.editor", "core.editor"}):
        effect(ev, "git.rewrite")
    if sub == "push":
        _push(ev, call, rest)
    elif sub == "checkout":
        _checkout(ev, call, rest)
    elif sub == "clean":
        _clean(ev, call, rest, work_tree)
    elif _simple_discards(sub, rest, opts):
        effect(ev, "git.discard")
    else:
        _history(ev, call, sub, rest, opts)
