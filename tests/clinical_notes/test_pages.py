"""Progress notes in the browser's terms: the form from an appointment, saving a draft,
refusals shown in the form, signing with the password, the co-sign queue, the overdue
list, the chart tab and the director's settings."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceStatus
from stepdown.calendar.models import Appointment
from stepdown.clinical_notes import service
from stepdown.clinical_notes.models import ClinicalNote, NoteFormat, NoteStatus
from stepdown.kit.clock import today
from tests.clinical_notes.factories import (
    ASSESSMENT,
    DATA,
    PLAN,
    World,
    attended_appointment,
    make_world,
    signed_note,
    supervise,
    write_for_appointment,
)
from tests.factories import PASSWORD, csrf_from
from tests.factories import sign_in as sign_in_as


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ClinicalNote)) or 0


def _text(page: str) -> str:
    """The page's text without tags, entities decoded and spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _no_traceback(page: str) -> None:
    assert "Traceback" not in page
    assert "Internal Server Error" not in page


def _form(world: World, appointment: Appointment, token: str, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": token,
        "appointment_id": str(appointment.id),
        "service_type": "individual_therapy",
        "service_date": appointment.day.isoformat(),
        "start_time": "10:00",
        "end_time": "10:50",
        "client_present": "yes",
        "section-data": DATA,
        "section-assessment": ASSESSMENT,
        "section-plan": PLAN,
        "objective_ids": [str(world.objective.id)],
        "suicidal_ideation": "denied",
        "homicidal_ideation": "denied",
        "risk_action": "none",
        "risk_detail": "",
    }
    data.update(overrides)
    return data


def test_a_note_is_written_from_the_appointment_and_signed_with_the_password(
    client: TestClient, session: Session
) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    session.commit()
    sign_in_as(client, world.clinician.username)

    link = client.get(f"/clinical-notes/appointments/{appointment.id}/link")
    assert f'href="/clinical-notes/new?appointment={appointment.id}"' in link.text
    opened = client.get(f"/clinical-notes/appointments/{appointment.id}", follow_redirects=False)
    assert opened.status_code == 303
    form = client.get(opened.headers["location"])
    assert form.status_code == 200
    assert world.client.display_name in form.text
    assert f'name="appointment_id" value="{appointment.id}"' in form.text
    assert 'value="10:00"' in form.text
    assert 'value="11:00"' in form.text
    assert 'value="individual_therapy" selected' in form.text
    assert "medication_management" not in form.text  # an individual appointment's types only
    for label in ("Data", "Assessment", "Plan"):
        assert f">{label}</label>" in form.text
    assert "Attend 3 mutual-support meetings a week" in form.text  # the plan's objective

    saved = client.post(
        "/clinical-notes/new",
        data=_form(world, appointment, csrf_from(form.text)),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    note = session.scalars(select(ClinicalNote)).one()
    url = f"/clinical-notes/{note.id}"
    assert saved.headers["location"] == url
    draft = client.get(url)
    assert "Draft saved" in draft.text
    assert "Your password or signing PIN" in draft.text
    assert f'action="{url}/sign"' in draft.text
    assert DATA in draft.text
    # The calendar now opens the draft.
    again = client.get(f"/clinical-notes/appointments/{appointment.id}", follow_redirects=False)
    assert again.headers["location"] == url

    token = csrf_from(draft.text)
    refused = client.post(f"{url}/sign", data={"csrf_token": token, "secret": "not it"})
    assert refused.status_code == 422
    _no_traceback(refused.text)
    assert 'id="e-secret"' in refused.text
    assert "not your password or signing PIN" in refused.text
    assert "not it" not in refused.text
    session.refresh(note)
    assert note.status is NoteStatus.DRAFT

    signed = client.post(
        f"{url}/sign", data={"csrf_token": token, "secret": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303
    page = client.get(url)
    assert "Signed. The note can no longer be changed" in page.text
    assert "intact: the note is as signed" in page.text
    assert f'action="{url}/sign"' not in page.text
    assert f"{url}/edit" not in page.text
    assert client.get(f"{url}/edit").status_code == 409
    assert f'action="{url}/addenda"' in page.text
    added = client.post(
        f"{url}/addenda",
        data={
            "csrf_token": token,
            "kind": "addendum",
            "text": "Called on Monday.",
            "secret": PASSWORD,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert "Called on Monday." in client.get(url).text


def test_refusals_are_shown_in_the_form_with_what_was_typed(
    client: TestClient, session: Session
) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    session.commit()
    sign_in_as(client, world.clinician.username)
    form = client.get(f"/clinical-notes/new?appointment={appointment.id}")
    token = csrf_from(form.text)
    for overrides, status, field, message in (
        ({"start_time": "11:00", "end_time": "10:00"}, 422, "end_time", "end after it starts"),
        ({"end_time": "9:75"}, 422, "end_time", "enter a time like 14:30"),
        ({"section-plan": "Ride home with Bren."}, 409, "section-plan", "names another client"),
        ({"client_present": ""}, 422, "client_present", "needs the client present"),
        ({"suicidal_ideation": "maybe"}, 422, "suicidal_ideation", "choose from the list"),
        ({"service_date": "yesterday"}, 422, "service_date", ""),
    ):
        data = _form(world, appointment, token, **overrides)
        refused = client.post("/clinical-notes/new", data=data)
        assert refused.status_code == status, (overrides, refused.text)
        _no_traceback(refused.text)
        assert f'id="e-{field}"' in refused.text, overrides
        assert message in _text(refused.text), overrides
        assert DATA in refused.text  # what was typed comes back
    assert _count(session) == 0


def test_a_refusal_about_the_appointment_is_shown_in_the_form(
    client: TestClient, session: Session
) -> None:
    world = make_world(session)
    untaken = attended_appointment(session, world, status=None)
    missed = attended_appointment(
        session, world, days_ago=2, status=AttendanceStatus.ABSENT_UNEXCUSED
    )
    session.commit()
    sign_in_as(client, world.clinician.username)
    for appointment, message in (
        (untaken, "record the appointment's attendance first"),
        (missed, "the client did not attend this appointment"),
    ):
        form = client.get(f"/clinical-notes/new?appointment={appointment.id}")
        assert form.status_code == 200
        refused = client.post(
            "/clinical-notes/new", data=_form(world, appointment, csrf_from(form.text))
        )
        assert refused.status_code == 409
        _no_traceback(refused.text)
        assert message in _text(refused.text)
    assert _count(session) == 0


def test_a_draft_is_edited_and_discarded(client: TestClient, session: Session) -> None:
    world = make_world(session)
    appointment = attended_appointment(session, world)
    note = write_for_appointment(session, world, appointment)
    session.commit()
    sign_in_as(client, world.clinician.username)
    url = f"/clinical-notes/{note.id}"
    form = client.get(f"{url}/edit")
    assert form.status_code == 200
    assert DATA in form.text
    assert 'value="10:50"' in form.text
    token = csrf_from(form.text)
    saved = client.post(
        f"{url}/edit",
        data=_form(world, appointment, token, **{"section-plan": "Meet again Thursday."}),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Meet again Thursday." in client.get(url).text
    refused = client.post(f"{url}/edit", data=_form(world, appointment, token, start_time="25:00"))
    assert refused.status_code == 422
    assert 'id="e-start_time"' in refused.text
    assert "Confirm" not in client.get(f"{url}/discard").text
    discarded = client.post(
        f"{url}/discard", data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert discarded.headers["location"] == "/clinical-notes"
    assert _count(session) == 0
    assert client.get(url).status_code == 404


def test_the_cosign_queue(client: TestClient, session: Session) -> None:
    world = make_world(session)
    supervise(session, world.colleague, world.clinician)
    note = signed_note(session, world)
    session.commit()
    sign_in_as(client, world.colleague.username)
    queue = client.get("/clinical-notes/cosign")
    assert queue.status_code == 200
    assert f'href="/clinical-notes/{note.id}"' in queue.text
    assert world.client.display_name in queue.text
    url = f"/clinical-notes/{note.id}"
    page = client.get(url)
    assert f'action="{url}/cosign"' in page.text
    assert f'action="{url}/return"' in page.text
    token = csrf_from(page.text)
    wrong = client.post(f"{url}/cosign", data={"csrf_token": token, "secret": "nope"})
    assert wrong.status_code == 422
    assert 'id="e-secret"' in wrong.text
    blank = client.post(f"{url}/return", data={"csrf_token": token, "reason": " "})
    assert blank.status_code == 422
    assert 'id="e-reason"' in blank.text
    cosigned = client.post(
        f"{url}/cosign", data={"csrf_token": token, "secret": PASSWORD}, follow_redirects=False
    )
    assert cosigned.headers["location"] == "/clinical-notes/cosign"
    after = client.get("/clinical-notes/cosign")
    assert "Co-signed. The note is final." in after.text
    assert "Nothing is waiting for your co-signature." in after.text
    assert "Cosigner:" in _text(client.get(url).text)


def test_the_overdue_list_and_the_home_page(client: TestClient, session: Session) -> None:
    world = make_world(session)
    late = attended_appointment(session, world, days_ago=4)
    draft_for = attended_appointment(session, world, days_ago=5)
    draft = write_for_appointment(session, world, draft_for)
    session.commit()
    sign_in_as(client, world.clinician.username)
    page = client.get("/clinical-notes")
    assert page.status_code == 200
    assert "Overdue (2)" in page.text
    assert f'href="/clinical-notes/new?appointment={late.id}">Write note</a>' in page.text
    assert f'href="/clinical-notes/{draft.id}">Draft, not signed</a>' in page.text
    assert "Your drafts (1)" in page.text
    assert "Documentation settings" not in page.text
    home = client.get("/")
    assert home.status_code == 200
    assert f"/clinical-notes/new?appointment={late.id}" in home.text


def test_the_chart_tab_starts_an_unscheduled_note(client: TestClient, session: Session) -> None:
    world = make_world(session)
    note = signed_note(session, world)
    session.commit()
    sign_in_as(client, world.clinician.username)
    tab = client.get(f"/clients/{world.client.id}?tab=progress_notes")
    assert tab.status_code == 200
    assert f'href="/clinical-notes/{note.id}"' in tab.text
    assert 'value="mat_visit"' in tab.text
    assert 'value="individual_therapy"' not in tab.text  # written from the calendar
    form = client.get(f"/clinical-notes/new?client={world.client.id}&type=mat_visit")
    assert form.status_code == 200
    assert 'value="mat_visit" selected' in form.text
    assert f'name="client_id" value="{world.client.id}"' in form.text
    day = (today() - timedelta(days=1)).isoformat()
    saved = client.post(
        "/clinical-notes/new",
        data={
            "csrf_token": csrf_from(form.text),
            "client_id": str(world.client.id),
            "service_type": "mat_visit",
            "service_date": day,
            "start_time": "09:00",
            "end_time": "09:20",
            "client_present": "yes",
            "section-data": "Dose taken as prescribed; cravings low.",
            "section-assessment": "Stable on the current dose.",
            "section-plan": "Next visit in a week.",
            "objective_ids": str(world.objective.id),
            "suicidal_ideation": "denied",
            "homicidal_ideation": "denied",
            "risk_action": "none",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert _count(session) == 2


def test_the_settings_page_is_the_directors(client: TestClient, session: Session) -> None:
    world = make_world(session)
    session.commit()
    sign_in_as(client, world.clinician.username)
    assert client.get("/clinical-notes/settings").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in_as(client, world.director.username)
    assert "Documentation settings" in client.get("/clinical-notes").text
    page = client.get("/clinical-notes/settings")
    assert page.status_code == 200
    assert 'value="dap" selected' in page.text
    assert 'value="72"' in page.text
    assert 'value="0.90"' in page.text
    token = csrf_from(page.text)
    good: dict[str, Any] = {
        "csrf_token": token,
        "note_format": "soap",
        "overdue_hours": "48",
        "similarity_threshold": "0.85",
        "portal_note_types": ["individual_therapy", "mat_visit"],
    }
    for field, value in (
        ("overdue_hours", "0"),
        ("overdue_hours", "many"),
        ("similarity_threshold", "0.2"),
        ("similarity_threshold", "nan"),
        ("note_format", "freestyle"),
        ("portal_note_types", ["groups"]),
    ):
        refused = client.post("/clinical-notes/settings", data=good | {field: value})
        assert refused.status_code == 422, (field, value)
        _no_traceback(refused.text)
        assert f'id="e-{field}"' in refused.text, (field, value)
    assert service.current_settings(session).overdue_hours == 72
    saved = client.post("/clinical-notes/settings", data=good, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get("/clinical-notes/settings")
    assert "Documentation settings saved." in page.text
    assert 'value="soap" selected' in page.text
    session.expire_all()
    row = service.current_settings(session)
    assert (row.note_format, row.overdue_hours, row.similarity_threshold) == (
        NoteFormat.SOAP,
        48,
        0.85,
    )
    assert row.portal_note_types == ["individual_therapy", "mat_visit"]


def test_other_roles_are_refused_or_shown_nothing(client: TestClient, session: Session) -> None:
    world = make_world(session)
    note = write_for_appointment(session, world, attended_appointment(session, world))
    session.commit()
    sign_in_as(client, world.admissions.username)
    assert client.get("/clinical-notes").status_code == 403
    assert client.get(f"/clinical-notes/{note.id}").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in_as(client, world.director.username)
    missing = client.get(f"/clinical-notes/{note.id}")  # a draft is the author's
    assert missing.status_code == 404
    _no_traceback(missing.text)
