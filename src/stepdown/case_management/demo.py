"""Synthetic case management for the demo program.

A directory of made-up community resources (every name ends "(demo)", every entry is marked
synthetic, phone numbers are 555-01xx), each site's demo case manager put on the care team
of some clients in care, and for those clients needs of every kind and referrals in every
status, written through the service so the rules, the history and the audit run as they do
for a case manager:

- a housing referral accepted and completed (the client moved in; the need met);
- an employment referral whose follow-up is three days overdue;
- a legal referral awaiting an answer, a transportation referral declined (the need is left
  without an open referral), a benefits referral that ended in a no-show;
- a health-insurance referral accepted with its follow-up due today, a food need with no
  referral yet, a childcare need no longer needed, an education referral on its own;
- a sober-living referral accepted for a client with no aftercare plan (it waits on the
  worklist), and one completed for a client whose aftercare plan then shows the house and
  "moved in".

Backdated steps pass the day they happened as ``today``, so the rules check them as they
would have been checked then. Call after ``seed_demo_aftercare`` (the sober-living link
needs its plans). Idempotent: resources are keyed by kind and name, and a client who already
has a need is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare.models import AftercarePlan
from stepdown.case_management import repository, service
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedKind,
    NeedStatus,
    Priority,
    Referral,
    ReferralStatus,
)
from stepdown.case_management.schemas import (
    NeedInput,
    NeedStatusInput,
    ReferralChangeInput,
    ReferralInput,
    ResourceInput,
)
from stepdown.clients import care_team
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

K = NeedKind
RESOURCES = (
    (K.HOUSING, "Springfield Housing Help Desk (demo)", "Intake worker", "555-0160",
     "20 Example Plaza, Springfield", "Rapid rehousing and rental-assistance applications; "
     "walk-in Tuesdays."),
    (K.SOBER_LIVING, "Harbor House (demo)", "House manager", "555-0150",
     "7 Sample Lane, Shelbyville", "Twelve beds; weekly house meetings; accepts MAT."),
    (K.SOBER_LIVING, "Oak Street Recovery Residence (demo)", "Residence director", "555-0161",
     "31 Oak Street, Springfield", "Eight beds for women; waitlist most months."),
    (K.EMPLOYMENT, "Second Start Workforce Center (demo)", "Job coach desk", "555-0162",
     "5 Example Road, Springfield", "Résumé help, fair-chance employers, forklift course."),
    (K.LEGAL, "Community Legal Aid Clinic (demo)", "Intake paralegal", "555-0163",
     "88 Sample Street, Shelbyville", "Court dates, record sealing, child-support orders."),
    (K.TRANSPORTATION, "County Ride Link (demo)", "Scheduling", "555-0164", "",
     "Medical rides booked two days ahead; bus passes for treatment."),
    (K.BENEFITS, "County Benefits Office (demo)", "Front desk", "555-0165",
     "1 Civic Center, Springfield", "Food assistance, cash assistance, disability applications."),
    (K.HEALTH_INSURANCE, "Health Coverage Navigators (demo)", "Navigator line", "555-0166", "",
     "Medicaid and marketplace enrolment help, by phone or in person."),
    (K.CHILDCARE, "Little Steps Childcare Assistance (demo)", "Family advocate", "555-0167",
     "14 Example Avenue, Springfield", "Subsidised places; priority for parents in treatment."),
    (K.FOOD, "Eastside Food Pantry (demo)", "Volunteer desk", "555-0168",
     "60 Sample Street, Springfield", "Open Monday, Wednesday and Saturday mornings."),
    (K.EDUCATION, "Adult Learning Center (demo)", "Enrolment", "555-0169",
     "3 College Way, Shelbyville", "High-school equivalency classes, evenings."),
)  # fmt: skip


@dataclass(frozen=True)
class _Ctx:
    session: Session
    actor: Actor
    client: Client
    today: date
    resources: dict[NeedKind, CommunityResource]

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def need(self, kind: NeedKind, detail: str, days_ago: int, priority: Priority) -> Need:
        data = NeedInput(
            kind=kind, detail=detail, priority=priority, identified_on=self.day(days_ago)
        )
        return service.add_need(
            self.session, actor=self.actor, client_id=self.client.id, data=data, today=self.today
        )

    def refer(
        self, kind: NeedKind, need: Need | None, days_ago: int, follow_up_in: int, note: str = ""
    ) -> Referral:
        """Made ``days_ago`` with its follow-up ``follow_up_in`` days after that."""
        made_on = self.day(days_ago)
        data = ReferralInput(
            need_id=need.id if need else None,
            kind=kind,
            resource_id=self.resources[kind].id,
            made_on=made_on,
            follow_up_on=made_on + timedelta(days=follow_up_in),
            reason=note,
        )
        return service.make_referral(
            self.session, actor=self.actor, client_id=self.client.id, data=data, today=made_on
        )

    def move(
        self,
        referral: Referral,
        to: ReferralStatus,
        days_ago: int,
        note: str = "",
        follow_up_in: int | None = None,
    ) -> None:
        on = self.day(days_ago)
        data = ReferralChangeInput(
            status=to,
            on=on,
            follow_up_on=on + timedelta(days=follow_up_in) if follow_up_in is not None else None,
            reason=note,
        )
        service.change_referral(
            self.session, actor=self.actor, referral_id=referral.id, data=data, today=on
        )

    def need_to(self, need: Need, to: NeedStatus, days_ago: int, reason: str = "") -> None:
        data = NeedStatusInput(status=to, on=self.day(days_ago), reason=reason)
        service.change_need_status(
            self.session, actor=self.actor, need_id=need.id, data=data, today=self.today
        )


def _housing_completed(c: _Ctx) -> None:
    need = c.need(
        K.HOUSING, "Staying on a friend's couch; has to leave by month end.", 35, Priority.HIGH
    )
    referral = c.refer(K.HOUSING, need, 30, 7, "Rapid-rehousing application sent.")
    c.move(referral, ReferralStatus.ACCEPTED, 20, "Approved for a studio.", follow_up_in=14)
    c.move(referral, ReferralStatus.COMPLETED, 5, "Moved into the studio; lease signed.")
    c.need_to(need, NeedStatus.MET, 5, "Housed.")
    c.need(K.FOOD, "Runs short the last week of the month.", 4, Priority.LOW)


def _employment_overdue(c: _Ctx) -> None:
    need = c.need(
        K.EMPLOYMENT, "Lost warehouse job before admission; wants day work.", 14, Priority.MEDIUM
    )
    c.refer(K.EMPLOYMENT, need, 10, 7, "Job-coach intake requested.")


def _legal_awaiting(c: _Ctx) -> None:
    need = c.need(
        K.LEGAL, "Court date next month on an old charge; no lawyer yet.", 8, Priority.HIGH
    )
    c.refer(K.LEGAL, need, 5, 7, "Intake form faxed with the client's consent.")


def _transport_declined(c: _Ctx) -> None:
    need = c.need(K.TRANSPORTATION, "No car; two buses to evening group.", 16, Priority.MEDIUM)
    referral = c.refer(K.TRANSPORTATION, need, 14, 5)
    c.move(referral, ReferralStatus.DECLINED, 7, "Outside the ride service's area.")


def _benefits_no_show(c: _Ctx) -> None:
    need = c.need(K.BENEFITS, "Food-assistance application lapsed.", 25, Priority.MEDIUM)
    referral = c.refer(K.BENEFITS, need, 21, 5)
    c.move(referral, ReferralStatus.ACCEPTED, 14, "Interview booked.", follow_up_in=6)
    c.move(referral, ReferralStatus.NO_SHOW, 7, "Missed the interview; to rebook with the client.")


def _insurance_due_today(c: _Ctx) -> None:
    need = c.need(
        K.HEALTH_INSURANCE, "Coverage ends with the job; needs Medicaid.", 12, Priority.HIGH
    )
    referral = c.refer(K.HEALTH_INSURANCE, need, 10, 3)
    c.move(referral, ReferralStatus.ACCEPTED, 6, "Navigator appointment set.", follow_up_in=6)


def _childcare_and_education(c: _Ctx) -> None:
    need = c.need(K.CHILDCARE, "Needs care for a toddler during day program.", 20, Priority.MEDIUM)
    c.need_to(need, NeedStatus.NO_LONGER_NEEDED, 9, "A grandparent now looks after the child.")
    c.refer(K.EDUCATION, None, 2, 7, "Asked about equivalency classes.")


def _sober_living_no_plan(c: _Ctx) -> None:
    need = c.need(
        K.SOBER_LIVING, "Home has others using; wants a recovery residence.", 15, Priority.HIGH
    )
    referral = c.refer(K.SOBER_LIVING, need, 12, 4)
    c.move(referral, ReferralStatus.ACCEPTED, 4, "Bed offered from next week.", follow_up_in=7)


def _sober_living_with_plan(c: _Ctx) -> None:
    need = c.need(K.SOBER_LIVING, "Wants a sober house after treatment.", 24, Priority.HIGH)
    referral = c.refer(K.SOBER_LIVING, need, 20, 5, "Application sent to the house.")
    c.move(referral, ReferralStatus.ACCEPTED, 10, "Accepted; move-in date set.", follow_up_in=7)
    c.move(referral, ReferralStatus.COMPLETED, 3, "Moved in.")
    c.need_to(need, NeedStatus.MET, 3, "Living at the house.")


SCENARIOS: tuple[Callable[[_Ctx], None], ...] = (
    _housing_completed,
    _employment_overdue,
    _legal_awaiting,
    _transport_declined,
    _benefits_no_show,
    _insurance_due_today,
    _childcare_and_education,
    _sober_living_no_plan,
)


def _resources(session: Session, actor: Actor) -> dict[NeedKind, CommunityResource]:
    """The demo directory (the first entry of each kind is the one the scenarios use)."""
    chosen: dict[NeedKind, CommunityResource] = {}
    for kind, name, contact, phone, address, notes in RESOURCES:
        resource = session.scalar(repository.resource_named(kind, name))
        if resource is None:
            data = ResourceInput(
                kind=kind, name=name, contact=contact, phone=phone, address=address, notes=notes
            )
            resource = service.add_resource(session, actor=actor, data=data, synthetic=True)
        chosen.setdefault(kind, resource)
    return chosen


def _case_managers(session: Session) -> dict[object, User]:
    """Each site's first active case manager (by username)."""
    managers: dict[object, User] = {}
    staff = sorted(security_service.staff_directory(session), key=lambda u: u.username)
    for user in staff:
        if user.role is Role.CASE_MANAGER and user.site_id is not None:
            managers.setdefault(user.site_id, user)
    return managers


def _as_case_manager(session: Session, actor: Actor, client: Client, manager: User) -> Actor:
    """Put the site's case manager on the client's care team (if none is) and act as them."""
    team = care_team.care_team(session, client)
    if team.case_manager is None:
        care_team.assign(
            session,
            actor=actor,
            client_id=client.id,
            primary_clinician_id=client.primary_clinician_id,
            case_manager_id=manager.id,
        )
        return security_service.actor_for(manager)
    return security_service.actor_for(team.case_manager)


def seed_demo_case_management(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    """The directory and the scenarios above for demo clients without needs; returns how
    many clients were given case-management records."""
    resources = _resources(session, actor)
    managers = _case_managers(session)
    with_needs = set(session.scalars(select(Need.client_id).distinct()))
    if with_needs & {c.id for c in clients}:
        return 0  # seeded before: the scenarios are written once
    # Plans without a house first, so the referral's house is what the plan then shows.
    plans = session.scalars(select(AftercarePlan).order_by(AftercarePlan.sober_living_house))
    with_plans = list(dict.fromkeys(p.client_id for p in plans))
    in_care = set(
        session.scalars(select(Episode.client_id).where(Episode.status == EpisodeStatus.ACTIVE))
    )
    candidates = [c for c in clients if c.site_id in managers]
    plain = [c for c in candidates if c.id in in_care and c.id not in with_plans]
    by_id = {c.id: c for c in candidates}
    planned = [by_id[i] for i in with_plans if i in by_id]
    work: list[tuple[Client, Callable[[_Ctx], None]]] = list(zip(plain, SCENARIOS, strict=False))
    if planned:
        work.append((planned[0], _sober_living_with_plan))
    for client, scenario in work:
        as_manager = _as_case_manager(session, actor, client, managers[client.site_id])
        scenario(_Ctx(session, as_manager, client, today, resources))
    session.flush()
    return len(work)
