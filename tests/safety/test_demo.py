"""The demo's safety data: one client on hold for a safety assessment, one with a plan."""

from __future__ import annotations

from sqlalchemy.orm import Session

from stepdown.kit.clock import today, utc_now
from stepdown.safety import service
from stepdown.safety.demo import HOLD_CLIENT, PLAN_CLIENT, seed_demo_safety
from stepdown.safety.rules import GateState
from tests.factories import SYSTEM, make_client, make_site


def test_one_client_on_hold_and_one_with_a_plan_once(session: Session) -> None:
    site = make_site(session)
    held, planned = make_client(session, site=site), make_client(session, site=site)
    held.record_number, planned.record_number = HOLD_CLIENT, PLAN_CLIENT
    session.flush()
    # The seed dates everything from the day it is given, relative to it (yesterday, three
    # days ago), so any day gives the same picture.
    for _ in range(2):  # idempotent
        seed_demo_safety(session, actor=SYSTEM, clients=[held, planned], today=today())
    now = utc_now()
    hold = service.status(session, actor=SYSTEM, client=held, as_of=now)
    assert hold.state is GateState.ASSESSMENT_REQUIRED
    assert len(hold.open_alert_ids) == 2
    plan = service.current_plan(session, actor=SYSTEM, client=planned)
    assert plan is not None
    assert plan.version == 1
    assert service.status(session, actor=SYSTEM, client=planned, as_of=now).state is (
        GateState.CLEAR
    )
