"""Drug-testing lists refuse far days with the field named (issue 12)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_client, make_site, make_user


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/testing/today?site={code}&day=9999-12-31", "day"),
        ("/api/v1/testing/draws?site={code}&day=0001-01-01", "day"),
        ("/api/v1/testing/summary?client_id={client}&start=0001-01-01&end=2026-01-01", "start"),
    ],
)
def test_far_days_are_refused(client: TestClient, session: Session, path: str, field: str) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    auth = bearer(session, make_user(session, role=Role.DIRECTOR, site=site))
    session.commit()
    answer = client.get(path.format(code=site.code, client=person.id), headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
