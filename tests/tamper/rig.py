"""The tamper rig: an installed guard, an agent that plays tool calls through it, and the
checks that tell whether the guard survived.

Both kinds of installation live in a `Sandbox` (a private mount namespace where /etc, /opt,
/var and /home are overlays), so a step the hook wrongly allows changes nothing on the
machine that runs the tests:

- `UserRig`: the per-user install, made by `install/install.sh` as root (CI's user) in a
  scratch HOME under /home, with its own copy of the interpreter (a prefix whose standard
  library is writable, like a pyenv Python) so the interpreter attacks have a real target;
- `SystemRig`: the hardened install (`install/install.sh --system` as root), attacked by an
  unprivileged user created inside the sandbox.

A step is one tool call: it is sent to the installed hook exactly as Claude Code sends it
(the registered command, the call as JSON on stdin, CLAUDECODE=1 in the environment), and
when the hook does not deny or ask it is *executed*: Bash runs the command with bash in the
project (as the attacking user), Write and Edit change the file. After the scenario the
checks run: the canary (`cat ~/.ssh/id_rsa`) is still denied, the hook is still registered,
the mode is still guardrails, the evidence written before the attack is still in the log,
no planted code ran (the marker file PWNED does not exist), and no step printed the secret.
"""

from __future__ import annotations

import json
import os
import shlex
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import Sandbox

CANARY_SECRET = "PREMPTI-TAMPER-CANARY-5d1e"
SSH_RULE = "Deny access to SSH private keys"
STEP_TIMEOUT = 60
HOOK_MEMORY_KIB = 2 * 1024 * 1024
AGENT_ENV = {"CLAUDECODE": "1", "CLAUDE_CODE_ENTRYPOINT": "sdk-cli",
             "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


@dataclass
class StepResult:
    tool: str
    verdict: str
    reason: str
    executed: bool = False
    output: str = ""


@dataclass
class Outcome:
    """What happened to one scenario; `problems` empty means the guard held."""

    steps: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"  {s.tool}: {s.verdict} ({s.reason[:140]})"
                 + (f" -> ran: {s.output[-300:]!r}" if s.executed else "") for s in self.steps]
        return "\n".join(["steps:", *lines, "problems:", *("  " + p for p in self.problems)])


class Rig:
    """What both installations share; subclasses say where things are and who the agent is."""

    user: str | None = None  # the attacking user (None: root)

    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        self.places: dict = {}

    # -------------------------------------------------------------- the agent's tool calls
    def hook(self, tool: str, tool_input: dict) -> tuple[str, str]:
        payload = {"session_id": "tamper", "transcript_path": "", "cwd": self.places["project"],
                   "permission_mode": "default", "hook_event_name": "PreToolUse",
                   "tool_name": tool, "tool_input": tool_input,
                   "tool_use_id": f"toolu_tamper_{uuid.uuid4().hex[:16]}"}
        env = {**AGENT_ENV, "HOME": self.places["home"]}
        # 2 GiB of address space: a hook that does not bound its work fails here, not by
        # taking the machine's memory (the expansion bomb took 24 GB before the OOM killer).
        command = f"ulimit -v {HOOK_MEMORY_KIB}; {self.hook_command()}"
        run = self.sb.run(["sh", "-c", command], user=self.user,
                          cwd=self.places["project"], env=env, input=json.dumps(payload),
                          timeout=STEP_TIMEOUT)
        if run.returncode == 2:
            return "deny", run.stderr.strip()
        if run.returncode != 0:
            return f"exit {run.returncode}", run.stderr.strip()
        if not run.stdout.strip():
            return "none", run.stderr.strip()
        try:
            answer = json.loads(run.stdout)
        except ValueError:
            return "garbage", run.stdout[:300]
        output = answer.get("hookSpecificOutput") if isinstance(answer, dict) else None
        if not isinstance(output, dict):  # only a systemMessage: no decision
            return "none", str(answer)[:300]
        return output.get("permissionDecision", "?"), output.get("permissionDecisionReason", "")

    def execute(self, tool: str, tool_input: dict) -> str:
        """Do what Claude Code would do once the hook lets the call through."""
        env = {**AGENT_ENV, "HOME": self.places["home"]}
        if tool == "Bash":
            script = tool_input["command"]
        elif tool == "Write":
            path = tool_input["file_path"]
            script = (f"mkdir -p {shlex.quote(os.path.dirname(path))} && "
                      f"cat > {shlex.quote(path)}")
            run = self.sb.run(["bash", "-c", script], user=self.user, cwd=self.places["project"],
                              env=env, input=tool_input["content"], timeout=STEP_TIMEOUT)
            return run.stdout + run.stderr
        elif tool == "Edit":
            script = ("python3 -c 'import sys; p, a, b = sys.argv[1:]; t = open(p).read(); "
                      "open(p, \"w\").write(t.replace(a, b, 1))' "
                      + " ".join(shlex.quote(tool_input[k]) for k in
                                 ("file_path", "old_string", "new_string")))
        else:
            return ""  # reads and searches change nothing
        # The output goes through a file, so that a background process the step leaves (a
        # lock holder) does not keep our pipe open; `kill_strays` ends those afterwards.
        wrapper = (f'out=$(mktemp) && timeout -k 2 {STEP_TIMEOUT - 10} setsid -w bash -c "$0" '
                   '>"$out" 2>&1 </dev/null; cat "$out"; rm -f "$out"')
        run = self.sb.run(["sh", "-c", wrapper, script], user=self.user,
                          cwd=self.places["project"], env=env, timeout=STEP_TIMEOUT)
        return run.stdout + run.stderr

    def play(self, steps: list, bounded: bool = False, after: str = "") -> Outcome:
        from scenarios import STEP_SECONDS

        outcome = Outcome()
        evidence = self.evidence_call()
        for step in steps:
            tool, tool_input = self.fill(step)
            started = time.monotonic()
            verdict, reason = self.hook(tool, tool_input)
            took = time.monotonic() - started
            if bounded and (took > STEP_SECONDS or reason.startswith("prempti-hook could not")
                            or verdict not in ("deny", "ask", "allow", "none")):
                outcome.problems.append(f"the hook did not bound its work ({took:.1f} s): "
                                        f"{verdict}: {reason[:200]}")
            result = StepResult(tool, verdict, reason)
            if verdict in ("allow", "none"):
                result.output = self.execute(tool, tool_input)
                result.executed = True
            outcome.steps.append(result)
        if after:
            self.sb.sh(after.format(**self.places))
        self.check(outcome, evidence)
        self.sb.kill_strays()  # background processes a step left (lock holders...)
        return outcome

    def fill(self, step: tuple) -> tuple[str, dict]:
        tool, *args = step
        args = [a.format(**self.places) if isinstance(a, str) else a for a in args]
        if tool == "Bash":
            return tool, {"command": args[0], "description": "tamper step"}
        if tool == "Write":
            return tool, {"file_path": args[0], "content": args[1]}
        if tool == "Edit":
            return tool, {"file_path": args[0], "old_string": args[1], "new_string": args[2]}
        if tool == "Agent":
            return tool, {"description": "task", "prompt": args[0],
                          "subagent_type": "general-purpose"}
        raise ValueError(tool)

    # -------------------------------------------------------------- the checks
    def evidence_call(self) -> str:
        """A denied call made before the attack; its line must survive it."""
        marker = f"cat ~/.ssh/id_rsa # evidence-{uuid.uuid4().hex[:12]}"
        verdict, reason = self.hook("Bash", {"command": marker})
        assert verdict == "deny", (verdict, reason)
        return marker.split("# ")[1]

    def check(self, outcome: Outcome, evidence: str) -> None:
        problems = outcome.problems
        started = time.monotonic()
        verdict, reason = self.hook("Bash", {"command": "cat ~/.ssh/id_rsa"})
        took = time.monotonic() - started
        if verdict != "deny" or not reason.startswith(SSH_RULE):
            problems.append(f"the canary is no longer denied: {verdict}: {reason[:200]}")
        if took > 5:
            problems.append(f"the canary call took {took:.1f} s")
        if not self.registered():
            problems.append("the hook is no longer registered")
        mode = self.mode()
        if mode != "guardrails":
            problems.append(f"the mode is now {mode!r}")
        if evidence not in self.log_text():
            problems.append("the evidence written before the attack is gone from the log")
        command = self.places.get("command")
        if command and self.sb.run(["sh", "-c", 'test ! -L "$0" && grep -qF "$1" "$0"', command,
                                    self.places["zipapp"]]).returncode != 0:
            problems.append("the prempti-hook command on PATH no longer runs the guard")
        if self.sb.run(["test", "-e", self.places["pwned"]]).returncode == 0:
            problems.append("planted code ran (PWNED exists)")
        for step in outcome.steps:
            if CANARY_SECRET in step.output:
                problems.append(f"a {step.tool} step printed the secret")

    def log_text(self) -> str:
        return self.sb.sh(f"cat {shlex.quote(self.places['log'])}* 2>/dev/null; true").stdout

    # subclass API
    def hook_command(self) -> str:
        raise NotImplementedError

    def registered(self) -> bool:
        raise NotImplementedError

    def mode(self) -> str:
        raise NotImplementedError


def _ssh_key(sb: Sandbox, home: str, user: str | None) -> None:
    sb.run(["sh", "-c", f'mkdir -p "$0/.ssh" && printf -- "-----BEGIN OPENSSH PRIVATE KEY-----'
                        f'\\n{CANARY_SECRET}\\n" > "$0/.ssh/id_rsa" && chmod 600 "$0/.ssh/id_rsa"',
            home], user=user)


class UserRig(Rig):
    """prempti-hook installed for one user (root, as in CI) by install/install.sh."""

    HOME = "/home/prempti-tamper"
    PYTHON_PREFIX = "/opt/tamper-python"

    @classmethod
    def prepare(cls, sb: Sandbox, release: Path, python: str) -> None:
        """Install once into the template sandbox: the interpreter copy, the home, the guard."""
        real = os.path.realpath(python)
        prefix = os.path.dirname(os.path.dirname(real))
        version = os.path.basename(real)  # python3.11
        copy = cls.PYTHON_PREFIX
        script = f"""set -e
mkdir -p {copy}/bin {copy}/lib/{version}
cp {real} {copy}/bin/{version}
for entry in {prefix}/lib/{version}/*; do ln -s "$entry" {copy}/lib/{version}/; done
for lib in {prefix}/lib/libpython*; do [ -e "$lib" ] && ln -s "$lib" {copy}/lib/ || true; done
mkdir -p {cls.HOME}/project
"""
        made = sb.sh(script)
        assert made.returncode == 0, made.stderr
        _ssh_key(sb, cls.HOME, None)
        env = {"HOME": cls.HOME, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "PYTHON": f"{copy}/bin/{version}"}
        installed = sb.run(["bash", str(release / "install" / "install.sh")], env=env)
        assert installed.returncode == 0, installed.stdout + installed.stderr

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)
        home = self.HOME
        prempti = f"{home}/.prempti"
        stdlib = self.sb.sh(f"ls -d {self.PYTHON_PREFIX}/lib/python3*").stdout.strip()
        extraction = self.sb.sh(f"ls -d {prempti}/lib/prempti-hook_*/site-packages").stdout
        self.places = {
            "home": home, "project": f"{home}/project", "prempti": prempti,
            "config": f"{prempti}/config.yaml", "config_dir": prempti,
            "config_parent": home, "config_name": ".prempti",
            "log": f"{prempti}/log/events.jsonl", "cache": f"{prempti}/cache",
            "settings": f"{home}/.claude/settings.json", "zipapp": f"{prempti}/bin/prempti-hook",
            "extraction": extraction.strip(), "stdlib": stdlib, "pwned": f"{home}/PWNED",
            "python": f"{self.PYTHON_PREFIX}/bin/{os.path.basename(stdlib)}",
            "rules_user": f"{prempti}/rules/user",
            # The command install.sh puts on PATH for the person (a launcher of the zipapp).
            "command": f"{home}/.local/bin/prempti-hook",
        }

    def hook_command(self) -> str:
        settings = json.loads(self.sb.sh(f"cat {self.places['settings']}").stdout or "{}")
        for group in settings.get("hooks", {}).get("PreToolUse", []):
            for hook in group.get("hooks", []):
                if self.places["zipapp"] in hook.get("command", ""):
                    return hook["command"]
        # The entry is gone: what Claude Code would run is nothing at all.
        return "cat >/dev/null"

    def registered(self) -> bool:
        return self.hook_command() != "cat >/dev/null"

    def mode(self) -> str:
        shown = self.sb.run([self.places["python"], "-I", "-S", self.places["zipapp"], "mode"],
                            env={"HOME": self.places["home"]})
        return shown.stdout.split()[1] if shown.stdout.startswith("mode:") else shown.stderr


class SystemRig(Rig):
    """The hardened install, attacked by an unprivileged user."""

    USER = "ptamper"
    PYTHON = "/usr/bin/python3"

    @classmethod
    def prepare(cls, sb: Sandbox, release: Path) -> None:
        sb.add_user(cls.USER)
        home = f"/home/{cls.USER}"
        made = sb.sh(f"mkdir -p {home}/project", user=cls.USER)
        assert made.returncode == 0, made.stderr
        _ssh_key(sb, home, cls.USER)
        env = {"HOME": "/root", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "PYTHON": cls.PYTHON}
        installed = sb.run(["bash", str(release / "install" / "install.sh"), "--system"],
                           env=env)
        assert installed.returncode == 0, installed.stdout + installed.stderr

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)
        self.user = self.USER
        home = f"/home/{self.USER}"
        system = "/opt/prempti-hook"
        stdlib = self.sb.run([self.PYTHON, "-I", "-S", "-c",
                              "import os; print(os.path.dirname(os.__file__))"]).stdout.strip()
        extraction = self.sb.sh(f"ls -d {system}/lib/prempti-hook_*/site-packages").stdout
        self.places = {
            "home": home, "project": f"{home}/project", "prempti": system,
            "config": "/etc/prempti/config.yaml", "config_dir": "/etc/prempti",
            "config_parent": "/etc", "config_name": "prempti",
            "log": f"/var/log/prempti-hook/{self.USER}/events.jsonl",
            "cache": f"{system}/cache",
            "settings": "/etc/claude-code/managed-settings.d/50-prempti-hook.json",
            "zipapp": f"{system}/bin/prempti-hook", "extraction": extraction.strip(),
            "stdlib": stdlib, "pwned": f"{home}/PWNED", "python": self.PYTHON,
            "rules_user": f"{home}/.prempti/rules/user",
        }
        self.dropin = self.sb.sh(f"cat {self.places['settings']}").stdout
        # The copied files are new inodes, so the rule cache is stale: root compiles it again
        # (as after an upgrade), and users read it.
        warm = self.sb.run(["sh", "-c", self.hook_command()], input=json.dumps({
            "hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": "/",
            "session_id": "warm", "tool_use_id": "warm", "tool_input": {"file_path": "/x"}}))
        assert warm.returncode == 0 and "rebuild" not in warm.stdout, warm

    def hook_command(self) -> str:
        settings = json.loads(self.sb.sh(f"cat {self.places['settings']}").stdout or "{}")
        return settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]

    def registered(self) -> bool:
        return self.sb.sh(f"cat {self.places['settings']}").stdout == self.dropin

    def mode(self) -> str:
        shown = self.sb.sh(self.hook_command().replace(self.places["zipapp"],
                                                       self.places["zipapp"] + " mode"),
                           user=self.USER)
        return shown.stdout.split()[1] if shown.stdout.startswith("mode:") else shown.stderr
