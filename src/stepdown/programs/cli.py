"""`stepdown programs`: load the program set-up from CSV files and export a week to schedule.

Imports are all-or-nothing: every row is checked inside one transaction, and the first bad row
stops the command with ``error: line N: field: message`` (exit 2) and nothing written. Rows
replace what they name (a staff member's profile, a site's session code, a client's schedule
profile), so a corrected file can simply be imported again.

Columns (a header row is required; extra columns are refused so a typo is not ignored):

- ``import-staff``: ``username, site, topics, availability, max_hours``
- ``import-sessions``: ``site, code, day, start, end, topic, levels, audience, gender,
  min_size, max_size, telehealth`` (``code`` may be blank for the next free ``G<n>``)
- ``import-availability``: ``record_number, availability, therapist, individual_sessions,
  family_sessions`` (``therapist`` is a username; blank means the primary clinician)

``topics`` and ``levels`` are separated by spaces or commas; ``availability`` is windows like
``mon 09:00-17:00; tue 18:00-21:00``; ``telehealth`` is yes/no.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from stepdown.cli import context
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.programs import export, rules
from stepdown.programs import service as programs_service
from stepdown.programs.models import Audience, SessionGender
from stepdown.security import repository as security_repository
from stepdown.security.actor import Actor

app = typer.Typer(help="Program set-up: CSV imports and the week export.", no_args_is_help=True)

STAFF_COLUMNS = ("username", "site", "topics", "availability", "max_hours")
SESSION_COLUMNS = (
    "site",
    "code",
    "day",
    "start",
    "end",
    "topic",
    "levels",
    "audience",
    "gender",
    "min_size",
    "max_size",
    "telehealth",
)
AVAILABILITY_COLUMNS = (
    "record_number",
    "availability",
    "therapist",
    "individual_sessions",
    "family_sessions",
)

Row = dict[str, str]


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, Row]]:
    """The file's data rows with their line numbers. A file that is not UTF-8 (Excel's
    "CSV" is often Windows-1252, "Unicode text" is UTF-16) or not valid CSV stops the
    command with one line naming the file and the line, never a traceback."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        context.fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        context.fail(f"{path}: line {line}: not UTF-8 text (save the file as CSV UTF-8)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        if missing or extra:
            problem = f"missing column {missing[0]}" if missing else f"unknown column {extra[0]}"
            context.fail(f"line 1: header: {problem} (expected {', '.join(columns)})")
        for row in reader:
            yield (
                reader.line_num,
                {(k or "").strip(): (v or "").strip() for k, v in row.items() if k},
            )
    except csv.Error as exc:  # line_num counts complete records: the bad one starts after
        context.fail(f"{path}: line {reader.line_num + 1}: {exc}")


def _int(row: Row, column: str) -> int:
    try:
        return int(row[column])
    except ValueError:
        raise Invalid(f"{row[column]!r} is not a whole number", field=column) from None


def _float(row: Row, column: str) -> float:
    try:
        return float(row[column])
    except ValueError:
        raise Invalid(f"{row[column]!r} is not a number", field=column) from None


def _yes(row: Row, column: str) -> bool:
    value = row[column].lower()
    if value not in ("yes", "no", "true", "false", "1", "0", "y", "n", ""):
        raise Invalid(f"{row[column]!r} is not yes or no", field=column)
    return value in ("yes", "true", "1", "y")


def _audience(row: Row) -> Audience:
    value = row["audience"].lower() or Audience.ADULT.value
    if value not in {a.value for a in Audience}:
        raise Invalid(f"{row['audience']!r} is not adult or adolescent", field="audience")
    return Audience(value)


def _gender(row: Row) -> SessionGender:
    value = row["gender"].upper() or "ANY"
    value = "any" if value == "ANY" else value
    if value not in {g.value for g in SessionGender}:
        raise Invalid(f"{row['gender']!r} is not any, F or M", field="gender")
    return SessionGender(value)


def _import(
    path: Path,
    columns: tuple[str, ...],
    apply: Callable[[Session, Actor, Row], None],
    noun: str,
) -> None:
    with context.unit_of_work() as session:
        actor = context.system_actor()
        count = 0
        for line, row in _rows(path, columns):
            try:
                apply(session, actor, row)
            except StepdownError as exc:
                context.fail(f"line {line}: {exc.field or 'row'}: {exc.message}")
            count += 1
    typer.echo(f"imported {count} {noun}")


def _staff_row(session: Session, actor: Actor, row: Row) -> None:
    user = security_repository.user_by_username(session, row["username"])
    if user is None:
        raise Invalid(f"no user {row['username']!r}", field="username")
    programs_service.save_staff_profile(
        session,
        actor=actor,
        user=user,
        site=programs_service.require_site(session, row["site"]),
        topics=rules.split_codes(row["topics"]),
        availability=rules.parse_windows(row["availability"]),
        max_hours=_float(row, "max_hours"),
    )


def _session_row(session: Session, actor: Actor, row: Row) -> None:
    spec = programs_service.SessionSpec(
        code=row["code"],
        day=row["day"],
        start=row["start"],
        end=row["end"],
        topic=row["topic"],
        levels=rules.split_codes(row["levels"]),
        audience=_audience(row),
        gender=_gender(row),
        min_size=_int(row, "min_size"),
        max_size=_int(row, "max_size"),
        telehealth=_yes(row, "telehealth"),
    )
    site = programs_service.require_site(session, row["site"])
    programs_service.save_group_session(session, actor=actor, site=site, spec=spec)


def _availability_row(session: Session, actor: Actor, row: Row) -> None:
    client = programs_service.client_by_record_number(
        session, actor=actor, record_number=row["record_number"]
    )
    therapist_id = None
    if row["therapist"]:
        therapist = security_repository.user_by_username(session, row["therapist"])
        if therapist is None:
            raise Invalid(f"no user {row['therapist']!r}", field="therapist")
        therapist_id = therapist.id
    programs_service.save_client_profile(
        session,
        actor=actor,
        client=client,
        availability=rules.parse_windows(row["availability"]),
        therapist_id=therapist_id,
        individual_sessions=_int(row, "individual_sessions"),
        family_sessions=_int(row, "family_sessions"),
    )


FileArgument = Annotated[Path, typer.Argument(help="CSV file with a header row.")]


@app.command("import-staff")
def import_staff(file: FileArgument) -> None:
    """Staff profiles: topics each may lead, weekly availability, maximum hours."""
    _import(file, STAFF_COLUMNS, _staff_row, "staff profiles")


@app.command("import-sessions")
def import_sessions(file: FileArgument) -> None:
    """Candidate group sessions (the curriculum) per site."""
    _import(file, SESSION_COLUMNS, _session_row, "group sessions")


@app.command("import-availability")
def import_availability(file: FileArgument) -> None:
    """Clients' weekly availability, therapist and appointment needs."""
    _import(file, AVAILABILITY_COLUMNS, _availability_row, "client schedule profiles")


@app.command("export-week")
def export_week(
    week: Annotated[str, typer.Option("--week", help="The Monday of the week, YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the instance.")],
) -> None:
    """Write the live week as a scheduling instance (the exchange format)."""
    try:
        monday = date.fromisoformat(week)
    except ValueError:
        context.fail(f"week: {week!r} is not a date (YYYY-MM-DD)")
    with context.unit_of_work() as session:
        result = export.export_week(session, actor=context.system_actor(), week_of=monday)
        for line in result.skipped:
            typer.echo(f"skipped {line}", err=True)
        try:
            output.write_text(result.instance.model_dump_json(indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            context.fail(f"cannot write {output}: {exc.strerror or exc}")
    instance = result.instance
    typer.echo(
        f"wrote {output}: {len(instance.clients)} clients, {len(instance.sessions)} sessions, "
        f"{len(instance.staff)} staff ({len(result.skipped)} clients skipped)"
    )
