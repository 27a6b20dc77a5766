"""The treatment-plan API: draft to signed over JSON, refusals as 4xx naming the rule or field."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

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
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    portal = make_user(session, role=Role.CLIENT, site=site)
    person = make_client(session, site=site, clinician=clinician)
    person.portal_user_id = portal.id
    make_episode(session, client=person)
    mine = _headers(session, clinician)
    as_client = _headers(session, portal)
    stranger = _headers(session, make_user(session, role=Role.CLINICIAN, site=site))
    admissions = _headers(session, make_user(session, role=Role.ADMISSIONS, site=site))
    session.commit()

    created = client.post(
        f"/api/v1/clients/{person.id}/treatment-plans",
        json={"review_interval_days": 30},
        headers=mine,
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    base = f"/api/v1/treatment-plans/{plan['id']}"
    problem = client.post(f"{base}/problems", json={"statement": "Alcohol use"}, headers=mine)
    goal = client.post(
        f"{base}/goals",
        json={"problem_id": problem.json()["id"], "client_words": "Be there for my daughter"},
        headers=mine,
    )
    past = client.post(
        f"{base}/objectives",
        json={
            "goal_id": goal.json()["id"],
            "statement": "30 days sober",
            "target_date": (today() - timedelta(days=1)).isoformat(),
        },
        headers=mine,
    )
    assert past.status_code == 422
    assert past.json()["field"] == "target_date"
    objective = client.post(
        f"{base}/objectives",
        json={
            "goal_id": goal.json()["id"],
            "statement": "30 days sober",
            "target_date": (today() + timedelta(days=30)).isoformat(),
        },
        headers=mine,
    )
    assert objective.status_code == 201
    early = client.post(f"{base}/clinician-signature", headers=mine)
    assert early.status_code == 409
    assert early.json()["rule"] == "plan.incomplete_for_signing"
    client.post(
        f"{base}/interventions",
        json={"modality": "cbt_group", "frequency": "3 times a week"},
        headers=mine,
    )
    assert client.post(f"{base}/clinician-signature", headers=mine).status_code == 200
    frozen = client.patch(
        f"{base}/problems/{problem.json()['id']}", json={"statement": "Changed"}, headers=mine
    )
    assert frozen.status_code == 409
    assert frozen.json()["rule"] == "plan.signed_is_frozen"
    assert client.get(base, headers=stranger).status_code == 404
    assert client.get(base, headers=admissions).status_code == 403
    assert client.post(f"{base}/client-signature", headers=mine).status_code == 403
    signed = client.post(f"{base}/client-signature", headers=as_client)
    assert signed.status_code == 200
    assert signed.json()["status"] == "active"
    assert signed.json()["client_signature_method"] == "portal"

    note = client.post(
        f"{base}/progress-notes",
        json={
            "written_on": today().isoformat(),
            "narrative": "Sober 10 days.",
            "changes": [{"objective_id": objective.json()["id"], "to_status": "in_progress"}],
        },
        headers=mine,
    )
    assert note.status_code == 201
    assert note.json()["changes"][0]["from_status"] == "not_started"
    goals = client.get(f"/api/v1/clients/{person.id}/goals", headers=as_client).json()
    assert goals == [
        {
            "client_words": "Be there for my daughter",
            "objectives": [
                {
                    "statement": "30 days sober",
                    "target_date": (today() + timedelta(days=30)).isoformat(),
                    "status": "in_progress",
                }
            ],
        }
    ]
    summary = client.get(
        f"/api/v1/clients/{person.id}/objectives-summary",
        params={"start": today().isoformat(), "end": today().isoformat()},
        headers=mine,
    ).json()
    assert [o["status"] for o in summary["in_progress"]] == ["in_progress"]
    review = client.post(
        f"{base}/reviews", json={"reviewed_on": today().isoformat(), "summary": "ok"}, headers=mine
    )
    assert review.status_code == 201
    revision = client.post(f"{base}/revisions", headers=mine)
    assert revision.status_code == 201
    assert revision.json()["version"] == 2
    listed = client.get(f"/api/v1/clients/{person.id}/treatment-plans", headers=mine).json()
    assert [p["version"] for p in listed] == [2, 1]
    assert client.get("/api/v1/treatment-plans/overdue-reviews", headers=mine).json() == []
