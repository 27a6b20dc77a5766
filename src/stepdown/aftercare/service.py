"""Use cases for aftercare: draft and finalize the plan, its meetings and crisis contacts,
mark check-ins done, record outcome follow-ups, and what the nightly job does (draft plans
for clients who reached aftercare, follow-up rows after discharge, reminders, missed-check-in
alerts).

A plan is drafted for the episode that stepped down to aftercare or was discharged
completed (staff start it from the chart, or the nightly job does). Finalizing freezes it
and lays out its check-ins from that day; the client then sees it in the portal and takes
home its PDF. Every read and change is audited here, in the caller's transaction.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import access, mail, repository, rules
from stepdown.aftercare.models import (
    AftercarePlan,
    CrisisContact,
    EmploymentSchool,
    FollowUp,
    Housing,
    MeetingKind,
    MutualHelpMeeting,
    PlanStatus,
    RelapsePreventionCheckIn,
    SoberLivingStatus,
    Weekday,
)
from stepdown.aftercare.schemas import ContactInput, FollowUpInput, MeetingInput, PlanUpdate
from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import AlertKind, Severity
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum.models import DischargeType, Episode, EpisodeStatus
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings

log = logging.getLogger(__name__)

PLAN_FINAL = "aftercare.plan_final"
PLAN_NOT_FINAL = "aftercare.plan_not_final"
PLAN_EXISTS = "aftercare.plan_exists"
NOT_ELIGIBLE = "aftercare.not_eligible"
CHECKIN_DONE = "aftercare.checkin_done"
CHECKIN_NOT_YET = "aftercare.checkin_not_yet"
FOLLOW_UP_RECORDED = "aftercare.follow_up_recorded"
FOLLOW_UP_NOT_YET = "aftercare.follow_up_not_yet"
# The nightly job drafts plans for completed discharges this recent (older ones predate it).
DRAFT_FOR_DISCHARGES_WITHIN = timedelta(days=30)
# Follow-up rows are made for discharges within the last year and the last follow-up's grace.
FOLLOW_UPS_FOR_DISCHARGES_WITHIN = timedelta(days=rules.FOLLOW_UP_DAYS[-1] + 30)
CASE_MANAGER_ROLES = frozenset({Role.CASE_MANAGER, Role.CLINICIAN, Role.DIRECTOR})


def _require_staff(actor: Actor) -> None:
    """Jobs and CLI commands act as the system, which works on the program's behalf."""
    if actor.role is not Role.SYSTEM and not access.STAFF.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.STAFF.description}")


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID,
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


def _plan(session: Session, actor: Actor, plan_id: uuid.UUID) -> AftercarePlan:
    plan = session.scalar(repository.plans(actor).where(AftercarePlan.id == plan_id))
    if plan is None or (actor.role is Role.CLIENT and plan.status is not PlanStatus.FINAL):
        raise NotFound("no such aftercare plan, or not one you may see")
    return plan


def _draft(session: Session, actor: Actor, plan_id: uuid.UUID) -> AftercarePlan:
    _require_staff(actor)
    plan = _plan(session, actor, plan_id)
    if plan.status is PlanStatus.FINAL:
        raise Conflict("this plan is final and was given to the client", rule=PLAN_FINAL)
    return plan


def client_of_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> uuid.UUID:
    """Locates a plan for a page's redirect; not audited (the action that follows is)."""
    return _plan(session, actor, plan_id).client_id


# --- reading -----------------------------------------------------------------------------


@dataclass
class PlanView:
    plan: AftercarePlan
    client: Client
    meetings: list[MutualHelpMeeting]
    contacts: list[CrisisContact]
    checkins: list[RelapsePreventionCheckIn]
    case_manager_name: str = ""

    def state(self, checkin: RelapsePreventionCheckIn, today: date) -> rules.CheckInState:
        return rules.checkin_state(
            due_on=checkin.due_on,
            completed=checkin.completed_at is not None,
            today=today,
            grace_days=self.plan.grace_days,
        )


def _view(session: Session, plan: AftercarePlan, client: Client) -> PlanView:
    names = security_service.display_names(
        session, {plan.case_manager_id} if plan.case_manager_id else set()
    )
    return PlanView(
        plan=plan,
        client=client,
        meetings=list(session.scalars(repository.meetings_of(plan.id))),
        contacts=list(session.scalars(repository.contacts_of(plan.id))),
        checkins=list(session.scalars(repository.checkins_of(plan.id))),
        case_manager_name=names.get(plan.case_manager_id, "") if plan.case_manager_id else "",
    )


def get_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> PlanView:
    """A plan with its parts; clients see only their own final plan. An audited read."""
    plan = _plan(session, actor, plan_id)
    client = clients_service.get_client(session, actor=actor, client_id=plan.client_id)
    _audit(session, actor, AuditAction.READ, "aftercare_plan", plan.id, plan.client_id)
    return _view(session, plan, client)


def plan_for_print(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> PlanView:
    """A final plan for its PDF; printing is audited as an export (the paper leaves)."""
    plan = _plan(session, actor, plan_id)
    if plan.status is not PlanStatus.FINAL:
        raise Conflict("only a final plan is printed for the client", rule=PLAN_NOT_FINAL)
    client = clients_service.get_client(session, actor=actor, client_id=plan.client_id)
    _audit(session, actor, AuditAction.EXPORT, "aftercare_plan", plan.id, plan.client_id)
    return _view(session, plan, client)


def latest_plan(session: Session, *, actor: Actor, client_id: uuid.UUID) -> PlanView | None:
    """The client's newest plan (clients: their newest final plan); an audited read."""
    stmt = repository.plans(actor).where(AftercarePlan.client_id == client_id)
    if actor.role is Role.CLIENT:
        stmt = stmt.where(AftercarePlan.status == PlanStatus.FINAL)
    plan = session.scalars(stmt.order_by(AftercarePlan.created_at.desc()).limit(1)).first()
    if plan is None:
        return None
    return get_plan(session, actor=actor, plan_id=plan.id)


def _episode_needing_plan(session: Session, client_id: uuid.UUID) -> Episode | None:
    """The client's latest episode, if it is at aftercare or ended completed, without a plan."""
    episode = session.scalars(
        continuum_repository.episodes_of(client_id)
        .order_by(None)
        .order_by(Episode.admitted_on.desc())
    ).first()
    if episode is None:
        return None
    if session.scalar(select(AftercarePlan.id).where(AftercarePlan.episode_id == episode.id)):
        return None
    if episode.status is EpisodeStatus.DISCHARGED:
        return episode if episode.discharge_type is DischargeType.COMPLETED else None
    at_aftercare = session.scalar(repository.at_aftercare_level(episode.id)) is not None
    return episode if at_aftercare else None


def needs_plan(session: Session, *, client_id: uuid.UUID) -> bool:
    """Whether the client's latest episode reached aftercare or ended completed and has no
    plan yet (ids only: for the demo and jobs, which act as the system)."""
    return _episode_needing_plan(session, client_id) is not None


# --- the chart tab -----------------------------------------------------------------------


@dataclass
class AftercareSection:
    """What the chart's Aftercare tab shows (see ``aftercare/_chart_tab.html``)."""

    client: Client
    today: date
    view: PlanView | None
    can_start: bool
    follow_ups: list[FollowUp]
    staff: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    names: dict[uuid.UUID, str] = field(default_factory=dict)
    meeting_kinds: tuple[MeetingKind, ...] = tuple(MeetingKind)
    weekdays: tuple[Weekday, ...] = tuple(Weekday)
    sober_living_statuses: tuple[SoberLivingStatus, ...] = tuple(SoberLivingStatus)
    employment_options: tuple[EmploymentSchool, ...] = tuple(EmploymentSchool)
    housing_options: tuple[Housing, ...] = tuple(Housing)

    def follow_up_open(self, follow_up: FollowUp) -> bool:
        return follow_up.recorded_at is None and rules.follow_up_open(
            due_on=follow_up.due_on, today=self.today
        )


def chart_section(
    session: Session, *, actor: Actor, client: Client, today: date
) -> AftercareSection:
    _require_staff(actor)
    view = latest_plan(session, actor=actor, client_id=client.id)
    follow_ups = list(
        session.scalars(
            repository.follow_ups(actor)
            .where(FollowUp.client_id == client.id)
            .order_by(FollowUp.due_on)
        )
    )
    if follow_ups:
        audit_service.record_reads(
            session, actor=actor, entity_type="aftercare_follow_up", client_ids=[client.id]
        )
    recorders = {f.recorded_by for f in follow_ups if f.recorded_by}
    if view:
        recorders |= {c.completed_by for c in view.checkins if c.completed_by}
        if view.plan.finalized_by:
            recorders.add(view.plan.finalized_by)
    return AftercareSection(
        client=client,
        today=today,
        view=view,
        can_start=view is None and _episode_needing_plan(session, client.id) is not None,
        follow_ups=follow_ups,
        staff=[
            (u.id, u.display_name)
            for u in security_service.staff_directory(session)
            if u.role in CASE_MANAGER_ROLES
        ],
        names=security_service.display_names(session, recorders),
    )


# --- drafting and finalizing -------------------------------------------------------------


def create_plan(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    weekly_checkins: int = 4,
    checkin_months: int = 12,
    grace_days: int = 3,
) -> AftercarePlan:
    """A draft for the client's episode that reached aftercare or ended completed.

    The client's emergency contact, if recorded, is copied as the first crisis contact; a
    case manager who starts the plan is its case manager.
    """
    _require_staff(actor)
    rules.validate_schedule(weekly_checkins, checkin_months)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    episode = _episode_needing_plan(session, client.id)
    if episode is None:
        if session.scalar(repository.plans(actor).where(AftercarePlan.client_id == client.id)):
            raise Conflict("this client's episode already has an aftercare plan", rule=PLAN_EXISTS)
        raise Conflict(
            "an aftercare plan starts when the client steps down to aftercare "
            "or is discharged having completed treatment",
            rule=NOT_ELIGIBLE,
        )
    plan = AftercarePlan(
        client_id=client.id,
        episode_id=episode.id,
        status=PlanStatus.DRAFT,
        case_manager_id=actor.user_id if actor.role is Role.CASE_MANAGER else None,
        weekly_checkins=weekly_checkins,
        checkin_months=checkin_months,
        grace_days=grace_days,
        created_by=actor.user_id,
    )
    session.add(plan)
    session.flush()
    if client.emergency_contact_name and client.emergency_contact_phone:
        session.add(
            CrisisContact(
                plan_id=plan.id,
                name=client.emergency_contact_name,
                relationship=client.emergency_contact_relationship,
                phone=client.emergency_contact_phone,
                position=1,
            )
        )
        session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "aftercare_plan",
        plan.id,
        client.id,
        {"episode_id": str(episode.id)},
    )
    return plan


def update_plan(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: PlanUpdate
) -> AftercarePlan:
    """Change a draft's fields (only those given)."""
    plan = _draft(session, actor, plan_id)
    changes = data.model_dump(exclude_unset=True)
    # Plain text only: an enum member is a str too, and must stay a member.
    changes = {k: v.strip() if type(v) is str else v for k, v in changes.items()}
    rules.validate_schedule(
        changes.get("weekly_checkins", plan.weekly_checkins),
        changes.get("checkin_months", plan.checkin_months),
    )
    manager = changes.get("case_manager_id")
    if manager is not None and manager not in {
        u.id for u in security_service.staff_directory(session) if u.role in CASE_MANAGER_ROLES
    }:
        raise Invalid(
            "choose an active case manager, clinician or director", field="case_manager_id"
        )
    for name, value in changes.items():
        setattr(plan, name, value)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "aftercare_plan",
        plan.id,
        plan.client_id,
        {"fields": sorted(changes)},
    )
    return plan


def _next_position(items: Iterable[MutualHelpMeeting | CrisisContact]) -> int:
    return max((item.position for item in items), default=0) + 1


def add_meeting(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: MeetingInput
) -> MutualHelpMeeting:
    plan = _draft(session, actor, plan_id)
    name, place = data.name.strip(), data.place_or_link.strip()
    if not name:
        raise Invalid("name the meeting", field="name")
    if not place:
        raise Invalid("say where the meeting is, or its link", field="place_or_link")
    meeting = MutualHelpMeeting(
        plan_id=plan.id,
        kind=data.kind,
        name=name,
        day=data.day,
        at=data.at,
        place_or_link=place,
        position=_next_position(session.scalars(repository.meetings_of(plan.id))),
    )
    session.add(meeting)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, "aftercare_meeting", meeting.id, plan.client_id)
    return meeting


def add_contact(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: ContactInput
) -> CrisisContact:
    plan = _draft(session, actor, plan_id)
    name, phone = data.name.strip(), data.phone.strip()
    if not name:
        raise Invalid("name the contact", field="name")
    if not phone:
        raise Invalid("give a phone number", field="phone")
    contact = CrisisContact(
        plan_id=plan.id,
        name=name,
        relationship=data.relationship.strip(),
        phone=phone,
        position=_next_position(session.scalars(repository.contacts_of(plan.id))),
    )
    session.add(contact)
    session.flush()
    _audit(
        session, actor, AuditAction.CREATE, "aftercare_crisis_contact", contact.id, plan.client_id
    )
    return contact


def remove_meeting(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, meeting_id: uuid.UUID
) -> None:
    plan = _draft(session, actor, plan_id)
    meeting = session.get(MutualHelpMeeting, meeting_id)
    if meeting is None or meeting.plan_id != plan.id:
        raise NotFound("no such meeting on this plan")
    session.delete(meeting)
    session.flush()
    _audit(session, actor, AuditAction.DELETE, "aftercare_meeting", meeting_id, plan.client_id)


def remove_contact(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, contact_id: uuid.UUID
) -> None:
    plan = _draft(session, actor, plan_id)
    contact = session.get(CrisisContact, contact_id)
    if contact is None or contact.plan_id != plan.id:
        raise NotFound("no such crisis contact on this plan")
    session.delete(contact)
    session.flush()
    _audit(
        session, actor, AuditAction.DELETE, "aftercare_crisis_contact", contact_id, plan.client_id
    )


def finalize(session: Session, *, actor: Actor, plan_id: uuid.UUID, on: date) -> AftercarePlan:
    """Freeze the plan and lay out its check-ins, counted from ``on`` (the day it is given)."""
    plan = _draft(session, actor, plan_id)
    missing = rules.missing_for_final(rules.PlanFacts(plan.warning_signs, plan.coping_steps))
    if missing is not None:
        what = "warning signs" if missing == "warning_signs" else "coping steps"
        raise Invalid(f"write the client's own {what} before finalizing", field=missing)
    plan.status = PlanStatus.FINAL
    plan.starts_on = on
    plan.finalized_at = utc_now()
    plan.finalized_by = actor.user_id
    due_dates = rules.checkin_schedule(on, weekly=plan.weekly_checkins, months=plan.checkin_months)
    for sequence, due_on in enumerate(due_dates, start=1):
        session.add(
            RelapsePreventionCheckIn(
                plan_id=plan.id, client_id=plan.client_id, sequence=sequence, due_on=due_on
            )
        )
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "aftercare_plan",
        plan.id,
        plan.client_id,
        {"finalized": True, "starts_on": on.isoformat(), "checkins": len(due_dates)},
    )
    return plan


def record_sober_living(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    status: SoberLivingStatus,
    house: str,
    contact: str,
) -> AftercarePlan | None:
    """Put what a sober-living referral came to on the plan of the client's latest episode
    (case management calls this when a house accepts the client or they move in); None when
    that episode has no plan. A final plan takes it too: the house and its status are facts
    learned after the plan is given, not the client's own words, so its page and PDF show
    the current house."""
    _require_staff(actor)
    latest = continuum_repository.episodes_of(client_id).order_by(None)
    episode = session.scalars(latest.order_by(Episode.admitted_on.desc()).limit(1)).first()
    plan = (
        session.scalar(repository.plans(actor).where(AftercarePlan.episode_id == episode.id))
        if episode is not None
        else None
    )
    if plan is None:
        return None
    plan.sober_living_status = status
    plan.sober_living_house = house.strip()[:200]
    plan.sober_living_contact = contact.strip()[:200]
    session.flush()
    fields = ["sober_living_contact", "sober_living_house", "sober_living_status"]
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "aftercare_plan",
        plan.id,
        plan.client_id,
        {"fields": fields, "sober_living_status": status.value},
    )
    return plan


# --- check-ins and follow-ups ------------------------------------------------------------


def complete_checkin(
    session: Session, *, actor: Actor, checkin_id: uuid.UUID, today: date
) -> RelapsePreventionCheckIn:
    """Mark a check-in done (staff after a call or visit; the client in the portal)."""
    checkin = session.scalar(
        repository.checkins(actor)
        .where(RelapsePreventionCheckIn.id == checkin_id)
        .with_for_update()
    )
    if checkin is None:
        raise NotFound("no such check-in, or not one you may see")
    if checkin.completed_at is not None:
        raise Conflict(
            f"this check-in was already marked done on {checkin.completed_at:%Y-%m-%d}",
            rule=CHECKIN_DONE,
        )
    if not rules.may_complete_checkin(due_on=checkin.due_on, today=today):
        raise Conflict(
            f"this check-in is not due until {checkin.due_on.isoformat()}", rule=CHECKIN_NOT_YET
        )
    checkin.completed_at = utc_now()
    checkin.completed_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "aftercare_checkin",
        checkin.id,
        checkin.client_id,
        {"completed": True},
    )
    return checkin


OUTCOME_FIELDS = ("abstinent", "readmitted", "employment_school", "housing")


def record_follow_up(
    session: Session, *, actor: Actor, follow_up_id: uuid.UUID, data: FollowUpInput, today: date
) -> FollowUp:
    """Record a follow-up once: the outcome, or (staff) that the client could not be reached."""
    follow_up = session.scalar(
        repository.follow_ups(actor).where(FollowUp.id == follow_up_id).with_for_update()
    )
    if follow_up is None:
        raise NotFound("no such follow-up, or not one you may see")
    if follow_up.recorded_at is not None:
        raise Conflict("this follow-up was already recorded", rule=FOLLOW_UP_RECORDED)
    if not rules.follow_up_open(due_on=follow_up.due_on, today=today):
        raise Conflict(
            f"this follow-up opens a week before {follow_up.due_on.isoformat()}",
            rule=FOLLOW_UP_NOT_YET,
        )
    values = data.model_dump()
    if data.reached:
        for name in OUTCOME_FIELDS:
            if values[name] is None:
                raise Invalid("answer every question of the follow-up", field=name)
    else:
        if actor.role is Role.CLIENT:
            raise Invalid("answer the follow-up questions", field="reached")
        if any(values[name] is not None for name in OUTCOME_FIELDS):
            raise Invalid(
                "leave the answers empty when the client was not reached", field="reached"
            )
    for name, value in values.items():
        setattr(follow_up, name, value)
    follow_up.recorded_at = utc_now()
    follow_up.recorded_by = actor.user_id
    follow_up.recorded_by_client = actor.role is Role.CLIENT
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "aftercare_follow_up",
        follow_up.id,
        follow_up.client_id,
        {"days_after": follow_up.days_after, "reached": data.reached},
    )
    return follow_up


# --- the worklist and the portal ---------------------------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    checkin: RelapsePreventionCheckIn
    client: Client
    state: rules.CheckInState


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    client: Client


@dataclass
class Worklist:
    today: date
    checkins: list[CheckInRow]
    follow_ups: list[FollowUpRow]


def worklist(session: Session, *, actor: Actor, today: date) -> Worklist:
    """Check-ins due or missed and follow-ups open, oldest first, for the clients this staff
    member may see (a case manager's site); each client shown is an audited read."""
    _require_staff(actor)
    due = list(
        session.execute(
            repository.checkins(actor)
            .join(AftercarePlan, AftercarePlan.id == RelapsePreventionCheckIn.plan_id)
            .add_columns(AftercarePlan.grace_days)
            .where(
                RelapsePreventionCheckIn.completed_at.is_(None),
                RelapsePreventionCheckIn.due_on <= today,
            )
            .order_by(RelapsePreventionCheckIn.due_on)
        ).all()
    )
    open_follow_ups = list(
        session.scalars(
            repository.follow_ups(actor)
            .where(
                FollowUp.recorded_at.is_(None),
                FollowUp.due_on <= today + timedelta(days=rules.FOLLOW_UP_EARLY_DAYS),
            )
            .order_by(FollowUp.due_on)
        )
    )
    client_ids = [c.client_id for c, _ in due] + [f.client_id for f in open_follow_ups]
    clients = clients_service.clients_by_id(session, actor=actor, client_ids=client_ids)
    audit_service.record_reads(
        session, actor=actor, entity_type="aftercare_worklist", client_ids=list(clients)
    )
    return Worklist(
        today=today,
        checkins=[
            CheckInRow(
                c,
                clients[c.client_id],
                rules.checkin_state(due_on=c.due_on, completed=False, today=today, grace_days=g),
            )
            for c, g in due
        ],
        follow_ups=[FollowUpRow(f, clients[f.client_id]) for f in open_follow_ups],
    )


@dataclass
class PortalPage:
    client: Client | None
    today: date
    view: PlanView | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)
    employment_options: tuple[EmploymentSchool, ...] = tuple(EmploymentSchool)
    housing_options: tuple[Housing, ...] = tuple(Housing)

    def open_checkins(self) -> list[RelapsePreventionCheckIn]:
        """Not done, from a week before their date on: what the client can mark done now."""
        if self.view is None:
            return []
        return [
            c
            for c in self.view.checkins
            if c.completed_at is None
            and rules.may_complete_checkin(due_on=c.due_on, today=self.today)
        ]

    def upcoming(self, count: int = 3) -> list[RelapsePreventionCheckIn]:
        if self.view is None:
            return []
        later = [
            c
            for c in self.view.checkins
            if c.completed_at is None
            and not rules.may_complete_checkin(due_on=c.due_on, today=self.today)
        ]
        return later[:count]


def portal_page(session: Session, *, actor: Actor, today: date) -> PortalPage:
    """The signed-in client's own final plan, check-ins and open follow-ups."""
    client = clients_service.own_record(session, actor=actor)
    if client is None:
        return PortalPage(client=None, today=today)
    follow_ups = [
        f
        for f in session.scalars(
            repository.follow_ups(actor)
            .where(FollowUp.client_id == client.id, FollowUp.recorded_at.is_(None))
            .order_by(FollowUp.due_on)
        )
        if rules.follow_up_open(due_on=f.due_on, today=today)
    ]
    return PortalPage(
        client=client,
        today=today,
        view=latest_plan(session, actor=actor, client_id=client.id),
        follow_ups=follow_ups,
    )


# --- what the nightly job does -----------------------------------------------------------


def draft_missing_plans(session: Session, *, actor: Actor, settings: Settings, today: date) -> int:
    """A draft for every episode at aftercare, or discharged completed in the last 30 days,
    that has none; the number drafted. Running it again drafts nothing new."""
    since = today - DRAFT_FOR_DISCHARGES_WITHIN
    episodes = list(
        session.scalars(repository.episodes_needing_plans(actor, discharged_since=since))
    )
    drafted = 0
    for episode in episodes:
        if _episode_needing_plan(session, episode.client_id) is None:
            continue  # an older episode: the client has been readmitted since
        create_plan(
            session,
            actor=actor,
            client_id=episode.client_id,
            weekly_checkins=settings.aftercare_weekly_checkins,
            checkin_months=settings.aftercare_checkin_months,
            grace_days=settings.aftercare_grace_days,
        )
        drafted += 1
    return drafted


def schedule_follow_ups(session: Session, *, actor: Actor, today: date) -> int:
    """The 30/90/180/365-day follow-ups of each recent discharge that has none yet."""
    since = today - FOLLOW_UPS_FOR_DISCHARGES_WITHIN
    made = 0
    for episode in session.scalars(repository.discharged_without_follow_ups(actor, since=since)):
        assert episode.discharged_on is not None  # discharged episodes carry their date
        for days, due_on in rules.follow_up_dates(episode.discharged_on):
            session.add(
                FollowUp(
                    client_id=episode.client_id,
                    episode_id=episode.id,
                    days_after=days,
                    due_on=due_on,
                )
            )
        session.flush()
        _audit(
            session,
            actor,
            AuditAction.CREATE,
            "aftercare_follow_up",
            episode.id,
            episode.client_id,
            {"days_after": list(rules.FOLLOW_UP_DAYS)},
        )
        made += 1
    return made


def _open_checkins(
    session: Session, actor: Actor, today: date
) -> list[tuple[RelapsePreventionCheckIn, int]]:
    earliest = today - timedelta(days=366)
    return list(
        session.execute(
            repository.checkins(actor)
            .join(AftercarePlan, AftercarePlan.id == RelapsePreventionCheckIn.plan_id)
            .add_columns(AftercarePlan.grace_days)
            .where(
                RelapsePreventionCheckIn.completed_at.is_(None),
                RelapsePreventionCheckIn.due_on <= today,
                RelapsePreventionCheckIn.due_on >= earliest,
            )
            .order_by(RelapsePreventionCheckIn.due_on, RelapsePreventionCheckIn.id)
        ).all()
    )


def send_reminders(session: Session, *, actor: Actor, settings: Settings, today: date) -> int:
    """E-mail each client whose check-in is due and not yet reminded; the number sent.

    ``reminder_sent_at`` makes it once per check-in. A message that fails is logged and left
    unmarked, so the next run (while the check-in is still due) tries again; the ones sent
    are kept when the transaction commits. Each message is audited as a disclosure: it tells
    the mail provider the person is in contact with the program.
    """
    if not mail.configured(settings):
        return 0
    sent = 0
    for checkin, grace_days in _open_checkins(session, actor, today):
        if not rules.needs_reminder(
            due_on=checkin.due_on,
            completed=False,
            reminder_sent=checkin.reminder_sent_at is not None,
            today=today,
            grace_days=grace_days,
        ):
            continue
        client = session.get(Client, checkin.client_id)
        if client is None or not client.email:
            continue
        try:
            mail.send(settings, mail.reminder(settings, to=client.email))
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("check-in reminder %s not sent: %s", checkin.id, type(exc).__name__)
            continue
        checkin.reminder_sent_at = utc_now()
        session.flush()
        _audit(
            session,
            actor,
            AuditAction.DISCLOSE,
            "aftercare_checkin",
            checkin.id,
            checkin.client_id,
            {"channel": "email", "message": "checkin_reminder"},
        )
        sent += 1
    return sent


def alert_missed(session: Session, *, actor: Actor, today: date) -> int:
    """Alert once for each check-in that went past its grace days undone; the number raised."""
    raised = 0
    for checkin, grace_days in _open_checkins(session, actor, today):
        if not rules.needs_missed_alert(
            due_on=checkin.due_on,
            completed=False,
            alerted=checkin.missed_alerted_at is not None,
            today=today,
            grace_days=grace_days,
        ):
            continue
        alerts_service.raise_alert(
            session,
            actor=actor,
            client_id=checkin.client_id,
            kind=AlertKind.AFTERCARE_CHECKIN_MISSED,
            severity=Severity.HIGH,
            summary=f"Aftercare check-in due {checkin.due_on.isoformat()} was missed: "
            "reach out to the client",
            source_type="aftercare_checkin",
            source_id=checkin.id,
        )
        checkin.missed_alerted_at = utc_now()
        session.flush()
        raised += 1
    return raised
