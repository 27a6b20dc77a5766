"""The JSON API: a clinician writes, signs and corrects a summary; each role is allowed or
refused as ``access`` says, and reads only the sections its role reads."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.discharge_summaries import service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.discharge_summaries.factories import REASON, WORDS, Stay, make_stay, write_and_sign
from tests.factories import PASSWORD, bearer, make_user


def _as(session: Session, user: User) -> dict[str, str]:
    headers = bearer(session, user)
    session.commit()
    return headers


def _user(session: Session, stay: Stay, role: Role) -> User:
    return make_user(session, role=role, site=stay.site)


def test_a_clinician_writes_signs_and_corrects_a_summary(
    client: TestClient, session: Session
) -> None:
    stay = make_stay(session)
    me = _as(session, stay.clinician)
    created = client.post(
        f"/api/v1/episodes/{stay.episode.id}/discharge-summaries",
        json={"narrative": WORDS.narrative},
        headers=me,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["reason"], body["narrative"]) == ("draft", REASON, WORDS.narrative)
    assert [d["code"] for d in body["facts"]["diagnoses"]] == ["F10.20", "F41.1"]
    assert body["facts"]["medications"][0]["name"] == "Naltrexone 50 mg"
    assert body["withheld"] == []
    url = f"/api/v1/discharge-summaries/{body['id']}"

    unsigned = client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=me)
    assert unsigned.status_code == 422
    assert unsigned.json()["field"] == "prognosis"
    updated = client.put(
        url,
        json={"prognosis": "fair", "recommendations": WORDS.recommendations},
        headers=me,
    )
    assert updated.status_code == 200
    assert (updated.json()["prognosis"], updated.json()["narrative"]) == ("fair", WORDS.narrative)

    wrong = client.post(f"{url}/sign", json={"secret": "not it"}, headers=me)
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "secret"
    assert client.get(url, headers=me).json()["status"] == "draft"

    signed = client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=me)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert [s["intact"] for s in signed.json()["signatures"]] == [True]
    assert client.put(url, json={"reason": "changed"}, headers=me).status_code == 409

    added = client.post(
        f"{url}/addenda",
        json={"text": "Referral was to the men's house.", "secret": PASSWORD},
        headers=me,
    )
    assert added.status_code == 201
    assert added.json()["intact"] is True
    listing = client.get(f"/api/v1/clients/{stay.person.id}/discharge-summaries", headers=me)
    assert [(e["kind"], e["summary_id"], e["due"]) for e in listing.json()] == [
        ("discharge", body["id"], False)
    ]
    due = client.get("/api/v1/discharge-summaries/due", headers=me)
    assert due.status_code == 200
    assert all(row["client_id"] != str(stay.person.id) for row in due.json())


def test_readers_of_signed_summaries_see_their_sections_only(
    client: TestClient, session: Session
) -> None:
    stay = make_stay(session)
    review = _user(session, stay, Role.UTILIZATION_REVIEW)
    manager = _user(session, stay, Role.CASE_MANAGER)
    headers = {name: _as(session, user) for name, user in (("ur", review), ("cm", manager))}
    draft = client.post(
        f"/api/v1/episodes/{stay.episode.id}/discharge-summaries",
        json={},
        headers=_as(session, stay.clinician),
    ).json()
    url = f"/api/v1/discharge-summaries/{draft['id']}"
    for h in headers.values():
        assert client.get(url, headers=h).status_code == 404
        refused = client.post(
            f"/api/v1/episodes/{stay.episode.id}/discharge-summaries", json={}, headers=h
        )
        assert refused.status_code == 403
        assert client.put(url, json={"reason": "x"}, headers=h).status_code == 403
        assert client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=h).status_code == 403
        assert client.get("/api/v1/discharge-summaries/due", headers=h).status_code == 403
    draft_id = uuid.UUID(draft["id"])
    service.update_draft(session, actor=stay.actor, summary_id=draft_id, narrative=WORDS)
    service.sign(session, actor=stay.actor, summary_id=draft_id, secret=PASSWORD)
    session.commit()
    (event,) = client.get(
        f"/api/v1/clients/{stay.person.id}/discharge-summaries", headers=headers["ur"]
    ).json()
    signed_url = f"/api/v1/discharge-summaries/{event['summary_id']}"
    as_review = client.get(signed_url, headers=headers["ur"]).json()
    assert as_review["withheld"] == ["aftercare", "referrals"]
    assert as_review["facts"]["referrals"] == []
    assert as_review["facts"]["diagnoses"] != []
    as_manager = client.get(signed_url, headers=headers["cm"]).json()
    assert as_manager["withheld"] == ["diagnoses"]
    assert as_manager["facts"]["diagnoses"] == []
    assert as_manager["facts"]["referrals"] != []


def test_other_roles_and_other_caseloads_are_refused(client: TestClient, session: Session) -> None:
    stay = make_stay(session)
    summary = write_and_sign(session, stay)
    url = f"/api/v1/discharge-summaries/{summary.id}"
    for role, status in (
        (Role.ADMIN, 403),
        (Role.ADMISSIONS, 403),
        (Role.CLINICIAN, 404),  # not on their caseload
    ):
        headers = _as(session, _user(session, stay, role))
        assert client.get(url, headers=headers).status_code == status, role
        added = client.post(
            f"{url}/addenda", json={"text": "x", "secret": PASSWORD}, headers=headers
        )
        assert added.status_code == status, role
    assert client.get(url).status_code == 401
