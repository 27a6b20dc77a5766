"""The demo's aftercare: plans, check-ins done, one missed with its alert, one due, a draft."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.aftercare import rules
from stepdown.aftercare.models import AftercarePlan, FollowUp, PlanStatus, RelapsePreventionCheckIn
from stepdown.alerts.models import Alert, AlertKind
from stepdown.demo.seed import seed
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit.clock import today
from tests.factories import SYSTEM


def test_demo_aftercare_shows_every_state_and_is_idempotent(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    session = demo_session
    plans = list(session.scalars(select(AftercarePlan)))
    assert {p.status for p in plans} == {PlanStatus.DRAFT, PlanStatus.FINAL}
    grace = {p.id: p.grace_days for p in plans}
    states = [
        rules.checkin_state(
            due_on=c.due_on,
            completed=c.completed_at is not None,
            today=today(),
            grace_days=grace[c.plan_id],
        )
        for c in session.scalars(select(RelapsePreventionCheckIn))
    ]
    for state in rules.CheckInState:
        assert state in states, state
    missed = session.scalar(
        select(func.count()).where(Alert.kind == AlertKind.AFTERCARE_CHECKIN_MISSED)
    )
    assert missed == states.count(rules.CheckInState.MISSED)
    assert session.scalar(select(func.count()).select_from(FollowUp))

    seed(
        session,
        actor=SYSTEM,
        secret_key="demo-test-key",
        documents=demo_documents,
        history=False,
    )
    assert session.scalar(select(func.count()).select_from(AftercarePlan)) == len(plans)
