"""The continuum's JSON API: transitions, refusals as 409 with the rule, field errors as 422."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


def _headers(session: Session, role: Role, **user: object) -> dict[str, str]:
    person = make_user(session, role=role, **user)  # type: ignore[arg-type]
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_admit_step_down_discharge_over_the_api(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site, username="api.clin")
    person = make_client(session, site=site, clinician=clinician)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username="api.clin", name="t"
    )
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    start = today() - timedelta(days=30)
    admitted = client.post(
        f"/api/v1/clients/{person.id}/admit",
        json={"level": "IOP", "track": "evening", "on": start.isoformat(), "reason": "fits"},
        headers=headers,
    )
    assert admitted.status_code == 201, admitted.text
    episode_id = admitted.json()["id"]
    stepped = client.post(
        f"/api/v1/episodes/{episode_id}/step-down",
        json={"level": "OP", "track": "evening", "on": today().isoformat(), "reason": "goals met"},
        headers=headers,
    )
    assert stepped.status_code == 200
    assert [s["transition"] for s in stepped.json()["segments"]] == ["admit", "step_down"]
    census = client.get("/api/v1/census", headers=headers).json()
    assert census["counts"]["OP"] == 1
    assert census["rows"][0]["record_number"] == person.record_number


def test_refusal_is_409_with_the_rule_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    body = {"level": "PHP", "track": "evening", "on": today().isoformat(), "reason": "r"}
    refused = client.post(f"/api/v1/clients/{person.id}/admit", json=body, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["rule"] == "track.not_offered"
    assert "no evening track" in refused.json()["detail"]
    assert client.get(f"/api/v1/clients/{person.id}/episodes", headers=headers).json() == []


def test_dates_too_far_ahead_are_refused(client: TestClient, session: Session) -> None:
    person = make_client(session, site=make_site(session))
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    body = {
        "level": "IOP",
        "track": "day",
        "on": (today() + timedelta(days=31)).isoformat(),
        "reason": "r",
    }
    refused = client.post(f"/api/v1/clients/{person.id}/admit", json=body, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["rule"] == "transition.date_too_far_ahead"


def test_malformed_fields_are_422_naming_the_field(client: TestClient, session: Session) -> None:
    person = make_client(session, site=make_site(session))
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    body = {"level": "IOP", "track": "night", "on": "tomorrow", "reason": "r"}
    bad = client.post(f"/api/v1/clients/{person.id}/admit", json=body, headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"track", "on"}


def test_admissions_may_admit_but_not_move(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    headers = _headers(session, Role.ADMISSIONS, site=site)
    session.commit()
    body = {"level": "IOP", "track": "day", "on": today().isoformat(), "reason": "intake"}
    admitted = client.post(f"/api/v1/clients/{person.id}/admit", json=body, headers=headers)
    assert admitted.status_code == 201
    moved = client.post(
        f"/api/v1/episodes/{admitted.json()['id']}/step-down",
        json={"level": "OP", "track": "day", "on": today().isoformat(), "reason": "x"},
        headers=headers,
    )
    assert moved.status_code == 403


def test_clinician_cannot_reach_another_caseload(client: TestClient, session: Session) -> None:
    site = make_site(session)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=other)
    headers = _headers(session, Role.CLINICIAN, site=site)
    session.commit()
    assert client.get(f"/api/v1/clients/{person.id}", headers=headers).status_code == 404


def test_director_edits_the_catalog(client: TestClient, session: Session) -> None:
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    changed = client.patch(
        "/api/v1/levels/IOP", json={"typical_stay_weeks_max": 14}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["typical_stay_weeks_max"] == 14
    bad = client.patch("/api/v1/levels/IOP", json={"weekly_hours_min": 40}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["field"] == "weekly_hours_min"
