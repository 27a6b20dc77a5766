"""Discharge summaries in the browser's terms: the reminder after a discharge on the care
timeline, the form, signing (and a wrong password), the chart tab, the printable page and
the PDF (read back with pypdf), each print audited as an export."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.discharge_summaries import service
from stepdown.discharge_summaries.models import DischargeSummary
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.discharge_summaries.factories import WORDS, make_stay, write_and_sign
from tests.factories import PASSWORD, csrf_from, make_client, make_episode, make_site, make_user
from tests.factories import sign_in as sign_in_as


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DischargeSummary)) or 0


def test_a_discharge_goes_through_and_the_chart_asks_for_the_summary(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    episode = make_episode(session, client=person)
    session.commit()
    sign_in_as(client, clinician.username)
    care = client.get(f"/clients/{person.id}?tab=care")
    reminder_url = f"/episodes/{episode.id}/discharge-summaries/reminder"
    assert reminder_url not in care.text  # nothing to summarise while in care
    discharged = client.post(
        f"/episodes/{episode.id}/transition",
        data={
            "csrf_token": csrf_from(care.text),
            "action": "discharge",
            "discharge_type": "completed",
            "on": today().isoformat(),
            "reason": "Completed the program.",
        },
        follow_redirects=False,
    )
    assert discharged.status_code == 303  # no summary needed for the discharge itself
    care = client.get(f"/clients/{person.id}?tab=care")
    assert f'hx-get="{reminder_url}"' in care.text
    assert "Discharge note:</strong> Completed the program." in care.text
    reminder = client.get(reminder_url)
    assert reminder.status_code == 200
    new_url = f"/episodes/{episode.id}/discharge-summaries/new"
    assert f'<a href="{new_url}">Write the discharge summary</a>' in reminder.text
    tab = client.get(f"/clients/{person.id}?tab=discharge_summaries")
    assert tab.status_code == 200
    assert "Write the discharge summary" in tab.text
    assert "not signed yet" in tab.text


def test_the_form_signs_with_the_password_and_refuses_a_wrong_one(
    client: TestClient, session: Session
) -> None:
    stay = make_stay(session)
    session.commit()
    sign_in_as(client, stay.clinician.username)
    new_url = f"/episodes/{stay.episode.id}/discharge-summaries/new"
    form = client.get(new_url)
    assert form.status_code == 200
    for fact in ("F10.20", "Naltrexone 50 mg", "Harbor House (test)", "I want to stay sober"):
        assert fact in form.text
    assert "Completed IOP and OP; ready for aftercare." in form.text  # the pre-filled reason
    data = {
        "csrf_token": csrf_from(form.text),
        "reason": WORDS.reason,
        "prognosis": "fair",
        "prognosis_text": WORDS.prognosis_text,
        "recommendations": WORDS.recommendations,
        "narrative": WORDS.narrative,
        "action": "sign",
        "secret": "not my password",
    }
    action = f"/episodes/{stay.episode.id}/discharge-summaries"
    refused = client.post(action, data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert WORDS.narrative in refused.text  # what was typed comes back
    assert "not my password" not in refused.text
    assert 'id="e-secret"' in refused.text
    assert _count(session) == 0  # neither signed nor saved

    signed = client.post(action, data=data | {"secret": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303
    summary = session.scalars(select(DischargeSummary)).one()
    assert signed.headers["location"] == f"/discharge-summaries/{summary.id}"
    page = client.get(signed.headers["location"])
    assert "Signed" in page.text
    assert "signed as author" in page.text
    assert 'name="reason"' not in page.text  # frozen: no form
    assert client.get(new_url, follow_redirects=False).headers["location"] == (
        f"/discharge-summaries/{summary.id}"
    )
    reminder = client.get(f"/episodes/{stay.episode.id}/discharge-summaries/reminder")
    assert "Write the discharge summary" not in reminder.text
    assert f"/discharge-summaries/{summary.id}/print" in reminder.text


def test_a_draft_is_saved_then_an_addendum_is_added(client: TestClient, session: Session) -> None:
    stay = make_stay(session)
    session.commit()
    sign_in_as(client, stay.clinician.username)
    form = client.get(f"/episodes/{stay.episode.id}/discharge-summaries/new")
    saved = client.post(
        f"/episodes/{stay.episode.id}/discharge-summaries",
        data={"csrf_token": csrf_from(form.text), "action": "draft", "reason": "Done."},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    url = saved.headers["location"]
    draft = client.get(url)
    assert "Draft saved" in draft.text
    incomplete = client.post(
        url,
        data={"csrf_token": csrf_from(draft.text), "action": "sign", "secret": PASSWORD},
    )
    assert incomplete.status_code == 422
    assert 'id="e-reason"' in incomplete.text
    token = csrf_from(draft.text)
    fields = {
        "reason": WORDS.reason,
        "prognosis": "good",
        "recommendations": WORDS.recommendations,
        "narrative": WORDS.narrative,
    }
    signed = client.post(
        url,
        data={"csrf_token": token, "action": "sign", "secret": PASSWORD, **fields},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    wrong = client.post(
        f"{url}/addenda", data={"csrf_token": token, "text": "Late fact.", "secret": "nope"}
    )
    assert wrong.status_code == 422
    assert "Late fact." in wrong.text
    added = client.post(
        f"{url}/addenda",
        data={"csrf_token": token, "text": "Late fact.", "secret": PASSWORD},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert "Late fact." in client.get(url).text


def test_print_and_pdf_are_audited_exports(client: TestClient, session: Session) -> None:
    stay = make_stay(session)
    stay.person.is_synthetic = True
    summary = write_and_sign(session, stay)
    manager = make_user(session, role=Role.CASE_MANAGER, site=stay.site)
    session.commit()
    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    sign_in_as(client, stay.clinician.username)
    printable = client.get(f"/discharge-summaries/{summary.id}/print")
    assert printable.status_code == 200
    assert "Confidential" in printable.text
    assert "Synthetic demo" in printable.text
    assert stay.person.legal_last_name in printable.text
    response = client.get(f"/discharge-summaries/{summary.id}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.content)
    for expected in (
        "Discharge summary",
        "Synthetic demo",
        "Confidential",
        stay.person.record_number,
        "F10.20",
        "Naltrexone 50 mg",
        "Harbor House (test)",
        "Group sessions: 1 attended",
        WORDS.recommendations,
        "signed as author",
    ):
        assert expected in text, expected
    exports = session.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.seq > start,
            AuditEntry.action == AuditAction.EXPORT,
            AuditEntry.entity_id == str(summary.id),
        )
    ).all()
    assert sorted(d["format"] for d in exports) == ["html", "pdf"]

    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in_as(client, manager.username)
    as_manager = _pdf_text(client.get(f"/discharge-summaries/{summary.id}.pdf").content)
    assert "F10.20" not in as_manager  # a case manager reads no diagnosis
    assert "Harbor House (test)" in as_manager
    assert "Not shown to the printer's role: diagnoses at discharge" in as_manager


def test_a_draft_is_not_printed_and_readers_see_no_draft(
    client: TestClient, session: Session
) -> None:
    stay = make_stay(session)
    draft = service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
    review = make_user(session, role=Role.UTILIZATION_REVIEW, site=stay.site)
    session.commit()
    sign_in_as(client, stay.clinician.username)
    assert client.get(f"/discharge-summaries/{draft.id}.pdf").status_code == 409
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in_as(client, review.username)
    assert client.get(f"/discharge-summaries/{draft.id}").status_code == 404
    tab = client.get(f"/clients/{stay.person.id}?tab=discharge_summaries")
    assert tab.status_code == 200
    assert "No signed discharge summary" in tab.text
    assert client.get("/discharge-summaries").status_code == 403


def test_the_list_of_summaries_due(client: TestClient, session: Session) -> None:
    stay = make_stay(session)
    session.commit()
    sign_in_as(client, stay.director.username)
    page = client.get("/discharge-summaries")
    assert page.status_code == 200
    assert stay.person.display_name in page.text
    assert f"/episodes/{stay.episode.id}/discharge-summaries/new" in page.text
