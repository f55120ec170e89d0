"""What a command destroys, publishes or kills: the vocabulary of effects and the record of
deletes, shared by the observers (`deletes`, `databases`, `infra`, `processes`) and `git`.

The shell analysis records *where* a command reads and writes (`tool.cmd.paths`); the
observers here record *what it does* that a path list cannot say: discarding uncommitted
work, dropping a database, force-pushing, publishing, killing processes by name. An
observer is called for its program next to the program's own handler (which keeps recording
paths and hosts); it only adds to `Analysis.effects` and `Analysis.deletes`.

Effects (`tool.effects`; docs/fields-destructive.md explains each):

    git.discard        uncommitted work is thrown away (checkout -- ., reset --hard, clean -f)
    git.delete_ref     local branches, tags or reflog entries are deleted (branch -D, tag -d)
    git.rewrite        history is rewritten (filter-branch, filter-repo, scripted rebase -i)
    git.force_push     a remote branch or tag is overwritten (push --force, +ref, --mirror)
    git.delete_remote  remote refs are deleted (push --delete, :ref, --prune, --mirror)
    hooks.skip         commit or push hooks are skipped (--no-verify, HUSKY=0, SKIP=...)
    db.wipe            database content is destroyed (reset, drop, flush, truncate, delete all)
    db.secret_read     a table named like secrets is read (api_keys, refresh_tokens...)
    data.delete        volumes, database instances, backups or buckets are deleted on a platform
    infra.apply        infrastructure is changed without review (apply -auto-approve, up --yes)
    infra.destroy      infrastructure is destroyed (terraform/pulumi/cdk destroy)
    cluster.change     a cluster is changed (kubectl apply/delete/scale, helm install/uninstall)
    deploy             an application is deployed (fly deploy, vercel --prod...)
    remote.delete      remote resources are deleted (gh repo delete, HTTP DELETE, cloud delete)
    publish.package    a package or image is published (npm publish, twine upload, docker push)
    publish.public     something is made public (gh repo create --public, public-read ACLs)
    publish.release    a release or gist is published (gh release create, gh gist create)
    kill.broad         processes are killed by name, pattern, port or all at once
    disk.format        a block device is formatted, wiped or repartitioned
    agent.auto_approve another agent is started with its approvals switched off
    proxy.bypass       requests are sent around the configured proxy (--noproxy '*', unset)

Deletes (`tool.deletes`, `tool.delete_places`): the target as the command names it, at the
level of its pattern (`rm -rf *` in `/p` is `/p/*`, whatever matches today), with the literal
folders resolved (symlinks, `..`) and the mode: "one" (one named file), "many" (recursive or
a glob), "erase" (overwritten or emptied in place) or "clean" (`git clean` of a work tree).
Patterns use the shell's glob syntax (`\\*` is a literal star); a run-time part is a marker.
"""

from __future__ import annotations

import os

from ...paths import resolve_expanded
from ..analysis import MARKERS, has_marker, name_set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call, State
    from ..evaluate import Evaluator

_GLOB = frozenset("*?[")
RECURSIVE_FLAGS = frozenset({"-r", "-R", "--recursive"})
DRY_RUN_FLAGS = frozenset({"--dry-run", "--dryrun", "--dry_run", "--what-if", "--whatif",
                           "--simulate", "--plan", "--preview"})


def effect(ev: Evaluator, name: str) -> None:
    ev.out.effects[name] = None


def has_pattern(text: str) -> bool:
    """A glob character or a run-time part (which can stand for anything)."""
    return any(c in _GLOB or c in MARKERS for c in text)


def delete(ev: Evaluator, word: str, st: State, mode: str) -> None:
    """Record that `word` (as the command received it, in `st`'s working directories) is
    deleted; a word that came from pathname expansion is recorded as its pattern."""
    if not word or word == "-":
        return
    pattern = ev.glob_sources.get(word, word)
    for cwd in st.cwds:
        target = delete_target(pattern, cwd, trailing_slash=word.endswith("/"))
        if target:
            previous = ev.out.deletes.get(target)
            if previous != "many":  # "many" says the most; keep it
                ev.out.deletes[target] = mode if previous is None or mode == "many" else previous


def delete_target(pattern: str, cwd: str, trailing_slash: bool = False) -> str:
    """The absolute form of a delete pattern: literal leading folders resolved (symlinks,
    `..`), the rest kept as written. rm removes a symlink named last, not its target, so a
    last literal component is not resolved (unless written with a trailing `/`)."""
    if pattern[:1] in MARKERS:
        return pattern  # starts with a run-time value, which may be any path: unknown
    if not pattern.startswith("/"):
        if has_marker(cwd):
            return cwd
        pattern = cwd.rstrip("/") + "/" + pattern
    parts = [p for p in pattern.split("/") if p]
    cut = next((k for k, part in enumerate(parts) if has_pattern(part)), len(parts))
    if cut == len(parts):
        if not parts:
            return "/"
        last = parts[-1]
        if trailing_slash or last in (".", ".."):
            return resolve_expanded("/" + "/".join(parts), "/")
        parent = resolve_expanded("/" + "/".join(parts[:-1]), "/") if len(parts) > 1 else "/"
        return parent.rstrip("/") + "/" + last
    base = resolve_expanded("/" + "/".join(parts[:cut]), "/") if cut else "/"
    return base.rstrip("/") + "/" + "/".join(parts[cut:])


def truncated(ev: Evaluator, outputs: list, st: State) -> None:
    """`: > FILE`, `> FILE`, `true > FILE`: an existing file is emptied."""
    for op, text in outputs:
        if op not in (">", ">|", "&>") or has_marker(text):
            continue
        for cwd in st.cwds:
            if has_marker(cwd):
                continue
            real = ev.resolve(text, cwd)
            if os.path.isfile(real):
                delete(ev, text, st, "erase")


_PROXY_VARS = name_set("HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy")
_NO_PROXY_VARS = name_set("NO_PROXY no_proxy")


def bypasses_proxy(name: str, value: str) -> bool:
    """`NO_PROXY='*'` or an emptied proxy variable: requests go around the proxy."""
    return (name in _NO_PROXY_VARS and value.strip() == "*") or (
        name in _PROXY_VARS and not value.strip())


def environment(ev: Evaluator, call: Call) -> None:
    """Variables set for one command (`NO_PROXY='*' npm install`)."""
    for name, values in call.env.items():
        if any(bypasses_proxy(name, value) for value in values):
            effect(ev, "proxy.bypass")


def decodes_escapes(argv: list) -> bool:
    """`printf '\\x72\\x6d...'`, `echo -e '\\0162...'`: output decoded from escapes, which a
    reader of the command cannot see (newlines and tabs are not encodings)."""
    if not argv:
        return False
    base = argv[0].rsplit("/", 1)[-1]
    if base not in ("printf", "echo"):
        return False
    for arg in argv[1:]:
        k = arg.find("\\")
        while k >= 0 and k + 1 < len(arg):
            if arg[k + 1] in "xuU0123456789":
                return True
            k = arg.find("\\", k + 2)
    return False


def dry_run(args: list, extra: frozenset = frozenset()) -> bool:
    """The command only shows what it would do."""
    return any(a in DRY_RUN_FLAGS or a in extra or a.startswith("--dry-run=")
               for a in args)


def flags(args: list) -> set[str]:
    """Short options as single letters (`-rf` -> r, f) and long options as given."""
    found: set[str] = set()
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            found.add(arg.partition("=")[0])
        elif len(arg) > 1 and arg[0] == "-" and arg[1] not in MARKERS:
            found.update("-" + c for c in arg[1:])
    return found


def operands(args: list, values: frozenset = frozenset()) -> list:
    """The words that are not options (options in `values` take the next word)."""
    out: list = []
    skip = False
    ended = False
    for arg in args:
        if skip:
            skip = False
            continue
        if ended or not arg.startswith("-") or arg == "-":
            out.append(arg)
        elif arg == "--":
            ended = True
        elif arg in values:
            skip = True
    return out


def observe_subcommand(call: Call, options_with_values: frozenset = frozenset()
                       ) -> tuple[list, list]:
    """(leading words that are not options, all arguments): `kubectl -n x delete pod y`
    gives (["delete", "pod", "y"], [...])."""
    args = call.argv[1:]
    return operands(args, options_with_values), args
