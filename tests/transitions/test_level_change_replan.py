"""Accepting a level-of-care review updates the week: the IOP groups that no longer fit are
released and the decision names the re-plan waiting for the director (issue 13)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.calendar.models import BookingStatus, BuildStatus
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode
from stepdown.transitions import service
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rules import ProposalKind
from tests.calendar.test_level_change import (
    Program,
    admit_iop,
    make_program,
    publish_iop_week,
    seats,
)
from tests.factories import SYSTEM, sign_in


def _step_down_review(
    session: Session, client: Client, episode: Episode, program: Program
) -> LevelReview:
    """A waiting proposal to step down from IOP to OP, as the nightly engine records it."""
    review = LevelReview(
        client_id=client.id,
        episode_id=episode.id,
        run_on=program.monday - timedelta(days=1),
        kind=ProposalKind.STEP_DOWN,
        from_level_id=continuum_service.level_by_code(session, "IOP").id,
        target_level_id=continuum_service.level_by_code(session, "OP").id,
        discharge=False,
        reasons=[{"rule_id": "stable", "sentence": "Stable for four weeks", "drives": True}],
        urgency=1,
        next_review_due=program.monday + timedelta(days=14),
        status=ReviewStatus.PROPOSED,
        rule_table_version=1,
    )
    session.add(review)
    session.flush()
    return review


def _accepted(session: Session, program: Program) -> tuple[Client, LevelReview]:
    client, episode = admit_iop(session, program)
    other, _ = admit_iop(session, program)
    publish_iop_week(session, program, [client, other])
    review = _step_down_review(session, client, episode, program)
    accepted = service.accept(session, actor=SYSTEM, review_id=review.id, on=program.day("wed"))
    return client, accepted


class TestAccept:
    def test_releases_the_iop_groups_and_names_the_re_plan(self, session: Session) -> None:
        program = make_program(session)
        client, review = _accepted(session, program)
        wednesday = program.day("wed")
        assert review.status is ReviewStatus.ACCEPTED
        assert review.outcome == (
            f"step down to OP (evening) on {wednesday}; re-plan for the week of "
            f"{program.monday} waits for the director"
        )
        booked = seats(session, client)
        assert [g for g, s in booked.items() if s is BookingStatus.SCHEDULED] == [
            "IOP-mon",
            "IOP-tue",
        ]
        found = service.client_reviews(session, actor=SYSTEM, client_id=client.id)
        (draft,) = [b for b in found.replans if b.week_of == program.monday]
        assert (draft.status, draft.applies_from) == (BuildStatus.DRAFT, wednesday)

    def test_no_published_week_means_nothing_to_propose(self, session: Session) -> None:
        program = make_program(session)
        client, episode = admit_iop(session, program)
        review = _step_down_review(session, client, episode, program)
        accepted = service.accept(session, actor=SYSTEM, review_id=review.id, on=program.day("wed"))
        assert accepted.outcome == f"step down to OP (evening) on {program.day('wed')}"


class TestChartTab:
    def test_the_director_gets_a_link_to_the_proposed_build(
        self, client: TestClient, session: Session
    ) -> None:
        program = make_program(session)
        person, _ = _accepted(session, program)
        found = service.client_reviews(session, actor=SYSTEM, client_id=person.id)
        draft = next(b for b in found.replans if b.status is BuildStatus.DRAFT)
        sign_in(client, program.director.username)
        html = client.get(f"/clients/{person.id}?tab=reviews").text
        assert "a re-plan for the level change waits for the director" in html
        assert f'href="/schedule/builds/{draft.id}"' in html

    def test_the_clinician_is_told_without_a_link_they_could_not_open(
        self, client: TestClient, session: Session
    ) -> None:
        program = make_program(session)
        person, _ = _accepted(session, program)
        sign_in(client, program.therapist.username)
        html = client.get(f"/clients/{person.id}?tab=reviews").text
        assert "a re-plan for the level change waits for the director (week of" in html
        assert 'href="/schedule/builds/' not in html
