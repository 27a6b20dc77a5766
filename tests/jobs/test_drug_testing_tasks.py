"""The nightly draw jobs end to end: the evening job commits the next program day for
every site, the morning job draws it and orders the tests, and running either again
changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import RandomTestDraw, TestOrder
from stepdown.drug_testing.tasks import COMMIT_AT, DRAW_AT, next_program_day
from stepdown.jobs.models import JobRun, RunStatus
from stepdown.jobs.registry import Registry, default_registry
from stepdown.jobs.runner import Worker
from stepdown.kit.clock import today
from stepdown.settings import Settings
from tests.drug_testing.test_service import admitted
from tests.factories import make_site


def at(day: date, when: time, zone: ZoneInfo, minutes: int = 1) -> datetime:
    return (datetime.combine(day, when, tzinfo=zone) + timedelta(minutes=minutes)).astimezone(UTC)


def drug_testing_jobs() -> Registry:
    """The application's ``testing.*`` jobs alone. The other nightly jobs act on the real
    calendar (a review run refuses a day after today), and the days this test simulates
    move with it, so with them the test passed on weekdays and failed at weekends."""
    only = Registry()
    for job in default_registry().jobs():
        if not job.name.startswith("testing."):
            continue
        if job.at is not None:
            only.periodic(job.name, at=job.at, weekdays=job.weekdays, attempts=job.max_attempts)(
                job.fn
            )
        else:
            only.task(job.name, attempts=job.max_attempts)(job.fn)
    return only


def test_next_program_day_skips_the_weekend() -> None:
    assert next_program_day(date(2026, 12, 3)) == date(2026, 12, 4)  # Thursday → Friday
    assert next_program_day(date(2026, 12, 4)) == date(2026, 12, 7)  # Friday → Monday
    assert next_program_day(date(2026, 12, 6)) == date(2026, 12, 7)  # Sunday → Monday


def test_evening_commit_then_morning_draw_for_every_site(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The draw's own clock refuses committing a past day and drawing a future one; pin it
    # to the program day the jobs act on, the next one from today.
    day = next_program_day(today() - timedelta(days=1))
    monkeypatch.setattr(drug_testing_service, "today", lambda: day)
    sites = [make_site(session) for _ in range(2)]
    for site in sites:
        for _ in range(4):
            admitted(session, site)
    session.commit()
    zone = ZoneInfo(settings.timezone)
    worker = Worker(session_factory, settings, drug_testing_jobs())

    worker.run_due(now=at(day - timedelta(days=1), COMMIT_AT, zone))
    draws = {d.site_id: d for d in session.scalars(select(RandomTestDraw))}
    assert set(draws) == {site.id for site in sites}
    assert all(d.day == day and d.commitment and d.seed is None for d in draws.values())

    morning = at(day, DRAW_AT, zone)
    worker.run_due(now=morning)
    session.expire_all()
    first: dict[uuid.UUID, tuple[str | None, list[str] | None]] = {}
    for site in sites:
        drawn = drug_testing_service.get_draw(session, site_id=site.id, day=day)
        assert drawn is not None
        assert drawn.seed is not None
        assert len(drawn.eligible or []) == 4
        orders = session.scalars(select(TestOrder).where(TestOrder.draw_id == drawn.id))
        assert sorted(str(order.client_id) for order in orders) == drawn.selected
        assert drug_testing_service.verify_draw(session, site_code=site.code, day=day).ok
        first[site.id] = (drawn.seed, drawn.selected)

    # A later pass may retry the catch-up draw a fresh worker queued for the program day
    # before (it has no commitment, so it fails); nothing for this day runs again.
    worker.run_due(now=morning + timedelta(minutes=5))
    session.expire_all()
    for site in sites:
        again = drug_testing_service.get_draw(session, site_id=site.id, day=day)
        assert again is not None
        assert (again.seed, again.selected) == first[site.id]
    assert session.scalar(select(func.count()).select_from(TestOrder)) == sum(
        len(selected or []) for _, selected in first.values()
    )
    for_day = [
        (run.name, run.status)
        for run in session.scalars(select(JobRun).order_by(JobRun.name))
        if run.payload.get("day") == day.isoformat()
        and run.name.startswith("testing.")
        and run.name.endswith("_site")
    ]
    assert for_day == [
        ("testing.commit_site", RunStatus.SUCCEEDED),
        ("testing.commit_site", RunStatus.SUCCEEDED),
        ("testing.draw_site", RunStatus.SUCCEEDED),
        ("testing.draw_site", RunStatus.SUCCEEDED),
    ]
