"""The demo seeds alumni events, volunteers and both kinds of mentorship, once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alumni import service
from stepdown.alumni.models import AlumniEvent, AlumniVolunteer, Mentorship, Rsvp, RsvpStatus
from stepdown.demo.seed import seed
from stepdown.documents.storage import LocalDirectoryStorage
from tests.factories import SYSTEM


def test_the_demo_has_alumni_work_to_show(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    session = demo_session
    events = session.scalar(select(func.count()).select_from(AlumniEvent))
    assert events == 4
    statuses = Counter(session.scalars(select(Mentorship.status)))
    assert statuses == {"proposed": 1, "active": 1}
    views = service.list_volunteers(session, actor=SYSTEM, min_recovery_days=365)
    assert len(views) >= 3
    assert sum(v.eligible for v in views) == len(views) - 1
    assert [v.refusals for v in views if not v.eligible] == [["mentor.recovery_too_short"]]
    answers = Counter(session.scalars(select(Rsvp.status)))
    assert answers[RsvpStatus.WAITLISTED] == 1

    seed(
        session,
        actor=SYSTEM,
        secret_key="demo-test-key",
        documents=demo_documents,
        history=False,
    )
    assert session.scalar(select(func.count()).select_from(AlumniEvent)) == events
    assert session.scalar(select(func.count()).select_from(AlumniVolunteer)) == len(views)
