"""`stepdown db`: migrations."""

from __future__ import annotations

import typer

from stepdown.cli import context
from stepdown.kit import migrate

app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(context.engine(), revision)
    typer.echo(f"database at {migrate.current_revision(context.engine())}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(context.engine(), revision)
    typer.echo(f"database at {migrate.current_revision(context.engine()) or 'base'}")


@app.command()
def current() -> None:
    """Print the database's revision and whether it is the newest."""
    engine = context.engine()
    rev = migrate.current_revision(engine)
    head = migrate.head_revision(engine)
    state = "up to date" if rev == head else f"behind (newest is {head})"
    typer.echo(f"{rev or 'empty'}: {state}")
