"""The JSON API of progress notes: a clinician writes, signs and adds to a note; a
supervisor co-signs; refusals name their field; roles are allowed or refused as ``access``
says; unknown ids are 404."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.calendar.models import Appointment
from stepdown.clinical_notes import rules
from stepdown.kit.clock import today
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.clinical_notes.factories import (
    ASSESSMENT,
    DATA,
    PLAN,
    World,
    attended_appointment,
    make_world,
    signed_note,
    supervise,
)
from tests.factories import PASSWORD, bearer, make_user

NOTES = "/api/v1/clinical-notes"


def _as(session: Session, user: User) -> dict[str, str]:
    headers = bearer(session, user)
    session.commit()
    return headers


def _body(world: World, appointment: Appointment | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_type": "individual_therapy",
        "service_date": (
            appointment.day if appointment else today() - timedelta(days=1)
        ).isoformat(),
        "start_time": "10:00",
        "end_time": "10:50",
        "sections": {"data": DATA, "assessment": ASSESSMENT, "plan": PLAN},
        "objective_ids": [str(world.objective.id)],
        "risk": {"suicidal_ideation": "denied", "homicidal_ideation": "denied"},
    }
    if appointment is not None:
        body["appointment_id"] = str(appointment.id)
    body.update(overrides)
    return body


def test_a_clinician_writes_signs_and_adds_to_a_note(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    me = _as(session, world.clinician)

    created = client.post(NOTES, json=_body(world, appointment), headers=me)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["service_type"], body["note_format"]) == (
        "draft",
        "individual_therapy",
        "dap",
    )
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "10:00",
        "10:50",
        50,
    )
    assert body["appointment_id"] == str(appointment.id)
    assert body["attendance_record_id"] is not None
    assert [(s["key"], s["text"]) for s in body["sections"]] == [
        ("data", DATA),
        ("assessment", ASSESSMENT),
        ("plan", PLAN),
    ]
    assert [o["id"] for o in body["objectives"]] == [str(world.objective.id)]
    assert body["risk"]["summary"] == "Asked; suicidal and homicidal ideation denied"
    assert (body["signatures"], body["copy_flag"]) == ([], None)
    url = f"{NOTES}/{body['id']}"

    assert client.get(url, headers=me).json()["status"] == "draft"
    content = _body(world, appointment, end_time="10:40")
    del content["appointment_id"]
    updated = client.put(url, json=content, headers=me)
    assert updated.status_code == 200, updated.text
    assert updated.json()["duration_minutes"] == 40

    wrong = client.post(f"{url}/sign", json={"secret": "not it"}, headers=me)
    assert (wrong.status_code, wrong.json()["field"]) == (422, "secret")
    assert client.get(url, headers=me).json()["status"] == "draft"
    signed = client.post(f"{url}/sign", json={"secret": PASSWORD}, headers=me)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["late_entry"]) == ("signed", False)
    assert [(s["meaning"], s["method"], s["intact"]) for s in signed.json()["signatures"]] == [
        ("author", "password", True)
    ]
    frozen = client.put(url, json=content, headers=me)
    assert (frozen.status_code, frozen.json()["rule"]) == (409, rules.SIGNED)
    assert client.delete(url, headers=me).status_code == 409

    added = client.post(
        f"{url}/addenda",
        json={"text": "The craving was on Sunday.", "kind": "correction", "secret": PASSWORD},
        headers=me,
    )
    assert added.status_code == 201, added.text
    # Read back in a new request: the stored addendum still verifies.
    again = client.get(url, headers=me).json()
    ((addendum),) = again["addenda"]
    assert (addendum["kind"], addendum["text"]) == ("correction", "The craving was on Sunday.")
    assert addendum["signature"]["intact"] is True
    assert again["intact"] is True
    assert [s["text"] for s in again["sections"]] == [DATA, ASSESSMENT, PLAN]

    listed = client.get(f"/api/v1/clients/{world.client.id}/clinical-notes", headers=me)
    assert [(n["id"], n["status"]) for n in listed.json()] == [(body["id"], "signed")]


def test_a_draft_is_discarded(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    me = _as(session, world.clinician)
    note_id = client.post(NOTES, json=_body(world, appointment), headers=me).json()["id"]
    assert client.delete(f"{NOTES}/{note_id}", headers=me).status_code == 204
    assert client.get(f"{NOTES}/{note_id}", headers=me).status_code == 404
    assert client.post(NOTES, json=_body(world, appointment), headers=me).status_code == 201


def test_bad_input_is_refused_naming_the_field(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    me = _as(session, world.clinician)
    for overrides, status, field in (
        ({"start_time": "11:00", "end_time": "10:00"}, 422, "end_time"),
        ({"end_time": "25:00"}, 422, "end_time"),
        ({"start_time": "ten"}, 422, "start_time"),
        ({"service_type": "hypnosis"}, 422, "service_type"),
        ({"service_date": "2026-02-30"}, 422, "service_date"),
        ({"sections": {"data": "Brennan was there."}}, 409, "section-data"),
        ({"sections": {"subjective": "SOAP in a DAP program."}}, 422, "section-subjective"),
        ({"objective_ids": [str(uuid.uuid4())]}, 422, "objective_ids"),
        # Therapy needs its appointment.
        ({"appointment_id": None, "client_id": str(world.client.id)}, 409, "appointment_id"),
        ({"service_type": "mat_visit", "appointment_id": None}, 422, "client_id"),
    ):
        response = client.post(NOTES, json=_body(world, appointment, **overrides), headers=me)
        assert (response.status_code, response.json().get("field")) == (status, field), overrides
        assert response.json()["detail"]
    assert client.get(f"/api/v1/clients/{world.client.id}/clinical-notes", headers=me).json() == []

    draft = client.post(NOTES, json=_body(world, appointment, sections={}), headers=me).json()
    incomplete = client.post(f"{NOTES}/{draft['id']}/sign", json={"secret": PASSWORD}, headers=me)
    assert (incomplete.status_code, incomplete.json()["field"]) == (409, "section-data")
    assert incomplete.json()["rule"] == rules.INCOMPLETE


def test_a_supervisor_cosigns_and_returns(client: TestClient, session: Session) -> None:
    world = make_world(session)
    supervise(session, world.colleague, world.clinician)
    first = signed_note(session, world, attended_appointment(session, world, days_ago=2))
    second = signed_note(
        session,
        world,
        data="Client described a calm week and a new evening routine at home.",
        assessment="Steady; sleep improving.",
        plan="Keep the routine; next session in a week.",
    )
    boss = _as(session, world.colleague)
    author = _as(session, world.clinician)
    queue = client.get(f"{NOTES}/cosign-queue", headers=boss)
    assert queue.status_code == 200
    assert [n["id"] for n in queue.json()] == [str(first.id), str(second.id)]
    assert client.get(f"{NOTES}/cosign-queue", headers=author).json() == []

    assert (
        client.post(
            f"{NOTES}/{first.id}/cosign", json={"secret": PASSWORD}, headers=author
        ).status_code
        == 403
    )
    wrong = client.post(f"{NOTES}/{first.id}/cosign", json={"secret": "nope"}, headers=boss)
    assert (wrong.status_code, wrong.json()["field"]) == (422, "secret")
    cosigned = client.post(f"{NOTES}/{first.id}/cosign", json={"secret": PASSWORD}, headers=boss)
    assert cosigned.status_code == 200, cosigned.text
    assert cosigned.json()["status"] == "signed"
    assert cosigned.json()["cosigned_at"] is not None
    assert [(s["meaning"], s["intact"]) for s in cosigned.json()["signatures"]] == [
        ("author", True),
        ("cosigner", True),
    ]

    blank = client.post(f"{NOTES}/{second.id}/return", json={"reason": ""}, headers=boss)
    assert (blank.status_code, blank.json()["field"]) == (422, "reason")
    returned = client.post(
        f"{NOTES}/{second.id}/return", json={"reason": "Name the objective."}, headers=boss
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert [r["reason"] for r in returned.json()["returns"]] == ["Name the objective."]
    assert client.get(f"{NOTES}/cosign-queue", headers=boss).json() == []
    answered = client.post(
        f"{NOTES}/{second.id}/addenda",
        json={"text": "Addressed the meetings objective.", "secret": PASSWORD},
        headers=author,
    )
    assert answered.json()["status"] == "awaiting_cosignature"
    assert [n["id"] for n in client.get(f"{NOTES}/cosign-queue", headers=boss).json()] == [
        str(second.id)
    ]


def test_roles_that_may_not_are_refused(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    note = signed_note(session, world, attended_appointment(session, world, days_ago=2))
    portal = make_user(session, role=Role.CLIENT)
    url = f"{NOTES}/{note.id}"
    for user in (world.admin, world.admissions, portal):
        headers = _as(session, user)
        assert client.get(url, headers=headers).status_code == 403
        assert (
            client.post(NOTES, json=_body(world, appointment), headers=headers).status_code == 403
        )
        assert client.get(f"{NOTES}/overdue", headers=headers).status_code == 403
    review = _as(session, world.review)
    assert client.get(url, headers=review).status_code == 200
    assert client.post(NOTES, json=_body(world, appointment), headers=review).status_code == 403
    assert (
        client.post(
            f"{url}/addenda", json={"text": "x", "secret": PASSWORD}, headers=review
        ).status_code
        == 403
    )
    assert client.get(f"{NOTES}/cosign-queue", headers=review).status_code == 403
    manager = _as(session, world.case_manager)
    refused = client.post(
        NOTES,
        json=_body(world, service_type="medication_management", client_id=str(world.client.id)),
        headers=manager,
    )
    assert (refused.status_code, refused.json()["field"]) == (403, "service_type")
    assert client.get(url, headers=manager).status_code == 404  # not a case-management note
    colleague = _as(session, world.colleague)
    assert client.get(url, headers=colleague).status_code == 404  # not their caseload
    assert client.post(NOTES, json=_body(world, appointment), headers=colleague).status_code == 403

    clinician = _as(session, world.clinician)
    settings = {
        "note_format": "birp",
        "overdue_hours": 48,
        "similarity_threshold": 0.85,
        "portal_note_types": ["individual_therapy"],
    }
    assert client.get(f"{NOTES}/settings", headers=clinician).json()["overdue_hours"] == 72
    assert client.put(f"{NOTES}/settings", json=settings, headers=clinician).status_code == 403
    director = _as(session, world.director)
    out_of_bounds = client.put(
        f"{NOTES}/settings", json=settings | {"overdue_hours": 0}, headers=director
    )
    assert (out_of_bounds.status_code, out_of_bounds.json()["field"]) == (422, "overdue_hours")
    saved = client.put(f"{NOTES}/settings", json=settings, headers=director)
    assert saved.status_code == 200
    assert saved.json() == settings
    assert client.get(url).status_code == 401


def test_a_client_reads_their_own_shared_notes(client: TestClient, session: Session) -> None:
    from stepdown.clients import service as clients_service
    from tests.factories import SYSTEM

    world = make_world(session)
    note = signed_note(session, world)
    portal = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(
        session, actor=SYSTEM, client=world.client, user_id=portal.id
    )
    me = _as(session, portal)
    assert client.get("/api/v1/my/clinical-notes", headers=me).json() == []
    director = _as(session, world.director)
    client.put(
        f"{NOTES}/settings",
        json={
            "note_format": "dap",
            "overdue_hours": 72,
            "similarity_threshold": 0.9,
            "portal_note_types": ["individual_therapy"],
        },
        headers=director,
    )
    (shown,) = client.get("/api/v1/my/clinical-notes", headers=me).json()
    assert (shown["id"], shown["copy_flag"]) == (str(note.id), None)


def test_unknown_ids_are_404(client: TestClient, session: Session) -> None:
    world = make_world(session)
    me = _as(session, world.clinician)
    missing = f"{NOTES}/{uuid.uuid4()}"
    assert client.get(missing, headers=me).status_code == 404
    assert client.put(missing, json=_body(world), headers=me).status_code == 404
    assert client.delete(missing, headers=me).status_code == 404
    for action, body in (
        ("sign", {"secret": PASSWORD}),
        ("addenda", {"text": "x", "secret": PASSWORD}),
        ("cosign", {"secret": PASSWORD}),
        ("return", {"reason": "x"}),
    ):
        assert client.post(f"{missing}/{action}", json=body, headers=me).status_code == 404, action
    unknown = client.post(NOTES, json=_body(world, appointment_id=str(uuid.uuid4())), headers=me)
    assert (unknown.status_code, unknown.json()["field"]) == (404, "appointment_id")
    assert (
        client.get(f"/api/v1/clients/{uuid.uuid4()}/clinical-notes", headers=me).status_code == 404
    )
    assert client.get(f"{NOTES}/not-a-uuid", headers=me).status_code == 422


def test_the_overdue_list(client: TestClient, session: Session) -> None:
    world = make_world(session)
    late = attended_appointment(session, world, days_ago=4)
    attended_appointment(session, world, days_ago=1)
    me = _as(session, world.clinician)
    (row,) = client.get(f"{NOTES}/overdue", headers=me).json()
    assert (row["appointment_id"], row["client_id"], row["draft_id"]) == (
        str(late.id),
        str(world.client.id),
        None,
    )
    assert (row["day"], row["start"], row["end"]) == (late.day.isoformat(), "10:00", "11:00")
    assert row["hours_overdue"] >= 12
    assert client.get(f"{NOTES}/overdue", headers=_as(session, world.colleague)).json() == []
