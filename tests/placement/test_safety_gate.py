"""Issue 11: placement with live suicide risk, on a real database.

Each test reproduces a finding of the clinical review (they failed before the gate):
1. placement ignored live suicide risk and ``decide()`` accepted an outpatient level at once;
2. placement saw an instrument only if the clinician ticked it as evidence;
4. Dimension 2 or 3 rated 4 was referred to residential care instead of hospital care.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from stepdown.continuum import service as continuum_service
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict
from stepdown.placement import service
from stepdown.placement.schemas import AssessmentInput, DecisionInput
from stepdown.safety import service as safety_service
from stepdown.safety.rules import Disposition, RiskLevel
from stepdown.safety.schemas import SafetyAssessmentInput
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.factories import make_client, make_response, make_site, make_user
from tests.safety.test_service import PLAN

# Dimension 3 rated 1, everything mild: without the gate this is OP.
MILD: dict[str, Any] = {
    "d1_rating": 0,
    "d2_rating": 0,
    "d3_rating": 1,
    "d4_rating": 1,
    "d5_rating": 1,
    "d6_rating": 1,
    "environment_stable": True,
    "day_available": True,
    "evening_available": True,
}
HIGH_CSSRS = [1, 1, 1, 1, 0, 0]  # intent in the past month


def setup(session: Session) -> tuple[Any, Actor]:
    site = make_site(session)
    user = make_user(session, role=Role.CLINICIAN, site=site)
    return make_client(session, site=site, clinician=user), security_service.actor_for(user)


def signed(session: Session, actor: Actor, client_id: Any, **overrides: Any) -> Any:
    data = AssessmentInput.model_validate({**MILD, **overrides})
    draft = service.start_assessment(session, actor=actor, client_id=client_id, data=data)
    return service.sign(session, actor=actor, assessment_id=draft.id)


def accept(session: Session, actor: Actor, assessment_id: Any, **extra: Any) -> Any:
    return service.decide(
        session,
        actor=actor,
        assessment_id=assessment_id,
        data=DecisionInput(accept=True, on=today(), **extra),
    )


def test_a_high_cssrs_not_ticked_still_holds_placement(session: Session) -> None:
    """Findings 1 and 2: a high C-SSRS two hours earlier, never attached to the assessment,
    used to give OP with no safety reason at all."""
    person, clinician = setup(session)
    make_response(
        session,
        client=person,
        code="cssrs",
        answers=HIGH_CSSRS,
        administered_at=utc_now() - timedelta(hours=2),
    )
    assessment = signed(session, clinician, person.id)
    recommendation = assessment.recommendation
    assert recommendation["level"] == "HOSPITAL"
    assert recommendation["level"] not in ("OP", "IOP", "AFTERCARE")
    assert recommendation["safety"] == "crisis_referral"
    assert [r["rule_id"] for r in recommendation["reasons"][:2]] == [
        "SAFETY-OPEN-ALERT",
        "SAFETY-CSSRS-INTENT-OR-PLAN",
    ]
    with pytest.raises(Conflict) as refused:
        accept(session, clinician, assessment.id)
    assert refused.value.rule == service.SAFETY_HOLD_RULE
    with pytest.raises(Conflict) as elsewhere:
        service.decide(
            session,
            actor=clinician,
            assessment_id=assessment.id,
            data=DecisionInput.model_validate(
                {
                    "accept": False,
                    "level": "OP",
                    "track": "day",
                    "discrepancy": "clinical_judgment",
                    "on": today(),
                }
            ),
        )
    assert elsewhere.value.rule == service.SAFETY_HOLD_RULE


def test_after_a_safety_assessment_and_plan_placement_proceeds(session: Session) -> None:
    person, clinician = setup(session)
    make_response(session, client=person, code="phq9", answers=[1, 1, 1, 0, 0, 0, 0, 0, 1])
    on_hold = signed(session, clinician, person.id)
    assert on_hold.recommendation["level"] is None
    assert on_hold.recommendation["then_level"] == "OP"
    safety_service.record_assessment(
        session,
        actor=clinician,
        client_id=person.id,
        data=SafetyAssessmentInput(
            risk_level=RiskLevel.LOW,
            disposition=Disposition.OUTPATIENT_WITH_PLAN,
            rationale="Passive thoughts two weeks ago, none now; no plan, intent or behaviour.",
            plan=PLAN,
        ),
    )
    with pytest.raises(Conflict) as stale:
        accept(session, clinician, on_hold.id)
    assert stale.value.rule == service.RECOMMENDED_ON_HOLD_RULE
    addendum = service.addendum(session, actor=clinician, assessment_id=on_hold.id)
    fresh = service.sign(session, actor=clinician, assessment_id=addendum.id)
    assert fresh.recommendation["level"] == "OP"
    assert fresh.recommendation["reasons"][0]["rule_id"] == "SAFETY-ASSESSED"
    decision = accept(session, clinician, fresh.id)
    assert decision.placed_level == "OP"


def test_sent_to_hospital_only_a_hospital_referral_is_placed(session: Session) -> None:
    person, clinician = setup(session)
    make_response(session, client=person, code="cssrs", answers=[1, 1, 1, 1, 1, 2])
    safety_service.record_assessment(
        session,
        actor=clinician,
        client_id=person.id,
        data=SafetyAssessmentInput(
            risk_level=RiskLevel.HIGH,
            disposition=Disposition.PSYCHIATRIC_INPATIENT,
            rationale="Plan and intent, attempt last month: admitted.",
        ),
    )
    assessment = signed(session, clinician, person.id)
    assert assessment.recommendation["level"] == "HOSPITAL"
    with pytest.raises(Conflict) as refused:
        service.decide(
            session,
            actor=clinician,
            assessment_id=assessment.id,
            data=DecisionInput.model_validate(
                {
                    "accept": False,
                    "level": "IOP",
                    "track": "day",
                    "discrepancy": "client_preference",
                    "on": today(),
                }
            ),
        )
    assert refused.value.rule == service.HOSPITAL_RULE
    hospital = continuum_service.create_partner(
        session, actor=clinician, name="County hospital", level_code="HOSPITAL"
    )
    decision = accept(session, clinician, assessment.id, partner_id=hospital.id)
    assert decision.placed_level == "HOSPITAL"


@pytest.mark.parametrize("dimension", ["d2_rating", "d3_rating"])
def test_severity_4_in_dimension_2_or_3_goes_to_hospital(session: Session, dimension: str) -> None:
    """Finding 4: severity 4 there is ASAM level 4 (hospital), not a residential program."""
    person, clinician = setup(session)
    assessment = signed(session, clinician, person.id, **{dimension: 4})
    assert assessment.recommendation["level"] == "HOSPITAL"
    assert assessment.recommendation["referral_out"] is True
    assert continuum_service.level_by_code(session, "HOSPITAL").provided_in_house is False
