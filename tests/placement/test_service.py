"""Assessments and placement decisions on a real database, carried out through the continuum."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from stepdown.assessments import service as assessments_service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import EpisodeStatus, Track
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Invalid
from stepdown.placement import service
from stepdown.placement.models import AssessmentStatus, Discrepancy
from stepdown.placement.schemas import AssessmentInput, DecisionInput
from tests.factories import SYSTEM, make_client, make_site

MODERATE: dict[str, Any] = {
    "d1_rating": 1,
    "d2_rating": 0,
    "d3_rating": 2,
    "d4_rating": 1,
    "d5_rating": 2,
    "d6_rating": 1,
    "environment_stable": True,
    "day_available": False,
    "evening_available": True,
}


def assessment_input(**overrides: Any) -> AssessmentInput:
    return AssessmentInput.model_validate({**MODERATE, **overrides})


def signed(session: Session, client_id: Any, **overrides: Any) -> Any:
    draft = service.start_assessment(
        session, actor=SYSTEM, client_id=client_id, data=assessment_input(**overrides)
    )
    return service.sign(session, actor=SYSTEM, assessment_id=draft.id)


class TestAssessments:
    def test_signing_freezes_the_recommendation(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        assessment = signed(session, person.id)
        assert assessment.status is AssessmentStatus.SIGNED
        assert assessment.recommendation is not None
        assert assessment.recommendation["level"] == "IOP"
        assert assessment.recommendation["track"] == "evening"
        assert assessment.recommendation["reasons"]
        with pytest.raises(Conflict) as excinfo:
            service.update_draft(
                session,
                actor=SYSTEM,
                assessment_id=assessment.id,
                data=assessment_input(d1_rating=4),
            )
        assert excinfo.value.rule == "assessment.signed_is_read_only"

    def test_addendum_is_a_new_version(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        first = signed(session, person.id)
        second = service.addendum(session, actor=SYSTEM, assessment_id=first.id)
        assert (second.version, second.supersedes_id) == (2, first.id)
        assert second.status is AssessmentStatus.DRAFT
        assert second.d3_rating == first.d3_rating

    def test_the_chart_feeds_the_recommendation_without_ticking(self, session: Session) -> None:
        """Issue 11, finding 2: a result counts because it is on the chart, not because a
        clinician attached it."""
        person = make_client(session, site=make_site(session))
        assessments_service.record_response(
            session,
            actor=SYSTEM,
            client_id=person.id,
            code="audit",
            answers=[4, 4, 4, 2, 2, 2, 2, 2, 4, 4],
        )
        draft = service.start_assessment(
            session, actor=SYSTEM, client_id=person.id, data=assessment_input()
        )
        live = service.recommendation_for(session, actor=SYSTEM, assessment=draft)
        assert "WARN-AUDIT-D1" not in [r["rule_id"] for r in live["reasons"]]  # d1 is 1
        assert "FLOOR-AUDIT-IOP" in [r["rule_id"] for r in live["reasons"]]

    def test_a_result_is_left_out_only_with_a_reason(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        audit = assessments_service.record_response(
            session,
            actor=SYSTEM,
            client_id=person.id,
            code="audit",
            answers=[4, 4, 4, 2, 2, 2, 2, 2, 4, 4],
        ).response
        with pytest.raises(Invalid) as no_reason:
            service.start_assessment(
                session,
                actor=SYSTEM,
                client_id=person.id,
                data=assessment_input(exclusions=[{"response_id": audit.id, "reason": " "}]),
            )
        assert no_reason.value.field == "exclusions"
        draft = service.start_assessment(
            session,
            actor=SYSTEM,
            client_id=person.id,
            data=assessment_input(
                exclusions=[{"response_id": audit.id, "reason": "Given while intoxicated"}]
            ),
        )
        live = service.recommendation_for(session, actor=SYSTEM, assessment=draft)
        assert "FLOOR-AUDIT-IOP" not in [r["rule_id"] for r in live["reasons"]]
        kept = service.exclusions_of(session, draft)
        assert [(e.response_id, e.reason) for e in kept] == [(audit.id, "Given while intoxicated")]
        copy = service.addendum(
            session,
            actor=SYSTEM,
            assessment_id=service.sign(session, actor=SYSTEM, assessment_id=draft.id).id,
        )
        assert [e.reason for e in service.exclusions_of(session, copy)] == [
            "Given while intoxicated"
        ]

    def test_left_out_results_must_be_the_clients_own(self, session: Session) -> None:
        site = make_site(session)
        other = make_client(session, site=site)
        theirs = assessments_service.record_response(
            session, actor=SYSTEM, client_id=other.id, code="gad7", answers=[0] * 7
        ).response
        person = make_client(session, site=site)
        with pytest.raises(Invalid) as excinfo:
            service.start_assessment(
                session,
                actor=SYSTEM,
                client_id=person.id,
                data=assessment_input(exclusions=[{"response_id": theirs.id, "reason": "x"}]),
            )
        assert excinfo.value.field == "exclusions"


class TestDecisions:
    def test_accepting_admits_at_the_recommended_level(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        assessment = signed(session, person.id)
        decision = service.decide(
            session,
            actor=SYSTEM,
            assessment_id=assessment.id,
            data=DecisionInput(accept=True, on=today()),
        )
        assert (decision.placed_level, decision.placed_track) == ("IOP", "evening")
        assert decision.discrepancy is None
        census = continuum_service.census(session, actor=SYSTEM)
        assert census.counts["IOP"] >= 1
        with pytest.raises(Conflict) as excinfo:
            service.decide(
                session,
                actor=SYSTEM,
                assessment_id=assessment.id,
                data=DecisionInput(accept=True, on=today()),
            )
        assert excinfo.value.rule == "placement.already_decided"

    def test_placing_elsewhere_needs_a_reason(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        assessment = signed(session, person.id)
        elsewhere = {"accept": False, "level": "OP", "track": Track.EVENING, "on": today()}
        with pytest.raises(Invalid) as missing:
            service.decide(
                session,
                actor=SYSTEM,
                assessment_id=assessment.id,
                data=DecisionInput.model_validate(elsewhere),
            )
        assert missing.value.field == "discrepancy"
        with pytest.raises(Invalid) as other:
            service.decide(
                session,
                actor=SYSTEM,
                assessment_id=assessment.id,
                data=DecisionInput.model_validate({**elsewhere, "discrepancy": Discrepancy.OTHER}),
            )
        assert other.value.field == "discrepancy_text"
        decision = service.decide(
            session,
            actor=SYSTEM,
            assessment_id=assessment.id,
            data=DecisionInput.model_validate(
                {**elsewhere, "discrepancy": Discrepancy.CLIENT_PREFERENCE}
            ),
        )
        assert decision.discrepancy is Discrepancy.CLIENT_PREFERENCE
        report = service.report(session, actor=SYSTEM, date_from=today(), date_to=today())
        assert report.by_reason == {"client_preference": 1}
        assert report.agreed == 0

    def test_detox_recommendation_refers_out_and_needs_a_partner(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        assessment = signed(session, person.id, d1_rating=3, withdrawal_risk="severe")
        assert assessment.recommendation["level"] == "DETOX"
        with pytest.raises(Invalid) as excinfo:
            service.decide(
                session,
                actor=SYSTEM,
                assessment_id=assessment.id,
                data=DecisionInput(accept=True, on=today()),
            )
        assert excinfo.value.field == "partner_id"
        partner = continuum_service.create_partner(
            session, actor=SYSTEM, name="Detox partner", level_code="DETOX"
        )
        decision = service.decide(
            session,
            actor=SYSTEM,
            assessment_id=assessment.id,
            data=DecisionInput(accept=True, on=today(), partner_id=partner.id),
        )
        episode = continuum_service.get_episode(
            session, actor=SYSTEM, episode_id=decision.episode_id
        )  # type: ignore[arg-type]
        assert episode.status is EpisodeStatus.ON_HOLD

    def test_reassessment_steps_an_open_episode(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="PHP",
            track=Track.DAY,
            on=today() - timedelta(days=20),
            reason="r",
        )
        assessment = signed(session, person.id)
        service.decide(
            session,
            actor=SYSTEM,
            assessment_id=assessment.id,
            data=DecisionInput(accept=True, on=today()),
        )
        views = continuum_service.client_episodes(session, actor=SYSTEM, client=person)
        assert [s.transition.value for s in views[0].segments] == ["admit", "step_down"]

    def test_report_range_is_checked(self, session: Session) -> None:
        with pytest.raises(Invalid) as excinfo:
            service.report(
                session, actor=SYSTEM, date_from=date(2026, 2, 1), date_to=date(2026, 1, 1)
            )
        assert excinfo.value.field == "date_to"
