"""The agent-CLI harness itself: the npm installer tells "npm cannot be reached" (the tests
skip) from any other failure (they fail), and the mock model speaks each wire API."""

from __future__ import annotations

import json
import shutil
import urllib.request

import pytest
from agentkit import npm
from agentkit.mock_model import MockModel, call


def test_no_npm_means_unreachable(monkeypatch, tmp_path):
    monkeypatch.setattr(npm, "CACHE", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm here
    npm._verified.clear()
    with pytest.raises(npm.NpmUnreachable, match="npm is not on PATH"):
        npm.install("codex")


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_a_registry_that_cannot_be_reached_means_unreachable(monkeypatch, tmp_path):
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    with pytest.raises(npm.NpmUnreachable, match="ECONNREFUSED"):
        npm._npm_install(shutil.which("npm"), tmp_path / "cli", "@openai/codex@0.169.0",
                         "codex", "0.169.0")
    assert not (tmp_path / "cli").exists()


def post(url: str, body: dict) -> bytes:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()


def test_the_mock_plays_its_script_in_each_dialect():
    with MockModel([[call("shell", command="ls")]], final_text="bye") as mock:
        base = mock.base_url
        # Responses: first a function call, then (with its output) the final text
        first = post(f"{base}/v1/responses", {"tools": [{}], "input": []}).decode()
        assert '"name": "shell"' in first and "response.completed" in first
        call_id = json.loads(first.split("response.output_item.done\ndata: ")[1]
                             .split("\n")[0])["item"]["call_id"]
        final = post(f"{base}/v1/responses", {"tools": [{}], "input": [
            {"type": "function_call", "call_id": call_id, "name": "shell"},
            {"type": "function_call_output", "call_id": call_id, "output": "file.txt"}]})
        assert b"bye" in final and b"file.txt" in final
        # Chat Completions, not streamed
        answer = json.loads(post(f"{base}/v1/chat/completions",
                                 {"tools": [{}], "messages": [{"role": "user", "content": "x"}]}))
        assert answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "shell"
        # Gemini: a side question gets JSON, the conversation a function call
        side = json.loads(post(f"{base}/v1beta/models/m:generateContent",
                               {"contents": [], "generationConfig":
                                {"responseMimeType": "application/json"}}))
        assert "complexity_score" in side["candidates"][0]["content"]["parts"][0]["text"]
        stream = post(f"{base}/v1beta/models/m:streamGenerateContent?alt=sse",
                      {"tools": [{}], "contents": []}).decode()
        assert '"functionCall"' in stream
    assert [r.text for r in mock.tool_results()] == ["file.txt"]
