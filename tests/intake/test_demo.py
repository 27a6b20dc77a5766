"""The demo's intakes: most clients in care signed, one draft, some left due; signatures
that verify; a second seeding adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.intake import demo, service
from stepdown.intake.models import Intake, IntakeStatus
from stepdown.security import signing
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user


def test_the_demo_seeds_signed_intakes_one_draft_and_leaves_some_due(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    clinician.is_synthetic = True
    clients = []
    for _ in range(9):
        person = make_client(session, site=site, clinician=clinician)
        make_episode(session, client=person)
        clients.append(person)
    written = demo.seed_demo_intake(session, actor=SYSTEM, clients=clients)
    intakes = list(
        session.scalars(select(Intake).where(Intake.client_id.in_([c.id for c in clients])))
    )
    assert written == len(intakes) == 9 - 9 // demo.SKIP_EVERY
    statuses = sorted(i.status for i in intakes)
    assert statuses.count(IntakeStatus.DRAFT) == 1
    for intake in intakes:
        assert intake.author_id == clinician.id
        assert "Synthetic demo record" in intake.presenting_problem
        if intake.signed:
            view = service.view(session, intake)
            assert view.intact is True
            assert intake.signed_by == clinician.id
            assert signing.signatures_of(session, service.ENTITY, intake.id)
    assert demo.seed_demo_intake(session, actor=SYSTEM, clients=clients) == 0
