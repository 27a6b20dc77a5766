"""Diagnoses over the JSON API: who may call what, bounded inputs, refusals naming the field,
and an audit entry for every read and change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.diagnoses.factories import Chart, make_chart, make_diagnosis
from tests.factories import bearer, make_user


def _audit(session: Session, chart: Chart) -> list[tuple[str, str]]:
    session.expire_all()
    return [
        (e.action.value, e.actor_label)
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "diagnosis", AuditEntry.client_id == chart.client.id)
            .order_by(AuditEntry.seq)
        )
    ]


def test_add_list_rank_end_and_void(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    headers = bearer(session, chart.clinician)
    session.commit()
    base = f"/api/v1/clients/{chart.client.id}/diagnoses"
    added = client.post(
        base,
        json={
            "code": "F1120",
            "principal": True,
            "severity": "severe",
            "diagnosed_on": str(chart.episode.admitted_on),
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["code"], body["rank"], body["specifiers"], body["status"]) == (
        "F11.20",
        "principal",
        "severe",
        "active",
    )
    assert body["description"] == "Opioid dependence, uncomplicated"
    second = client.post(
        base,
        json={"code": "F41.1", "principal": True, "diagnosed_on": str(today())},
        headers=headers,
    ).json()
    assert second["rank"] == "principal"
    listed = client.get(base, headers=headers).json()
    assert {(d["code"], d["rank"]) for d in listed} == {
        ("F11.20", "secondary"),
        ("F41.1", "principal"),
    }
    current = client.get(f"/api/v1/episodes/{chart.episode.id}/diagnoses", headers=headers).json()
    assert [d["code"] for d in current] == ["F41.1", "F11.20"]
    yesterday = str(today() - timedelta(days=1))
    earlier = client.get(
        f"/api/v1/episodes/{chart.episode.id}/diagnoses", params={"on": yesterday}, headers=headers
    ).json()
    assert [(d["code"], d["rank"]) for d in earlier] == [("F11.20", "principal")]

    promoted = client.post(
        f"/api/v1/diagnoses/{body['id']}/principal", json={}, headers=headers
    ).json()
    assert promoted["rank"] == "principal"
    ended = client.post(
        f"/api/v1/diagnoses/{second['id']}/end",
        json={"status": "ruled_out", "on": str(today())},
        headers=headers,
    ).json()
    assert (ended["status"], ended["ended_on"], ended["rank"]) == ("ruled_out", str(today()), None)
    voided = client.post(
        f"/api/v1/diagnoses/{body['id']}/entered-in-error",
        json={"reason": "wrong client"},
        headers=headers,
    ).json()
    assert (voided["status"], voided["error_reason"]) == ("entered_in_error", "wrong client")
    actions = [action for action, _ in _audit(session, chart)]
    assert actions.count("create") == 2
    assert actions.count("update") >= 4  # a demotion, a promotion with its demotion, end, void
    assert actions.count("read") >= 3


def test_refusals_name_the_field(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    headers = bearer(session, chart.clinician)
    session.commit()
    base = f"/api/v1/clients/{chart.client.id}/diagnoses"
    for payload, field, status in (
        ({"code": "F10"}, "code", 422),
        ({"code": "F10.20", "severity": "mild"}, "severity", 422),
        ({"code": "F10.21", "severity": "severe"}, "remission", 422),
        ({"code": "F10.21", "severity": "severe", "remission": "late"}, "remission", 422),
        ({"code": "F10.20" * 3, "severity": "severe"}, "code", 422),
        ({"code": "F41.1", "diagnosed_on": "9999-01-01"}, "diagnosed_on", 422),
        ({"code": "F41.1", "diagnosed_on": str(today() + timedelta(days=1))}, "diagnosed_on", 422),
        ({"code": "F41.1", "note": "x"}, "note", 422),
    ):
        response = client.post(base, json=payload, headers=headers)
        assert response.status_code == status, (payload, response.text)
        assert response.json()["field"] == field, (payload, response.json())
    made = client.post(base, json={"code": "F41.1"}, headers=headers).json()
    twice = client.post(base, json={"code": "F41.1"}, headers=headers)
    assert twice.status_code == 409
    assert twice.json()["rule"] == "diagnosis.duplicate"
    blank = client.post(
        f"/api/v1/diagnoses/{made['id']}/entered-in-error", json={"reason": ""}, headers=headers
    )
    assert (blank.status_code, blank.json()["field"]) == (422, "reason")
    bad_end = client.post(
        f"/api/v1/diagnoses/{made['id']}/end", json={"status": "active"}, headers=headers
    )
    assert (bad_end.status_code, bad_end.json()["field"]) == (422, "status")


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.DIRECTOR, 200, 201),
        (Role.UTILIZATION_REVIEW, 200, 403),
        (Role.CASE_MANAGER, 403, 403),
        (Role.ADMISSIONS, 403, 403),
        (Role.ADMIN, 403, 403),
        (Role.CLIENT, 403, 403),
    ],
)
def test_roles(client: TestClient, session: Session, role: Role, read: int, write: int) -> None:
    chart = make_chart(session)
    made = make_diagnosis(session, chart, principal=True)
    caller = make_user(session, role=role)
    headers = bearer(session, caller)
    session.commit()
    base = f"/api/v1/clients/{chart.client.id}/diagnoses"
    assert client.get(base, headers=headers).status_code == read
    current = client.get(f"/api/v1/episodes/{chart.episode.id}/diagnoses", headers=headers)
    assert current.status_code == read
    assert client.post(base, json={"code": "F41.1"}, headers=headers).status_code == write
    voided = client.post(
        f"/api/v1/diagnoses/{made.id}/entered-in-error", json={"reason": "x"}, headers=headers
    )
    assert voided.status_code == (200 if write == 201 else 403)


def test_another_clinicians_client_is_not_found(client: TestClient, session: Session) -> None:
    chart = make_chart(session)
    made = make_diagnosis(session, chart)
    other = make_user(session, role=Role.CLINICIAN)
    headers = bearer(session, other)
    session.commit()
    base = f"/api/v1/clients/{chart.client.id}/diagnoses"
    assert client.get(base, headers=headers).status_code == 404
    assert client.post(base, json={"code": "F41.1"}, headers=headers).status_code == 404
    ended = client.post(
        f"/api/v1/diagnoses/{made.id}/end", json={"status": "resolved"}, headers=headers
    )
    assert ended.status_code == 404
    assert (
        client.get(f"/api/v1/episodes/{chart.episode.id}/diagnoses", headers=headers).status_code
        == 404
    )
    assert client.get(base).status_code == 401


def test_the_code_set_lookup(client: TestClient, session: Session) -> None:
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    admissions = make_user(session, role=Role.ADMISSIONS)
    headers = bearer(session, review)
    other = bearer(session, admissions)
    session.commit()
    found = client.get("/api/v1/diagnosis-codes", params={"q": "F17.21"}, headers=headers)
    assert found.status_code == 200
    assert [c["code"] for c in found.json()][:2] == ["F17.210", "F17.211"]
    words = client.get(
        "/api/v1/diagnosis-codes", params={"q": "opioid dependence", "limit": 3}, headers=headers
    ).json()
    assert len(words) == 3
    one = client.get("/api/v1/diagnosis-codes/f1011", headers=headers).json()
    assert one == {"code": "F10.11", "description": "Alcohol abuse, in remission"}
    category = client.get("/api/v1/diagnosis-codes/F10.1", headers=headers)
    assert (category.status_code, category.json()["field"]) == (422, "code")
    too_long = client.get("/api/v1/diagnosis-codes", params={"q": "x" * 101}, headers=headers)
    assert too_long.status_code == 422
    too_many = client.get(
        "/api/v1/diagnosis-codes", params={"q": "F1", "limit": 51}, headers=headers
    )
    assert too_many.status_code == 422
    refused = client.get("/api/v1/diagnosis-codes", params={"q": "F1"}, headers=other)
    assert refused.status_code == 403
