"""The Summary tab, the printable page and the JSON route, as a browser and an API client
see them: the range form, refusals naming their field, and who may see whose summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus as S
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import USER_ROLES, Role
from tests.accountability.test_service import (
    objective_met_today,
    positive_for_cocaine,
    under_review,
)
from tests.factories import (
    SYSTEM,
    make_client,
    make_occurrence,
    make_response,
    make_site,
    make_user,
    sign_in,
)

ALLOWED = {Role.CLINICIAN, Role.DIRECTOR, Role.UTILIZATION_REVIEW, Role.CASE_MANAGER}


def _setup(session: Session) -> tuple[Site, User, Client]:
    """A client in IOP for two weeks with one group attended yesterday."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=person.id,
        level_code="IOP",
        track=Track.EVENING,
        on=today() - timedelta(days=14),
        reason="test admission",
    )
    occurrence = make_occurrence(
        session, site=site, leader=clinician, day=today() - timedelta(days=1), clients=[person]
    )
    attendance_service.record_attendance(
        session,
        actor=security_service.actor_for(clinician),
        occurrence_id=occurrence.id,
        entries=[attendance_service.Entry(client_id=person.id, status=S.PRESENT)],
    )
    session.commit()
    return site, clinician, person


def test_the_summary_tab_shows_the_last_thirty_days(client: TestClient, session: Session) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    response = client.get(f"/clients/{person.id}?tab=summary")
    assert response.status_code == 200
    html = response.text
    start = (today() - timedelta(days=29)).isoformat()
    assert 'aria-current="page">Summary</a>' in html
    assert "Attended 1 of 1 booked session (100%)." in html
    assert f'name="start" type="date" value="{start}"' in html
    assert f"/clients/{person.id}/accountability?start={start}&amp;end={today()}" in html


def test_the_printable_page_stands_alone_with_the_print_rules(
    client: TestClient, session: Session
) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    start = today() - timedelta(days=13)
    response = client.get(
        f"/clients/{person.id}/accountability", params={"start": str(start), "end": str(today())}
    )
    assert response.status_code == 200
    html = response.text
    assert '<body class="printable">' in html
    assert 'href="http://127.0.0.1:8000/static/stepdown.css"' in html
    assert 'aria-label="Main"' not in html  # no menu on paper
    assert person.record_number in html
    assert f"{start} to {today()} (14 days, both included)" in html
    assert "by Test Clinician" in html
    for heading in ("Attendance", "Hours per week", "Drug tests and results", "Daily check-ins"):
        assert f">{heading}</h2>" in html
    assert "100% (1 of 1)" in html
    css = client.get("/static/stepdown.css").text
    assert "@media print" in css
    assert ".no-print { display: none !important; }" in css


def test_the_printable_page_lists_tests_objectives_and_scores(
    client: TestClient, session: Session
) -> None:
    r = under_review(session)
    positive_for_cocaine(session, r, 4)
    objective_met_today(session, r)
    make_response(session, client=r.person, code="phq9", answers=[1] * 9)
    session.commit()
    sign_in(client, r.clinician.username)
    html = client.get(f"/clients/{r.person.id}/accountability").text
    assert "<td>Cocaine: 1</td>" in html
    assert "<td>Attend 3 mutual-support meetings a week for 4 weeks</td>" in html
    assert "<td>Met</td>" in html
    assert "<td>PHQ-9</td><td>9 (mild)</td>" in html
    assert "<li>1 unexpected positive (cocaine).</li>" in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end"),
        ({"start": "10 November", "end": ""}, "start"),
    ],
)
def test_a_bad_range_is_422_naming_the_field(
    client: TestClient, session: Session, params: dict[str, str], field: str
) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    page = client.get(f"/clients/{person.id}/accountability", params=params)
    assert page.status_code == 422
    assert f"<strong>{field.capitalize()}:</strong>" in page.text
    assert f'id="range-{field}" name="{field}"' in page.text
    assert 'aria-invalid="true"' in page.text
    api = client.get(f"/api/v1/clients/{person.id}/accountability", params=params)
    assert api.status_code == 422
    assert api.json()["field"] == field


def test_the_api_returns_the_summary(client: TestClient, session: Session) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    response = client.get(f"/api/v1/clients/{person.id}/accountability")
    assert response.status_code == 200
    body = response.json()
    assert body["end"] == today().isoformat()
    assert body["start"] == (today() - timedelta(days=29)).isoformat()
    assert body["attendance"]["rate"] == 1.0
    assert body["attendance"]["scheduled"] == 1
    assert sum(w["delivered_minutes"] for w in body["weeks"]) == 90
    assert body["checkins"]["direction"] == "unknown"
    assert body["points"][0] == "Attended 1 of 1 booked session (100%)."


def test_another_caseload_is_not_found(client: TestClient, session: Session) -> None:
    site, _, person = _setup(session)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    session.commit()
    sign_in(client, other.username)
    assert client.get(f"/clients/{person.id}/accountability").status_code == 404
    assert client.get(f"/api/v1/clients/{person.id}/accountability").status_code == 404


def test_another_sites_case_manager_is_not_found(client: TestClient, session: Session) -> None:
    _, _, person = _setup(session)
    elsewhere = make_user(session, role=Role.CASE_MANAGER, site=make_site(session))
    session.commit()
    sign_in(client, elsewhere.username)
    assert client.get(f"/api/v1/clients/{person.id}/accountability").status_code == 404


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_who_may_see_a_summary(client: TestClient, session: Session, role: Role) -> None:
    site, clinician, person = _setup(session)
    user = clinician if role is Role.CLINICIAN else make_user(session, role=role, site=site)
    session.commit()
    sign_in(client, user.username)
    expected = 200 if role in ALLOWED else 403
    for path in (
        f"/clients/{person.id}/accountability",
        f"/api/v1/clients/{person.id}/accountability",
    ):
        assert client.get(path, follow_redirects=False).status_code == expected, path
    tab = client.get(f"/clients/{person.id}?tab=summary")
    assert ('aria-current="page">Summary</a>' in tab.text) is (role in ALLOWED)


def test_anonymous_callers_are_turned_away(client: TestClient, session: Session) -> None:
    _, _, person = _setup(session)
    page = client.get(f"/clients/{person.id}/accountability", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in")
    assert client.get(f"/api/v1/clients/{person.id}/accountability").status_code == 401


def test_a_copy_for_the_probation_officer_goes_through_the_gate(
    client: TestClient, session: Session
) -> None:
    """With the client's consent to share attendance and drug tests, the officer's copy
    holds those sections only, with the notice and the consent's scope, and is recorded;
    after revocation the next one is refused and nothing is released."""
    from sqlalchemy import func, select

    from stepdown.consents import service as consents
    from stepdown.consents.models import ContactRelationship, InformationClass, Purpose
    from stepdown.disclosures.models import Disclosure
    from stepdown.disclosures.notice import current

    _, clinician, person = _setup(session)
    staff = security_service.actor_for(clinician)
    officer = consents.add_contact(
        session,
        actor=staff,
        client_id=person.id,
        name="Pat Officer",
        relationship=ContactRelationship.PROBATION_OFFICER,
    )
    consent = consents.record_consent(
        session,
        actor=staff,
        client_id=person.id,
        data=consents.ConsentInput(
            kind=consents.ConsentKind.SPECIFIC,
            disclosers="the program",
            information=frozenset({InformationClass.ATTENDANCE, InformationClass.DRUG_TESTS}),
            information_description="attendance and drug tests",
            recipient_ids=frozenset({officer.recipient_id}),
            recipient_classes=frozenset(),
            purposes=frozenset({Purpose.COURT_SUPERVISION}),
            purpose_description="probation reports",
            expires_on=today() + timedelta(days=90),
            expiry_event="",
            client_signature="signed",
            signed_on=today(),
        ),
    )
    session.commit()
    sign_in(client, clinician.username)
    url = f"/clients/{person.id}/accountability"
    own = client.get(url)
    assert "Internal copy for the program" in own.text
    assert f'value="{officer.recipient_id}|court_supervision"' in own.text
    params = {"recipient": f"{officer.recipient_id}|court_supervision"}
    sent = client.get(url, params=params)
    assert sent.status_code == 200
    assert "Released to Pat Officer" in sent.text
    assert current().text.split(".")[0] in sent.text
    assert ">Attendance</h2>" in sent.text
    assert ">Drug tests and results</h2>" in sent.text
    assert ">Daily check-ins</h2>" not in sent.text
    assert ">Treatment plan objectives</h2>" not in sent.text
    count = select(func.count()).select_from(Disclosure).where(Disclosure.client_id == person.id)
    assert session.scalar(count) == 1
    consents.revoke(session, actor=staff, consent_id=consent.id, note="written revocation")
    session.commit()
    refused = client.get(url, params=params)
    assert refused.status_code == 403
    assert "was revoked on" in refused.text
    assert session.scalar(count) == 1
