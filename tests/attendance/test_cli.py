"""`stepdown attendance board` against a real SQLite file, as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.attendance import service
from stepdown.attendance.models import AttendanceStatus
from stepdown.cli import app, context
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.attendance.test_service import MONDAY, THURSDAY, Program
from tests.factories import SYSTEM

runner = CliRunner()


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


def test_board_lists_who_is_under_and_why(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        program = Program(session)
        for index in range(3):
            service.record_attendance(
                session,
                actor=SYSTEM,
                occurrence_id=program.groups[index].id,
                entries=[service.Entry(program.clients[0].id, AttendanceStatus.ABSENT_UNEXCUSED)]
                + [service.Entry(c.id, AttendanceStatus.PRESENT) for c in program.clients[1:]],
                today=THURSDAY,
            )
        site, record = program.site.code, program.clients[0].record_number
    engine.dispose()
    result = runner.invoke(app, ["attendance", "board", "--site", site, "--week", str(MONDAY)])
    assert result.exit_code == 0, result.output
    assert f"{site} week of {MONDAY}: 1 of 3 need attention" in result.stdout
    line = next(x for x in result.stdout.splitlines() if record in x)
    assert "3 unexcused absences in a row; 9.0 h short with no sessions left this week" in line
    everyone = runner.invoke(
        app, ["attendance", "board", "--site", site, "--week", str(MONDAY), "--all"]
    )
    assert everyone.stdout.count("On track") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "NOPE"], "error: site: no site with code 'NOPE'"),
        (["--week", "monday"], "error: week: 'monday' is not a date (YYYY-MM-DD)"),
        (["--track", "weekend"], "error: track: choose the day or evening track"),
    ],
)
def test_refusals_are_one_line(database: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["attendance", "board", *args])
    assert result.exit_code == 2
    assert result.output.strip() == message
