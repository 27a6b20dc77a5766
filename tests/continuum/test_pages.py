"""The chart's care tab, the census board and the catalog in the browser's terms (HTML)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.continuum import service
from stepdown.continuum.models import Track
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in


def test_admit_then_step_down_through_the_chart(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    care = client.get(f"/clients/{person.id}?tab=care")
    assert care.status_code == 200
    assert "Admit to a level of care" in care.text
    token = csrf_from(care.text)
    start = (today() - timedelta(days=20)).isoformat()
    admitted = client.post(
        f"/clients/{person.id}/admit",
        data={
            "csrf_token": token,
            "level": "IOP",
            "track": "evening",
            "on": start,
            "reason": "works days",
        },
    )
    assert admitted.status_code == 200
    assert "Admitted to IOP" in admitted.text
    assert '<svg class="timeline"' in admitted.text
    episode_id = re.search(r"/episodes/([0-9a-f-]{36})/transition", admitted.text)
    assert episode_id
    refused = client.post(
        f"/episodes/{episode_id.group(1)}/transition",
        data={
            "csrf_token": token,
            "action": "step_down",
            "level": "AFTERCARE",
            "track": "none",
            "on": today().isoformat(),
            "reason": "done",
        },
    )
    assert refused.status_code == 409
    assert "step.skips_level" in refused.text
    assert "skips Outpatient" in refused.text
    stepped = client.post(
        f"/episodes/{episode_id.group(1)}/transition",
        data={
            "csrf_token": token,
            "action": "step_down",
            "level": "OP",
            "track": "evening",
            "on": today().isoformat(),
            "reason": "goals met",
        },
    )
    assert stepped.status_code == 200
    assert "Now: Outpatient (OP), evening track" in stepped.text


def test_bad_date_redisplays_the_form_naming_the_field(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    token = csrf_from(client.get(f"/clients/{person.id}?tab=care").text)
    page = client.post(
        f"/clients/{person.id}/admit",
        data={
            "csrf_token": token,
            "level": "IOP",
            "track": "day",
            "on": "31/12/2026",
            "reason": "x",
        },
    )
    assert page.status_code == 422
    assert "On:</strong> enter the date as YYYY-MM-DD" in page.text
    assert "31/12/2026" in page.text


def test_census_board_counts_and_filters(client: TestClient, session: Session) -> None:
    site = make_site(session)
    other_site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR)
    for where in (site, site, other_site):
        person = make_client(session, site=where)
        service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="PHP",
            track=Track.DAY,
            on=today() - timedelta(days=50),
            reason="r",
        )
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/census?site={site.id}")
    assert page.status_code == 200
    assert re.search(r'data-level="PHP">2<', page.text)
    assert page.text.count("(over)") == 2  # PHP's typical stay is at most 6 weeks


def test_director_edits_a_level_and_bad_input_is_named(
    client: TestClient, session: Session
) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get("/levels").status_code == 200
    assert client.get("/levels/IOP/edit").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/levels").text)})
    sign_in(client, director.username)
    form = client.get("/levels/IOP/edit").text
    token = csrf_from(form)
    bad = client.post(
        "/levels/IOP/edit",
        data={
            "csrf_token": token,
            "name": "Intensive outpatient (IOP)",
            "weekly_hours_min": "16",
            "weekly_hours_max": "15",
            "has_day_track": "on",
            "has_evening_track": "on",
            "is_active": "on",
        },
    )
    assert bad.status_code == 422
    assert "Weekly hours, minimum: must not exceed weekly hours max" in bad.text
    good = client.post(
        "/levels/IOP/edit",
        data={
            "csrf_token": token,
            "name": "Intensive outpatient (IOP)",
            "weekly_hours_min": "9",
            "weekly_hours_max": "15",
            "typical_stay_weeks_min": "8",
            "typical_stay_weeks_max": "12",
            "has_day_track": "on",
            "has_evening_track": "on",
            "is_active": "on",
        },
    )
    assert good.status_code == 200
    assert "Intensive outpatient (IOP) saved." in good.text


def test_client_search_finds_by_name_and_record(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site, legal_last_name="Quillfeather")
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    assert "Quillfeather" in client.get("/clients?q=quillfeath").text
    assert "Quillfeather" in client.get(f"/clients?q={person.record_number}").text
    assert "No clients found" in client.get("/clients?q=zzzz-nobody").text
