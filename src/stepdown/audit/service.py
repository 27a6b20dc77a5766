"""Writing and verifying the audit trail.

Entries are written in the caller's transaction, so a change and its audit row commit or
roll back together. There is no update or delete path; the migration adds triggers that
refuse both at the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from stepdown.audit import repository
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.audit.rules import GENESIS_HASH, entry_hash
from stepdown.audit.schemas import AuditFilter
from stepdown.kit import context
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Any constant works: it names the one lock that serializes appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5D0A_0D17


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "occurred_at": entry.occurred_at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "actor_label": entry.actor_label,
        "action": entry.action.value,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "client_id": entry.client_id,
        "ip": entry.ip,
        "request_id": entry.request_id,
        "detail": entry.detail,
    }


def _tail_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same tail.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    return last or GENESIS_HASH


def _entry(
    *,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: object,
    client_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None,
    occurred_at: datetime | None,
) -> AuditEntry:
    return AuditEntry(
        occurred_at=occurred_at or utc_now(),
        actor_id=actor.user_id,
        actor_role=actor.role.value,
        actor_label=actor.username,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id else "",
        client_id=client_id,
        ip=context.client_ip.get() or "",
        request_id=context.request_id.get() or "",
        detail=dict(detail or {}),
    )


def _append(session: Session, entries: list[AuditEntry]) -> None:
    """Chain the entries onto the tail, read once, and flush them as one batch.

    One flush is one multi-row INSERT, which SQLAlchemy's "insertmanyvalues" sends with the
    rows sorted by parameter order, so ``seq`` is assigned in the order the chain was built
    (verify_chain reads by ``seq``; tests check a long list of reads verifies on both
    databases). A round trip per entry made a 300-client page spend more time auditing than
    reading.
    """
    prev = _tail_hash(session)
    for entry in entries:
        entry.prev_hash = prev
        entry.hash = prev = entry_hash(prev, hashed_fields(entry))
    session.add_all(entries)
    session.flush()


def record(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: object = "",
    client_id: uuid.UUID | None = None,
    detail: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEntry:
    """Append one entry. ``detail`` holds ids and field names, never free-text PHI."""
    entry = _entry(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
        occurred_at=occurred_at,
    )
    _append(session, [entry])
    return entry


def record_reads(
    session: Session, *, actor: Actor, entity_type: str, client_ids: list[uuid.UUID]
) -> None:
    """One read entry per client shown, so 'who saw this chart' has an exact answer."""
    _append(
        session,
        [
            _entry(
                actor=actor,
                action=AuditAction.READ,
                entity_type=entity_type,
                entity_id=client_id,
                client_id=client_id,
                detail=None,
                occurred_at=None,
            )
            for client_id in client_ids
        ],
    )


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_broken_seq: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every hash in order; name the first entry that does not match."""
    prev = GENESIS_HASH
    checked = 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for entry in session.scalars(stmt):
        if entry.prev_hash != prev:
            return VerifyResult(checked, entry.seq, "does not chain to the entry before it")
        if entry_hash(prev, hashed_fields(entry)) != entry.hash:
            return VerifyResult(checked, entry.seq, "its content no longer matches its hash")
        prev = entry.hash
        checked += 1
    return VerifyResult(checked, None)


def search(session: Session, *, actor: Actor, criteria: AuditFilter) -> list[AuditEntry]:
    """Entries matching the filter. Reading the trail is itself recorded."""
    if actor.role not in (Role.ADMIN, Role.DIRECTOR, Role.SYSTEM):
        raise Forbidden("only administrators and directors may read the audit trail")
    entries = list(session.scalars(repository.filtered(criteria)))
    record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type="audit_log",
        client_id=criteria.client_id,
        detail=criteria.model_dump(mode="json", exclude_defaults=True),
    )
    return entries
