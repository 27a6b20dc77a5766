"""Queries on needs and referrals, always through the clients the actor may read, and on
the resource directory (no PHI)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, case, exists, select

from stepdown.aftercare.models import AftercarePlan
from stepdown.case_management import rules
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedKind,
    NeedStatusChange,
    Priority,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import CareTeamMember, CareTeamRole, Client
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

_PRIORITY_ORDER = case(
    {Priority.HIGH.value: 0, Priority.MEDIUM.value: 1, Priority.LOW.value: 2},
    value=Need.priority,
    else_=3,
)


def _visible(actor: Actor) -> Select[uuid.UUID]:
    return clients_repository.readable(actor).with_only_columns(Client.id)


def caseload(actor: Actor) -> Select[uuid.UUID]:
    """The clients whose work lands on this actor's worklist: a case manager's own caseload
    (the care team names them), everyone the director may read."""
    visible = _visible(actor)
    if actor.role is Role.CASE_MANAGER:
        return visible.where(
            Client.id.in_(
                select(CareTeamMember.client_id).where(
                    CareTeamMember.role == CareTeamRole.CASE_MANAGER,
                    CareTeamMember.user_id == actor.user_id,
                )
            )
        )
    return visible


def is_case_manager_of(user_id: uuid.UUID, client_id: uuid.UUID) -> Select[bool]:
    return select(
        exists().where(
            CareTeamMember.client_id == client_id,
            CareTeamMember.role == CareTeamRole.CASE_MANAGER,
            CareTeamMember.user_id == user_id,
        )
    )


def needs(actor: Actor) -> Select[Need]:
    return select(Need).where(Need.client_id.in_(_visible(actor)))


def needs_of(actor: Actor, client_id: uuid.UUID) -> Select[Need]:
    return (
        needs(actor)
        .where(Need.client_id == client_id)
        .order_by(
            case((Need.status.in_([s.value for s in rules.ACTIVE_NEEDS]), 0), else_=1),
            _PRIORITY_ORDER,
            Need.identified_on.desc(),
            Need.created_at.desc(),
        )
    )


def history_of(need_ids: Sequence[uuid.UUID]) -> Select[NeedStatusChange]:
    return (
        select(NeedStatusChange)
        .where(NeedStatusChange.need_id.in_(need_ids))
        .order_by(NeedStatusChange.changed_on, NeedStatusChange.recorded_at)
    )


def referrals(actor: Actor) -> Select[Referral]:
    return select(Referral).where(Referral.client_id.in_(_visible(actor)))


def referrals_of(actor: Actor, client_id: uuid.UUID) -> Select[Referral]:
    return (
        referrals(actor)
        .where(Referral.client_id == client_id)
        .order_by(
            case((Referral.status.in_([s.value for s in rules.OPEN_REFERRALS]), 0), else_=1),
            Referral.made_on.desc(),
            Referral.created_at.desc(),
        )
    )


def events_of(referral_ids: Sequence[uuid.UUID]) -> Select[ReferralEvent]:
    return (
        select(ReferralEvent)
        .where(ReferralEvent.referral_id.in_(referral_ids))
        .order_by(ReferralEvent.changed_on, ReferralEvent.recorded_at)
    )


def last_need_change(need_id: uuid.UUID) -> Select[NeedStatusChange]:
    return (
        select(NeedStatusChange)
        .where(NeedStatusChange.need_id == need_id)
        .order_by(NeedStatusChange.changed_on.desc(), NeedStatusChange.recorded_at.desc())
        .limit(1)
    )


def last_referral_event(referral_id: uuid.UUID) -> Select[ReferralEvent]:
    return (
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(ReferralEvent.changed_on.desc(), ReferralEvent.recorded_at.desc())
        .limit(1)
    )


# --- the worklist ----------------------------------------------------------------------------

_OPEN = [s.value for s in rules.OPEN_REFERRALS]


def follow_ups_due(actor: Actor, today: date) -> Select[Referral]:
    """Open referrals of the caseload whose follow-up is today or past, oldest first."""
    return (
        select(Referral)
        .where(
            Referral.client_id.in_(caseload(actor)),
            Referral.status.in_(_OPEN),
            Referral.follow_up_on <= today,
        )
        .order_by(Referral.follow_up_on, Referral.made_on)
    )


def awaiting_answer(actor: Actor) -> Select[Referral]:
    """Referrals of the caseload the resource has not answered yet, oldest first."""
    return (
        select(Referral)
        .where(Referral.client_id.in_(caseload(actor)), Referral.status == ReferralStatus.MADE)
        .order_by(Referral.made_on, Referral.created_at)
    )


def needs_without_referral(actor: Actor) -> Select[Need]:
    """Open or in-progress needs of the caseload with no open referral (none made yet, or
    the last one failed or completed and the need is still there)."""
    open_referral = exists().where(Referral.need_id == Need.id, Referral.status.in_(_OPEN))
    return (
        select(Need)
        .where(
            Need.client_id.in_(caseload(actor)),
            Need.status.in_([s.value for s in rules.ACTIVE_NEEDS]),
            ~open_referral,
        )
        .order_by(_PRIORITY_ORDER, Need.identified_on, Need.created_at)
    )


def sober_living_not_on_plan(actor: Actor) -> Select[Referral]:
    """Accepted or completed sober-living referrals of the caseload whose outcome is on no
    aftercare plan (the client had none when it changed)."""
    return (
        select(Referral)
        .where(
            Referral.client_id.in_(caseload(actor)),
            Referral.kind == NeedKind.SOBER_LIVING,
            Referral.status.in_([s.value for s in rules.SOBER_LIVING_ON_PLAN]),
            Referral.aftercare_plan_id.is_(None),
        )
        .order_by(Referral.made_on)
    )


def clients_with_plans(client_ids: Sequence[uuid.UUID]) -> Select[uuid.UUID]:
    """Which of these clients have an aftercare plan (any episode's): the worklist offers to
    record a referral's outcome on it; the aftercare service picks the right plan."""
    return select(AftercarePlan.client_id).where(AftercarePlan.client_id.in_(client_ids)).distinct()


# --- the resource directory -------------------------------------------------------------------


def resources(
    *, kind: NeedKind | None = None, active_only: bool = False
) -> Select[CommunityResource]:
    stmt = select(CommunityResource).order_by(CommunityResource.kind, CommunityResource.name)
    if kind is not None:
        stmt = stmt.where(CommunityResource.kind == kind)
    if active_only:
        stmt = stmt.where(CommunityResource.is_active)
    return stmt


def resource_named(kind: NeedKind, name: str) -> Select[CommunityResource]:
    return select(CommunityResource).where(
        CommunityResource.kind == kind, CommunityResource.name == name
    )
