"""Writes that survive a crash: `stepdown serve` killed with SIGKILL in the middle of a
write load keeps every write it acknowledged, and nothing half-written.

The load is check-ins (some calling for an alert) and attendance through the JSON API,
from a few threads at once, bounded in count and time; only loopback addresses are used.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from stepdown.alerts.models import Alert, AlertKind
from stepdown.attendance.models import AttendanceRecord
from stepdown.audit.models import AuditEntry
from stepdown.calendar.models import SessionSeat
from stepdown.checkins.models import CheckIn
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests import databases
from tests.factories import SYSTEM, make_client, make_occurrence, make_site, make_user
from tests.ops.conftest import fresh_database

pytestmark = pytest.mark.crash

HOST = "127.0.0.1"
CLIENTS = 6
OCCURRENCES = 80  # each attendance write takes a session of its own
MAX_REQUESTS = 240
KILL_AFTER = 60  # acknowledged writes before the kill
LOAD_SECONDS = 20.0
THREADS = 4
STATUSES = ("present", "absent_excused", "absent_unexcused")
SUBSTANCE_KINDS = (AlertKind.CHECKIN_USE, AlertKind.CHECKIN_CRAVING)


@dataclass
class World:
    token: str
    clients: list[uuid.UUID]
    occurrences: list[uuid.UUID]


def _seed(url: str) -> World:
    """A site, a clinician with a caseload and an API token, and past group sessions."""
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session)
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        clients = [make_client(session, site=site, clinician=clinician) for _ in range(CLIENTS)]
        day = today() - timedelta(days=2)  # before the program's today in any time zone
        occurrences = [
            make_occurrence(session, site=site, leader=clinician, day=day, clients=clients).id
            for _ in range(OCCURRENCES)
        ]
        token, _ = security_service.create_api_token(
            session, actor=SYSTEM, username=clinician.username, name="crash test"
        )
        world = World(token, [c.id for c in clients], occurrences)
    engine.dispose()
    return world


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "stepdown", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-2000:]
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server did not start: {log.read_text()[-2000:]}")


@dataclass
class Acknowledged:
    """The writes the server answered 2xx: these must all be there after the crash."""

    checkins: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # id: alert ids
    attendance: dict[uuid.UUID, dict[uuid.UUID, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.checkins) + len(self.attendance)


def _load(base: str, world: World, acked: Acknowledged, stop: threading.Event) -> None:
    """Requests until the server dies, the budget is spent or ``stop`` is set."""
    occurrences = list(world.occurrences)
    budget = iter(range(MAX_REQUESTS))
    budget_lock = threading.Lock()

    def next_request() -> tuple[str, str, dict[str, Any], uuid.UUID | None] | None:
        with budget_lock:
            number = next(budget, None)
            if number is None or stop.is_set():
                return None
            if number % 2 and occurrences:
                occurrence = occurrences.pop()
                entries = [
                    {"client_id": str(c), "status": random.choice(STATUSES)} for c in world.clients
                ]
                url = f"/api/v1/attendance/occurrences/{occurrence}"
                return "PUT", url, {"entries": entries}, occurrence
        client = random.choice(world.clients)
        body = {
            "craving": random.randint(0, 10),  # 8 or more calls for an alert
            "mood": 5,
            "used_since_last": random.random() < 0.2,
        }
        return "POST", f"/api/v1/clients/{client}/check-ins", body, None

    def worker() -> None:
        headers = {"Authorization": f"Bearer {world.token}"}
        with httpx2.Client(base_url=base, headers=headers, timeout=10) as http:
            while (request := next_request()) is not None:
                method, url, body, occurrence = request
                try:
                    response = http.request(method, url, json=body)
                except httpx2.TransportError:
                    return  # the server is gone
                assert response.is_success, response.text
                with acked.lock:
                    if occurrence is None:
                        data = response.json()
                        ids = [uuid.UUID(a) for a in data["alert_ids"]]
                        acked.checkins[uuid.UUID(data["checkin"]["id"])] = ids
                    else:
                        acked.attendance[occurrence] = {
                            uuid.UUID(e["client_id"]): e["status"] for e in body["entries"]
                        }

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_SECONDS + 30)


def _check_acknowledged(engine: Engine, acked: Acknowledged) -> None:
    with session_scope(make_sessionmaker(engine)) as session:
        stored = {c.id for c in session.scalars(select(CheckIn))}
        assert set(acked.checkins) <= stored
        alerts = {a.id for a in session.scalars(select(Alert))}
        assert {a for ids in acked.checkins.values() for a in ids} <= alerts
        for occurrence, expected in acked.attendance.items():
            records = session.execute(
                select(AttendanceRecord.client_id, AttendanceRecord.status)
                .join(SessionSeat, SessionSeat.id == AttendanceRecord.seat_id)
                .where(SessionSeat.occurrence_id == occurrence)
            ).all()
            assert {c: s.value for c, s in records} == expected


def _check_nothing_half_written(engine: Engine) -> None:
    """Every stored write has its audit entry, and every check-in that called for an alert
    has one for its client and day (a later one that day may rely on the first)."""
    with session_scope(make_sessionmaker(engine)) as session:
        audited = {
            (e.entity_type, e.entity_id)
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity_type.in_(("checkin", "attendance_record"))
                )
            )
        }
        checkins = list(session.scalars(select(CheckIn)))
        assert all(("checkin", str(c.id)) in audited for c in checkins)
        records = session.scalars(select(AttendanceRecord.id)).all()
        assert all(("attendance_record", str(r)) in audited for r in records)
        by_day: dict[tuple[uuid.UUID, object], set[uuid.UUID]] = defaultdict(set)
        for checkin in checkins:
            by_day[checkin.client_id, checkin.day].add(checkin.id)
        alerted = {
            a.source_id
            for a in session.scalars(select(Alert).where(Alert.kind.in_(SUBSTANCE_KINDS)))
        }
        for checkin in checkins:
            if checkin.used_since_last or checkin.craving >= 8:
                assert by_day[checkin.client_id, checkin.day] & alerted, checkin.id


def test_acknowledged_writes_survive_kill_9(kind: str, tmp_path: Path, audit_key: str) -> None:
    with fresh_database(kind, tmp_path, "crash") as url:
        databases.migrated(url)
        world = _seed(url)
        env = {
            **os.environ,
            "STEPDOWN_DATABASE_URL": url,
            "STEPDOWN_VAR_DIR": str(tmp_path / "var"),
            "STEPDOWN_AUDIT_KEY": audit_key,
            "STEPDOWN_SECRET_KEY": "crash-test-secret-key",
        }
        log = tmp_path / "serve.log"
        server, base = _serve(env, log)
        acked = Acknowledged()
        stop = threading.Event()
        load = threading.Thread(target=_load, args=(base, world, acked, stop))
        load.start()
        deadline = time.monotonic() + LOAD_SECONDS
        try:
            while acked.count() < KILL_AFTER and time.monotonic() < deadline and load.is_alive():
                time.sleep(0.05)
            server.send_signal(signal.SIGKILL)  # mid-write: the threads are still sending
            server.wait(10)
        finally:
            stop.set()
            load.join(60)
            if server.poll() is None:
                server.kill()
        assert acked.count() >= 10, log.read_text()[-2000:]  # the load did run

        if kind == "sqlite":
            with sqlite3.connect(make_url(url).database or "") as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        restarted, base = _serve(env, log)
        try:
            headers = {"Authorization": f"Bearer {world.token}"}
            after = httpx2.post(
                f"{base}/api/v1/clients/{world.clients[0]}/check-ins",
                json={"craving": 9, "mood": 3, "used_since_last": False},
                headers=headers,
                timeout=10,
            )
            assert after.status_code == 201, after.text
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(30)

        engine = make_engine(url)
        try:
            _check_acknowledged(engine, acked)
            _check_nothing_half_written(engine)
        finally:
            engine.dispose()
        verified = subprocess.run(
            [sys.executable, "-m", "stepdown", "audit", "verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verified.returncode == 0, verified.stderr
        assert "chain intact" in verified.stdout
