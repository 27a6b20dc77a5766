"""The demo's discharge summaries: signed ones that verify, one referral out's, one
discharge left unwritten so the reminder shows, and a second seeding adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.discharge_summaries import service
from stepdown.discharge_summaries.demo import seed_demo_discharge_summaries
from stepdown.discharge_summaries.models import DischargeSummary, SummaryKind, SummaryStatus
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from tests.factories import SYSTEM


def test_the_demo_has_signed_summaries_and_one_still_due(demo_session: Session) -> None:
    session = demo_session
    clients = list(
        session.scalars(
            select(Client).where(Client.record_number.like("DEMO-%")).order_by(Client.record_number)
        )
    )
    seed_demo_discharge_summaries(session, actor=SYSTEM, clients=clients)
    assert seed_demo_discharge_summaries(session, actor=SYSTEM, clients=clients) == 0

    summaries = list(session.scalars(select(DischargeSummary)))
    signed = [s for s in summaries if s.status is SummaryStatus.SIGNED]
    assert {s.kind for s in signed} == {SummaryKind.DISCHARGE, SummaryKind.REFERRAL_OUT}
    assert sum(s.kind is SummaryKind.REFERRAL_OUT for s in signed) == 1
    for summary in signed:
        view = service.get_summary(session, actor=SYSTEM, summary_id=summary.id)
        assert [(s.meaning.value, s.intact) for s in view.signatures] == [("author", True)]
        assert view.signed_by.endswith("(demo)")

    director = security_repository.user_by_username(session, "director")
    assert director is not None
    due = service.summaries_due(session, actor=security_service.actor_for(director))
    unwritten = [r for r in due if r.event.summary is None]
    assert [r.event.kind for r in unwritten] == [SummaryKind.DISCHARGE]
    drafts = [r for r in due if r.event.summary is not None]
    assert [r.event.kind for r in drafts] == [SummaryKind.REFERRAL_OUT]
    assert all(c.is_synthetic for c in (r.client for r in due))
