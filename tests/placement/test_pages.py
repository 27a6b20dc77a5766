"""Assessment pages: write a draft, see the reasons, sign, place; field errors; the report."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in

FORM = {
    "d1_rating": "0",
    "d2_rating": "0",
    "d3_rating": "3",
    "d4_rating": "1",
    "d5_rating": "2",
    "d6_rating": "1",
    "d3_notes": "PHQ-9 severe; sleeping poorly",
    "withdrawal_risk": "none",
    "recent_level": "none",
    "environment_stable": "on",
    "day_available": "on",
    "summary": "Needs daily structure.",
}


def test_full_assessment_and_placement(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    form_page = client.get(f"/clients/{person.id}/assessments/new")
    assert form_page.status_code == 200
    token = csrf_from(form_page.text)
    saved = client.post(f"/clients/{person.id}/assessments", data={**FORM, "csrf_token": token})
    assert saved.status_code == 200
    assert "Draft assessment version 1 saved." in saved.text
    assert "Recommended: Partial hospitalization (PHP)" in saved.text
    assert re.search(r"Dimension 3 .*rated 3|dimension 3", saved.text, re.IGNORECASE)
    assessment_url = str(saved.url)
    signed = client.post(f"{assessment_url}/sign", data={"csrf_token": token})
    assert "Assessment signed; it is now read-only." in signed.text
    assert "Place the client" in signed.text
    # Every field, blank where untouched, exactly as a browser submits the form.
    blank = {"level": "", "track": "", "discrepancy": "", "partner_id": ""}
    placed = client.post(
        f"{assessment_url}/decision",
        data={
            "csrf_token": token,
            "accept": "yes",
            "on": "2026-11-23",
            **blank,
            "discrepancy_text": "",
            "reason": "",
        },
    )
    assert placed.status_code == 200
    assert "Placed at PHP (day)." in placed.text
    assert "Now: Partial hospitalization (PHP), day track" in placed.text


def test_missing_rating_redisplays_the_form(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get(f"/clients/{person.id}/assessments/new").text)
    incomplete = {k: v for k, v in FORM.items() if k != "d4_rating"}
    page = client.post(
        f"/clients/{person.id}/assessments", data={**incomplete, "csrf_token": token}
    )
    assert page.status_code == 422
    assert "Dimension 4 rating: Field required" in page.text
    assert "PHQ-9 severe; sleeping poorly" in page.text


def test_place_elsewhere_without_a_reason_is_named(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    person = make_client(session, site=site)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get(f"/clients/{person.id}/assessments/new").text)
    saved = client.post(f"/clients/{person.id}/assessments", data={**FORM, "csrf_token": token})
    url = str(saved.url)
    client.post(f"{url}/sign", data={"csrf_token": token})
    refused = client.post(
        f"{url}/decision",
        data={
            "csrf_token": token,
            "accept": "no",
            "level": "OP",
            "track": "day",
            "on": "2026-11-23",
        },
    )
    assert refused.status_code == 422
    assert "Discrepancy:" in refused.text


def test_report_and_rules_pages(client: TestClient, session: Session) -> None:
    reviewer = make_user(session, role=Role.UTILIZATION_REVIEW)
    session.commit()
    sign_in(client, reviewer.username)
    assert client.get("/placement/report").status_code == 200
    bad = client.get("/placement/report?date_from=yesterday")
    assert bad.status_code == 422
    assert "From: enter the date as YYYY-MM-DD" in bad.text
    rules = client.get("/placement/rules")
    assert rules.status_code == 200
    assert "<code>" in rules.text
