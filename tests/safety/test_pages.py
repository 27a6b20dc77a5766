"""The chart's Safety tab, the safety assessment form and API, and the client's own plan."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_client,
    make_response,
    make_site,
    make_user,
    sign_in,
)

PLAN_FORM = {
    "risk_level": "moderate",
    "disposition": "outpatient_with_plan",
    "rationale": "Ideation without intent since the last session; agrees to the plan.",
    "warning_signs": "Not sleeping\nPulling away from people",
    "coping_strategies": "Walk the dog",
    "distractions": "",
    "people_to_ask": "My sister (555-0100)",
    "professionals": "",
    "making_safe": "Sister keeps the medications",
    "reason_for_living": "My kids",
}


def test_a_clinician_records_an_assessment_and_the_client_reads_the_plan(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    make_response(session, client=person, code="cssrs", answers=[1, 1, 1, 1, 0, 0])
    session.commit()

    sign_in(client, clinician.username)
    tab = client.get(f"/clients/{person.id}?tab=safety")
    assert tab.status_code == 200
    assert "Refer now for a crisis or psychiatric inpatient evaluation" in tab.text
    token = csrf_from(tab.text)
    url = f"/clients/{person.id}/safety-assessments"
    refused = client.post(url, data={**PLAN_FORM, "making_safe": "", "csrf_token": token})
    assert refused.status_code == 422
    assert "making the environment safe" in refused.text
    assert "Pulling away from people" in refused.text  # what was typed is kept
    ids = [
        line.split('value="')[1].split('"')[0]
        for line in refused.text.splitlines()
        if 'name="acknowledge"' in line
    ]
    saved = client.post(
        url,
        data={**PLAN_FORM, "csrf_token": token, "acknowledge": ids},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = client.get(f"/clients/{person.id}?tab=safety")
    assert "No live suicide risk" in after.text
    assert "988 Suicide &amp; Crisis Lifeline" in after.text

    client.cookies.clear()
    sign_in(client, account.username)
    mine = client.get("/portal/safety-plan")
    assert mine.status_code == 200
    assert "Walk the dog" in mine.text
    assert "988 Suicide &amp; Crisis Lifeline" in mine.text


def test_staff_cannot_open_the_portal_plan_and_clients_cannot_record(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get("/portal/safety-plan").status_code == 403


def test_the_gate_and_a_recording_over_the_api(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_response(session, client=person, code="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 1])
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=clinician.username, name="t"
    )
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    gate = client.get(f"/api/v1/clients/{person.id}/safety", headers=headers).json()
    assert gate["state"] == "assessment_required"
    assert gate["live"] is True
    missing = client.post(
        f"/api/v1/clients/{person.id}/safety-assessments",
        json={"risk_level": "low", "disposition": "outpatient_with_plan", "rationale": "ok"},
        headers=headers,
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "plan"
    plan = {
        "warning_signs": ["Not sleeping"],
        "coping_strategies": ["Music"],
        "people_to_ask": ["Sister"],
        "making_safe": ["No pills at home"],
    }
    saved = client.post(
        f"/api/v1/clients/{person.id}/safety-assessments",
        json={
            "risk_level": "low",
            "disposition": "outpatient_with_plan",
            "rationale": "Passive thoughts only; supports in place.",
            "plan": plan,
        },
        headers=headers,
    )
    assert saved.status_code == 201, saved.text
    assert (
        client.get(f"/api/v1/clients/{person.id}/safety", headers=headers).json()["live"] is False
    )
    current = client.get(f"/api/v1/clients/{person.id}/safety-plan", headers=headers).json()
    assert current["crisis_line"].startswith("988")
