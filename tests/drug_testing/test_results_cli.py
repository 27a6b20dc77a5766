"""``stepdown testing standing-orders DATE``: a real SQLite file and a real process; a second
run for the day orders nothing; a bad date is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.drug_testing import service
from stepdown.drug_testing.models import OrderReason, TestOrder
from stepdown.kit import migrate
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine
from tests.cli.test_cli import run
from tests.drug_testing.test_service import admitted
from tests.factories import SYSTEM, make_site


def test_standing_orders_are_made_once_per_day(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    migrate.upgrade(engine)
    with Session(engine) as session:
        person = admitted(session, make_site(session))
        service.set_standing_schedule(
            session, actor=SYSTEM, client_id=person.id, weekday=today().weekday(), starts_on=today()
        )
        session.commit()
    first = run(tmp_path, "testing", "standing-orders", today().isoformat())
    assert first.returncode == 0, first.stderr
    assert "1 created" in first.stdout
    again = run(tmp_path, "testing", "standing-orders", today().isoformat())
    assert "0 created" in again.stdout
    with Session(engine) as session:
        count = session.scalar(
            select(func.count())
            .select_from(TestOrder)
            .where(TestOrder.reason == OrderReason.SCHEDULED)
        )
    engine.dispose()
    assert count == 1
    bad = run(tmp_path, "testing", "standing-orders", "tomorrow")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["error: date: 'tomorrow' is not a date (YYYY-MM-DD)"]
