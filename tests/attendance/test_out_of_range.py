"""The compliance board refuses far weeks with the field named (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_site, make_user, sign_in


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_api_board_refuses_far_weeks(client: TestClient, session: Session, week: str) -> None:
    site = make_site(session)
    auth = bearer(session, make_user(session, role=Role.DIRECTOR, site=site))
    session.commit()
    answer = client.get(f"/api/v1/attendance/board?site={site.code}&week={week}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == "week"


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_board_page_refuses_far_weeks(client: TestClient, session: Session, week: str) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/attendance/board?site={site.code}&week={week}")
    assert page.status_code == 422
    assert "2199-12-31" in page.text or "1900-01-01" in page.text


def test_sessions_page_refuses_a_far_day(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client, director.username)
    assert client.get(f"/attendance?site={site.code}&day=9999-12-31").status_code == 422
