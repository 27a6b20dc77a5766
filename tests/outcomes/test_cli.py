"""`stepdown outcomes report` against a real SQLite file: Markdown and long CSV, masked,
and a bad filter as one line with exit code 2."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Track
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import SYSTEM, make_client, make_site


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    context.settings.cache_clear()
    context.engine.cache_clear()
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session, code="OC")
        person = make_client(session, site=site)
        episode = continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="IOP",
            track=Track.DAY,
            on=today() - timedelta(days=60),
            reason="test",
        )
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=today() - timedelta(days=10),
            summary="test",
        )
    engine.dispose()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def _range() -> list[str]:
    return ["--from", (today() - timedelta(days=90)).isoformat(), "--to", today().isoformat()]


def test_markdown_report_is_masked(database: str) -> None:
    result = CliRunner().invoke(app, ["outcomes", "report", *_range(), "--site", "OC"])
    assert result.exit_code == 0, result.output
    assert "## Discharge reasons" in result.output
    assert "| Completed | <11 | <11 |" in result.output
    assert "Out of: 1 episodes discharged in the range." in result.output


def test_long_csv_to_a_file(database: str, tmp_path: Path) -> None:
    target = tmp_path / "outcomes.csv"
    result = CliRunner().invoke(
        app, ["outcomes", "report", *_range(), "--format", "csv", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert {
        "figure": "discharge-reasons",
        "row": "Completed",
        "column": "Episodes",
        "value": "<11",
    } in rows
    assert {r["figure"] for r in rows} >= {"census", "retention", "dose", "transitions"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--level", "XYZ"], "level: no level 'XYZ' in the catalog"),
        (["--site", "NOPE"], "site: no site 'NOPE': give a site code"),
        (["--format", "pdf"], "format: give md or csv"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(database: str, extra: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["outcomes", "report", *_range(), *extra])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {message}"]


def test_a_range_after_today_is_refused(database: str) -> None:
    end = (today() + timedelta(days=1)).isoformat()
    result = CliRunner().invoke(app, ["outcomes", "report", "--from", "2026-01-01", "--to", end])
    assert result.exit_code == 2
    assert "to: the range cannot end after today" in result.output
