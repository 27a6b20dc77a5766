"""`stepdown fhir add|list|disable` against a real SQLite file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from stepdown.cli import context
from stepdown.fhir import oauth
from stepdown.fhir.cli import app
from stepdown.fhir.models import FhirClient
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.fhir.factories import make_recipient


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated file for the module, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "cli.db"
    databases.migrated(databases.sqlite_url(path))
    return path


@pytest.fixture
def database(tmp_path: Path, migrated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    shutil.copy(migrated, tmp_path / "cli.db")
    url = databases.sqlite_url(tmp_path / "cli.db")
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_add_list_and_disable(database: str) -> None:
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        recipient_id = str(make_recipient(session).id)
    added = run(
        "add", "Partner EHR", "--recipient", recipient_id, "--scopes", "system/Patient.read"
    )
    assert added.exit_code == 0, added.output
    client_line, secret = added.output.splitlines()
    client_id = client_line.removeprefix("client_id=")
    with session_scope(make_sessionmaker(engine)) as session:
        issued = oauth.issue_token(session, client_id=client_id, client_secret=secret, scope="")
        assert [str(s) for s in issued.scopes] == ["system/Patient.read"]
        stored = session.scalars(select(FhirClient)).one()
        assert secret not in stored.secret_hash
    listed = run("list")
    assert client_id in listed.output
    assert "treatment" in listed.output
    assert secret not in listed.output
    assert run("disable", client_id).output == f"disabled {client_id}\n"
    assert "disabled" in run("list").output
    engine.dispose()


def test_refusals_are_one_line(database: str) -> None:
    wrong = run("add", "X", "--recipient", "nope")
    refusal = "error: recipient: no single directory entry is named 'nope'\n"
    assert (wrong.exit_code, wrong.stderr) == (2, refusal)
    unknown = run("disable", "fhir-nobody")
    assert (unknown.exit_code, unknown.stderr) == (2, "error: no such FHIR client\n")
