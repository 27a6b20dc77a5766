"""`stepdown audit`: check the trail's hash chain."""

from __future__ import annotations

import typer

from stepdown.audit import service
from stepdown.cli import context

app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Recompute every entry's hash; exit 1 naming the first entry that does not match."""
    with context.unit_of_work() as session:
        result = service.verify_chain(session)
    if result.ok:
        typer.echo(f"ok: {result.checked} entries, chain intact")
        return
    typer.echo(
        f"BROKEN at entry {result.first_broken_seq}: {result.problem} "
        f"({result.checked} entries before it are intact)",
        err=True,
    )
    raise typer.Exit(1)
