"""The alerts API: open alerts to act on, and acknowledging once (a second try is 409)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_alert, make_client, make_site, make_user


def _headers(session: Session, user: User) -> dict[str, str]:
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_list_and_acknowledge(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    alert = make_alert(session, client=person)
    mine = _headers(session, clinician)
    director = _headers(session, make_user(session, role=Role.DIRECTOR))
    manager = _headers(session, make_user(session, role=Role.CASE_MANAGER, site=site))
    session.commit()

    listed = client.get("/api/v1/alerts", headers=mine).json()
    assert [a["id"] for a in listed] == [str(alert.id)]
    on_chart = client.get(f"/api/v1/clients/{person.id}/alerts", headers=manager)
    assert [a["id"] for a in on_chart.json()] == [str(alert.id)]
    assert client.get("/api/v1/alerts", headers=manager).status_code == 403
    url = f"/api/v1/alerts/{alert.id}/acknowledge"
    assert client.post(url, json={"note": "called"}, headers=manager).status_code == 403
    assert client.post(url, json={"note": ""}, headers=mine).status_code == 422

    done = client.post(url, json={"note": "Safety plan reviewed"}, headers=mine)
    assert done.status_code == 200
    assert done.json()["acknowledgement_note"] == "Safety plan reviewed"
    again = client.post(url, json={"note": "me too"}, headers=director)
    assert again.status_code == 409
    assert again.json()["rule"] == "alert.already_acknowledged"
    assert client.get("/api/v1/alerts", headers=director).json() == []
