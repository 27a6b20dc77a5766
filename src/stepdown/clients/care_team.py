"""A client's care team: the primary clinician, the case manager and, for an adolescent,
the family contact; who assigns them; and the new clients still waiting for a clinician.

The primary clinician is the caseload's key (``repository.readable``), so changing it
changes who may open the chart; every change is audited with the old and the new member.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from stepdown.audit import rules as audit_rules
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository
from stepdown.clients.models import CareTeamMember, CareTeamRole, Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.programs import rules as programs_rules
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

# Who assigns anyone to anyone: the director, and admissions at intake.
ASSIGNERS = frozenset({Role.DIRECTOR, Role.ADMISSIONS, Role.SYSTEM})
MEMBER_ROLES: dict[str, frozenset[Role]] = {
    "primary_clinician": frozenset({Role.CLINICIAN}),
    CareTeamRole.CASE_MANAGER.value: frozenset({Role.CASE_MANAGER}),
    CareTeamRole.FAMILY_CONTACT.value: frozenset({Role.CLINICIAN, Role.CASE_MANAGER}),
}


class Keep(Enum):
    """``assign``'s default for a member the form did not show: leave it as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class CareTeam:
    primary_clinician: User | None
    case_manager: User | None
    family_contact: User | None = None
    adolescent: bool = False  # the family contact is offered for adolescents


def is_adolescent(client: Client) -> bool:
    return programs_rules.age_group(client.date_of_birth, today()) == "adolescent"


def care_team(session: Session, client: Client) -> CareTeam:
    """The team of a client the caller has already read (the read is audited there)."""
    members = dict(
        session.execute(
            select(CareTeamMember.role, CareTeamMember.user_id).where(
                CareTeamMember.client_id == client.id
            )
        ).all()
    )
    manager_id = members.get(CareTeamRole.CASE_MANAGER)
    family_id = members.get(CareTeamRole.FAMILY_CONTACT)
    return CareTeam(
        primary_clinician=session.get(User, client.primary_clinician_id)
        if client.primary_clinician_id
        else None,
        case_manager=session.get(User, manager_id) if manager_id else None,
        family_contact=session.get(User, family_id) if family_id else None,
        adolescent=is_adolescent(client),
    )


def _member(session: Session, user_id: uuid.UUID | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    wanted = MEMBER_ROLES[field]
    if user is None or not user.is_active or user.role not in wanted:
        names = " or ".join(sorted(r.label.lower() for r in wanted))
        raise Invalid(f"choose an active {names}", field=field)
    return user


def _readable(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    client = session.scalars(repository.readable(actor).where(Client.id == client_id)).first()
    if client is None:
        raise NotFound("no such client, or not one you may see")
    return client


def assign(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    primary_clinician_id: uuid.UUID | None,
    case_manager_id: uuid.UUID | None,
    family_contact_id: uuid.UUID | Keep | None = KEEP,
) -> Client:
    """Set the team. The director and admissions set anyone; a clinician sets the case
    manager of their own client but hands the client to another clinician only through
    the director, because that moves the chart out of their caseload."""
    client = _readable(session, actor, client_id)
    team = care_team(session, client)
    if actor.role not in ASSIGNERS:
        if actor.role is not Role.CLINICIAN or client.primary_clinician_id != actor.user_id:
            raise Forbidden("only the director or admissions assign a client's care team")
        if primary_clinician_id != client.primary_clinician_id:
            raise Forbidden(
                "ask the director to hand this client to another clinician",
                field="primary_clinician",
            )
    clinician = _member(session, primary_clinician_id, "primary_clinician")
    manager = _member(session, case_manager_id, CareTeamRole.CASE_MANAGER.value)
    changes: dict[str, dict[str, object]] = {}
    if client.primary_clinician_id != (clinician.id if clinician else None):
        changes["primary_clinician"] = _change(team.primary_clinician, clinician)
        client.primary_clinician_id = clinician.id if clinician else None
    if (team.case_manager.id if team.case_manager else None) != (manager.id if manager else None):
        changes["case_manager"] = _change(team.case_manager, manager)
        _set_member(session, client.id, CareTeamRole.CASE_MANAGER, manager)
    if family_contact_id is not KEEP:
        family = _member(session, family_contact_id, CareTeamRole.FAMILY_CONTACT.value)
        if family is not None and not team.adolescent:
            raise Invalid(
                "a family contact is kept for adolescents", field=CareTeamRole.FAMILY_CONTACT.value
            )
        old = team.family_contact
        if (old.id if old else None) != (family.id if family else None):
            changes["family_contact"] = _change(old, family)
            _set_member(session, client.id, CareTeamRole.FAMILY_CONTACT, family)
    session.flush()
    if changes:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="care_team",
            entity_id=client.id,
            client_id=client.id,
            detail={"changes": changes},
        )
    return client


def _change(old: User | None, new: User | None) -> dict[str, object]:
    return audit_rules.change(old.id if old else None, new.id if new else None)


def _set_member(
    session: Session, client_id: uuid.UUID, role: CareTeamRole, user: User | None
) -> None:
    current = session.get(CareTeamMember, (client_id, role))
    if user is None:
        if current is not None:
            session.delete(current)
        return
    if current is None:
        session.add(
            CareTeamMember(client_id=client_id, role=role, user_id=user.id, since=utc_now())
        )
    else:
        current.user_id, current.since = user.id, utc_now()


def _still_in_care() -> ColumnElement[bool]:
    """Not discharged: no episode yet (a converted inquiry), or one that is still open."""
    any_episode = exists().where(Episode.client_id == Client.id)
    open_episode = exists().where(
        Episode.client_id == Client.id, Episode.status != EpisodeStatus.DISCHARGED
    )
    return ~any_episode | open_episode


def unassigned(session: Session, *, actor: Actor, limit: int = 100) -> list[Client]:
    """Clients in care with no primary clinician, oldest first, as the actor may see them
    (``repository.unassigned``); each listed is an audited read."""
    if actor.role not in ASSIGNERS | {Role.CLINICIAN}:
        return []
    stmt = (
        repository.unassigned(actor)
        .where(_still_in_care())
        .order_by(Client.created_at)
        .limit(limit)
    )
    clients = list(session.scalars(stmt))
    audit_service.record_reads(
        session, actor=actor, entity_type="client", client_ids=[c.id for c in clients]
    )
    return clients


def take(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Client:
    """A clinician takes an unassigned client of their site onto their caseload."""
    if actor.role is not Role.CLINICIAN or actor.user_id is None:
        raise Forbidden("only a clinician takes a client onto their caseload")
    client = session.scalars(repository.unassigned(actor).where(Client.id == client_id)).first()
    if client is None:
        raise NotFound("no such unassigned client at your site")
    client.primary_clinician_id = actor.user_id
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="care_team",
        entity_id=client.id,
        client_id=client.id,
        detail={"changes": {"primary_clinician": audit_rules.change(None, actor.user_id)}},
    )
    return client
