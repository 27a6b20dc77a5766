"""``stepdown testing``: commit a day's random drug-test draw, run it, and verify it; order
the day's standing tests.

``commit`` is meant to run before the day (a nightly job or the director), ``draw`` and
``standing-orders`` on the day; ``verify-draw`` can be run by anyone with the database, at
any later time.
"""

from __future__ import annotations

from datetime import date

import typer

from stepdown.cli import context
from stepdown.drug_testing import rules, service
from stepdown.programs import service as programs_service

app = typer.Typer(help="Drug testing: random draws and standing orders.", no_args_is_help=True)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        context.fail(f"date: {text!r} is not a date (YYYY-MM-DD)")


def _sealing_key() -> bytes:
    return context.settings().effective_secret_key.encode()


@app.command("commit")
def commit(
    day: str = typer.Argument(..., help="Program day, YYYY-MM-DD."),
    site: str = typer.Option("S1", help="Site code."),
    rate: float = typer.Option(rules.DEFAULT_RATE_PER_WEEK, help="Tests per client per week."),
    program_days: int = typer.Option(rules.DEFAULT_PROGRAM_DAYS, help="Program days per week."),
) -> None:
    """Fix the day's random seed by publishing its hash (once; a second run shows the first)."""
    on = _date(day)
    with context.unit_of_work() as session:
        found = programs_service.require_site(session, site)
        draw = service.commit_day(
            session,
            actor=context.system_actor(),
            site_id=found.id,
            day=on,
            rate_per_week=rate,
            program_days=program_days,
            sealing_key=_sealing_key(),
        )
        typer.echo(
            f"committed {found.code} {on.isoformat()}: rate {draw.rate_per_week:g}/week over "
            f"{draw.program_days} days, commitment {draw.commitment}"
        )


@app.command("draw")
def draw(
    day: str = typer.Argument(..., help="Program day, YYYY-MM-DD."),
    site: str = typer.Option("S1", help="Site code."),
) -> None:
    """Reveal the day's seed, select clients and order their tests (once per day)."""
    on = _date(day)
    with context.unit_of_work() as session:
        found = programs_service.require_site(session, site)
        result = service.run_draw(
            session,
            actor=context.system_actor(),
            site_id=found.id,
            day=on,
            sealing_key=_sealing_key(),
        )
        typer.echo(
            f"drew {found.code} {on.isoformat()}: {len(result.selected or [])} of "
            f"{len(result.eligible or [])} eligible selected; draw hash {result.draw_hash}"
        )
        for client_id in result.selected or []:
            typer.echo(f"  {client_id}")


@app.command("verify-draw")
def verify_draw(
    day: str = typer.Argument(..., help="Program day, YYYY-MM-DD."),
    site: str = typer.Argument(..., help="Site code."),
) -> None:
    """Recompute a stored draw; exit 1 naming every check that fails."""
    on = _date(day)
    with context.unit_of_work() as session:
        result = service.verify_draw(session, site_code=site, day=on)
    if result.ok:
        typer.echo(
            f"ok: {site.strip().upper()} {on.isoformat()}: seed matches its commitment, "
            "selection recomputed, record unaltered"
        )
        return
    for problem in result.problems:
        typer.echo(f"FAILED: {problem}", err=True)
    raise typer.Exit(1)


@app.command("standing-orders")
def standing_orders(day: str = typer.Argument(..., help="Program day, YYYY-MM-DD.")) -> None:
    """Order the day's standing (weekly) tests; a second run for the day orders nothing."""
    on = _date(day)
    with context.unit_of_work() as session:
        created = service.create_due_standing_orders(session, actor=context.system_actor(), day=on)
        typer.echo(f"standing orders for {on.isoformat()}: {len(created)} created")
        for order in created:
            typer.echo(f"  {order.client_id}")
