"""``stepdown fhir``: register, list and disable the backend systems that read the FHIR API.

A client is registered against an entry of the recipient directory (``stepdown`` keeps it
with the consents), so what it reads is what each client's consents let go to that
recipient. The secret is printed once, with the client id, and never again.
"""

from __future__ import annotations

import uuid

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.cli import context
from stepdown.consents.models import Purpose
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.fhir import oauth

app = typer.Typer(help="FHIR API backend clients.", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="What the system is, e.g. 'Partner clinic EHR'."),
    recipient: str = typer.Option(
        ..., help="Its recipient directory entry: its id or its exact name."
    ),
    purpose: Purpose = typer.Option(Purpose.TREATMENT, help="Why it reads the records."),
    scopes: str = typer.Option("system/*.read", help="SMART system scopes it may be granted."),
) -> None:
    """Register a client; its id and secret are printed once."""
    with context.unit_of_work() as session:
        recipient_id = _recipient_id(session, recipient)
        client, secret = oauth.register_client(
            session,
            actor=context.system_actor(),
            name=name,
            scopes=scopes,
            recipient_id=recipient_id,
            purpose=purpose,
        )
        typer.echo(f"client_id={client.client_id}")
        typer.echo(secret)


def _recipient_id(session: Session, given: str) -> uuid.UUID:
    """The program-wide directory entry named by id or by its exact name."""
    try:
        return uuid.UUID(given)
    except ValueError:
        pass
    found = session.scalars(
        select(DisclosureRecipient.id).where(
            DisclosureRecipient.name == given, DisclosureRecipient.client_id.is_(None)
        )
    ).all()
    if len(found) != 1:
        context.fail(f"recipient: no single directory entry is named {given!r}")
    return found[0]


@app.command("list")
def list_clients() -> None:
    """List the clients (never their secrets)."""
    with context.unit_of_work() as session:
        table = Table("client id", "name", "purpose", "scopes", "recipient", "state")
        for client in oauth.list_clients(session, actor=context.system_actor()):
            state = f"disabled {client.disabled_at:%Y-%m-%d}" if client.disabled_at else "active"
            table.add_row(
                client.client_id,
                client.name,
                client.purpose.value,
                " ".join(client.scopes),
                str(client.recipient_id),
                state,
            )
        Console().print(table)


@app.command("disable")
def disable(client_id: str) -> None:
    """Disable a client: no new tokens, and the ones it holds stop working."""
    with context.unit_of_work() as session:
        client = oauth.disable_client(session, actor=context.system_actor(), client_id=client_id)
        typer.echo(f"disabled {client.client_id}")
