"""Level-of-care reviews: running the engine, the review queue, accepting and dismissing.

The engine only proposes. ``run_for_site`` (nightly, through the job runner) and
``run_for_client`` (on demand from the chart) record a proposal per client and day;
``accept`` carries it out through the continuum service (a step, or the discharge that
completes the program; never a step down while the safety gate is live, read again at
accept time) and ``dismiss`` keeps the clinician's reason. Both are audited in the
caller's transaction, as is every proposal recorded.

A site run is idempotent: a client who already has a review for the day is left alone.
Otherwise a new review is recorded when the client has none, when the waiting proposal
says something different (which it supersedes), when the client's level changed since
the last review, or when the last decided review's next review date has come. A dismissed
proposal is therefore not put back to the clinician every night until its review is due.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations import service as authorizations_service
from stepdown.calendar import level_change
from stepdown.calendar.models import BuildStatus, ScheduleBuild
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    LevelOfCare,
    Segment,
    Track,
    Transition,
)
from stepdown.kit.clock import today as program_today
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.safety import service as safety_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role
from stepdown.transitions import access, evidence, rules
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rule_table import PRECEDENCE
from stepdown.transitions.rules import ProposalKind

# The stored outcome line's length (``LevelReview.outcome``).
OUTCOME_LENGTH = 200


def _require(policy: Policy, actor: Actor) -> None:
    """Jobs and the CLI act as the system, which runs reviews on the program's behalf."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _audit(
    session: Session, actor: Actor, action: AuditAction, review: LevelReview, **detail: object
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type="level_review",
        entity_id=review.id,
        client_id=review.client_id,
        detail=detail,
    )


def rules_in_order(table: rules.ReviewTable) -> list[rules.Rule]:
    """The table's rows as the engine weighs them: strongest action first, then by weight."""
    return sorted(table.rules, key=lambda r: (PRECEDENCE.index(r.action), -r.weight))


def levels_by_id(session: Session) -> dict[uuid.UUID, LevelOfCare]:
    return {level.id: level for level in continuum_service.catalog(session)}


def catalog_order(levels: Sequence[LevelOfCare]) -> tuple[str, ...]:
    """In-house levels on offer, most to least intensive, as the director's catalog orders
    them (``continuum.service.catalog`` is sorted by step-down order)."""
    return tuple(lv.code for lv in levels if lv.provided_in_house and lv.is_active)


@dataclass(frozen=True)
class InCare:
    episode: Episode
    segment: Segment
    level: LevelOfCare


def _in_care(session: Session, actor: Actor, client: Client, day: date) -> InCare | None:
    """The client's active episode and the in-house level they are at on ``day``."""
    for view in continuum_service.client_episodes(session, actor=actor, client=client):
        if view.episode.status is not EpisodeStatus.ACTIVE:
            continue
        for segment in view.segments:
            if segment.starts_on <= day and (segment.ends_on is None or day < segment.ends_on):
                level = continuum_service.level_for(session, segment.level_id)
                if level.provided_in_house:
                    return InCare(view.episode, segment, level)
    return None


def _latest(session: Session, client_id: uuid.UUID) -> LevelReview | None:
    return session.scalar(
        select(LevelReview)
        .where(LevelReview.client_id == client_id)
        .order_by(LevelReview.run_on.desc())
        .limit(1)
    )


def _signature(
    kind: ProposalKind, target: uuid.UUID | None, rule_ids: Sequence[str]
) -> tuple[object, ...]:
    return (kind, target, tuple(sorted(rule_ids)))


def _driving_ids(reasons: Sequence[dict[str, object]]) -> list[str]:
    return [str(r["rule_id"]) for r in reasons if r.get("drives")]


def _target_id(proposal: rules.Proposal, levels: dict[uuid.UUID, LevelOfCare]) -> uuid.UUID | None:
    if proposal.target_level is None:
        return None
    return next(lv.id for lv in levels.values() if lv.code == proposal.target_level)


def _needs_recording(
    latest: LevelReview | None,
    proposal: rules.Proposal,
    target_id: uuid.UUID | None,
    in_care: InCare,
    day: date,
) -> bool:
    if latest is None or latest.from_level_id != in_care.level.id:
        return True
    if latest.status is ReviewStatus.PROPOSED:
        now = _signature(
            proposal.kind, target_id, [r.rule_id for r in proposal.reasons if r.drives]
        )
        before = _signature(latest.kind, latest.target_level_id, _driving_ids(latest.reasons))
        return now != before
    # Decided: not again before its next review, unless the engine now asks for more care.
    more_urgent = proposal.kind is not latest.kind and proposal.urgency > latest.urgency
    return latest.next_review_due <= day or more_urgent


def _fill(
    review: LevelReview,
    proposal: rules.Proposal,
    target_id: uuid.UUID | None,
    in_care: InCare,
    actor: Actor,
) -> None:
    review.episode_id = in_care.episode.id
    review.kind = proposal.kind
    review.from_level_id = in_care.level.id
    review.target_level_id = target_id
    review.discharge = proposal.discharge
    review.reasons = proposal.reasons_json()
    review.urgency = proposal.urgency
    review.safety = proposal.safety
    review.next_review_due = proposal.next_review_due
    review.rule_table_version = proposal.table_version
    review.run_by = actor.user_id


def _record(
    session: Session,
    actor: Actor,
    client: Client,
    in_care: InCare,
    proposal: rules.Proposal,
    target_id: uuid.UUID | None,
    day: date,
) -> LevelReview:
    waiting = session.scalars(
        select(LevelReview).where(
            LevelReview.client_id == client.id,
            LevelReview.status == ReviewStatus.PROPOSED,
            LevelReview.run_on < day,
        )
    )
    for old in waiting:
        old.status = ReviewStatus.SUPERSEDED
        _audit(session, actor, AuditAction.UPDATE, old, status=old.status.value)
    review = LevelReview(client_id=client.id, run_on=day, status=ReviewStatus.PROPOSED)
    _fill(review, proposal, target_id, in_care, actor)
    session.add(review)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        review,
        kind=review.kind.value,
        target=proposal.target_level,
        urgency=review.urgency,
        rules=[r.rule_id for r in proposal.reasons],
        table_version=review.rule_table_version,
    )
    return review


def _evaluate(
    session: Session,
    actor: Actor,
    client: Client,
    in_care: InCare,
    day: date,
    levels: dict[uuid.UUID, LevelOfCare],
) -> rules.Proposal:
    found = evidence.gather(
        session,
        actor=actor,
        client=client,
        episode=in_care.episode,
        segment=in_care.segment,
        level=in_care.level,
        day=day,
    )
    return rules.propose(found, rules.DEFAULT_TABLE, catalog_order(list(levels.values())))


@dataclass(frozen=True)
class RunLine:
    """One client's result of a run, for the CLI and the chart's message."""

    client_id: uuid.UUID
    record_number: str
    level: str
    kind: ProposalKind
    target: str | None
    discharge: bool
    urgency: int
    top_reasons: tuple[str, ...]
    recorded: bool  # False: the day's review was already there, or nothing new to say


def _line_of(
    client: Client, review: LevelReview, levels: dict[uuid.UUID, LevelOfCare], recorded: bool
) -> RunLine:
    target = levels[review.target_level_id].code if review.target_level_id else None
    return RunLine(
        client_id=client.id,
        record_number=client.record_number,
        level=levels[review.from_level_id].code,
        kind=review.kind,
        target=target,
        discharge=review.discharge,
        urgency=review.urgency,
        top_reasons=tuple(str(r["sentence"]) for r in review.reasons if r.get("drives"))[:3],
        recorded=recorded,
    )


def run_for_site(
    session: Session, *, actor: Actor, site_id: uuid.UUID, day: date | None = None
) -> list[RunLine]:
    """Review every client in in-house care at the site on ``day`` (default today); safe to
    run again: the day's reviews are kept, not recomputed."""
    _require(access.DECIDE, actor)
    day = day or program_today()
    levels = levels_by_id(session)
    lines = []
    for client_id in continuum_service.active_client_ids(session, site_id, day):
        client = clients_service.get_client(session, actor=actor, client_id=client_id)
        latest = _latest(session, client.id)
        if latest is not None and latest.run_on == day:
            lines.append(_line_of(client, latest, levels, recorded=False))
            continue
        in_care = _in_care(session, actor, client, day)
        if in_care is None:
            continue
        proposal = _evaluate(session, actor, client, in_care, day, levels)
        target_id = _target_id(proposal, levels)
        if _needs_recording(latest, proposal, target_id, in_care, day):
            review = _record(session, actor, client, in_care, proposal, target_id, day)
            lines.append(_line_of(client, review, levels, recorded=True))
        elif latest is not None:
            lines.append(_line_of(client, latest, levels, recorded=False))
    return sorted(lines, key=lambda line: (-line.urgency, line.record_number))


def run_for_client(
    session: Session, *, actor: Actor, client_id: uuid.UUID, day: date | None = None
) -> LevelReview:
    """Run the engine for one client now and record today's proposal: a new one, or a
    refresh of today's if it is still waiting. A proposal decided today stays as decided."""
    _require(access.DECIDE, actor)
    day = day or program_today()
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    in_care = _in_care(session, actor, client, day)
    if in_care is None:
        raise Conflict(
            "the client is not in care at an in-house level today", rule="review.not_in_care"
        )
    levels = levels_by_id(session)
    proposal = _evaluate(session, actor, client, in_care, day, levels)
    target_id = _target_id(proposal, levels)
    latest = _latest(session, client.id)
    if latest is None or latest.run_on != day:
        return _record(session, actor, client, in_care, proposal, target_id, day)
    if latest.status is not ReviewStatus.PROPOSED:
        raise Conflict(
            f"today's review was already {latest.status.value}; the next run is tomorrow",
            rule="review.decided_today",
        )
    _fill(latest, proposal, target_id, in_care, actor)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        latest,
        kind=latest.kind.value,
        target=proposal.target_level,
        urgency=latest.urgency,
        rules=[r.rule_id for r in proposal.reasons],
    )
    return latest


@dataclass(frozen=True)
class QueueItem:
    review: LevelReview
    client: Client
    from_level: LevelOfCare
    target_level: LevelOfCare | None
    overdue: bool

    @property
    def top_reasons(self) -> list[str]:
        return [str(r["sentence"]) for r in self.review.reasons if r.get("drives")][:3]


def _waiting(session: Session, actor: Actor, day: date) -> list[tuple[LevelReview, Client]]:
    """Proposals a clinician must act on: every waiting move or reassessment, and waiting
    stays whose review date has come; only for clients the actor may see."""
    reviews = [
        r
        for r in session.scalars(
            select(LevelReview).where(LevelReview.status == ReviewStatus.PROPOSED)
        )
        if r.kind is not ProposalKind.STAY or r.next_review_due <= day
    ]
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=list({r.client_id for r in reviews})
    )
    return [(r, clients[r.client_id]) for r in reviews if r.client_id in clients]


def queue(session: Session, *, actor: Actor, day: date | None = None) -> list[QueueItem]:
    """The review queue, most urgent first (a safety reassessment, then step-ups, ...), then
    by due date: clinicians see their caseload, directors the program. Each client shown
    is an audited read."""
    _require(access.READ, actor)
    day = day or program_today()
    levels = levels_by_id(session)
    items = [
        QueueItem(
            review=review,
            client=client,
            from_level=levels[review.from_level_id],
            target_level=levels[review.target_level_id] if review.target_level_id else None,
            overdue=review.next_review_due < day,
        )
        for review, client in _waiting(session, actor, day)
    ]
    items.sort(key=lambda i: (-i.review.urgency, i.review.next_review_due, i.client.record_number))
    audit_service.record_reads(
        session, actor=actor, entity_type="level_review", client_ids=[i.client.id for i in items]
    )
    return items


def waiting_count(session: Session, *, actor: Actor, day: date | None = None) -> int:
    """How many queue items wait for the actor (a count, no identities, so no read)."""
    _require(access.READ, actor)
    return len(_waiting(session, actor, day or program_today()))


@dataclass(frozen=True)
class ClientReviews:
    client: Client
    reviews: list[LevelReview]  # newest first
    levels: dict[uuid.UUID, LevelOfCare]
    # Level-change re-plans waiting for the director, or that could not be made.
    replans: list[ScheduleBuild] = field(default_factory=list)

    @property
    def latest(self) -> LevelReview | None:
        return self.reviews[0] if self.reviews else None


def client_reviews(
    session: Session, *, actor: Actor, client_id: uuid.UUID, limit: int = 10
) -> ClientReviews:
    """A client's latest reviews, newest first; an audited read."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    reviews = list(
        session.scalars(
            select(LevelReview)
            .where(LevelReview.client_id == client.id)
            .order_by(LevelReview.run_on.desc())
            .limit(limit)
        )
    )
    if reviews:
        audit_service.record_reads(
            session, actor=actor, entity_type="level_review", client_ids=[client.id]
        )
    replans = level_change.proposals_for(session, client_id=client.id)
    return ClientReviews(client, reviews, levels_by_id(session), replans)


def _get(session: Session, actor: Actor, review_id: uuid.UUID) -> LevelReview:
    review = session.get(LevelReview, review_id)
    if review is None or not clients_service.clients_by_id(
        session, actor=actor, client_ids=[review.client_id]
    ):
        raise NotFound("no such review, or not one you may see")
    return review


def _undecided(review: LevelReview) -> None:
    if review.status is not ReviewStatus.PROPOSED:
        raise Conflict(
            f"this review was already {review.status.value}", rule="review.already_decided"
        )


def tracks_of(level: LevelOfCare) -> list[Track]:
    """The tracks a level runs, as the continuum's rules read the catalog."""
    runs = ((Track.DAY, level.has_day_track), (Track.EVENING, level.has_evening_track))
    return [track for track, offered in runs if offered] or [Track.NONE]


def default_track(current: Track, target: LevelOfCare) -> Track:
    """Keep the client's track when the new level runs it; else the level's first track."""
    offered = tracks_of(target)
    return current if current in offered else offered[0]


def _top(review: LevelReview) -> str:
    return "; ".join(str(r["sentence"]) for r in review.reasons if r.get("drives"))[:1500]


def _hold_for_safety(session: Session, actor: Actor, review: LevelReview) -> None:
    """Live risk overrides every rule: no step down, nor the discharge that completes the
    program, while the safety gate holds, read again now (the review may be days old)."""
    client = clients_service.get_client(session, actor=actor, client_id=review.client_id)
    gate = safety_service.status(session, actor=actor, client=client)
    if not gate.live:
        return
    why = gate.reasons[0].sentence if gate.reasons else gate.headline
    move = "complete the program" if review.discharge else "step down"
    raise Conflict(
        f"cannot {move} while suicide risk is live ({gate.headline.lower()}): {why}. "
        "Document a safety assessment first, then run the review again",
        rule="review.safety_hold",
    )


def _week_outcome(session: Session, client_id: uuid.UUID, on: date) -> str:
    """What the change did to the published weeks, for the decision's outcome line: the
    re-plan proposed to the director for each, or that none could be (the bookings that no
    longer fit were released either way, each audited)."""
    made = [
        b
        for b in level_change.proposals_for(session, client_id=client_id, today=on)
        if b.applies_from >= on
    ]
    drafts = sorted(b.week_of.isoformat() for b in made if b.status is BuildStatus.DRAFT)
    failed = sorted(b.week_of.isoformat() for b in made if b.status is BuildStatus.FAILED)
    text = ""
    if drafts:
        text += f"; re-plan for the week of {', '.join(drafts)} waits for the director"
    if failed:
        text += f"; no re-plan could be proposed for the week of {', '.join(failed)}"
    return text


def accept(
    session: Session,
    *,
    actor: Actor,
    review_id: uuid.UUID,
    on: date | None = None,
    track: Track | None = None,
    note: str = "",
) -> LevelReview:
    """Carry out a proposal: a step records the transition through the continuum service
    (on ``on``, default today; the track kept where the new level runs it), the step down
    from the last level discharges the client as completed; a stay or reassessment is
    acknowledged. Refused if the client's level changed since the review ran, and a step
    down (or the completing discharge) while the safety gate is live
    (``review.safety_hold``)."""
    _require(access.DECIDE, actor)
    review = _get(session, actor, review_id)
    _undecided(review)
    on = on or program_today()
    note = note.strip()
    episode = continuum_service.get_episode(session, actor=actor, episode_id=review.episode_id)
    if episode.status is not EpisodeStatus.ACTIVE:
        raise Conflict("the episode is no longer active; run the review again", rule="review.stale")
    current = continuum_service.current_segment(session, episode)
    if current.level_id != review.from_level_id:
        raise Conflict(
            "the client's level changed since this review ran; run the review again",
            rule="review.stale",
        )
    if review.kind is ProposalKind.STEP_DOWN:
        _hold_for_safety(session, actor, review)
    reason = f"Level review of {review.run_on.isoformat()}: {_top(review)}"
    if note:
        reason += f" Clinician's note: {note}"
    outcome = "acknowledged"
    if review.kind is ProposalKind.STEP_DOWN and review.discharge:
        continuum_service.discharge(
            session,
            actor=actor,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=on,
            summary=reason,
        )
        outcome = f"discharged (completed) on {on.isoformat()}"
    elif review.kind in (ProposalKind.STEP_DOWN, ProposalKind.STEP_UP):
        if review.target_level_id is None:
            raise Conflict("the proposal names no level to move to", rule="review.no_target")
        target = continuum_service.level_for(session, review.target_level_id)
        chosen = track or default_track(current.track, target)
        direction = (
            Transition.STEP_DOWN if review.kind is ProposalKind.STEP_DOWN else Transition.STEP_UP
        )
        continuum_service.step(
            session,
            actor=actor,
            episode_id=episode.id,
            direction=direction,
            level_code=target.code,
            track=chosen,
            on=on,
            reason=reason,
        )
        outcome = f"{direction.value.replace('_', ' ')} to {target.code} ({chosen.value}) on {on}"
        if authorizations_service.open_for_new_level(
            session, actor=actor, episode=episode, level=target, on=on
        ):
            outcome += f"; an authorization request for {target.code} waits for UR"
    if outcome != "acknowledged":
        outcome += _week_outcome(session, review.client_id, on)
    review.status = ReviewStatus.ACCEPTED
    review.decided_by = actor.user_id
    review.decided_at = utc_now()
    review.decision_note = note
    review.outcome = outcome[:OUTCOME_LENGTH]
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, review, status=review.status.value, outcome=outcome)
    return review


def dismiss(session: Session, *, actor: Actor, review_id: uuid.UUID, reason: str) -> LevelReview:
    """Decline a proposal; the reason is required and kept with it."""
    _require(access.DECIDE, actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("say why the proposal is dismissed", field="reason")
    review = _get(session, actor, review_id)
    _undecided(review)
    review.status = ReviewStatus.DISMISSED
    review.decided_by = actor.user_id
    review.decided_at = utc_now()
    review.decision_note = reason
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, review, status=review.status.value)
    return review
