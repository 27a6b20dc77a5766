"""JSON routes for the admissions pipeline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from stepdown.inquiries import access, service
from stepdown.inquiries.schemas import (
    Converted,
    InquiryCreate,
    InquiryDetail,
    InquiryFilter,
    InquiryRead,
    InquiryUpdate,
    StatusChangeCreate,
    StatusChangeRead,
)
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/inquiries", tags=["inquiries"])


@router.get("", response_model=list[InquiryRead])
def list_inquiries(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_READ)],
    criteria: Annotated[InquiryFilter, Query()],
) -> list[InquiryRead]:
    inquiries = service.list_inquiries(session, actor=actor, criteria=criteria)
    return [InquiryRead.model_validate(i) for i in inquiries]


@router.post("", response_model=InquiryRead, status_code=201)
def create_inquiry(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    data: InquiryCreate,
) -> InquiryRead:
    return InquiryRead.model_validate(service.create_inquiry(session, actor=actor, data=data))


def _detail(session: DbSession, actor: Actor, inquiry_id: uuid.UUID) -> InquiryDetail:
    inquiry = service.get_inquiry(session, actor=actor, inquiry_id=inquiry_id)
    history = service.status_history(session, inquiry=inquiry)
    return InquiryDetail(
        **InquiryRead.model_validate(inquiry).model_dump(),
        history=[StatusChangeRead.model_validate(h) for h in history],
    )


@router.get("/{inquiry_id}", response_model=InquiryDetail)
def get_inquiry(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_READ)],
    inquiry_id: uuid.UUID,
) -> InquiryDetail:
    return _detail(session, actor, inquiry_id)


@router.patch("/{inquiry_id}", response_model=InquiryRead)
def update_inquiry(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    changes: InquiryUpdate,
) -> InquiryRead:
    inquiry = service.update_inquiry(session, actor=actor, inquiry_id=inquiry_id, changes=changes)
    return InquiryRead.model_validate(inquiry)


@router.post("/{inquiry_id}/status", response_model=InquiryRead)
def move_status(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    change: StatusChangeCreate,
) -> InquiryRead:
    inquiry = service.move_status(session, actor=actor, inquiry_id=inquiry_id, change=change)
    return InquiryRead.model_validate(inquiry)


@router.post("/{inquiry_id}/convert", response_model=Converted, status_code=201)
def convert_to_client(
    session: DbSession,
    actor: Annotated[Actor, allow(access.INQUIRIES_WRITE)],
    inquiry_id: uuid.UUID,
    not_duplicate: Annotated[
        bool,
        Query(
            description="Likely duplicates on file refuse the conversion (409, naming their "
            "record numbers) until the caller confirms this is someone else."
        ),
    ] = False,
) -> Converted:
    """Admit: open a client record from the inquiry. The response names the new record."""
    client = service.convert_to_client(
        session, actor=actor, inquiry_id=inquiry_id, not_duplicate=not_duplicate
    )
    return Converted(inquiry_id=inquiry_id, client_id=client.id, record_number=client.record_number)
