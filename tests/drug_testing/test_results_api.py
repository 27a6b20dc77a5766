"""Ordering, collecting and resulting over the JSON API, with the summary; refusals are 4xx
naming the field or rule; roles are held to their policies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.clock import today, utc_now
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.drug_testing.test_service import admitted
from tests.factories import SYSTEM, make_site, make_user


def _headers(session: Session, role: Role) -> dict[str, str]:
    person = make_user(session, role=role)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_order_collect_result_and_summarize(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = admitted(session, site)
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    ordered = client.post(
        "/api/v1/testing/orders",
        json={"client_id": str(person.id), "reason": "for_cause", "note": "slurred speech"},
        headers=headers,
    )
    assert ordered.status_code == 201, ordered.text
    order_id = ordered.json()["id"]
    collected = client.post(
        f"/api/v1/testing/orders/{order_id}/collection",
        json={
            "specimen_type": "urine",
            "observed": True,
            "collected_at": utc_now().isoformat(),
            "chain_of_custody_id": "COC-77",
        },
        headers=headers,
    )
    assert collected.status_code == 201, collected.text
    collection_id = collected.json()["id"]
    results = client.post(
        f"/api/v1/testing/collections/{collection_id}/results",
        json={
            "results": [
                {"analyte": "fentanyl", "method": "presumptive", "result": "positive"},
                {"analyte": "alcohol", "method": "presumptive", "result": "negative"},
            ]
        },
        headers=headers,
    )
    assert results.status_code == 201, results.text
    assert [r["interpretation"] for r in results.json()] == ["unexpected_positive", "negative"]
    orders = client.get(
        "/api/v1/testing/orders", params={"client_id": str(person.id)}, headers=headers
    ).json()
    assert sorted(o["reason"] for o in orders) == ["confirmation", "for_cause"]
    listed = client.get(
        "/api/v1/testing/collections", params={"client_id": str(person.id)}, headers=headers
    ).json()
    assert [len(c["results"]) for c in listed] == [2]
    summary = client.get(
        "/api/v1/testing/summary",
        params={"client_id": str(person.id), "start": str(today()), "end": str(today())},
        headers=headers,
    )
    assert summary.status_code == 200
    body = summary.json()
    assert (body["ordered"], body["collected"], body["confirmations_pending"]) == (1, 1, 1)
    assert body["unexpected_positives"] == {"fentanyl": 1}


def test_refusals_are_4xx_naming_the_field_or_rule(client: TestClient, session: Session) -> None:
    site = make_site(session)
    person = admitted(session, site)
    headers = _headers(session, Role.DIRECTOR)
    session.commit()
    no_cause = client.post(
        "/api/v1/testing/orders",
        json={"client_id": str(person.id), "reason": "for_cause"},
        headers=headers,
    )
    assert (no_cause.status_code, no_cause.json()["field"]) == (422, "note")
    order_id = client.post(
        "/api/v1/testing/orders",
        json={"client_id": str(person.id), "reason": "admission"},
        headers=headers,
    ).json()["id"]
    future = client.post(
        f"/api/v1/testing/orders/{order_id}/collection",
        json={
            "specimen_type": "urine",
            "observed": False,
            "collected_at": (utc_now() + timedelta(hours=3)).isoformat(),
        },
        headers=headers,
    )
    assert (future.status_code, future.json()["field"]) == (422, "collected_at")
    refused = client.post(
        f"/api/v1/testing/orders/{order_id}/outcome",
        json={"status": "refused", "note": "declined"},
        headers=headers,
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    again = client.post(
        f"/api/v1/testing/orders/{order_id}/outcome", json={"status": "missed"}, headers=headers
    )
    assert (again.status_code, again.json()["rule"]) == (409, "outcome.order_not_open")
    bad_weekday = client.post(
        "/api/v1/testing/standing",
        json={"client_id": str(person.id), "weekday": 9, "starts_on": str(today())},
        headers=headers,
    )
    assert bad_weekday.status_code == 422
    assert bad_weekday.json()["field"] == "weekday"


@pytest.mark.parametrize(
    ("role", "may_read", "may_order", "may_collect"),
    [
        (Role.DIRECTOR, True, True, True),
        (Role.CLINICIAN, True, True, True),
        (Role.CASE_MANAGER, True, False, True),
        (Role.UTILIZATION_REVIEW, True, False, False),
        (Role.ADMISSIONS, False, False, False),
        (Role.ADMIN, False, False, False),
        (Role.CLIENT, False, False, False),
    ],
)
def test_roles(
    client: TestClient,
    session: Session,
    role: Role,
    may_read: bool,
    may_order: bool,
    may_collect: bool,
) -> None:
    headers = _headers(session, role)
    session.commit()
    missing = "00000000-0000-0000-0000-000000000000"
    read = client.get("/api/v1/testing/summary", headers=headers)
    order = client.post("/api/v1/testing/orders", json={}, headers=headers)
    collect = client.post(f"/api/v1/testing/orders/{missing}/outcome", json={}, headers=headers)
    # Allowed roles get past the policy to input validation (422); others get 403.
    assert read.status_code == (422 if may_read else 403)
    assert order.status_code == (422 if may_order else 403)
    assert collect.status_code == (422 if may_collect else 403)
