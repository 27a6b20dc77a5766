"""The case-management API: the case manager's round trip, refusals as 4xx naming the field
or rule, and every role's access allowed and denied, with the reads audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.case_management import rules
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.case_management.factories import make_need, make_referral, make_team
from tests.factories import bearer, make_user


def _later(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def test_a_case_managers_round_trip(client: TestClient, session: Session) -> None:
    team = make_team(session)
    mine = bearer(session, team.manager)
    session.commit()
    base = f"/api/v1/clients/{team.client.id}"

    need = client.post(
        f"{base}/needs",
        json={"kind": "housing", "detail": "Couch", "priority": "high"},
        headers=mine,
    )
    assert need.status_code == 201, need.text
    assert need.json()["status"] == "open"
    assert [h["to_status"] for h in need.json()["history"]] == ["open"]
    need_id = need.json()["id"]

    missing = client.post(
        f"{base}/referrals",
        json={"need_id": need_id, "organization": "Help Desk"},
        headers=mine,
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "follow_up_on"
    made = client.post(
        f"{base}/referrals",
        json={"need_id": need_id, "organization": "Help Desk", "follow_up_on": _later(7)},
        headers=mine,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["status"], body["follow_up_state"]) == (
        "housing",
        "made",
        "upcoming",
    )
    referral = f"/api/v1/referrals/{body['id']}"

    illegal = client.post(f"{referral}/status", json={"status": "completed"}, headers=mine)
    assert illegal.status_code == 409
    assert illegal.json()["rule"] == rules.ILLEGAL_TRANSITION
    accepted = client.post(
        f"{referral}/status",
        json={"status": "accepted", "follow_up_on": _later(3), "reason": "Approved"},
        headers=mine,
    )
    assert accepted.status_code == 200, accepted.text
    done = client.post(
        f"{referral}/status", json={"status": "completed", "reason": "Moved in"}, headers=mine
    )
    assert done.json()["status"] == "completed"
    assert done.json()["follow_up_on"] is None
    assert done.json()["outcome"] == "Moved in"
    assert [e["to_status"] for e in done.json()["events"]] == ["made", "accepted", "completed"]

    met = client.post(f"/api/v1/needs/{need_id}/status", json={"status": "met"}, headers=mine)
    assert met.status_code == 200
    assert [h["to_status"] for h in met.json()["history"]] == ["open", "in_progress", "met"]
    assert client.get(f"{base}/referrals", headers=mine).json()[0]["id"] == body["id"]

    bad = client.post(f"{base}/needs", json={"kind": "spaceship"}, headers=mine)
    assert bad.status_code == 422
    too_long = client.post(
        f"{base}/needs", json={"kind": "food", "detail": "x" * 2001}, headers=mine
    )
    assert too_long.status_code == 422


def test_worklist_over_the_api(client: TestClient, session: Session) -> None:
    team = make_team(session)
    make_referral(
        session, actor=team.as_manager, client=team.client, made_on=today() - timedelta(10)
    )
    make_need(session, actor=team.as_manager, client=team.client)
    mine = bearer(session, team.manager)
    session.commit()
    work = client.get("/api/v1/case-management/worklist", headers=mine)
    assert work.status_code == 200
    body = work.json()
    assert [(r["follow_up_state"], r["days_overdue"]) for r in body["follow_ups"]] == [
        ("overdue", 3)
    ]
    assert len(body["awaiting_answer"]) == 1
    assert [n["kind"] for n in body["needs_without_referral"]] == ["housing"]
    assert body["sober_living_not_on_plan"] == []


@pytest.mark.parametrize(
    ("role", "read", "add_need", "write", "worklist", "directory", "edit_directory"),
    [
        (Role.CASE_MANAGER, 200, 201, 201, 200, 200, 201),
        (Role.DIRECTOR, 200, 201, 201, 200, 200, 201),
        (Role.CLINICIAN, 200, 201, 403, 403, 200, 403),
        (Role.UTILIZATION_REVIEW, 403, 403, 403, 403, 403, 403),
        (Role.ADMISSIONS, 403, 403, 403, 403, 403, 403),
        (Role.ADMIN, 403, 403, 403, 403, 403, 403),
        (Role.CLIENT, 403, 403, 403, 403, 403, 403),
    ],
)
def test_role_checks(
    client: TestClient,
    session: Session,
    role: Role,
    read: int,
    add_need: int,
    write: int,
    worklist: int,
    directory: int,
    edit_directory: int,
) -> None:
    team = make_team(session)
    if role is Role.CASE_MANAGER:
        user = team.manager
    elif role is Role.CLINICIAN:
        user = team.clinician
    else:
        user = make_user(session, role=role, site=team.site)
    headers = bearer(session, user)
    session.commit()
    base = f"/api/v1/clients/{team.client.id}"
    assert client.get(f"{base}/needs", headers=headers).status_code == read
    assert client.get(f"{base}/referrals", headers=headers).status_code == read
    assert (
        client.post(f"{base}/needs", json={"kind": "food"}, headers=headers).status_code == add_need
    )
    made = client.post(
        f"{base}/referrals",
        json={"kind": "food", "organization": "Pantry", "follow_up_on": _later(2)},
        headers=headers,
    )
    assert made.status_code == write
    assert client.get("/api/v1/case-management/worklist", headers=headers).status_code == worklist
    assert client.get("/api/v1/community-resources", headers=headers).status_code == directory
    added = client.post(
        "/api/v1/community-resources",
        json={"kind": "food", "name": f"Pantry for {role.value}"},
        headers=headers,
    )
    assert added.status_code == edit_directory


def test_unauthenticated_and_other_sites(client: TestClient, session: Session) -> None:
    team = make_team(session)
    need = make_need(session, actor=team.as_manager, client=team.client)
    elsewhere = bearer(session, make_user(session, role=Role.CASE_MANAGER))
    colleague = bearer(session, make_user(session, role=Role.CASE_MANAGER, site=team.site))
    session.commit()
    assert client.get(f"/api/v1/clients/{team.client.id}/needs").status_code == 401
    assert client.get(f"/api/v1/needs/{need.id}", headers=elsewhere).status_code == 404
    # A colleague of the site reads it, but the client is not on their caseload.
    assert client.get(f"/api/v1/needs/{need.id}", headers=colleague).status_code == 200
    refused = client.post(
        f"/api/v1/needs/{need.id}/status", json={"status": "met"}, headers=colleague
    )
    assert refused.status_code == 403


def test_reads_over_the_api_are_audited(client: TestClient, session: Session) -> None:
    team = make_team(session)
    need = make_need(session, actor=team.as_manager, client=team.client)
    headers = bearer(session, team.clinician)
    session.commit()
    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    assert client.get(f"/api/v1/needs/{need.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/community-resources", headers=headers).status_code == 200
    rows = set(
        session.execute(
            select(AuditEntry.action, AuditEntry.entity_type, AuditEntry.entity_id).where(
                AuditEntry.seq > start, AuditEntry.actor_id == team.clinician.id
            )
        )
    )
    assert (AuditAction.READ, "case_need", str(need.id)) in rows
    assert (AuditAction.READ, "community_resource", "") in rows


def test_directory_over_the_api(client: TestClient, session: Session) -> None:
    team = make_team(session)
    mine = bearer(session, team.manager)
    session.commit()
    added = client.post(
        "/api/v1/community-resources",
        json={"kind": "legal", "name": "Legal Aid", "phone": "555-0163"},
        headers=mine,
    )
    assert added.status_code == 201
    again = client.post(
        "/api/v1/community-resources", json={"kind": "legal", "name": "Legal Aid"}, headers=mine
    )
    assert again.status_code == 409
    resource = f"/api/v1/community-resources/{added.json()['id']}"
    patched = client.patch(resource, json={"is_active": False}, headers=mine)
    assert patched.json()["is_active"] is False
    assert patched.json()["phone"] == "555-0163"
    active = client.get("/api/v1/community-resources?active_only=true&kind=legal", headers=mine)
    assert active.json() == []
    blank = client.patch(resource, json={"name": ""}, headers=mine)
    assert blank.status_code == 422
