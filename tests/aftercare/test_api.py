"""The aftercare API: draft to final over JSON, check-ins, follow-ups and the worklist,
refusals as 4xx naming the rule or field."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.aftercare import service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType
from stepdown.kit.clock import today
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user


def _headers(session: Session, user: User) -> dict[str, str]:
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_plan_over_the_api(client: TestClient, session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    episode = make_episode(session, client=person, on=today() - timedelta(days=60))
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=today() - timedelta(days=28),
        summary="Completed IOP.",
    )
    service.schedule_follow_ups(session, actor=SYSTEM, today=today())
    mine = _headers(session, manager)
    review = _headers(session, make_user(session, role=Role.UTILIZATION_REVIEW, site=site))
    session.commit()

    assert (
        client.get(f"/api/v1/clients/{person.id}/aftercare-plan", headers=mine).status_code == 404
    )
    created = client.post(f"/api/v1/clients/{person.id}/aftercare-plans", headers=mine)
    assert created.status_code == 201, created.text
    base = f"/api/v1/aftercare/plans/{created.json()['id']}"
    again = client.post(f"/api/v1/clients/{person.id}/aftercare-plans", headers=mine)
    assert again.status_code == 409
    assert again.json()["rule"] == service.PLAN_EXISTS

    early = client.post(f"{base}/finalize", headers=mine)
    assert early.status_code == 422
    assert early.json()["field"] == "warning_signs"
    bad = client.patch(base, json={"weekly_checkins": 99}, headers=mine)
    assert bad.status_code == 422
    patched = client.patch(
        base,
        json={"warning_signs": "Isolating", "coping_steps": "Call Sam", "checkin_months": 6},
        headers=mine,
    )
    assert patched.status_code == 200
    assert patched.json()["checkin_months"] == 6
    meeting = client.post(
        f"{base}/meetings",
        json={"kind": "na", "name": "Hope", "day": "friday", "place_or_link": "Hall"},
        headers=mine,
    )
    assert meeting.status_code == 201
    final = client.post(f"{base}/finalize", headers=mine)
    assert final.status_code == 200
    assert final.json()["status"] == "final"
    assert [m["name"] for m in final.json()["meetings"]] == ["Hope"]

    checkins = client.get(f"{base}/check-ins", headers=mine).json()
    assert len(checkins) == 9  # 4 weekly, then months 2 to 6
    assert {c["state"] for c in checkins} == {"upcoming"}
    done = client.post(f"/api/v1/aftercare/check-ins/{checkins[0]['id']}/complete", headers=mine)
    assert done.json()["state"] == "completed"

    work = client.get("/api/v1/aftercare/worklist", headers=mine).json()
    (follow_up,) = [f for f in work["follow_ups"] if f["client_id"] == str(person.id)]
    assert follow_up["days_after"] == 30
    recorded = client.post(
        f"/api/v1/aftercare/follow-ups/{follow_up['id']}",
        json={
            "reached": True,
            "abstinent": True,
            "readmitted": False,
            "employment_school": "in_school",
            "housing": "sober_living",
        },
        headers=mine,
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["housing"] == "sober_living"

    assert (
        client.get(f"/api/v1/clients/{person.id}/aftercare-plan", headers=review).status_code == 403
    )
