"""`prempti-hook status`: is the guard installed, registered and working, and what did it
decide lately. Each section is computed on its own: one that fails says so and the others
are still shown."""

from __future__ import annotations

import os
from collections import Counter, deque

from .. import __version__, auditlog, config, rulefiles
from .. import claude_settings as cs
from . import arguments

LAST = 5
LABEL_WIDTH = 10
USAGE = """usage: prempti-hook status

Show the installed version, where the `prempti-hook` command is (and whether it is on PATH),
whether and where the hook is registered with each agent (and whether it would fire), the
mode, which rules are loaded and from where, whether the rule cache is fresh, the audit log
size and the last verdicts.
"""


def _build_id_of_package() -> str | None:
    """The build id of the running zipapp (None outside a zipapp)."""
    from .. import running_zipapp

    zipapp = running_zipapp()
    return zipapp.build_id if zipapp is not None else None


def _build_id_of_zipapp(path: str) -> str | None:
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("environment.json")).get("build_id")


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def version_lines(cfg) -> list[str]:
    running = _build_id_of_package()
    lines = [f"prempti-hook {__version__}" + (f" (build {running[:12]})" if running else
                                              " (not from a zipapp)")]
    zipapp = cs.zipapp_path(cfg.prempti_home)
    if not os.path.isfile(zipapp):
        lines.append(f"installed: no ({zipapp} does not exist; run install/install.sh)")
        return lines
    try:
        installed = _build_id_of_zipapp(zipapp)
    except Exception as e:  # a damaged file: say so, keep going
        return [*lines, f"installed: {zipapp} is damaged ({type(e).__name__}: {e})"]
    same = " (this one)" if running and installed == running else ""
    lines.append(f"installed: {zipapp} (build {str(installed)[:12]}){same}")
    return lines


# install/install.sh writes the `prempti-hook` command with this second line, and records
# where in $PREMPTI_HOME/install/launcher (then the folders it made for it).
LAUNCHER_MARK = "# prempti-hook launcher, written by install/install.sh (--uninstall removes it)"
LAUNCHER_RECORD = os.path.join("install", "launcher")


def command_lines(cfg, environ=None) -> list[str]:
    """Where the `prempti-hook` command is, and whether a shell finds it."""
    environ = os.environ if environ is None else environ
    if cfg.system:
        return []
    try:
        with open(os.path.join(cfg.prempti_home, LAUNCHER_RECORD), encoding="utf-8") as f:
            launcher = f.readline().rstrip("\n")
    except OSError:
        return ["command: none (install/install.sh puts `prempti-hook` in ~/.local/bin)"]
    try:
        with open(launcher, encoding="utf-8", errors="replace") as f:
            ours = f.read(4096).splitlines()[1:2] == [LAUNCHER_MARK]
    except (OSError, ValueError):
        return [f"command: {launcher} is gone (install/install.sh puts it back)"]
    if not ours or os.path.islink(launcher):
        return [f"command: {launcher} is no longer prempti-hook's launcher"]
    folder = os.path.dirname(launcher)
    on_path = folder in environ.get("PATH", "").split(os.pathsep)
    return [f"command: {launcher}" + ("" if on_path else
                                      f" (not on PATH: add {folder} to PATH)")]


def hook_lines(cfg) -> list[str]:
    path = cs.settings_path()
    if cfg.system:  # the system install is registered in Claude Code's managed settings
        from .system import dropin_path

        path = dropin_path()
    zipapp = cs.zipapp_path(cfg.prempti_home)
    try:
        data, raw = cs.read(path)
    except cs.SettingsError as e:
        return [f"hook: cannot tell: {e}"]
    places = cs.find(data, zipapp, path) if raw is not None else []
    if not places:
        return [f"hook: NOT registered in {path} (run `prempti-hook install`)"]
    lines = [f"hook: registered in {path} (hooks.{cs.HOOK_EVENT}, matcher "
             f"{data['hooks'][cs.HOOK_EVENT][places[0][0]].get('matcher')!r})"]
    lines += [f"  problem: {p}" for p in cs.problems(data, zipapp)]
    return lines


def agent_hook_lines(cfg) -> list[str]:
    """The other agents (Codex, Gemini, Copilot): registered or not, and whether the hook
    would really fire (Codex skips an untrusted or stale entry without a word)."""
    from .. import registration

    lines = []
    for agent in registration.AGENTS:
        try:
            report = registration.check(cfg, agent)
        except Exception as e:  # one agent's unreadable file must not hide the others
            lines.append(f"hook ({agent}): cannot tell: {e}")
            continue
        if report.where is None:
            lines.append(f"hook ({agent}): not registered (`prempti-hook hook add {agent}` "
                         f"registers it)")
            continue
        firing = not any(p.startswith("NOT FIRING") for p in report.problems)
        lines.append(f"hook ({agent}): registered in {report.where}"
                     + ("" if firing else "; it would NOT fire"))
        lines += [f"  problem: {p}" for p in report.problems]
    return lines


def mode_lines(cfg) -> list[str]:
    from .mode import current

    mode, where = current(cfg, os.environ)
    return [f"mode: {mode} ({where})"]


def managed_lines(cfg) -> list[str]:
    """The managed policy: where, what it locks, its rules, and why it cannot be used."""
    policy = cfg.managed
    if policy is None or (not policy.present and not policy.problems):
        return [f"managed: none ({policy.folder if policy else '?'} "
                f"{'is empty' if policy and os.path.isdir(policy.folder) else 'does not exist'})"]
    lines = [f"managed: {policy.folder}" + (" (required by the system install)"
                                            if policy.required else "")]
    for key, where in cfg.locked.items():
        lines.append(f"  locks {key}: {cfg.settings[key]} ({where})")
    for path in policy.rules:
        lines.append(f"  rules: {path}")
    lines += [f"  problem: {p} (every call is blocked until it is fixed)"
              for p in policy.problems]
    return lines


def rules_lines(cfg) -> list[str]:
    files = rulefiles.rules_files(cfg)
    if cfg.rules_override is not None:
        origin = "PREMPTI_RULES"
    else:
        origin = ", ".join(
            ("embedded in the zipapp" if e == rulefiles.embedded_rules_dir() else e)
            for e in rulefiles.default_entries(cfg))
    lines = [f"rules: {len(files)} file(s) from {origin}"]
    missing = [f for f in files if not os.path.isfile(f)]
    lines += [f"  problem: {f} does not exist" for f in missing]
    return lines


def cache_lines(cfg) -> list[str]:
    from .. import rebuild

    info = rebuild.describe(cfg)
    line = f"cache: {info['state']} ({info['path']})"
    lines = [line]
    if info.get("problem"):
        lines.append("  problem: " + str(info["problem"]).strip().replace("\n", " "))
    return lines


def log_lines(cfg) -> list[str]:
    from .logs import Renderer

    size, count = auditlog.total_size(cfg.log_file)
    if not count:
        return [f"log: empty ({cfg.log_file})"]
    reader = auditlog.LogReader(cfg.log_file)
    verdicts: Counter = Counter()
    last: deque = deque(maxlen=LAST)
    for record in reader:
        verdicts[str(record.get("verdict"))] += 1
        last.append(record)
    summary = ", ".join(f"{n} {v}" for v, n in verdicts.most_common())
    lines = [f"log: {cfg.log_file}: {_size(size)} in {count} file(s), "
             f"{sum(verdicts.values())} call(s)" + (f" ({summary})" if summary else "")]
    if reader.skipped:
        lines.append(f"  problem: {reader.skipped} unreadable line(s)")
    if last:
        lines.append("last calls:")
        renderer = Renderer(colour=False, records=last)
        lines += [f"  {renderer.render(record)}" for record in last]
    return lines


SECTIONS = (version_lines, command_lines, hook_lines, agent_hook_lines, mode_lines,
            managed_lines, rules_lines, cache_lines, log_lines)


@arguments.entry
def main(word: str, args: list[str]) -> int:
    arguments.parse(args)
    cfg = config.load()
    print(f"home: {cfg.prempti_home}")
    for section in SECTIONS:
        try:
            lines = section(cfg)
        except Exception as e:  # one broken section must not hide the others
            name = section.__name__.replace("_lines", "")
            lines = [f"{name}: cannot tell ({type(e).__name__}: {e})"]
        for line in lines:
            print(line)
    for problem in cfg.problems:
        print(f"config problem: {problem}")
    return 0
