"""Liveness and readiness for load balancers and operators (no PHI, no sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from stepdown import __version__
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import open_route

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(
    session: DbSession, _: Annotated[Actor | None, open_route("health check")]
) -> JSONResponse:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "error", "version": __version__, "database": "unreachable"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})
