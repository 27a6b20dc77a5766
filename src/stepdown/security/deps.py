"""Who is calling, and may they: the dependencies every route declares.

A route names exactly one of ``allow(POLICY)`` (signed in, with a role the policy lists),
``open_route(reason)`` (sign-in, static and public pages) or ``anonymous_route(reason)``
(the health check, which never looks at the caller). Both carry a marker so
a test can walk the app and fail on any route that declares neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from stepdown.kit.errors import Forbidden, StepdownError, Unauthorized
from stepdown.kit.web import DbSession
from stepdown.security import service, tokens
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.settings import Settings

SESSION_COOKIE = "stepdown_session"
ANON_CSRF_COOKIE = "stepdown_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
POLICY_MARKER = "__stepdown_policy__"
OPEN_MARKER = "__stepdown_open__"


@dataclass(frozen=True)
class Caller:
    """Plain values, not ORM rows: error pages still need them after a rollback."""

    actor: Actor
    web_session_id: uuid.UUID | None = None  # None when the caller used a bearer token
    csrf_token: str | None = None


def session_policy(settings: Settings) -> service.SessionPolicy:
    return service.SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
    )


def resolve_caller(request: Request, session: Session) -> Caller | None:
    """The signed-in caller, looked up once per request and kept on ``request.state``."""
    if hasattr(request.state, "caller"):
        cached: Caller | None = request.state.caller
        return cached
    caller: Caller | None = None
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = service.resolve_api_token(session, secret=authorization[7:].strip())
        if user is not None:
            caller = Caller(service.actor_for(user))
    elif token := request.cookies.get(SESSION_COOKIE):
        resolved = service.resolve_session(
            session, token=token, policy=session_policy(request.app.state.settings)
        )
        if resolved is not None:
            web_session, user = resolved
            caller = Caller(service.actor_for(user), web_session.id, web_session.csrf_token)
    request.state.caller = caller
    return caller


def allow(policy: Policy) -> Any:
    """Dependency: the caller's Actor, if signed in with one of the policy's roles."""

    def dependency(request: Request, session: DbSession) -> Actor:
        caller = resolve_caller(request, session)
        if caller is None:
            raise Unauthorized("sign in to continue")
        if not policy.allows(caller.actor.role):
            raise Forbidden(f"your role ({caller.actor.role.label}) may not {policy.description}")
        return caller.actor

    setattr(dependency, POLICY_MARKER, policy)
    return Depends(dependency)


def open_route(reason: str) -> Any:
    """Dependency for routes anyone may call; the optional caller is still resolved."""

    def dependency(request: Request, session: DbSession) -> Actor | None:
        caller = resolve_caller(request, session)
        return caller.actor if caller else None

    setattr(dependency, OPEN_MARKER, reason)
    return Depends(dependency)


def anonymous_route(reason: str) -> Any:
    """Dependency for an open route that has no use for the caller (the health check).

    ``open_route`` resolves an optional caller, which for a bearer token is a query and a
    write of the token's last use; a load balancer's probe needs neither.
    """

    async def dependency() -> None:
        return None

    setattr(dependency, OPEN_MARKER, reason)
    return Depends(dependency)


def expected_csrf_token(request: Request, session: Session) -> str | None:
    """The signed-in session's token; before sign-in, the anonymous double-submit cookie."""
    caller = resolve_caller(request, session)
    if caller is not None and caller.csrf_token is not None:
        return caller.csrf_token
    anon: str | None = getattr(request.state, "anon_csrf", None)
    return anon


class CsrfFailed(StepdownError):
    status_code = 403


async def csrf_protect(request: Request, session: DbSession) -> None:
    """Every state-changing request from a browser must echo its CSRF token.

    Bearer-token API calls carry no ambient credential, so they are exempt.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.url.path == "/fhir/auth/token":  # OAuth client credentials: no cookie involved
        return
    expected = expected_csrf_token(request, session)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not tokens.same(expected, given):
        raise CsrfFailed(
            "the form expired or came from another site; reload the page and try again",
            field=CSRF_FIELD,
        )
