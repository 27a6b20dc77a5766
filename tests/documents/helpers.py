"""A site with one of each staff role around a client on a clinician's caseload, and the
audit entries written since a point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_client, make_site, make_user


@dataclass(frozen=True)
class World:
    site: Site
    client: Client
    users: dict[str, User]

    def actor(self, name: str) -> Actor:
        return security_service.actor_for(self.users[name])


def make_world(session: Session) -> World:
    site = make_site(session)
    other_site = make_site(session)
    users = {
        "clinician": make_user(session, role=Role.CLINICIAN, site=site),
        "other_clinician": make_user(session, role=Role.CLINICIAN, site=site),
        "case_manager": make_user(session, role=Role.CASE_MANAGER, site=site),
        "far_case_manager": make_user(session, role=Role.CASE_MANAGER, site=other_site),
        "admissions": make_user(session, role=Role.ADMISSIONS, site=site),
        "director": make_user(session, role=Role.DIRECTOR, site=site),
        "review": make_user(session, role=Role.UTILIZATION_REVIEW),
        "admin": make_user(session, role=Role.ADMIN),
        "portal": make_user(session, role=Role.CLIENT, site=site),
    }
    client = make_client(session, site=site, clinician=users["clinician"])
    client.portal_user_id = users["portal"].id
    session.flush()
    return World(site, client, users)


def audit_mark(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or 0


def document_entries(session: Session, since: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(action, actor's username, entity id, detail) of document entries after ``since``."""
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.entity_id, AuditEntry.detail)
        .where(AuditEntry.seq > since, AuditEntry.entity_type == "document")
        .order_by(AuditEntry.seq)
    ).all()
    return [(a.value, who, eid, detail) for a, who, eid, detail in rows]
