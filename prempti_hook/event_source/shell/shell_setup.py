"""Well-known generated shell setup: `eval "$(ssh-agent -s)"`, `eval "$(pyenv init -)"`,
`source <(kubectl completion bash)`. Their output is shell setup (variables, functions,
completions) written by a tool the user installed; running it is routine, so the analysis
treats it as known (empty) instead of as code from a program's output. The list is short
and exact (program and arguments); any other generator, or the same one with other
arguments, still counts as unknown code.

    setup_generator(argv) -> bool
"""

from __future__ import annotations

_SHELLS = frozenset({"bash", "zsh", "sh", "fish", "ksh", "-"})

# program -> the argument lists it is known for (a `*` stands for a shell name)
_GENERATORS = {
    "ssh-agent": (("-s",), ("-c",), ()),
    "pyenv": (("init", "-"), ("init", "--path"), ("init", "-", "*"), ("virtualenv-init", "-"),
              ("init", "*")),
    "rbenv": (("init", "-"), ("init", "-", "*"), ("init", "*")),
    "nodenv": (("init", "-"), ("init", "-", "*")),
    "goenv": (("init", "-"), ("init", "-", "*")),
    "jenv": (("init", "-"), ("init", "-", "*")),
    "direnv": (("hook", "*"), ("export", "*")),
    "fnm": (("env",), ("env", "--use-on-cd"), ("env", "--shell", "*"),
            ("env", "--use-on-cd", "--shell", "*")),
    "mise": (("activate", "*"), ("activate",), ("env",)),
    "rtx": (("activate", "*"),),
    "brew": (("shellenv",), ("shellenv", "*")),
    "conda": (("shell.bash", "hook"), ("shell.zsh", "hook"), ("shell.fish", "hook")),
    "starship": (("init", "*"),),
    "zoxide": (("init", "*"),),
    "opam": (("env",),),
    "keychain": (("--eval",), ("--eval", "--quiet")),
    "dircolors": (("-b",), ()),
}
# `<tool> completion <shell>`: completions only.
_COMPLETIONS = frozenset({"kubectl", "helm", "gh", "glab", "docker", "npm", "pnpm", "poetry",
                          "rustup", "deno", "kind", "minikube", "k3d", "terraform", "flux",
                          "argocd", "stern", "uv", "pip", "pip3", "cargo", "bun", "podman",
                          "oc", "eksctl", "doctl", "flyctl", "fly", "supabase", "vercel"})


def _matches(known: tuple, args: list) -> bool:
    if len(known) != len(args):
        return False
    return all(k == a or (k == "*" and a in _SHELLS) for k, a in zip(known, args))


def _installed(program: str) -> bool:
    """Found on PATH (a bare name), or named by an absolute path in a `bin` folder that is
    not temp space (`/opt/homebrew/bin/brew`); not a file of the project (`./pyenv`)."""
    if "/" not in program:
        return True
    folder = program.rsplit("/", 1)[0]
    return program.startswith("/") and folder.endswith("/bin") and not folder.startswith(
        ("/tmp/", "/var/tmp/", "/dev/shm/", "/private/tmp/", "/run/user/"))


def setup_generator(argv: list) -> bool:
    """Whether `argv` is a well-known generator of shell setup (see the module docstring)."""
    if not argv or not _installed(argv[0]):
        return False
    base = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if base in _COMPLETIONS and len(args) in (1, 2) and args[0] == "completion" and (
            len(args) == 1 or args[1] in _SHELLS):
        return True
    return any(_matches(known, args) for known in _GENERATORS.get(base, ()))
