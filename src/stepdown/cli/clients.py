"""`stepdown clients` and `stepdown census`: the continuum from the command line.

Commands act as the system and are audited like any other read of client records.
"""

from __future__ import annotations

import uuid

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from stepdown.cli import context
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.continuum import service as continuum_service
from stepdown.programs import service as programs_service

clients_app = typer.Typer(help="Find and show client records.", no_args_is_help=True)


@clients_app.command("list")
def list_clients(
    query: str = typer.Option("", "--query", "-q", help="Name or record number contains."),
    site: str = typer.Option("", help="Site code, e.g. S1."),
    limit: int = typer.Option(100, min=1, max=1000),
) -> None:
    """List clients by last name."""
    with context.unit_of_work() as session:
        site_id = _site_id(session, site)
        found = clients_service.search_clients(
            session, actor=context.system_actor(), query=query, site_id=site_id, limit=limit
        )
        table = Table("record", "name", "born", "id")
        for client in found:
            table.add_row(
                client.record_number,
                client.display_name,
                client.date_of_birth.isoformat(),
                str(client.id),
            )
        Console().print(table)


@clients_app.command("show")
def show(record: str = typer.Argument(..., help="Record number (e.g. DEMO-0001) or id.")) -> None:
    """Show one client's record and care timeline."""
    with context.unit_of_work() as session:
        actor = context.system_actor()
        client = session.scalar(clients_repository.by_record_number(record.strip().upper()))
        if client is None:
            try:
                client_id = uuid.UUID(record)
            except ValueError:
                context.fail(f"record: no client with record number {record!r}")
        else:
            client_id = client.id
        client = clients_service.get_client(session, actor=actor, client_id=client_id)
        console = Console()
        console.print(
            f"[bold]{client.display_name}[/bold]  {client.record_number}  "
            f"born {client.date_of_birth}  {client.pronouns}"
        )
        levels = {lv.id: lv.code for lv in continuum_service.catalog(session)}
        for view in continuum_service.client_episodes(session, actor=actor, client=client):
            episode = view.episode
            console.print(
                f"Episode from {episode.admitted_on}: {episode.status.value}"
                + (f", discharged {episode.discharged_on}" if episode.discharged_on else "")
            )
            table = Table("from", "until", "change", "level", "track", "reason")
            for s in view.segments:
                table.add_row(
                    s.starts_on.isoformat(),
                    s.ends_on.isoformat() if s.ends_on else "ongoing",
                    s.transition.value,
                    levels[s.level_id],
                    s.track.value,
                    s.reason,
                )
            console.print(table)


def _site_id(session: Session, code: str) -> uuid.UUID | None:
    if not code:
        return None
    site = programs_service.site_by_code(session, code)
    if site is None:
        context.fail(f"site: no site with code {code!r}")
    return site.id


def census(site: str = typer.Option("", help="Site code, e.g. S1.")) -> None:
    """Clients in an open episode, by level and track, with days in level."""
    with context.unit_of_work() as session:
        result = continuum_service.census(
            session, actor=context.system_actor(), site_id=_site_id(session, site)
        )
        console = Console()
        console.print("  ".join(f"{code}: {count}" for code, count in result.counts.items()))
        table = Table("record", "name", "level", "track", "since", "days", "expected end")
        for row in result.rows:
            table.add_row(
                row.client.record_number,
                row.client.display_name,
                row.level.code,
                row.segment.track.value,
                row.segment.starts_on.isoformat(),
                str(row.days_in_level),
                (row.expected_end.isoformat() + (" (over)" if row.over_typical_stay else ""))
                if row.expected_end
                else "ongoing",
            )
        console.print(table)
