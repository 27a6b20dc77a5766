"""JSON routes for client records."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from stepdown.clients import access, service
from stepdown.clients.schemas import ClientRead
from stepdown.kit.schemas import Line
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/clients", tags=["clients"])


@router.get("", response_model=list[ClientRead])
def search(
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENTS_READ)],
    q: Annotated[Line, Query(max_length=80, description="Name or record number")] = "",
    site_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ClientRead]:
    found = service.search_clients(session, actor=actor, query=q, site_id=site_id, limit=limit)
    return [ClientRead.model_validate(c) for c in found]


@router.get("/{client_id}", response_model=ClientRead)
def read(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CLIENTS_READ)],
) -> ClientRead:
    return ClientRead.model_validate(service.get_client(session, actor=actor, client_id=client_id))
