"""The FHIR routes under ``/fhir``: metadata, the token endpoint, read, search and
``Patient/{id}/$everything``, all answering ``application/fhir+json``.

Every refusal on these routes is an OperationOutcome with its 4xx status, whichever layer
raised it (a dependency, the CSRF check, FastAPI's parameter validation, a service):
``FhirRoute`` renders them, since the app's own handlers answer non-API paths with HTML.
The token endpoint answers as OAuth 2.0 does (RFC 6749 section 5). The routes are left out
of the OpenAPI document: a FHIR server describes itself with its CapabilityStatement.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fhir.resources.R4B.resource import Resource
from starlette.exceptions import HTTPException as StarletteHTTPException

from stepdown import __version__
from stepdown.disclosures import outbound
from stepdown.disclosures.models import Channel
from stepdown.fhir import access, capability, oauth, outcomes, service
from stepdown.fhir.callers import FhirCaller, allow_fhir
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.sources import Env
from stepdown.kit import clock
from stepdown.kit.errors import StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import open_route

MEDIA_TYPE = "application/fhir+json"
# OAuth answers must not be cached (RFC 6749 section 5.1).
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def respond(
    resource: Resource, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        resource.model_dump_json(), status_code=status_code, media_type=MEDIA_TYPE, headers=headers
    )


def refusal(status_code: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """An OperationOutcome answer; ``headers`` carries what the status needs (a 405's
    ``Allow``), and a 401 says how to authenticate."""
    sent = dict(headers or {})
    if status_code == 401:
        sent.setdefault("www-authenticate", "Bearer")
    return respond(outcomes.error(status_code, message), status_code, sent or None)


class FhirRoute(APIRoute):
    """A route whose refusals are OperationOutcomes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except StepdownError as exc:
                message = f"{exc.field}: {exc.message}" if exc.field else exc.message
                # FHIR answers a search it cannot process with 400; 422 is for a resource
                # sent to be written, which this read-only API never takes.
                return refusal(400 if exc.status_code == 422 else exc.status_code, message)
            except RequestValidationError as exc:
                problems = exc.errors()
                first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
                where = ".".join(str(p) for p in first["loc"][1:])
                return refusal(400, f"{where}: {first['msg']}" if where else str(first["msg"]))
            except StarletteHTTPException as exc:
                return refusal(exc.status_code, str(exc.detail), exc.headers)

        return answer


# Every response passes through the disclosure gate in the service (``service.read``,
# ``search``, ``everything`` screen each client's classes); the marker lets the route walk
# (tests/disclosures/test_outbound_routes.py) see it.
router = APIRouter(
    prefix="/fhir",
    route_class=FhirRoute,
    include_in_schema=False,
    dependencies=[outbound.gated(Channel.FHIR)],
)
Reader = Annotated[FhirCaller, allow_fhir(access.READ)]


def _env(request: Request) -> Env:
    names = Namespace.of(request.app.state.settings.base_url)
    return Env(names=names, zone=clock.program_zone(), today=clock.today())


@router.get("/metadata")
def metadata(
    request: Request,
    _: Annotated[Actor | None, open_route("the FHIR CapabilityStatement (no client data)")],
) -> Response:
    return respond(capability.build(names=_env(request).names, version=__version__))


@router.post("/auth/token")
def token(
    request: Request,
    session: DbSession,
    _: Annotated[
        Actor | None,
        open_route("OAuth 2.0 token endpoint: the client's credentials are the request"),
    ],
    grant_type: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
) -> Response:
    """Client credentials in the form or as HTTP Basic (RFC 6749 section 2.3.1). A
    refusal is returned, not raised, so its audit entry is committed with the request."""
    try:
        basic = _basic_credentials(request.headers.get("authorization", ""))
        if basic is not None:
            client_id, client_secret = basic
        if grant_type != "client_credentials":
            raise oauth.OAuthError(
                "unsupported_grant_type" if grant_type else "invalid_request",
                "grant_type must be client_credentials",
            )
        if not client_id or not client_secret:
            raise oauth.OAuthError(
                "invalid_client", "give client_id and client_secret", status_code=401
            )
        issued = oauth.issue_token(
            session, client_id=client_id, client_secret=client_secret, scope=scope
        )
    except oauth.OAuthError as exc:
        headers = dict(NO_STORE)
        if exc.status_code == 401:
            headers["www-authenticate"] = 'Basic realm="fhir"'
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status_code,
            headers=headers,
        )
    return JSONResponse(
        {
            "access_token": issued.secret,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(str(s) for s in issued.scopes),
        },
        headers=NO_STORE,
    )


def _malformed_basic() -> oauth.OAuthError:
    return oauth.OAuthError(
        "invalid_client", "the Basic credentials are not base64 of id:secret", status_code=401
    )


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    if authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _malformed_basic() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _malformed_basic()
    return unquote_plus(client_id), unquote_plus(secret)


@router.get("/Patient/{patient_id}/$everything")
def everything(patient_id: str, request: Request, session: DbSession, caller: Reader) -> Response:
    bundle = service.everything(
        session,
        actor=caller.actor,
        grant=caller.grant,
        env=_env(request),
        patient_id=patient_id,
        self_link=str(request.url),
    )
    return respond(bundle)


@router.get("/{resource_type}/{resource_id}")
def read(
    resource_type: str, resource_id: str, request: Request, session: DbSession, caller: Reader
) -> Response:
    """A withheld class is answered here rather than raised, so the request commits the
    gate's record of the refusal."""
    env = _env(request)
    try:
        resource = service.read(
            session,
            actor=caller.actor,
            grant=caller.grant,
            env=env,
            resource_type=resource_type,
            resource_id=resource_id,
        )
    except service.Withheld as exc:
        return respond(outcomes.refused(exc.item, exc.message, names=env.names), 403)
    return respond(resource)


@router.get("/{resource_type}")
def search(resource_type: str, request: Request, session: DbSession, caller: Reader) -> Response:
    bundle = service.search(
        session,
        actor=caller.actor,
        grant=caller.grant,
        env=_env(request),
        resource_type=resource_type,
        parameters=request.query_params.multi_items(),
        self_link=str(request.url),
    )
    return respond(bundle)
