"""A scripted stand-in for three model APIs, so the Codex, Gemini and Copilot CLIs run offline.

One server on 127.0.0.1 answers whichever wire API the CLI speaks:

- OpenAI **Responses** (`POST …/responses`, server-sent events): Codex;
- OpenAI **Chat Completions** (`POST …/chat/completions`, SSE or plain JSON): Copilot;
- Gemini (`POST …/models/M:streamGenerateContent?alt=sse` and `:generateContent`): Gemini.

Instead of a model deciding, a *script* says which tool calls come next. The server keeps no
conversation state: each request carries the whole conversation, so the step to play is the
number of tool results it already holds (a retried request replays the same step). After the
last step the "model" answers with text that echoes every tool result it received, so the
CLI's own output shows what the model was told as well.

A step is a list of tool calls made in one model turn: ``[call("exec_command", cmd="ls")]``.
Requests that offer no tools (titles, summaries) and Gemini's JSON side questions (the model
router, the next-speaker check) get neutral answers and do not advance the script.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FINAL_PREFIX = "MOCK_FINAL: tool results I received:"
# Gemini's side questions ask for JSON; one object that satisfies each of them.
GEMINI_SIDE_JSON = {"complexity_reasoning": "mock", "complexity_score": 10,
                    "reasoning": "mock", "next_speaker": "user"}


def call(tool: str, /, **arguments: object) -> dict:
    """One tool call of a step: the model calls ``tool`` with ``arguments``."""
    return {"tool": tool, "arguments": dict(arguments)}


def custom_call(tool: str, text: str) -> dict:
    """A Responses "custom" (freeform) tool call whose input is raw text (Codex apply_patch)."""
    return {"tool": tool, "text": text}


class ToolResult:
    """One tool result the CLI sent back: the call it answers and the text the model saw."""

    __slots__ = ("call_id", "text", "tool")

    def __init__(self, call_id: str, tool: str, text: str) -> None:
        self.call_id = call_id
        self.tool = tool
        self.text = text

    def __repr__(self) -> str:
        return f"ToolResult({self.tool!r}, {self.text[:200]!r})"


class MockModel:
    """The server. Use as a context manager; `base_url` is `http://127.0.0.1:PORT`."""

    def __init__(self, steps: list[list[dict]], final_text: str = "done") -> None:
        for index, step in enumerate(steps):
            if not callable(step) and (not isinstance(step, list) or not step):
                raise ValueError(f"step {index}: a step is a non-empty list of calls")
        self.steps = steps
        self.final_text = final_text
        self.nonce = uuid.uuid4().hex[:8]
        self._lock = threading.Lock()
        self.requests: list[dict] = []
        self._results: list[ToolResult] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> MockModel:
        handler = type("Handler", (_Handler,), {"mock": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="mock-model", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the mock is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- what was received -----------------------------------------------------------------

    def tool_results(self) -> list[ToolResult]:
        """Every distinct tool result the CLI sent, in first-seen order."""
        seen: dict[str, ToolResult] = {}
        for request in list(self.requests):
            for result in request.get("results", ()):
                seen.setdefault(result.call_id, result)
        return list(seen.values())

    def result_texts(self) -> list[str]:
        return [result.text for result in self.tool_results()]

    def received(self) -> str:
        """Everything the CLI sent to the model, as one text (to look for a canary)."""
        return "\n".join(json.dumps(r["body"]) for r in list(self.requests))

    def describe(self) -> str:
        lines = [f"{r['path']} -> {r['answer']}" for r in list(self.requests)]
        results = "\n".join(f"  {r.tool}: {r.text[:400]!r}" for r in self.tool_results())
        return ("mock requests:\n  " + "\n  ".join(lines or ["(none)"])
                + "\ntool results:\n" + (results or "  (none)"))

    # -- the script ------------------------------------------------------------------------

    def _step(self, results: list[ToolResult]) -> list[dict] | None:
        """The calls to make after these tool results, or None: time to answer. A step that
        is a function gets the results so far and returns its calls (a session id...)."""
        done = 0
        for step in self.steps:
            if done >= len(results):
                return step(results) if callable(step) else step
            done += 1 if callable(step) else len(step)  # a function step makes one call
        return None

    def _final(self, results: list[ToolResult]) -> str:
        echo = json.dumps([r.text for r in results])
        return f"{self.final_text}\n{FINAL_PREFIX} {echo}"

    def call_id(self, results_seen: int, index: int) -> str:
        return f"call_{self.nonce}_{results_seen}_{index}"

    # -- dialects: each returns (status, content type, body bytes, what was answered) and
    # records the tool results the request carried in `self._results` (under the lock) ----

    def answer(self, path: str, body: dict) -> tuple[int, str, bytes, str]:
        self._results = []
        if path.endswith("/responses"):
            return self._responses(body)
        if path.endswith("/chat/completions"):
            return self._chat(body)
        if ":streamGenerateContent" in path or ":generateContent" in path:
            return self._gemini(body, stream=":streamGenerateContent" in path)
        if path.endswith("/models"):
            return 200, "application/json", json.dumps({"object": "list", "data": []}).encode(), \
                "models"
        return 404, "application/json", b'{"error": "not mocked"}', "404"

    def _responses(self, body: dict) -> tuple[int, str, bytes, str]:
        items = body.get("input") if isinstance(body.get("input"), list) else []
        names = {i.get("call_id"): i.get("name") for i in items if isinstance(i, dict)
                 and i.get("type") in ("function_call", "custom_tool_call")}
        results = [ToolResult(str(i.get("call_id")), str(names.get(i.get("call_id"), "")),
                              _text(i.get("output")))
                   for i in items if isinstance(i, dict)
                   and i.get("type") in ("function_call_output", "custom_tool_call_output")]
        self._log_results(results)
        step = self._step(results) if body.get("tools") else None
        response_id = f"resp_{uuid.uuid4().hex[:12]}"
        if step is None:
            text = self._final(results) if body.get("tools") else "ok"
            output = [{"type": "message", "id": f"msg_{uuid.uuid4().hex[:8]}",
                       "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": text, "annotations": []}]}]
            answered = "final"
        else:
            output = []
            for index, step_call in enumerate(step):
                call_id = self.call_id(len(results), index)
                if "text" in step_call:
                    output.append({"type": "custom_tool_call", "id": f"ctc_{call_id}",
                                   "call_id": call_id, "name": step_call["tool"],
                                   "input": step_call["text"], "status": "completed"})
                else:
                    output.append({"type": "function_call", "id": f"fc_{call_id}",
                                   "call_id": call_id, "name": step_call["tool"],
                                   "arguments": json.dumps(step_call["arguments"]),
                                   "status": "completed"})
            answered = "calls " + ",".join(c["tool"] for c in step)
        usage = {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
                 "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens_details": {"reasoning_tokens": 0}}
        head = {"id": response_id, "object": "response", "status": "in_progress",
                "model": body.get("model"), "output": []}
        events = [("response.created", {"type": "response.created", "response": head}),
                  ("response.in_progress", {"type": "response.in_progress", "response": head})]
        for index, item in enumerate(output):
            events.append(("response.output_item.added",
                           {"type": "response.output_item.added", "output_index": index,
                            "item": dict(item, status="in_progress")}))
            if item["type"] == "message":
                text = item["content"][0]["text"]
                events.append(("response.output_text.delta",
                               {"type": "response.output_text.delta", "output_index": index,
                                "item_id": item["id"], "content_index": 0, "delta": text}))
                events.append(("response.output_text.done",
                               {"type": "response.output_text.done", "output_index": index,
                                "item_id": item["id"], "content_index": 0, "text": text}))
            elif item["type"] == "function_call":
                events.append(("response.function_call_arguments.done",
                               {"type": "response.function_call_arguments.done",
                                "output_index": index, "item_id": item["id"],
                                "arguments": item["arguments"]}))
            events.append(("response.output_item.done",
                           {"type": "response.output_item.done", "output_index": index,
                            "item": item}))
        done = dict(head, status="completed", output=output, usage=usage)
        events.append(("response.completed", {"type": "response.completed", "response": done}))
        data = "".join(f"event: {name}\ndata: {json.dumps(payload)}\n\n"
                       for name, payload in events)
        return 200, "text/event-stream", data.encode(), answered

    def _chat(self, body: dict) -> tuple[int, str, bytes, str]:
        messages = body.get("messages") if isinstance(body.get("messages"), list) else []
        names = {}
        for message in messages:
            if isinstance(message, dict) and message.get("role") == "assistant":
                for tool_call in message.get("tool_calls") or ():
                    names[tool_call.get("id")] = (tool_call.get("function") or {}).get("name")
        results = [ToolResult(str(m.get("tool_call_id")), str(names.get(m.get("tool_call_id"), "")),
                              _text(m.get("content")))
                   for m in messages if isinstance(m, dict) and m.get("role") == "tool"]
        self._log_results(results)
        step = self._step(results) if body.get("tools") else None
        model = body.get("model") or "mock"
        if step is None:
            text = self._final(results) if body.get("tools") else "ok"
            message = {"role": "assistant", "content": text}
            finish, answered = "stop", "final"
        else:
            tool_calls = [{"index": index, "id": self.call_id(len(results), index),
                           "type": "function",
                           "function": {"name": c["tool"], "arguments": json.dumps(c["arguments"])}}
                          for index, c in enumerate(step)]
            message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
            finish, answered = "tool_calls", "calls " + ",".join(c["tool"] for c in step)
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        chat_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        if not body.get("stream"):
            answer = {"id": chat_id, "object": "chat.completion", "created": 0, "model": model,
                      "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                      "usage": usage}
            return 200, "application/json", json.dumps(answer).encode(), answered
        chunk = {"id": chat_id, "object": "chat.completion.chunk", "created": 0, "model": model}
        delta = {"role": "assistant"}
        if message.get("tool_calls"):
            delta["tool_calls"] = message["tool_calls"]
        else:
            delta["content"] = message["content"]
        chunks = [dict(chunk, choices=[{"index": 0, "delta": delta, "finish_reason": None}]),
                  dict(chunk, choices=[{"index": 0, "delta": {}, "finish_reason": finish}]),
                  dict(chunk, choices=[], usage=usage)]
        data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return 200, "text/event-stream", data.encode(), answered

    def _gemini(self, body: dict, stream: bool) -> tuple[int, str, bytes, str]:
        contents = body.get("contents") if isinstance(body.get("contents"), list) else []
        results = []
        for content in contents:
            for part in (content.get("parts") or ()) if isinstance(content, dict) else ():
                response = part.get("functionResponse") if isinstance(part, dict) else None
                if isinstance(response, dict):
                    results.append(ToolResult(str(response.get("id") or len(results)),
                                              str(response.get("name", "")),
                                              _text(response.get("response"))))
        self._log_results(results)
        config = body.get("generationConfig") or body.get("config") or {}
        if not body.get("tools") and "json" in str(config.get("responseMimeType", "")):
            parts, answered = [{"text": json.dumps(GEMINI_SIDE_JSON)}], "side-json"
        else:
            step = self._step(results) if body.get("tools") else None
            if step is None:
                text = self._final(results) if body.get("tools") else "ok"
                parts, answered = [{"text": text}], "final"
            else:
                parts = [{"functionCall": {"id": self.call_id(len(results), index),
                                           "name": c["tool"], "args": c["arguments"]}}
                         for index, c in enumerate(step)]
                answered = "calls " + ",".join(c["tool"] for c in step)
        answer = {"candidates": [{"content": {"role": "model", "parts": parts},
                                  "finishReason": "STOP", "index": 0}],
                  "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                                    "totalTokenCount": 15},
                  "modelVersion": "mock"}
        if stream:
            return 200, "text/event-stream", f"data: {json.dumps(answer)}\r\n\r\n".encode(), \
                answered
        return 200, "application/json", json.dumps(answer).encode(), answered

    def _log_results(self, results: list[ToolResult]) -> None:
        self._results = results


def _text(value) -> str:
    """A tool result's text: strings as they are, content lists joined, others as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [item.get("text", "") if isinstance(item, dict) else str(item) for item in value]
        return "\n".join(str(p) for p in parts)
    return json.dumps(value)


class _Handler(BaseHTTPRequestHandler):
    mock: MockModel
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # the mock records requests itself

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if not size:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:
        raw = self._body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        path = urlsplit(self.path).path
        mock = self.mock
        with mock._lock:
            status, kind, data, answered = mock.answer(path, body if isinstance(body, dict)
                                                       else {})
            mock.requests.append({"path": self.path, "headers": dict(self.headers),
                                  "body": body, "answer": answered,
                                  "results": mock._results})
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        data = json.dumps({"object": "list", "data": []}).encode()
        with self.mock._lock:
            self.mock.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "body": None, "answer": "get", "results": []})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
