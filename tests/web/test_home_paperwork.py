"""The home page lists the paperwork each person owes: a clinician their overdue progress
notes and intakes due, a supervisor what waits for their co-signature, a case manager the
follow-ups of their referrals; a role that acts on none of it sees none of it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.clinical_notes.models import NoteStatus
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.case_management.factories import assign_case_manager, make_referral
from tests.clinical_notes.factories import (
    attended_appointment,
    make_world,
    signed_note,
    supervise,
)
from tests.factories import make_user, sign_in


def test_each_role_sees_the_paperwork_it_owes(client: TestClient, session: Session) -> None:
    world = make_world(session)
    # An individual session attended five days ago and never written up: overdue (the
    # default deadline is 72 hours).
    unwritten = attended_appointment(session, world, days_ago=5)
    # An intern whose signed note waits for the clinician's co-signature.
    intern = make_user(session, role=Role.CLINICIAN, site=world.site)
    supervise(session, world.clinician, intern)
    waiting = signed_note(
        session, world, attended_appointment(session, world, staff=intern, days_ago=2)
    )
    assert waiting.status is NoteStatus.AWAITING_COSIGNATURE
    # A referral whose follow-up date has passed, on the case manager's list.
    assign_case_manager(session, world.client, world.case_manager)
    make_referral(
        session,
        actor=world.actor(world.case_manager),
        client=world.client,
        organization="Harbor Housing Trust",
        made_on=today() - timedelta(days=10),
        follow_up_in=3,
    )
    session.commit()

    sign_in(client, world.clinician.username)
    home = client.get("/").text
    assert "Progress notes" in home
    assert f"/clinical-notes/new?appointment={unwritten.id}" in home
    assert 'href="/clinical-notes/cosign">1 note of staff you supervise waits' in home
    # The client was admitted 30 days ago (the factory) with no intake: due.
    assert "Intakes due (1)" in home
    assert world.client.record_number in home
    assert "Harbor Housing Trust" not in home  # case management is not a clinician's list

    client.cookies.clear()
    sign_in(client, world.case_manager.username)
    home = client.get("/").text
    assert "Harbor Housing Trust" in home
    assert "overdue" in home
    assert "Intakes due" not in home

    client.cookies.clear()
    sign_in(client, world.review.username)
    home = client.get("/").text
    for heading in ("Progress notes", "Intakes due", "to co-sign", "Case management"):
        assert heading not in home
