"""``stepdown billing``: a week's charges, its claim files, and posting a remittance, from a
terminal (a billing service's nightly script, or a program without a billing clerk)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.billing import charges, claims, remittances
from stepdown.cli import context
from stepdown.coverage.models import Payer
from stepdown.kit.errors import StepdownError
from stepdown.security.actor import Actor

app = typer.Typer(help="Charges, claim files and remittances.", no_args_is_help=True)
PAYER_HELP = "Payer name as on file; every payer when left out."


def _week(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        context.fail(f"week: {text!r} is not a date (YYYY-MM-DD, a Monday)")
    if day.weekday() != 0:
        context.fail(f"week: {day.isoformat()} is not a Monday")
    return day


def _actor(what: str) -> Actor:
    return Actor.system(f"{context.system_actor().username} (billing {what})")


@app.command("charges")
def charges_command(
    week: str = typer.Option(..., "--week", help="The week's Monday, YYYY-MM-DD."),
) -> None:
    """Compute the week's charge lines from attendance, notes and drug tests (again)."""
    monday = _week(week)
    with context.unit_of_work() as session:
        try:
            result = charges.compute_week(session, actor=_actor("charges"), week_of=monday)
        except StepdownError as exc:
            context.fail(exc.message)
    counts = ", ".join(
        f"{n} {status.label.lower()}" for status, n in sorted(result.by_status.items())
    )
    typer.echo(f"week of {monday.isoformat()}: {result.written} lines ({counts or 'none'})")
    if result.kept:
        typer.echo(f"{result.kept} client-days already released or billed were left as sent")


@app.command("release")
def release_command(
    week: str = typer.Option(..., "--week", help="The week's Monday, YYYY-MM-DD."),
    payer: str = typer.Option(
        "", "--payer", help="Payer name as on file; every payer if left out."
    ),
) -> None:
    """Release the week's ready lines for claims."""
    monday = _week(week)
    with context.unit_of_work() as session:
        payer_id = _payer(session, payer)
        try:
            count = claims.release(
                session, actor=_actor("release"), week_of=monday, payer_id=payer_id
            )
        except StepdownError as exc:
            context.fail(exc.message)
    typer.echo(f"released {count} lines")


def _payer(session: Session, name: str) -> uuid.UUID | None:
    if not name:
        return None
    found = session.scalar(select(Payer.id).where(Payer.name == name))
    if found is None:
        context.fail(f"payer: no payer named {name!r}")
    return found


@app.command("export")
def export_command(
    week: str = typer.Option(..., "--week", help="The week's Monday, YYYY-MM-DD."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the files into."),
    payer: str = typer.Option(
        "", "--payer", help="Payer name as on file; every payer if left out."
    ),
) -> None:
    """Write the week's claim files, one per payer and claim type.

    With nothing newly released, the files already written, the same bytes."""
    monday = _week(week)
    if output.exists() and not output.is_dir():
        context.fail(f"output: {output} is not a folder")
    with context.unit_of_work() as session:
        payer_id = _payer(session, payer)
        try:
            result = claims.export_week(
                session, actor=_actor("export"), week_of=monday, payer_id=payer_id
            )
        except StepdownError as exc:
            context.fail(exc.message)
        files = [(b.filename, b.content, b.claim_count) for b in result.batches]
    if not files:
        context.fail("no released lines and no claim files for that week", code=1)
    output.mkdir(parents=True, exist_ok=True)
    for filename, content, count in files:
        (output / filename).write_text(content, encoding="ascii", newline="")
        typer.echo(f"wrote {output / filename} ({count} claims)")
    if result.held:
        typer.echo(f"{result.held} released lines were held back: see the charges page")


@app.command("post-835")
def post_835_command(
    file: Path = typer.Argument(..., help="The payer's 835 remittance file."),
) -> None:
    """Post a remittance: payments and adjustments to the claim lines, denials listed."""
    if not file.is_file():
        context.fail(f"file: {file} is not a file")
    text = file.read_text(encoding="ascii", errors="replace")
    with context.unit_of_work() as session:
        try:
            result = remittances.post(
                session, actor=_actor("post-835"), text=text, filename=file.name
            )
        except StepdownError as exc:
            context.fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")
    typer.echo(
        f"posted {result.remittances} remittance(s): {result.claims} claims, "
        f"{result.denials} denied"
    )
    for number in result.unmatched:
        typer.echo(f"not a claim we sent: {number}")
