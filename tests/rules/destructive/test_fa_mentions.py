"""False alarm removed: mentions are not reads. A file test, a listing or a search that
prints no content names a secret file without reading it (`test -f ~/.ssh/id_rsa`, `ls
~/.ssh`, `grep -q '^KEY=' .env.local`), and a string ".env" in code is text. Reading the
file itself, or feeding the names a listing prints to a reader, is still denied."""

from __future__ import annotations

import pytest

SECRETS = [{"file": "{home}/.ssh/id_rsa", "content": "-----BEGIN OPENSSH PRIVATE KEY-----\n"},
           {"file": "{home}/.aws/credentials", "content": "[default]\n"},
           {"file": "{home}/.kube/config", "content": "apiVersion: v1\n"},
           {"file": "{project}/.env.local", "content": "OPENAI_API_KEY=sk-proj-x\n"}]

ALLOWS = [
    "test -f ~/.ssh/id_rsa && echo has-key",
    "[ -f ~/.ssh/id_rsa ] || ssh-keygen -t ed25519 -f /tmp/k -N ''",
    "[[ -e ~/.aws/credentials ]] && echo configured",
    "ls ~/.ssh",
    "ls -la ~/.ssh",
    "ls ~/.kube && kubectl config current-context",
    "stat -c %s ~/.ssh/id_rsa",
    "grep -q '^OPENAI_API_KEY=' .env.local && echo set",
    "git check-ignore -v .env.local",
]

DENIES = [
    "cat ~/.ssh/id_rsa",
    "test -f ~/.ssh/id_rsa && cat ~/.ssh/id_rsa",
    "ls ~/.ssh/id_* | xargs cat",
    "grep OPENAI .env.local",
]


@pytest.mark.parametrize("command", ALLOWS)
def test_mentions_are_allowed(verdict, command):
    result = verdict(command, setup=SECRETS)
    assert result == "allow", result.rules


@pytest.mark.parametrize("command", DENIES)
def test_reads_are_still_denied(verdict, command):
    result = verdict(command, setup=SECRETS)
    assert result == "deny", result.rules


def test_a_string_naming_env_in_code_is_text(verdict):
    content = "import dotenv\ndotenv.load_dotenv('.env')\n"
    result = verdict({"file_path": "{project}/src/config.py", "content": content},
                     tool="Write", setup=SECRETS)
    assert result == "allow", result.rules
