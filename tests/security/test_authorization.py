"""Every route declares who may call it, and the declared policies hold for each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route

from stepdown.app import create_app
from stepdown.security.deps import OPEN_MARKER, POLICY_MARKER
from stepdown.security.roles import USER_ROLES, Role
from stepdown.settings import Settings
from tests.factories import make_site, make_user, sign_in

# The route FastAPI adds for the OpenAPI document; it carries no PHI.
DOCS_ROUTES = {"/api/openapi.json"}
# Only these may be open to anyone: sign-in, health, static files and public pages.
ALLOWED_OPEN = {
    "/sign-in",
    "/healthz",
    "/api/docs",
    "/self-check",
    "/self-check/result",
    "/self-check/consultation",
    "/self-check/thanks",
    # Calendar apps cannot sign in: the feed's secret URL is its credential (calendar.feeds).
    "/calendar/feeds/{secret}.ics",
    # A client making their portal account is not signed in yet: the one-time link is the
    # credential (portal.invitations).
    "/invitation/{secret}",
    # The FHIR server's CapabilityStatement is public by the standard (it holds no PHI), and
    # a backend system gets its token with the client credentials in the request.
    "/fhir/metadata",
    "/fhir/auth/token",
}


def _markers(dependant: Dependant) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    call: Callable[..., Any] | None = dependant.call
    if call is not None:
        if hasattr(call, POLICY_MARKER):
            found.append(("policy", getattr(call, POLICY_MARKER)))
        if hasattr(call, OPEN_MARKER):
            found.append(("open", getattr(call, OPEN_MARKER)))
    for sub in dependant.dependencies:
        found.extend(_markers(sub))
    return found


def test_every_route_declares_a_policy() -> None:
    app = create_app(Settings(secret_key="x" * 40, _env_file=None))  # type: ignore[arg-type, call-arg]
    missing, wrongly_open = [], []
    checked = 0
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        if isinstance(route, Mount):
            assert path == "/static", f"unexpected mount {path}"
            continue
        if isinstance(route, APIRoute):
            checked += 1
            kinds = {kind for kind, _ in _markers(route.dependant)}
            if not kinds:
                missing.append(f"{sorted(route.methods)} {path}")
            elif kinds == {"open"} and path not in ALLOWED_OPEN:
                wrongly_open.append(path)
            continue
        assert isinstance(route, Route), route
        assert path in DOCS_ROUTES, route
    assert checked >= 10, "the walk found too few routes to be walking the app"
    assert not missing, f"routes without a policy: {missing}"
    assert not wrongly_open, f"routes open to anyone that should not be: {wrongly_open}"


ALL = set(USER_ROLES)
ADMIN_DIRECTOR = {Role.ADMIN, Role.DIRECTOR}
STAFF = ALL - {Role.CLIENT, Role.GUARDIAN}
# Billing staff read what a claim carries and nothing clinical: not the census by level.
BILLING = {Role.BILLING, Role.DIRECTOR}
# route -> roles allowed; everyone else gets 403 (and anonymous callers 401 / a redirect).
MATRIX: dict[str, set[Role]] = {
    "/": ALL,
    "/users": ADMIN_DIRECTOR,
    "/audit": ADMIN_DIRECTOR,
    "/api/v1/me": ALL,
    "/api/v1/users": ADMIN_DIRECTOR,
    "/api/v1/audit": ADMIN_DIRECTOR,
    "/api/v1/audit/verify": ADMIN_DIRECTOR,
    "/clients": STAFF - {Role.BILLING},
    "/census": STAFF - {Role.BILLING},
    "/levels": STAFF - {Role.BILLING},
    "/levels/IOP/edit": ADMIN_DIRECTOR,
    "/api/v1/census": STAFF - {Role.BILLING},
    "/api/v1/levels": STAFF - {Role.BILLING},
    "/programs": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/programs/keep-apart": {Role.DIRECTOR, Role.CLINICIAN},
    "/schedule": {Role.DIRECTOR},
    "/api/v1/schedule/builds?week=2026-11-23": {Role.DIRECTOR},
    "/api/v1/programs/rooms": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/api/v1/programs/staff-profiles": {
        Role.ADMIN,
        Role.DIRECTOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
    },
    "/api/v1/programs/time-blocks": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/api/v1/programs/sessions": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/api/v1/programs/keep-apart": {Role.DIRECTOR, Role.CLINICIAN},
    "/placement/rules": {Role.CLINICIAN, Role.DIRECTOR, Role.UTILIZATION_REVIEW},
    "/placement/rules/edit": {Role.DIRECTOR},
    "/placement/report": {Role.DIRECTOR, Role.UTILIZATION_REVIEW},
    "/testing": {Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/attendance": {Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/attendance/board": {
        Role.DIRECTOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
        Role.UTILIZATION_REVIEW,
    },
    "/self-check": ALL,
    "/my-plan": {Role.CLIENT},
    "/api/v1/treatment-plans/overdue-reviews": {Role.CLINICIAN, Role.DIRECTOR},
    "/calendar": STAFF,
    "/calendar/me": STAFF,
    "/group-notes": {Role.CLINICIAN, Role.DIRECTOR},
    "/api/v1/group-notes": {Role.CLINICIAN, Role.DIRECTOR},
    "/my-group-notes": {Role.CLIENT},
    "/portal": {Role.CLIENT},
    "/family": {Role.GUARDIAN},
    "/aftercare": {Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/api/v1/aftercare/worklist": {Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/portal/aftercare": {Role.CLIENT},
    "/reviews": {Role.CLINICIAN, Role.DIRECTOR, Role.UTILIZATION_REVIEW},
    "/reviews/rules": {Role.CLINICIAN, Role.DIRECTOR, Role.UTILIZATION_REVIEW},
    "/api/v1/reviews/queue": {Role.CLINICIAN, Role.DIRECTOR, Role.UTILIZATION_REVIEW},
    "/alumni": {Role.CLINICIAN, Role.CASE_MANAGER, Role.DIRECTOR},
    "/alumni/mine": {Role.CLIENT},
    "/api/v1/alumni/events": {Role.CLINICIAN, Role.CASE_MANAGER, Role.DIRECTOR},
    "/api/v1/alumni/volunteers": {Role.CLINICIAN, Role.CASE_MANAGER, Role.DIRECTOR},
    "/api/v1/alumni/mentorships": {Role.CLINICIAN, Role.CASE_MANAGER, Role.DIRECTOR},
    "/billing": BILLING,
    "/billing/remittances": BILLING,
    "/billing/denials": BILLING,
    "/billing/balances": BILLING,
}
# A client's home is their portal, a guardian's the page for their family member: "/"
# sends them there instead of rendering a page.
REDIRECTS = {("/", Role.CLIENT): "/portal", ("/", Role.GUARDIAN): "/family"}


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_role_matrix(role: Role, client: TestClient, session: Session, app: FastAPI) -> None:
    site = make_site(session)
    user = make_user(session, role=role, site=site)
    session.commit()
    sign_in(client, user.username)
    for path, allowed in MATRIX.items():
        response = client.get(path, follow_redirects=False)
        if (path, role) in REDIRECTS:
            assert response.status_code == 303, f"{role.value} GET {path}"
            assert response.headers["location"] == REDIRECTS[path, role]
            continue
        status = response.status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role.value} GET {path}: {status}, expected {expected}"


@pytest.mark.parametrize("path", sorted(MATRIX))
def test_anonymous_callers_are_turned_away(path: str, client: TestClient) -> None:
    response = client.get(path, follow_redirects=False)
    if path in ALLOWED_OPEN:
        assert response.status_code == 200
    elif path.startswith("/api/"):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in")
