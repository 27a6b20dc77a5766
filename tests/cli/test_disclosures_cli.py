"""`stepdown consents list`, `stepdown disclosures account` and `stepdown disclosures
breach` against a real SQLite file: the tables, the draft letters, the audit label, and one
line with exit status 2 for bad input."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.cli import context
from stepdown.cli.disclosures import consents_app, disclosures_app
from stepdown.consents import service as consents_service
from stepdown.consents.models import InformationClass, Purpose
from stepdown.disclosures import gate
from stepdown.disclosures.models import Channel
from stepdown.kit.clock import day_start, today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from tests import databases
from tests.disclosures.factories import released

# The apps as the root command line mounts them.
app = typer.Typer()
app.add_typer(consents_app, name="consents")
app.add_typer(disclosures_app, name="disclosures")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated file per module, copied for each test: migrating costs a second."""
    path = tmp_path_factory.mktemp("template") / "cli.db"
    databases.migrated(databases.sqlite_url(path))
    return path


@pytest.fixture
def database(tmp_path: Path, migrated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    shutil.copy(migrated, tmp_path / "cli.db")
    url = databases.sqlite_url(tmp_path / "cli.db")
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", url)
    monkeypatch.setenv("STEPDOWN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "300")  # Rich wraps to the terminal; keep rows on one line
    context.settings.cache_clear()
    context.engine.cache_clear()
    yield url
    context.engine().dispose()
    context.settings.cache_clear()
    context.engine.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"


def seeded(url: str) -> dict[str, str]:
    """A client with a probation officer, a consent to them and one revoked, one
    disclosure through the gate, and a clinician's reads of the client a month ago."""
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        r = released(session, legal_first_name="Ada", legal_last_name="Able")
        r.client.address = "4 Elm Street [rear], Portland"
        old = r.consent(information=frozenset({InformationClass.ATTENDANCE}))
        consents_service.revoke(session, actor=r.staff, consent_id=old.id, note="signed form")
        r.consent()
        gate.disclose(
            session,
            actor=r.staff,
            client_id=r.client.id,
            recipient_id=r.officer.recipient_id,
            purpose=Purpose.COURT_SUPERVISION,
            classes=frozenset({InformationClass.DRUG_TESTS}),
            channel=Channel.ACCOUNTABILITY_SUMMARY,
            description="results this week",
        )
        start = day_start(today() - timedelta(days=30))
        for hours in (1, 2):
            audit_service.record(
                session,
                actor=r.staff,
                action=AuditAction.READ,
                entity_type="clinical_note",
                entity_id="note-1",
                client_id=r.client.id,
                occurred_at=start + timedelta(hours=hours),
            )
        names = {
            "record": r.client.record_number,
            "user": r.clinician.username,
            "from": f"{today() - timedelta(days=30)}T00:00",
            "to": f"{today() - timedelta(days=29)}T00:00",
            "signed": r.signed_on.isoformat(),
        }
    engine.dispose()
    return names


def test_consents_list_shows_each_consent_and_why_one_is_not_in_force(database: str) -> None:
    seed = seeded(database)
    result = run("consents", "list", seed["record"].lower())
    assert result.exit_code == 0, result.output
    assert f"Consents of Ada Able ({seed['record']})" in result.output
    lines = [line for line in result.output.splitlines() if "Specific disclosure" in line]
    assert len(lines) == 2
    active = next(line for line in lines if "active" in line)
    for text in ("Pat Officer (County Probation)", "Drug test results", "Court, probation"):
        assert text in active
    revoked = next(line for line in lines if "revoked:" in line)
    assert f"the consent signed {seed['signed']} was revoked on {today()}" in revoked


def test_account_prints_the_accounting_and_labels_the_audit_entry(database: str) -> None:
    seed = seeded(database)
    result = run("disclosures", "account", seed["record"])
    assert result.exit_code == 0, result.output
    assert f"Disclosures about Ada Able ({seed['record']})" in result.output
    (row,) = [line for line in result.output.splitlines() if "results this week" in line]
    for text in ("Pat Officer (County Probation)", "Drug test results", "Accountability summary"):
        assert text in row
    assert f"Specific disclosure, signed {seed['signed']}" in row
    assert "1 disclosure(s)." in result.output
    engine = make_engine(database)
    with session_scope(make_sessionmaker(engine)) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "disclosure_accounting")
        ).one()
        assert entry.actor_label.startswith("cli:")
        assert entry.actor_label.endswith(" (disclosures account)")
    engine.dispose()


def test_breach_lists_the_records_and_writes_a_letter_per_client(
    database: str, tmp_path: Path
) -> None:
    seed = seeded(database)
    letters = tmp_path / "letters"
    args = ("disclosures", "breach", "--user", seed["user"], "--from", seed["from"])
    result = run(*args, "--to", seed["to"], "--letters", str(letters))
    assert result.exit_code == 0, result.output
    assert f"access by {seed['user']}" in result.output
    assert (
        f"Ada Able ({seed['record']}), born 1990-01-01: 4 Elm Street [rear], Portland"
        in result.output
    )
    (row,) = [line for line in result.output.splitlines() if "clinical_note note-1" in line]
    assert row.rstrip(" │").endswith("2")
    assert "1 client(s) affected." in result.output
    assert "45 CFR 164.408(c)" in result.output
    letter = letters / f"{seed['record']}.txt"
    assert stat.S_IMODE(letter.stat().st_mode) == 0o600
    assert "Dear Ada Able," in letter.read_text()
    assert "- Progress notes" in letter.read_text()

    again = run(*args, "--to", seed["to"], "--letters", str(letters))
    one_line_error(again, f"letters: {letter} exists; choose an empty directory")
    by_client = run(*args, "--to", seed["to"], "--client", seed["record"])
    assert by_client.exit_code == 0, by_client.output
    yesterday = f"{today() - timedelta(days=1)}T00:00"
    quiet = run(
        "disclosures", "breach", "--user", seed["user"], "--from", seed["to"], "--to", yesterday
    )
    assert quiet.exit_code == 0, quiet.output
    assert "No client's record was touched in the period." in quiet.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("consents", "list", "T-404"), "record: no client with record number 'T-404'"),
        (("disclosures", "account", "T-404"), "record: no client with record number 'T-404'"),
        (
            ("disclosures", "account", "{record}", "--from", "2026-13-01"),
            "from: enter the date as YYYY-MM-DD",
        ),
        (
            ("disclosures", "account", "{record}", "--from", "2020-01-01", "--to", "2024-01-01"),
            "from: an accounting covers at most 3 years: start on or after 2021-01-01",
        ),
        (
            ("disclosures", "account", "{record}", "--from", "2024-01-02", "--to", "2024-01-01"),
            "to: the end comes before the start",
        ),
        (
            ("disclosures", "breach", "--user", "{user}", "--from", "soon", "--to", "{to}"),
            "from: enter a date and time",
        ),
        (
            ("disclosures", "breach", "--user", "{user}", "--from", "{to}", "--to", "{from}"),
            "to: the end comes before the start",
        ),
        (
            ("disclosures", "breach", "--from", "{from}", "--to", "{to}"),
            "user: name the user whose access to assess, or the clients",
        ),
        (
            ("disclosures", "breach", "--user", "ghost", "--from", "{from}", "--to", "{to}"),
            "user: no user named 'ghost'",
        ),
        (
            ("disclosures", "breach", "--client", "T-404", "--from", "{from}", "--to", "{to}"),
            "record: no client with record number 'T-404'",
        ),
    ],
    ids=[
        "consents-unknown-record",
        "account-unknown-record",
        "account-bad-date",
        "account-too-long",
        "account-backwards",
        "breach-bad-time",
        "breach-backwards",
        "breach-nobody",
        "breach-unknown-user",
        "breach-unknown-client",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    database: str, args: tuple[str, ...], message: str
) -> None:
    seed = seeded(database)
    one_line_error(run(*(a.format(**seed) for a in args)), message)
