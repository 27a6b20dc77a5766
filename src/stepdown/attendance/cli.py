"""``stepdown attendance board``: the compliance board in a terminal, for a coordinator's
weekly review or a script; it runs as the system and each client shown is an audited read."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from stepdown.attendance import rules, service
from stepdown.attendance.api import parse_track
from stepdown.cli import context
from stepdown.kit.clock import today
from stepdown.kit.errors import StepdownError
from stepdown.programs import service as programs_service

app = typer.Typer(help="Attendance: weekly hours against each level's minimum.")


@app.callback()
def _group() -> None:
    """Keep ``board`` a subcommand (``stepdown attendance board``)."""


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


@app.command("board")
def board(
    site: str = typer.Option("S1", help="Site code."),
    week: str = typer.Option("", help="Any day of the week, YYYY-MM-DD (default: this week)."),
    track: str = typer.Option("", help="day or evening (default: both)."),
    level: str = typer.Option("", help="Level code, e.g. IOP (default: every level)."),
    all_clients: bool = typer.Option(False, "--all", help="Also list clients on track."),
) -> None:
    """Who is under their level's weekly hours, by how much and why; biggest shortfall first."""
    try:
        week_of = date.fromisoformat(week) if week else today()
        wanted = parse_track(track)
    except ValueError:
        context.fail(f"week: {week!r} is not a date (YYYY-MM-DD)")
    except StepdownError as exc:
        context.fail(f"{exc.field}: {exc.message}")
    with context.unit_of_work() as session:
        found = service.compliance_board(
            session,
            actor=context.system_actor(),
            site_id=programs_service.require_site(session, site).id,
            week_of=week_of,
            track=wanted,
            level=level or None,
        )
        rows = found.rows if all_clients else found.under
        table = Table(
            title=f"{found.site.code} week of {found.monday.isoformat()}: "
            f"{len(found.under)} of {len(found.rows)} need attention"
        )
        for heading in ("record", "level", "min h", "booked h", "delivered h", "short h", "why"):
            table.add_column(heading)
        for row in rows:
            table.add_row(
                row.client.record_number,
                f"{row.level.code} {row.level.track.value}",
                "-" if row.level.weekly_hours_min is None else f"{row.level.weekly_hours_min:.1f}",
                _hours(row.week.planned),
                _hours(row.week.delivered),
                _hours(row.verdict.shortfall),
                "; ".join(row.verdict.reasons) or rules.COMPLIANCE_LABELS[row.verdict.status],
            )
        Console().print(table)
