"""Queries on instrument responses. Callers have already checked the client is one the
actor may see (through the clients service); these only narrow by client and instrument."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from stepdown.assessments.models import InstrumentResponse
from stepdown.continuum.models import Episode, EpisodeStatus


def responses_of(client_id: uuid.UUID, code: str | None = None) -> Select[InstrumentResponse]:
    """Newest first, corrections included (the history shows them struck through)."""
    stmt = select(InstrumentResponse).where(InstrumentResponse.client_id == client_id)
    if code is not None:
        stmt = stmt.where(InstrumentResponse.instrument == code)
    return stmt.order_by(
        InstrumentResponse.administered_at.desc(), InstrumentResponse.recorded_at.desc()
    )


def trend_of(client_id: uuid.UUID, code: str) -> Select[InstrumentResponse]:
    """Oldest first, without results entered in error."""
    return (
        select(InstrumentResponse)
        .where(
            InstrumentResponse.client_id == client_id,
            InstrumentResponse.instrument == code,
            InstrumentResponse.entered_in_error.is_(False),
        )
        .order_by(InstrumentResponse.administered_at)
    )


def open_episode_id(session: Session, client_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(Episode.id).where(
            Episode.client_id == client_id, Episode.status != EpisodeStatus.DISCHARGED
        )
    )
