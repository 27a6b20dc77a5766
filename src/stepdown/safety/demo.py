"""Safety data for the demo program (synthetic, like every demo record).

* DEMO-0013 (OP, the demo clinician's client) is on hold for a safety assessment: a PHQ-9
  yesterday with item 9 answered "several days" and a C-SSRS screener with a method in mind
  (moderate risk), both raising their alerts, so the chart, placement and the review queue
  all show the hold.
* DEMO-0001, the demo portal client, has a safety plan from a low-risk assessment a few days
  ago, so the portal's "My safety plan" page has something to show.

Idempotent: nothing is added to a client who already has a result or an assessment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from stepdown.assessments import service as assessments_service
from stepdown.clients.models import Client
from stepdown.safety import service
from stepdown.safety.rules import Disposition, RiskLevel
from stepdown.safety.schemas import SafetyAssessmentInput, SafetyPlanInput
from stepdown.security.actor import Actor

HOLD_CLIENT = "DEMO-0013"
PLAN_CLIENT = "DEMO-0001"
AT = time(15, 0)

PHQ9_ITEM9 = [2, 2, 1, 2, 1, 2, 1, 1, 1]  # total 13 (moderate), item 9 "several days"
CSSRS_MODERATE = [1, 1, 1, 0, 0, 0]  # thoughts with a method, no intent, no behaviour

DEMO_PLAN = SafetyPlanInput(
    warning_signs=["Lying awake going over money worries", "Skipping the evening group"],
    coping_strategies=["Walk around the block with headphones on", "Cold shower, then tea"],
    distractions=["The coffee shop on Main Street", "Cousin's Sunday dinner"],
    people_to_ask=["Sister (synthetic demo contact)", "Sponsor from the Tuesday meeting"],
    professionals=["Primary clinician at the program, weekdays 9-5"],
    making_safe=["Sister keeps the spare medications", "No alcohol in the apartment"],
    reason_for_living="My daughter's graduation next spring",
)


def seed_demo_safety(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> None:
    by_number = {c.record_number: c for c in clients}
    held = by_number.get(HOLD_CLIENT)
    if held is not None and not assessments_service.list_responses(
        session, actor=actor, client=held
    ):
        yesterday = datetime.combine(today - timedelta(days=1), AT, tzinfo=UTC)
        for code, answers in (("phq9", PHQ9_ITEM9), ("cssrs", CSSRS_MODERATE)):
            assessments_service.record_response(
                session,
                actor=actor,
                client_id=held.id,
                code=code,
                answers=list(answers),
                administered_at=yesterday,
            )
    planned = by_number.get(PLAN_CLIENT)
    if planned is not None and service.current_plan(session, actor=actor, client=planned) is None:
        service.record_assessment(
            session,
            actor=actor,
            client_id=planned.id,
            data=SafetyAssessmentInput(
                assessed_at=datetime.combine(today - timedelta(days=3), AT, tzinfo=UTC),
                risk_level=RiskLevel.LOW,
                disposition=Disposition.OUTPATIENT_WITH_PLAN,
                rationale="Demo: passive thoughts during a hard week, no plan, intent or "
                "behaviour; strong supports; plan written together.",
                plan=DEMO_PLAN,
            ),
        )
