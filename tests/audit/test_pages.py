"""The audit page: filters, field errors, who may see it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import make_client, make_site, make_user, sign_in


def test_director_filters_by_client(client: TestClient, session: Session) -> None:
    site = make_site(session)
    someone = make_client(session, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/audit?client_id={someone.id}")
    assert page.status_code == 200
    assert str(someone.id)[:8] in page.text
    assert "<h1>Audit trail</h1>" in page.text


def test_bad_filter_redisplays_with_the_field_named(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/audit?date_from=yesterday")
    assert page.status_code == 422
    assert "From:" in page.text


def test_api_lists_entries_with_hashes(client: TestClient, session: Session) -> None:
    from stepdown.security import service as security_service
    from tests.factories import SYSTEM

    admin = make_user(session, role=Role.ADMIN, username="api.admin")
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=admin.username, name="t"
    )
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    rows = client.get("/api/v1/audit?action=create&limit=5", headers=headers).json()
    assert rows
    assert all(len(r["hash"]) == 64 for r in rows)
    assert client.get("/api/v1/audit/verify", headers=headers).json()["ok"] is True
    bad = client.get("/api/v1/audit?action=nonsense", headers=headers)
    assert bad.status_code == 422
    assert bad.json()["field"] == "action"
