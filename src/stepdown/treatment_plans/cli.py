"""``stepdown plans``: overdue plan reviews across the program, for the director's weekly
check from a terminal or a script (the same list the home page shows)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from stepdown.cli import context
from stepdown.treatment_plans import service

app = typer.Typer(help="Treatment plans.", no_args_is_help=True)


@app.command("overdue")
def overdue() -> None:
    """Print every plan in effect whose review date has passed, most overdue first."""
    with context.unit_of_work() as session:
        rows = service.overdue_reviews(session, actor=context.system_actor())
        grid = Table("record", "plan version", "review was due", "days overdue")
        for row in rows:
            grid.add_row(
                row.client.record_number,
                str(row.plan.version),
                row.due.isoformat(),
                str(row.days_overdue),
            )
    Console().print(grid)
    Console().print(f"{len(rows)} overdue plan review(s).")
