"""Real `stepdown serve` processes for tests: started in a subprocess on a free port,
never in the test's own process (an event loop left running by one test would break
another's ``asyncio.run`` on the same xdist worker), and stopped afterwards with their
workers, whatever happened."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 120.0  # importing the app in each worker is slow on a loaded machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def server_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The process environment without our caller's STEPDOWN_* settings, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEPDOWN_")}
    env.update(
        STEPDOWN_VAR_DIR=str(tmp_path / "var"),
        STEPDOWN_DATABASE_URL=database_url,
        STEPDOWN_SECRET_KEY="serve-test-secret-key-not-for-production",
        STEPDOWN_JOBS_BACKEND="off",
    )
    env.update(extra)
    return env


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def served(
    tmp_path: Path,
    env: Mapping[str, str],
    args: Sequence[str] = (),
    *,
    command: Sequence[str] | None = None,
    name: str = "serve",
) -> Iterator[Server]:
    """`stepdown serve --port <free> *args` (or ``command`` plus those options), running
    and answering /healthz, in a process group of its own; SIGTERM at the end, then
    SIGKILL to the group if it has not exited."""
    port = free_port()
    log = tmp_path / f"{name}-{port}.log"
    base = list(command) if command is not None else [sys.executable, "-m", "stepdown"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*base, "serve", "--port", str(port), *args],
            cwd=tmp_path,  # no .env of the checkout
            env=dict(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(server.url):
            if process.poll() is not None:
                raise AssertionError(f"serve exited {process.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not answer in time:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        # Workers left behind by a supervisor that died would keep the port and the
        # database; they are in its process group.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
