"""Program set-up refuses sizes beyond a 32-bit column and unknown sites (issue 12)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import bearer, make_site, make_user


def _group(site_id: object, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "site_id": str(site_id),
        "day": "Mon",
        "start": "18:00",
        "end": "19:30",
        "topic": "CBT",
        "levels": ["IOP"],
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"max_size": 2**64}, "max_size"), ({"min_size": 2**31}, "min_size")],
)
def test_session_sizes_beyond_the_column_are_refused(
    client: TestClient, session: Session, overrides: dict[str, object], field: str
) -> None:
    site = make_site(session)
    auth = bearer(session, make_user(session, role=Role.DIRECTOR, site=site))
    session.commit()
    answer = client.post(
        "/api/v1/programs/sessions", json=_group(site.id, **overrides), headers=auth
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_an_unknown_site_is_named(client: TestClient, session: Session) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    answer = client.post("/api/v1/programs/sessions", json=_group(uuid.uuid4()), headers=auth)
    assert answer.status_code in (404, 422)
    assert answer.json()["field"] == "site_id"
    room = client.post(
        "/api/v1/programs/rooms",
        json={"site_id": str(uuid.uuid4()), "code": "R1", "name": "Room", "capacity": 2**40},
        headers=auth,
    )
    assert room.status_code == 422
    assert room.json()["field"] == "capacity"
