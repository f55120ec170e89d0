"""Class 4: the command a wrapper runs is analysed like a top-level command (xargs,
parallel, find -exec/-execdir/-ok/-delete, watch, timeout, nice, env -S, flock, su -c,
sudo -s, script -c, nohup, setsid, chroot); a shell or interpreter fed from input the hook
cannot see asks."""

from __future__ import annotations

import pytest

FILES = [{"file": "{project}/src/app.py", "content": "print(1)\n"},
         {"file": "{project}/dirs.txt", "content": "src\ndocs\n"},
         {"file": "{project}/builds.txt", "content": "dist\ncoverage\n"}]

CASES = [
    # (command, verdict): the wrapped command decides
    ("echo dist coverage | xargs rm -rf", "allow"),
    ("echo src docs | xargs rm -rf", "ask"),
    ("xargs -a builds.txt rm -rf", "allow"),
    ("xargs -a dirs.txt rm -rf", "ask"),
    ("xargs rm -rf < dirs.txt", "ask"),
    ("printf '%s\\n' build dist | xargs -I{} rm -rf {}", "allow"),
    ("git ls-files -z '*.ts' | xargs -0 npx prettier --check", "allow"),
    ("./list-stale.sh | xargs rm -rf", "deny"),
    ("parallel rm -rf ::: src docs", "ask"),
    ("parallel rm -rf ::: dist build", "allow"),
    ("parallel --dry-run rm -rf ::: src docs", "allow"),
    ("find . -name '*.sqlite' -exec rm -f {} \\;", "ask"),
    ("find . -name '*.sqlite' -execdir rm -f {} +", "ask"),
    ("find . -name '*.sqlite' -ok rm {} \\;", "ask"),
    ("find . -name '*.ts' -not -path './node_modules/*' -delete", "ask"),
    ("find ~ -maxdepth 1 -mindepth 1 -exec rm -rf {} +", "deny"),
    ("find src -name '*.ts' -exec npx eslint {} +", "allow"),
    ("watch -n 30 'git reset --hard origin/main'", "ask"),
    ("watch -n 5 'git status --short'", "allow"),
    ("timeout 60 bash -c 'rm -rf ~/*'", "deny"),
    ("timeout 600 npm test", "allow"),
    ("nice -n 19 git clean -fdx", "ask"),
    ("nice -n 10 make", "allow"),
    ("env -S 'git checkout -- .'", "ask"),
    ("env NODE_ENV=test npm test", "allow"),
    ("flock /tmp/db.lock npx prisma migrate reset --force", "ask"),
    ("flock /tmp/npm.lock npm ci", "allow"),
    ("su - app -c 'rm -rf /srv/app/releases'", "deny"),
    ("sudo -s rm -rf dist", "deny"),
    ("script -qc 'git stash clear' /dev/null", "ask"),
    ("script -qc 'pytest -q' /dev/null", "allow"),
    ("nohup sh -c 'sleep 5; rm -rf data' >/dev/null 2>&1 &", "ask"),
    ("nohup npm run dev > /tmp/dev.log 2>&1 &", "allow"),
    ("setsid -f git push --force origin main", "ask"),
    ("setsid node server.js", "allow"),
    ("chroot /srv/jail /bin/sh -c 'rm -rf /var/lib/app'", "deny"),
    ("./generate-commands.sh | bash", "ask"),
    ("node print-steps.js | sh", "ask"),
    ("bash < <(python3 emit.py)", "ask"),
    ("xargs -I{} bash -c '{}' < commands.txt", "ask"),
    ("cat steps.txt | xargs sh", "ask"),
]


@pytest.mark.parametrize("command, expected", CASES)
def test_the_wrapped_command_decides(verdict, command, expected):
    result = verdict(command, setup=FILES)
    assert result == expected, (result.rules, result.effects, result.places)


def test_static_text_piped_into_a_shell_is_the_script_it_is(verdict):
    assert verdict("printf 'make test\\n' | bash") == "allow"
    assert verdict("echo 'rm -rf build' | sh") == "allow"
    assert verdict("echo 'git reset --hard' | bash") == "ask"
    assert verdict("echo 'rm -rf ~' | sh") == "deny"
    assert verdict("cat <<'EOF' | bash\nrm -rf dist\nnpm run build\nEOF") == "allow"


def test_escape_encoded_text_piped_into_a_shell_stays_denied(verdict):
    assert verdict("printf '\\x72\\x6d\\x20\\x2d\\x72\\x66' | sh") == "deny"
