"""Use cases: multidimensional assessments (draft, sign, addendum), the recommendation, the
placement decision (carried out through the continuum service) and the discrepancy report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.assessments import service as assessments_service
from stepdown.assessments.models import InstrumentResponse
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import EpisodeStatus, Track, Transition
from stepdown.kit.clock import day_start, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.placement import access, evidence, rule_store, rules
from stepdown.placement.models import (
    AssessmentExclusion,
    AssessmentStatus,
    DimensionalAssessment,
    Discrepancy,
    PlacementDecision,
)
from stepdown.placement.schemas import AssessmentInput, DecisionInput, ExclusionInput
from stepdown.safety import rules as safety_rules
from stepdown.safety import service as safety_service
from stepdown.security.actor import Actor

RATING_FIELDS = tuple(f"d{n}_rating" for n in range(1, 7))
NOTE_FIELDS = tuple(f"d{n}_notes" for n in range(1, 7))
FACT_FIELDS = (
    "withdrawal_risk",
    "environment_stable",
    "recent_level",
    "co_occurring",
    "day_available",
    "evening_available",
    "summary",
)


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
    )


def list_assessments(
    session: Session, *, actor: Actor, client: Client
) -> list[DimensionalAssessment]:
    found = list(
        session.scalars(
            select(DimensionalAssessment)
            .where(DimensionalAssessment.client_id == client.id)
            .order_by(DimensionalAssessment.version.desc())
        )
    )
    if found:
        _audit(session, actor, AuditAction.READ, "dimensional_assessment", client.id, client.id)
    return found


def get_assessment(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID
) -> DimensionalAssessment:
    visible = clients_repository.readable(actor).with_only_columns(Client.id).scalar_subquery()
    assessment = session.scalar(
        select(DimensionalAssessment).where(
            DimensionalAssessment.id == assessment_id,
            DimensionalAssessment.client_id.in_(visible),
        )
    )
    if assessment is None:
        raise NotFound("no such assessment, or not one you may see")
    _audit(
        session,
        actor,
        AuditAction.READ,
        "dimensional_assessment",
        assessment.id,
        assessment.client_id,
    )
    return assessment


def exclusions_of(session: Session, assessment: DimensionalAssessment) -> list[AssessmentExclusion]:
    return list(
        session.scalars(
            select(AssessmentExclusion)
            .where(AssessmentExclusion.assessment_id == assessment.id)
            .order_by(AssessmentExclusion.excluded_at)
        )
    )


def _set_exclusions(
    session: Session,
    actor: Actor,
    assessment: DimensionalAssessment,
    wanted: list[ExclusionInput],
) -> None:
    """Keep exactly the exclusions asked for; each needs its own written reason and must be
    one of this client's results. Audited with the reasons, as they change the
    recommendation."""
    client = clients_service.get_client(session, actor=actor, client_id=assessment.client_id)
    found = {r.id for r in assessments_service.list_responses(session, actor=actor, client=client)}
    for item in wanted:
        if item.response_id not in found:
            raise Invalid(
                f"instrument result {item.response_id} is not this client's", field="exclusions"
            )
        if not item.reason.strip():
            raise Invalid(
                "say why the result is left out of the recommendation", field="exclusions"
            )
    before = {e.response_id: e for e in exclusions_of(session, assessment)}
    after = {item.response_id: item.reason.strip() for item in wanted}
    for response_id, row in before.items():
        if after.get(response_id) != row.reason:
            session.delete(row)
    session.flush()
    added = {
        rid: reason
        for rid, reason in after.items()
        if before.get(rid) is None or before[rid].reason != reason
    }
    for response_id, reason in added.items():
        session.add(
            AssessmentExclusion(
                assessment_id=assessment.id,
                response_id=response_id,
                reason=reason,
                excluded_by=actor.user_id,
                excluded_at=utc_now(),
            )
        )
    if added or set(before) - set(after):
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            "assessment_exclusion",
            assessment.id,
            assessment.client_id,
            {
                "excluded": {str(rid): reason for rid, reason in added.items()},
                "included_again": sorted(str(rid) for rid in set(before) - set(after)),
            },
        )


def _next_version(session: Session, client_id: uuid.UUID) -> int:
    highest = session.scalar(
        select(func.max(DimensionalAssessment.version)).where(
            DimensionalAssessment.client_id == client_id
        )
    )
    return (highest or 0) + 1


def start_assessment(
    session: Session, *, actor: Actor, client_id: uuid.UUID, data: AssessmentInput
) -> DimensionalAssessment:
    """A new draft version for the client."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    assessment = DimensionalAssessment(
        client_id=client.id,
        version=_next_version(session, client.id),
        status=AssessmentStatus.DRAFT,
        created_by=actor.user_id,
        **data.model_dump(exclude={"exclusions"}),
    )
    session.add(assessment)
    session.flush()
    _set_exclusions(session, actor, assessment, data.exclusions)
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "dimensional_assessment",
        assessment.id,
        client.id,
        {"version": assessment.version},
    )
    return assessment


def update_draft(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID, data: AssessmentInput
) -> DimensionalAssessment:
    assessment = get_assessment(session, actor=actor, assessment_id=assessment_id)
    if assessment.status is AssessmentStatus.SIGNED:
        raise Conflict(
            "This assessment is signed and read-only; write an addendum instead.",
            rule="assessment.signed_is_read_only",
        )
    for field, value in data.model_dump(exclude={"exclusions"}).items():
        setattr(assessment, field, value)
    _set_exclusions(session, actor, assessment, data.exclusions)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "dimensional_assessment",
        assessment.id,
        assessment.client_id,
    )
    return assessment


def addendum(session: Session, *, actor: Actor, assessment_id: uuid.UUID) -> DimensionalAssessment:
    """A new draft copying a signed version, which it supersedes."""
    base = get_assessment(session, actor=actor, assessment_id=assessment_id)
    if base.status is not AssessmentStatus.SIGNED:
        raise Conflict(
            "Only a signed assessment takes an addendum; edit the draft instead.",
            rule="assessment.addendum_needs_signed",
        )
    copy = DimensionalAssessment(
        client_id=base.client_id,
        version=_next_version(session, base.client_id),
        supersedes_id=base.id,
        status=AssessmentStatus.DRAFT,
        created_by=actor.user_id,
        **{f: getattr(base, f) for f in (*RATING_FIELDS, *NOTE_FIELDS, *FACT_FIELDS)},
    )
    session.add(copy)
    session.flush()
    for exclusion in exclusions_of(session, base):
        session.add(
            AssessmentExclusion(
                assessment_id=copy.id,
                response_id=exclusion.response_id,
                reason=exclusion.reason,
                excluded_by=exclusion.excluded_by,
                excluded_at=exclusion.excluded_at,
            )
        )
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "dimensional_assessment",
        copy.id,
        copy.client_id,
        {"version": copy.version, "supersedes": str(base.id)},
    )
    return copy


def safety_facts(status: safety_rules.SafetyStatus) -> rules.SafetyFacts:
    return rules.SafetyFacts(
        state=status.state,
        reasons=tuple(
            rules.SafetyNote(rule_id=r.rule_id, sentence=r.sentence) for r in status.reasons
        ),
    )


def facts_for(
    session: Session,
    *,
    actor: Actor,
    assessment: DimensionalAssessment,
    as_of: datetime | None = None,
) -> rules.PlacementFacts:
    """The engine's facts on ``as_of`` (default now): the ratings, every instrument result on
    the chart inside its look-back window except those excluded with a reason, and the
    safety gate read from the whole chart (exclusions never reach the gate)."""
    as_of = as_of or utc_now()
    client = clients_service.get_client(session, actor=actor, client_id=assessment.client_id)
    excluded = {e.response_id for e in exclusions_of(session, assessment)}
    summary = evidence.summarize(
        (
            evidence.Result(r.instrument, r.total, r.band, frozenset(r.flags), r.administered_at)
            for r in assessments_service.list_responses(session, actor=actor, client=client)
            if r.id not in excluded and not r.entered_in_error
        ),
        as_of=as_of,
    )
    gate = safety_service.status(session, actor=actor, client=client, as_of=as_of)
    born = client.date_of_birth
    now = as_of.date()
    age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
    return rules.PlacementFacts(
        dimensions=rules.DimensionRatings(
            intoxication_withdrawal=assessment.d1_rating,
            biomedical=assessment.d2_rating,
            emotional_behavioral_cognitive=assessment.d3_rating,
            readiness_to_change=assessment.d4_rating,
            relapse_continued_use=assessment.d5_rating,
            recovery_environment=assessment.d6_rating,
        ),
        instruments=summary,
        withdrawal_risk=rules.WithdrawalRisk(assessment.withdrawal_risk),
        environment_stable=assessment.environment_stable,
        recent_level=rules.RecentLevel(assessment.recent_level),
        age=max(age, 0),
        co_occurring_mental_health=assessment.co_occurring,
        availability=rules.Availability(
            day=assessment.day_available, evening=assessment.evening_available
        ),
        safety=safety_facts(gate),
    )


def serialize(recommendation: rules.Recommendation, *, rule_table_version: int) -> dict[str, Any]:
    level = recommendation.level
    return {
        "rule_table_version": rule_table_version,
        "level": level.value if level else None,
        "on_hold": recommendation.on_hold,
        "safety": recommendation.safety.value,
        "safety_label": recommendation.safety.label,
        "track": recommendation.track.value,
        "referral_out": recommendation.referral_out,
        "then_level": recommendation.then_level.value if recommendation.then_level else None,
        "weekly_hours": str(recommendation.weekly_hours) if recommendation.weekly_hours else None,
        "services": list(recommendation.services),
        "reasons": [
            {
                "rule_id": r.rule_id,
                "action": r.action.value,
                "fact": r.fact,
                "value": r.value,
                "sentence": r.sentence,
            }
            for r in recommendation.reasons
        ],
    }


def recommendation_for(
    session: Session, *, actor: Actor, assessment: DimensionalAssessment
) -> dict[str, Any]:
    """The frozen recommendation of a signed assessment, or a live one for a draft."""
    if assessment.recommendation is not None:
        return assessment.recommendation
    return _recommend(session, actor, assessment)


def _recommend(session: Session, actor: Actor, assessment: DimensionalAssessment) -> dict[str, Any]:
    """Apply the rule table in force now, naming its version so a frozen recommendation
    still says which rules produced it after the director changes them."""
    table = rule_store.active(session)
    facts = facts_for(session, actor=actor, assessment=assessment)
    return serialize(rules.recommend(facts, rules=table.rules), rule_table_version=table.version)


def sign(session: Session, *, actor: Actor, assessment_id: uuid.UUID) -> DimensionalAssessment:
    assessment = get_assessment(session, actor=actor, assessment_id=assessment_id)
    if assessment.status is AssessmentStatus.SIGNED:
        raise Conflict("This assessment is already signed.", rule="assessment.already_signed")
    assessment.recommendation = _recommend(session, actor, assessment)
    assessment.status = AssessmentStatus.SIGNED
    assessment.signed_by = actor.user_id
    assessment.signed_at = utc_now()
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "dimensional_assessment",
        assessment.id,
        assessment.client_id,
        {
            "signed": True,
            "recommended": assessment.recommendation["level"],
            "rule_table_version": assessment.recommendation["rule_table_version"],
        },
    )
    return assessment


def decision_for(session: Session, assessment_id: uuid.UUID) -> PlacementDecision | None:
    return session.scalar(
        select(PlacementDecision).where(PlacementDecision.assessment_id == assessment_id)
    )


def decide(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID, data: DecisionInput
) -> PlacementDecision:
    """Accept the recommendation or place elsewhere (with a reason), and carry it out."""
    assessment = get_assessment(session, actor=actor, assessment_id=assessment_id)
    if assessment.status is not AssessmentStatus.SIGNED or assessment.recommendation is None:
        raise Conflict(
            "Sign the assessment before placing the client.", rule="placement.needs_signature"
        )
    if decision_for(session, assessment.id) is not None:
        raise Conflict(
            "A placement was already decided on this assessment; write an addendum to revisit.",
            rule="placement.already_decided",
        )
    recommended = assessment.recommendation
    level = recommended["level"] if data.accept else (data.level or "").upper()
    _check_safety(session, actor, assessment, level)
    track = Track(recommended["track"]) if data.accept else (data.track or Track.NONE)
    differs = (level, track.value) != (recommended["level"], recommended["track"])
    if differs and data.discrepancy is None:
        raise Invalid(
            "placing elsewhere than recommended needs a reason from the list", field="discrepancy"
        )
    if data.discrepancy is Discrepancy.OTHER and not data.discrepancy_text.strip():
        raise Invalid("say what the other reason is", field="discrepancy_text")
    note = data.reason.strip() or f"Placement after assessment version {assessment.version}."
    episode_id = _carry_out(session, actor, assessment.client_id, level, track, data, note)
    decision = PlacementDecision(
        assessment_id=assessment.id,
        client_id=assessment.client_id,
        recommended_level=recommended["level"],
        recommended_track=recommended["track"],
        placed_level=level,
        placed_track=track.value,
        discrepancy=data.discrepancy if differs else None,
        discrepancy_text=data.discrepancy_text.strip() if differs else "",
        effective_on=data.on,
        episode_id=episode_id,
        partner_id=data.partner_id,
        decided_by=actor.user_id,
        decided_at=utc_now(),
    )
    session.add(decision)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "placement_decision",
        decision.id,
        assessment.client_id,
        {
            "recommended": recommended["level"],
            "placed": level,
            "discrepancy": decision.discrepancy.value if decision.discrepancy else None,
        },
    )
    return decision


SAFETY_HOLD_RULE = "placement.safety_assessment_required"
HOSPITAL_RULE = "placement.safety_hospital_disposition"
RECOMMENDED_ON_HOLD_RULE = "placement.recommended_on_safety_hold"


def _check_safety(
    session: Session, actor: Actor, assessment: DimensionalAssessment, level: str | None
) -> None:
    """Live suicide risk overrides every placement: the gate is read now, not when the
    assessment was signed. Only a referral out to hospital-level care may go ahead once a
    safety assessment sent the client there."""
    gate = safety_service.status_for(session, actor=actor, client_id=assessment.client_id)
    first = gate.reasons[0].sentence if gate.reasons else ""
    if gate.state in (
        safety_rules.GateState.ASSESSMENT_REQUIRED,
        safety_rules.GateState.CRISIS_REFERRAL,
    ):
        raise Conflict(
            f"{gate.headline}: record a safety assessment (and a safety plan for a client who "
            f"stays in outpatient care) and acknowledge the safety alerts first. {first}".strip(),
            rule=SAFETY_HOLD_RULE,
        )
    if gate.state is safety_rules.GateState.HOSPITAL and level != rules.Level.HOSPITAL:
        raise Conflict(
            f"{gate.headline}: only a referral to hospital-level care can be placed until a new "
            "safety assessment says outpatient care is safe.",
            rule=HOSPITAL_RULE,
        )
    if assessment.recommendation is not None and assessment.recommendation.get("on_hold"):
        raise Conflict(
            "This assessment was signed while a safety hold was in force, so it recommends no "
            "level: write an addendum and sign it to get a recommendation that reads the "
            "safety assessment.",
            rule=RECOMMENDED_ON_HOLD_RULE,
        )


def _carry_out(
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    level_code: str,
    track: Track,
    data: DecisionInput,
    note: str,
) -> uuid.UUID:
    """Move the client through the continuum service, so the timeline shows the decision."""
    level = continuum_service.level_by_code(session, level_code)
    open_episode = continuum_repository.open_episode_of(session, client_id)
    skip_reason = data.discrepancy_text or note
    if not level.provided_in_house:
        if data.partner_id is None:
            raise Invalid(f"choose the partner for {level.name}", field="partner_id")
        if open_episode is None:
            episode = continuum_service.admit_referred_out(
                session,
                actor=actor,
                client_id=client_id,
                partner_id=data.partner_id,
                on=data.on,
                reason=note,
            )
            return episode.id
        continuum_service.refer_out(
            session,
            actor=actor,
            episode_id=open_episode.id,
            partner_id=data.partner_id,
            on=data.on,
            reason=note,
        )
        return open_episode.id
    if open_episode is None:
        episode = continuum_service.admit(
            session,
            actor=actor,
            client_id=client_id,
            level_code=level.code,
            track=track,
            on=data.on,
            reason=note,
        )
        return episode.id
    if open_episode.status is EpisodeStatus.ON_HOLD:
        continuum_service.return_from_referral(
            session,
            actor=actor,
            episode_id=open_episode.id,
            level_code=level.code,
            track=track,
            on=data.on,
            reason=note,
        )
        return open_episode.id
    current = continuum_service.current_segment(session, open_episode)
    current_level = continuum_service.level_for(session, current.level_id)
    if current_level.id == level.id:
        if current.track is not track:
            continuum_service.change_track(
                session,
                actor=actor,
                episode_id=open_episode.id,
                track=track,
                on=data.on,
                reason=note,
            )
        return open_episode.id
    direction = (
        Transition.STEP_DOWN
        if level.step_down_order > current_level.step_down_order
        else Transition.STEP_UP
    )
    continuum_service.step(
        session,
        actor=actor,
        episode_id=open_episode.id,
        direction=direction,
        level_code=level.code,
        track=track,
        on=data.on,
        reason=note,
        skip_reason=skip_reason,
    )
    return open_episode.id


@dataclass(frozen=True)
class LeftOut:
    """An instrument result a clinician left out of the recommendation, and why."""

    instrument: str
    administered_at: datetime
    reason: str


@dataclass(frozen=True)
class Report:
    date_from: date
    date_to: date
    rows: list[tuple[PlacementDecision, Client]]
    exclusions: dict[uuid.UUID, list[LeftOut]]  # by assessment

    @property
    def agreed(self) -> int:
        return sum(
            1
            for d, _ in self.rows
            if (d.placed_level, d.placed_track) == (d.recommended_level, d.recommended_track)
        )

    @property
    def by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for decision, _ in self.rows:
            if decision.discrepancy is not None:
                counts[decision.discrepancy.value] = counts.get(decision.discrepancy.value, 0) + 1
        return counts


def report(session: Session, *, actor: Actor, date_from: date, date_to: date) -> Report:
    """Recommended against actual placements decided in the range (inclusive)."""
    if date_to < date_from:
        raise Invalid("the end date is before the start date", field="date_to")
    start = day_start(date_from)  # the program's days, as the page's date fields mean them
    end = day_start(date_to + timedelta(days=1))
    visible = clients_repository.readable(actor).subquery()
    rows = session.execute(
        select(PlacementDecision, Client)
        .join(visible, visible.c.id == PlacementDecision.client_id)
        .join(Client, Client.id == PlacementDecision.client_id)
        .where(PlacementDecision.decided_at >= start, PlacementDecision.decided_at < end)
        .order_by(PlacementDecision.decided_at)
    ).all()
    assessment_ids = [d.assessment_id for d, _ in rows]
    left_out: dict[uuid.UUID, list[LeftOut]] = {}
    if assessment_ids:
        for exclusion, response in session.execute(
            select(AssessmentExclusion, InstrumentResponse)
            .join(InstrumentResponse, InstrumentResponse.id == AssessmentExclusion.response_id)
            .where(AssessmentExclusion.assessment_id.in_(assessment_ids))
            .order_by(InstrumentResponse.administered_at)
        ):
            left_out.setdefault(exclusion.assessment_id, []).append(
                LeftOut(response.instrument, response.administered_at, exclusion.reason)
            )
    result = Report(date_from, date_to, [(d, c) for d, c in rows], left_out)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        entity_type="placement_report",
        detail={"from": date_from.isoformat(), "to": date_to.isoformat(), "rows": len(rows)},
    )
    return result


@dataclass(frozen=True)
class PlacementTab:
    assessments: list[DimensionalAssessment]
    decisions: dict[uuid.UUID, PlacementDecision]
    can_assess: bool


def chart_tab(session: Session, *, actor: Actor, client: Client) -> PlacementTab:
    """The chart's Placement tab: every assessment version and the decision made on it."""
    if not access.READ.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.READ.description}")
    assessments = list_assessments(session, actor=actor, client=client)
    decisions = {
        d.assessment_id: d
        for d in session.scalars(
            select(PlacementDecision).where(PlacementDecision.client_id == client.id)
        )
    }
    return PlacementTab(assessments, decisions, access.ASSESS.allows(actor.role))
