"""Attendance in the browser's terms (forms, redirects, errors) and through the JSON API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.calendar.models import SessionOccurrence
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.programs.models import Site
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_appointment,
    make_client,
    make_occurrence,
    make_room,
    make_site,
    make_user,
    sign_in,
)


def local_today(settings: Settings) -> date:
    """The program's day, as the pages read it (sessions are on its wall clock)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def _setup(
    session: Session, settings: Settings
) -> tuple[Site, User, list[Client], SessionOccurrence]:
    today = local_today(settings)
    site = make_site(session)
    leader = make_user(session, role=Role.CLINICIAN, site=site)
    clients = []
    for _ in range(2):
        person = make_client(session, site=site, clinician=leader)
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="IOP",
            track=Track.EVENING,
            on=today - timedelta(days=14),
            reason="test admission",
        )
        clients.append(person)
    occurrence = make_occurrence(
        session,
        site=site,
        leader=leader,
        day=today,
        clients=clients,
        room=make_room(session, site),
        start="18:00",
        end="21:00",
    )
    session.commit()
    return site, leader, clients, occurrence


def test_all_present_then_one_late(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _, leader, clients, occurrence = _setup(session, settings)
    sign_in(client, leader.username)
    today_page = client.get("/attendance")
    assert today_page.status_code == 200
    assert f'href="/attendance/occurrences/{occurrence.id}"' in today_page.text
    assert "0 of 2 recorded" in today_page.text

    url = f"/attendance/occurrences/{occurrence.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('<li class="roster-row') == 2
    assert "All present" in page.text
    assert f'href="/group-notes/occurrences/{occurrence.id}"' in page.text  # the leader writes it
    done = client.post(
        f"{url}/all-present", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == url
    page = client.get(url)
    assert "2 marked present" in page.text
    assert page.text.count('data-credited="180"') == 2

    late_id = clients[1].id
    form = {
        "csrf_token": csrf_from(page.text),
        f"status-{clients[0].id}": "present",
        f"status-{late_id}": "late",
        f"late_minutes-{late_id}": "15",
        f"left_early_minutes-{late_id}": "40",  # hidden for "late": ignored
    }
    saved = client.post(url, data=form)
    assert saved.status_code == 200
    assert "Attendance saved for 2: 5.8 h credited." in saved.text
    assert 'data-credited="165"' in saved.text
    assert "Everyone is recorded: 5.8 h credited in all." in saved.text
    assert f'id="s-{late_id}-late" name="status-{late_id}" value="late" checked' in saved.text


def test_a_refused_row_is_named_and_choices_kept(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _, leader, clients, occurrence = _setup(session, settings)
    sign_in(client, leader.username)
    url = f"/attendance/occurrences/{occurrence.id}"
    token = csrf_from(client.get(url).text)
    person = clients[0].id
    page = client.post(
        url,
        data={
            "csrf_token": token,
            f"status-{person}": "late",
            f"late_minutes-{person}": "180",
            f"status-{clients[1].id}": "absent_unexcused",
        },
    )
    assert page.status_code == 422
    assert "Minutes late: 180 minutes missed of a 180-minute session" in page.text
    assert f'id="err-{person}" role="alert"' in page.text
    assert 'value="180"' in page.text
    assert "not recorded" in page.text  # nothing was written

    blank = client.post(url, data={"csrf_token": token})
    assert blank.status_code == 422
    assert "choose a status for at least one member" in blank.text

    words = client.post(
        url, data={"csrf_token": token, f"status-{person}": "late", f"late_minutes-{person}": "x"}
    )
    assert words.status_code == 422
    assert "Minutes late: enter whole minutes" in words.text


def test_site_staff_take_the_roster_but_get_no_note_link(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The group note is the leader's (or a director's): a case manager of the site who
    covers the roster is not sent to a form that would refuse them."""
    site, _, _clients, occurrence = _setup(session, settings)
    staff = make_user(session, role=Role.CASE_MANAGER, site=site)
    session.commit()
    sign_in(client, staff.username)
    page = client.get(f"/attendance/occurrences/{occurrence.id}")
    assert page.status_code == 200
    assert "All present" in page.text
    assert "/group-notes/occurrences/" not in page.text


def test_another_sites_case_manager_is_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _, _, _clients, occurrence = _setup(session, settings)
    outsider = make_user(session, role=Role.CASE_MANAGER, site=make_site(session))
    session.commit()
    sign_in(client, outsider.username)
    assert client.get(f"/attendance/occurrences/{occurrence.id}").status_code == 403
    token = csrf_from(client.get("/attendance").text)
    refused = client.post(
        f"/attendance/occurrences/{occurrence.id}/all-present",
        data={"csrf_token": token},
    )
    assert refused.status_code == 403


def test_board_and_hours_tab(client: TestClient, session: Session, settings: Settings) -> None:
    site, leader, clients, occurrence = _setup(session, settings)
    sign_in(client, leader.username)
    url = f"/attendance/occurrences/{occurrence.id}"
    token = csrf_from(client.get(url).text)
    client.post(
        url,
        data={
            "csrf_token": token,
            f"status-{clients[0].id}": "absent_unexcused",
            f"status-{clients[1].id}": "present",
        },
    )
    board = client.get(f"/attendance/board?site={site.code}")
    assert board.status_code == 200
    assert board.text.count(f'href="/clients/{clients[0].id}?tab=hours"') == 1
    assert "booked 3.0 h of the 9.0 h IOP minimum" in board.text
    assert "need attention this week" in board.text
    assert client.get(f"/attendance/board?site={site.code}&track=weekend").status_code == 422

    tab = client.get(f"/clients/{clients[0].id}?tab=hours")
    assert tab.status_code == 200
    assert "Treatment hours by week" in tab.text
    assert "Short: 9.0 h short with no sessions left this week; booked 3.0 h" in tab.text


def test_json_api(client: TestClient, session: Session, settings: Settings) -> None:
    site, leader, clients, occurrence = _setup(session, settings)
    sign_in(client, leader.username)
    token = csrf_from(client.get("/attendance").text)
    headers = {"x-csrf-token": token}
    url = f"/api/v1/attendance/occurrences/{occurrence.id}"
    roster = client.get(url).json()
    assert [e["status"] for e in roster["entries"]] == [None, None]
    assert roster["scheduled_minutes"] == 180
    body = {
        "entries": [
            {"client_id": str(clients[0].id), "status": "left_early", "left_early_minutes": 30},
            {"client_id": str(clients[1].id), "status": "present"},
        ]
    }
    saved = client.put(url, json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    credited = {e["client_id"]: e["credited_minutes"] for e in saved.json()["roster"]["entries"]}
    assert credited == {str(clients[0].id): 150, str(clients[1].id): 180}

    bad = {"entries": [{"client_id": str(clients[0].id), "status": "present", "late_minutes": 5}]}
    refused = client.put(url, json=bad, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["field"] == "entries[0].late_minutes"

    board = client.get(f"/api/v1/attendance/board?site={site.code}").json()
    assert {r["client_id"] for r in board["rows"]} == {str(c.id) for c in clients}
    assert board["rows"][0]["shortfall_minutes"] >= board["rows"][1]["shortfall_minutes"]


def test_appointment_and_the_clinicians_alert(
    client: TestClient, session: Session, settings: Settings
) -> None:
    _, leader, clients, occurrence = _setup(session, settings)
    person = clients[0]
    earlier = make_appointment(
        session, client=person, staff=leader, day=occurrence.day - timedelta(days=1)
    )
    session.commit()
    sign_in(client, leader.username)
    page = client.get(f"/attendance/appointments/{earlier.id}")
    assert page.status_code == 200
    assert "Individual therapy" in page.text
    assert "All present" not in page.text  # one client: no bulk button
    token = csrf_from(page.text)
    saved = client.put(
        f"/api/v1/attendance/appointments/{earlier.id}",
        json={"client_id": str(person.id), "status": "absent_unexcused"},
        headers={"x-csrf-token": token},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["roster"]["entries"][0]["credited_minutes"] == 0
    assert "unexcused absences in a row" not in client.get("/").text
    url = f"/attendance/occurrences/{occurrence.id}"
    after = client.post(
        url,
        data={"csrf_token": token, f"status-{person.id}": "absent_unexcused"},
    )
    assert "alert(s) raised for the primary clinician" in after.text
    home = client.get("/")
    assert "2 unexcused absences in a row: contact the client" in home.text
