"""JSON routes for discharge summaries: a client's discharges and referrals out with their
summaries, one summary, starting and editing a draft, signing, co-signing, addenda, the
summaries still due and those waiting for the caller's co-signature. Signing takes the
signer's password or signing PIN in the body (``{"secret": ...}``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from stepdown.discharge_summaries import access, rules, service
from stepdown.discharge_summaries.schemas import (
    AddendumRead,
    AddendumWrite,
    DraftCreate,
    DueRead,
    EventRead,
    FactsRead,
    NarrativeWrite,
    SignatureRead,
    SignWrite,
    SummaryRead,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.schemas import CosignRowRead

router = APIRouter(prefix="/api/v1", tags=["discharge summaries"])
Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]


def summary_read(view: service.SummaryView) -> SummaryRead:
    s = view.summary
    return SummaryRead(
        id=s.id,
        client_id=s.client_id,
        episode_id=s.episode_id,
        segment_id=s.segment_id,
        kind=s.kind,
        status=s.status,
        event_on=s.event_on,
        author=view.author,
        reason=s.reason,
        prognosis=s.prognosis,
        prognosis_text=s.prognosis_text,
        recommendations=s.recommendations,
        narrative=s.narrative,
        facts=FactsRead.model_validate(view.facts, from_attributes=True),
        withheld=sorted(view.withheld),
        signed_at=s.signed_at,
        signed_by=view.signed_by,
        cosigned_by=view.cosigned_by,
        cosigner=view.cosigner,
        signatures=[SignatureRead.model_validate(x, from_attributes=True) for x in view.signatures],
        addenda=[AddendumRead.model_validate(x, from_attributes=True) for x in view.addenda],
    )


def event_read(row: service.EventRow) -> EventRead:
    return EventRead(
        episode_id=row.episode_id,
        segment_id=row.segment_id,
        kind=row.kind,
        event_on=row.event_on,
        label=row.label,
        summary_id=row.summary.id if row.summary else None,
        status=row.summary.status if row.summary else None,
        due=row.due,
    )


def _narrative(body: NarrativeWrite, base: rules.Narrative) -> rules.Narrative:
    given = body.model_dump(exclude_unset=True)
    return rules.Narrative(
        reason=given.get("reason", base.reason),
        prognosis=given.get("prognosis", base.prognosis),
        prognosis_text=given.get("prognosis_text", base.prognosis_text),
        recommendations=given.get("recommendations", base.recommendations),
        narrative=given.get("narrative", base.narrative),
    )


@router.get("/clients/{client_id}/discharge-summaries", response_model=list[EventRead])
def client_summaries(client_id: uuid.UUID, session: DbSession, actor: Reader) -> list[EventRead]:
    """The client's discharges and referrals out, newest first, with their summaries
    (utilization review and case managers: only those with a signed summary)."""
    return [
        event_read(row)
        for row in service.list_for_client(session, actor=actor, client_id=client_id)
    ]


@router.get("/discharge-summaries/due", response_model=list[DueRead])
def due(session: DbSession, actor: Annotated[Actor, allow(access.DUE)]) -> list[DueRead]:
    """Discharges and referrals out whose summary is not signed yet: your caseload's (all,
    for the director), oldest first."""
    return [
        DueRead(
            **event_read(row.event).model_dump(),
            client_id=row.client.id,
            record_number=row.client.record_number,
            display_name=row.client.display_name,
        )
        for row in service.summaries_due(session, actor=actor)
    ]


@router.get("/discharge-summaries/awaiting-cosignature", response_model=list[CosignRowRead])
def awaiting_cosignature(session: DbSession, actor: Cosigner) -> list[CosignRowRead]:
    """Summaries of the staff you supervise, waiting for your co-signature."""
    return [
        CosignRowRead.model_validate(row, from_attributes=True)
        for row in service.awaiting_cosignature(session, actor=actor)
    ]


@router.get("/discharge-summaries/{summary_id}", response_model=SummaryRead)
def get_summary(summary_id: uuid.UUID, session: DbSession, actor: Reader) -> SummaryRead:
    return summary_read(service.get_summary(session, actor=actor, summary_id=summary_id))


@router.post(
    "/episodes/{episode_id}/discharge-summaries",
    response_model=SummaryRead,
    status_code=status.HTTP_201_CREATED,
)
def create_draft(
    episode_id: uuid.UUID, body: DraftCreate, session: DbSession, actor: Writer
) -> SummaryRead:
    """Start the summary of the episode's discharge, or of one of its referrals out
    (``segment_id``), as a draft."""
    summary = service.create_draft(
        session,
        actor=actor,
        episode_id=episode_id,
        segment_id=body.segment_id,
        narrative=_narrative(body, rules.Narrative()),
        prefill_reason=body.prefill,
    )
    return summary_read(service.get_summary(session, actor=actor, summary_id=summary.id))


@router.put("/discharge-summaries/{summary_id}", response_model=SummaryRead)
def update_draft(
    summary_id: uuid.UUID, body: NarrativeWrite, session: DbSession, actor: Writer
) -> SummaryRead:
    """Change the clinician's words of a draft (fields left out keep their value)."""
    current = service.get_summary(session, actor=actor, summary_id=summary_id)
    service.update_draft(
        session, actor=actor, summary_id=summary_id, narrative=_narrative(body, current.narrative)
    )
    return summary_read(service.get_summary(session, actor=actor, summary_id=summary_id))


@router.post("/discharge-summaries/{summary_id}/sign", response_model=SummaryRead)
def sign(summary_id: uuid.UUID, body: SignWrite, session: DbSession, actor: Writer) -> SummaryRead:
    """Sign the draft with your password or signing PIN: its facts are stored as of the
    last day in care and it can no longer change (a supervised author's then waits for a
    co-signature)."""
    service.sign(session, actor=actor, summary_id=summary_id, secret=body.secret)
    return summary_read(service.get_summary(session, actor=actor, summary_id=summary_id))


@router.post("/discharge-summaries/{summary_id}/cosign", response_model=SummaryRead)
def cosign(
    summary_id: uuid.UUID, body: SignWrite, session: DbSession, actor: Cosigner
) -> SummaryRead:
    """Co-sign a supervisee's signed summary with your password or signing PIN."""
    service.cosign(session, actor=actor, summary_id=summary_id, secret=body.secret)
    return summary_read(service.get_summary(session, actor=actor, summary_id=summary_id))


@router.post(
    "/discharge-summaries/{summary_id}/addenda",
    response_model=AddendumRead,
    status_code=status.HTTP_201_CREATED,
)
def add_addendum(
    summary_id: uuid.UUID, body: AddendumWrite, session: DbSession, actor: Writer
) -> AddendumRead:
    """Add a signed addendum to a signed summary; the summary itself does not change."""
    added = service.add_addendum(
        session, actor=actor, summary_id=summary_id, text=body.text, secret=body.secret
    )
    view = service.get_summary(session, actor=actor, summary_id=summary_id)
    line = next(a for a in view.addenda if a.id == added.id)
    return AddendumRead.model_validate(line, from_attributes=True)
