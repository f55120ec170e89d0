"""Observers of cloud, cluster, platform and publishing CLIs: what they change beyond this
machine. `terraform apply -auto-approve` is `infra.apply`, `kubectl delete` `cluster.change`,
`aws s3 rb` `data.delete`, `gh repo delete` `remote.delete`, `npm publish`
`publish.package`... (the vocabulary is in `destructive.py`). Dry runs, plans, previews,
diffs and reads record nothing.
"""

from __future__ import annotations

from ...words import alnum_words
from ..analysis import COMPUTED, name_set
from .destructive import dry_run, effect, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

# Words in a resource path or kind that name stored data (a volume, database, backup...):
# deleting one of those is `data.delete` rather than `remote.delete`.
_DATA_WORDS = frozenset({"sql", "db", "dbs", "database", "databases", "postgres", "postgresql",
                         "mysql", "redis", "mongodb", "spanner", "bigtable", "firestore",
                         "dynamodb", "rds", "volume", "volumes", "disk", "disks", "snapshot",
                         "snapshots", "backup", "backups", "bucket", "buckets", "storage",
                         "s3", "s3api", "cosmosdb", "pvc", "pv", "persistentvolumeclaim",
                         "persistentvolumeclaims", "persistentvolume", "persistentvolumes",
                         "table", "tables", "cluster", "clusters", "branches", "pg"})


def _delete_kind(words: list) -> str:
    """data.delete when the deleted thing is stored data, else remote.delete."""
    for word in words:
        if alnum_words(word) & _DATA_WORDS:
            return "data.delete"
    return "remote.delete"


def _words(call: Call, values: str = "") -> list:
    return operands(call.argv[1:], name_set(values))


# --- infrastructure as code --------------------------------------------------------------

def _terraform(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = [w for w in _words(call, "-chdir -var -var-file -target -out -state -backend-config "
                                      "-lock-timeout -parallelism -replace")
             if not w.startswith("-chdir")]
    if words[:1] == ["run-all"]:  # terragrunt
        words = words[1:]
    sub = words[0] if words else ""
    if "-help" in args or "--help" in args:
        return
    if sub == "apply":
        effect(ev, "infra.destroy" if "-destroy" in args else "infra.apply")
    elif sub == "destroy":
        effect(ev, "infra.destroy")
    elif sub == "state" and words[1:2] in (["rm"], ["push"], ["replace-provider"]):
        effect(ev, "infra.apply")
    elif sub == "workspace" and words[1:2] == ["delete"]:
        effect(ev, "infra.destroy")


def _pulumi(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-s --stack -C --cwd --config -c --target --parallel -p")
    sub = words[0] if words else ""
    if dry_run(call.argv[1:], frozenset({"--preview-only"})):
        return
    if sub in ("up", "update"):
        effect(ev, "infra.apply")
    elif sub == "destroy" or words[:2] == ["stack", "rm"]:
        effect(ev, "infra.destroy")


def _cdk(ev: Evaluator, call: Call) -> None:
    words = _words(call, "--profile -c --context --app -a --require-approval --output -o")
    sub = words[0] if words else ""
    if sub == "deploy":
        effect(ev, "infra.apply")
    elif sub == "destroy":
        effect(ev, "infra.destroy")


def _helm(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-n --namespace --kube-context --kubeconfig -f --values --set "
                         "--set-string --version --repo --timeout -o --output")
    sub = words[0] if words else ""
    if dry_run(call.argv[1:]) or any(a.startswith("--dry-run") for a in call.argv[1:]):
        return
    if sub in ("uninstall", "delete", "del", "un"):
        effect(ev, "infra.destroy")
    elif sub in ("install", "upgrade", "rollback"):
        effect(ev, "cluster.change")


_KUBECTL_CHANGES = frozenset({"apply", "create", "delete", "replace", "patch", "edit", "scale",
                              "drain", "cordon", "uncordon", "taint", "label", "annotate",
                              "set", "expose", "autoscale", "run"})
_KUBECTL_DESTROYS = frozenset({"namespace", "namespaces", "ns", "all", "node", "nodes", "crd",
                               "crds", "customresourcedefinition"})
_KUBECTL_DATA = frozenset({"pvc", "pv", "persistentvolumeclaim", "persistentvolumeclaims",
                           "persistentvolume", "persistentvolumes"})


def _kubectl(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if any(a.startswith("--dry-run") and a not in ("--dry-run=none",) for a in args):
        return
    words = _words(call, "-n --namespace --context --cluster --kubeconfig --user -f --filename "
                         "-l --selector -o --output --replicas --type -p --patch -c "
                         "--container --timeout --grace-period")
    sub = words[0] if words else ""
    if sub == "rollout" and words[1:2] in (["restart"], ["undo"], ["pause"], ["resume"]):
        effect(ev, "cluster.change")
    elif sub in _KUBECTL_CHANGES:
        effect(ev, "cluster.change")
        if sub == "delete":
            kinds = {k for w in words[1:] for k in w.lower().replace("/", ",").split(",")}
            if kinds & _KUBECTL_DATA:
                effect(ev, "data.delete")
            if kinds & _KUBECTL_DESTROYS or "--all" in args or "-A" in args:
                effect(ev, "infra.destroy")


# --- clouds --------------------------------------------------------------------------------

def _aws(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if dry_run(args, frozenset({"--dryrun"})):
        return
    words = _words(call, "--profile --region --output --query --endpoint-url --acl "
                         "--exclude --include --cli-input-json --storage-class")
    service = words[0] if words else ""
    action = words[1] if len(words) > 1 else ""
    if service == "s3":
        if action == "rb" or (action == "rm" and "--recursive" in args) or (
                action == "sync" and "--delete" in args):
            effect(ev, "data.delete")
        if any(a in ("public-read", "public-read-write") for a in args):
            effect(ev, "publish.public")
        return
    if action.startswith(("delete-", "terminate-", "remove-", "deregister-")):
        effect(ev, _delete_kind([service, action]))
    elif service == "cloudformation" and action in ("deploy", "update-stack", "create-stack"):
        effect(ev, "infra.apply")


def _gcloud(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = _words(call, "--project --region --zone --format --filter --account "
                         "--configuration --impersonate-service-account")
    if "delete" in words:
        effect(ev, _delete_kind(words[:words.index("delete")]))
    elif words[:2] == ["storage", "rm"]:
        effect(ev, "data.delete")
    elif "deploy" in words and not dry_run(args):
        effect(ev, "deploy")
    if any("allUsers" in a or "allAuthenticatedUsers" in a for a in args):
        effect(ev, "publish.public")


def _gsutil(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-o -h -u -p")
    if words[:1] in (["rb"], ["rm"]):
        effect(ev, "data.delete")
    if any("allUsers" in a or "AllUsers" in a for a in call.argv[1:]):
        effect(ev, "publish.public")


def _az(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-n --name -g --resource-group --subscription -o --output --query "
                         "--location -l")
    if "delete" in words or "purge" in words:
        verb = "delete" if "delete" in words else "purge"
        effect(ev, _delete_kind(words[:words.index(verb)]))
    elif "deploy" in words or words[-2:] == ["deployment", "source"]:
        effect(ev, "deploy")


def _doctl(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-t --access-token --context -o --output --format")
    for verb in ("delete", "rm", "destroy"):
        if verb in words:
            effect(ev, _delete_kind(words[:words.index(verb)]))
            return


# --- code forges -------------------------------------------------------------------------

def _http_method(args: list) -> str:
    for k, arg in enumerate(args):
        if arg in ("-X", "--method", "--request") and k + 1 < len(args):
            return args[k + 1].upper()
        for prefix in ("-X", "--method=", "--request="):
            if arg.startswith(prefix) and len(arg) > len(prefix):
                return arg[len(prefix):].upper()
    return ""


def _makes_public(args: list) -> bool:
    text = " ".join(args).replace(" ", "").lower()
    return any(p in text for p in ("private=false", '"private":false', "visibility=public",
                                   '"visibility":"public"'))


def _forge(ev: Evaluator, call: Call) -> None:
    """gh and glab."""
    args = call.argv[1:]
    words = _words(call, "-R --repo -d --description -t --title -n --notes -F --notes-file "
                         "-f --field --raw-field -H --header -X --method --jq -q --template "
                         "--visibility -b --body --target")
    noun, verb = ([*words, "", ""])[:2]
    if noun == "api":
        method = _http_method(args)
        if method == "DELETE":
            effect(ev, "remote.delete")
        elif method in ("PATCH", "PUT", "POST") and _makes_public(args):
            effect(ev, "publish.public")
        return
    if verb == "delete" and noun in ("repo", "release", "project"):
        effect(ev, "remote.delete")
    elif noun == "repo" and (
            (verb == "create" and "--public" in args)
            or (verb == "edit" and ("public" in args or "--visibility=public" in args))):
        effect(ev, "publish.public")
    elif noun == "release" and verb == "create":
        effect(ev, "publish.release")
    elif noun in ("gist", "snippet") and verb == "create":
        effect(ev, "publish.public" if "--public" in args or "-p" in args
               else "publish.release")


# --- containers --------------------------------------------------------------------------

def _docker(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = _words(call, "-f --file -p --project-name --context -H --host --env-file "
                         "--profile -t --tag --filter --format")
    if call.argv[0].rsplit("/", 1)[-1] == "docker-compose":
        words = ["compose", *words]
    sub = words[0] if words else ""
    if sub == "compose":
        words = words[1:]
        sub = words[0] if words else ""
        if sub in ("down", "rm") and ("-v" in args or "--volumes" in args):
            effect(ev, "data.delete")
        return
    if sub in ("container", "image", "volume", "system", "network") and len(words) > 1:
        group, sub, _rest = sub, words[1], words[2:]
    else:
        group, _rest = "", words[1:]
    if (group == "volume" and sub in ("rm", "remove", "prune")) or (
            group == "system" and sub == "prune" and "--volumes" in args):
        effect(ev, "data.delete")
    elif sub == "push" or (sub == "build" and "--push" in args) or (
            group == "" and words[:2] == ["buildx", "build"] and "--push" in args):
        effect(ev, "publish.package")
    elif sub in ("kill", "rm", "stop") and group in ("", "container") and any(
            COMPUTED in w for w in args):
        effect(ev, "kill.broad")  # `docker kill $(docker ps -q)`: every container


# --- platforms and deploys ---------------------------------------------------------------

def _pairs(words: list) -> set:
    return {(words[k], words[k + 1]) for k in range(len(words) - 1)} | {
        tuple(w.split(":", 1)) for w in words if ":" in w}


def _heroku(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-a --app -r --remote --confirm -e --env -s --size")
    sub = words[0] if words else ""
    if sub in ("pg:reset", "pg:killall") or (sub == "pg:backups:delete"):
        effect(ev, "db.wipe" if sub == "pg:reset" else "data.delete")
    elif sub in ("apps:destroy", "destroy", "addons:destroy", "addons:remove"):
        effect(ev, "data.delete" if sub.startswith("addons") else "remote.delete")
    elif sub == "run" and len(words) > 1:
        ev.command(call.but(words[1:], stdin=None))  # runs on the app's dyno


def _fly(ev: Evaluator, call: Call) -> None:
    words = _words(call, "-a --app -c --config -r --region --image -s --strategy")
    sub = words[0] if words else ""
    pairs = _pairs(words)
    if sub == "deploy":
        effect(ev, "deploy")
    elif {("volumes", "destroy"), ("volumes", "delete"), ("volume", "destroy"),
          ("postgres", "destroy"), ("pg", "destroy")} & pairs:
        effect(ev, "data.delete")
    elif {("apps", "destroy"), ("apps", "delete"), ("app", "destroy")} & pairs or sub == "destroy":
        effect(ev, "remote.delete")


def _deployer(deploy_words: tuple, prod_only: bool = False, delete_words: tuple = ()):
    """vercel, netlify, firebase, serverless, wrangler, railway: deploys and deletes."""
    def observe(ev: Evaluator, call: Call) -> None:
        args = call.argv[1:]
        words = [w for w in args if not w.startswith("-")]
        if dry_run(args):
            return
        if any(w in delete_words for w in words[:2]):
            effect(ev, _delete_kind(words))
        elif (any(w in deploy_words for w in words[:2]) or "--prod" in args) and (
                not prod_only or "--prod" in args or "--production" in args):
            effect(ev, "deploy")
    return observe


# --- publishing packages ---------------------------------------------------------------

def _publisher(verbs: tuple, dry: tuple = ()):
    def observe(ev: Evaluator, call: Call) -> None:
        args = call.argv[1:]
        words = [w for w in args if not w.startswith("-")]
        if dry_run(args, frozenset(dry)):
            return
        if (words[:1] and words[0] in verbs) or words[:2] in (["npm", "publish"],
                                                               ["nuget", "push"]):
            effect(ev, "publish.package")
        elif words[:1] == ["unpublish"]:
            effect(ev, "remote.delete")
    return observe


def _gradle(ev: Evaluator, call: Call) -> None:
    if any(a.startswith("publish") and not a.endswith("ToMavenLocal") for a in call.argv[1:]
           if not a.startswith("-")):
        effect(ev, "publish.package")


# --- HTTP clients ------------------------------------------------------------------------

def _http(ev: Evaluator, call: Call) -> None:
    """curl/wget/httpie: HTTP DELETE of a remote resource, or a PATCH making it public."""
    args = call.argv[1:]
    base = call.argv[0].rsplit("/", 1)[-1]
    method = _http_method(args)
    if base in ("http", "https", "xh") and args[:1] and args[0].isupper():
        method = args[0]
    urls = [a for a in args if "://" in a]
    if method == "DELETE" and urls:
        effect(ev, _delete_kind([u.partition("://")[2].partition("?")[0] for u in urls]))
    elif method in ("PATCH", "PUT", "POST") and _makes_public(args):
        effect(ev, "publish.public")
    for k, arg in enumerate(args):
        if (arg == "--noproxy" and k + 1 < len(args) and args[k + 1].strip() == "*") or \
                arg == "--noproxy=*" or arg == "--no-proxy":
            effect(ev, "proxy.bypass")


OBSERVERS: dict = {
    "terraform": _terraform, "tofu": _terraform, "terragrunt": _terraform, "pulumi": _pulumi,
    "cdk": _cdk, "cdktf": _cdk, "helm": _helm, "kubectl": _kubectl, "oc": _kubectl,
    "aws": _aws, "gcloud": _gcloud, "gsutil": _gsutil, "az": _az, "doctl": _doctl,
    "gh": _forge, "glab": _forge, "docker": _docker, "podman": _docker, "nerdctl": _docker,
    "docker-compose": _docker, "heroku": _heroku, "fly": _fly, "flyctl": _fly,
    "vercel": _deployer(("deploy",), prod_only=True, delete_words=("rm", "remove")),
    "netlify": _deployer(("deploy",), prod_only=True, delete_words=("sites:delete",)),
    "firebase": _deployer(("deploy",), delete_words=("firestore:delete", "database:remove",
                                                     "projects:delete", "hosting:disable")),
    "serverless": _deployer(("deploy",), delete_words=("remove",)),
    "sls": _deployer(("deploy",), delete_words=("remove",)),
    "wrangler": _deployer(("deploy", "publish"), delete_words=("delete",)),
    "railway": _deployer(("up", "deploy"), delete_words=("down", "delete")),
    "npm": _publisher(("publish",)), "pnpm": _publisher(("publish",)),
    "yarn": _publisher(("publish",)), "bun": _publisher(("publish",)),
    "cargo": _publisher(("publish",)), "twine": _publisher(("upload",)),
    "gem": _publisher(("push",)), "poetry": _publisher(("publish",)),
    "flit": _publisher(("publish",)), "hatch": _publisher(("publish",)),
    "uv": _publisher(("publish",)), "mvn": _publisher(("deploy",)),
    "gradle": _gradle, "gradlew": _gradle, "dotnet": _publisher(()),
    "nuget": _publisher(("push",)),
    "curl": _http, "wget": _http, "http": _http, "https": _http, "xh": _http,
}
