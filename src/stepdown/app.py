"""The ASGI application: routers, error pages, security headers, static files."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from stepdown import __version__
from stepdown.accountability import api as accountability_api
from stepdown.accountability import pages as accountability_pages
from stepdown.aftercare import api as aftercare_api
from stepdown.aftercare import pages as aftercare_pages
from stepdown.alerts import api as alerts_api
from stepdown.alerts import pages as alerts_pages
from stepdown.alumni import api as alumni_api
from stepdown.alumni import pages as alumni_pages
from stepdown.assessments import api as assessments_api
from stepdown.assessments import pages as assessments_pages
from stepdown.attendance import api as attendance_api
from stepdown.attendance import pages as attendance_pages
from stepdown.audit import api as audit_api
from stepdown.audit import pages as audit_pages
from stepdown.calendar import api as calendar_api
from stepdown.calendar import pages as calendar_pages
from stepdown.chart import pages as chart_pages
from stepdown.checkins import api as checkins_api
from stepdown.checkins import pages as checkins_pages
from stepdown.clients import api as clients_api
from stepdown.clients import pages as clients_pages
from stepdown.continuum import api as continuum_api
from stepdown.continuum import pages as continuum_pages
from stepdown.drug_testing import api as drug_testing_api
from stepdown.drug_testing import pages as drug_testing_pages
from stepdown.group_notes import api as group_notes_api
from stepdown.group_notes import pages as group_notes_pages
from stepdown.home import pages as home_pages
from stepdown.inquiries import api as inquiries_api
from stepdown.inquiries import pages as inquiries_pages
from stepdown.jobs.registry import default_registry
from stepdown.jobs.runner import Worker
from stepdown.kit import context
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.kit.errors import StepdownError, Unauthorized
from stepdown.kit.web import wants_html
from stepdown.medications import api as medications_api
from stepdown.medications import pages as medications_pages
from stepdown.placement import api as placement_api
from stepdown.placement import pages as placement_pages
from stepdown.portal import pages as portal_pages
from stepdown.programs import api as programs_api
from stepdown.programs import pages as programs_pages
from stepdown.programs.models import Site
from stepdown.safety import api as safety_api
from stepdown.safety import pages as safety_pages
from stepdown.scheduling import api as scheduling_api
from stepdown.scheduling import pages as scheduling_pages
from stepdown.security import api as security_api
from stepdown.security import pages as security_pages
from stepdown.security import tokens
from stepdown.security.deps import ANON_CSRF_COOKIE, csrf_protect
from stepdown.selfcheck import pages as selfcheck_pages
from stepdown.settings import Settings
from stepdown.transitions import api as transitions_api
from stepdown.transitions import pages as transitions_pages
from stepdown.treatment_plans import api as treatment_plans_api
from stepdown.treatment_plans import pages as treatment_plans_pages
from stepdown.web import api_docs, health
from stepdown.web.templating import render

log = logging.getLogger("stepdown")
access_log = logging.getLogger("stepdown.access")
STATIC_DIR = Path(__file__).parent / "web" / "static"
REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)
# Swagger UI starts itself with an inline script; the page carries no PHI.
DOCS_PATHS = ("/api/docs", "/api/openapi.json")


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or Settings()
    if session_factory is None:
        session_factory = make_sessionmaker(make_engine(settings.effective_database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.synthetic_data = _has_synthetic_data(session_factory)
        if settings.effective_jobs_backend != "inprocess":
            yield
            return
        # The embedded install has no separate worker: its nightly jobs run beside the app.
        worker = Worker(session_factory, settings, default_registry())
        worker.start()
        try:
            yield
        finally:
            worker.stop()

    app = FastAPI(
        title="Stepdown",
        version=__version__,
        description="Outpatient addiction-treatment program: continuum of care, schedule, "
        "accountability. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `stepdown tokens create`).",
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory
    app.state.synthetic_data = False
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        home_pages.router,
        clients_pages.router,
        chart_pages.router,
        continuum_pages.router,
        clients_api.router,
        continuum_api.router,
        security_pages.router,
        audit_pages.router,
        inquiries_pages.router,
        selfcheck_pages.router,
        health.router,
        api_docs.router,
        security_api.router,
        audit_api.router,
        inquiries_api.router,
        alerts_pages.router,
        alerts_api.router,
        assessments_pages.router,
        assessments_api.router,
        attendance_pages.router,
        attendance_api.router,
        placement_pages.router,
        placement_api.router,
        programs_pages.router,
        programs_api.router,
        scheduling_pages.router,
        scheduling_api.router,
        drug_testing_api.router,
        drug_testing_pages.router,
        medications_api.router,
        medications_pages.router,
        safety_api.router,
        safety_pages.router,
        calendar_pages.router,
        calendar_api.router,
        checkins_pages.router,
        checkins_api.router,
        portal_pages.router,
        treatment_plans_pages.router,
        treatment_plans_api.router,
        group_notes_pages.router,
        group_notes_api.router,
        accountability_pages.router,
        accountability_api.router,
        aftercare_pages.router,
        aftercare_api.router,
        alumni_pages.router,
        alumni_api.router,
        transitions_pages.router,
        transitions_api.router,
    ):
        app.include_router(router)
    _install_middleware(app)
    _install_error_handlers(app)
    return app


def _has_synthetic_data(factory: sessionmaker[Session]) -> bool:
    try:
        with factory() as session:
            return session.scalar(select(Site.id).where(Site.is_synthetic).limit(1)) is not None
    except SQLAlchemyError:
        return False


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        context.request_id.set(request_id)
        context.client_ip.set(request.client.host if request.client else "")
        anon = request.cookies.get(ANON_CSRF_COOKIE)
        request.state.anon_csrf = anon or tokens.new_secret(24)
        response = await call_next(request)
        _log_request(request, response.status_code, request_id)
        if not anon:
            response.set_cookie(
                ANON_CSRF_COOKIE,
                request.state.anon_csrf,
                httponly=True,
                samesite="lax",
                secure=app.state.settings.cookie_secure,
            )
        response.headers["x-request-id"] = request_id
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["cache-control"] = "no-store"
        if not request.url.path.startswith(DOCS_PATHS):
            response.headers["content-security-policy"] = CSP
        return response


def _log_request(request: Request, status: int, request_id: str) -> None:
    """One line per request with ids only: the path without its query string (a search
    by name must not reach the logs) and the caller's user id, never a name."""
    caller = getattr(request.state, "caller", None)
    user = caller.actor.user_id if caller is not None else "-"
    access_log.info(
        "%s %s %s request_id=%s user_id=%s",
        request.method,
        request.url.path,
        status,
        request_id,
        user,
    )


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    return render(
        request, "errors/error.html", {"heading": heading, "message": message}, status_code=status
    )


HEADINGS = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "That change was refused",
    422: "Please check what you entered",
    500: "Something went wrong",
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StepdownError)
    async def domain_error(request: Request, exc: StepdownError) -> Response:
        if wants_html(request):
            if isinstance(exc, Unauthorized):
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
            heading = HEADINGS.get(exc.status_code, "Refused")
            return _error_page(request, exc.status_code, heading, exc.message)
        body: dict[str, object] = {"error": type(exc).__name__, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        if exc.rule:
            body["rule"] = exc.rule
        headers = {"www-authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid input"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        if wants_html(request):
            return _error_page(request, 422, HEADINGS[422], detail)
        return JSONResponse(
            {"error": "Invalid", "detail": detail, "field": first["field"], "errors": problems},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            heading = HEADINGS.get(exc.status_code, "Error")
            message = (
                "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
            )
            return _error_page(request, exc.status_code, heading, message)
        return JSONResponse(
            {"error": heading_or(exc.status_code), "detail": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error request_id=%s", context.request_id.get())
        message = f"The error was logged with reference {context.request_id.get()}."
        if wants_html(request):
            return _error_page(request, 500, HEADINGS[500], message)
        return JSONResponse({"error": "ServerError", "detail": message}, status_code=500)


def heading_or(status: int) -> str:
    return HEADINGS.get(status, "Error")
