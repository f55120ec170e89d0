"""The Gemini CLI (`@google/gemini-cli` 0.61.0) driven headless against the mock Gemini API.

The user's `~/.gemini/settings.json` (written before installing the guard) selects API-key
auth (without it, a custom base URL makes the CLI pick an auth method it then refuses) and
turns off telemetry and update checks; `GOOGLE_GEMINI_BASE_URL` points the CLI at the mock.
Runs use `--approval-mode yolo`: headless Gemini does not offer its shell tool otherwise,
and BeforeTool hooks run and block in yolo mode all the same.
"""

from __future__ import annotations

import json

from agentkit.cli import PROMPT, AgentCLI
from agentkit.mock_model import MockModel, call

SETTINGS = {
    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
    "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": False}},
}


class GeminiCLI(AgentCLI):
    hook_shell_name = "run_shell_command"
    agent = "gemini"

    @property
    def config_dir(self):
        return self.machine.home / ".gemini"

    @property
    def settings_file(self):
        return self.config_dir / "settings.json"

    def prepare(self) -> None:
        self.settings_file.parent.mkdir(mode=0o700, exist_ok=True)
        self.settings_file.write_text(json.dumps(SETTINGS, indent=2) + "\n")

    def command(self, mock: MockModel) -> list[str]:
        return [str(self.executable), "--approval-mode", "yolo", "--output-format", "json",
                "-p", PROMPT]

    def env(self, mock: MockModel) -> dict:
        return dict(self.base_env(), GEMINI_API_KEY="dummy-key",
                    GOOGLE_GEMINI_BASE_URL=mock.base_url, GEMINI_CLI_NO_RELAUNCH="true")

    def shell(self, command: str) -> dict:
        return call("run_shell_command", command=command, description="scripted command")

    def blocked_text(self, reason: str) -> str:
        return json.dumps({"error": f"Tool execution blocked: {reason}"})
