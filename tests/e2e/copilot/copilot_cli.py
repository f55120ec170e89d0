"""The Copilot CLI (`@github/copilot` 1.0.102) driven headless against the mock Chat
Completions API, offline: `COPILOT_OFFLINE=true` with a BYOK provider (no GitHub sign-in,
telemetry, web tools or update checks).

The guard is a user-level hook (`~/.copilot/hooks/prempti-hook.json`), which Copilot loads in
any folder, trusted or not, so runs need no `--trust-folder`. Copilot extracts its bundled
package on first launch (~235 MB): runs share one extraction under `.cache/agent-clis/`.
"""

from __future__ import annotations

from agentkit.cli import PROMPT, AgentCLI
from agentkit.mock_model import MockModel, call
from agentkit.npm import shared_cache_dir


class CopilotCLI(AgentCLI):
    hook_shell_name = "bash"
    agent = "copilot"

    @property
    def config_dir(self):
        return self.machine.home / ".copilot"

    def prepare(self) -> None:
        self.config_dir.mkdir(mode=0o700, exist_ok=True)
        (self.config_dir / "settings.json").write_text('{\n  "banner": "never"\n}\n')

    def command(self, mock: MockModel) -> list[str]:
        return [str(self.executable), "--yolo", "--no-auto-update", "--disable-client-telemetry",
                "--no-ask-user", "-p", PROMPT]

    def env(self, mock: MockModel) -> dict:
        return dict(self.base_env(), XDG_CACHE_HOME=str(shared_cache_dir("xdg-cache")),
                    COPILOT_OFFLINE="true", COPILOT_PROVIDER_BASE_URL=mock.base_url + "/v1",
                    COPILOT_PROVIDER_API_KEY="dummy-key", COPILOT_MODEL="gpt-4.1",
                    COPILOT_AUTO_UPDATE="false")

    def shell(self, command: str) -> dict:
        return call("bash", command=command, description="scripted command")

    def blocked_text(self, reason: str) -> str:
        return f"Denied by preToolUse hook: {reason}"
