"""The schedule refuses far weeks with the field named (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_user, sign_in


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_api_builds_refuse_far_weeks(client: TestClient, session: Session, week: str) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    listed = client.get(f"/api/v1/schedule/builds?week={week}", headers=auth)
    assert listed.status_code == 422
    assert listed.json()["field"] == "week"
    built = client.post("/api/v1/schedule/builds", json={"week_of": week}, headers=auth)
    assert built.status_code == 422
    assert built.json()["field"] == "week_of"


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_page_refuses_far_weeks(client: TestClient, session: Session, week: str) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/schedule?week={week}")
    assert page.status_code == 422
