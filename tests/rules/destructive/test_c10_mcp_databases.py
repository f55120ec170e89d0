"""Class 10: MCP database tools: DROP, TRUNCATE, DELETE or UPDATE without WHERE and
ALTER ... DROP ask, and so do reads of tables named like secrets; ordinary queries do not."""

from __future__ import annotations

import pytest

ASKS = [
    ("mcp__postgres__query", {"sql": "DROP TABLE IF EXISTS carts;"}),
    ("mcp__postgres__query", {"sql": "drop table carts"}),
    ("mcp__supabase__execute_sql", {"project_id": "p1", "query": "TRUNCATE events;"}),
    ("mcp__mysql__run_sql", {"sql": "DELETE FROM sessions;"}),
    ("mcp__db__execute_sql", {"sql": "-- cleanup\nDELETE FROM audit"}),
    ("mcp__db__execute_sql", {"sql": "/* tidy */ delete from audit"}),
    ("mcp__postgres__query", {"sql": "UPDATE users SET active = false"}),
    ("mcp__postgres__query", {"sql": "ALTER TABLE users DROP COLUMN phone;"}),
    ("mcp__postgres__query", {"sql": "SELECT 1; DROP SCHEMA staging CASCADE;"}),
    ("mcp__neon__run_sql", {"projectId": "x", "sql": "DROP DATABASE analytics"}),
    ("mcp__supabase__apply_migration", {"name": "m", "query": "DROP TABLE old;"}),
    ("mcp__postgres__query", {"sql": "SELECT * FROM api_keys"}),
    ("mcp__postgres__query", {"sql": "select token from auth.refresh_tokens limit 5"}),
    ("mcp__mysql__query", {"sql": "SELECT u.id, c.secret FROM users u JOIN "
                                  "oauth_credentials c ON c.user_id = u.id"}),
]

ALLOWS = [
    ("mcp__postgres__query", {"sql": "SELECT id, email FROM users LIMIT 10"}),
    ("mcp__postgres__query", {"sql": "SELECT * FROM posts WHERE body LIKE '%DROP TABLE%'"}),
    ("mcp__mysql__run_sql", {"sql": "DELETE FROM sessions WHERE expires_at < NOW()"}),
    ("mcp__postgres__query", {"sql": "UPDATE orders SET status = 'paid' WHERE id = 7"}),
    ("mcp__postgres__query", {"sql": "CREATE INDEX idx_o ON orders(user_id)"}),
    ("mcp__postgres__query", {"sql": "INSERT INTO flags (name) VALUES ('drop_table')"}),
    ("mcp__postgres__query", {"sql": "SELECT table_name FROM information_schema.columns "
                                     "WHERE table_name = 'token_usage'"}),
    ("mcp__postgres__query", {"sql": "EXPLAIN SELECT * FROM orders"}),
    ("mcp__supabase__list_tables", {"project_id": "p1"}),
    ("mcp__github__create_issue", {"title": "DROP TABLE users fails", "body": "steps"}),
]


@pytest.mark.parametrize("tool, arguments", ASKS)
def test_destructive_or_secret_sql_asks(verdict, tool, arguments):
    result = verdict(arguments, tool=tool)
    assert result == "ask", (result.rules, result.effects)


@pytest.mark.parametrize("tool, arguments", ALLOWS)
def test_ordinary_sql_is_allowed(verdict, tool, arguments):
    result = verdict(arguments, tool=tool)
    assert result == "allow", (result.rules, result.effects)


def test_a_production_server_is_denied(verdict):
    result = verdict({"sql": "TRUNCATE orders"}, tool="mcp__prod_db__query")
    assert result == "deny", result.rules
