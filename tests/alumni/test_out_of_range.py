"""Alumni events: far dates, huge capacities and unknown sites are refused with the field
named, and an event in year 1 can no longer be stored and break the calendar (issue 12)."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alumni.models import AlumniEvent
from stepdown.security.roles import Role
from tests.factories import bearer, csrf_from, make_site, make_user, sign_in


def _event(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "Alumni picnic",
        "starts_at": "2026-06-01T17:00:00Z",
        "ends_at": "2026-06-01T19:00:00Z",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "0001-01-01T00:00:00Z", "ends_at": "0001-01-01T02:00:00Z"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:00:00Z"}, "ends_at"),
        ({"capacity": 2**64}, "capacity"),
        ({"capacity": 2**31}, "capacity"),
        ({"site_id": str(uuid.uuid4())}, "site_id"),
        ({"title": "picnic \ud800"}, "title"),
    ],
)
def test_api_refuses_events_it_could_not_show(
    client: TestClient, session: Session, overrides: dict[str, object], field: str
) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    answer = client.post(
        "/api/v1/alumni/events",
        content=json.dumps(_event(**overrides)),
        headers={**auth, "content-type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


@pytest.mark.parametrize("query", ["start=9999-12-31T00:00:00Z", "start=0001-01-01T00:00:00Z"])
def test_api_list_refuses_far_ranges(client: TestClient, session: Session, query: str) -> None:
    auth = bearer(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    answer = client.get(f"/api/v1/alumni/events?{query}", headers=auth)
    assert answer.status_code == 422
    assert answer.json()["field"] == "start"


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_calendar_page_refuses_far_months(client: TestClient, session: Session, month: str) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/alumni?month={month}")
    assert page.status_code == 422
    assert "month" in page.text.lower()


def test_an_event_in_year_one_is_refused_at_creation_and_the_calendar_still_opens(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get("/alumni").text)
    for starts, ends, capacity in (
        ("0001-01-01T10:00", "0001-01-01T12:00", ""),
        ("2026-06-01T10:00", "2026-06-01T12:00", str(2**64)),
    ):
        client.post(
            "/alumni/events",
            data={
                "csrf_token": token,
                "title": "Year one",
                "starts_at": starts,
                "ends_at": ends,
                "capacity": capacity,
                "site_id": str(site.id),
            },
            follow_redirects=False,
        )
    stored = session.scalars(select(AlumniEvent).where(AlumniEvent.title == "Year one")).all()
    assert stored == []
    assert client.get("/alumni?month=2026-06").status_code == 200
