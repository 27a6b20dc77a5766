"""The intake API: draft to signed over JSON, the co-signature, addenda, the pre-fill, and
each role allowed or refused (4xx naming the field or rule), every read audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit import clock
from stepdown.kit.clock import utc_now
from stepdown.security.roles import Role
from tests.factories import PASSWORD, bearer, make_user
from tests.intake.factories import PRESENTING, make_intake, make_setting, supervise


def _body() -> dict[str, object]:
    interviewed = utc_now() - timedelta(hours=1)
    last = interviewed - timedelta(hours=20)
    return {
        "interviewed_at": interviewed.isoformat(),
        "presenting_problem": PRESENTING,
        "substances": [
            {
                "substance": "opioid",
                "route": "injection",
                "frequency": "daily",
                "last_use_on": clock.local(last).date().isoformat(),
                "last_use_time": clock.local(last).strftime("%H:%M"),
            }
        ],
        "housing": "homeless",
        "trauma_exposure": "yes",
        "ptsd_1": "yes",
        "ptsd_2": "yes",
        "ptsd_3": "yes",
        "ptsd_4": "no",
        "ptsd_5": "no",
    }


def test_an_intake_over_the_api(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    mine = bearer(session, s.clinician)
    session.commit()

    created = client.post(f"/api/v1/clients/{s.client.id}/intakes", json={}, headers=mine)
    assert created.status_code == 201, created.text
    intake = created.json()
    assert (intake["status"], intake["signatures_intact"]) == ("draft", None)
    assert intake["pregnant"] is None
    url = f"/api/v1/intakes/{intake['id']}"
    again = client.post(f"/api/v1/clients/{s.client.id}/intakes", headers=mine)
    assert again.status_code == 409
    assert again.json()["rule"] == "intake.exists"

    bad = {**_body(), "substances": [{"substance": "opioid", "age_first_use": 300}]}
    refused = client.put(url, json=bad, headers=mine)
    assert refused.status_code == 422
    assert refused.json()["field"] == "substances.0.age_first_use"
    unknown = client.put(url, json={**_body(), "pregnant": "maybe"}, headers=mine)
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "pregnant"
    long = client.put(url, json={**_body(), "family": "x" * 4001}, headers=mine)
    assert long.status_code == 422
    assert long.json()["field"] == "family"

    saved = client.put(url, json=_body(), headers=mine)
    assert saved.status_code == 200, saved.text
    assert saved.json()["ptsd_score"] == 3
    assert [r["substance"] for r in saved.json()["substances"]] == ["opioid"]

    prefill = client.get(f"{url}/prefill", headers=mine).json()
    dims = {d["dimension"]: d for d in prefill["dimensions"]}
    assert list(dims) == ["d1", "d2", "d3", "d4", "d5", "d6"]
    assert dims["d1"]["review"]
    assert any("withdrawal potential to review" in f["text"] for f in dims["d1"]["facts"])
    assert any(f["text"] == "Pregnant: not asked" for f in dims["d2"]["facts"])
    assert dims["d3"]["review"]
    assert dims["d6"]["review"]

    wrong = client.post(f"{url}/sign", json={"secret": "nope"}, headers=mine)
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "secret"
    assert client.get(url, headers=mine).json()["status"] == "draft"
    signed = client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=mine)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["final"]) == ("signed", True)
    assert signed.json()["signatures_intact"] is True
    frozen = client.put(url, json=_body(), headers=mine)
    assert frozen.status_code == 409
    assert frozen.json()["rule"] == "intake.signed"

    addendum = client.post(
        f"{url}/addenda",
        json={"text": "Later: also uses alcohol.", "secret": PASSWORD},
        headers=mine,
    )
    assert addendum.status_code == 201, addendum.text
    read = client.get(url, headers=mine).json()
    assert [a["text"] for a in read["addenda"]] == ["Later: also uses alcohol."]
    listed = client.get(f"/api/v1/clients/{s.client.id}/intakes", headers=mine).json()
    assert [i["id"] for i in listed] == [intake["id"]]


def test_roles_allowed_and_refused(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    draft = make_intake(session, s)
    review = bearer(session, make_user(session, role=Role.UTILIZATION_REVIEW))
    director = bearer(session, make_user(session, role=Role.DIRECTOR))
    stranger = bearer(session, make_user(session, role=Role.CLINICIAN, site=s.site))
    outsiders = [
        bearer(session, make_user(session, role=role, site=s.site))
        for role in (Role.CASE_MANAGER, Role.ADMISSIONS, Role.ADMIN)
    ]
    session.commit()
    url = f"/api/v1/intakes/{draft.id}"
    assert client.get(url, headers=director).status_code == 200
    assert client.get(url, headers=stranger).status_code == 404  # not on their caseload
    assert client.get(url, headers=review).status_code == 404  # drafts are not the record
    assert client.put(url, json=_body(), headers=review).status_code == 403
    assert client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=review).status_code == 403
    assert client.get("/api/v1/intakes/due", headers=review).status_code == 403
    for headers in outsiders:
        assert client.get(url, headers=headers).status_code == 403
        assert (
            client.get(f"/api/v1/clients/{s.client.id}/intakes", headers=headers).status_code == 403
        )
        assert client.get(f"{url}/prefill", headers=headers).status_code == 403
    assert client.get(url).status_code == 401

    signed = client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=director)
    assert signed.status_code == 200, signed.text
    assert client.get(url, headers=review).status_code == 200
    assert client.get(f"/api/v1/clients/{s.client.id}/intakes", headers=review).json()


def test_the_cosignature_queue_over_the_api(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=s.site)
    supervise(session, s.clinician, supervisor)
    intake = make_intake(session, s, sign=True)
    theirs = bearer(session, supervisor)
    session.commit()
    queue = client.get("/api/v1/intakes/awaiting-cosignature", headers=theirs).json()
    assert [row["intake_id"] for row in queue] == [str(intake.id)]
    url = f"/api/v1/intakes/{intake.id}"
    read = client.get(url, headers=theirs).json()
    assert read["awaiting_cosignature"]
    assert read["cosigner"] == supervisor.display_name
    assert client.put(url, json=_body(), headers=theirs).status_code == 404
    done = client.post(f"{url}/cosign", json={"secret": PASSWORD}, headers=theirs)
    assert done.status_code == 200, done.text
    assert done.json()["final"]
    assert client.get("/api/v1/intakes/awaiting-cosignature", headers=theirs).json() == []


def test_reads_over_the_api_are_audited(client: TestClient, session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    mine = bearer(session, s.clinician)
    session.commit()
    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    assert client.get(f"/api/v1/intakes/{intake.id}", headers=mine).status_code == 200
    assert client.get(f"/api/v1/intakes/{intake.id}/prefill", headers=mine).status_code == 200
    reads = session.scalars(
        select(AuditEntry).where(
            AuditEntry.seq > start,
            AuditEntry.entity_type == "intake",
            AuditEntry.action == AuditAction.READ,
        )
    ).all()
    assert [(e.client_id, e.actor_id) for e in reads] == [(s.client.id, s.clinician.id)] * 2
