"""Coverage in the browser's terms: admissions records a coverage on an inquiry and checks it
against the simulator, the chart's Coverage tab shows benefits by level, a refused form
names its field and keeps what was typed, a verification by phone, a check's page, and the
payer directory; a clinician reads but cannot check."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients import service as clients_service
from stepdown.coverage import eligibility, service
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway
from stepdown.coverage.models import CheckMethod, CheckOutcome, Coverage, EligibilityCheck
from stepdown.programs import service as programs_service
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, csrf_from, make_client, make_inquiry, make_site, make_user
from tests.factories import sign_in as sign_in_as

NPI = "1234567893"


def _program(session: Session) -> None:
    programs_service.create_program(session, actor=SYSTEM, name="Harbor Recovery", time_zone="UTC")
    programs_service.update_program(
        session, actor=SYSTEM, name="Harbor Recovery", phone="", address="", npi=NPI
    )


def test_admissions_verifies_an_inquirys_benefits_before_the_first_visit(
    client: TestClient, session: Session
) -> None:
    _program(session)
    site = make_site(session)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    inquiry = make_inquiry(session, site=site, date_of_birth=date(1991, 8, 14))
    payer = make_payer(session, name="Harbor Health Plan (test)", payer_code="HHP01")
    session.commit()
    sign_in_as(client, admissions.username)
    url = f"/inquiries/{inquiry.id}/coverage"
    page = client.get(url)
    assert page.status_code == 200
    assert "No coverage recorded yet." in page.text
    token = csrf_from(page.text)

    refused = client.post(
        f"/inquiries/{inquiry.id}/coverages",
        data={"csrf_token": token, "rank": "1", "payer_id": str(payer.id), "member_id": "a b"},
    )
    assert refused.status_code == 422
    assert 'value="a b"' in refused.text  # what was typed is kept
    assert "Member id:" in refused.text
    assert session.scalar(select(func.count()).select_from(Coverage)) == 0

    added = client.post(
        f"/inquiries/{inquiry.id}/coverages",
        data={
            "csrf_token": token,
            "rank": "1",
            "payer_id": str(payer.id),
            "member_id": "AUTH55501",
            "relationship": "18",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == url
    coverage = session.scalars(select(Coverage)).one()
    checked = client.post(
        f"/coverages/{coverage.id}/check", data={"csrf_token": token}, follow_redirects=False
    )
    assert checked.status_code == 303
    page = client.get(url).text
    assert "The payer says the coverage is active" in page
    assert "authorization required" in page
    assert "Benefits by level of care" in page
    assert "$" in page
    found = session.scalars(select(EligibilityCheck)).one()
    assert found.outcome is CheckOutcome.ACTIVE
    detail = client.get(f"/eligibility-checks/{found.id}")
    assert detail.status_code == 200
    assert "The X12 sent (270) and received (271)" in detail.text


def test_the_chart_tab_shows_benefits_and_a_phone_verification(
    client: TestClient, session: Session
) -> None:
    _program(session)
    site = make_site(session)
    review = make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    payer = make_payer(session)
    session.commit()
    sign_in_as(client, review.username)
    tab = f"/clients/{person.id}?tab=coverage"
    token = csrf_from(client.get(tab).text)
    client.post(
        f"/clients/{person.id}/coverages",
        data={"csrf_token": token, "rank": "1", "payer_id": str(payer.id), "member_id": "W100"},
    )
    coverage = session.scalars(select(Coverage)).one()
    refused = client.post(
        f"/coverages/{coverage.id}/phone",
        data={
            "csrf_token": token,
            "representative": "Dana",
            "call_reference": "C-1",
            "copay": "forty",
        },
    )
    assert refused.status_code == 422
    assert "a number, like 40 or 12.50" in refused.text
    recorded = client.post(
        f"/coverages/{coverage.id}/phone",
        data={
            "csrf_token": token,
            "representative": "Dana at provider services",
            "call_reference": "C-1",
            "service_types": "AI",
            "active": "yes",
            "copay": "40",
            "authorization_required": "yes",
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    page = client.get(tab).text
    assert "$40.00" in page
    assert "not returned by payer" in page  # the deductible nobody mentioned

    client.cookies.clear()
    sign_in_as(client, clinician.username)
    page = client.get(tab).text
    assert "$40.00" in page  # clinicians read the benefits...
    assert "Check eligibility now" not in page  # ...and do not change them
    refused = client.post(f"/coverages/{coverage.id}/check", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 403


def test_the_payer_directory(client: TestClient, session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in_as(client, admin.username)
    page = client.get("/payers")
    assert page.status_code == 200
    token = csrf_from(page.text)
    added = client.post(
        "/payers",
        data={"csrf_token": token, "name": "Lakeside Health (test)", "payer_code": "LKS01"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    again = client.post("/payers", data={"csrf_token": token, "name": "Lakeside Health (test)"})
    assert again.status_code == 409
    assert "a payer of that name is in the directory" in again.text


def test_a_client_sees_their_own_coverage_and_copays_and_nothing_else(
    client: TestClient, session: Session
) -> None:
    _program(session)
    site = make_site(session)
    person = make_client(session, site=site)
    other = make_client(session, site=site)
    portal = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=portal.id)
    payer = make_payer(session, payer_code="HHP02")
    mine = make_coverage(session, service.Owner(client_id=person.id), payer, member_id="ACT777")
    theirs = make_coverage(session, service.Owner(client_id=other.id), payer, member_id="ACT888")
    eligibility.check(
        session,
        actor=SYSTEM,
        coverage_id=mine.id,
        route=eligibility.Route(
            gateway=SimulatorGateway(timeout=5.0, sleep=lambda _: None),
            method=CheckMethod.SIMULATOR,
            sender_id="STEPDOWN",
            receiver_id="SIMULATOR",
        ),
    )
    found = session.scalars(select(EligibilityCheck)).one()
    session.commit()
    sign_in_as(client, portal.username)
    page = client.get("/my-coverage")
    assert page.status_code == 200
    assert "ACT777" in page.text
    assert "Intensive outpatient" in page.text
    assert "$" in page.text
    assert "ACT888" not in page.text
    assert "ISA*" not in page.text  # no X12
    assert client.get(f"/eligibility-checks/{found.id}").status_code == 403
    assert client.get(f"/clients/{other.id}?tab=coverage").status_code in (403, 404)
    api = client.get("/api/v1/me/coverages")
    assert [c["member_id"] for c in api.json()] == ["ACT777"]
    assert theirs.member_id not in api.text
