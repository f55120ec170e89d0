"""The real rsyslog and syslog-ng, run as our own foreground processes with the shipped
configurations (install/shipping/), and the local collectors they ship to.

Where the binaries come from: the machine's own, when installed; otherwise Debian's
packages, fetched with `apt-get download` and unpacked under the repository's ignored
`.cache/shippers/` (their libraries installed with `apt-get install`). They are never
installed as packages: rsyslog and syslog-ng conflict with each other, and installing either
would replace the machine's system logger. Each instance gets its own config, work folder,
state and queue files, and no system socket: the machine's logging is never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SHIPPING = REPO / "install" / "shipping"
CACHE = REPO / ".cache" / "shippers"


class Unavailable(Exception):
    """The shipper cannot be had on this machine (not installed, and not root with apt)."""


# Binaries -------------------------------------------------------------------------------

class Binary:
    def __init__(self, path: str, args: list[str], env: dict[str, str]) -> None:
        self.path = path
        self.args = args
        self.env = env


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, **kwargs)


def _depends(deb: Path) -> list[str]:
    """The packages `deb` depends on (the first of each alternative, no versions)."""
    field = _run(["dpkg-deb", "-f", str(deb), "Depends"], check=True).stdout
    names = []
    for clause in field.split(","):
        first = clause.split("|")[0].strip()
        if first:
            names.append(first.split()[0].split(":")[0])
    return names


def _unpacked(packages: list[str]) -> Path:
    """Debian's `packages` unpacked under CACHE/root (once), their dependencies installed."""
    root = CACHE / "root"
    stamp = CACHE / f"{'+'.join(packages)}.unpacked"
    if stamp.exists():
        return root
    if os.geteuid() != 0 or not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        raise Unavailable(f"{', '.join(packages)}: not installed, and fetching them needs "
                          f"root and apt-get (CI runs as root)")
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    got = _run(["apt-get", "download", *packages], cwd=debs)
    if got.returncode != 0:  # stale package lists: refresh once
        _run(["apt-get", "update"])
        got = _run(["apt-get", "download", *packages], cwd=debs)
    if got.returncode != 0:
        raise Unavailable(f"apt-get download {' '.join(packages)}: {got.stderr.strip()}")
    files = [next(debs.glob(f"{name}_*.deb")) for name in packages]
    needed = sorted({d for deb in files for d in _depends(deb)} - set(packages))
    installed = _run(["apt-get", "install", "-y", "--no-install-recommends", *needed])
    if installed.returncode != 0:
        raise Unavailable(f"apt-get install {' '.join(needed)}: {installed.stderr.strip()}")
    for deb in files:
        _run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    stamp.touch()
    return root


def rsyslogd() -> Binary:
    system = shutil.which("rsyslogd") or shutil.which("rsyslogd", path="/usr/sbin:/sbin")
    if system:
        return Binary(system, [], {})
    root = _unpacked(["rsyslog"])
    modules = glob.glob(str(root / "usr" / "lib" / "*" / "rsyslog"))
    return Binary(str(root / "usr" / "sbin" / "rsyslogd"), ["-M", modules[0]], {})


def syslog_ng() -> Binary:
    system = shutil.which("syslog-ng") or shutil.which("syslog-ng", path="/usr/sbin:/sbin")
    if system and glob.glob("/usr/lib/syslog-ng/*/libhttp.so"):
        return Binary(system, [], {})
    root = _unpacked(["syslog-ng-core", "syslog-ng-mod-http"])
    modules = glob.glob(str(root / "usr" / "lib" / "syslog-ng" / "3.*"))
    return Binary(str(root / "usr" / "sbin" / "syslog-ng"), [f"--module-path={modules[0]}"],
                  {"LD_LIBRARY_PATH": str(root / "usr" / "lib" / "syslog-ng")})


# Configurations -------------------------------------------------------------------------

def _substitute(text: str, replacements: dict[str, str], name: str) -> str:
    """The shipped text with each example value replaced; a value that is not there means
    the shipped file changed under the test, which must then be looked at."""
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{name} no longer contains {old!r}")
        text = text.replace(old, new)
    return text


def rsyslog_config(work: Path, log_dir: Path, port: int) -> Path:
    dropin = _substitute((SHIPPING / "rsyslog" / "prempti.conf").read_text(), {
        'file="/home/*/.prempti/log/events-*.jsonl"': f'file="{log_dir}/events-*.jsonl"',
        'target="collector.example.com"': 'target="127.0.0.1"',
        'port="5140"': f'port="{port}"',
    }, "rsyslog/prempti.conf")
    (work / "prempti.conf").write_text(dropin)
    main = work / "rsyslog.conf"
    main.write_text(f'global(workDirectory="{work}")\ninclude(file="{work}/prempti.conf")\n')
    return main


def syslog_ng_config(work: Path, log_dir: Path, port: int, http: bool) -> Path:
    name = "prempti-http.conf" if http else "prempti.conf"
    replacements = {
        '@define prempti_log_dir "/home/alice/.prempti/log"':
            f'@define prempti_log_dir "{log_dir}"',
        'dir("/var/lib/syslog-ng")': f'dir("{work}")',
    }
    if http:
        replacements['@define prempti_url "https://collector.example.com/prempti/events"'] = \
            f'@define prempti_url "http://127.0.0.1:{port}/prempti/events"'
    else:
        replacements['@define prempti_collector "collector.example.com"'] = \
            '@define prempti_collector "127.0.0.1"'
        replacements['@define prempti_port "5140"'] = f'@define prempti_port "{port}"'
    text = _substitute((SHIPPING / "syslog-ng" / name).read_text(), replacements,
                       f"syslog-ng/{name}")
    config = work / "syslog-ng.conf"
    config.write_text("@version: 3.38\n" + text)
    return config


# Running --------------------------------------------------------------------------------

class Daemon:
    """One shipper in the foreground, in its own session; restartable."""

    def __init__(self, name: str, binary: Binary, argv: list[str], work: Path) -> None:
        self.name = name
        self.argv = [binary.path, *binary.args, *argv]
        self.env = {**os.environ, **binary.env}
        self.work = work
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        out = open(self.work / f"{self.name}.out", "ab")  # noqa: SIM115 - the child's stdout
        self.process = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                        env=self.env, cwd=self.work, start_new_session=True)
        out.close()

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused one must hear the TERM
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self, pause: float) -> None:
        """Stop (as `systemctl restart` does: SIGTERM, wait), stay down `pause` s, start."""
        self.stop()
        time.sleep(pause)
        self.start()

    def output(self) -> str:
        path = self.work / f"{self.name}.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def start_rsyslog(work: Path, log_dir: Path, port: int) -> Daemon:
    work.mkdir(parents=True, exist_ok=True)
    config = rsyslog_config(work, log_dir, port)
    daemon = Daemon("rsyslog", rsyslogd(), ["-n", "-iNONE", "-f", str(config)], work)
    daemon.start()
    return daemon


def start_syslog_ng(work: Path, log_dir: Path, port: int, http: bool) -> Daemon:
    work.mkdir(parents=True, exist_ok=True)
    config = syslog_ng_config(work, log_dir, port, http)
    daemon = Daemon("syslog-ng", syslog_ng(),
                    ["-F", "--no-caps", "-f", str(config), f"--persist-file={work}/persist",
                     f"--pidfile={work}/pid", f"--control={work}/ctl"], work)
    daemon.start()
    return daemon


# Collectors -----------------------------------------------------------------------------

class Collector:
    """Lines received, in arrival order; can be taken down and brought back on its port."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.lock = threading.Lock()
        self.port = 0

    def _add(self, data: bytes) -> None:
        with self.lock:
            self.lines.extend(line for line in data.split(b"\n") if line)

    def received(self) -> list[bytes]:
        with self.lock:
            return list(self.lines)

    def wait_for(self, count: int, timeout: float) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received()) < count:
            time.sleep(0.2)
        time.sleep(0.5)  # anything more (a duplicate) would show up now
        return self.received()


class TcpCollector(Collector):
    """A TCP input taking newline-delimited lines (as a Logstash or Fluentd tcp input)."""

    def start(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.port = self.server.getsockname()[1]
        self.server.listen(16)
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        pending = b""
        while True:
            try:
                data = connection.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            pending += data
            complete, _, pending = pending.rpartition(b"\n")
            if complete:
                self._add(complete)
        if pending:
            self._add(b"PARTIAL:" + pending)  # a line cut short: the test must see it

    def stop(self) -> None:
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
        except OSError:
            pass
        self.server.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


class HttpCollector(Collector):
    """An HTTP input taking newline-delimited JSON in POST bodies."""

    def start(self) -> None:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name for it
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                collector._add(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
