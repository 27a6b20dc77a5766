"""`stepdown plans overdue` against a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import make_client, make_episode, make_plan, make_site, make_user


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "240")
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_overdue_lists_the_program(database: str) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["plans", "overdue"])
    assert empty.exit_code == 0, empty.output
    assert "0 overdue plan review(s)." in empty.output
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session)
        clinician = make_user(session, site=site)
        person = make_client(session, site=site, clinician=clinician)
        make_episode(session, client=person)
        plan = make_plan(session, client=person, clinician=clinician)
        plan.next_review_due = today() - timedelta(days=4)
        record = person.record_number
    engine.dispose()
    listed = runner.invoke(app, ["plans", "overdue"])
    assert listed.exit_code == 0, listed.output
    assert record in listed.output
    assert "1 overdue plan review(s)." in listed.output
