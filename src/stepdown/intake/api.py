"""JSON routes for intake assessments: a client's intakes, one intake (read, replace the
draft, sign, co-sign, add an addendum), its pre-fill of the placement dimensions, and the
lists of intakes due and waiting for the caller's co-signature. Every read and change is
audited by the service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from stepdown.intake import access, rules, service
from stepdown.intake.schemas import (
    AddendumRead,
    AddendumWrite,
    CosignRowRead,
    DueRowRead,
    FactRead,
    IntakePrefillRead,
    IntakeRead,
    IntakeSummaryRead,
    IntakeWrite,
    PrefillRead,
    SignInput,
    StartIntake,
    SubstanceRead,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["intake"])
Writer = Annotated[Actor, allow(access.WRITE)]
Reader = Annotated[Actor, allow(access.READ)]


def intake_read(view: service.IntakeView) -> IntakeRead:
    intake = view.intake
    fields = {name: getattr(intake, name) for name in rules.FIELDS}
    return IntakeRead(
        id=intake.id,
        episode_id=intake.episode_id,
        client_id=intake.client_id,
        status=intake.status,
        final=intake.final,
        awaiting_cosignature=intake.awaiting_cosignature,
        author=view.name(intake.author_id),
        substances=[SubstanceRead.model_validate(row) for row in view.substances],
        ptsd_score=view.ptsd_score,
        signed_at=intake.signed_at,
        signed_by=view.name(intake.signed_by),
        cosigner=view.name(view.cosigner),
        cosigned_at=intake.cosigned_at,
        signatures_intact=view.intact,
        addenda=[
            AddendumRead(
                id=a.id, text=a.text, signed_at=a.signed_at, signed_by=view.name(a.signed_by)
            )
            for a in view.addenda
        ],
        **fields,
    )


def prefill_read(found: service.IntakePrefill) -> IntakePrefillRead:
    return IntakePrefillRead(
        intake_id=found.intake.id,
        status=found.intake.status,
        final=found.intake.final,
        interviewed_at=found.intake.interviewed_at,
        dimensions=[
            PrefillRead(
                dimension=p.dimension,
                label=p.label,
                review=p.review,
                facts=[FactRead(text=f.text, review=f.review, unknown=f.unknown) for f in p.facts],
            )
            for p in found.dimensions.values()
        ],
    )


def _read(session: DbSession, actor: Actor, intake_id: uuid.UUID) -> IntakeRead:
    return intake_read(service.get_intake(session, actor=actor, intake_id=intake_id))


@router.get("/clients/{client_id}/intakes", response_model=list[IntakeSummaryRead])
def client_intakes(
    client_id: uuid.UUID, session: DbSession, actor: Reader
) -> list[IntakeSummaryRead]:
    """A client's intakes, newest admission first (utilization review: signed ones)."""
    return [
        IntakeSummaryRead(
            id=row.intake.id,
            episode_id=row.episode.id,
            admitted_on=row.episode.admitted_on,
            status=row.intake.status,
            final=row.intake.final,
            awaiting_cosignature=row.intake.awaiting_cosignature,
            interviewed_at=row.intake.interviewed_at,
            signed_at=row.intake.signed_at,
        )
        for row in service.list_for_client(session, actor=actor, client_id=client_id)
    ]


@router.post("/clients/{client_id}/intakes", response_model=IntakeRead, status_code=201)
def start_intake(
    client_id: uuid.UUID, session: DbSession, actor: Writer, body: StartIntake | None = None
) -> IntakeRead:
    """Start a draft intake for the client's open episode (one per episode)."""
    intake = service.start_intake(
        session,
        actor=actor,
        client_id=client_id,
        interviewed_at=body.interviewed_at if body else None,
    )
    return _read(session, actor, intake.id)


@router.get("/intakes/due", response_model=list[DueRowRead])
def intakes_due(session: DbSession, actor: Annotated[Actor, allow(access.DUE)]) -> list[DueRowRead]:
    """Active episodes admitted a week or more ago whose intake is not signed."""
    return [
        DueRowRead(
            episode_id=row.episode.id,
            client_id=row.client.id,
            record_number=row.client.record_number,
            display_name=row.client.display_name,
            admitted_on=row.episode.admitted_on,
            due_since=row.due_since,
            days_since_admission=row.days_since_admission,
            intake_id=row.intake.id if row.intake else None,
            intake_status=row.intake.status if row.intake else None,
        )
        for row in service.intakes_due(session, actor=actor)
    ]


@router.get("/intakes/awaiting-cosignature", response_model=list[CosignRowRead])
def awaiting_cosignature(
    session: DbSession, actor: Annotated[Actor, allow(access.COSIGN)]
) -> list[CosignRowRead]:
    """Intakes waiting for the caller's co-signature, oldest first."""
    return [
        CosignRowRead(
            intake_id=row.intake.id,
            client_id=row.client.id,
            record_number=row.client.record_number,
            display_name=row.client.display_name,
            author=row.author,
            signed_at=row.intake.signed_at,
        )
        for row in service.awaiting_cosignature(session, actor=actor)
    ]


@router.get("/intakes/{intake_id}", response_model=IntakeRead)
def get_intake(intake_id: uuid.UUID, session: DbSession, actor: Reader) -> IntakeRead:
    return _read(session, actor, intake_id)


@router.put("/intakes/{intake_id}", response_model=IntakeRead)
def save_draft(
    intake_id: uuid.UUID, body: IntakeWrite, session: DbSession, actor: Writer
) -> IntakeRead:
    """Replace the draft as a whole: a question left out becomes "not asked"."""
    service.save_draft(session, actor=actor, intake_id=intake_id, data=body)
    return _read(session, actor, intake_id)


@router.post("/intakes/{intake_id}/sign", response_model=IntakeRead)
def sign(intake_id: uuid.UUID, body: SignInput, session: DbSession, actor: Writer) -> IntakeRead:
    """Sign the draft with your password (or signing PIN); it is then frozen."""
    service.sign(session, actor=actor, intake_id=intake_id, secret=body.secret)
    return _read(session, actor, intake_id)


@router.post("/intakes/{intake_id}/cosign", response_model=IntakeRead)
def cosign(
    intake_id: uuid.UUID,
    body: SignInput,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COSIGN)],
) -> IntakeRead:
    """Co-sign a supervised clinician's signed intake (only its named supervisor)."""
    service.cosign(session, actor=actor, intake_id=intake_id, secret=body.secret)
    return _read(session, actor, intake_id)


@router.post("/intakes/{intake_id}/addenda", response_model=AddendumRead, status_code=201)
def add_addendum(
    intake_id: uuid.UUID, body: AddendumWrite, session: DbSession, actor: Writer
) -> AddendumRead:
    """Add a signed addendum to a signed intake, with its own time."""
    addendum = service.add_addendum(
        session, actor=actor, intake_id=intake_id, text=body.text, secret=body.secret
    )
    view = service.get_intake(session, actor=actor, intake_id=intake_id)
    return AddendumRead(
        id=addendum.id,
        text=addendum.text,
        signed_at=addendum.signed_at,
        signed_by=view.name(addendum.signed_by),
    )


@router.get("/intakes/{intake_id}/prefill", response_model=IntakePrefillRead)
def prefill(intake_id: uuid.UUID, session: DbSession, actor: Reader) -> IntakePrefillRead:
    """Per placement dimension, the intake's facts that bear on it: evidence, never a
    rating."""
    return prefill_read(service.prefill(session, actor=actor, intake_id=intake_id))
