"""Use cases on client records. Every read of a record is audited."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from stepdown.audit import rules as audit_rules
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate, ClientDetails
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Those who keep a record's details: the front desk, and the staff who work with the client.
DETAIL_EDITORS = frozenset(
    {Role.DIRECTOR, Role.ADMISSIONS, Role.CLINICIAN, Role.CASE_MANAGER, Role.SYSTEM}
)


def list_clients(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[Client]:
    """Clients the actor may see, by last name; each one listed is recorded as read."""
    stmt = repository.readable(actor)
    if site_id is not None:
        stmt = stmt.where(Client.site_id == site_id)
    stmt = stmt.order_by(Client.legal_last_name, Client.legal_first_name).limit(limit)
    clients = list(session.scalars(stmt))
    audit_service.record_reads(
        session, actor=actor, entity_type="client", client_ids=[c.id for c in clients]
    )
    return clients


def own_record(session: Session, *, actor: Actor) -> Client | None:
    """The client record linked to a client's portal account."""
    client = session.scalars(repository.readable(actor).limit(1)).first()
    if client is not None:
        audit_service.record_reads(
            session, actor=actor, entity_type="client", client_ids=[client.id]
        )
    return client


def count_by_site(session: Session, *, actor: Actor) -> dict[uuid.UUID, int]:
    """Head counts only (no identities), so no per-client read is recorded."""
    sub = repository.readable(actor).subquery()
    rows = session.execute(select(sub.c.site_id, func.count()).group_by(sub.c.site_id))
    return dict(rows.all())


def register_client(
    session: Session,
    *,
    actor: Actor,
    data: ClientCreate,
    record_number: str,
    is_synthetic: bool = False,
) -> Client:
    """Open a client record; the record number must be new."""
    if session.scalar(repository.by_record_number(record_number)) is not None:
        raise Conflict(f"record number {record_number!r} is taken", field="record_number")
    client = Client(record_number=record_number, is_synthetic=is_synthetic, **data.model_dump())
    session.add(client)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="client",
        entity_id=client.id,
        client_id=client.id,
    )
    return client


def link_portal_account(
    session: Session, *, actor: Actor, client: Client, user_id: uuid.UUID
) -> None:
    """Give a client's portal account access to their own record (and nothing else)."""
    client.portal_user_id = user_id
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="client",
        entity_id=client.id,
        client_id=client.id,
        detail={"portal_user_id": str(user_id)},
    )


def get_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Client:
    """One client's record, if the actor may see it (else 404, never revealing it exists)."""
    client = session.scalars(repository.readable(actor).where(Client.id == client_id)).first()
    if client is None:
        raise NotFound("no such client, or not one you may see")
    audit_service.record_reads(session, actor=actor, entity_type="client", client_ids=[client.id])
    return client


def update_details(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: ClientDetails
) -> Client:
    """Correct who the client is and how to reach them. The audit entry keeps each changed
    field's old value: a wrong phone number fixed today must not erase what was on file
    when a letter went out yesterday."""
    if actor.role not in DETAIL_EDITORS:
        raise Forbidden("your role does not edit client records")
    client = get_client(session, actor=actor, client_id=client_id)
    new = data.model_dump()
    changes = audit_rules.field_changes(client, new)
    for field in changes:
        setattr(client, field, new[field])
    session.flush()
    if changes:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="client",
            entity_id=client.id,
            client_id=client.id,
            detail={"changes": changes},
        )
    return client


def search_clients(
    session: Session,
    *,
    actor: Actor,
    query: str = "",
    site_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Client]:
    """Clients whose name or record number contains ``query``; each result is an audited read."""
    stmt = repository.readable(actor)
    if query.strip():
        stmt = stmt.where(repository.matches(query))
    if site_id is not None:
        stmt = stmt.where(Client.site_id == site_id)
    stmt = stmt.order_by(Client.legal_last_name, Client.legal_first_name).limit(limit)
    clients = list(session.scalars(stmt))
    audit_service.record_reads(
        session, actor=actor, entity_type="client", client_ids=[c.id for c in clients]
    )
    return clients


def clients_by_id(
    session: Session, *, actor: Actor, client_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Client]:
    """Several records at once (for boards); the caller records the reads it shows."""
    if not client_ids:
        return {}
    stmt = repository.readable(actor).where(Client.id.in_(client_ids))
    return {c.id: c for c in session.scalars(stmt)}


RECORD_PREFIX = "C-"
# Any constant works: it names the lock that serializes record-number allocation.
_RECORD_NUMBER_LOCK_KEY = 0x5D0A_C11E


def next_record_number(session: Session) -> str:
    """The next free ``C-000123`` number (demo records use ``DEMO-`` and never collide)."""
    if session.get_bind().dialect.name == "postgresql":
        # Two registrations at once must not both take the same number.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECORD_NUMBER_LOCK_KEY}
        )
    highest = session.scalar(repository.highest_record_number(RECORD_PREFIX))
    suffix = highest.removeprefix(RECORD_PREFIX) if highest else ""
    number = int(suffix) + 1 if suffix.isdigit() else 1
    return f"{RECORD_PREFIX}{number:06d}"
