"""Observers of commands that switch off other safeguards or run code from startup files:
the proxy (`unset HTTPS_PROXY`,
`export NO_PROXY='*'`) and other agents' approvals (`gemini --yolo`, `copilot
--allow-all-tools`, `codex --dangerously-bypass-approvals-and-sandbox`). Skipping git hooks
is the git handler's (it sees `--no-verify`, `HUSKY=0`, `SKIP=`). Shells started with
`--rcfile`/`--init-file` run that file first (`BASH_ENV`/`ENV` are the evaluator's).
"""

from __future__ import annotations

from ..analysis import R_STARTUP_FILE, name_set
from .destructive import bypasses_proxy, effect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator

_PROXY_NAMES = name_set("HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy")


def _unset(ev: Evaluator, call: Call) -> None:
    if any(arg in _PROXY_NAMES for arg in call.argv[1:]):
        effect(ev, "proxy.bypass")


def _export(ev: Evaluator, call: Call) -> None:
    for arg in call.argv[1:]:
        name, eq, value = arg.partition("=")
        if eq and bypasses_proxy(name, value):
            effect(ev, "proxy.bypass")


# Each agent CLI's options that approve every tool call without asking.
_AUTO_APPROVE = {
    "gemini": ("--yolo", "-y", "--approval-mode=yolo"),
    "copilot": ("--allow-all-tools", "--allow-all", "--yolo"),
    "codex": ("--dangerously-bypass-approvals-and-sandbox", "--yolo", "--full-auto"),
}


def _agent(ev: Evaluator, call: Call) -> None:
    base = call.argv[0].rsplit("/", 1)[-1]
    args = call.argv[1:]
    approving = _AUTO_APPROVE[base]
    for k, arg in enumerate(args):
        value = args[k + 1] if k + 1 < len(args) else ""
        if arg in approving or (arg in ("--approval-mode", "-a", "--ask-for-approval")
                                and value in ("yolo", "never")) or arg in (
                "--ask-for-approval=never", "-a=never"):
            effect(ev, "agent.auto_approve")
            return


def _shell(ev: Evaluator, call: Call) -> None:
    """`bash --rcfile FILE`, `--init-file FILE`: the shell runs FILE first."""
    for k, arg in enumerate(call.argv[1:]):
        if arg in ("--rcfile", "--init-file") or arg.startswith(("--rcfile=", "--init-file=")):
            ev.reason(R_STARTUP_FILE)
            value = arg.partition("=")[2] or (call.argv[k + 2] if k + 2 < len(call.argv)
                                               else "")
            if value:
                ev.script_operand(value, call.but(call.argv, stdin=None), shell=True)
            return
        if arg in ("-c", "--") or not arg.startswith("-"):
            return


OBSERVERS: dict = {"unset": _unset, "export": _export, "gemini": _agent, "copilot": _agent,
                   "codex": _agent, "bash": _shell, "sh": _shell, "zsh": _shell,
                   "ksh": _shell, "dash": _shell}
