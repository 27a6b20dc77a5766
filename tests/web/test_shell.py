"""The web shell: health, error pages in the layout, security headers, role home pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.security.roles import USER_ROLES, Role
from tests.factories import make_client, make_site, make_user, sign_in

HOME_HEADINGS = {
    Role.ADMIN: "Administration",
    Role.DIRECTOR: "Program overview",
    Role.CLINICIAN: "My caseload",
    Role.CASE_MANAGER: "Case management",
    Role.ADMISSIONS: "Admissions",
    Role.UTILIZATION_REVIEW: "Utilization review",
    Role.BILLING: "Billing",
    Role.CLIENT: "Welcome",
    Role.GUARDIAN: "My family member",
}


def test_healthz_reports_version_and_database(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "version": "0.1.0", "database": "ok"}


def test_404_page_uses_the_layout(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text
    assert 'class="top"' in page.text
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.json()["detail"] == "Not Found"


def test_security_headers(client: TestClient) -> None:
    response = client.get("/sign-in")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_each_role_gets_its_home_page(role: Role, client: TestClient, session: Session) -> None:
    site = make_site(session)
    user = make_user(session, role=role, site=site)
    clinician = user if role is Role.CLINICIAN else make_user(session, site=site)
    person = make_client(session, site=site, clinician=clinician)
    if role is Role.CLIENT:
        person.portal_user_id = user.id
    session.commit()
    sign_in(client, user.username)
    page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r"<h1>([^<]*)", page.text)[0].startswith(HOME_HEADINGS[role])
    assert page.text.count("<h1") == 1
    shown = person.legal_first_name in page.text
    assert shown == (role not in (Role.ADMIN, Role.DIRECTOR, Role.GUARDIAN, Role.BILLING))
    if shown:  # every client shown on a page is recorded as read by this user
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ,
                AuditEntry.client_id == person.id,
                AuditEntry.actor_id == user.id,
            )
        ).all()
        assert reads


def test_clinician_sees_only_their_own_caseload(client: TestClient, session: Session) -> None:
    site = make_site(session)
    mine = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    my_client = make_client(session, site=site, clinician=mine)
    their_client = make_client(session, site=site, clinician=other)
    session.commit()
    sign_in(client, mine.username)
    page = client.get("/").text
    assert my_client.display_name in page
    assert their_client.display_name not in page


def test_api_reference_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/static/swagger-ui-5.35.0/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text
    assert client.get("/static/swagger-ui-5.35.0/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/audit" in spec["paths"]


def test_request_log_lines_carry_ids_not_names(
    client: TestClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(session)
    make_client(session, site=site, legal_last_name="Privatename")
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    with caplog.at_level("INFO", logger="stepdown.access"):
        page = client.get("/clients?q=Privatename")
    assert "Privatename" in page.text
    lines = [r.getMessage() for r in caplog.records if r.name == "stepdown.access"]
    assert any(line.startswith("GET /clients 200 request_id=") for line in lines)
    assert all("Privatename" not in line for line in lines)
    assert any(f"user_id={director.id}" in line for line in lines)
