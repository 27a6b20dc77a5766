"""Role-scoped queries on clients: every client query starts from ``readable``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, func, or_, select

from stepdown.clients.models import Client
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Roles whose work spans the whole program (minimum necessary still applies per field).
PROGRAM_WIDE = frozenset({Role.ADMIN, Role.DIRECTOR, Role.UTILIZATION_REVIEW, Role.SYSTEM})
SITE_WIDE = frozenset({Role.CASE_MANAGER, Role.ADMISSIONS})


def readable(actor: Actor) -> Select[Client]:
    """Clients this actor may see: clinicians their caseload, site staff their site,
    clients themselves only."""
    stmt = select(Client)
    if actor.role in PROGRAM_WIDE:
        return stmt
    if actor.role is Role.CLINICIAN and actor.user_id is not None:
        return stmt.where(Client.primary_clinician_id == actor.user_id)
    if actor.role in SITE_WIDE and actor.site_id is not None:
        return stmt.where(Client.site_id == actor.site_id)
    if actor.role is Role.CLIENT and actor.user_id is not None:
        return stmt.where(Client.portal_user_id == actor.user_id)
    return stmt.where(false())


def unassigned(actor: Actor) -> Select[Client]:
    """Clients with no primary clinician, as this actor may see them to get one assigned.

    A clinician's caseload is who they are the primary clinician of, so a new admission
    with none would be invisible to every clinician: they see the unassigned clients of
    their own site (every site's if they have none) to take one on.
    """
    if actor.role is Role.CLINICIAN:
        stmt = select(Client)
        if actor.site_id is not None:
            stmt = stmt.where(Client.site_id == actor.site_id)
    else:
        stmt = readable(actor)
    return stmt.where(Client.primary_clinician_id.is_(None))


def by_record_number(record_number: str) -> Select[Client]:
    return select(Client).where(Client.record_number == record_number)


def matches(query: str) -> ColumnElement[bool]:
    """Case-insensitive match on legal, preferred and record-number fields."""
    pattern = f"%{query.strip().lower()}%"
    return or_(
        func.lower(Client.legal_first_name).like(pattern),
        func.lower(Client.legal_last_name).like(pattern),
        func.lower(Client.preferred_name).like(pattern),
        func.lower(Client.record_number).like(pattern),
        func.lower(Client.legal_first_name + " " + Client.legal_last_name).like(pattern),
    )


def highest_record_number(prefix: str) -> Select[str]:
    """Longest then greatest, so C-1000000 sorts after C-999999."""
    return (
        select(Client.record_number)
        .where(Client.record_number.like(f"{prefix}%"))
        .order_by(func.length(Client.record_number).desc(), Client.record_number.desc())
        .limit(1)
    )
