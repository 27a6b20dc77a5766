"""The set-up pages as a browser uses them: forms, 422 re-renders, who may see what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.programs import service
from stepdown.programs.models import BlockKind
from stepdown.security.roles import USER_ROLES, Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_client,
    make_occurrence,
    make_room,
    make_site,
    make_user,
    sign_in,
)


def test_director_adds_a_session_and_a_bad_one_is_shown_again(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/programs")
    assert page.status_code == 200
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "site": str(site.id),
        "day": "mon",
        "start": "18:00",
        "end": "17:00",
        "topic": "RP",
        "audience": "adult",
        "gender": "any",
        "min_size": "3",
        "max_size": "10",
        "levels": ["IOP"],
    }
    refused = client.post("/programs/sessions", data=form)
    assert refused.status_code == 422
    assert "is not after start" in refused.text
    assert 'value="18:00"' in refused.text
    form["end"] = "19:30"
    added = client.post("/programs/sessions", data=form)
    assert added.status_code == 200
    assert "Relapse prevention" in added.text


def test_clinician_edits_a_caseload_clients_availability(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    url = f"/clients/{person.id}/schedule-profile"
    token = csrf_from(client.get(url).text)
    data = {
        "csrf_token": token,
        "therapist": "",
        "individual_sessions": "1",
        "family_sessions": "0",
        "availability": "mon 17:30-21:30\nmon 20:00-22:00",
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "overlaps" in refused.text
    data["availability"] = "mon 17:30-21:30\ntue 17:30-21:30"
    saved = client.post(url, data=data)
    assert saved.status_code == 200
    assert "tue 17:30-21:30" in saved.text


def test_director_edits_a_room_and_cannot_remove_a_used_one(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    room = make_room(session, site, code="R1", name="Group room")
    director = make_user(session, role=Role.DIRECTOR)
    make_occurrence(session, site=site, leader=director, day=today(), room=room)
    session.commit()
    sign_in(client, director.username)
    url = f"/programs/rooms/{room.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Group room"' in page.text
    data = {"csrf_token": csrf_from(page.text), "code": "R1", "name": "Big room", "capacity": "0"}
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert 'id="e-room-capacity">Capacity: must be between 1 and 200' in refused.text
    assert 'value="Big room"' in refused.text
    data["capacity"] = "16"
    saved = client.post(url, data=data)
    assert saved.status_code == 200
    assert "Big room" in saved.text
    kept = client.post(f"{url}/delete", data={"csrf_token": data["csrf_token"]})
    assert kept.status_code == 409
    assert "cannot be removed" in kept.text
    assert client.get(url).status_code == 200


def test_director_edits_a_block_and_its_sessions_hold_it_in_place(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    block = service.add_time_block(
        session,
        actor=SYSTEM,
        site=site,
        kind=BlockKind.IOP_EVENING,
        name="Evening",
        day="mon",
        start="18:00",
        end="21:15",
        levels=["IOP", "OP"],
    )
    group = service.add_group_session(
        session,
        actor=SYSTEM,
        site=site,
        spec=service.SessionSpec(
            day="mon",
            start="18:00",
            end="19:30",
            topic="RP",
            levels=["IOP"],
            time_block_id=block.id,
        ),
    )
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/programs/time-blocks/{block.id}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    data = {
        "csrf_token": token,
        "kind": "iop_evening",
        "name": "Evening",
        "day": "mon",
        "start": "19:00",
        "end": "21:15",
        "levels": ["IOP", "OP"],
    }
    refused = client.post(f"/programs/time-blocks/{block.id}", data=data)
    assert refused.status_code == 409
    assert "session G1 would no longer fit" in refused.text
    assert 'value="19:00"' in refused.text
    session_url = f"/programs/sessions/{group.id}"
    form = client.get(session_url)
    assert 'value="G1"' in form.text
    edit = {
        "csrf_token": token,
        "code": "G1",
        "day": "mon",
        "start": "18:00",
        "end": "19:30",
        "topic": "MI",
        "audience": "adult",
        "gender": "any",
        "min_size": "3",
        "max_size": "ten",
        "time_block": str(block.id),
        "levels": ["IOP"],
    }
    bad = client.post(session_url, data=edit)
    assert bad.status_code == 422
    assert 'id="e-session-max_size">Maximum size: enter a whole number' in bad.text
    edit["max_size"] = "10"
    assert client.post(session_url, data=edit).status_code == 200
    removed = client.post(f"/programs/time-blocks/{block.id}/delete", data={"csrf_token": token})
    assert "1 session(s) no longer have a block" in removed.text
    assert "Motivational interviewing" in removed.text


def test_director_removes_a_staff_profile(client: TestClient, session: Session) -> None:
    site = make_site(session)
    staff = make_user(session, role=Role.CLINICIAN, site=site)
    service.save_staff_profile(
        session, actor=SYSTEM, user=staff, site=site, topics=["CBT"], availability=[], max_hours=20
    )
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/programs/staff/{staff.id}")
    assert "Remove profile" in page.text
    gone = client.post(
        f"/programs/staff/{staff.id}/delete", data={"csrf_token": csrf_from(page.text)}
    )
    assert gone.status_code == 200
    assert "No staff profiles yet." in gone.text


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.CASE_MANAGER])
def test_only_directors_and_administrators_reach_the_edit_pages(
    role: Role, client: TestClient, session: Session
) -> None:
    site = make_site(session)
    room = make_room(session, site)
    user = make_user(session, role=role, site=site)
    session.commit()
    sign_in(client, user.username)
    assert client.get(f"/programs/rooms/{room.id}").status_code == 403
    setup = client.get("/programs").text
    assert f"/programs/rooms/{room.id}" not in setup
    assert ("/programs/keep-apart" in setup) == (role is Role.CLINICIAN)


def test_the_administrator_sets_rooms_up(client: TestClient, session: Session) -> None:
    site = make_site(session)
    room = make_room(session, site)
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, admin.username)
    assert client.get(f"/programs/rooms/{room.id}").status_code == 200
    assert f"/programs/rooms/{room.id}" in client.get("/programs").text
    assert "/levels/IOP/edit" in client.get("/levels").text


ALLOWED = {
    "/programs": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/programs/keep-apart": {Role.DIRECTOR, Role.CLINICIAN},
    "/api/v1/programs/sessions": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/api/v1/programs/keep-apart": {Role.DIRECTOR, Role.CLINICIAN},
}


@pytest.mark.parametrize("role", USER_ROLES, ids=lambda r: r.value)
def test_who_may_see_the_set_up_and_keep_apart_pairs(
    role: Role, client: TestClient, session: Session
) -> None:
    user = make_user(session, role=role, site=make_site(session))
    session.commit()
    sign_in(client, user.username)
    for path, roles in ALLOWED.items():
        status = client.get(path, follow_redirects=False).status_code
        assert status == (200 if role in roles else 403), f"{role.value} {path}"
