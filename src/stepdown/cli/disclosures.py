"""`stepdown consents list RECORD`, `stepdown disclosures account RECORD` and `stepdown
disclosures breach`: a client's consents, the accounting of what was disclosed about them,
and a breach assessment with draft letters, for the privacy officer at a terminal.

Each command acts as the system, labelled with the operating-system user and the command,
so the audit trail says who produced what.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from stepdown.cli import context
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.consents import rules as consent_rules
from stepdown.consents import service as consents_service
from stepdown.consents.models import InformationClass, Purpose
from stepdown.disclosures import accounting, breach
from stepdown.kit import bounds
from stepdown.kit.clock import local, parse_local, today
from stepdown.kit.errors import Invalid
from stepdown.security.actor import Actor

consents_app = typer.Typer(help="Written consents to disclose (42 CFR 2.31).", no_args_is_help=True)
disclosures_app = typer.Typer(
    help="What left the program: accountings and breach assessments.", no_args_is_help=True
)


def _console() -> Console:
    """Names, addresses and descriptions are printed as typed: a "[" in one is text, not
    Rich markup."""
    return Console(markup=False)


def _actor(command: str) -> Actor:
    return Actor.system(f"{context.system_actor().username} ({command})")


def _client(session: Session, record: str) -> Client:
    found = session.scalar(clients_repository.by_record_number(record.strip().upper()))
    if found is None:
        context.fail(f"record: no client with record number {record!r}")
    return found


def _day(value: str | None, field: str) -> date | None:
    try:
        return bounds.parse_day(value, field=field)
    except Invalid as exc:
        context.fail(f"{field}: {exc.message}")


@consents_app.command("list")
def list_consents(
    record: str = typer.Argument(..., help="The client's record number (e.g. C-000123)."),
) -> None:
    """The client's consents, newest first, each with whether it is in force and, if not,
    why."""
    with context.unit_of_work() as session:
        client = _client(session, record)
        views = consents_service.consents_of(
            session, actor=_actor("consents list"), client_id=client.id
        )
        table = Table(
            "kind",
            "recipients",
            "information",
            "purposes",
            "signed",
            "expires",
            "status",
            title=f"Consents of {client.display_name} ({client.record_number})",
        )
        for view in views:
            c = view.consent
            # A consent is never dated after today (the rules refuse it), so one not in
            # force was revoked or has expired.
            status = "active"
            if view.inactive is not None:
                status = f"{'revoked' if c.revoked_at else 'expired'}: {view.inactive}"
            table.add_row(
                c.kind.label,
                "; ".join(view.recipients),
                ", ".join(InformationClass(i).label for i in c.information),
                ", ".join(Purpose(p).label for p in c.purposes),
                c.signed_on.isoformat(),
                consent_rules.expiry_text(c.expires_on, c.expiry_event),
                status,
            )
    console = _console()
    if not views:
        console.print(f"{client.record_number} has signed no consent.")
        return
    console.print(table)


@disclosures_app.command("account")
def account(
    record: str = typer.Argument(..., help="The client's record number (e.g. C-000123)."),
    date_from: str | None = typer.Option(
        None, "--from", help="First day, YYYY-MM-DD (default: 3 years before --to)."
    ),
    date_to: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (default: today)."),
) -> None:
    """The accounting of disclosures: every disclosure about the client in the range (at
    most 3 years), with the recipient, the information, the purpose and the consent."""
    start, end = _day(date_from, "from"), _day(date_to, "to")
    with context.unit_of_work() as session:
        client = _client(session, record)
        found = accounting.account(
            session,
            actor=_actor("disclosures account"),
            client_id=client.id,
            start=start,
            end=end,
            today=today(),
        )
    table = Table(
        "when",
        "recipient",
        "information",
        "purpose",
        "channel",
        "description",
        "consent",
        "sent by",
        title=f"Disclosures about {found.client_name} ({found.record_number}), "
        f"{found.start.isoformat()} to {found.end.isoformat()}",
    )
    for row in found.rows:
        table.add_row(
            accounting.when_text(row),
            accounting.recipient_text(row),
            accounting.information_text(row),
            row.purpose.label,
            row.channel.label,
            row.description,
            accounting.consent_text(row),
            row.sent_by,
        )
    console = _console()
    console.print(table)
    console.print(f"{len(found.rows)} disclosure(s).")


@disclosures_app.command("breach")
def assess_breach(
    date_from: str = typer.Option(..., "--from", help="Start, YYYY-MM-DDTHH:MM program time."),
    date_to: str = typer.Option(..., "--to", help="End, YYYY-MM-DDTHH:MM program time."),
    user: str | None = typer.Option(None, "--user", help="The username (or user id) to assess."),
    records: list[str] | None = typer.Option(
        None, "--client", help="A client's record number (repeat for several)."
    ),
    discovered: str | None = typer.Option(
        None, "--discovered", help="The day the breach was discovered (default: today)."
    ),
    letters: Path | None = typer.Option(
        None, "--letters", help="Write a draft letter per client into this directory."
    ),
) -> None:
    """Every client whose records the user touched in the period (or every access to the
    named clients' records), each record with how and when, and optionally a draft
    notification letter per client (45 CFR 164.404)."""
    discovered_on = _day(discovered, "discovered")
    with context.unit_of_work() as session:
        start = parse_local(date_from, field="from")
        end = parse_local(date_to, field="to")
        found = breach.listing(
            session,
            actor=_actor("disclosures breach"),
            user=user,
            start=start,
            end=end,
            client_ids=[_client(session, r).id for r in records or []] or None,
        )
        discovered_on = discovered_on or today()
    # Read after the command's transaction: on SQLite a second session waits for its lock.
    program = context.program_card()
    console = _console()
    who = f"by {found.user_label}" if found.user_label else "to the clients named"
    console.print(
        f"Breach assessment: access {who}, {local(start):%Y-%m-%d %H:%M} to "
        f"{local(end):%Y-%m-%d %H:%M} ({program.time_zone})"
    )
    for client in found.clients:
        console.print(_client_table(client))
    if not found.clients:
        console.print("No client's record was touched in the period.")
        return
    console.print(f"{len(found.clients)} client(s) affected.")
    console.print(breach.hhs_notice(len(found.clients), discovered_on))
    console.print(
        f"Letters go without unreasonable delay, by {breach.notify_by(discovered_on)} at the "
        "latest (45 CFR 164.404(b))."
    )
    if letters is not None:
        drafts = breach.draft_letters(found, program, discovered_on=discovered_on)
        _write_letters(letters, drafts)
        console.print(
            f"{len(drafts)} draft letter(s) in {letters}: complete the bracketed parts, and "
            "follow each client's safe-contact instructions, before sending."
        )


def _client_table(client: breach.AffectedClient) -> Table:
    reach = "; ".join(
        p for p in (client.address.replace("\n", ", "), client.email, client.phone) if p
    )
    caption = f"Safe contact: {client.safe_contact}" if client.safe_contact else None
    table = Table(
        "record",
        "action",
        "by",
        "first",
        "last",
        "times",
        title=f"{client.name} ({client.record_number}), born "
        f"{client.date_of_birth.isoformat()}: {reach or 'no address on file'}",
        caption=caption,
    )
    for touch in client.touches:
        table.add_row(
            f"{touch.entity_type} {touch.entity_id}".strip(),
            touch.action.value,
            touch.actor,
            f"{local(touch.first_at):%Y-%m-%d %H:%M}",
            f"{local(touch.last_at):%Y-%m-%d %H:%M}",
            str(touch.count),
        )
    return table


def _write_letters(directory: Path, drafts: list[breach.Letter]) -> None:
    """One text file per client, readable by the operator only (they hold PHI), never over
    a draft someone may already have edited."""
    paths = {directory / f"{d.record_number}.txt": d for d in drafts}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        taken = [p for p in paths if p.exists()]
        if taken:
            context.fail(f"letters: {taken[0]} exists; choose an empty directory")
        for path, draft in paths.items():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(draft.text)
    except OSError as exc:
        context.fail(f"letters: {exc.filename or directory}: {exc.strerror or 'cannot be written'}")
