"""A local stand-in for the Anthropic Messages API that plays a scripted conversation.

The real Claude Code CLI is pointed at this server (``ANTHROPIC_BASE_URL``) so end-to-end
tests run offline and deterministically: instead of a model deciding what to do, a *script*
says which tool call (or final text) comes next.

The server keeps no per-conversation state. Every ``/v1/messages`` request carries the whole
conversation, so the next step is derived from the request itself: the number of assistant
messages already in ``messages`` is the index of the step to play. That makes retries and
parallel requests harmless.

Telling the scripted conversations apart from side requests (title generation, quota probes,
summaries): a scripted conversation is a request that offers ``tools`` *and* whose first user
message contains the conversation's key, i.e. the ``-p`` prompt for the main conversation or
the ``prompt`` of an Agent step for a subagent. Anything else gets a short text answer and does
not advance any script.

Script steps are plain dicts (see the ``tool_call`` / ``final_text`` / ``agent_call`` helpers):

- ``{"tool": "Bash", "input": {"command": "ls"}}``: one tool call;
- ``{"calls": [<tool step>, ...]}``: several tool calls in one assistant turn;
- ``{"tool": "Agent", "input": {"prompt": KEY, ...}, "subagent": [steps]}``: start a subagent
  whose own requests play ``steps`` (KEY must be unique to that subagent);
- ``{"text": "..."}``: final text, ends the conversation.

After the last step the conversation ends with a final text that echoes every ``tool_result``
the request carried, so even the transcript shows what the model was told.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

MAIN = "main"
SIDE_ANSWER = "ok"


class ScriptError(ValueError):
    """The script handed to the mock is malformed (a test bug, reported before the CLI runs)."""


def tool_call(name: str, **tool_input: object) -> dict:
    """A step where the model calls tool ``name`` with ``tool_input`` (sent exactly as given)."""
    return {"tool": name, "input": dict(tool_input)}


def final_text(text: str) -> dict:
    """A step where the model answers with text and ends its turn."""
    return {"text": text}


def agent_call(prompt: str, steps: list, *, description: str = "Scripted subagent",
               subagent_type: str = "general-purpose") -> dict:
    """A step that starts a subagent; the subagent's own requests play ``steps``.

    ``prompt`` identifies the subagent's conversation, so it must be unique in the script.
    """
    return {
        "tool": "Agent",
        "input": {"description": description, "prompt": prompt, "subagent_type": subagent_type},
        "subagent": list(steps),
    }


# --------------------------------------------------------------------------- script model


def _validate_steps(steps: object, where: str) -> list:
    if not isinstance(steps, list):
        raise ScriptError(f"{where}: a script is a list of steps, got {type(steps).__name__}")
    for index, step in enumerate(steps):
        label = f"{where} step {index}"
        if not isinstance(step, dict):
            raise ScriptError(f"{label}: a step is a dict, got {step!r}")
        if "text" in step:
            if not isinstance(step["text"], str):
                raise ScriptError(f"{label}: 'text' must be a string")
            if index != len(steps) - 1:
                raise ScriptError(f"{label}: a text step ends the conversation, so it must be last")
        elif "calls" in step:
            calls = step["calls"]
            if not isinstance(calls, list) or not calls:
                raise ScriptError(f"{label}: 'calls' must be a non-empty list of tool steps")
            for sub_index, call in enumerate(calls):
                _validate_tool_step(call, f"{label} call {sub_index}")
        else:
            _validate_tool_step(step, label)
    return steps


def _validate_tool_step(step: object, label: str) -> None:
    if not isinstance(step, dict) or not isinstance(step.get("tool"), str) or not step["tool"]:
        raise ScriptError(f"{label}: a tool step needs a non-empty 'tool' name: {step!r}")
    if not isinstance(step.get("input", {}), dict):
        raise ScriptError(f"{label}: 'input' must be a dict")
    if "subagent" in step:
        prompt = step.get("input", {}).get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise ScriptError(f"{label}: a subagent step needs input.prompt (its conversation key)")
        _validate_steps(step["subagent"], f"subagent {prompt!r}")


def _tool_steps(step: dict) -> list:
    """The tool calls of one assistant turn (empty for a text step)."""
    if "calls" in step:
        return step["calls"]
    if "tool" in step:
        return [step]
    return []


def _collect_conversations(steps: list, key: str, into: dict) -> None:
    """Map every conversation key (main prompt and subagent prompts) to its steps."""
    if key in into:
        raise ScriptError(
            f"conversation key {key!r} is used twice; subagent prompts must be unique"
        )
    into[key] = steps
    for step in steps:
        for call in _tool_steps(step):
            if "subagent" in call:
                _collect_conversations(call["subagent"], call["input"]["prompt"], into)


# --------------------------------------------------------------------------- request parsing


def _text_of(content: object) -> str:
    """The text inside a message or tool_result ``content`` (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict):
                parts.append(f"[{block.get('type')} block]")
        return "\n".join(parts)
    return ""


def _messages(body: dict) -> list:
    messages = body.get("messages")
    return messages if isinstance(messages, list) else []


def _first_user_text(body: dict) -> str:
    for message in _messages(body):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _assistant_turns(body: dict) -> int:
    return sum(
        1 for m in _messages(body) if isinstance(m, dict) and m.get("role") == "assistant"
    )


def _tool_result_blocks(body: dict) -> Iterator[dict]:
    for message in _messages(body):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                yield block


# --------------------------------------------------------------------------- responses


def _usage(output_tokens: int = 5) -> dict:
    return {
        "input_tokens": 10,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _message(model: str, content: list, stop_reason: str) -> dict:
    return {
        "id": f"msg_mock_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(),
    }


def _sse_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _sse_body(message: dict) -> bytes:
    """The message as a Messages API event stream: start, blocks as deltas, delta, stop."""
    head = dict(message, content=[], stop_reason=None, usage=_usage(1))
    events = [_sse_event("message_start", {"type": "message_start", "message": head})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            start = dict(block, input={})
            arguments = json.dumps(block["input"])
            # Split the arguments in two deltas, as a real stream would, so the client's
            # reassembly of partial JSON is exercised.
            middle = len(arguments) // 2
            deltas = [
                {"type": "input_json_delta", "partial_json": piece}
                for piece in (arguments[:middle], arguments[middle:])
            ]
        else:
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": block["text"]}]
        events.append(_sse_event("content_block_start",
                                 {"type": "content_block_start", "index": index,
                                  "content_block": start}))
        for delta in deltas:
            events.append(_sse_event("content_block_delta",
                                     {"type": "content_block_delta", "index": index,
                                      "delta": delta}))
        events.append(_sse_event("content_block_stop",
                                 {"type": "content_block_stop", "index": index}))
    events.append(_sse_event("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": message["usage"]["output_tokens"]},
    }))
    events.append(_sse_event("message_stop", {"type": "message_stop"}))
    return "".join(events).encode()


# --------------------------------------------------------------------------- the mock


class MockAnthropicAPI:
    """The scripted Messages API server. Use as a context manager; ``url`` is its base URL."""

    def __init__(self, script: list, *, main_key: str) -> None:
        _validate_steps(script, "main")
        self.main_key = main_key
        self._conversations: dict = {}
        _collect_conversations(script, main_key, self._conversations)
        keys = list(self._conversations)
        for key in keys:
            for other in keys:
                if key != other and key in other:
                    raise ScriptError(
                        f"conversation key {key!r} is contained in {other!r}; the mock could "
                        "not tell those conversations apart"
                    )
        self._nonce = uuid.uuid4().hex[:8]
        self._lock = threading.Lock()
        self._requests: list = []
        self._issued: dict = {}  # tool_use_id -> what the mock asked for
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> MockAnthropicAPI:
        handler = type("BoundHandler", (_Handler,), {"mock": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="mock-anthropic-api", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> MockAnthropicAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the mock API is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ----------------------------------------------------------------- what was seen

    @property
    def requests(self) -> list:
        """Every request, in arrival order: dicts with method, path, body, conversation, step."""
        with self._lock:
            return list(self._requests)

    def tool_results(self) -> list:
        """Each distinct tool_result Claude Code sent back, in first-seen order.

        Every dict has ``tool_use_id``, ``content`` (its text), ``is_error`` (bool), and, when
        the mock issued that id, ``tool_name``, ``input`` and ``conversation`` (``"main"`` or
        the subagent's prompt).
        """
        seen: dict = {}
        for request in self.requests:
            body = request["body"]
            if not isinstance(body, dict):
                continue
            for block in _tool_result_blocks(body):
                tool_use_id = str(block.get("tool_use_id", ""))
                if tool_use_id in seen:
                    continue
                entry = {
                    "tool_use_id": tool_use_id,
                    "content": _text_of(block.get("content")),
                    "is_error": bool(block.get("is_error", False)),
                }
                with self._lock:
                    entry.update(self._issued.get(tool_use_id, {}))
                seen[tool_use_id] = entry
        return list(seen.values())

    def describe_requests(self, limit: int = 40) -> str:
        """A compact, human-readable request log for failure messages."""
        lines = []
        requests = self.requests
        for number, request in enumerate(requests[-limit:], start=max(0, len(requests) - limit)):
            lines.append(
                f"#{number} {request['method']} {request['path']} conversation="
                f"{request['conversation']!r} step={request['step']} -> {request['answer']}"
            )
        return "\n".join(lines) if lines else "(the mock received no request)"

    # ----------------------------------------------------------------- answering

    def _record(self, entry: dict) -> None:
        with self._lock:
            self._requests.append(entry)

    def _conversation_of(self, body: dict) -> str | None:
        if not body.get("tools"):
            return None
        first = _first_user_text(body)
        # Only the *first* user message: later ones hold Agent inputs (subagent keys) and
        # tool results. No key contains another (checked in __init__), so order is free.
        for key in self._conversations:
            if key in first:
                return key
        return None

    def answer_messages(self, body: dict) -> tuple[dict, str | None, int | None]:
        """The assistant message for one ``/v1/messages`` request, and what it played."""
        model = str(body.get("model") or "claude-mock")
        key = self._conversation_of(body)
        if key is None:
            return _message(model, [{"type": "text", "text": SIDE_ANSWER}], "end_turn"), None, None
        steps = self._conversations[key]
        index = _assistant_turns(body)
        step = steps[index] if index < len(steps) else None
        calls = _tool_steps(step) if step is not None else []
        if not calls:
            text = step["text"] if step is not None else "Scripted session finished."
            echo = "\n".join(
                f"tool_result {b.get('tool_use_id')} is_error={bool(b.get('is_error', False))}: "
                f"{_text_of(b.get('content'))}"
                for b in _tool_result_blocks(body)
            )
            full = f"{text}\n{echo}" if echo else text
            return _message(model, [{"type": "text", "text": full}], "end_turn"), key, index
        conversation = MAIN if key == self.main_key else key
        content = []
        for block_index, call in enumerate(calls):
            tool_use_id = self._issue_id(key, index, block_index, call, conversation)
            content.append({"type": "tool_use", "id": tool_use_id, "name": call["tool"],
                            "input": call.get("input", {})})
        return _message(model, content, "tool_use"), key, index

    def _issue_id(self, key: str, step: int, block: int, call: dict, conversation: str) -> str:
        """A stable id per (conversation, step, block) so a retried request reuses it."""
        conversation_number = list(self._conversations).index(key)
        tool_use_id = f"toolu_mock_{self._nonce}_c{conversation_number}_s{step}_b{block}"
        with self._lock:
            self._issued[tool_use_id] = {
                "tool_name": call["tool"],
                "input": call.get("input", {}),
                "conversation": conversation,
                "step": step,
            }
        return tool_use_id


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the bound ``mock``; answers every unknown path with ``200 {}``."""

    mock: MockAnthropicAPI
    protocol_version = "HTTP/1.1"  # keep-alive, every answer carries Content-Length

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log; the mock records requests itself."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", f"req_mock_{uuid.uuid4().hex[:16]}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _handle(self) -> None:
        raw = self._read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        entry = {"method": self.command, "path": self.path, "body": body,
                 "conversation": None, "step": None, "answer": "200 {}"}
        answer = (200, b"{}", "application/json")
        try:
            if self.command == "POST" and path == "/v1/messages/count_tokens":
                entry["answer"] = "count_tokens"
                answer = (200, b'{"input_tokens": 100}', "application/json")
            elif self.command == "POST" and path == "/v1/messages" and isinstance(body, dict):
                message, key, step = self.mock.answer_messages(body)
                entry["conversation"] = (
                    None if key is None else (MAIN if key == self.mock.main_key else key)
                )
                entry["step"] = step
                entry["answer"] = _summarize(message)
                if body.get("stream"):
                    answer = (200, _sse_body(message), "text/event-stream")
                else:
                    answer = (200, json.dumps(message).encode(), "application/json")
        finally:
            # Record before answering: a client that has its answer must find its request
            # in the log (recording after the reply raced with fast clients).
            self.mock._record(entry)
        self._send(*answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


def _summarize(message: dict) -> str:
    parts = []
    for block in message["content"]:
        if block["type"] == "tool_use":
            parts.append(f"tool_use {block['name']} {json.dumps(block['input'])[:120]}")
        else:
            parts.append(f"text {block['text'][:60]!r}")
    return "; ".join(parts)
