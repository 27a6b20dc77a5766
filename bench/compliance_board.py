"""Benchmark: the compliance board for a 300-client site with a year of attendance history.

Run from the repository root: `.venv/bin/python -m bench.compliance_board [--runs N]`.
Builds the site in a fresh SQLite file and in a scratch PostgreSQL database (created beside
STEPDOWN_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test, and dropped
afterwards; skipped when the server is not reachable), then times GET /attendance/board as a
signed-in director through FastAPI's TestClient: the whole request, with its 300 audited
reads committed, the aggregate queries and the template. The target is under 200 ms.
Writes bench/results/compliance_board.md and prints it. Figures are medians after warm-up.

The history: 30 evening IOP groups of 10 meeting three times a week for three hours, and one
individual hour per client per week, for 52 weeks up to this week, with attendance recorded
for every day before today (about 47,000 seats, 15,600 appointments and 60,000 records).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from stepdown.app import create_app
from stepdown.attendance import rules
from stepdown.attendance.models import AttendanceRecord, AttendanceStatus
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BookingStatus,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.clients.models import Client
from stepdown.continuum.models import (
    Episode,
    EpisodeStatus,
    LevelOfCare,
    Segment,
    Track,
    Transition,
)
from stepdown.kit import migrate
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings

CLIENTS = 300
GROUP_SIZE = 10
WEEKS = 52
GROUP_DAYS = (0, 2, 3)  # Monday, Wednesday, Thursday
SITE_CODE = "BENCH"
PASSWORD = "bench-password-not-for-production"  # noqa: S105 - a throwaway database
TARGET_MS = 200.0
RESULTS = Path(__file__).parent / "results" / "compliance_board.md"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        session.execute(insert(model), rows[start : start + 5000])


def build_site(session: Session, now: date) -> int:
    """Insert the site and its year in bulk; return the number of attendance records."""
    rng = random.Random(300)
    stamp = datetime.now(UTC)
    site = Site(code=SITE_CODE, name="Benchmark site (synthetic)", is_synthetic=True)
    session.add(site)
    session.flush()
    leader = security_service.create_user(
        session,
        actor=Actor.system("bench"),
        username="benchleader",
        display_name="Bench Leader",
        role=Role.CLINICIAN,
        password=PASSWORD,
        site_id=site.id,
    )
    security_service.create_user(
        session,
        actor=Actor.system("bench"),
        username="benchdirector",
        display_name="Bench Director",
        role=Role.DIRECTOR,
        password=PASSWORD,
    )
    iop = session.scalar(select(LevelOfCare).where(LevelOfCare.code == "IOP"))
    assert iop is not None
    this_monday = rules.week_of(now)
    first_monday = this_monday - timedelta(weeks=WEEKS - 1)
    clients = [uuid.uuid4() for _ in range(CLIENTS)]
    _rows(
        session,
        Client,
        [
            {
                "id": cid,
                "record_number": f"BENCH-{i:04d}",
                "legal_first_name": f"Given{i}",
                "legal_last_name": f"Family{i}",
                "date_of_birth": date(1990, 1, 1),
                "site_id": site.id,
                "primary_clinician_id": leader.id,
                "is_synthetic": True,
            }
            for i, cid in enumerate(clients)
        ],
    )
    episodes = [uuid.uuid4() for _ in clients]
    _rows(
        session,
        Episode,
        [
            {
                "id": eid,
                "client_id": cid,
                "site_id": site.id,
                "status": EpisodeStatus.ACTIVE,
                "admitted_on": first_monday,
            }
            for eid, cid in zip(episodes, clients, strict=True)
        ],
    )
    _rows(
        session,
        Segment,
        [
            {
                "episode_id": eid,
                "level_id": iop.id,
                "track": Track.EVENING,
                "starts_on": first_monday,
                "ends_on": None,
                "transition": Transition.ADMIT,
                "reason": "benchmark",
                "recorded_at": stamp,
            }
            for eid in episodes
        ],
    )
    occurrences: list[dict[str, Any]] = []
    seats: list[dict[str, Any]] = []
    appointments: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []

    def record(client_id: uuid.UUID, day: date, scheduled: int, **booking: uuid.UUID) -> None:
        roll = rng.random()
        status, late = AttendanceStatus.PRESENT, 0
        if roll < 0.08:
            status = AttendanceStatus.ABSENT_UNEXCUSED
        elif roll < 0.14:
            status = AttendanceStatus.ABSENT_EXCUSED
        elif roll < 0.2:
            status, late = AttendanceStatus.LATE, 15
        records.append(
            {
                **booking,
                "client_id": client_id,
                "site_id": site.id,
                "day": day,
                "scheduled_minutes": scheduled,
                "status": status,
                "late_minutes": late,
                "left_early_minutes": 0,
                "credited_minutes": rules.credited_minutes(status, scheduled, late),
                "note": "",
                "recorded_at": stamp,
            }
        )

    for week in range(WEEKS):
        monday = first_monday + timedelta(weeks=week)
        build = uuid.uuid4()
        session.execute(
            insert(ScheduleBuild),
            [
                {
                    "id": build,
                    "week_of": monday,
                    "status": BuildStatus.PUBLISHED,
                    "applies_from": monday,
                    "instance": {},
                    "solution": {},
                    "summary": {},
                }
            ],
        )
        for group in range(CLIENTS // GROUP_SIZE):
            members = clients[group * GROUP_SIZE : (group + 1) * GROUP_SIZE]
            for offset in GROUP_DAYS:
                day = monday + timedelta(days=offset)
                occurrence = uuid.uuid4()
                occurrences.append(
                    {
                        "id": occurrence,
                        "build_id": build,
                        "site_id": site.id,
                        "code": f"G{group:02d}-{offset}",
                        "day": day,
                        "start": "18:00",
                        "end": "21:00",
                        "topic": "CBT",
                        "levels": ["IOP"],
                        "leader_id": leader.id,
                        "telehealth": False,
                        "status": BookingStatus.SCHEDULED,
                    }
                )
                for client_id in members:
                    seat = uuid.uuid4()
                    seats.append(
                        {
                            "id": seat,
                            "occurrence_id": occurrence,
                            "client_id": client_id,
                            "status": BookingStatus.SCHEDULED,
                        }
                    )
                    if day < now:
                        record(client_id, day, 180, seat_id=seat)
        for i, client_id in enumerate(clients):
            day = monday + timedelta(days=1 + i % 4)
            appointment = uuid.uuid4()
            appointments.append(
                {
                    "id": appointment,
                    "build_id": build,
                    "site_id": site.id,
                    "client_id": client_id,
                    "staff_id": leader.id,
                    "kind": AppointmentKind.INDIVIDUAL,
                    "day": day,
                    "start": "10:00",
                    "end": "11:00",
                    "status": BookingStatus.SCHEDULED,
                }
            )
            if day < now:
                record(client_id, day, 60, appointment_id=appointment)
    _rows(session, SessionOccurrence, occurrences)
    _rows(session, SessionSeat, seats)
    _rows(session, Appointment, appointments)
    _rows(session, AttendanceRecord, records)
    return len(records)


def _sign_in(client: TestClient) -> None:
    found = CSRF.search(client.get("/sign-in").text)
    assert found is not None
    response = client.post(
        "/sign-in",
        data={
            "username": "benchdirector",
            "password": PASSWORD,
            "csrf_token": found.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def measure(url: str, var_dir: Path, runs: int) -> tuple[float, float, float, int]:
    """Median and best wall-clock milliseconds for the board page, the median CPU
    milliseconds this process spent on it (app and, for SQLite, the database: a figure
    other processes on a busy machine do not inflate), and the records in the history."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        records = build_site(session, today())
        session.commit()
    if engine.dialect.name == "postgresql":
        # As autovacuum would have done to a year-old table: statistics and visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    settings = Settings(
        var_dir=var_dir,
        database_url=url,
        secret_key="bench-secret-key-not-for-production",  # type: ignore[arg-type]  # noqa: S106
        jobs_backend="off",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings, session_factory=factory)
    path = f"/attendance/board?site={SITE_CODE}&week={today().isoformat()}"
    timings: list[float] = []
    cpu_times: list[float] = []
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        _sign_in(client)
        for _ in range(3):
            response = client.get(path)
            assert response.status_code == 200, response.text
            assert response.text.count("?tab=hours") == CLIENTS
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
    engine.dispose()
    return statistics.median(timings), min(timings), statistics.median(cpu_times), records


@contextmanager
def scratch_pg(base_url: str) -> Iterator[str | None]:
    name = f"stepdown_bench_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(
        make_url(base_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(runs: int) -> str:
    lines = [
        "# Compliance board benchmark",
        "",
        f"GET /attendance/board for a {CLIENTS}-client site with {WEEKS} weeks of history, as a "
        f"director, through TestClient (median and best of {runs} runs after 3 warm-ups; "
        f"target < {TARGET_MS:g} ms). Load average at the start: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs.",
        "",
        "| database | attendance records | median ms | best ms | median CPU ms "
        "(this process) | median under target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        median, best, cpu, records = measure(url, Path(tmp), runs)
        lines.append(
            f"| SQLite | {records} | {median:.1f} | {best:.1f} | {cpu:.1f} | {median < TARGET_MS} |"
        )
    base = os.environ.get("STEPDOWN_BENCH_DATABASE_URL", PG_DEFAULT)
    with scratch_pg(base) as pg_url, tempfile.TemporaryDirectory() as tmp:
        if pg_url is None:
            lines.append("| PostgreSQL | — | — | — | — | not reachable |")
        else:
            median, best, cpu, records = measure(pg_url, Path(tmp), runs)
            lines.append(
                f"| PostgreSQL | {records} | {median:.1f} | {best:.1f} | {cpu:.1f} | "
                f"{median < TARGET_MS} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per database")
    args = parser.parse_args()
    report = run(args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
