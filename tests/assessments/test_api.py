"""The instruments API: the catalog, 201 with the score, 422 naming the item, scoped history."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user, sign_in


def _headers(session: Session, user: User) -> dict[str, str]:
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=user.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_catalog_lists_items_answers_and_bands(client: TestClient, session: Session) -> None:
    headers = _headers(session, make_user(session, role=Role.ADMIN))
    session.commit()
    catalog = client.get("/api/v1/instruments", headers=headers)
    assert catalog.status_code == 200
    phq9 = next(i for i in catalog.json() if i["code"] == "phq9")
    assert len(phq9["items"]) == 9
    assert phq9["items"][8]["allowed"] == [0, 1, 2, 3]
    assert phq9["items"][8]["choices"][2] == {"value": 2, "label": "More than half the days"}
    assert phq9["bands"][-1] == {"label": "severe", "low": 20, "high": 27}
    assert phq9["total_range"] == [0, 27]
    bam = next(i for i in catalog.json() if i["code"] == "bam")
    assert bam["total_range"] is None
    assert bam["subscales"]["use"] == ["4", "5", "6"]


def test_record_then_read_history_and_trend(client: TestClient, session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    headers = _headers(session, clinician)
    session.commit()
    created = client.post(
        f"/api/v1/clients/{person.id}/instruments/phq9",
        json={"answers": [1, 1, 1, 1, 1, 1, 1, 1, 2]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["total"], body["band"]) == (10, "moderate")
    assert body["flags"] == ["phq9_item9_positive", "phq9_screen_positive"]
    assert [(a["kind"], a["severity"]) for a in body["alerts"]] == [("phq9_item9", "urgent")]

    refused = client.post(
        f"/api/v1/clients/{person.id}/instruments/gad7",
        json={"answers": [0, 0, 0, 0, 0, 0, None]},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "item_7"
    assert refused.json()["detail"] == "GAD-7 item 7: missing"

    client.post(
        f"/api/v1/clients/{person.id}/instruments/gad7",
        json={"answers": [2, 2, 2, 2, 2, 0, 0]},
        headers=headers,
    )
    every = client.get(f"/api/v1/clients/{person.id}/instruments", headers=headers).json()
    assert [r["instrument"] for r in every] == ["gad7", "phq9"]
    only = client.get(
        f"/api/v1/clients/{person.id}/instruments", params={"code": "phq9"}, headers=headers
    ).json()
    assert [r["id"] for r in only] == [body["id"]]

    corrected = client.post(
        f"/api/v1/instrument-responses/{body['id']}/entered-in-error",
        json={"reason": "wrong client"},
        headers=headers,
    )
    assert corrected.status_code == 200
    assert corrected.json()["entered_in_error"] is True
    trend = client.get(f"/api/v1/clients/{person.id}/instruments/phq9/trend", headers=headers)
    assert trend.status_code == 200
    assert trend.json() == []


def test_another_caseload_is_404_and_a_client_is_403(client: TestClient, session: Session) -> None:
    site = make_site(session)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site)
    portal = make_user(session, role=Role.CLIENT)
    headers = _headers(session, other)
    session.commit()
    posted = client.post(
        f"/api/v1/clients/{person.id}/instruments/phq9",
        json={"answers": [0] * 9},
        headers=headers,
    )
    assert posted.status_code == 404
    assert (
        client.get(f"/api/v1/clients/{person.id}/instruments", headers=headers).status_code == 404
    )
    sign_in(client, portal.username)
    assert client.get("/api/v1/instruments").status_code == 403
    assert client.get(f"/api/v1/clients/{person.id}/instruments").status_code == 403


def test_administrators_see_the_catalog_but_no_results(
    client: TestClient, session: Session
) -> None:
    person = make_client(session, site=make_site(session))
    headers = _headers(session, make_user(session, role=Role.ADMIN))
    session.commit()
    assert (
        client.get(f"/api/v1/clients/{person.id}/instruments", headers=headers).status_code == 403
    )
