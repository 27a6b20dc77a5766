"""Benchmark: requests per second and latency of `stepdown serve` against a bare FastAPI app.

Run from the repository root: `.venv/bin/python -m bench.web_load [--seconds S]`.
Builds a scratch PostgreSQL database beside STEPDOWN_BENCH_DATABASE_URL (else
STEPDOWN_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test; dropped
afterwards): `stepdown db upgrade`, `stepdown demo seed`, then the compliance-board
bench's 300-client site with a year of attendance (``compliance_board.build_site``), so
the census and the board read 300 clients. Then it serves, one after the other and each
in its own process group:

- a bare FastAPI app (one route answering a small JSON object; same venv, uvicorn, one
  worker): the ceiling of this stack on this machine, measured in the same run;
- `stepdown serve --workers 1` and `--workers 2`.

The load comes from this process (the servers run in their own): a small asyncio HTTP/1.1
client with keep-alive connections, closed loop (each of C connections sends its next
request when the last answer arrived) for a fixed time after a one-second warm-up. It is
hand-written rather than httpx because on a 2-core machine the load generator shares the
cores with the server, and httpx costs several times more CPU per request than the
server's own work on the cheapest routes, which would cap the bare app's figure and
flatter every ratio. Attendance writes are open loop: PUTs scheduled at a fixed rate,
latency counted from the scheduled moment (so a stall is not hidden by sending later).

Writes bench/results/web_load.md and prints it. Targets (issue 12): health and
single-record reads at least 50 % of the bare app's req/s; census and compliance board
p50 < 100 ms at 8 concurrent; attendance writes p99 < 100 ms at 50/s with 2 workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select, text

from bench.compliance_board import PG_DEFAULT, SITE_CODE, build_site, scratch_pg
from stepdown.attendance.models import AttendanceStatus
from stepdown.calendar.models import Appointment
from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "web_load.md"
CONCURRENCY = 8
WRITE_RATE = 50.0  # attendance PUTs per second
STARTUP_SECONDS = 120.0

bare_app = FastAPI()


@bare_app.get("/healthz")
def bare_health() -> dict[str, str]:
    """The bare app's one route: what FastAPI on uvicorn costs with no work behind it."""
    return {"status": "ok"}


# --- the load generator ----------------------------------------------------------------


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def request_bytes(
    port: int, method: str, path: str, token: str | None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One request and its whole answer on a kept-alive connection."""
    writer.write(request)
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while size := int((await reader.readline()).strip(), 16):
        body += await reader.readexactly(size)
        await reader.readline()
    await reader.readline()
    return status, body


async def _closed_loop(
    port: int, requests: Sequence[bytes], expect: int, seconds: float, concurrency: int
) -> Outcome:
    outcome = Outcome()
    stop = time.perf_counter() + seconds

    async def connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            n = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                status, body = await _exchange(reader, writer, requests[n % len(requests)])
                outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
                if status != expect:
                    outcome.errors += 1
                    outcome.first_error = outcome.first_error or f"{status} {body[:200]!r}"
                n += concurrency
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    began = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(concurrency)))
    outcome.seconds = time.perf_counter() - began
    return outcome


async def _open_loop(
    port: int, requests: Sequence[bytes], expect: int, seconds: float, rate: float
) -> Outcome:
    """Request ``i`` is due at ``start + i / rate``; its latency counts from then."""
    outcome = Outcome()
    total = int(seconds * rate)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    start = time.perf_counter() + 0.05

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                due = start + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                status, body = await _exchange(reader, writer, requests[i % len(requests)])
                outcome.latencies_ms.append((time.perf_counter() - due) * 1000)
                if status != expect:
                    outcome.errors += 1
                    outcome.first_error = outcome.first_error or f"{status} {body[:200]!r}"
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    outcome.seconds = time.perf_counter() - began
    return outcome


def closed_loop(port: int, requests: Sequence[bytes], seconds: float, expect: int = 200) -> Outcome:
    asyncio.run(_closed_loop(port, requests, expect, 1.0, CONCURRENCY))  # warm-up
    return asyncio.run(_closed_loop(port, requests, expect, seconds, CONCURRENCY))


# --- servers -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(command: Sequence[str], env: dict[str, str], log: Path) -> Iterator[int]:
    """Run ``command`` (given ``--port`` last) until /healthz answers; stop its group after."""
    port = _free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{command} did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


# --- the data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    token: str
    site_id: uuid.UUID
    clients: list[uuid.UUID]
    # (appointment id, client id) of past individual hours at the bench site
    appointments: list[tuple[uuid.UUID, uuid.UUID]]


def stepdown_cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "stepdown", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def prepare(url: str, env: dict[str, str]) -> Fixture:
    """Migrate and seed through the CLI, add the 300-client site, and mint a director's
    API token."""
    stepdown_cli(env, "db", "upgrade")
    stepdown_cli(env, "demo", "seed")
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        build_site(session, today())
        secret, _ = security_service.create_api_token(
            session, actor=Actor.system("bench"), username="benchdirector", name="web load"
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    with factory() as session:
        site_id = session.scalars(select(Site.id).where(Site.code == SITE_CODE)).one()
        clients = list(
            session.scalars(select(Client.id).where(Client.site_id == site_id).limit(50))
        )
        since = today() - timedelta(days=60)
        appointments = [
            (row.id, row.client_id)
            for row in session.execute(
                select(Appointment.id, Appointment.client_id)
                .where(Appointment.site_id == site_id)
                .where(Appointment.day < today(), Appointment.day >= since)
                .limit(500)
            )
        ]
    engine.dispose()
    return Fixture(secret, site_id, clients, appointments)


# --- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    server: str
    route: str
    load: str
    outcome: Outcome


def reads(port: int, fixture: Fixture) -> list[tuple[str, list[bytes]]]:
    token = fixture.token
    return [
        ("GET /healthz (no credential)", [request_bytes(port, "GET", "/healthz", None)]),
        ("GET /healthz (bearer token)", [request_bytes(port, "GET", "/healthz", token)]),
        (
            "GET /api/v1/clients/{id}",
            [request_bytes(port, "GET", f"/api/v1/clients/{c}", token) for c in fixture.clients],
        ),
        (
            "GET /api/v1/clients/{id}/accountability",
            [
                request_bytes(port, "GET", f"/api/v1/clients/{c}/accountability", token)
                for c in fixture.clients
            ],
        ),
        (
            "GET /api/v1/census (300 clients)",
            [request_bytes(port, "GET", f"/api/v1/census?site_id={fixture.site_id}", token)],
        ),
        (
            "GET /api/v1/attendance/board (300 clients)",
            [request_bytes(port, "GET", f"/api/v1/attendance/board?site={SITE_CODE}", token)],
        ),
    ]


def writes(port: int, fixture: Fixture) -> list[bytes]:
    """PUTs of one past individual hour each, alternating present and late so every
    write changes the record."""
    requests = []
    for i, (appointment, client) in enumerate(fixture.appointments):
        late = i % 2 == 0
        body = json.dumps(
            {
                "client_id": str(client),
                "status": (AttendanceStatus.LATE if late else AttendanceStatus.PRESENT).value,
                "late_minutes": 10 if late else 0,
            }
        ).encode()
        path = f"/api/v1/attendance/appointments/{appointment}"
        requests.append(request_bytes(port, "PUT", path, fixture.token, body))
    return requests


def run(seconds: float) -> str:
    load_before = os.getloadavg()
    base = (
        os.environ.get("STEPDOWN_BENCH_DATABASE_URL")
        or os.environ.get("STEPDOWN_TEST_DATABASE_URL")
        or PG_DEFAULT
    )
    rows: list[Row] = []
    began = time.monotonic()
    with scratch_pg(base) as url, tempfile.TemporaryDirectory() as tmp:
        if url is None:
            return f"# Web requests benchmark\n\nPostgreSQL at {base} is not reachable.\n"
        env = {k: v for k, v in os.environ.items() if not k.startswith("STEPDOWN_")}
        env.update(
            STEPDOWN_DATABASE_URL=url,
            STEPDOWN_VAR_DIR=tmp,
            STEPDOWN_SECRET_KEY="bench-secret-key-not-for-production",  # noqa: S106
            STEPDOWN_JOBS_BACKEND="off",
        )
        fixture = prepare(url, env)
        setup = time.monotonic() - began
        bare = [sys.executable, "-m", "uvicorn", "bench.web_load:bare_app", "--no-access-log"]
        with serving(bare, env, Path(tmp) / "bare.log") as port:
            request = [request_bytes(port, "GET", "/healthz", None)]
            rows.append(
                Row(
                    "bare FastAPI",
                    "GET /healthz",
                    f"{CONCURRENCY} conc.",
                    closed_loop(port, request, seconds),
                )
            )
        for workers in (1, 2):
            command = [sys.executable, "-m", "stepdown", "serve", "--workers", str(workers)]
            log = Path(tmp) / f"stepdown-{workers}.log"
            with serving(command, env, log) as port:
                for route, requests in reads(port, fixture):
                    outcome = closed_loop(port, requests, seconds)
                    rows.append(
                        Row(
                            f"stepdown, {workers} worker(s)", route, f"{CONCURRENCY} conc.", outcome
                        )
                    )
                if workers == 2:
                    outcome = asyncio.run(
                        _open_loop(port, writes(port, fixture), 200, 2 * seconds, WRITE_RATE)
                    )
                    route = "PUT /api/v1/attendance/appointments/{id}"
                    rows.append(Row("stepdown, 2 worker(s)", route, f"{WRITE_RATE:g}/s", outcome))
    return report(rows, seconds, load_before, setup, time.monotonic() - began)


def report(
    rows: list[Row],
    seconds: float,
    load_before: tuple[float, float, float],
    setup: float,
    total: float,
) -> str:
    bare_rate = rows[0].outcome.rate
    lines = [
        "# Web requests benchmark",
        "",
        f"PostgreSQL, {os.cpu_count()} CPUs, load average {load_before[0]:.1f} at the start "
        f"and {os.getloadavg()[0]:.1f} at the end; {seconds:g} s per row after a 1 s warm-up "
        f"(writes: {2 * seconds:g} s); set-up {setup:.0f} s, whole run {total:.0f} s.",
        "",
        "| server | request | load | requests | req/s | × bare req/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        o = row.outcome
        lines.append(
            f"| {row.server} | {row.route} | {row.load} | {len(o.latencies_ms)} | {o.rate:.0f} | "
            f"{o.rate / bare_rate:.2f} | {o.percentile(50):.1f} | {o.percentile(99):.1f} | "
            f"{o.errors} |"
        )
    failures = [
        f"- {r.route} ({r.server}): {r.outcome.first_error}" for r in rows if r.outcome.errors
    ]
    if failures:
        lines += ["", "First error of each row with errors:", "", *failures]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per row")
    args, _ = parser.parse_known_args()
    report_text = run(args.seconds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report_text, encoding="utf-8")
    print(report_text)


if __name__ == "__main__":
    main()
