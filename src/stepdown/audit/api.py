"""JSON routes for the audit trail (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from stepdown.audit import access, service
from stepdown.audit.schemas import AuditEntryRead, AuditFilter, VerifyRead
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryRead])
def list_entries(
    session: DbSession,
    actor: Annotated[Actor, allow(access.AUDIT_READ)],
    criteria: Annotated[AuditFilter, Query()],
) -> list[AuditEntryRead]:
    entries = service.search(session, actor=actor, criteria=criteria)
    return [AuditEntryRead.model_validate(e) for e in entries]


@router.get("/verify", response_model=VerifyRead)
def verify(
    request: Request, session: DbSession, _: Annotated[Actor, allow(access.AUDIT_READ)]
) -> VerifyRead:
    """The chain and the checkpoint file, as `stepdown audit verify` checks them."""
    path = request.app.state.settings.effective_audit_checkpoint_file
    result = service.verify(session, checkpoint_path=path)
    return VerifyRead(
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        problem=result.problem,
        unkeyed=result.unkeyed,
        checkpoints=result.checkpoints,
    )
