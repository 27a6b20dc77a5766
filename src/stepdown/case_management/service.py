"""Use cases for case management: record a client's needs and move them along, refer the
client to community resources and follow the referrals up, keep the resource directory,
and gather a case manager's worklist.

Every read and change is audited here, in the caller's transaction; audit details hold ids,
kinds and statuses, never the free text (a need's detail, a reason, an outcome). Nothing
here commits. Dates a person chooses (``today`` included) are the program's calendar days
(``kit.clock.today``), passed in by the caller so a job, a test or the demo can set them.

A sober-living referral that a house accepts, or that ends with the client moving in, is
recorded on the client's aftercare plan through ``aftercare.service.record_sober_living``;
when the client has no plan yet the referral stays on the worklist until it is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.aftercare.models import SoberLivingStatus
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.case_management import access, repository, rules
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedKind,
    NeedStatus,
    NeedStatusChange,
    Priority,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from stepdown.case_management.schemas import (
    NeedInput,
    NeedStatusInput,
    ReferralChangeInput,
    ReferralInput,
    ResourceInput,
    ResourceUpdate,
)
from stepdown.clients import care_team
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit import clock
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

NO_AFTERCARE_PLAN = "case_management.no_aftercare_plan"
NOT_FOR_PLAN = "case_management.not_for_aftercare_plan"
RESOURCE_EXISTS = "case_management.resource_exists"
# The home page lists this many of the most urgent follow-ups (the worklist has them all).
HOME_ROWS = 5
# What the need's history says when making a referral put an open need in progress.
REFERRAL_MADE = "referral made"


def _require(actor: Actor, rule: Policy) -> None:
    """Jobs, the CLI and the demo act as the system, on the program's behalf."""
    if actor.role is not Role.SYSTEM and not rule.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {rule.description}")


def may_write(session: Session, *, actor: Actor, client_id: uuid.UUID) -> bool:
    """Whether the actor changes this client's needs and referrals: the director (and the
    system), or the case manager the client's care team names (``access``)."""
    if actor.role in (Role.DIRECTOR, Role.SYSTEM):
        return True
    if actor.role is Role.CASE_MANAGER and actor.user_id is not None:
        return bool(session.scalar(repository.is_case_manager_of(actor.user_id, client_id)))
    return False


def _require_writer(session: Session, actor: Actor, client_id: uuid.UUID) -> None:
    _require(actor, access.WRITE)
    if not may_write(session, actor=actor, client_id=client_id):
        raise Forbidden(
            "only the client's case manager or the director changes their needs and referrals"
        )


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
    )


def _need(session: Session, actor: Actor, need_id: uuid.UUID, *, lock: bool = False) -> Need:
    stmt = repository.needs(actor).where(Need.id == need_id)
    need = session.scalar(stmt.with_for_update() if lock else stmt)
    if need is None:
        raise NotFound("no such need, or not one you may see")
    return need


def _referral(
    session: Session, actor: Actor, referral_id: uuid.UUID, *, lock: bool = False
) -> Referral:
    stmt = repository.referrals(actor).where(Referral.id == referral_id)
    referral = session.scalar(stmt.with_for_update() if lock else stmt)
    if referral is None:
        raise NotFound("no such referral, or not one you may see")
    return referral


def client_of_need(session: Session, *, actor: Actor, need_id: uuid.UUID) -> uuid.UUID:
    """Locates a need for a page's redirect; not audited (the action that follows is)."""
    return _need(session, actor, need_id).client_id


def client_of_referral(session: Session, *, actor: Actor, referral_id: uuid.UUID) -> uuid.UUID:
    """Locates a referral for a page's redirect; not audited (the action that follows is)."""
    return _referral(session, actor, referral_id).client_id


# --- reading ---------------------------------------------------------------------------------


@dataclass
class NeedView:
    need: Need
    history: list[NeedStatusChange]
    referrals: list[Referral] = field(default_factory=list)

    @property
    def choices(self) -> list[NeedStatus]:
        return [s for s in NeedStatus if s in rules.NEED_TRANSITIONS[self.need.status]]


@dataclass
class ReferralView:
    referral: Referral
    events: list[ReferralEvent]
    today: date
    need: Need | None = None

    @property
    def follow_up(self) -> rules.FollowUpState:
        r = self.referral
        return rules.follow_up_state(r.status, r.follow_up_on, today=self.today)

    @property
    def choices(self) -> list[ReferralStatus]:
        return rules.choices(self.referral.status)

    @property
    def is_open(self) -> bool:
        return self.referral.status in rules.OPEN_REFERRALS

    @property
    def for_plan(self) -> bool:
        """A sober-living referral whose status belongs on the aftercare plan."""
        r = self.referral
        return rules.plan_status_for(r.kind, r.status) is not None


def _need_views(session: Session, needs: Sequence[Need]) -> list[NeedView]:
    history: dict[uuid.UUID, list[NeedStatusChange]] = {n.id: [] for n in needs}
    for change in session.scalars(repository.history_of([n.id for n in needs])):
        history[change.need_id].append(change)
    return [NeedView(n, history[n.id]) for n in needs]


def _referral_views(
    session: Session, referrals: Sequence[Referral], today: date, needs: dict[uuid.UUID, Need]
) -> list[ReferralView]:
    events: dict[uuid.UUID, list[ReferralEvent]] = {r.id: [] for r in referrals}
    for event in session.scalars(repository.events_of([r.id for r in referrals])):
        events[event.referral_id].append(event)
    return [
        ReferralView(r, events[r.id], today, needs.get(r.need_id) if r.need_id else None)
        for r in referrals
    ]


def needs_of(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[NeedView]:
    """A client's needs, active first, with their history; an audited read."""
    _require(actor, access.READ)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    views = _need_views(session, list(session.scalars(repository.needs_of(actor, client.id))))
    audit_service.record_reads(
        session, actor=actor, entity_type="case_need", client_ids=[client.id]
    )
    return views


def get_need(session: Session, *, actor: Actor, need_id: uuid.UUID) -> NeedView:
    _require(actor, access.READ)
    need = _need(session, actor, need_id)
    _audit(session, actor, AuditAction.READ, "case_need", need.id, need.client_id)
    return _need_views(session, [need])[0]


def referrals_of(
    session: Session, *, actor: Actor, client_id: uuid.UUID, today: date
) -> list[ReferralView]:
    """A client's referrals, open first, with their events; an audited read."""
    _require(actor, access.READ)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    referrals = list(session.scalars(repository.referrals_of(actor, client.id)))
    audit_service.record_reads(
        session, actor=actor, entity_type="case_referral", client_ids=[client.id]
    )
    return _referral_views(session, referrals, today, {})


def get_referral(
    session: Session, *, actor: Actor, referral_id: uuid.UUID, today: date
) -> ReferralView:
    _require(actor, access.READ)
    referral = _referral(session, actor, referral_id)
    _audit(session, actor, AuditAction.READ, "case_referral", referral.id, referral.client_id)
    return _referral_views(session, [referral], today, {})[0]


# --- needs -----------------------------------------------------------------------------------


def _log_need_change(
    session: Session,
    actor: Actor,
    need: Need,
    to: NeedStatus,
    on: date,
    reason: str,
    *,
    first: bool = False,
) -> None:
    session.add(
        NeedStatusChange(
            need_id=need.id,
            from_status=None if first else need.status,
            to_status=to,
            changed_on=on,
            reason=reason.strip(),
            recorded_at=clock.utc_now(),
            recorded_by=actor.user_id,
        )
    )
    need.status = to
    session.flush()


def add_need(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: NeedInput, today: date
) -> Need:
    """Record a need, open from the day it was identified. Case managers (their caseload),
    the director, and the client's clinicians (who often hear of it first) may."""
    _require(actor, access.ADD_NEED)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    if actor.role is Role.CASE_MANAGER and not may_write(session, actor=actor, client_id=client.id):
        raise Forbidden("only the client's case manager or the director records their needs")
    identified_on = data.identified_on or today
    rules.check_identified_on(identified_on, today=today)
    need = Need(
        client_id=client.id,
        kind=data.kind,
        detail=data.detail.strip(),
        status=NeedStatus.OPEN,
        priority=data.priority,
        identified_on=identified_on,
        identified_by=actor.user_id,
    )
    session.add(need)
    session.flush()
    _log_need_change(session, actor, need, NeedStatus.OPEN, identified_on, "", first=True)
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "case_need",
        need.id,
        client.id,
        {"kind": need.kind.value, "priority": need.priority.value},
    )
    return need


def change_need_status(
    session: Session, *, actor: Actor, need_id: uuid.UUID, data: NeedStatusInput, today: date
) -> Need:
    """Move a need (``rules.NEED_TRANSITIONS``); the change is a new history row."""
    _require(actor, access.WRITE)
    need = _need(session, actor, need_id, lock=True)
    _require_writer(session, actor, need.client_id)
    last = session.scalar(repository.last_need_change(need.id))
    on = data.on or today
    rules.check_need_change(
        need.status,
        data.status,
        on=on,
        last_on=last.changed_on if last else need.identified_on,
        today=today,
        reason=data.reason,
    )
    before = need.status
    _log_need_change(session, actor, need, data.status, on, data.reason)
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "case_need",
        need.id,
        need.client_id,
        {"status": {"from": before.value, "to": need.status.value}},
    )
    return need


# --- referrals -------------------------------------------------------------------------------


def _need_for_referral(session: Session, actor: Actor, client: Client, need_id: uuid.UUID) -> Need:
    need = session.scalar(
        repository.needs(actor).where(Need.id == need_id, Need.client_id == client.id)
    )
    if need is None:
        raise Invalid("choose one of this client's needs", field="need_id")
    if need.status not in rules.ACTIVE_NEEDS:
        raise Conflict(
            "this need is closed: reopen it before referring for it",
            field="need_id",
            rule=rules.NEED_CLOSED,
        )
    return need


@dataclass(frozen=True)
class _Where:
    resource_id: uuid.UUID | None
    organization: str
    contact: str
    phone: str
    address: str


def _where(session: Session, data: ReferralInput) -> _Where:
    """Where the client is sent: a directory entry (what was typed overrides its contact
    details), or an organization typed in."""
    typed = _Where(
        None,
        data.organization.strip(),
        data.contact.strip(),
        data.phone.strip(),
        data.address.strip(),
    )
    if data.resource_id is None:
        if not typed.organization:
            raise Invalid(
                "name the organization, or choose one from the directory", field="organization"
            )
        return typed
    resource = session.get(CommunityResource, data.resource_id)
    if resource is None or not resource.is_active:
        raise Invalid("choose an active resource from the directory", field="resource_id")
    return _Where(
        resource.id,
        resource.name,
        typed.contact or resource.contact,
        typed.phone or resource.phone,
        typed.address or resource.address,
    )


def make_referral(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: ReferralInput, today: date
) -> Referral:
    """Refer the client, for one of their open needs or on its own. The follow-up date is
    required. Referring for an open need puts it in progress."""
    _require(actor, access.WRITE)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    _require_writer(session, actor, client.id)
    need = _need_for_referral(session, actor, client, data.need_id) if data.need_id else None
    kind = data.kind or (need.kind if need else None)
    if kind is None:
        raise Invalid("choose what the referral is for", field="kind")
    where = _where(session, data)
    state = rules.start(made_on=data.made_on or today, follow_up_on=data.follow_up_on, today=today)
    referral = Referral(
        client_id=client.id,
        need_id=need.id if need else None,
        kind=kind,
        resource_id=where.resource_id,
        organization=where.organization,
        contact=where.contact,
        phone=where.phone,
        address=where.address,
        status=state.status,
        made_on=state.last_on,
        made_by=actor.user_id,
        follow_up_on=state.follow_up_on,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=None,
            to_status=state.status,
            changed_on=state.last_on,
            reason=data.reason.strip(),
            follow_up_on=state.follow_up_on,
            recorded_at=clock.utc_now(),
            recorded_by=actor.user_id,
        )
    )
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "case_referral",
        referral.id,
        client.id,
        {
            "kind": kind.value,
            "need_id": str(need.id) if need else None,
            "resource_id": str(where.resource_id) if where.resource_id else None,
        },
    )
    if need is not None and need.status is NeedStatus.OPEN:
        last = session.scalar(repository.last_need_change(need.id))
        on = max(state.last_on, last.changed_on) if last else state.last_on
        _log_need_change(session, actor, need, NeedStatus.IN_PROGRESS, on, REFERRAL_MADE)
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            "case_need",
            need.id,
            client.id,
            {
                "status": {"from": NeedStatus.OPEN.value, "to": NeedStatus.IN_PROGRESS.value},
                "referral_id": str(referral.id),
            },
        )
    return referral


def change_referral(
    session: Session,
    *,
    actor: Actor,
    referral_id: uuid.UUID,
    data: ReferralChangeInput,
    today: date,
) -> Referral:
    """Move a referral (``rules.REFERRAL_TRANSITIONS``), or log a follow-up on an open one
    (``status`` unchanged, with the next date). The reason of a closing change is the
    referral's outcome. A sober-living referral accepted or completed is recorded on the
    client's aftercare plan, if they have one."""
    _require(actor, access.WRITE)
    referral = _referral(session, actor, referral_id, lock=True)
    _require_writer(session, actor, referral.client_id)
    last = session.scalar(repository.last_referral_event(referral.id))
    before = rules.ReferralState(
        referral.status, referral.follow_up_on, last.changed_on if last else referral.made_on
    )
    after = rules.change(
        before,
        to=data.status,
        on=data.on or today,
        today=today,
        follow_up_on=data.follow_up_on,
        reason=data.reason,
    )
    referral.status = after.status
    referral.follow_up_on = after.follow_up_on
    if after.status in rules.CLOSED_REFERRALS:
        referral.outcome = data.reason.strip()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=before.status,
            to_status=after.status,
            changed_on=after.last_on,
            reason=data.reason.strip(),
            follow_up_on=after.follow_up_on,
            recorded_at=clock.utc_now(),
            recorded_by=actor.user_id,
        )
    )
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "case_referral",
        referral.id,
        referral.client_id,
        {
            "status": {"from": before.status.value, "to": after.status.value},
            "follow_up_on": after.follow_up_on.isoformat() if after.follow_up_on else None,
        },
    )
    if after.status is not before.status:
        plan_status = rules.plan_status_for(referral.kind, after.status)
        if plan_status is not None:
            _record_on_plan(session, actor, referral, plan_status)
    return referral


def _record_on_plan(
    session: Session, actor: Actor, referral: Referral, status: SoberLivingStatus
) -> None:
    plan = aftercare_service.record_sober_living(
        session,
        actor=actor,
        client_id=referral.client_id,
        status=status,
        house=referral.organization,
        contact=rules.plan_contact(referral.contact, referral.phone),
    )
    referral.aftercare_plan_id = plan.id if plan is not None else None
    session.flush()


def record_on_aftercare_plan(session: Session, *, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """Record an accepted or completed sober-living referral on the client's aftercare plan,
    for one that changed before the client had a plan; refused while there is still none."""
    _require(actor, access.WRITE)
    referral = _referral(session, actor, referral_id, lock=True)
    _require_writer(session, actor, referral.client_id)
    status = rules.plan_status_for(referral.kind, referral.status)
    if status is None:
        raise Conflict(
            "only an accepted or completed sober-living referral goes on the aftercare plan",
            rule=NOT_FOR_PLAN,
        )
    _record_on_plan(session, actor, referral, status)
    if referral.aftercare_plan_id is None:
        raise Conflict(
            "the client has no aftercare plan for their current episode yet: start one on "
            "the Aftercare tab, then record this referral on it",
            rule=NO_AFTERCARE_PLAN,
        )
    return referral


# --- the resource directory ------------------------------------------------------------------


def list_resources(
    session: Session, *, actor: Actor, kind: NeedKind | None = None, active_only: bool = False
) -> list[CommunityResource]:
    """The directory (no PHI); a listing is one audit entry, so every read is on record."""
    _require(actor, access.RESOURCES_READ)
    found = list(session.scalars(repository.resources(kind=kind, active_only=active_only)))
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type="community_resource",
        detail={"kind": kind.value if kind else None, "count": len(found)},
    )
    return found


def get_resource(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> CommunityResource:
    _require(actor, access.RESOURCES_READ)
    resource = session.get(CommunityResource, resource_id)
    if resource is None:
        raise NotFound("no such resource")
    _audit(session, actor, AuditAction.READ, "community_resource", resource.id, None)
    return resource


def _clean_resource(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v.strip() if type(v) is str else v for k, v in values.items()}
    if "name" in cleaned and not cleaned["name"]:
        raise Invalid("name the organization", field="name")
    return cleaned


def _refuse_duplicate(
    session: Session, kind: NeedKind, name: str, resource_id: uuid.UUID | None
) -> None:
    found = session.scalar(repository.resource_named(kind, name))
    if found is not None and found.id != resource_id:
        raise Conflict(
            "the directory already has this organization for this kind of need",
            field="name",
            rule=RESOURCE_EXISTS,
        )


def add_resource(
    session: Session, *, actor: Actor, data: ResourceInput, synthetic: bool = False
) -> CommunityResource:
    """Add an organization to the directory; ``synthetic`` marks the demo's made-up ones."""
    _require(actor, access.RESOURCES_WRITE)
    values = _clean_resource(data.model_dump())
    _refuse_duplicate(session, values["kind"], values["name"], None)
    resource = CommunityResource(
        **values, is_synthetic=synthetic, created_by=actor.user_id, updated_by=actor.user_id
    )
    session.add(resource)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "community_resource",
        resource.id,
        None,
        {"kind": resource.kind.value},
    )
    return resource


def update_resource(
    session: Session, *, actor: Actor, resource_id: uuid.UUID, data: ResourceUpdate
) -> CommunityResource:
    """Change the fields given (None leaves a field as it is); a referral already made keeps
    the details it was made with."""
    _require(actor, access.RESOURCES_WRITE)
    resource = session.get(CommunityResource, resource_id, with_for_update=True)
    if resource is None:
        raise NotFound("no such resource")
    changes = {
        k: v
        for k, v in _clean_resource(data.model_dump(exclude_unset=True)).items()
        if v is not None and getattr(resource, k) != v
    }
    _refuse_duplicate(
        session, changes.get("kind", resource.kind), changes.get("name", resource.name), resource.id
    )
    for name, value in changes.items():
        setattr(resource, name, value)
    resource.updated_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "community_resource",
        resource.id,
        None,
        {"fields": sorted(changes)},
    )
    return resource


# --- the chart tab ---------------------------------------------------------------------------


@dataclass
class CaseManagementSection:
    """What the chart's Case management tab shows (``case_management/_chart_tab.html``)."""

    client: Client
    today: date
    needs: list[NeedView]
    referrals: list[ReferralView]
    resources: list[CommunityResource]
    can_write: bool
    can_add_need: bool
    has_aftercare_plan: bool
    case_manager: str
    names: dict[uuid.UUID, str]
    kinds: tuple[NeedKind, ...] = tuple(NeedKind)
    priorities: tuple[Priority, ...] = tuple(Priority)

    @property
    def active_needs(self) -> list[NeedView]:
        return [v for v in self.needs if v.need.status in rules.ACTIVE_NEEDS]

    # Choices for the forms, as (value, text) pairs.
    @property
    def kind_options(self) -> list[tuple[str, str]]:
        return [(k.value, k.label) for k in self.kinds]

    @property
    def priority_options(self) -> list[tuple[str, str]]:
        return [(p.value, p.label) for p in self.priorities]

    @property
    def need_options(self) -> list[tuple[str, str]]:
        return [
            (str(v.need.id), f"{v.need.kind.label} (identified {v.need.identified_on})")
            for v in self.active_needs
        ]

    @property
    def resource_options(self) -> list[tuple[str, str]]:
        return [(str(r.id), f"{r.name} ({r.kind.label})") for r in self.resources]


def chart_section(
    session: Session, *, actor: Actor, client: Client, today: date
) -> CaseManagementSection:
    """The chart's tab; the chart has read (and audited) the client, this audits the needs
    and referrals shown."""
    _require(actor, access.READ)
    needs = _need_views(session, list(session.scalars(repository.needs_of(actor, client.id))))
    by_id = {v.need.id: v.need for v in needs}
    referrals = _referral_views(
        session, list(session.scalars(repository.referrals_of(actor, client.id))), today, by_id
    )
    for view in needs:
        view.referrals = [r.referral for r in referrals if r.referral.need_id == view.need.id]
    audit_service.record_reads(
        session, actor=actor, entity_type="case_management", client_ids=[client.id]
    )
    team = care_team.care_team(session, client)
    recorders = {c.recorded_by for v in needs for c in v.history if c.recorded_by}
    recorders |= {e.recorded_by for r in referrals for e in r.events if e.recorded_by}
    recorders |= {v.need.identified_by for v in needs if v.need.identified_by}
    can_write = access.WRITE.allows(actor.role) and may_write(
        session, actor=actor, client_id=client.id
    )
    return CaseManagementSection(
        client=client,
        today=today,
        needs=needs,
        referrals=referrals,
        resources=list(session.scalars(repository.resources(active_only=True)))
        if can_write
        else [],
        can_write=can_write,
        can_add_need=access.ADD_NEED.allows(actor.role)
        and (actor.role is not Role.CASE_MANAGER or can_write),
        has_aftercare_plan=bool(session.scalar(repository.clients_with_plans([client.id]))),
        case_manager=team.case_manager.display_name if team.case_manager else "",
        names=security_service.display_names(session, recorders),
    )


# --- the worklist ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    client: Client
    state: rules.FollowUpState
    days_overdue: int = 0
    has_plan: bool = False  # sober-living rows: the client has an aftercare plan now


@dataclass(frozen=True)
class NeedRow:
    need: Need
    client: Client


@dataclass
class Worklist:
    today: date
    caseload_only: bool  # a case manager's own caseload (the director sees every client)
    follow_ups: list[ReferralRow]
    awaiting: list[ReferralRow]
    needs: list[NeedRow]
    sober_living: list[ReferralRow]

    def client_ids(self) -> list[uuid.UUID]:
        rows: list[ReferralRow | NeedRow] = [
            *self.follow_ups,
            *self.awaiting,
            *self.needs,
            *self.sober_living,
        ]
        return list(dict.fromkeys(row.client.id for row in rows))

    @property
    def overdue(self) -> list[ReferralRow]:
        return [r for r in self.follow_ups if r.state is rules.FollowUpState.OVERDUE]

    @property
    def due_today(self) -> list[ReferralRow]:
        return [r for r in self.follow_ups if r.state is rules.FollowUpState.DUE_TODAY]


def _gather(session: Session, actor: Actor, today: date) -> Worklist:
    """The worklist's rows, unaudited (the callers audit what they show)."""
    _require(actor, access.WORKLIST)
    due = list(session.scalars(repository.follow_ups_due(actor, today)))
    awaiting = list(session.scalars(repository.awaiting_answer(actor)))
    needs = list(session.scalars(repository.needs_without_referral(actor)))
    sober = list(session.scalars(repository.sober_living_not_on_plan(actor)))
    ids = [r.client_id for r in (*due, *awaiting, *sober)] + [n.client_id for n in needs]
    clients = clients_service.clients_by_id(session, actor=actor, client_ids=list(set(ids)))
    with_plans = set(session.scalars(repository.clients_with_plans([r.client_id for r in sober])))

    def row(r: Referral) -> ReferralRow:
        return ReferralRow(
            r,
            clients[r.client_id],
            rules.follow_up_state(r.status, r.follow_up_on, today=today),
            rules.days_overdue(r.follow_up_on, today=today),
            r.client_id in with_plans,
        )

    return Worklist(
        today=today,
        caseload_only=actor.role is Role.CASE_MANAGER,
        follow_ups=[row(r) for r in due if r.client_id in clients],
        awaiting=[row(r) for r in awaiting if r.client_id in clients],
        needs=[NeedRow(n, clients[n.client_id]) for n in needs if n.client_id in clients],
        sober_living=[row(r) for r in sober if r.client_id in clients],
    )


def worklist(session: Session, *, actor: Actor, today: date) -> Worklist:
    """Follow-ups due today or overdue, referrals awaiting an answer, open needs with no
    open referral, and sober-living outcomes not yet on an aftercare plan: a case manager's
    own caseload, every client for the director. Each client shown is an audited read."""
    work = _gather(session, actor, today)
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="case_management_worklist",
        client_ids=work.client_ids(),
    )
    return work


@dataclass
class HomeWorklist:
    """The home page's summary: counts, and the most urgent follow-ups by name."""

    today: date
    overdue: int
    due_today: int
    awaiting: int
    needs: int
    sober_living: int
    rows: list[ReferralRow]


def worklist_for_home(session: Session, *, actor: Actor) -> HomeWorklist | None:
    """For a case manager's (or the director's) home page; None for other roles. Only the
    clients named in ``rows`` are read (and audited): the rest are counts."""
    if not access.WORKLIST.allows(actor.role):
        return None
    work = _gather(session, actor, clock.today())
    rows = work.follow_ups[:HOME_ROWS]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="case_management_worklist",
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return HomeWorklist(
        today=work.today,
        overdue=len(work.overdue),
        due_today=len(work.due_today),
        awaiting=len(work.awaiting),
        needs=len(work.needs),
        sober_living=len(work.sober_living),
        rows=rows,
    )
