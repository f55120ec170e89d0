"""Class 8: killing processes by name, pattern, port or all at once asks; killing one pid,
a job or the last background process is routine."""

from __future__ import annotations

import pytest

ASKS = [
    "pkill node",
    "pkill -f 'vite --port 5173'",
    "pkill -9 -u \"$(whoami)\"",
    "killall -9 python3",
    "kill -9 -1",
    "kill -TERM -1",
    "kill $(pgrep -f 'next dev')",
    "kill -9 $(lsof -ti:3000)",
    "pgrep -f webpack | xargs kill",
    "lsof -ti:8080 | xargs kill -9",
    "fuser -k 3000/tcp",
    "docker kill $(docker ps -q)",
    "docker rm -f $(docker ps -aq)",
    "tmux kill-server",
    "pm2 delete all",
]

ALLOWS = [
    "kill 48213",
    "kill -9 48213",
    "kill %1",
    "npm run dev & sleep 3; curl -s localhost:3000; kill $!",
    "kill -0 48213 && echo alive",
    "kill -l",
    "pgrep -fl vite",
    "lsof -i :3000",
    "fuser 5432/tcp",
    "ps aux | grep uvicorn",
    "docker stop web-1",
    "tmux kill-session -t dev",
    "pm2 list",
    "pm2 stop api",
]


@pytest.mark.parametrize("command", ASKS)
def test_killing_broadly_asks(verdict, command):
    result = verdict(command)
    assert result == "ask", (result.rules, result.effects)


@pytest.mark.parametrize("command", ALLOWS)
def test_killing_one_process_is_allowed(verdict, command):
    result = verdict(command)
    assert result == "allow", (result.rules, result.effects)


def test_killing_the_guard_is_still_denied(verdict):
    assert verdict("pkill -f prempti") == "deny"
