"""The alumni JSON API: events and RSVPs, volunteers, suggestions and mentorships."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track, Transition
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    make_alumnus,
    make_client,
    make_episode,
    make_site,
    make_user,
)


def _bearer(session: Session, role: Role, **kwargs: object) -> dict[str, str]:
    user = make_user(session, role=role, **kwargs)  # type: ignore[arg-type]
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="test"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_events_rsvps_and_a_mentorship_over_the_api(client: TestClient, session: Session) -> None:
    site = make_site(session)
    auth = _bearer(session, Role.DIRECTOR, site=site)
    first, second = make_client(session, site=site), make_client(session, site=site)
    alumnus = make_alumnus(session, site=site, preferred_name="Alex")
    mentee = make_client(session, site=site)
    episode = make_episode(session, client=mentee, level_code="IOP")
    continuum_service.step(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=today() - timedelta(days=3),
        reason="IOP goals met",
    )
    session.commit()

    start = datetime.now(UTC) + timedelta(days=2)
    bad = client.post(
        "/api/v1/alumni/events",
        headers=auth,
        json={"title": "x", "starts_at": start.isoformat(), "ends_at": start.isoformat()},
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "ends_at"
    made = client.post(
        "/api/v1/alumni/events",
        headers=auth,
        json={
            "site_id": str(site.id),
            "title": "Alumni hike",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "capacity": 1,
        },
    )
    assert made.status_code == 201, made.text
    event_id = made.json()["id"]
    answers = [
        client.post(
            f"/api/v1/alumni/events/{event_id}/rsvps",
            headers=auth,
            json={"client_id": str(person.id)},
        ).json()["status"]
        for person in (first, second)
    ]
    assert answers == ["going", "waitlisted"]
    cancelled = client.post(
        f"/api/v1/alumni/events/{event_id}/rsvps/{first.id}/cancel", headers=auth
    )
    assert cancelled.json()["status"] == "cancelled"
    shown = client.get(f"/api/v1/alumni/events/{event_id}", headers=auth).json()
    assert (shown["going"], shown["waitlisted"]) == (1, 0)
    listed = client.get("/api/v1/alumni/events", headers=auth).json()
    assert [e["id"] for e in listed] == [event_id]

    refused = client.post(
        "/api/v1/alumni/volunteers",
        headers=auth,
        json={
            "client_id": str(alumnus.id),
            "recovery_start": (today() - timedelta(days=500)).isoformat(),
            "consent": False,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "consent"
    enrolled = client.post(
        "/api/v1/alumni/volunteers",
        headers=auth,
        json={
            "client_id": str(alumnus.id),
            "recovery_start": (today() - timedelta(days=500)).isoformat(),
            "site_ids": [str(site.id)],
            "tracks": ["evening"],
            "interests": ["outdoors"],
            "consent": True,
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["eligible"] is True
    volunteer_id = enrolled.json()["id"]

    client.put(
        f"/api/v1/clients/{mentee.id}/mentee-interests",
        headers=auth,
        json={"interests": ["outdoors"]},
    ).raise_for_status()
    suggested = client.get(f"/api/v1/clients/{mentee.id}/mentor-suggestions", headers=auth).json()
    assert suggested == [
        {
            "volunteer_id": volunteer_id,
            "first_name": "Alex",
            "recovery_days": 500,
            "score": 6,
            "same_site": True,
            "same_track": True,
            "shared": ["outdoors"],
        }
    ]
    proposed = client.post(
        "/api/v1/alumni/mentorships",
        headers=auth,
        json={"client_id": str(mentee.id), "volunteer_id": volunteer_id},
    )
    assert proposed.status_code == 201
    mentorship_id = proposed.json()["id"]
    unattested = client.post(
        f"/api/v1/alumni/mentorships/{mentorship_id}/consent/mentee", headers=auth, json={}
    )
    assert unattested.status_code == 422
    assert unattested.json()["field"] == "attested"
    half = client.post(
        f"/api/v1/alumni/mentorships/{mentorship_id}/consent/mentee",
        headers=auth,
        json={"attested": True},
    ).json()
    assert half["status"] == "proposed"
    both = client.post(
        f"/api/v1/alumni/mentorships/{mentorship_id}/consent/mentor",
        headers=auth,
        json={"attested": True},
    ).json()
    assert both["status"] == "active"
    assert [m["id"] for m in client.get("/api/v1/alumni/mentorships", headers=auth).json()] == [
        mentorship_id
    ]
    ended = client.post(
        f"/api/v1/alumni/mentorships/{mentorship_id}/end", headers=auth, json={"reason": "moved"}
    ).json()
    assert (ended["status"], ended["end_reason"]) == ("ended", "moved")
    withdrawn = client.post(f"/api/v1/alumni/volunteers/{volunteer_id}/withdraw", headers=auth)
    assert withdrawn.status_code == 204
    volunteers = client.get("/api/v1/alumni/volunteers", headers=auth).json()
    assert volunteers[0]["refusals"] == ["mentor.consent_withdrawn"]
