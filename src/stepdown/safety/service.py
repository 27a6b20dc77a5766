"""Use cases: the safety gate for a client, recording a safety assessment with its plan,
and reading the plan (chart, portal).

The gate (``status``) is what placement and the level-of-care review consult before they
recommend or allow anything: it reads the client's instrument results through the
assessments service (an audited read), their open safety alerts and their safety
assessments, and applies ``rules.evaluate``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert
from stepdown.assessments import service as assessments_service
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit.clock import local, utc_now
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.safety import access, rules
from stepdown.safety.models import SafetyAssessment, SafetyPlan
from stepdown.safety.schemas import SafetyAssessmentInput, SafetyPlanInput
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

# How far back an assessment may be dated when it is recorded later the same week.
BACKDATE_LIMIT = timedelta(days=7)
# Clocks differ a little between a tablet and the server.
CLOCK_SKEW = timedelta(minutes=5)


def _require(policy: Policy, actor: Actor) -> None:
    """Jobs and the CLI act as the system, which reads the gate on the program's behalf."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _assessments(session: Session, client_id: uuid.UUID) -> list[SafetyAssessment]:
    return list(
        session.scalars(
            select(SafetyAssessment)
            .where(SafetyAssessment.client_id == client_id)
            .order_by(SafetyAssessment.assessed_at.desc())
        )
    )


def _facts(assessment: SafetyAssessment) -> rules.AssessmentFacts:
    return rules.AssessmentFacts(
        assessment_id=str(assessment.id),
        assessed_at=assessment.assessed_at,
        risk_level=assessment.risk_level,
        disposition=assessment.disposition,
        has_safety_plan=assessment.plan_id is not None,
    )


def _open_alert(alert: Alert) -> rules.OpenAlert:
    return rules.OpenAlert(
        alert_id=str(alert.id),
        kind=alert.kind.value,
        severity=alert.severity.value,
        summary=alert.summary,
        raised_at=alert.created_at,
    )


def status(
    session: Session, *, actor: Actor, client: Client, as_of: datetime | None = None
) -> rules.SafetyStatus:
    """The safety gate for a client the actor has already loaded (through the clients
    service), on ``as_of`` (default now)."""
    as_of = as_of or utc_now()
    responses = [
        r
        for r in assessments_service.list_responses(session, actor=actor, client=client)
        if not r.entered_in_error and r.instrument in ("cssrs", "phq9")
    ]
    cssrs = [
        rules.CssrsResult(str(r.id), tuple(r.answers), r.administered_at)
        for r in responses
        if r.instrument == "cssrs"
    ]
    phq9 = [
        rules.Phq9Result(str(r.id), r.answers[8], r.administered_at)
        for r in responses
        if r.instrument == "phq9" and len(r.answers) >= 9
    ]
    return rules.evaluate(
        as_of=as_of,
        open_alerts=[
            _open_alert(a) for a in alerts_service.open_safety_alerts(session, client_id=client.id)
        ],
        cssrs=cssrs,
        phq9=phq9,
        assessments=[_facts(a) for a in _assessments(session, client.id) if not a.entered_in_error],
    )


def status_for(
    session: Session, *, actor: Actor, client_id: uuid.UUID, as_of: datetime | None = None
) -> rules.SafetyStatus:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return status(session, actor=actor, client=client, as_of=as_of)


def _next_plan_version(session: Session, client_id: uuid.UUID) -> int:
    highest = session.scalar(
        select(func.max(SafetyPlan.version)).where(SafetyPlan.client_id == client_id)
    )
    return (highest or 0) + 1


def _save_plan(session: Session, actor: Actor, client: Client, data: SafetyPlanInput) -> SafetyPlan:
    steps = data.model_dump()
    gaps = rules.plan_gaps(steps)
    if gaps:
        label = dict(rules.PLAN_STEPS)[gaps[0]]
        raise Invalid(f"the safety plan needs at least one line under {label}", field=gaps[0])
    plan = SafetyPlan(
        client_id=client.id,
        version=_next_plan_version(session, client.id),
        created_at=utc_now(),
        created_by=actor.user_id,
        **steps,
    )
    session.add(plan)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="safety_plan",
        entity_id=plan.id,
        client_id=client.id,
        detail={"version": plan.version},
    )
    return plan


def _assessed_at(data: SafetyAssessmentInput, now: datetime) -> datetime:
    when = data.assessed_at or now
    if when.tzinfo is None:
        raise Invalid("give the time with its UTC offset", field="assessed_at")
    if when > now + CLOCK_SKEW:
        raise Invalid("the assessment cannot be in the future", field="assessed_at")
    if when < now - BACKDATE_LIMIT:
        raise Invalid("an assessment may be dated at most 7 days back", field="assessed_at")
    return when


def record_assessment(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: SafetyAssessmentInput
) -> SafetyAssessment:
    """Document a safety assessment; for a client who stays in outpatient care, with the
    safety plan written or revised with them. Acknowledges the open safety alerts it
    answers (by default all of them), so the gate can clear in one step."""
    _require(access.ASSESS, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    now = utc_now()
    assessed_at = _assessed_at(data, now)
    if not data.rationale:
        raise Invalid(
            "write the formulation: why this risk level and disposition", field="rationale"
        )
    plan = None
    if not data.disposition.sends_out:
        if data.plan is None:
            raise Invalid("a client who stays in outpatient care needs a safety plan", field="plan")
        plan = _save_plan(session, actor, client, data.plan)
    open_alerts = alerts_service.open_safety_alerts(session, client_id=client.id)
    chosen = (
        {a.id for a in open_alerts}
        if data.acknowledge_alert_ids is None
        else set(data.acknowledge_alert_ids)
    )
    unknown = chosen - {a.id for a in open_alerts}
    if unknown:
        raise Invalid(
            "only this client's open safety alerts can be acknowledged here",
            field="acknowledge_alert_ids",
        )
    assessment = SafetyAssessment(
        client_id=client.id,
        assessed_at=assessed_at,
        recorded_at=now,
        assessed_by=actor.user_id,
        risk_level=data.risk_level,
        disposition=data.disposition,
        risk_factors=data.risk_factors,
        protective_factors=data.protective_factors,
        rationale=data.rationale,
        follow_up=data.follow_up,
        plan_id=plan.id if plan else None,
        acknowledged_alerts=sorted(str(a) for a in chosen),
    )
    session.add(assessment)
    session.flush()
    note = (
        f"Safety assessment of {local(assessed_at):%Y-%m-%d %H:%M %Z}: risk "
        f"{data.risk_level.value}; {data.disposition.label.lower()}."
    )
    for alert in open_alerts:
        if alert.id in chosen:
            alerts_service.acknowledge(session, actor=actor, alert_id=alert.id, note=note)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="safety_assessment",
        entity_id=assessment.id,
        client_id=client.id,
        detail={
            "risk_level": data.risk_level.value,
            "disposition": data.disposition.value,
            "plan_version": plan.version if plan else None,
            "acknowledged_alerts": len(chosen),
        },
    )
    return assessment


def _current_plan(session: Session, client_id: uuid.UUID) -> SafetyPlan | None:
    return session.scalar(
        select(SafetyPlan)
        .where(SafetyPlan.client_id == client_id)
        .order_by(SafetyPlan.version.desc())
        .limit(1)
    )


def current_plan(session: Session, *, actor: Actor, client: Client) -> SafetyPlan | None:
    """The client's current safety plan; an audited read when there is one."""
    _require(access.READ, actor)
    plan = _current_plan(session, client.id)
    if plan is not None:
        audit_service.record_reads(
            session, actor=actor, entity_type="safety_plan", client_ids=[client.id]
        )
    return plan


def own_plan(session: Session, *, actor: Actor) -> tuple[Client, SafetyPlan | None]:
    """The signed-in client's own current plan, for the portal."""
    if actor.role is not Role.CLIENT:
        raise Forbidden("only a client reads their own safety plan here")
    client = clients_service.own_record(session, actor=actor)
    if client is None:
        raise Forbidden("your account is not linked to a client record yet")
    plan = _current_plan(session, client.id)
    if plan is not None:
        audit_service.record_reads(
            session, actor=actor, entity_type="safety_plan", client_ids=[client.id]
        )
    return client, plan


@dataclass(frozen=True)
class SafetyTab:
    status: rules.SafetyStatus
    assessments: list[SafetyAssessment]
    plan: SafetyPlan | None
    open_alerts: list[Alert]
    can_assess: bool
    crisis_line: str = rules.CRISIS_LINE
    risk_levels: tuple[rules.RiskLevel, ...] = tuple(rules.RiskLevel)
    dispositions: tuple[rules.Disposition, ...] = tuple(rules.Disposition)
    plan_steps: tuple[tuple[str, str], ...] = rules.PLAN_STEPS


def chart_tab(session: Session, *, actor: Actor, client: Client) -> SafetyTab:
    """The chart's Safety tab: the gate, the assessments, the plan and the form."""
    _require(access.READ, actor)
    assessments = _assessments(session, client.id)
    if assessments:
        audit_service.record_reads(
            session, actor=actor, entity_type="safety_assessment", client_ids=[client.id]
        )
    return SafetyTab(
        status=status(session, actor=actor, client=client),
        assessments=assessments,
        plan=current_plan(session, actor=actor, client=client),
        open_alerts=alerts_service.open_safety_alerts(session, client_id=client.id),
        can_assess=access.ASSESS.allows(actor.role),
    )
