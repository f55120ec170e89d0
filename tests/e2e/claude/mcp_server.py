"""A minimal stdio MCP server for end-to-end tests (stdlib only, run as a script).

It speaks newline-delimited JSON-RPC 2.0 on stdin/stdout and offers three tools:

- ``echo {text}``: answers with the text, so a test can see the call went through;
- ``touch {path}``: creates the file, a side effect a test can check for after a deny;
- ``write_file {path, content}``: writes the text to the file (replacing it), the shape of a
  filesystem server's write tool, which guard rules recognise by its name.

Claude Code exposes them to the model as ``mcp__<server name>__<tool>``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SERVER_NAME = "prempti-e2e-mcp"
FALLBACK_PROTOCOL = "2025-06-18"

TOOLS = [
    {
        "name": "echo",
        "description": "Return the given text unchanged.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        },
    },
    {
        "name": "touch",
        "description": "Create an empty file at the given absolute path.",
        "inputSchema": {
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
        },
    },
    {
        "name": "write_file",
        "description": "Write the given text to the file at the given absolute path.",
        "inputSchema": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
]


def _call_tool(name: str, arguments: dict) -> dict:
    if name == "echo":
        return {"content": [{"type": "text", "text": f"echo: {arguments.get('text', '')}"}]}
    if name == "touch":
        Path(str(arguments.get("path", ""))).touch()
        return {"content": [{"type": "text", "text": f"touched {arguments.get('path')}"}]}
    if name == "write_file":
        Path(str(arguments.get("path", ""))).write_text(str(arguments.get("content", "")))
        return {"content": [{"type": "text", "text": f"wrote {arguments.get('path')}"}]}
    return {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True}


def _answer(request: dict) -> dict | None:
    """The JSON-RPC response to one message, or None for notifications."""
    method = request.get("method")
    params = request.get("params") or {}
    if "id" not in request:
        return None  # notifications (e.g. notifications/initialized) need no answer
    if method == "initialize":
        result = {
            "protocolVersion": params.get("protocolVersion") or FALLBACK_PROTOCOL,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": SERVER_NAME, "version": "1.0.0"},
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        try:
            result = _call_tool(str(params.get("name")), params.get("arguments") or {})
        except OSError as error:
            result = {"content": [{"type": "text", "text": str(error)}], "isError": True}
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": request["id"],
                "error": {"code": -32601, "message": f"method not found: {method}"}}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def main() -> int:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if not isinstance(request, dict):
            continue
        response = _answer(request)
        if response is not None:
            sys.stdout.write(json.dumps(response) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
