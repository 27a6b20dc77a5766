"""`stepdown billing charges|release|export|post-835` against a real SQLite file: a week from
delivered care to a claim file the validator accepts, the same file again on a second
export, a remittance posted with its denial, and bad input as one line with exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from stepdown.billing import demo
from stepdown.billing.models import ClaimBatch
from stepdown.cli import app, context
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.billing.factories import appointment_with_note, make_world
from tests.billing.pyx12_check import errors

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A program with one client's signed 50-minute session last week; yields the URL and
    that week's Monday."""
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    context.settings.cache_clear()
    context.engine.cache_clear()
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        world = make_world(session)
        appointment_with_note(session, world, minutes=50)
        monday = world.monday.isoformat()
    engine.dispose()
    yield url, monday
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_a_week_from_charges_to_a_posted_remittance(
    database: tuple[str, str], tmp_path: Path
) -> None:
    url, monday = database
    computed = runner.invoke(app, ["billing", "charges", "--week", monday])
    assert computed.exit_code == 0, computed.output
    assert f"week of {monday}: 1 lines (1 ready)" in computed.output
    released = runner.invoke(app, ["billing", "release", "--week", monday])
    assert released.output.strip() == "released 1 lines"
    out = tmp_path / "claims"
    exported = runner.invoke(app, ["billing", "export", "--week", monday, "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    [written] = list(out.iterdir())
    assert written.name.endswith(".x12")
    text = written.read_text(encoding="ascii")
    assert "SV1*HC:90834*" in text
    assert errors(text) == []
    again = tmp_path / "again"
    assert (
        runner.invoke(app, ["billing", "export", "--week", monday, "-o", str(again)]).exit_code == 0
    )
    assert (again / written.name).read_bytes() == written.read_bytes()

    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        batch = session.scalars(select(ClaimBatch)).one()
        remittance = demo.remittance_for(session, batch, paid_on=today(), deny_first=True)
    engine.dispose()
    answer = tmp_path / "payer.835"
    answer.write_text(remittance, encoding="ascii")
    posted = runner.invoke(app, ["billing", "post-835", str(answer)])
    assert posted.exit_code == 0, posted.output
    assert "posted 1 remittance(s): 1 claims, 1 denied" in posted.output
    twice = runner.invoke(app, ["billing", "post-835", str(answer)])
    assert twice.exit_code == 2
    assert "already posted" in twice.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["billing", "charges", "--week", "2026-02-31"], "week: '2026-02-31' is not a date"),
        (["billing", "charges", "--week", "2026-03-03"], "week: 2026-03-03 is not a Monday"),
        (
            ["billing", "release", "--week", "2026-03-02", "--payer", "Nobody"],
            "payer: no payer named 'Nobody'",
        ),
    ],
    ids=["not-a-date", "not-a-monday", "unknown-payer"],
)
def test_bad_input_is_one_line_and_exit_2(
    database: tuple[str, str], arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_a_remittance_is_refused(
    database: tuple[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.835"
    bad.write_text("not an interchange", encoding="ascii")
    result = runner.invoke(app, ["billing", "post-835", str(bad)])
    assert result.exit_code == 2
    assert result.output.startswith("error: file: not a remittance we can post")
