"""The accounting of disclosures: what left the program about one client, to whom, why and
under which consent (42 CFR 2.25; 45 CFR 164.528(b) for what each entry holds).

Part 2 gives a client an accounting of the disclosures made with their consent in the 3
years before they ask (§ 2.25(a)). Its right to an accounting of disclosures for
treatment, payment and health care operations (§ 2.25(b)) waits on HHS revising HIPAA's
accounting standard, 45 CFR 164.528: its compliance date is tolled until then. Stepdown
lists every disclosure it recorded anyway, TPO ones included: the disclosure record
(``disclosures.models.Disclosure``) holds them all, append-only, and a client asking what
was sent about them should not get less than the program knows.

Producing an accounting is itself audited (an export of the client's record).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.consents.models import Consent, ConsentKind, InformationClass, Purpose
from stepdown.disclosures.models import Channel, Disclosure, DisclosureRecipient
from stepdown.kit import bounds
from stepdown.kit.clock import day_start, local, utc_now
from stepdown.kit.errors import Invalid
from stepdown.security.actor import Actor

AUDIT_ENTITY = "disclosure_accounting"
# § 2.25(a): the disclosures of the 3 years before the request, or a shorter period.
YEARS = 3


@dataclass(frozen=True)
class AccountingRow:
    """One disclosure as the record holds it: the recipient as named when it went (the
    directory entry may have been renamed since), and the consent it went under."""

    disclosure_id: uuid.UUID
    occurred_at: datetime
    recipient: str
    recipient_address: str
    information: tuple[InformationClass, ...]
    purpose: Purpose
    channel: Channel
    description: str
    consent_id: uuid.UUID
    consent_kind: ConsentKind
    consent_signed_on: date
    sent_by: str


@dataclass(frozen=True)
class Accounting:
    client_id: uuid.UUID
    client_name: str
    record_number: str
    start: date
    end: date
    produced_at: datetime
    rows: list[AccountingRow]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The days an accounting covers: by default the 3 years to today; never longer than
    3 years, and never ending before it starts. Refusals name the query field (``from``,
    ``to``) to correct."""
    last = bounds.check_day(end, field="to") if end is not None else today
    earliest = years_before(last, YEARS)
    first = bounds.check_day(start, field="from") if start is not None else earliest
    if last < first:
        raise Invalid("the end comes before the start", field="to")
    if first < earliest:
        raise Invalid(
            f"an accounting covers at most {YEARS} years: start on or after {earliest.isoformat()}",
            field="from",
        )
    return first, last


def account(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    start: date | None,
    end: date | None,
    today: date,
) -> Accounting:
    """Every disclosure about the client on the days from ``start`` to ``end`` (both
    included, on the program's calendar), oldest first.

    Staff who may read the client's chart may produce it, and the client their own (the
    client scoping of ``clients.repository.readable``: a portal account sees its own
    record only; anyone else gets the same "no such client" as for a record that does
    not exist)."""
    first, last = period(start, end, today=today)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    found = session.execute(
        select(Disclosure, Consent.kind, Consent.signed_on, DisclosureRecipient.address)
        .join(Consent, Consent.id == Disclosure.consent_id)
        .join(DisclosureRecipient, DisclosureRecipient.id == Disclosure.recipient_id)
        .where(
            Disclosure.client_id == client.id,
            Disclosure.occurred_at >= day_start(first),
            Disclosure.occurred_at < day_start(last + timedelta(days=1)),
        )
        .order_by(Disclosure.occurred_at, Disclosure.id)
    ).all()
    rows = [
        AccountingRow(
            disclosure_id=d.id,
            occurred_at=d.occurred_at,
            recipient=d.recipient_label,
            recipient_address=address,
            information=tuple(InformationClass(i) for i in d.information),
            purpose=Purpose(d.purpose),
            channel=d.channel,
            description=d.description,
            consent_id=d.consent_id,
            consent_kind=kind,
            consent_signed_on=signed_on,
            sent_by=d.actor_label,
        )
        for d, kind, signed_on, address in found
    ]
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity_type=AUDIT_ENTITY,
        entity_id=client.id,
        client_id=client.id,
        detail={"from": first.isoformat(), "to": last.isoformat(), "rows": len(rows)},
    )
    return Accounting(
        client_id=client.id,
        client_name=f"{client.legal_first_name} {client.legal_last_name}",
        record_number=client.record_number,
        start=first,
        end=last,
        produced_at=utc_now(),
        rows=rows,
    )


def when_text(row: AccountingRow) -> str:
    """The disclosure's time on the program's clock."""
    return f"{local(row.occurred_at):%Y-%m-%d %H:%M}"


def information_text(row: AccountingRow) -> str:
    return ", ".join(item.label for item in row.information)


def consent_text(row: AccountingRow) -> str:
    """Which consent it went under, as the client would recognise it."""
    return f"{row.consent_kind.label}, signed {row.consent_signed_on.isoformat()}"


def recipient_text(row: AccountingRow) -> str:
    """The recipient and, where known, their address (45 CFR 164.528(b)(2)(ii))."""
    return f"{row.recipient}, {row.recipient_address}" if row.recipient_address else row.recipient
