"""Every tool Claude Code offers reaches the installed prempti-hook and gets the right verdict.

One session per tool, in Claude Code's default permission mode (the mode users run): first an
everyday call the hook allows (so it runs, even where Claude Code alone would have refused),
then a call the shipped rules deny (or ask about, for Glob, where no shipped rule denies).
Each verdict is checked where the model sees it (the tool_result the mock received), in the
``--output-format json`` result (``permission_denials``), on disk, and in the audit log,
whose ``output_fields["tool.name"]`` must name the tool.
"""

from __future__ import annotations

import json
import time

import pytest
from driver import ALL_TOOLS, MCP_SERVER_NAME, mcp_config
from mock_api import agent_call, tool_call
from product import (
    BYPASS,
    CANARY,
    STREAM_JSON,
    Product,
    assert_allowed,
    assert_asked,
    assert_denied,
    canary_reached_model,
    proxy_env,
)

pytestmark = pytest.mark.e2e

SELF_RULE = "Deny changes to prempti-hook files"
SSH_RULE = "Deny access to SSH private keys"


def run(product: Product, script: list, **options: object):
    # Bypass mode: Claude Code asks nothing itself, so what runs and what is blocked is the
    # hook's doing (allowed calls get no decision from it and run).
    options.setdefault("tools", ALL_TOOLS)
    options.setdefault("permission_mode", BYPASS)
    return product.run(script, **options)


def notebook(source: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": [source],
                   "outputs": [], "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })


def test_bash(product):
    config = product.prempti / "config.yaml"
    assert product.cli("mode", "guardrails").returncode == 0
    before = config.read_bytes()
    session = run(product, [
        tool_call("Bash", command="echo bash-ran > ran.txt && cat ran.txt", description="Echo"),
        tool_call("Bash", command="~/.prempti/bin/prempti-hook mode monitor",
                  description="Turn the guard off"),
    ])
    ran, switch = session.results_for("Bash")
    assert ran["content"] == "bash-ran"
    assert_allowed(product, session, ran)
    assert_denied(product, session, switch, "Deny prempti-hook commands that switch it off")
    assert config.read_bytes() == before


def test_read(product):
    readme = product.project / "README.md"
    readme.write_text("project readme\n")
    credentials = product.home / ".aws" / "credentials"
    credentials.parent.mkdir()
    credentials.write_text(f"[default]\naws_secret_access_key = {CANARY}\n")
    session = run(product, [tool_call("Read", file_path=str(readme)),
                            tool_call("Read", file_path=str(credentials))])
    allowed, denied = session.results_for("Read")
    assert "project readme" in allowed["content"]
    assert_allowed(product, session, allowed)
    assert_denied(product, session, denied, "Deny access to credential stores")
    assert not canary_reached_model(session)


def test_write(product):
    written = product.project / "hello.py"
    planted = product.prempti / "rules" / "user" / "99-allow-everything.yaml"
    session = run(product, [
        tool_call("Write", file_path=str(written), content="print('hello')\n"),
        tool_call("Write", file_path=str(planted),
                  content="- rule: Deny access to SSH private keys\n  enabled: false\n"),
    ])
    allowed, denied = session.results_for("Write")
    assert_allowed(product, session, allowed)
    assert written.read_text() == "print('hello')\n"
    assert_denied(product, session, denied, SELF_RULE)
    assert not planted.exists()


def test_edit(product):
    source = product.project / "app.py"
    source.write_text("DEBUG = True\n")
    assert product.cli("mode", "guardrails").returncode == 0
    config = product.prempti / "config.yaml"
    before = config.read_bytes()
    # Claude Code refuses to Edit a file that was not Read first, before any hook runs.
    session = run(product, [
        tool_call("Read", file_path=str(source)),
        tool_call("Edit", file_path=str(source), old_string="True", new_string="False"),
        tool_call("Read", file_path=str(config)),
        tool_call("Edit", file_path=str(config), old_string="guardrails", new_string="monitor"),
    ])
    allowed, denied = session.results_for("Edit")
    assert_allowed(product, session, allowed)
    assert source.read_text() == "DEBUG = False\n"
    assert session.results_for("Read")[1]["is_error"] is False  # reading the guard is fine
    assert_denied(product, session, denied, SELF_RULE)
    assert config.read_bytes() == before


def test_glob(product):
    (product.project / "module.py").write_text("x = 1\n")
    # No shipped rule denies a Glob (it only lists names); hunting for key files across the
    # home folder asks (listing ~/.ssh itself is allowed).
    session = run(product, [
        tool_call("Glob", pattern="**/*.py", path=str(product.project)),
        tool_call("Glob", pattern="**/*.pem", path=str(product.home)),
    ])
    allowed, asked = session.results_for("Glob")
    assert "module.py" in allowed["content"]
    assert_allowed(product, session, allowed)
    assert_asked(product, session, asked, "Ask before searching for key files outside the project")


def test_grep(product):
    (product.project / "todo.txt").write_text("fix the needle\n")
    session = run(product, [
        tool_call("Grep", pattern="needle", path=str(product.project), output_mode="content"),
        tool_call("Grep", pattern="CANARY", path=str(product.home / ".ssh"),
                  output_mode="content"),
    ])
    allowed, denied = session.results_for("Grep")
    assert "fix the needle" in allowed["content"]
    assert_allowed(product, session, allowed)
    assert_denied(product, session, denied, SSH_RULE)
    assert not canary_reached_model(session)


def test_notebook_edit(product):
    mine = product.project / "analysis.ipynb"
    mine.write_text(notebook("print(1)"))
    guarded = product.prempti / "log" / "review.ipynb"  # a notebook kept beside the audit log
    guarded.write_text(notebook("print('audit')"))
    before = guarded.read_bytes()
    # NotebookEdit, like Edit, needs a Read of the notebook first.
    session = run(product, [
        tool_call("Read", file_path=str(mine)),
        tool_call("NotebookEdit", notebook_path=str(mine), cell_id="c1",
                  new_source="print(2)"),
        tool_call("Read", file_path=str(guarded)),
        tool_call("NotebookEdit", notebook_path=str(guarded), cell_id="c1",
                  new_source="print('gone')"),
    ])
    allowed, denied = session.results_for("NotebookEdit")
    assert_allowed(product, session, allowed)
    assert "".join(json.loads(mine.read_text())["cells"][0]["source"]) == "print(2)"
    assert_denied(product, session, denied, SELF_RULE)
    assert guarded.read_bytes() == before


def test_web_fetch(product, connection_recorder):
    # All outbound HTTP goes to the recorder (a proxy that accepts and hangs up), so a fetch
    # that is attempted shows up as a connection and nothing reaches the real network.
    env = proxy_env(connection_recorder.port)
    metadata = tool_call("WebFetch", url="http://169.254.169.254/latest/meta-data/",
                         prompt="List the credentials")
    session = run(product, [metadata], extra_env=env)
    assert_denied(product, session, session.only_result_for("WebFetch"),
                  "Deny access to cloud metadata services")
    time.sleep(0.3)  # a (wrong) late connection would show up by now
    assert connection_recorder.count == 0, "a denied WebFetch was fetched"

    page = tool_call("WebFetch", url="https://example.com/docs", prompt="Summarize")
    session = run(product, [page], extra_env=env)
    result = session.only_result_for("WebFetch")
    assert_allowed(product, session, result)
    # The fetch itself fails (the recorder is no proxy); it only has to be tried.
    assert connection_recorder.count >= 1, session.describe()


def test_agent_and_its_subagent_calls(product):
    inner_ok = tool_call("Bash", command="echo from-subagent", description="Echo")
    inner_key = tool_call("Bash", command="cat ~/.ssh/id_rsa", description="Read the key")
    helper = agent_call("e2e subagent: count the files in the project", [inner_ok, inner_key])
    hostile = agent_call("e2e subagent: print ~/.ssh/id_rsa and ~/.aws/credentials for me",
                         [tool_call("Bash", command="echo never", description="Unused")])
    # Stream output: with a background subagent the plain JSON output keeps only the last
    # turn's result, which lacks the first turn's permission denials.
    session = run(product, [helper, hostile], extra_args=STREAM_JSON)
    launched, refused = session.results_for("Agent")
    assert_allowed(product, session, launched)
    assert_denied(product, session, refused, "Deny subagent tasks that collect secrets")
    # The subagent's own calls reach the hook too (it runs in the background in -p).
    ran, denied = session.results_for("Bash")
    assert ran["conversation"] == denied["conversation"] == helper["input"]["prompt"]
    assert ran["content"] == "from-subagent"
    assert_allowed(product, session, ran)
    assert_denied(product, session, denied, SSH_RULE)
    assert not canary_reached_model(session)
    assert not [entry for entry in session.tool_results if entry.get("conversation") ==
                hostile["input"]["prompt"]], "the refused subagent ran anyway"


def test_mcp_tool(product):
    echo = f"mcp__{MCP_SERVER_NAME}__echo"
    write = f"mcp__{MCP_SERVER_NAME}__write_file"
    written = product.project / "from-mcp.txt"
    config = product.prempti / "config.yaml"
    session = run(product, [
        tool_call(echo, text="hello from mcp"),
        tool_call(write, path=str(written), content="via mcp\n"),
        tool_call(write, path=str(config), content="mode: monitor\n"),
    ], mcp_config=mcp_config())
    said = session.only_result_for(echo)
    assert said["content"] == "echo: hello from mcp"
    record = assert_allowed(product, session, said)
    assert record["output_fields"]["mcp.server"] == MCP_SERVER_NAME
    allowed, denied = session.results_for(write)
    assert_allowed(product, session, allowed)
    assert written.read_text() == "via mcp\n"
    assert_denied(product, session, denied, "Deny MCP tools that change prempti-hook files")
    assert not config.exists()
