"""Liveness and readiness for load balancers and operators (no PHI, no sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from stepdown import __version__
from stepdown.kit.db import ping
from stepdown.security.deps import anonymous_route

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(
    request: Request, _: Annotated[None, anonymous_route("health check")]
) -> JSONResponse:
    """Async with one trip to a worker thread for the database's answer: a probe polled
    by load balancers should cost the server as little as a request can."""
    bind: Engine | Connection = request.app.state.sessionmaker.kw["bind"]
    try:
        await run_in_threadpool(ping, bind)
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "error", "version": __version__, "database": "unreachable"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})
