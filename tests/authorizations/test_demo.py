"""The demo has authorizations in every state and a UR desk with something due today."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.authorizations import service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus
from tests.factories import SYSTEM


def test_every_state_and_a_desk_with_work_today(demo_session: Session) -> None:
    session = demo_session
    states = set(session.scalars(select(Authorization.status)))
    assert states == set(AuthStatus)
    desk = service.desk(session, actor=SYSTEM)
    assert desk.due_today
    assert desk.overdue
    assert desk.running_out
    assert desk.pending
    assert desk.denied
    low = session.scalars(select(Authorization).where(Authorization.auth_number == "DEMO-LOW"))
    for found in low:
        assert service.view_of(session, found).balance.remaining <= 2
