"""The set-up pages as a browser uses them: forms, 422 re-renders, who may see what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import USER_ROLES, Role
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in


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


ALLOWED = {
    "/programs": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
    "/programs/keep-apart": {Role.DIRECTOR, Role.CLINICIAN},
    "/api/v1/programs/sessions": {Role.ADMIN, Role.DIRECTOR, Role.CLINICIAN, Role.CASE_MANAGER},
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
