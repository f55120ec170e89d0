"""Credential helpers and stores: programs that print a stored secret without naming a
secret file (`gh auth token`, `aws configure get aws_secret_access_key`, `security
find-generic-password -w`, `pass show`, `docker-credential-desktop get`...), and the
programs that read a password on standard input (`docker login --password-stdin`).

A helper's output is recorded as a credential read of a kind (`gh_token`, `keychain`...)
with `Evaluator.credential`, which follows its text to where it goes (the terminal, a login,
another command's arguments); `tool.cmd.credential_reads` and `tool.cmd.credential_sinks`
report both. The evaluator calls `check` for every command named in
`programs.CREDENTIAL_PROGRAMS` (whatever family handles it otherwise), so this module loads
only when one of them runs.
"""

from __future__ import annotations

from ..analysis import name_set
from .common import getopt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


def _words(args: list) -> list[str]:
    """The arguments that are not options (subcommands, names)."""
    return [arg for arg in args if not arg.startswith("-")]


def _has(args: list, *flags: str) -> bool:
    """Whether any of `flags` is given (`-w`, `--show-token`, `--show-token=true`, or a
    short flag inside a bundle such as `-gw`)."""
    for arg in args:
        if arg in flags or arg.partition("=")[0] in flags:
            return True
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and any(
                len(flag) == 2 and flag[1] in arg[1:] for flag in flags):
            return True
    return False


_AWS_KEY_NAMES = ("aws_secret_access_key", "aws_access_key_id", "aws_session_token")
_AWS_TOKEN_CALLS = {
    "sts": {"get-session-token", "assume-role", "assume-role-with-saml",
            "assume-role-with-web-identity", "get-federation-token"},
    "ecr": {"get-login-password", "get-authorization-token"},
    "ecr-public": {"get-login-password", "get-authorization-token"},
    "codeartifact": {"get-authorization-token"},
    "secretsmanager": {"get-secret-value", "batch-get-secret-value"},
    "configure": {"export-credentials"},
}


def _aws(args: list) -> str | None:
    words = _words(args)
    if not words:
        return None
    service = words[0]
    if service == "configure" and len(words) >= 3 and words[1] == "get" and words[2].lower(
            ).endswith(_AWS_KEY_NAMES):
        return "aws_credentials"
    if any(word in _AWS_TOKEN_CALLS.get(service, ()) for word in words[1:3]):
        return {"ecr": "registry_password", "ecr-public": "registry_password",
                "codeartifact": "registry_password",
                "secretsmanager": "cloud_secret"}.get(service, "aws_credentials")
    if service == "ssm" and words[1:2] in (["get-parameter"], ["get-parameters"],
                                           ["get-parameters-by-path"]) and _has(
            args, "--with-decryption"):
        return "cloud_secret"
    return None


def _gcloud(args: list) -> str | None:
    words = _words(args)
    if any(word in ("print-access-token", "print-identity-token", "print-refresh-token")
           for word in words):
        return "gcloud_token"
    if words[:2] == ["config", "config-helper"]:
        return "gcloud_token"
    if words[:3] == ["secrets", "versions", "access"]:
        return "cloud_secret"
    return None


def _az(args: list) -> str | None:
    words = _words(args)
    if words[:2] == ["account", "get-access-token"]:
        return "azure_token"
    if words[:3] == ["keyvault", "secret", "show"] or words[:3] == ["keyvault", "secret",
                                                                     "download"]:
        return "cloud_secret"
    return None


def _gh(args: list) -> str | None:
    words = _words(args)
    if words[:2] == ["auth", "token"]:
        return "gh_token"
    if words[:1] == ["auth"] and _has(args, "-t", "--show-token"):
        return "gh_token"
    return None


def _glab(args: list) -> str | None:
    words = _words(args)
    if words[:1] == ["auth"] and _has(args, "-t", "--show-token"):
        return "gitlab_token"
    if words[:2] == ["config", "get"] and words[2:3] == ["token"]:
        return "gitlab_token"
    return None


def _kubectl(args: list) -> str | None:
    words = _words(args)
    if words[:2] == ["config", "view"] and _has(args, "--raw", "--flatten"):
        return "kubeconfig"
    if words[:2] == ["create", "token"]:
        return "k8s_token"
    if words[:1] == ["whoami"] and _has(args, "-t", "--show-token"):
        return "k8s_token"
    if words[:1] == ["get"] and any(w in ("secret", "secrets") or w.startswith(
            ("secret/", "secrets/")) for w in words[1:3]):
        opts, _ops = getopt(args, name_set("-o --output -n --namespace -l --selector"))
        output = next((value for name, value in opts if name in ("-o", "--output")), None)
        if output and output not in ("name", "wide"):
            return "k8s_secret"  # yaml, json, jsonpath, go-template: the values
    return None


def _security(args: list) -> str | None:
    words = _words(args)
    if not words:
        return None
    if words[0] in ("find-generic-password", "find-internet-password") and _has(
            args, "-w", "-g"):
        return "keychain"
    if words[0] == "dump-keychain":
        return "keychain"
    return None


_PASS_COMMANDS = name_set("init ls list find search insert add edit generate gen rm remove "
                          "delete mv rename cp copy git help version")


def _pass(args: list) -> str | None:
    if _has(args, "-c", "--clip", "-q", "--qrcode"):
        return None  # copied to the clipboard or shown as a QR code, not printed
    words = _words(args)
    if not words:
        return None  # `pass` alone lists the entry names
    if words[0] in ("show", "cat", "otp", "grep") or words[0] not in _PASS_COMMANDS:
        return "password_store"
    return None


def _op(args: list) -> str | None:
    words = _words(args)
    if words[:1] in (["read"], ["inject"]) or words[:2] == ["document", "get"]:
        return "password_manager"
    if words[:2] == ["item", "get"] and _has(args, "--reveal", "--fields", "--otp"):
        return "password_manager"
    return None


def _bw(args: list) -> str | None:
    words = _words(args)
    if words[:1] == ["get"] and words[1:2] in (["password"], ["item"], ["totp"], ["notes"],
                                                ["exposed"], ["attachment"]):
        return "password_manager"
    return None


def _lpass(args: list) -> str | None:
    words = _words(args)
    if words[:1] == ["show"] and not _has(args, "-c", "--clip", "--username", "--url",
                                          "--name", "--id"):
        return "password_manager"
    return None


def _keepass(args: list) -> str | None:
    words = _words(args)
    if words[:1] == ["show"] or words[:1] == ["export"]:
        return "password_manager"
    return None


def _vault(args: list) -> str | None:
    words = _words(args)
    if words[:2] in (["kv", "get"], ["print", "token"], ["token", "create"]) or words[:1] == [
            "read"]:
        return "vault_secret"
    return None


def _npm_config(args: list) -> str | None:
    words = _words(args)
    if words[:2] in (["config", "get"], ["get"]) or words[:1] == ["get"]:
        keys = words[2:] if words[0] == "config" else words[1:]
        if any(word in key.lower() for key in keys for word in ("_auth", "authtoken",
                                                                "_password", "token")):
            return "registry_token"
    return None


def _heroku(args: list) -> str | None:
    return "heroku_token" if _words(args)[:1] in (["auth:token"],) else None


def _helper_get(args: list) -> str | None:
    """`docker-credential-X get`, `git-credential-X get`: a credential helper's protocol."""
    return "registry_password" if _words(args)[:1] == ["get"] else None


def _git_helper_get(args: list) -> str | None:
    return "git_credential" if _words(args)[:1] == ["get"] else None


def _sops(args: list) -> str | None:
    words = _words(args)
    decrypts = _has(args, "-d", "--decrypt") or words[:1] == ["decrypt"]
    if decrypts and not _has(args, "-i", "--in-place", "--output"):
        return "decrypted_secrets"
    return None


def _ansible_vault(args: list) -> str | None:
    words = _words(args)
    if words[:1] == ["view"] or (words[:1] == ["decrypt"] and any(
            arg in ("--output=-", "--output=/dev/stdout") for arg in args)):
        return "decrypted_secrets"
    return None


def _gpg(args: list) -> str | None:
    if _has(args, "--export-secret-keys", "--export-secret-subkeys"):
        return "private_key"
    return None


def _ps(args: list) -> str | None:
    """`ps eww`, `ps auxe`: BSD-style `e` shows every process's environment."""
    for arg in args:
        if arg and not arg.startswith("-") and arg.isalpha() and "e" in arg and all(
                c in "aeuxwfjlrvSTcmhLnsZ" for c in arg):
            return "process_environ"
    return None


def _secret_tool(args: list) -> str | None:
    return "secret_service" if _words(args)[:1] in (["lookup"], ["search"]) else None


def _keyring(args: list) -> str | None:
    return "keychain" if _words(args)[:1] == ["get"] else None


def _kwallet(args: list) -> str | None:
    return "keychain" if _has(args, "-r", "--read-password") else None


_KINDS = {
    "aws": _aws, "gcloud": _gcloud, "az": _az, "gh": _gh, "glab": _glab, "kubectl": _kubectl,
    "oc": _kubectl, "security": _security, "pass": _pass, "gopass": _pass, "op": _op,
    "bw": _bw, "lpass": _lpass, "keepassxc-cli": _keepass, "vault": _vault,
    "npm": _npm_config, "pnpm": _npm_config, "yarn": _npm_config, "heroku": _heroku,
    "sops": _sops, "ansible-vault": _ansible_vault, "gpg": _gpg, "gpg2": _gpg, "ps": _ps,
    "secret-tool": _secret_tool, "keyring": _keyring, "kwallet-query": _kwallet,
}
_DOCKER_HELPERS = name_set("desktop osxkeychain pass secretservice wincred ecr-login gcloud "
                           "gcr acr-env helper")
_GIT_HELPERS = name_set("store cache manager manager-core osxkeychain libsecret wincred "
                        "gnome-keyring netrc oauth")
for _name in _DOCKER_HELPERS:
    _KINDS["docker-credential-" + _name] = _helper_get
for _name in _GIT_HELPERS:
    _KINDS["git-credential-" + _name] = _git_helper_get


def credential_kind(program: str, args: list) -> str | None:
    """The kind of stored credential `program args...` prints, or None."""
    reader = _KINDS.get(program)
    return reader(args) if reader is not None else None


def git_credential(args: list) -> str | None:
    """`git credential fill|get`, `git credential-store get`... (args after `git`)."""
    words = _words(args)
    if words[:2] in (["credential", "fill"], ["credential", "get"]):
        return "git_credential"
    if words[:1] and words[0].startswith("credential-") and words[1:2] == ["get"]:
        return "git_credential"
    return None


# Where each kind of credential is meant to be sent: a host that is one of these domains or
# under one (`gh_token` to api.github.com).
_ISSUERS = {
    "gh_token": ("github.com", "githubusercontent.com", "ghcr.io"),
    "git_credential": ("github.com", "gitlab.com", "bitbucket.org", "dev.azure.com"),
    "gitlab_token": ("gitlab.com",),
    "gcloud_token": ("googleapis.com", "google.com", "gcr.io", "pkg.dev"),
    "azure_token": ("azure.com", "azure.net", "microsoft.com", "windows.net",
                    "microsoftonline.com", "azurecr.io"),
    "aws_credentials": ("amazonaws.com", "aws.amazon.com"),
    "registry_password": ("amazonaws.com", "docker.io", "docker.com", "ghcr.io", "gcr.io",
                          "pkg.dev", "azurecr.io", "quay.io"),
    "registry_token": ("npmjs.org", "npmjs.com", "yarnpkg.com"),
    "heroku_token": ("heroku.com",),
}


def issued_by(kind: str, host: str) -> bool:
    """Whether `host` belongs to the service that issued a credential of `kind`."""
    return any(host == domain or host.endswith("." + domain)
               for domain in _ISSUERS.get(kind, ()))


# Programs that read a password or token on standard input when given these options.
_STDIN_LOGINS = {
    "docker": ("--password-stdin",), "podman": ("--password-stdin",),
    "nerdctl": ("--password-stdin",), "buildah": ("--password-stdin",),
    "skopeo": ("--password-stdin",), "helm": ("--password-stdin",),
    "oras": ("--password-stdin",), "crane": ("--password-stdin",),
    "gh": ("--with-token",), "glab": ("--stdin",), "cosign": ("--password-stdin",),
}


def reads_password_on_stdin(program: str, args: list) -> bool:
    """`docker login --password-stdin`, `gh auth login --with-token`, `vault login -`..."""
    flags = _STDIN_LOGINS.get(program)
    if flags is not None and any(arg in flags for arg in args):
        return True
    return program == "vault" and _words(args)[:1] == ["login"] and "-" in args


def check(ev: Evaluator, call: Call) -> None:
    """Record what a command of one of `PROGRAMS` does with stored credentials (called
    for every such command, whatever family handles it otherwise)."""
    base = call.argv[0].rstrip("/").rsplit("/", 1)[-1]
    args = call.argv[1:]
    kind = git_credential(args) if base == "git" else credential_kind(base, args)
    if kind is not None:
        ev.credential(kind)
    if reads_password_on_stdin(base, args):
        ev.login_consumer()
