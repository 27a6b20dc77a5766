"""`stepdown serve`: how many worker processes, the SQLite refusal, and that every worker
answers keep-alive requests promptly on connections with TCP_NODELAY set.

The servers run in subprocesses (``tests.served``). To read the option on the server's
side of a connection, the test finds the socket the serving process accepted
(``/proc/<pid>/fd`` against ``/proc/net/tcp``) and duplicates it with ``pidfd_getfd``
(Linux 5.6+; allowed for our own descendants), then asks ``getsockopt``.
"""

from __future__ import annotations

import ctypes
import errno
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from stepdown.cli import serving
from stepdown.settings import Settings
from tests import databases
from tests.served import served, server_env

SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture
# Nagle's algorithm holding a response's body for the client's delayed ACK costs about
# 40 ms a request on Linux; a served /healthz takes a few.
NAGLE_MS = 40.0


def run_stepdown(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepdown", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=server_env(tmp_path, f"sqlite:///{tmp_path}/serve.db", **env),
        timeout=60,
    )


def test_sqlite_refuses_more_than_one_worker_in_one_line(tmp_path: Path) -> None:
    out = run_stepdown(tmp_path, "serve", "--workers", "2")
    assert out.returncode == 2
    assert out.stdout == ""
    [line] = out.stderr.splitlines()
    assert line.startswith("error: --workers 2: SQLite")
    assert "PostgreSQL" in line


def test_help_states_the_default_and_why_sqlite_has_one(tmp_path: Path) -> None:
    out = run_stepdown(tmp_path, "serve", "--help", COLUMNS="200")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert f"one per CPU core available ({serving.available_cores()} here)" in text
    assert "SQLite 1" in text
    assert "serialises writers" in text


def test_default_workers_follow_the_database() -> None:
    sqlite = Settings(database_url="sqlite:///x.db", _env_file=None)  # type: ignore[call-arg]
    pg = Settings(database_url="postgresql://db/stepdown", _env_file=None)  # type: ignore[call-arg]
    assert serving.default_workers(sqlite) == 1
    assert serving.default_workers(pg) == serving.available_cores() >= 1
    assert serving.refusal(sqlite, 1) is None
    assert serving.refusal(pg, 8) is None
    assert serving.refusal(sqlite, 2) is not None


# --- the server's side of a connection --------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        found.extend(int(child) for child in text.split())
    return found


def _accepted_inode(server_port: int, client_port: int) -> int:
    """The inode of the server's socket for the connection from ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        if (local_port, remote_port) == (server_port, client_port):
            return int(fields[9])
    raise AssertionError(f"no server socket for the connection from port {client_port}")


def _holder(pids: list[int], inode: int) -> tuple[int, int]:
    """(pid, fd) of the process among ``pids`` that holds the socket ``inode``."""
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except FileNotFoundError:  # the worker exited (the supervisor replaces it)
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == target:
                    return pid, int(fd.name)
            except FileNotFoundError:  # closed meanwhile
                continue
    raise AssertionError(f"no process of {pids} holds {target}")


def _nodelay_in(pid: int, fd: int) -> int | None:
    """TCP_NODELAY of ``fd`` in process ``pid``, or None where pidfd_getfd is refused."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            if ctypes.get_errno() in (errno.ENOSYS, errno.EPERM, errno.EACCES):
                return None
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        # Closing our duplicate leaves the server's connection open.
        with socket.socket(fileno=copy) as duplicate:
            return duplicate.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        os.close(pidfd)


@contextmanager
def connection(port: int) -> Iterator[http.client.HTTPConnection]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    """Status and milliseconds of one request on a kept-alive connection."""
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    assert response.getheader("connection", "").lower() != "close"
    return response.status, (time.perf_counter() - started) * 1000


def check_workers(server_pid: int, port: int, expected: int) -> None:
    """Connections until each of ``expected`` serving processes accepted one; on each,
    sequential keep-alive requests answer faster than Nagle would allow, and the
    accepted socket has TCP_NODELAY."""
    workers = _children(server_pid) if expected > 1 else [server_pid]
    seen: dict[int, int] = {}  # worker pid -> its fd for one of our connections
    # A worker takes a few seconds to import the app under load: keep connecting (each new
    # connection goes to whichever worker accepts it) until each has taken one, up to 30 s.
    deadline = time.monotonic() + 30
    with ExitStack() as stack:
        while time.monotonic() < deadline:
            conn = stack.enter_context(connection(port))
            status, _ = get(conn, "/healthz")
            assert status == 200
            assert conn.sock is not None
            client_port = conn.sock.getsockname()[1]
            if expected > 1:  # a worker slow to start under load may have been replaced
                workers = _children(server_pid)
            pid, fd = _holder(workers, _accepted_inode(port, client_port))
            if pid not in seen:
                seen[pid] = fd
                timings = [get(conn, "/healthz")[1] for _ in range(30)]
                assert statistics.median(timings) < NAGLE_MS, (pid, timings)
            if len(seen) == expected:
                break
            time.sleep(0.1)
        assert len(seen) == expected, f"only {sorted(seen)} of {workers} accepted connections"
        alive = _children(server_pid) if expected > 1 else [server_pid]
        options = {pid: _nodelay_in(pid, fd) for pid, fd in seen.items() if pid in alive}
    if None in options.values():
        pytest.skip("pidfd_getfd refused here: TCP_NODELAY checked by latency only")
    assert all(value != 0 for value in options.values()), options


def test_one_process_on_sqlite_by_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/serve.db"
    databases.migrated(url)
    with served(tmp_path, server_env(tmp_path, url)) as server:
        assert _children(server.process.pid) == []
        check_workers(server.process.pid, server.port, expected=1)
    assert "Started server process" in server.output()


@pytest.mark.postgres
def test_two_workers_on_postgresql_each_serve_with_tcp_nodelay(tmp_path: Path) -> None:
    base = databases.pg_base_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    with databases.fresh_pg_database(base) as url:
        databases.migrated(url)
        with served(tmp_path, server_env(tmp_path, url), ["--workers", "2"]) as server:
            check_workers(server.process.pid, server.port, expected=2)
        assert server.output().count("Started server process") == 2
