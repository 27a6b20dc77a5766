"""JSON routes for level-of-care reviews: the queue, a client's reviews, run, accept, dismiss."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.orm import Session

from stepdown.continuum.models import LevelOfCare
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.transitions import access, service
from stepdown.transitions.models import LevelReview
from stepdown.transitions.schemas import (
    AcceptBody,
    DismissBody,
    QueueItemRead,
    ReasonRead,
    ReviewRead,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"])


def _read(review: LevelReview, levels: dict[uuid.UUID, LevelOfCare]) -> ReviewRead:
    target = levels[review.target_level_id].code if review.target_level_id else None
    return ReviewRead(
        id=review.id,
        client_id=review.client_id,
        episode_id=review.episode_id,
        run_on=review.run_on,
        kind=review.kind,
        from_level=levels[review.from_level_id].code,
        target_level=target,
        discharge=review.discharge,
        urgency=review.urgency,
        safety=review.safety,
        next_review_due=review.next_review_due,
        status=review.status,
        reasons=[ReasonRead.model_validate(r) for r in review.reasons],
        rule_table_version=review.rule_table_version,
        decided_by=review.decided_by,
        decided_at=review.decided_at,
        decision_note=review.decision_note,
        outcome=review.outcome,
    )


def _one(session: Session, review: LevelReview) -> ReviewRead:
    return _read(review, service.levels_by_id(session))


@router.get("/reviews/queue", response_model=list[QueueItemRead])
def review_queue(
    session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[QueueItemRead]:
    """Proposals waiting for a decision, most urgent first."""
    levels = service.levels_by_id(session)
    return [
        QueueItemRead(
            review=_read(item.review, levels),
            record_number=item.client.record_number,
            client_name=item.client.display_name,
            overdue=item.overdue,
        )
        for item in service.queue(session, actor=actor)
    ]


@router.get("/clients/{client_id}/reviews", response_model=list[ReviewRead])
def client_reviews(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> list[ReviewRead]:
    found = service.client_reviews(session, actor=actor, client_id=client_id)
    return [_read(r, found.levels) for r in found.reviews]


@router.post("/clients/{client_id}/reviews/run", response_model=ReviewRead)
def run_review(
    client_id: uuid.UUID, session: DbSession, actor: Annotated[Actor, allow(access.DECIDE)]
) -> ReviewRead:
    """Run the engine for the client now; 409 when today's review was already decided."""
    return _one(session, service.run_for_client(session, actor=actor, client_id=client_id))


@router.post("/reviews/{review_id}/accept", response_model=ReviewRead)
def accept_review(
    review_id: uuid.UUID,
    body: AcceptBody,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DECIDE)],
) -> ReviewRead:
    """Carry out the proposal (a step or the completing discharge goes through the
    continuum, whose refusals are 409 naming the rule)."""
    review = service.accept(
        session, actor=actor, review_id=review_id, on=body.on, track=body.track, note=body.note
    )
    return _one(session, review)


@router.post("/reviews/{review_id}/dismiss", response_model=ReviewRead)
def dismiss_review(
    review_id: uuid.UUID,
    body: DismissBody,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DECIDE)],
) -> ReviewRead:
    """Decline the proposal; a blank reason is 422 naming ``reason``."""
    return _one(
        session, service.dismiss(session, actor=actor, review_id=review_id, reason=body.reason)
    )
