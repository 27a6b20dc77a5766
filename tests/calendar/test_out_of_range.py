"""Far dates in the week parameter are a 422 naming ``week``, not an overflow (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_site, make_user, sign_in


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_api_site_week_refuses_far_weeks(client: TestClient, session: Session, week: str) -> None:
    site = make_site(session)
    auth = bearer(session, make_user(session, role=Role.DIRECTOR, site=site))
    session.commit()
    answer = client.get(f"/api/v1/calendar/site/{site.id}?week={week}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == "week"


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_page_refuses_far_weeks(client: TestClient, session: Session, week: str) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/calendar/site/{site.code}?week={week}")
    assert page.status_code == 422
    assert "week" in page.text.lower()
