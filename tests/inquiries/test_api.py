"""The inquiries JSON API: shapes, status codes, errors that name the field, who may call."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_inquiry, make_site, make_user

API = "/api/v1/inquiries"


def _bearer(session: Session, role: Role, site: Site | None = None) -> dict[str, str]:
    user = make_user(session, role=role, site=site)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="tests"
    )
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_create_read_list_and_update(client: TestClient, session: Session) -> None:
    site = make_site(session)
    headers = _bearer(session, Role.ADMISSIONS, site)
    created = client.post(
        API,
        headers=headers,
        json={
            "first_name": "Sage",
            "caller_type": "family",
            "caller_name": "Robin",
            "caller_relationship": "sister",
            "substances": ["fentanyl"],
            "urgency": "urgent",
            "site_id": str(site.id),
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["substances"], body["client_id"]) == ("new", ["fentanyl"], None)
    one = client.get(f"{API}/{body['id']}", headers=headers).json()
    assert [h["to_status"] for h in one["history"]] == ["new"]
    listed = client.get(API, headers=headers, params={"status": "new", "site_id": str(site.id)})
    assert [i["id"] for i in listed.json()] == [body["id"]]
    assert client.get(API, headers=headers, params={"status": "lost"}).json() == []
    patched = client.patch(
        f"{API}/{body['id']}", headers=headers, json={"date_of_birth": "1990-05-06"}
    )
    assert patched.status_code == 200
    assert patched.json()["date_of_birth"] == "1990-05-06"


def test_bad_input_is_422_naming_the_field(client: TestClient, session: Session) -> None:
    headers = _bearer(session, Role.DIRECTOR)
    missing_caller = client.post(
        API, headers=headers, json={"first_name": "A", "caller_type": "family"}
    )
    assert missing_caller.status_code == 422
    assert missing_caller.json()["field"] == "caller_name"
    bad_filter = client.get(API, headers=headers, params={"status": "maybe"})
    assert bad_filter.status_code == 422
    assert bad_filter.json()["field"] == "status"
    inquiry = make_inquiry(session, source="web_form", phone="")
    session.commit()
    patched = client.patch(f"{API}/{inquiry.id}", headers=headers, json={"email": "a@example.org"})
    assert patched.status_code == 422
    assert patched.json()["field"] == "consent_to_contact"


def test_status_moves_and_refusals(client: TestClient, session: Session) -> None:
    headers = _bearer(session, Role.ADMIN)
    inquiry = make_inquiry(session)
    session.commit()
    url = f"{API}/{inquiry.id}/status"
    refused = client.post(url, headers=headers, json={"to_status": "admitted"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "Conflict"
    assert refused.json()["rule"] == "inquiry.status_transition"
    assert client.post(url, headers=headers, json={"to_status": "contacted"}).status_code == 200
    incomplete = client.post(url, headers=headers, json={"to_status": "assessment_scheduled"})
    assert incomplete.status_code == 422
    assert incomplete.json()["field"] == "assessment_at"
    scheduled = client.post(
        url,
        headers=headers,
        json={"to_status": "assessment_scheduled", "assessment_at": "2026-12-01T15:00:00Z"},
    )
    assert scheduled.json()["status"] == "assessment_scheduled"
    assert scheduled.json()["assessment_at"].startswith("2026-12-01T15:00:00")


def test_convert_returns_the_new_client(client: TestClient, session: Session) -> None:
    site = make_site(session)
    headers = _bearer(session, Role.ADMISSIONS, site)
    inquiry = make_inquiry(session, site=site)
    session.commit()
    client.post(f"{API}/{inquiry.id}/status", headers=headers, json={"to_status": "contacted"})
    missing = client.post(f"{API}/{inquiry.id}/convert", headers=headers)
    assert missing.status_code == 422
    assert missing.json()["field"] == "date_of_birth"
    client.patch(f"{API}/{inquiry.id}", headers=headers, json={"date_of_birth": "1985-01-02"})
    converted = client.post(f"{API}/{inquiry.id}/convert", headers=headers)
    assert converted.status_code == 201, converted.text
    body = converted.json()
    assert body["record_number"].startswith("C-")
    session.expire_all()
    made = session.get(Client, uuid.UUID(body["client_id"]))
    assert made is not None
    assert made.date_of_birth == date(1985, 1, 2)


def test_who_may_call(client: TestClient, session: Session) -> None:
    home = make_site(session)
    ours = make_inquiry(session, site=home)
    theirs = make_inquiry(session, site=make_site(session))
    manager = _bearer(session, Role.CASE_MANAGER, home)
    assert client.get(f"{API}/{ours.id}", headers=manager).status_code == 200
    assert client.post(API, headers=manager, json={"first_name": "X"}).status_code == 403
    move = {"to_status": "contacted"}
    assert client.post(f"{API}/{ours.id}/status", headers=manager, json=move).status_code == 403
    person = _bearer(session, Role.CLIENT, home)
    assert client.get(API, headers=person).status_code == 403
    admissions = _bearer(session, Role.ADMISSIONS, home)
    assert client.get(f"{API}/{theirs.id}", headers=admissions).status_code == 404
    assert client.get(API).status_code == 401
