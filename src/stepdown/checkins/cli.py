"""``stepdown checkins``: a client's recent check-ins and their 7-day averages, for staff
working from a terminal and for scripts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stepdown.checkins import rules, service
from stepdown.clients import repository as clients_repository
from stepdown.kit.clock import today

app = typer.Typer(help="Clients' daily check-ins.", no_args_is_help=True)


@app.command("history")
def history(
    record: Annotated[
        str, typer.Argument(metavar="RECORD_NUMBER", help="Record number, e.g. DEMO-0001.")
    ],
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days back.")] = 30,
) -> None:
    """Show a client's check-ins, newest first, with flags (an audited read, as the system)."""
    # Imported here: `stepdown.cli` registers this sub-app, so a top-level import would cycle.
    from stepdown.cli import context

    with context.unit_of_work() as session:
        actor = context.system_actor()
        found = session.scalar(clients_repository.by_record_number(record.strip().upper()))
        if found is None:
            context.fail(f"record: no client with record number {record!r}")
        since = today() - timedelta(days=days - 1 + rules.TREND_WINDOW_DAYS)
        checkins = service.history(session, actor=actor, client_id=found.id, since=since)
        trend = service.build_trend(checkins, days=days, end=service.window_end(checkins))
        shown = [c for c in checkins if c.day >= trend.start]
        table = Table(
            "day",
            "craving",
            "mood",
            "sleep h",
            "used",
            "self-harm thoughts",
            "entered",
            "flags",
            title=f"{found.record_number}: {len(shown)} check-ins in the last {days} days",
        )
        for c in shown:
            found_triggers = rules.triggers(
                craving=c.craving,
                used_since_last=c.used_since_last,
                self_harm_thoughts=c.self_harm_thoughts,
            )
            table.add_row(
                c.day.isoformat(),
                str(c.craving),
                str(c.mood),
                "" if c.sleep_hours is None else f"{float(c.sleep_hours):g}",
                "yes" if c.used_since_last else "no",
                rules.answer_label(c.self_harm_thoughts),  # None: "not answered", never "no"
                c.entry_mode.value,
                ", ".join(t.value for t in found_triggers),
            )
        Console().print(table)
        if trend.latest is not None:
            typer.echo(
                f"7-day average on {trend.latest.day}: craving {trend.latest.craving:g}, "
                f"mood {trend.latest.mood:g} ({trend.latest.days} of 7 days with a check-in)"
            )
