"""The set-up's JSON API: writes by directors, PHI writes by clinicians, 422 naming the field,
409 naming the rule, 403 for everyone else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_occurrence, make_room, make_site, make_user

API = "/api/v1/programs"


def _headers(session: Session, user: User) -> dict[str, str]:
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_director_manages_rooms_and_a_used_room_stays(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = _headers(session, make_user(session, role=Role.DIRECTOR))
    clinician = _headers(session, make_user(session, role=Role.CLINICIAN, site=site))
    leader = make_user(session, role=Role.CLINICIAN, site=site)
    used = make_room(session, site)
    make_occurrence(session, site=site, leader=leader, day=today(), room=used)
    session.commit()
    body = {"site_id": str(site.id), "code": "r9", "name": "Garden room", "capacity": 10}
    assert client.post(f"{API}/rooms", json=body, headers=clinician).status_code == 403
    created = client.post(f"{API}/rooms", json=body, headers=director)
    assert created.status_code == 201, created.text
    room_id = created.json()["id"]
    assert created.json()["code"] == "R9"
    refused = client.put(
        f"{API}/rooms/{room_id}", json={"code": "R9", "name": "x", "capacity": 0}, headers=director
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "capacity"
    duplicate = client.post(f"{API}/rooms", json=body, headers=director)
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "code"
    in_use = client.delete(f"{API}/rooms/{used.id}", headers=director)
    assert in_use.status_code == 409
    assert in_use.json()["rule"] == "room.in_published_schedule"
    assert client.delete(f"{API}/rooms/{room_id}", headers=director).status_code == 200
    codes = {r["code"] for r in client.get(f"{API}/rooms", headers=clinician).json()}
    assert codes == {used.code}


def test_director_manages_blocks_and_sessions(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = _headers(session, make_user(session, role=Role.DIRECTOR))
    session.commit()
    block = client.post(
        f"{API}/time-blocks",
        json={
            "site_id": str(site.id),
            "kind": "iop_evening",
            "day": "tue",
            "start": "18:00",
            "end": "21:15",
            "levels": ["IOP", "OP"],
        },
        headers=director,
    )
    assert block.status_code == 201, block.text
    block_id = block.json()["id"]
    body = {
        "site_id": str(site.id),
        "day": "tue",
        "start": "18:00",
        "end": "19:30",
        "topic": "DBT",
        "levels": ["IOP"],
        "gender": "F",
        "time_block_id": block_id,
    }
    wrong_topic = client.post(f"{API}/sessions", json={**body, "topic": "YOGA"}, headers=director)
    assert wrong_topic.status_code == 422
    assert wrong_topic.json()["field"] == "topic"
    bad_gender = client.post(f"{API}/sessions", json={**body, "gender": "W"}, headers=director)
    assert bad_gender.status_code == 422
    assert bad_gender.json()["field"] == "gender"
    created = client.post(f"{API}/sessions", json=body, headers=director)
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    del body["site_id"]
    changed = client.put(
        f"{API}/sessions/{session_id}", json={**body, "max_size": 8}, headers=director
    )
    assert changed.json()["max_size"] == 8
    assert changed.json()["code"] == created.json()["code"]
    shrink = {"kind": "iop_evening", "day": "tue", "start": "19:00", "end": "21:15"}
    refused = client.put(
        f"{API}/time-blocks/{block_id}", json={**shrink, "levels": ["IOP"]}, headers=director
    )
    assert refused.status_code == 409
    assert refused.json()["rule"] == "time_block.session_outside"
    removed = client.delete(f"{API}/time-blocks/{block_id}", headers=director)
    assert "1 session(s)" in removed.json()["detail"]
    assert client.get(f"{API}/sessions", headers=director).json()[0]["time_block_id"] is None
    assert client.delete(f"{API}/sessions/{session_id}", headers=director).status_code == 200
    assert client.delete(f"{API}/sessions/{session_id}", headers=director).status_code == 404


def test_staff_profile_is_put_and_an_overlap_is_refused(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = _headers(session, make_user(session, role=Role.DIRECTOR))
    staff = make_user(session, role=Role.CLINICIAN, site=site)
    session.commit()
    url = f"{API}/staff-profiles/{staff.id}"
    body = {
        "site_id": str(site.id),
        "topics": ["CBT", "RP"],
        "availability": [
            {"day": "mon", "start": "09:00", "end": "13:00"},
            {"day": "mon", "start": "12:00", "end": "17:00"},
        ],
        "max_hours": 30,
    }
    overlap = client.put(url, json=body, headers=director)
    assert overlap.status_code == 422
    assert overlap.json()["field"] == "availability"
    backwards = client.put(
        url,
        json={**body, "availability": [{"day": "mon", "start": "13:00", "end": "09:00"}]},
        headers=director,
    )
    assert backwards.status_code == 422
    assert backwards.json()["field"].startswith("availability")
    body["availability"] = body["availability"][:1]  # type: ignore[index]
    saved = client.put(url, json=body, headers=director)
    assert saved.status_code == 200, saved.text
    assert saved.json()["topics"] == ["CBT", "RP"]
    assert client.delete(url, headers=director).status_code == 200
    assert client.get(f"{API}/staff-profiles", headers=director).json() == []


def test_keep_apart_over_the_api_is_for_clinicians_and_their_caseload(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    mine = [make_client(session, site=site, clinician=clinician) for _ in range(2)]
    stranger = make_client(session, site=site)
    headers = _headers(session, clinician)
    case_manager = _headers(session, make_user(session, role=Role.CASE_MANAGER, site=site))
    session.commit()
    body = {"client_a_id": str(mine[0].id), "client_b_id": str(mine[1].id), "reason": "relative"}
    assert client.post(f"{API}/keep-apart", json=body, headers=case_manager).status_code == 403
    assert client.get(f"{API}/keep-apart", headers=case_manager).status_code == 403
    out_of_reach = client.post(
        f"{API}/keep-apart", json={**body, "client_b_id": str(stranger.id)}, headers=headers
    )
    assert out_of_reach.status_code == 422
    assert out_of_reach.json()["field"] == "client_b_id"
    created = client.post(f"{API}/keep-apart", json=body, headers=headers)
    assert created.status_code == 201, created.text
    again = client.post(f"{API}/keep-apart", json=body, headers=headers)
    assert again.status_code == 409
    listed = client.get(f"{API}/keep-apart", headers=headers).json()
    assert {listed[0]["client_a_record_number"], listed[0]["client_b_record_number"]} == {
        c.record_number for c in mine
    }
    pair = created.json()["id"]
    assert client.delete(f"{API}/keep-apart/{pair}", headers=headers).status_code == 200
    assert client.get(f"{API}/keep-apart", headers=headers).json() == []
