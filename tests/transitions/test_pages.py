"""The Reviews tab, the review queue and the JSON routes, as a browser and an API client see
them: running a review, accepting, dismissing, refusals naming their field, and who may act."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.programs.models import Site
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.transitions.models import LevelReview, ReviewStatus
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in
from tests.transitions.test_service import _admit, _using


def _setup(session: Session) -> tuple[Site, User, Client]:
    """A clinician's IOP client who reported use with a craving of 8 today."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    _admit(session, person, "IOP", 35)
    _using(session, person)
    session.commit()
    return site, clinician, person


def _run(client: TestClient, person: Client) -> str:
    token = csrf_from(client.get(f"/clients/{person.id}?tab=reviews").text)
    response = client.post(
        f"/clients/{person.id}/reviews/run", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    return response.text


def _review(session: Session, person: Client) -> LevelReview:
    review = session.scalar(select(LevelReview).where(LevelReview.client_id == person.id))
    assert review is not None
    session.refresh(review)
    return review


def test_run_now_shows_the_proposal_with_its_evidence(client: TestClient, session: Session) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    html = _run(client, person)
    assert 'aria-current="page">Reviews</a>' in html
    assert "Review run: step up." in html
    assert "<strong>Step up</strong> to Partial hospitalization (PHP)" in html
    assert "craving averaging 8 of 10" in html
    assert "<td>days with reported use (not recorded without a check-in)</td><td>1</td>" in html
    assert "Accept: step up to PHP" in html
    assert "Dismiss the proposal" in html


def test_accepting_moves_the_client_and_dismissing_needs_a_reason(
    client: TestClient, session: Session
) -> None:
    _, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    html = _run(client, person)
    review = _review(session, person)
    token = csrf_from(html)
    refused = client.post(
        f"/reviews/{review.id}/dismiss", data={"csrf_token": token, "reason": "  "}
    )
    assert refused.status_code == 422
    assert "<strong>Reason:</strong> say why the proposal is dismissed" in refused.text
    assert _review(session, person).status is ReviewStatus.PROPOSED
    accepted = client.post(
        f"/reviews/{review.id}/accept",
        data={"csrf_token": token, "track": "day", "note": "Agreed"},
        follow_redirects=True,
    )
    assert "Accepted: step up to PHP (day) on" in accepted.text
    assert _review(session, person).status is ReviewStatus.ACCEPTED
    care = client.get(f"/clients/{person.id}?tab=care").text
    assert "Now: Partial hospitalization (PHP), day track" in care


def test_the_queue_lists_the_proposal_and_review_staff_only_read(
    client: TestClient, session: Session
) -> None:
    site, clinician, person = _setup(session)
    sign_in(client, clinician.username)
    _run(client, person)
    queue = client.get("/reviews").text
    assert person.record_number in queue
    assert "<strong>Step up</strong> to Partial hospitalization (PHP)" in queue
    assert "1</strong> level-of-care proposal waits" in client.get("/").text
    reviewer = make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    session.commit()
    client.cookies.clear()
    sign_in(client, reviewer.username)
    tab = client.get(f"/clients/{person.id}?tab=reviews").text
    assert "<strong>Step up</strong>" in tab
    assert "Run review now" not in tab
    assert "Dismiss the proposal" not in tab


def test_the_api_runs_accepts_and_dismisses(client: TestClient, session: Session) -> None:
    site, clinician, person = _setup(session)
    other = make_client(session, site=site, clinician=clinician)
    _admit(session, other, "IOP", 35)
    _using(session, other)
    session.commit()
    sign_in(client, clinician.username)
    headers = {"X-CSRF-Token": csrf_from(client.get("/").text)}
    run = client.post(f"/api/v1/clients/{person.id}/reviews/run", headers=headers)
    assert run.status_code == 200
    body = run.json()
    assert (body["kind"], body["from_level"], body["target_level"]) == ("step_up", "IOP", "PHP")
    assert body["reasons"][0]["evidence"][0]["fact"] == "use_days"
    blank = client.post(
        f"/api/v1/reviews/{body['id']}/dismiss", json={"reason": ""}, headers=headers
    )
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"
    accepted = client.post(f"/api/v1/reviews/{body['id']}/accept", json={}, headers=headers)
    assert accepted.json()["status"] == "accepted"
    again = client.post(f"/api/v1/reviews/{body['id']}/accept", json={}, headers=headers)
    assert again.status_code == 409
    assert again.json()["rule"] == "review.already_decided"
    second = client.post(f"/api/v1/clients/{other.id}/reviews/run", headers=headers).json()
    queue = client.get("/api/v1/reviews/queue").json()
    assert [item["review"]["id"] for item in queue] == [second["id"]]
    dismissed = client.post(
        f"/api/v1/reviews/{second['id']}/dismiss", json={"reason": "Seen today"}, headers=headers
    )
    assert dismissed.json()["decision_note"] == "Seen today"
    history = client.get(f"/api/v1/clients/{other.id}/reviews").json()
    assert [r["status"] for r in history] == ["dismissed"]


def test_the_rules_page_lists_the_table_strongest_first(
    client: TestClient, session: Session
) -> None:
    _, clinician, _ = _setup(session)
    sign_in(client, clinician.username)
    html = client.get("/reviews/rules").text
    assert "Version 3 (built-in)" in html
    ids = [
        html.index(f"<code>{rule}</code>")
        for rule in (
            "SAFETY-*",
            "EVIDENCE-NO-SPECIMEN",
            "UP-USE-CRAVING",
            "HOLD-POSITIVE",
            "DOWN-PHP-STABLE",
            "STAY-ON-TRACK",
        )
    ]
    assert ids == sorted(ids)
    assert "<code>attendance_pct &lt; 60</code>" in html
    assert "Stay in IOP: review again after 14 days" in html
