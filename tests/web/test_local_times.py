"""Program time everywhere: an alumni event entered at 18:00 on the program's clock reads
18:00 on the staff pages and in the client's portal, summer and winter, is stored in UTC,
and each page names the zone once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.alumni import service as alumni_service
from stepdown.alumni.models import AlumniEvent
from stepdown.app import create_app
from stepdown.clients import service as clients_service
from stepdown.kit import clock
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.settings import Settings
from stepdown.web.templating import time_zone_note
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in

# Before both events, so they are "upcoming" on the client's page whatever today is.
AS_OF = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STAFF_NOTE = re.compile(r"Times are America/New_York \((EST|EDT)\)\.")
CLIENT_NOTE = re.compile(r"Times are New York time \((EST|EDT)\)\.")


@pytest.fixture
def program_client(
    settings: Settings,
    session: Session,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """An app whose settings say UTC and whose program (the ``program`` row, as ``stepdown
    init`` records it) says New York: the pages must follow the program."""
    programs_service.create_program(
        session, actor=SYSTEM, name="Harbor", time_zone="America/New_York"
    )
    session.commit()
    monkeypatch.setattr(alumni_service, "utc_now", lambda: AS_OF)
    app = create_app(
        settings.model_copy(update={"timezone": "UTC"}), session_factory=session_factory
    )
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert clock.program_zone().key == "America/New_York"
        yield client


@pytest.mark.parametrize(
    ("day", "stored_hour"),
    [("2026-07-14", 22), ("2026-12-15", 23)],  # EDT is UTC-4, EST UTC-5
)
def test_an_event_at_six_reads_six_on_staff_and_client_pages(
    program_client: TestClient, session: Session, day: str, stored_hour: int
) -> None:
    client = program_client
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site)
    account = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=account.id)
    session.commit()

    sign_in(client, director.username)
    token = csrf_from(client.get("/alumni").text)
    created = client.post(
        "/alumni/events",
        data={
            "csrf_token": token,
            "title": "Alumni dinner",
            "starts_at": f"{day}T18:00",
            "ends_at": f"{day}T20:00",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    session.expire_all()
    event = session.scalars(select(AlumniEvent)).one()
    assert event.starts_at.astimezone(UTC).hour == stored_hour
    assert event.starts_at.astimezone(UTC).date().isoformat() == day

    staff_pages = (
        client.get(f"/alumni/events/{event.id}").text,
        client.get(f"/clients/{person.id}?tab=alumni").text,
        client.get(f"/alumni?month={day[:7]}").text,
    )
    for page in staff_pages:
        assert "18:00" in page
        assert f"{stored_hour}:00" not in page
        assert "UTC" not in page
        assert len(STAFF_NOTE.findall(page)) == 1
        assert page.count("America/New_York") == 1
    # The edit form is filled with the local time, so saving it unchanged moves nothing.
    assert f'value="{day}T18:00"' in staff_pages[0]

    client.post("/sign-out", data={"csrf_token": csrf_from(staff_pages[0])})
    sign_in(client, account.username)
    portal = client.get("/alumni/mine").text
    assert "Alumni dinner" in portal
    assert "18:00" in portal
    assert f"{stored_hour}:00" not in portal
    assert len(CLIENT_NOTE.findall(portal)) == 1
    assert "America/New_York" not in portal


def test_a_time_the_clocks_skip_is_refused_on_the_form(
    program_client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client := program_client, director.username)
    token = csrf_from(client.get("/alumni").text)
    refused = client.post(
        "/alumni/events",
        data={
            "csrf_token": token,
            "title": "Spring forward",
            "starts_at": "2026-03-08T02:30",
            "ends_at": "2026-03-08T04:00",
        },
    )
    assert "Starts at: 2026-03-08 02:30 does not exist in America/New_York" in refused.text
    assert session.scalars(select(AlumniEvent)).all() == []


def test_an_ambiguous_time_is_the_first_one(program_client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    session.commit()
    sign_in(client := program_client, director.username)
    token = csrf_from(client.get("/alumni").text)
    client.post(
        "/alumni/events",
        data={
            "csrf_token": token,
            "title": "Fall back",
            "starts_at": "2026-11-01T01:30",
            "ends_at": "2026-11-01T03:00",
        },
    )
    session.expire_all()
    event = session.scalars(select(AlumniEvent)).one()
    assert event.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert event.ends_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # 03:00 EST


@pytest.mark.parametrize(
    ("zone", "role", "note"),
    [
        ("America/Los_Angeles", Role.CLIENT, r"Times are Los Angeles time \((PST|PDT)\)\."),
        ("America/Los_Angeles", Role.DIRECTOR, r"Times are America/Los_Angeles \((PST|PDT)\)\."),
        ("UTC", Role.CLIENT, r"Times are UTC\."),
        ("UTC", Role.CLINICIAN, r"Times are UTC\."),
        ("America/New_York", None, r"Times are New York time \((EST|EDT)\)\."),
    ],
)
def test_the_zone_note_says_it_plainly(zone: str, role: Role | None, note: str) -> None:
    clock.set_program_zone(zone)
    actor = Actor(user_id=uuid.uuid4(), role=role, username="someone") if role else None
    assert re.fullmatch(note, time_zone_note(actor))
