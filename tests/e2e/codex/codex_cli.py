"""The Codex CLI (`@openai/codex` 0.169.0) driven headless against the mock Responses API.

The user's `~/.codex/config.toml` (written before installing the guard) points a custom
model provider at the mock (a custom provider speaks plain HTTP server-sent events; the
built-in one tries WebSockets first) and turns off what would reach the network. The mock's
port is given per run with `-c`. No `--dangerously-bypass-hook-trust`: the hook fires only
because `install.sh --agent codex` trusted it, as it must on a user's machine.

Model `gpt-5.5`: a name in Codex's own catalog, so that Codex offers its `apply_patch` tool.
"""

from __future__ import annotations

import json

from agentkit.cli import PROMPT, AgentCLI
from agentkit.mock_model import MockModel, call

CONFIG = """\
# The user's own Codex settings (before prempti-hook was installed).
model = "gpt-5.5"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.mock]
name = "Mock"
base_url = "http://127.0.0.1:9/v1"
env_key = "MOCK_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false
"""


class CodexCLI(AgentCLI):
    hook_shell_name = "Bash"
    agent = "codex"

    @property
    def config_dir(self):
        return self.machine.home / ".codex"

    def prepare(self) -> None:
        self.config_dir.mkdir(mode=0o700, exist_ok=True)
        (self.config_dir / "config.toml").write_text(CONFIG)

    def command(self, mock: MockModel) -> list[str]:
        return [str(self.executable), "exec", "--skip-git-repo-check", "--ephemeral",
                "--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin",
                "-c", f"model_providers.mock.base_url={json.dumps(mock.base_url + '/v1')}",
                PROMPT]

    def env(self, mock: MockModel) -> dict:
        return dict(self.base_env(), MOCK_API_KEY="dummy-key")

    def shell(self, command: str) -> dict:
        return call("exec_command", cmd=command)

    def blocked_text(self, reason: str) -> str:
        return f"Command blocked by PreToolUse hook: {reason}."
