"""The check-ins API: a client on their own record, staff on clients they may see."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user


def _headers(session: Session, user: User) -> dict[str, str]:
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_submit_read_and_trend(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    other = make_client(session, site=site, clinician=clinician)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    me = _headers(session, account)
    staff = _headers(session, clinician)
    admissions = _headers(session, make_user(session, role=Role.ADMISSIONS, site=site))
    session.commit()
    url = f"/api/v1/clients/{person.id}/check-ins"

    created = client.post(
        url,
        json={"craving": 9, "mood": 3, "used_since_last": False, "sleep_hours": "6.5"},
        headers=me,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["checkin"]["entry_mode"] == "self"
    assert body["checkin"]["sleep_hours"] == "6.5"
    assert len(body["alert_ids"]) == 1

    refused = client.post(
        url, json={"craving": 11, "mood": 3, "used_since_last": False}, headers=me
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "craving"
    elsewhere = client.post(
        f"/api/v1/clients/{other.id}/check-ins",
        json={"craving": 1, "mood": 3, "used_since_last": False},
        headers=me,
    )
    assert elsewhere.status_code == 404

    by_staff = client.post(
        url, json={"craving": 1, "mood": 7, "used_since_last": False}, headers=staff
    )
    assert by_staff.json()["checkin"]["entry_mode"] == "staff"
    assert by_staff.json()["alert_ids"] == []
    assert (
        client.post(
            url, json={"craving": 1, "mood": 7, "used_since_last": False}, headers=admissions
        ).status_code
        == 403
    )

    listed = client.get(url, headers=me).json()
    assert len(client.get(f"{url}?limit=1", headers=me).json()) == 1
    assert client.get(f"{url}?limit=0", headers=me).status_code == 422
    assert [c["entry_mode"] for c in listed] == ["staff", "self"]
    trend = client.get(f"{url}/trend?days=7", headers=staff).json()
    assert trend["days"] == [{"day": listed[0]["day"], "craving": 9, "mood": 3}]
    assert trend["averages"][0]["craving"] == 9
    assert client.get(f"{url}/trend?days=0", headers=staff).status_code == 422


def test_self_harm_thoughts_is_optional_and_null_is_not_answered(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    me = _headers(session, account)
    session.commit()
    url = f"/api/v1/clients/{person.id}/check-ins"
    calm = {"craving": 1, "mood": 7, "used_since_last": False}

    older_client = client.post(url, json=calm, headers=me)  # written before the question
    assert older_client.status_code == 201, older_client.text
    assert older_client.json()["checkin"]["self_harm_thoughts"] is None
    assert older_client.json()["alert_ids"] == []
    explicit_null = client.post(url, json={**calm, "self_harm_thoughts": None}, headers=me)
    assert explicit_null.json()["checkin"]["self_harm_thoughts"] is None
    said_no = client.post(url, json={**calm, "self_harm_thoughts": False}, headers=me)
    assert said_no.json()["checkin"]["self_harm_thoughts"] is False
    assert said_no.json()["alert_ids"] == []

    said_yes = client.post(url, json={**calm, "self_harm_thoughts": True}, headers=me)
    assert said_yes.status_code == 201
    assert said_yes.json()["checkin"]["self_harm_thoughts"] is True
    [alert_id] = said_yes.json()["alert_ids"]
    session.expire_all()
    alert = session.get(Alert, uuid.UUID(alert_id))
    assert alert is not None
    assert (alert.kind, alert.severity) == (AlertKind.CHECKIN_CRISIS, Severity.URGENT)

    assert (
        client.post(url, json={**calm, "self_harm_thoughts": "maybe"}, headers=me).status_code
        == 422
    )
    listed = client.get(url, headers=me).json()
    assert [c["self_harm_thoughts"] for c in listed] == [True, False, None, None]
