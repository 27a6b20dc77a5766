"""Recording safety assessments and plans on a real database, and the gate read from it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert
from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.kit.errors import Invalid
from stepdown.safety import service
from stepdown.safety.rules import CRISIS_LINE, Disposition, GateState, RiskLevel
from stepdown.safety.schemas import SafetyAssessmentInput, SafetyPlanInput
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_response, make_site, make_user

PLAN = SafetyPlanInput(
    warning_signs=["Not sleeping, pulling away from people"],
    coping_strategies=["Walk the dog", "Shower and music"],
    people_to_ask=["My sister Ana (555-0100)"],
    professionals=["My clinician at the program (555-0199)"],
    making_safe=["My sister keeps my medications"],
    reason_for_living="My kids",
)


def in_care(session: Session) -> tuple[Client, Actor]:
    """A client and their primary clinician, who acknowledges alerts (the system may not)."""
    site = make_site(session)
    user = make_user(session, role=Role.CLINICIAN, site=site)
    return make_client(session, site=site, clinician=user), security_service.actor_for(user)


def assessment(**overrides: object) -> SafetyAssessmentInput:
    fields: dict[str, object] = {
        "risk_level": RiskLevel.MODERATE,
        "disposition": Disposition.OUTPATIENT_WITH_PLAN,
        "rationale": "Passive ideation, no plan or intent, strong supports; agrees to the plan.",
        "plan": PLAN,
    }
    fields.update(overrides)
    return SafetyAssessmentInput.model_validate(fields)


def test_a_high_cssrs_holds_until_assessed_with_a_plan(session: Session) -> None:
    person, clinician = in_care(session)
    make_response(session, client=person, code="cssrs", answers=[1, 1, 1, 1, 0, 0])
    before = service.status(session, actor=SYSTEM, client=person)
    assert before.state is GateState.CRISIS_REFERRAL
    assert len(before.open_alert_ids) == 1

    recorded = service.record_assessment(
        session, actor=clinician, client_id=person.id, data=assessment()
    )
    after = service.status(session, actor=SYSTEM, client=person)
    assert after.state is GateState.CLEAR
    assert recorded.acknowledged_alerts == list(before.open_alert_ids)
    alert = session.get(Alert, uuid.UUID(recorded.acknowledged_alerts[0]))
    assert alert is not None
    assert "Safety assessment" in alert.acknowledgement_note
    plan = service.current_plan(session, actor=SYSTEM, client=person)
    assert plan is not None
    assert plan.version == 1
    assert plan.reason_for_living == "My kids"
    assert CRISIS_LINE.startswith("988")


def test_outpatient_care_needs_a_complete_plan(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as missing:
        service.record_assessment(
            session, actor=SYSTEM, client_id=person.id, data=assessment(plan=None)
        )
    assert missing.value.field == "plan"
    thin = PLAN.model_copy(update={"making_safe": []})
    with pytest.raises(Invalid) as gap:
        service.record_assessment(
            session, actor=SYSTEM, client_id=person.id, data=assessment(plan=thin)
        )
    assert gap.value.field == "making_safe"


def test_sent_out_needs_no_plan_and_keeps_the_gate_closed(session: Session) -> None:
    person, clinician = in_care(session)
    make_response(session, client=person, code="cssrs", answers=[1, 1, 1, 1, 1, 2])
    service.record_assessment(
        session,
        actor=clinician,
        client_id=person.id,
        data=assessment(
            risk_level=RiskLevel.HIGH, disposition=Disposition.PSYCHIATRIC_INPATIENT, plan=None
        ),
    )
    assert service.status(session, actor=SYSTEM, client=person).state is GateState.HOSPITAL


def test_an_alert_left_open_keeps_the_hold(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    make_response(session, client=person, code="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 1])
    service.record_assessment(
        session, actor=SYSTEM, client_id=person.id, data=assessment(acknowledge_alert_ids=[])
    )
    status = service.status(session, actor=SYSTEM, client=person)
    assert status.state is GateState.ASSESSMENT_REQUIRED
    assert status.reasons[0].rule_id == "SAFETY-OPEN-ALERT"


def test_recording_is_audited(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    recorded = service.record_assessment(
        session, actor=SYSTEM, client_id=person.id, data=assessment()
    )
    entries = session.scalars(select(AuditEntry).where(AuditEntry.client_id == person.id))
    kinds = {(e.entity_type, e.action.value) for e in entries}
    assert ("safety_assessment", "create") in kinds
    assert ("safety_plan", "create") in kinds
    assert recorded.plan_id is not None
