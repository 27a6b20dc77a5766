"""The placement report refuses far dates with the field named (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_user, sign_in


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2026-01-01&date_to=9999-12-31", "date_to"),
        ("date_from=0001-01-01&date_to=2026-01-01", "date_from"),
    ],
)
def test_api_report_refuses_far_dates(
    client: TestClient, session: Session, query: str, field: str
) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    answer = client.get(f"/api/v1/placement/report?{query}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_report_page_shows_a_form_error(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/placement/report?date_from=2026-01-01&date_to=9999-12-31")
    assert page.status_code in (200, 422)
    assert "2199-12-31" in page.text
