"""The audit search refuses far dates and sequence numbers beyond 64 bits (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_user, sign_in


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_to=9999-12-31", "date_to"),
        ("date_from=0001-01-01", "date_from"),
        (f"before_seq={2**64}", "before_seq"),
        ("username=%00", "username"),
    ],
)
def test_api_refuses_out_of_range_filters(
    client: TestClient, session: Session, query: str, field: str
) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    answer = client.get(f"/api/v1/audit?{query}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


@pytest.mark.parametrize("query", ["date_to=9999-12-31", f"before_seq={2**64}"])
def test_page_shows_a_form_error(client: TestClient, session: Session, query: str) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/audit?{query}")
    assert page.status_code == 422
    if query.startswith("date_to"):
        assert "less than or equal to 2199-12-31" in page.text
