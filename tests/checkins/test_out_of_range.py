"""A client's check-in with text the database cannot store is a 422 naming the field, not
a 500 (issue 12): through the API with the client's own token, and through the portal."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.checkins.models import CheckIn
from stepdown.security.roles import Role
from tests.factories import bearer, csrf_from, make_client, make_site, make_user, sign_in


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"note": "rough day \ud83d"}, "note"),
        ({"substance": "\udc00"}, "substance"),
        ({"risky_other": "a\x00b"}, "risky_other"),
        ({"risky_situations": ["\ud800"]}, "risky_situations.0"),
    ],
)
def test_client_check_in_with_unstorable_text(
    client: TestClient, session: Session, overrides: dict[str, object], field: str
) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    me = bearer(session, account)
    session.commit()
    body: dict[str, object] = {"craving": 2, "mood": 6, "used_since_last": False}
    body.update(overrides)
    # json.dumps writes "\ud83d" as an escape, as a client's JSON library would send it.
    answer = client.post(
        f"/api/v1/clients/{person.id}/check-ins",
        content=json.dumps(body),
        headers={**me, "content-type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


@pytest.mark.parametrize("days", [0, 2**64, 100_000])
def test_trend_days_are_bounded(client: TestClient, session: Session, days: int) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    auth = bearer(session, make_user(session, role=Role.DIRECTOR, site=site))
    session.commit()
    answer = client.get(f"/api/v1/clients/{person.id}/check-ins/trend?days={days}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == "days"


def test_portal_check_in_with_a_nul_names_the_field(client: TestClient, session: Session) -> None:
    """PostgreSQL refuses NUL in text: the portal form refuses it first, naming the note."""
    site = make_site(session)
    person = make_client(session, site=site)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    session.commit()
    sign_in(client, account.username)
    token = csrf_from(client.get("/portal/check-in").text)
    answer = client.post(
        "/portal/check-in",
        data={
            "csrf_token": token,
            "craving": "2",
            "mood": "6",
            "used_since_last": "no",
            "self_harm_thoughts": "no",
            "note": "rough\x00day",
        },
    )
    assert answer.status_code == 422
    # The app-wide guard refuses it before the form's handler, naming the field.
    assert "Note: contains a NUL character" in answer.text
    session.expire_all()
    assert session.scalars(select(CheckIn).where(CheckIn.client_id == person.id)).all() == []
