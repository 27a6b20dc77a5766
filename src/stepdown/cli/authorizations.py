"""`stepdown auth list --expiring N` and `stepdown ur desk`: utilization review's worklist
from a terminal (the same lists as the UR desk on the home page)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from stepdown.authorizations import service
from stepdown.cli import context

auth_app = typer.Typer(help="Payer authorizations.", no_args_is_help=True)
ur_app = typer.Typer(help="The utilization-review desk.", no_args_is_help=True)


def _table(title: str, rows: list[service.DeskRow], when: str) -> Table:
    table = Table("client", "record", "level", "status", "units left", "through", when, title=title)
    for row in rows:
        a = row.authorization
        balance = row.view.balance
        table.add_row(
            row.client.display_name,
            row.client.record_number,
            a.level_code,
            a.status.label,
            f"{balance.remaining} of {balance.approved} {a.unit_type.label}"
            if row.view.usable
            else "-",
            a.ends_on.isoformat(),
            str(
                {"review": a.next_review_on, "appeal by": a.appeal_deadline}.get(when, a.starts_on)
                or "-"
            ),
        )
    return table


@auth_app.command("list")
def list_expiring(
    expiring: int = typer.Option(
        7, "--expiring", min=0, max=365, help="Within this many days (or 3 units) of the end."
    ),
) -> None:
    """Authorizations in force that run out within the days given (or within 3 units)."""
    with context.unit_of_work() as session:
        found = service.desk(session, actor=context.system_actor(), days=expiring)
        console = Console()
        if not found.running_out:
            console.print(f"No authorization runs out within {expiring} days.")
            return
        console.print(_table("Running out", found.running_out, "from"))


@ur_app.command("desk")
def desk(
    days: int = typer.Option(7, "--days", min=0, max=365, help="Look ahead this many days."),
) -> None:
    """Reviews due, authorizations running out, requests waiting, denials to appeal, and
    clients in care with no authorization in force."""
    with context.unit_of_work() as session:
        found = service.desk(session, actor=context.system_actor(), days=days)
        console = Console()
        sections = (
            ("Reviews overdue", found.overdue, "review"),
            ("Reviews due today", found.due_today, "review"),
            (f"Reviews due within {days} days", found.due_soon, "review"),
            ("Running out", found.running_out, "from"),
            ("Requests waiting for the payer", found.pending, "from"),
            ("Denials and appeals", found.denied, "appeal by"),
        )
        for title, rows, when in sections:
            if rows:
                console.print(_table(title, rows, when))
        if found.uncovered:
            console.print(
                "No authorization in force today: "
                + ", ".join(f"{c.display_name} ({c.record_number})" for c in found.uncovered)
            )
        if found.empty:
            console.print("Nothing due.")
