"""`stepdown checkins history` against a real SQLite file, as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.kit.clock import utc_now
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import make_checkin, make_client, make_site


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables at full width
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_history_lists_check_ins_with_flags_and_the_average(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        person = make_client(session, site=make_site(session))
        record = person.record_number
        make_checkin(
            session, client=person, craving=2, mood=8, submitted_at=utc_now() - timedelta(days=40)
        )
        make_checkin(
            session,
            client=person,
            craving=4,
            mood=6,
            sleep_hours=Decimal(8),
            self_harm_thoughts=False,
            submitted_at=utc_now() - timedelta(days=1),
        )
        make_checkin(session, client=person, craving=9, mood=2, used_since_last=True)
        make_checkin(
            session,
            client=person,
            craving=1,
            mood=3,
            self_harm_thoughts=True,
            submitted_at=utc_now() - timedelta(days=2),
        )
    engine.dispose()
    runner = CliRunner()
    shown = runner.invoke(app, ["checkins", "history", record.lower(), "--days", "30"])
    assert shown.exit_code == 0, shown.output
    assert "3 check-ins in the last 30 days" in shown.output
    assert "use, craving" in shown.output
    assert "│ 8       │" in shown.output
    # Each row's cells: day, craving, mood, sleep, used, self-harm thoughts, entered, flags.
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in shown.output.splitlines()
        if line.startswith("│ 20")
    ]
    by_craving = {row[1]: (row[5], row[7]) for row in rows}
    # The self-harm answer: yes, no, or not answered (None is never shown as "no").
    assert by_craving == {
        "9": ("not answered", "use, craving"),
        "4": ("no", ""),
        "1": ("yes", "crisis"),
    }
    assert "craving 4.67, mood 3.67 (3 of 7 days with a check-in)" in shown.output
    missing = runner.invoke(app, ["checkins", "history", "NOPE"])
    assert missing.exit_code == 2
    assert "no client with record number 'NOPE'" in missing.output
