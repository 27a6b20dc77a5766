"""Assessing a breach: whose records were touched, and the letters that tell them.

42 CFR 2.16(b) (as amended in 2024) applies HIPAA's breach notification rule (45 CFR 164
subpart D) to Part 2 records as to protected health information. When an account is
misused, or someone opened records they had no reason to, the program must find each
person affected and write to them without unreasonable delay, at the latest 60 days after
discovery (§ 164.404(b)), with the content § 164.404(c) lists.

``listing`` answers the first question from the audit trail, which records every read and
change with the client it was about: every client and record a user touched in a period,
or every access to named clients' records in it. ``draft_letters`` drafts one letter per
client for the program to complete (what happened and what it is doing are the
program's to tell; the bracketed parts say so) and send.

Only the director and administrators may produce a listing (it names clients across the
whole program and reads the audit trail), and the CLI's system actor on their behalf.
Producing it is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients.models import Client
from stepdown.consents.models import InformationClass
from stepdown.kit import bounds
from stepdown.kit.clock import local, utc_now
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.programs.card import ProgramCard
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

AUDIT_ENTITY = "breach_listing"
ASSESSORS = frozenset({Role.DIRECTOR, Role.ADMIN, Role.SYSTEM})
# § 164.404(b): notice without unreasonable delay, and no later than 60 calendar days after
# the breach is discovered.
NOTICE_DAYS = 60
# § 164.408: 500 or more people, HHS is told with the letters; fewer, in the year's log.
HHS_THRESHOLD = 500


@dataclass(frozen=True)
class Touch:
    """One record touched in one way by one account: how often, first and last."""

    actor: str
    entity_type: str
    entity_id: str
    action: AuditAction
    first_at: datetime
    last_at: datetime
    count: int


@dataclass(frozen=True)
class AffectedClient:
    client_id: uuid.UUID
    name: str
    record_number: str
    date_of_birth: date
    address: str
    email: str
    phone: str
    # The client's own instructions for reaching them safely ("no mail home"): a breach
    # letter must not become a second breach.
    safe_contact: str
    touches: tuple[Touch, ...]

    @property
    def first_at(self) -> datetime:
        return min(t.first_at for t in self.touches)

    @property
    def last_at(self) -> datetime:
        return max(t.last_at for t in self.touches)

    @property
    def information(self) -> list[str]:
        """The kinds of information involved, in the words a letter uses."""
        return information_types(t.entity_type for t in self.touches)


@dataclass(frozen=True)
class BreachListing:
    user_id: uuid.UUID | None
    user_label: str
    start: datetime
    end: datetime
    produced_at: datetime
    clients: list[AffectedClient]


def listing(
    session: Session,
    *,
    actor: Actor,
    user: str | uuid.UUID | None,
    start: datetime,
    end: datetime,
    client_ids: list[uuid.UUID] | None = None,
) -> BreachListing:
    """Every client whose records ``user`` (a username or a user id) touched from ``start``
    to ``end`` (both included), or, with ``client_ids``, every access to those clients'
    records in the period, by anyone (or only by ``user`` when both are given). Audit
    entries about no client (sign-ins, reading the audit trail) name nobody to notify and
    are left out."""
    if actor.role not in ASSESSORS:
        raise Forbidden("only the director or an administrator may assess a breach")
    _check_period(start, end)
    if user is None and not client_ids:
        raise Invalid("name the user whose access to assess, or the clients", field="user")
    account = _user(session, user) if user is not None else None
    stmt = (
        select(
            AuditEntry.client_id,
            AuditEntry.actor_label,
            AuditEntry.entity_type,
            AuditEntry.entity_id,
            AuditEntry.action,
            func.min(AuditEntry.occurred_at),
            func.max(AuditEntry.occurred_at),
            func.count(),
        )
        .where(
            AuditEntry.occurred_at >= start,
            AuditEntry.occurred_at <= end,
            AuditEntry.client_id.is_not(None),
        )
        .group_by(
            AuditEntry.client_id,
            AuditEntry.actor_label,
            AuditEntry.entity_type,
            AuditEntry.entity_id,
            AuditEntry.action,
        )
    )
    if account is not None:
        stmt = stmt.where(AuditEntry.actor_id == account.id)
    if client_ids:
        stmt = stmt.where(AuditEntry.client_id.in_(client_ids))
    # Keyed as the column is typed; the query leaves out entries about no client.
    touched: dict[uuid.UUID | None, list[Touch]] = {}
    for client_id, label, entity_type, entity_id, action, first, last, count in session.execute(
        stmt
    ):
        touched.setdefault(client_id, []).append(
            Touch(label, entity_type, entity_id, AuditAction(action), first, last, count)
        )
    clients = _affected(session, touched)
    _record(session, actor=actor, account=account, start=start, end=end, clients=clients)
    return BreachListing(
        user_id=account.id if account else None,
        user_label=account.username if account else "",
        start=start,
        end=end,
        produced_at=utc_now(),
        clients=clients,
    )


def _check_period(start: datetime, end: datetime) -> None:
    for moment, field in ((start, "from"), (end, "to")):
        if moment.tzinfo is None:
            raise Invalid("give the time with its zone", field=field)
        bounds.check_instant(moment, field=field)
    if end <= start:
        raise Invalid("the end comes before the start", field="to")


def _user(session: Session, user: str | uuid.UUID) -> User:
    """The account by id (a UUID, or its text) or by username."""
    if isinstance(user, uuid.UUID):
        user_id = user
    else:
        try:
            user_id = uuid.UUID(user.strip())
        except ValueError:
            try:
                return security_service.get_user(session, username=user)
            except NotFound as exc:
                raise NotFound(exc.message, field="user") from None
    found = session.get(User, user_id)
    if found is None:
        raise NotFound(f"no user with id {user_id}", field="user")
    return found


def _affected(
    session: Session, touched: dict[uuid.UUID | None, list[Touch]]
) -> list[AffectedClient]:
    """The clients, by name. Read by id rather than through ``clients.repository.readable``:
    only program-wide roles get here, and a record merged into another since (which
    ``readable`` hides) is still a person whose record was touched."""
    if not touched:
        return []
    rows = session.scalars(select(Client).where(Client.id.in_(list(touched))))
    found = [
        AffectedClient(
            client_id=c.id,
            name=f"{c.legal_first_name} {c.legal_last_name}",
            record_number=c.record_number,
            date_of_birth=c.date_of_birth,
            address=c.address,
            email=c.email,
            phone=c.phone,
            safe_contact=c.safe_contact_instructions,
            touches=tuple(
                sorted(touched[c.id], key=lambda t: (t.first_at, t.entity_type, t.entity_id))
            ),
        )
        for c in rows
    ]
    return sorted(found, key=lambda a: (a.name.split(" ")[-1], a.name, a.record_number))


def _record(
    session: Session,
    *,
    actor: Actor,
    account: User | None,
    start: datetime,
    end: datetime,
    clients: list[AffectedClient],
) -> None:
    """The listing names each client and where they live: an export of each record, and
    one entry for the assessment itself (so a run that found nobody is on file too)."""
    detail = {
        "user_id": str(account.id) if account else None,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity_type=AUDIT_ENTITY,
        detail={**detail, "clients": len(clients)},
    )
    for client in clients:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.EXPORT,
            entity_type=AUDIT_ENTITY,
            entity_id=client.client_id,
            client_id=client.client_id,
            detail=detail,
        )


# Audit entity types, by the words of their first match, as the kind of information a
# letter names (§ 164.404(c)(1)(B)); anything else is named by its entity type.
_INFORMATION: tuple[tuple[str, InformationClass], ...] = (
    ("counseling", InformationClass.COUNSELING_NOTES),
    ("discharge_summar", InformationClass.DISCHARGE_SUMMARY),
    ("note", InformationClass.NOTES),
    ("test", InformationClass.DRUG_TESTS),
    ("diagnos", InformationClass.DIAGNOSES),
    ("medication", InformationClass.MEDICATIONS),
    ("assessment", InformationClass.ASSESSMENTS),
    ("instrument", InformationClass.ASSESSMENTS),
    ("coverage", InformationClass.INSURANCE),
    ("payer", InformationClass.INSURANCE),
    ("plan", InformationClass.PLANS),
    ("aftercare", InformationClass.PLANS),
    ("eligibility", InformationClass.INSURANCE),
    ("authorization", InformationClass.INSURANCE),
    ("attendance", InformationClass.ATTENDANCE),
    ("episode", InformationClass.ATTENDANCE),
    ("level", InformationClass.ATTENDANCE),
    ("placement", InformationClass.ATTENDANCE),
    ("schedule", InformationClass.ATTENDANCE),
    ("session", InformationClass.ATTENDANCE),
    ("client", InformationClass.DEMOGRAPHICS),
    ("contact", InformationClass.DEMOGRAPHICS),
)


def information_types(entity_types: Iterable[str]) -> list[str]:
    """The kinds of information behind audit entity types, each once, in a fixed order."""
    named: set[str] = set()
    for entity_type in entity_types:
        match = next((item for word, item in _INFORMATION if word in entity_type), None)
        named.add(match.label if match else entity_type.replace("_", " ").capitalize())
    order = [item.label for item in InformationClass]
    return sorted(named, key=lambda n: (order.index(n) if n in order else len(order), n))


def notify_by(discovered_on: date) -> date:
    """The last day the letters may go (§ 164.404(b)); sooner is the rule."""
    return discovered_on + timedelta(days=NOTICE_DAYS)


def hhs_notice(affected: int, discovered_on: date) -> str:
    """When the Secretary of HHS must be told (45 CFR 164.408)."""
    people = f"{affected} {'person' if affected == 1 else 'people'}"
    if affected >= HHS_THRESHOLD:
        return (
            f"{people}: notify HHS with the letters, by {notify_by(discovered_on)}, "
            "and the media where more than 500 live in one state (45 CFR 164.406, 164.408(b))"
        )
    return (
        f"{people}: log the breach and report it to HHS within 60 days after the "
        f"end of {discovered_on.year} (45 CFR 164.408(c))"
    )


@dataclass(frozen=True)
class Letter:
    client_id: uuid.UUID
    record_number: str
    name: str
    address: str
    email: str
    safe_contact: str
    text: str


WHAT_HAPPENED = "[Describe briefly what happened and how it was found.]"
WHAT_WE_ARE_DOING = (
    "[Describe what the program is doing to investigate, to limit any harm to you, and to "
    "prevent this from happening again.]"
)
WHAT_YOU_CAN_DO = (
    "Read the statements your health plan sends you and tell the plan and us about any "
    "service on them that you did not receive.",
    "If anyone you did not expect contacts you about your treatment here, do not confirm "
    "anything; tell us.",
    "You may ask us for a list of the disclosures of your records, and for a copy of your records.",
    "You may complain to us, or to the U.S. Department of Health and Human Services, "
    "Office for Civil Rights. We will not hold a complaint against you.",
)


def _day(moment: datetime) -> str:
    return f"{local(moment):%B %-d, %Y}"


def _when(client: AffectedClient) -> str:
    first, last = _day(client.first_at), _day(client.last_at)
    return f"on {first}" if first == last else f"between {first} and {last}"


def draft_letters(
    listing: BreachListing,
    program: ProgramCard,
    *,
    discovered_on: date,
    what_happened: str = "",
    what_we_are_doing: str = "",
) -> list[Letter]:
    """One letter per client in the listing, in plain language, with each element of
    45 CFR 164.404(c): what happened with the dates of the breach and of its discovery,
    the kinds of information involved, what the person can do, what the program is doing,
    and how to reach the program. Where the program has not yet said what happened or
    what it is doing, a bracketed placeholder says what to write."""
    contact = [f"Call us at {program.phone}." if program.phone else "[Program phone number.]"]
    if program.address_lines:
        contact.append("Write to us at " + ", ".join(program.address_lines) + ".")
    letters = []
    for client in listing.clients:
        lines = [
            program.name,
            *program.address_lines,
            "",
            client.name,
            *(client.address.splitlines() or ["[Address]"]),
            "",
            f"Dear {client.name},",
            "",
            "Notice of a breach of your health information",
            "",
            f"We are writing to tell you about an incident involving your records at "
            f"{program.name}. Records of treatment for substance use are protected by "
            "federal law (42 CFR Part 2 and HIPAA), and we take that protection seriously.",
            "",
            "What happened",
            f"Your records were accessed without authorization {_when(client)}. We "
            f"discovered this on {discovered_on:%B %-d, %Y}. "
            + (what_happened.strip() or WHAT_HAPPENED),
            "",
            "What information was involved",
            *(f"- {item}" for item in client.information),
            "",
            "What we are doing",
            what_we_are_doing.strip() or WHAT_WE_ARE_DOING,
            "",
            "What you can do",
            *(f"- {step}" for step in WHAT_YOU_CAN_DO),
            "",
            "For more information",
            "If you have questions, or want to know more, please contact us. " + " ".join(contact),
            "",
            "Sincerely,",
            program.name,
        ]
        letters.append(
            Letter(
                client_id=client.client_id,
                record_number=client.record_number,
                name=client.name,
                address=client.address,
                email=client.email,
                safe_contact=client.safe_contact,
                text="\n".join(lines) + "\n",
            )
        )
    return letters
