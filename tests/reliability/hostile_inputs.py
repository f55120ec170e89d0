"""Hostile hook inputs as hypothesis strategies: random bytes, mutated calls, deep JSON,
huge strings, wrong types in every field, Unicode edge cases (NUL, lone surrogates, RTL
overrides, non-characters), shell and path tricks. Shared by the tests and long_run.py."""

from __future__ import annotations

from hypothesis import strategies as st
from reliability_harness import (
    ALLOW_COMMAND,
    ASK_COMMAND,
    DEFAULT_INPUT_MAX,
    DENY_COMMAND,
    HOOK_EVENTS,
    encode,
    tool_call,
)

# Characters and pieces an agent can use to confuse a parser, a path resolver or a terminal.
EDGE_CHARS = ("\x00", "\x01", "\x1b", "\x7f", "\u0085", "\u00a0", "\u200b", "\u200d",
              "\u200e", "\u202e", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff",
              "\ud800", "\udbff", "\udc00", "\udfff", "\U0001f600", "\U0010ffff", "\u0301",
              "\u0130", "\u00df", "\ufb01", "\u212a", "\uff0f", "\u2215", "\\", "\"", "'",
              "`", "$", "~", "/", ".", "*", "?", "[", "{", "|", ";", "&", "\n", "\r", "\t",
              " ", "#", "%")
EDGE_PIECES = ("..", "../", "/./", "//", "~", "~/", "~root/", "$HOME", "${HOME}", "$(", "${",
               "`", "<(", ">(", "\\\n", "'", "\"", "\\", "|", "||", "&&", ";", "&", "\n",
               "bash -c ", "sh -c '", "eval ", "sudo ", "env ", "xargs ", "$IFS", "${IFS}",
               "/proc/self/root", "/dev/fd/0", "/etc/passwd", "~/.ssh/id_rsa", "-rf ",
               "--force ", "http://", "https://[::1]/", "file:///", "%2e%2e/", "\x00",
               "\ud800", "\u202e", "*", "**/", "[!", "{a,b}", "#", "<<EOF\n", "\"$(",
               "cat ", "rm ", "git push ", "curl ", "| sh", ".ssh/id_rsa", "/etc/")

HUGE_SIZES = (0, 1, 255, 4096, 65537, 1 << 20, DEFAULT_INPUT_MAX - 4096)


def edge_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Short text mixing every Unicode category (lone surrogates included) with the
    characters and pieces above."""
    any_char = st.characters(exclude_categories=())  # lone surrogates included
    return st.lists(st.one_of(st.text(any_char, max_size=8), st.sampled_from(EDGE_CHARS),
                              st.sampled_from(EDGE_PIECES)),
                    max_size=max_size).map("".join)


@st.composite
def huge_text(draw) -> str:
    """A piece repeated up to about the input limit (the JSON encoding can double it)."""
    piece = draw(st.sampled_from(EDGE_PIECES + EDGE_CHARS + ("a", "a ", "A" * 20)))
    size = draw(st.sampled_from(HUGE_SIZES))
    count = max(size // max(len(piece.encode("utf-8", "surrogatepass")), 1), 1)
    return piece * count


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    """Any JSON value, with edge-case strings and numbers (huge ints, -0.0, 1e308)."""
    scalars = st.one_of(st.none(), st.booleans(),
                        st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                        st.sampled_from([0, -1, 2 ** 63, -(2 ** 63) - 1]),
                        st.builds(pow, st.just(10), st.sampled_from([400, 4000])),
                        st.floats(allow_nan=False, allow_infinity=False),
                        edge_text(12))
    return st.recursive(scalars, lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(edge_text(6), children, max_size=4)), max_leaves=max_leaves)


TOOL_NAMES = ("Bash", "Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "Glob", "Grep",
              "LS", "WebFetch", "WebSearch", "Task", "Agent", "TodoWrite", "bash",
              "powershell", "mcp__github__create_issue", "mcp__x", "mcp____", "")
INPUT_KEYS = ("command", "file_path", "path", "url", "content", "old_string", "new_string",
              "pattern", "glob", "notebook_path", "new_source", "edits", "prompt",
              "description", "timeout", "run_in_background")
TOP_KEYS = ("session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name",
            "tool_name", "tool_input", "tool_use_id", "model", "turn_id", "agent_id",
            "agent_type", "mcp_server", "prompt_id")


def field_values() -> st.SearchStrategy:
    """What a fuzzed field holds: any JSON value, edge text, or a huge string."""
    return st.one_of(json_values(), edge_text(), huge_text(),
                     st.sampled_from([DENY_COMMAND, ASK_COMMAND, "/etc/hosts", "~/.ssh/id_rsa",
                                      "/tmp", ".", "", "http://169.254.169.254/"]))


@st.composite
def tool_inputs(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(INPUT_KEYS), max_size=5, unique=True))
    out = {key: draw(field_values()) for key in keys}
    if draw(st.booleans()):
        out["edits"] = draw(st.lists(st.fixed_dictionaries(
            {"old_string": edge_text(), "new_string": edge_text()}), max_size=3))
    return out


@st.composite
def hook_payloads(draw) -> dict:
    """A Claude Code hook input with any field dropped, retyped or made hostile."""
    payload = tool_call(draw(st.one_of(edge_text(), st.sampled_from(
        [DENY_COMMAND, ASK_COMMAND, ALLOW_COMMAND]))),
        tool_name=draw(st.one_of(st.sampled_from(TOOL_NAMES), edge_text(10))),
        event=draw(st.sampled_from((*HOOK_EVENTS, "", "pretooluse", "\u202ePreToolUse"))),
        cwd=draw(st.one_of(st.sampled_from(["/tmp", "/", "", ".", "~", "/nonexistent/x",
                                            "/tmp/../etc"]), edge_text())),
        tool_use_id=draw(edge_text(10)))
    if draw(st.booleans()):
        payload["tool_input"] = draw(tool_inputs())
    for key in draw(st.lists(st.sampled_from(TOP_KEYS), max_size=4, unique=True)):
        action = draw(st.sampled_from(["drop", "retype", "huge"]))
        if action == "drop":
            payload.pop(key, None)
        elif action == "retype":
            payload[key] = draw(json_values())
        else:
            payload[key] = draw(huge_text())
    for _ in range(draw(st.integers(0, 2))):
        payload[draw(edge_text(8))] = draw(json_values())
    return payload


@st.composite
def huge_calls(draw) -> dict:
    """A well-formed call of a real tool with one field made huge (up to the input limit):
    the hook must read, analyse, decide and log it within the bounds."""
    tool, key = draw(st.sampled_from([("Bash", "command"), ("Bash", "description"),
                                      ("Write", "content"), ("Write", "file_path"),
                                      ("Edit", "new_string"), ("Read", "file_path"),
                                      ("WebFetch", "url"), ("Grep", "pattern"),
                                      ("mcp__x__y", "payload")]))
    tool_input = {"command": draw(st.sampled_from([DENY_COMMAND, ALLOW_COMMAND]))} \
        if tool == "Bash" else {"file_path": "/tmp/x"}
    tool_input[key] = draw(huge_text())
    return tool_call(tool_name=tool, tool_input=tool_input,
                     cwd=draw(st.sampled_from(["/tmp", "/"])))


def deep_json(depth: int, kind: str) -> bytes:
    """JSON nested `depth` levels deep, wrapped in a hook input when `kind` says so."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    inner = "[" * depth + "]" * depth
    call = encode(tool_call(ALLOW_COMMAND)).decode()
    return call.replace('"tool_input": {', '"tool_input": {"deep": ' + inner + ", ", 1) \
        .encode()


@st.composite
def mutated(draw, source: st.SearchStrategy[bytes]) -> bytes:
    """Valid bytes with a few bytes flipped, inserted, deleted or cut off."""
    data = bytearray(draw(source))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[at]
        else:
            del data[at:]
    return bytes(data)


def stdin_bytes() -> st.SearchStrategy[bytes]:
    """Everything the hook's stdin can hold, from valid calls to garbage."""
    calls = hook_payloads().map(encode)
    return st.one_of(
        calls,
        calls,
        huge_calls().map(encode),
        st.binary(max_size=256),
        mutated(calls),
        st.builds(deep_json, st.sampled_from([1, 50, 500, 990, 1000, 5000, 100_000]),
                  st.sampled_from(["array", "object", "call"])),
        json_values().map(encode),
        st.sampled_from([b"", b" ", b"\n\n", b"\xef\xbb\xbf{}", b"{}", b"[]", b"null",
                         b'"PreToolUse"', b"{\"a\":NaN}", b"{\"a\":Infinity}", b"\xff\xfe{}",
                         b"{\"hook_event_name\":\"PreToolUse\"}\x00", b"{" * 3,
                         b'{"hook_event_name":"PreToolUse","tool_name":"Bash",'
                         b'"tool_input":{"command":"ls"},'
                         b'"tool_input":{"command":"cat ~/.ssh/id_rsa"}}']),
    )
