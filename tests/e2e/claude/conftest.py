"""Fixtures for end-to-end tests that drive the real Claude Code CLI against the mock API.

- ``claude_code``: the pinned ``claude`` executable, installed once per checkout (a failed
  install fails the tests with npm's output; it never skips them).
- ``claude_session``: a ``driver.ClaudeSession`` with a fresh HOME and project folder under
  the test's ``tmp_path``; call ``claude_session.run(script, ...)``.
- ``release``: a copy of the release files with the zipapp built, once per session;
  ``fresh``: a ``product.Product`` (a throwaway HOME) with nothing installed yet;
  ``product``: the same after ``install/install.sh``.
- ``connection_recorder``: a TCP listener on 127.0.0.1 that counts connections, to prove a
  network tool did (or did not) try to reach an address.
"""

from __future__ import annotations

import socket
import threading

import pytest
from driver import ClaudeSession, HarnessError, install_claude_code
from product import Product
from release import release_copy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="session")
def claude_code() -> Path:
    try:
        return install_claude_code()
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    return release_copy(tmp_path_factory.getbasetemp())


@pytest.fixture
def fresh(claude_code: Path, release: Path) -> Iterator[Product]:
    """A home with nothing installed yet."""
    product = Product(claude_code, release)
    try:
        yield product
    finally:
        product.cleanup()


@pytest.fixture
def product(fresh: Product) -> Product:
    return fresh.install()


@pytest.fixture
def claude_session(claude_code: Path, tmp_path: Path) -> ClaudeSession:
    return ClaudeSession(claude_code, home=tmp_path / "home", project=tmp_path / "project")


class ConnectionRecorder:
    """Accepts TCP connections on 127.0.0.1 and closes them at once, counting each."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self._lock = threading.Lock()
        self._count = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="connection-recorder",
                                        daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1]

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._count += 1
            connection.close()

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._socket.close()


@pytest.fixture
def connection_recorder() -> Iterator[ConnectionRecorder]:
    recorder = ConnectionRecorder()
    try:
        yield recorder
    finally:
        recorder.close()
