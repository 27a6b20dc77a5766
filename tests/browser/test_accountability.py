"""The accountability summary in Chromium on the demo program: a clinician opens a caseload
client's Summary tab, opens the printable page from its range form, and the page stands
alone (no site menu), passes the accessibility check, and prints without its toolbar."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.demo.seed import demo_password
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.security.models import User
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
CLINICIAN = "clinician"
SECTIONS = (
    "Points for the review",
    "Attendance",
    "Hours per week",
    "Drug tests and results",
    "Treatment plan objectives",
    "Daily check-ins",
    "Instrument scores",
)


def _caseload_client_in_care(live_server: LiveServer) -> str:
    """A client on the clinician's caseload with an episode still open."""
    engine = make_engine(live_server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        record = session.scalars(
            select(Client.record_number)
            .join(User, User.id == Client.primary_clinician_id)
            .join(Episode, Episode.client_id == Client.id)
            .where(User.username == CLINICIAN, Episode.status == EpisodeStatus.ACTIVE)
            .order_by(Client.record_number)
        ).first()
    engine.dispose()
    assert record is not None, "the demo clinician has clients in care"
    return record


def _sign_in(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(CLINICIAN)
    page.get_by_label("Password").fill(
        demo_password(live_server.settings.effective_secret_key, CLINICIAN)
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_clinician_prints_a_clients_accountability_summary(
    live_server: LiveServer, browser: Browser
) -> None:
    record = _caseload_client_in_care(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/clients?q={record}")
    page.locator("tr", has_text=record).locator("a").first.click()
    page.get_by_role("navigation", name="Chart sections").get_by_role(
        "link", name="Summary", exact=True
    ).click()
    expect(page.locator("#summary-range-heading")).to_have_text(
        "Accountability summary for a review"
    )
    expect(page.locator("#summary-points-heading")).to_contain_text("Last 30 days:")
    expect(page.locator("ul.review-points li").first).to_be_visible()
    assert violations(page) == []

    start = page.locator("#summary-start").input_value()
    end = page.locator("#summary-end").input_value()
    page.get_by_role("button", name="Open the printable summary").click()
    page.wait_for_url("**/accountability?*")
    expect(page.locator("h1")).to_contain_text(record)
    expect(page.locator(".printable-head")).to_contain_text(f"{start} to {end}")
    for heading in SECTIONS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # A standalone document: none of the site's menu, header or footer, only its own toolbar.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.locator("header.top")).to_have_count(0)
    expect(page.locator("footer.bottom")).to_have_count(0)
    toolbar = page.get_by_role("navigation", name="Summary")
    expect(toolbar).to_be_visible()
    expect(toolbar.get_by_role("link", name="Back to the chart")).to_be_visible()
    assert violations(page) == []

    # On paper: the toolbar (link and range form) is hidden, the summary itself is not.
    page.emulate_media(media="print")
    expect(toolbar).to_be_hidden()
    expect(page.locator("form.printable-range")).to_be_hidden()
    for heading in SECTIONS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("footer.printable-foot")).to_contain_text(
        "42 CFR part 2 prohibits unauthorized use or disclosure"
    )
    page.emulate_media(media="screen")
    expect(toolbar).to_be_visible()
    context.close()
