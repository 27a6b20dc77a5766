"""`stepdown reviews run` and `stepdown reviews queue` against a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import make_client, make_site
from tests.transitions.test_service import _admit, _using


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "240")  # Rich wraps to the terminal; keep rows on one line
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_run_prints_each_proposal_once_recorded(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session, code="RV")
        person = make_client(session, site=site)
        _admit(session, person, "IOP", 35)
        _using(session, person)
        record = person.record_number
    engine.dispose()
    runner = CliRunner()
    first = runner.invoke(app, ["reviews", "run", "--site", "RV"])
    assert first.exit_code == 0, first.output
    (row,) = [line for line in first.output.splitlines() if record in line]
    for text in ("IOP", "Step up to PHP", "90", "craving averaging 8 of 10", "yes"):
        assert text in row
    again = runner.invoke(app, ["reviews", "run", "--site", "RV"])
    (row,) = [line for line in again.output.splitlines() if record in line]
    assert row.rstrip(" │").endswith("no")
    queue = runner.invoke(app, ["reviews", "queue"])
    assert queue.exit_code == 0, queue.output
    assert record in queue.output
    assert "Step up to PHP" in queue.output


def test_an_unknown_site_is_one_line_and_exit_2(database: str) -> None:
    result = CliRunner().invoke(app, ["reviews", "run", "--site", "NOPE"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: site: no site with code 'NOPE'"


def test_rules_prints_the_table(database: str) -> None:
    result = CliRunner().invoke(app, ["reviews", "rules"])
    assert result.exit_code == 0, result.output
    assert "version 1 (built-in)" in result.output
    lines = result.output.splitlines()
    first = next(i for i, line in enumerate(lines) if "SAFE-PHQ9-ITEM9" in line)
    last = next(i for i, line in enumerate(lines) if "STAY-ON-TRACK" in line)
    assert first < last
