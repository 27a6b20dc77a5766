"""Insurance in the browser on the demo program: admissions checks an inquiry's benefits
against the clearinghouse simulator and reads the copay, the deductible left and
"authorization required" per level; UR records an approval of 10 IOP days, and with 3 days
attended the chart shows 7 left."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Select, select

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.clients.models import Client
from stepdown.coverage import service as coverage_service
from stepdown.coverage.models import Coverage, Payer
from stepdown.coverage.schemas import CoverageWrite
from stepdown.inquiries.models import Inquiry
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.browser.test_continuum_flow import sign_in
from tests.factories import SYSTEM, make_client, make_episode, make_occurrence

pytestmark = pytest.mark.browser


def _read(server: LiveServer, query: Select[Any]) -> list[Any]:
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        found = list(connection.execute(query).scalars())
    engine.dispose()
    return found


def _page(browser: Browser, server: LiveServer, who: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, server, who)
    return page


def test_admissions_checks_an_inquirys_benefits_against_the_simulator(
    live_server: LiveServer, browser: Browser
) -> None:
    site_one = select(Site.id).where(Site.code == "S1").scalar_subquery()
    waiting = _read(
        live_server,
        select(Coverage.inquiry_id)
        .join(Inquiry, Inquiry.id == Coverage.inquiry_id)
        .where(
            Coverage.client_id.is_(None),
            Coverage.member_id.like("AUTH%"),
            (Inquiry.site_id == site_one) | Inquiry.site_id.is_(None),  # admissions' site
        ),
    )
    assert waiting, "the demo leaves inquiries whose coverage admissions has yet to verify"
    page = _page(browser, live_server, "admissions")
    page.goto(f"{live_server.url}/inquiries/{waiting[0]}")
    page.get_by_role("link", name="Coverage and benefits").click()
    expect(page.get_by_text("Never checked")).to_be_visible()
    assert violations(page) == []
    page.get_by_role("button", name="Check eligibility now").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The payer says the coverage is active"
    )
    table = page.get_by_role("table", name="Benefits by level of care")
    iop = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="IOP"))
    expect(iop).to_contain_text("$40.00")  # the copay
    expect(iop).to_contain_text("$400.00")  # the deductible left
    expect(iop).to_contain_text("authorization required")
    assert violations(page) == []
    page.get_by_role("link", name="the full answer").click()
    expect(page.locator("h1")).to_contain_text("Eligibility check")
    expect(page.get_by_text("The X12 sent (270) and received (271)")).to_be_visible()
    page.context.close()


def _new_iop_client(server: LiveServer) -> tuple[uuid.UUID, date]:
    """A client admitted to IOP ten days ago with the demo's commercial plan and no
    authorization yet, who attended three group days since."""
    engine = make_engine(server.settings.effective_database_url)
    admitted = today() - timedelta(days=10)
    with session_scope(make_sessionmaker(engine)) as session:
        site = session.scalars(select(Site).where(Site.code == "S1")).one()
        clinician = session.scalars(select(User).where(User.username == "clinician")).one()
        person = make_client(session, site=site, clinician=clinician)
        make_episode(session, client=person, level_code="IOP", on=admitted)
        payer = session.scalars(
            select(Payer).where(Payer.name == "Example Health Plan (demo)")
        ).one()
        coverage_service.add_coverage(
            session,
            actor=SYSTEM,
            owner=coverage_service.Owner(client_id=person.id),
            data=CoverageWrite(rank=1, payer_id=payer.id, member_id="ACT990001"),
        )
        for back in (8, 6, 4):
            occurrence = make_occurrence(
                session,
                site=site,
                leader=clinician,
                day=today() - timedelta(days=back),
                clients=[person],
            )
            attendance_service.record_attendance(
                session,
                actor=security_service.actor_for(clinician),
                occurrence_id=occurrence.id,
                entries=[attendance_service.Entry(person.id, AttendanceStatus.PRESENT)],
            )
        client_id = person.id
    engine.dispose()
    return client_id, admitted


def test_ur_records_ten_iop_days_and_three_attended_leave_seven(
    live_server: LiveServer, browser: Browser
) -> None:
    client_id, admitted = _new_iop_client(live_server)
    page = _page(browser, live_server, "utilization_review")
    page.goto(f"{live_server.url}/clients/{client_id}?tab=authorizations")
    expect(page.get_by_text("No authorization on file.")).to_be_visible()
    page.get_by_label("Level of care").select_option("IOP")
    page.get_by_label("Units", exact=True).select_option("day")
    page.get_by_label("Units requested").fill("10")
    page.get_by_label("Code numbers (space-separated)").fill("S9480")
    page.get_by_label("From", exact=True).last.fill(admitted.isoformat())
    page.get_by_label("Through", exact=True).last.fill((admitted + timedelta(days=27)).isoformat())
    assert violations(page) == []
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("status").first).to_contain_text("Authorization request recorded")
    expect(page.get_by_text("Pending").first).to_be_visible()
    page.locator("summary", has_text="Record the payer's decision").first.click()
    decision = page.locator("form[action$='/decision']").first
    decision.get_by_label("Now").select_option("approved")
    decision.get_by_label("Units approved").fill("10")
    decision.get_by_label("Authorization number").fill("IOP-4410")
    decision.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status").first).to_contain_text("Authorization now approved")
    expect(page.get_by_text("7 of 10 days remaining")).to_be_visible()
    expect(page.get_by_text("3 used by attendance")).to_be_visible()
    assert violations(page) == []
    page.context.close()
    assert _read(live_server, select(Client.id).where(Client.id == client_id)) == [client_id]
