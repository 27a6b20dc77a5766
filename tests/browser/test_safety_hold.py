"""Issue 11's browser check: a clinician records a high C-SSRS and opens placement; the page
shows the hold and placing is refused; after a safety assessment with a safety plan,
placement goes ahead; the client reads their plan in the portal.

The test makes its own clinician, client and portal account in the live database, so it
neither depends on nor changes what other browser tests read in the demo program.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.programs.models import Site
from stepdown.security.roles import Role
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD, make_client, make_user

pytestmark = pytest.mark.browser

RATINGS = {"d1": 0, "d2": 0, "d3": 1, "d4": 1, "d5": 1, "d6": 1}  # OP without the gate
HIGH_CSSRS = [1, 1, 1, 1, 0, 0]  # intent, in the past month


def _people(live_server: LiveServer) -> tuple[str, str, uuid.UUID]:
    """A clinician, their new client and the client's portal account, at the demo's site."""
    engine = make_engine(live_server.settings.effective_database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        site = session.scalars(select(Site).where(Site.code == "S1")).one()
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        client = make_client(session, site=site, clinician=clinician, preferred_name="Robin")
        account = make_user(session, role=Role.CLIENT, site=site)
        client.portal_user_id = account.id
        names = (clinician.username, account.username, client.id)
    engine.dispose()
    return names


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_high_cssrs_holds_placement_until_a_safety_assessment(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    clinician, account, client_id = _people(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, base, clinician)
    chart = f"{base}/clients/{client_id}"

    page.goto(f"{chart}?tab=assessments")
    page.locator("summary", has_text="Administer C-SSRS screener").click()
    for item, value in enumerate(HIGH_CSSRS, start=1):
        page.locator(f"#cssrs-item_{item}-{value}").check()
    page.get_by_role("button", name="Record C-SSRS screener").click()

    page.goto(f"{chart}?tab=placement")
    page.get_by_role("link", name="Start a new assessment").click()
    for dimension, rating in RATINGS.items():
        page.locator(f'input[name="{dimension}_rating"][value="{rating}"]').check()
    page.get_by_role("button", name="Save draft").click()
    hold = page.get_by_role("heading", name="Safety hold: Refer now for a crisis or psychiatric")
    expect(hold).to_be_visible()
    recommendation = page.get_by_role("heading", name="Recommended:", exact=False)
    expect(recommendation).to_contain_text("Hospital")
    assert violations(page) == []
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("status")).to_have_text("Assessment signed; it is now read-only.")
    signed_url = page.url
    page.get_by_role("button", name="Place", exact=True).click()
    refusal = page.locator("div.flash-error")
    expect(refusal).to_contain_text("placement.safety_assessment_required")

    page.goto(f"{chart}?tab=safety")
    expect(page.get_by_role("heading", name="Refer now for a crisis")).to_be_visible()
    page.get_by_label("Moderate").check()
    page.get_by_label("Continue outpatient care with a safety plan").check()
    page.get_by_label("Formulation: why this risk level and disposition").fill(
        "Intent last week, none today; no plan or behaviour; sister at home; agrees to plan."
    )
    page.get_by_label("1. Warning signs").fill("Not sleeping\nDrinking alone")
    page.get_by_label("2. Internal coping strategies").fill("Walk the dog")
    page.get_by_label("4. People to ask for help").fill("My sister")
    page.get_by_label("6. Making the environment safe").fill("Sister keeps the medications")
    page.get_by_label("What matters most and is worth living for").fill("My dog")
    assert violations(page) == []
    page.get_by_role("button", name="Record safety assessment").click()
    expect(page.get_by_role("heading", name="No live suicide risk")).to_be_visible()

    page.goto(signed_url)
    page.get_by_role("button", name="Write an addendum").click()
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("heading", name="Recommended:", exact=False)).to_contain_text(
        "Outpatient (OP)"
    )
    page.get_by_role("button", name="Place", exact=True).click()
    expect(page.locator("h2", has_text="Now:").first).to_contain_text("Outpatient (OP)")
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, base, account)
    page.goto(f"{base}/portal/safety-plan")
    expect(page.get_by_role("heading", name="My safety plan")).to_be_visible()
    expect(page.get_by_text("Walk the dog")).to_be_visible()
    expect(page.get_by_text("988 Suicide & Crisis Lifeline").first).to_be_visible()
    assert violations(page) == []
    context.close()
