"""Done-when for clinical documentation, in the browser on the demo program:

- the demo clinician documents an individual session from their calendar (the note is
  linked to the attended appointment) and signs it with their password;
- the supervised intern's note goes to the clinician's co-sign queue and is co-signed;
- the demo case manager records a housing referral and its completion;
- a discharge asks for its summary, which is written, signed and printed.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Select, exists, select

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.calendar.models import Appointment, AppointmentKind, BookingStatus
from stepdown.case_management.models import Need, NeedKind
from stepdown.clients.models import CareTeamMember, CareTeamRole, Client
from stepdown.clinical_notes.models import ClinicalNote
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine
from stepdown.security.models import User
from stepdown.treatment_plans.models import PlanStatus, TreatmentPlan
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.browser.test_continuum_flow import sign_in

pytestmark = pytest.mark.browser


def _read(server: LiveServer, query: Select[Any]) -> list[Any]:
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        found = list(connection.execute(query).scalars())
    engine.dispose()
    return found


def _user_id(username: str) -> Any:
    return select(User.id).where(User.username == username).scalar_subquery()


def _unwritten_appointment(server: LiveServer) -> uuid.UUID:
    """The demo clinician's latest individual appointment before today that the client
    attended and nobody has documented."""
    found = _read(
        server,
        select(Appointment.id)
        .join(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
        .where(
            Appointment.staff_id == _user_id("clinician"),
            Appointment.kind == AppointmentKind.INDIVIDUAL,
            Appointment.status == BookingStatus.SCHEDULED,
            Appointment.day < today(),
            AttendanceRecord.status.in_(ATTENDED),
            ~exists().where(ClinicalNote.appointment_id == Appointment.id),
        )
        .order_by(Appointment.day.desc(), Appointment.start.desc()),
    )
    assert found, "the demo leaves the clinician an attended appointment to document"
    return found[0]


def _clients_in_care(server: LiveServer, username: str, *, with_plan: bool) -> list[uuid.UUID]:
    """Clients in care now on ``username``'s caseload (primary clinician) or list (case
    manager on the care team)."""
    owner = _user_id(username)
    on_team = exists().where(
        CareTeamMember.client_id == Client.id,
        CareTeamMember.role == CareTeamRole.CASE_MANAGER,
        CareTeamMember.user_id == owner,
    )
    query = (
        select(Client.id)
        .join(Episode, Episode.client_id == Client.id)
        .where(
            Episode.status == EpisodeStatus.ACTIVE, (Client.primary_clinician_id == owner) | on_team
        )
        .order_by(Client.record_number)
    )
    if with_plan:
        query = query.where(
            exists().where(
                TreatmentPlan.client_id == Client.id, TreatmentPlan.status == PlanStatus.ACTIVE
            )
        )
    return _read(server, query)


def _new_page(browser: Browser, server: LiveServer, who: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, who)
    return page


def _sign(page: Page, server: LiveServer, who: str, button: str) -> None:
    page.get_by_label("Your password or signing PIN").fill(server.sign_ins[who].password)
    page.get_by_role("button", name=button).click()


def test_a_clinician_documents_an_individual_session_from_the_calendar(
    live_server: LiveServer, browser: Browser
) -> None:
    appointment_id = _unwritten_appointment(live_server)
    day = _read(live_server, select(Appointment.day).where(Appointment.id == appointment_id))[0]
    page = _new_page(browser, live_server, "clinician")
    page.goto(f"{live_server.url}/calendar/me?week={day.isoformat()}")
    write = page.locator(f'a[href="/clinical-notes/new?appointment={appointment_id}"]')
    expect(write).to_have_text("Write note")  # loaded into the calendar entry by htmx
    assert violations(page) == []
    write.click()
    expect(page.locator("h1")).to_contain_text("New progress note")
    expect(page.get_by_text("Documents the individual appointment")).to_be_visible()
    expect(page.get_by_label("Service")).to_have_value("individual_therapy")
    page.get_by_label("Data").fill(
        "Client described a calm week at work and two evenings at a recovery meeting."
    )
    page.get_by_label("Assessment").fill("Engaged and hopeful; coping plan is holding.")
    page.get_by_label("Plan").fill("Keep the meeting schedule; review the budget next week.")
    page.locator('input[name="objective_ids"]').first.check()
    page.get_by_label("Suicidal ideation").select_option("denied")
    page.get_by_label("Homicidal ideation").select_option("denied")
    assert violations(page) == []
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    expect(page.get_by_text("documents a scheduled appointment")).to_be_visible()

    # A wrong password signs nothing.
    page.get_by_label("Your password or signing PIN").fill("not the password")
    page.get_by_role("button", name="Sign the note").click()
    expect(page.locator(".field-error[role=alert]")).to_be_visible()
    _sign(page, live_server, "clinician", "Sign the note")
    expect(page.get_by_text("Signed", exact=True).first).to_be_visible()
    expect(page.locator("section.signatures li")).to_contain_text("intact: the note is as signed")
    expect(page.get_by_role("link", name="Edit the draft")).to_have_count(0)
    assert violations(page) == []

    # The calendar entry now leads to the signed note.
    page.goto(f"{live_server.url}/calendar/me?week={day.isoformat()}")
    note_link = page.locator(".entry-note a", has_text="Note signed")
    expect(note_link.first).to_be_visible()
    linked = _read(
        live_server,
        select(ClinicalNote.id).where(ClinicalNote.appointment_id == appointment_id),
    )
    assert len(linked) == 1
    expect(page.locator(f'a[href="/clinical-notes/{linked[0]}"]')).to_have_count(1)
    page.context.close()


def test_an_interns_note_is_cosigned_by_the_supervisor(
    live_server: LiveServer, browser: Browser
) -> None:
    client_id = _clients_in_care(live_server, "clinician", with_plan=True)[-1]
    page = _new_page(browser, live_server, "intern")
    page.goto(f"{live_server.url}/clinical-notes/new?client={client_id}&type=family_without_client")
    expect(page.get_by_label("Service")).to_have_value("family_without_client")
    page.get_by_label("Date").fill((today() - timedelta(days=1)).isoformat())
    page.get_by_label("Start").fill("16:00")
    page.get_by_label("End").fill("16:50")
    page.get_by_label("The client was present").set_checked(False)
    page.locator('select[name="attendee-role-0"]').select_option("family")
    page.locator('input[name="attendee-relationship-0"]').fill("father")
    page.locator('input[name="attendee-name-0"]').fill("Sam Example")
    page.get_by_label("Data").fill(
        "Father came alone to talk about the evenings at home and the new curfew."
    )
    page.get_by_label("Assessment").fill("Father is supportive and wants clearer house rules.")
    page.get_by_label("Plan").fill("Invite both parents to the family education group.")
    page.locator('input[name="objective_ids"]').first.check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    _sign(page, live_server, "intern", "Sign the note")
    expect(page.get_by_text("Awaiting co-signature").first).to_be_visible()
    note_url = page.url
    note_id = note_url.rsplit("/", 1)[-1]
    page.context.close()

    page = _new_page(browser, live_server, "clinician")
    page.get_by_role("link", name="wait for your co-signature").click()
    expect(page.locator("h1")).to_contain_text("co-sign")
    row = page.locator(f'a[href="/clinical-notes/{note_id}"]')
    expect(row).to_have_count(1)
    assert violations(page) == []
    row.click()
    expect(page.get_by_text("Father came alone")).to_be_visible()
    page.locator("#cosign-secret").fill(live_server.sign_ins["clinician"].password)
    page.get_by_role("button", name="Co-sign").click()
    expect(page.get_by_role("status").first).to_contain_text("Co-signed. The note is final.")
    expect(page.locator(f'a[href="/clinical-notes/{note_id}"]')).to_have_count(0)
    page.goto(note_url)
    expect(page.locator("section.signatures li")).to_have_count(2)
    expect(page.locator("section.signatures li").nth(1)).to_contain_text("Casey Cliniford")
    page.context.close()


def test_a_case_manager_records_a_housing_referral_and_its_completion(
    live_server: LiveServer, browser: Browser
) -> None:
    with_needs = set(
        _read(live_server, select(Need.client_id).where(Need.kind == NeedKind.HOUSING))
    )
    candidates = [
        c
        for c in _clients_in_care(live_server, "casemanager", with_plan=False)
        if c not in with_needs
    ]
    assert candidates, "the demo case manager has clients in care without a housing need"
    client_id = candidates[0]
    page = _new_page(browser, live_server, "casemanager")
    page.goto(f"{live_server.url}/clients/{client_id}?tab=case_management")
    page.get_by_label("Need", exact=True).select_option("housing")
    page.get_by_label("Detail").fill("Staying on a friend's couch; must leave by month end.")
    page.get_by_role("button", name="Record need").click()
    expect(page.get_by_text("Staying on a friend's couch")).to_be_visible()

    need = page.get_by_label("For the need")
    need.select_option(need.locator("option", has_text="Housing").get_attribute("value"))
    page.get_by_label("Or organization").fill("Harborview Housing Cooperative (demo)")
    page.get_by_label("Follow up on").fill((today() + timedelta(days=7)).isoformat())
    assert violations(page) == []
    page.get_by_role("button", name="Make referral").click()
    referral = page.locator("tr[id^=referral-]", has_text="Harborview Housing Cooperative")
    expect(referral).to_contain_text("Made")

    for status in ("accepted", "completed"):
        row_id = referral.get_attribute("id")
        details = page.locator(f"#{row_id} + tr details")
        if not details.get_attribute("open"):
            details.locator("summary").click()
        details.locator('select[name="status"]').select_option(status)
        if status == "accepted":  # still open: when to check on it next
            details.get_by_label("Next follow-up (while still open)").fill(
                (today() + timedelta(days=3)).isoformat()
            )
        if status == "completed":
            details.get_by_label("Note (why, for declined or no-show)").fill(
                "Moved in on the first of the month."
            )
        details.get_by_role("button", name="Record").click()
        referral = page.locator("tr[id^=referral-]", has_text="Harborview Housing Cooperative")
        expect(referral).to_contain_text(status.capitalize())
    expect(referral).to_contain_text("closed")  # a completed referral has no follow-up
    assert violations(page) == []
    page.context.close()


def test_a_discharge_produces_a_printable_summary(
    live_server: LiveServer, browser: Browser
) -> None:
    client_id = _clients_in_care(live_server, "clinician2", with_plan=False)[-1]
    page = _new_page(browser, live_server, "clinician2")
    page.goto(f"{live_server.url}/clients/{client_id}?tab=care")
    page.locator("summary", has_text="Discharge").first.click()
    page.get_by_label("Discharge type").select_option("completed")
    page.get_by_label("Discharge note").fill("Completed the program; aftercare arranged.")
    page.get_by_role("button", name="Discharge", exact=True).last.click()
    reminder = page.get_by_role("link", name="Write the discharge summary")
    expect(reminder).to_be_visible()  # a reminder, not a block: the discharge is done
    reminder.click()
    page.get_by_label("Reason for the discharge").fill("Completed the program's goals.")
    page.get_by_label("Course of treatment").fill(
        "Attended the evening groups and individual sessions; no use in the last month."
    )
    page.get_by_label("Prognosis", exact=True).select_option("good")
    page.get_by_label("About the prognosis").fill("Strong supports and a stable job.")
    page.get_by_label("Recommendations and follow-up care").fill(
        "Weekly aftercare group and a monthly check-in with the alumni mentor."
    )
    assert violations(page) == []
    page.get_by_label("Your password or signing PIN").fill(
        live_server.sign_ins["clinician2"].password
    )
    page.get_by_role("button", name="Sign the summary").click()
    printable = page.get_by_role("link", name="Printable page")
    expect(printable).to_be_visible()
    printable.click()
    expect(page.get_by_text("Completed the program's goals.")).to_be_visible()
    expect(page.get_by_text("Weekly aftercare group")).to_be_visible()
    assert violations(page) == []
    page.context.close()
