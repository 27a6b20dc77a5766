"""`stepdown inquiries list` against a real SQLite file, as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stepdown.cli import app, context
from stepdown.inquiries import service
from stepdown.inquiries.rules import InquiryStatus
from stepdown.inquiries.schemas import StatusChangeCreate
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.factories import SYSTEM, make_inquiry, make_site


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.sqlite_url(tmp_path / "cli.db")
    databases.migrated(url)
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def test_list_filters_by_status_and_site(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        site = make_site(session, code="CLI1")
        make_inquiry(session, site=site, first_name="Listed")
        moved = make_inquiry(session, first_name="Moved")
        service.move_status(
            session,
            actor=SYSTEM,
            inquiry_id=moved.id,
            change=StatusChangeCreate(to_status=InquiryStatus.CONTACTED),
        )
    engine.dispose()
    runner = CliRunner()
    everything = runner.invoke(app, ["inquiries", "list"])
    assert everything.exit_code == 0, everything.output
    assert "Listed" in everything.output
    assert "2 inquiries" in everything.output
    contacted = runner.invoke(app, ["inquiries", "list", "--status", "contacted"])
    assert "Moved" in contacted.output
    assert "Listed" not in contacted.output
    at_site = runner.invoke(app, ["inquiries", "list", "--site", "cli1"])
    assert "1 inquiry\n" in at_site.output
    bad = runner.invoke(app, ["inquiries", "list", "--status", "pending"])
    assert bad.exit_code == 2
    assert "status: 'pending' is not one of" in bad.output
    nowhere = runner.invoke(app, ["inquiries", "list", "--site", "ZZ"])
    assert nowhere.exit_code == 2
