"""`stepdown assess history` against a real SQLite file, as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.assessments import service
from stepdown.cli import app, context
from stepdown.kit.clock import utc_now
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import SYSTEM, make_client, make_response, make_site


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


def test_history_lists_results_newest_first_and_filters(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        person = make_client(session, site=make_site(session))
        record = person.record_number
        make_response(
            session,
            client=person,
            answers=[1] * 8 + [0],
            administered_at=utc_now() - timedelta(days=14),
        )
        wrong = make_response(session, client=person, code="gad7", answers=[3] * 7)
        make_response(session, client=person, code="bam", answers=[0] * 16)
        service.mark_entered_in_error(
            session, actor=SYSTEM, response_id=wrong.id, reason="wrong chart"
        )
    engine.dispose()
    runner = CliRunner()
    every = runner.invoke(app, ["assess", "history", record.lower()])
    assert every.exit_code == 0, every.output
    assert "3 results" in every.output
    assert "8, mild" in every.output
    assert "entered in error: wrong chart" in every.output
    assert "use 0, risk 0, protective 0" in every.output
    assert every.output.index("GAD-7") < every.output.index("PHQ-9")  # newest first
    only = runner.invoke(app, ["assess", "history", record, "--code", "PHQ-9"])
    assert "1 results" in only.output
    assert "GAD-7" not in only.output


def test_history_refusals_are_one_line(database: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["assess", "history", "T-99999"])
    assert missing.exit_code == 2
    assert "error: record: no client with record number 'T-99999'" in missing.output
