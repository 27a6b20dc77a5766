"""The demo's case management: a synthetic directory, needs of several kinds, referrals in
every status (a housing referral completed, an overdue follow-up, a sober-living referral on
an aftercare plan), and a second seeding that adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.aftercare.models import AftercarePlan, SoberLivingStatus
from stepdown.case_management import rules, service
from stepdown.case_management.demo import seed_demo_case_management
from stepdown.case_management.models import (
    CommunityResource,
    Need,
    NeedKind,
    Referral,
    ReferralStatus,
)
from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from tests.factories import SYSTEM


def _seed(session: Session) -> int:
    clients = list(
        session.scalars(
            select(Client).where(Client.record_number.like("DEMO-%")).order_by(Client.record_number)
        )
    )
    return seed_demo_case_management(session, actor=SYSTEM, clients=clients, today=today())


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (CommunityResource, Need, Referral)
    )


def test_demo_case_management(demo_session: Session) -> None:
    session = demo_session
    _seed(session)  # none if the demo seed already ran it
    resources = list(session.scalars(select(CommunityResource)))
    assert resources
    assert all(r.is_synthetic and r.name.endswith("(demo)") for r in resources)
    assert {r.kind for r in resources} == set(NeedKind)
    assert len({n.kind for n in session.scalars(select(Need))}) >= 5

    referrals = list(session.scalars(select(Referral)))
    assert {r.status for r in referrals} == set(ReferralStatus)
    assert any(
        r.kind is NeedKind.HOUSING and r.status is ReferralStatus.COMPLETED for r in referrals
    )
    states = [rules.follow_up_state(r.status, r.follow_up_on, today=today()) for r in referrals]
    assert states.count(rules.FollowUpState.OVERDUE) == 1
    on_plan = [r for r in referrals if r.kind is NeedKind.SOBER_LIVING and r.aftercare_plan_id]
    assert len(on_plan) == 1
    plan = session.get(AftercarePlan, on_plan[0].aftercare_plan_id)
    assert plan is not None
    assert plan.sober_living_status is SoberLivingStatus.MOVED_IN
    assert plan.sober_living_house == on_plan[0].organization

    manager = security_repository.user_by_username(session, "casemanager")
    assert manager is not None
    work = service.worklist(session, actor=security_service.actor_for(manager), today=today())
    assert work.follow_ups or work.awaiting or work.needs

    before = _counts(session)
    assert _seed(session) == 0
    assert _counts(session) == before
