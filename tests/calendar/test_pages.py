"""The calendar pages, the chart's Schedule tab and the JSON API, as a browser and a script
see them."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.calendar.models import BookingStatus
from stepdown.clients import service as clients_service
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    make_appointment,
    make_client,
    make_occurrence,
    make_room,
    make_site,
    make_user,
    sign_in,
)

MONDAY = date(2026, 11, 2)


def test_week_pages_render_with_navigation_and_cancellations(
    client: TestClient, session: Session
) -> None:
    site = make_site(session, code="NTH", name="North")
    room = make_room(session, site, name="Room Two")
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_occurrence(
        session, site=site, leader=clinician, day=MONDAY, room=room, clients=[person], topic="RP"
    )
    cancelled = make_occurrence(
        session, site=site, leader=clinician, day=MONDAY + timedelta(days=1), topic="MI"
    )
    cancelled.status = BookingStatus.CANCELLED
    make_appointment(session, client=person, staff=clinician, day=MONDAY + timedelta(days=2))
    session.commit()
    sign_in(client, clinician.username)

    index = client.get("/calendar?week=2026-11-04")
    assert index.status_code == 200
    assert 'href="/calendar/site/NTH?week=2026-11-02"' in index.text
    assert f'href="/calendar/room/{room.id}?week=2026-11-02"' in index.text
    assert f'href="/calendar/staff/{clinician.id}?week=2026-11-02"' in index.text
    assert 'href="/calendar"' in client.get("/").text, "the menu offers the calendar"

    page = client.get("/calendar/site/NTH?week=2026-11-04")
    assert page.status_code == 200
    assert "Relapse prevention" in page.text
    assert "Room Two" in page.text
    assert person.display_name in page.text
    assert "<del>Motivational interviewing</del>" in page.text
    assert 'href="/calendar/site/NTH?week=2026-10-26"' in page.text
    assert 'href="/calendar/site/NTH?week=2026-11-09"' in page.text
    assert page.text.count('<li class="day') == 7

    for path in (
        f"/calendar/room/{room.id}?week=2026-11-02",
        f"/calendar/staff/{clinician.id}?week=2026-11-02",
        "/calendar/me?week=2026-11-02",
        f"/calendar/client/{person.id}?week=2026-11-02",
    ):
        shown = client.get(path)
        assert shown.status_code == 200, path
        assert "Relapse prevention" in shown.text, path
    assert (
        "Booked <strong>2.5 h</strong>"
        in client.get(f"/calendar/client/{person.id}?week=2026-11-02").text
    )

    bad = client.get("/calendar/site/NTH?week=soon")
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text
    assert client.get("/calendar/site/NOPE").status_code == 404


def test_the_chart_schedule_tab_shows_this_week_and_next(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    case_manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    monday = today() - timedelta(days=today().weekday())
    make_occurrence(session, site=site, leader=case_manager, day=monday + timedelta(days=8))
    make_occurrence(
        session, site=site, leader=case_manager, day=monday + timedelta(days=8), clients=[person]
    )
    session.commit()
    sign_in(client, case_manager.username)
    tab = client.get(f"/clients/{person.id}?tab=schedule")
    assert tab.status_code == 200
    assert 'aria-current="page">Schedule<' in tab.text
    assert "This week" in tab.text
    assert "Next week" in tab.text
    assert "Booked <strong>0 h</strong>" in tab.text
    assert "Booked <strong>1.5 h</strong>" in tab.text
    assert f'action="/calendar/feeds/client/{person.id}"' in tab.text


def test_clients_do_not_get_staff_calendars(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    portal = make_user(session, role=Role.CLIENT, site=site)
    clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=portal.id)
    session.commit()
    sign_in(client, portal.username)
    assert client.get(f"/calendar/site/{site.code}").status_code == 403
    assert client.get(f"/calendar/client/{person.id}").status_code == 403
    assert client.get(f"/api/v1/calendar/client/{person.id}").status_code == 200


def test_json_api(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    other = make_client(session, site=site)
    make_occurrence(session, site=site, leader=clinician, day=MONDAY, clients=[person, other])
    session.commit()
    sign_in(client, clinician.username)
    week = client.get(f"/api/v1/calendar/site/{site.id}?week=2026-11-03").json()
    assert week["week_of"] == "2026-11-02"
    [entry] = week["days"][0]["entries"]
    assert entry["kind"] == "group"
    assert entry["size"] == 2
    assert {m["name"] for m in entry["members"]} == {person.display_name, other.display_name}
    staff = client.get(f"/api/v1/calendar/staff/{clinician.id}?week=2026-11-02").json()
    assert len(staff["days"][0]["entries"]) == 1
    mine = client.get(f"/api/v1/calendar/client/{person.id}?week=2026-11-02").json()
    assert mine["booked_hours"] == 1.5
    assert mine["days"][0]["entries"][0]["members"] == []
    assert client.get(f"/api/v1/calendar/client/{other.id}").status_code == 404
    refused = client.get(f"/api/v1/calendar/site/{site.id}?week=x")
    assert refused.status_code == 422
    assert refused.json()["field"] == "week"
