"""The ASGI application: routers, error pages, security headers, static files."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator, Sequence
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
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
from stepdown.authorizations import api as authorizations_api
from stepdown.authorizations import packet_pages as authorizations_packet_pages
from stepdown.authorizations import pages as authorizations_pages
from stepdown.billing import pages as billing_pages
from stepdown.calendar import api as calendar_api
from stepdown.calendar import pages as calendar_pages
from stepdown.case_management import api as case_management_api
from stepdown.case_management import pages as case_management_pages
from stepdown.chart import pages as chart_pages
from stepdown.checkins import api as checkins_api
from stepdown.checkins import pages as checkins_pages
from stepdown.clients import api as clients_api
from stepdown.clients import merge_pages as clients_merge_pages
from stepdown.clients import pages as clients_pages
from stepdown.clinical_notes import api as clinical_notes_api
from stepdown.clinical_notes import pages as clinical_notes_pages
from stepdown.consents import family_pages as consents_family_pages
from stepdown.consents import pages as consents_pages
from stepdown.continuum import api as continuum_api
from stepdown.continuum import pages as continuum_pages
from stepdown.coverage import api as coverage_api
from stepdown.coverage import pages as coverage_pages
from stepdown.diagnoses import api as diagnoses_api
from stepdown.diagnoses import pages as diagnoses_pages
from stepdown.discharge_summaries import api as discharge_summaries_api
from stepdown.discharge_summaries import pages as discharge_summaries_pages
from stepdown.disclosures import pages as disclosures_pages
from stepdown.documents import api as documents_api
from stepdown.documents import pages as documents_pages
from stepdown.documents import rules as documents_rules
from stepdown.drug_testing import api as drug_testing_api
from stepdown.drug_testing import pages as drug_testing_pages
from stepdown.fhir import api as fhir_api
from stepdown.group_notes import api as group_notes_api
from stepdown.group_notes import pages as group_notes_pages
from stepdown.home import pages as home_pages
from stepdown.inquiries import api as inquiries_api
from stepdown.inquiries import pages as inquiries_pages
from stepdown.intake import api as intake_api
from stepdown.intake import pages as intake_pages
from stepdown.jobs.registry import default_registry
from stepdown.jobs.runner import Worker
from stepdown.kit import context
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.kit.errors import StepdownError, Unauthorized
from stepdown.kit.web import refuse_unstorable_input, wants_html
from stepdown.medications import api as medications_api
from stepdown.medications import pages as medications_pages
from stepdown.outcomes import pages as outcomes_pages
from stepdown.placement import api as placement_api
from stepdown.placement import pages as placement_pages
from stepdown.portal import invitation_pages
from stepdown.portal import pages as portal_pages
from stepdown.programs import api as programs_api
from stepdown.programs import pages as programs_pages
from stepdown.programs.card import ProgramCards, with_program_clock
from stepdown.programs.models import Site
from stepdown.safety import api as safety_api
from stepdown.safety import pages as safety_pages
from stepdown.scheduling import api as scheduling_api
from stepdown.scheduling import pages as scheduling_pages
from stepdown.security import account_pages, tokens
from stepdown.security import api as security_api
from stepdown.security import pages as security_pages
from stepdown.security.deps import ANON_CSRF_COOKIE, csrf_protect
from stepdown.security.throttle import SignInThrottle
from stepdown.selfcheck import pages as selfcheck_pages
from stepdown.settings import Settings
from stepdown.setup import import_pages as setup_import_pages
from stepdown.setup import pages as setup_pages
from stepdown.transitions import api as transitions_api
from stepdown.transitions import pages as transitions_pages
from stepdown.treatment_plans import api as treatment_plans_api
from stepdown.treatment_plans import pages as treatment_plans_pages
from stepdown.web import api_docs, health
from stepdown.web.templating import render

log = logging.getLogger("stepdown")
access_log = logging.getLogger("stepdown.access")
STATIC_DIR = Path(__file__).parent / "web" / "static"
# A request id a client sends is logged only in this shape (never stored in the audit trail).
REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)
# Swagger UI starts itself with an inline script; the page carries no PHI, but it must not
# be framed either (clickjacking an "Authorize" dialog).
DOCS_PATHS = ("/api/docs", "/api/openapi.json")
DOCS_CSP = "frame-ancestors 'none'"
# The pages use no device or payment API; say so, so no injected script or frame can ask.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HSTS = "max-age=31536000; includeSubDomains"


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or Settings()
    if session_factory is None:
        session_factory = make_sessionmaker(make_engine(settings.effective_database_url))

    cards = ProgramCards(session_factory, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.synthetic_data = _has_synthetic_data(session_factory)
        effective = with_program_clock(settings, cards.reload())
        app.state.settings = effective
        refresher = (
            asyncio.create_task(_refresh(cards, effective.program_refresh_seconds))
            if effective.program_refresh_seconds > 0
            else None
        )
        try:
            if effective.effective_jobs_backend != "inprocess":
                yield
                return
            # The embedded install has no separate worker: its nightly jobs run beside the app.
            worker = Worker(session_factory, effective, default_registry())
            worker.start()
            try:
                yield
            finally:
                worker.stop()
        finally:
            if refresher is not None:
                refresher.cancel()

    app = FastAPI(
        title="Stepdown",
        version=__version__,
        description="Outpatient addiction-treatment program: continuum of care, schedule, "
        "accountability. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `stepdown tokens create`).",
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(refuse_unstorable_input), Depends(csrf_protect)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessionmaker = session_factory
    app.state.program = cards
    app.state.sign_in_throttle = SignInThrottle()
    app.state.synthetic_data = False
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        home_pages.router,
        clients_merge_pages.router,  # before the chart's /clients/{client_id}
        clients_pages.router,
        chart_pages.router,
        continuum_pages.router,
        outcomes_pages.router,
        billing_pages.router,
        clients_api.router,
        continuum_api.router,
        account_pages.router,
        invitation_pages.router,
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
        setup_pages.router,
        setup_import_pages.router,
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
        diagnoses_pages.router,
        diagnoses_api.router,
        group_notes_pages.router,
        group_notes_api.router,
        intake_pages.router,
        intake_api.router,
        clinical_notes_pages.router,
        clinical_notes_api.router,
        documents_pages.router,
        documents_api.router,
        discharge_summaries_pages.router,
        discharge_summaries_api.router,
        accountability_pages.router,
        disclosures_pages.router,
        accountability_api.router,
        aftercare_pages.router,
        aftercare_api.router,
        case_management_pages.router,
        case_management_api.router,
        consents_pages.router,
        consents_family_pages.router,
        coverage_pages.router,
        authorizations_pages.router,
        authorizations_packet_pages.router,
        authorizations_api.router,
        coverage_api.router,
        alumni_pages.router,
        alumni_api.router,
        transitions_pages.router,
        transitions_api.router,
        fhir_api.router,
    ):
        app.include_router(router)
    # The last added runs first: the request context wraps the body limit, so a 413 gets
    # the request id, the headers and its log line like any other answer.
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        larger=(
            (
                documents_rules.UPLOAD_PATH,
                documents_rules.request_limit(settings.documents_max_bytes),
            ),
        ),
    )
    app.add_middleware(RequestContext, settings=settings)
    _install_error_handlers(app)
    api_docs.install_openapi(app)
    return app


async def _refresh(cards: ProgramCards, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await run_in_threadpool(cards.reload)


def _has_synthetic_data(factory: sessionmaker[Session]) -> bool:
    try:
        with factory() as session:
            return session.scalar(select(Site.id).where(Site.is_synthetic).limit(1)) is not None
    except SQLAlchemyError:
        return False


class RequestContext:
    """Pure ASGI middleware around every HTTP request (Starlette's ``BaseHTTPMiddleware``
    ran the app in a separate task and buffered its errors).

    It gives the request our own id, sets the audit context, issues the anonymous CSRF
    cookie, adds the security headers to whatever answer goes out, writes one access log
    line, and turns an unexpected error into the 500 page. The id is always generated
    here: a client-chosen one would land in audit rows, so it is only logged, in its own
    field, when it has the strict ``REQUEST_ID`` shape.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        request_id = uuid.uuid4().hex
        given = request.headers.get("x-request-id", "")
        client_request_id = given if REQUEST_ID.match(given) else ""
        id_token = context.request_id.set(request_id)
        ip_token = context.client_ip.set(request.client.host if request.client else "")
        anon = request.cookies.get(ANON_CSRF_COOKIE)
        request.state.anon_csrf = anon or tokens.new_secret(24)
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                self._secure(headers, request.url.path)
                headers["x-request-id"] = request_id
                if not anon:
                    headers.append("set-cookie", self._anon_cookie(request.state.anon_csrf))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error request_id=%s", request_id)
            if not started:
                await _server_error(request, request_id)(scope, receive, send_with_headers)
            raise  # the server logs it too; tests see it unless they ask not to
        finally:
            _log_request(request, status, request_id, client_request_id)
            context.request_id.reset(id_token)
            context.client_ip.reset(ip_token)

    def _secure(self, headers: MutableHeaders, path: str) -> None:
        headers["x-content-type-options"] = "nosniff"
        headers["referrer-policy"] = "same-origin"
        headers["x-frame-options"] = "DENY"
        headers["permissions-policy"] = PERMISSIONS_POLICY
        if self.settings.cookie_secure:
            headers["strict-transport-security"] = HSTS
        if not path.startswith("/static/"):
            headers["cache-control"] = "no-store"
        # A route that sets its own policy keeps it: a stored document is served under one
        # that runs nothing yet lets the browser's PDF viewer draw (``documents.rules``).
        if "content-security-policy" not in headers:
            headers["content-security-policy"] = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP

    def _anon_cookie(self, value: str) -> str:
        """The Set-Cookie line, formatted by Starlette like every other cookie we set."""
        carrier = Response()
        carrier.set_cookie(
            ANON_CSRF_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=self.settings.cookie_secure,
        )
        return carrier.headers["set-cookie"]


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, before anything parses them.

    A declared Content-Length over the limit is answered at once; a body sent without one
    (chunked) is counted as it arrives and refused as soon as it passes the limit, through
    the app's own error handler (HTML page or JSON), so a client cannot make the app buffer
    an unbounded form or JSON document.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        larger: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = larger

    def limit_for(self, method: str, path: str) -> int:
        """``limit``, or a larger one a route that takes a file (a POST to a path in
        ``larger``) was given."""
        if method == "POST":
            for pattern, limit in self.larger:
                if pattern.match(path):
                    return max(self.limit, limit)
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = self.limit_for(request.method, request.url.path)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(request, limit)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, detail=_too_large_message(limit))
            return message

        await self.app(scope, counted, send)


def _size(n: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _too_large_message(limit: int) -> str:
    return f"The request is larger than the {_size(limit)} this server accepts."


def _too_large(request: Request, limit: int) -> Response:
    if wants_html(request):
        return _error_page(request, 413, HEADINGS[413], _too_large_message(limit))
    return JSONResponse(
        {"error": HEADINGS[413], "detail": _too_large_message(limit)}, status_code=413
    )


def _server_error(request: Request, request_id: str) -> Response:
    message = f"The error was logged with reference {request_id}."
    if wants_html(request):
        return _error_page(request, 500, HEADINGS[500], message)
    return JSONResponse({"error": "ServerError", "detail": message}, status_code=500)


# Paths that carry a secret (a portal invitation, a calendar feed): a log line is read by
# people the secret is not for, so it shows where the request went without the key.
SECRET_IN_PATH = re.compile(r"^(/invitation/|/calendar/feeds/)[^/]+")


def _log_request(request: Request, status: int, request_id: str, client_request_id: str) -> None:
    """One line per request with ids only: the path without its query string (a search
    by name must not reach the logs) or its secret, and the caller's user id, never a
    name."""
    caller = getattr(request.state, "caller", None)
    user = caller.actor.user_id if caller is not None else "-"
    access_log.info(
        "%s %s %s request_id=%s user_id=%s%s",
        request.method,
        SECRET_IN_PATH.sub(r"\1[secret]", request.url.path),
        status,
        request_id,
        user,
        f" client_request_id={client_request_id}" if client_request_id else "",
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
    413: "Too large",
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
            # A refusal no form caught still names its field, as the JSON answer does.
            message = exc.message
            if exc.field:
                message = f"{exc.field.replace('_', ' ').capitalize()}: {message}"
            return _error_page(request, exc.status_code, heading, message)
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
        # The exception's headers go out with the answer: a 405 must say which methods
        # the address does allow (``Allow``, RFC 9110 section 15.5.6).
        if request.url.path.startswith("/fhir/"):
            return fhir_api.refusal(exc.status_code, str(exc.detail), exc.headers)
        if wants_html(request):
            heading = HEADINGS.get(exc.status_code, "Error")
            message = (
                "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
            )
            page = _error_page(request, exc.status_code, heading, message)
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(
            {"error": heading_or(exc.status_code), "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )


def heading_or(status: int) -> str:
    return HEADINGS.get(status, "Error")
