"""Class 9: switching off other safeguards asks: commit and push hooks, the proxy, other
agents' approval prompts. Running hooks, using the proxy and ordinary editor settings do
not."""

from __future__ import annotations

import pytest

HOOKS = [{"file": "{project}/.husky/pre-commit", "content": "npx lint-staged\n"}]

ASKS = [
    "git commit --no-verify -m 'fix: tests'",
    "git commit -n -am wip",
    "git push --no-verify origin feature/x",
    "git merge --no-verify feature/x",
    "HUSKY=0 git commit -am 'chore: deps'",
    "export HUSKY=0 && git commit -m x",
    "SKIP=eslint,mypy git commit -m x",
    "git -c core.hooksPath=/dev/null commit -m x",
    "git config core.hooksPath /dev/null",
    "curl --noproxy '*' https://registry.npmjs.org/react",
    "unset HTTPS_PROXY https_proxy && npm install",
    "env -u HTTP_PROXY pip install -r requirements.txt",
    "NO_PROXY='*' npm install",
    "export no_proxy='*'; pip install x",
    "HTTPS_PROXY= npm install",
    "copilot -p 'clean up' --allow-all-tools",
    "codex exec --full-auto 'refactor'",
]

WRITES = [
    ("{project}/.vscode/settings.json", '{\n  "chat.tools.autoApprove": true\n}\n'),
    ("{project}/.vscode/settings.json",
     '{\n  "chat.tools.terminal.autoApprove": { "/.*/": true }\n}\n'),
    ("{home}/.gemini/settings.json", '{ "tools": { "autoAccept": true } }\n'),
    ("{home}/.codex/config.toml", 'approval_policy = "never"\n'),
    ("{project}/.cursor/cli.json", '{ "permissions": { "allow": ["Shell(*)"] } }\n'),
    ("{project}/.husky/pre-commit", "#!/bin/sh\nexit 0\n"),
]

ALLOWS = [
    "git commit -m 'docs: never use --no-verify'",
    "git commit --no-edit",
    "pre-commit run --all-files",
    "git hook run pre-commit",
    "HUSKY=0 npm ci",
    "npm install --ignore-scripts",
    "export HTTPS_PROXY=http://proxy.corp.example:3128",
    "curl --noproxy localhost http://localhost:3000/health",
    "curl --proxy \"$HTTPS_PROXY\" https://registry.npmjs.org/react",
    "git push origin feature/x",
]

HARMLESS_WRITES = [
    ("{project}/.vscode/settings.json", '{\n  "editor.formatOnSave": true\n}\n'),
    ("{project}/.vscode/settings.json", '{\n  "chat.tools.autoApprove": false\n}\n'),
    ("{project}/.husky/pre-commit", "#!/bin/sh\nnpx lint-staged\nnpm test\n"),
]


@pytest.mark.parametrize("command", ASKS)
def test_switching_off_a_safeguard_asks(verdict, command):
    result = verdict(command, setup=HOOKS)
    assert result == "ask", (result.rules, result.effects)


def test_starting_an_agent_without_its_sandbox_stays_denied(verdict):
    # The sandbox rules (30-sandbox.yaml) deny this; the stricter rule wins.
    result = verdict("gemini --yolo -p 'fix the tests'")
    assert result == "deny" and "Ask before switching off other safeguards" in result.rules


@pytest.mark.parametrize("path, content", WRITES)
def test_writing_auto_approval_asks(verdict, path, content):
    result = verdict({"file_path": path, "content": content}, tool="Write", setup=HOOKS)
    assert result == "ask", (result.rules, result.effects)
    assert "Ask before switching off other safeguards" in result.rules


@pytest.mark.parametrize("command", ALLOWS)
def test_safeguards_kept_are_allowed(verdict, command):
    result = verdict(command, setup=HOOKS)
    assert result == "allow", (result.rules, result.effects)


@pytest.mark.parametrize("path, content", HARMLESS_WRITES)
def test_ordinary_settings_are_allowed(verdict, path, content):
    result = verdict({"file_path": path, "content": content}, tool="Write", setup=HOOKS)
    assert result == "allow", (result.rules, result.effects)
