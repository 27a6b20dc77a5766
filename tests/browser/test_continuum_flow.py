"""Done-when for the continuum: a staff member takes an inquiry, admits the client to IOP
evening, steps them down to OP and then to aftercare, and sees the census and timeline
change at each step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from stepdown.kit.clock import today
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def census_count(page: Page, base: str, code: str) -> int:
    page.goto(f"{base}/census")
    return int(page.locator(f'[data-level="{code}"]').inner_text())


def sign_in(page: Page, server: LiveServer, role: str) -> None:
    credentials = server.sign_ins[role]
    page.goto(f"{server.url}/sign-in")
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")


def test_inquiry_to_iop_evening_to_op_to_aftercare(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "director")
    iop_before = census_count(page, base, "IOP")
    aftercare_before = census_count(page, base, "AFTERCARE")

    page.goto(f"{base}/inquiries/new")
    page.get_by_label("How the inquiry came in").select_option("phone")
    page.get_by_label("First name").fill("Marigold")
    page.get_by_label("Last name").fill("Testwright")
    page.get_by_label("Date of birth").fill("1988-04-02")
    page.get_by_label("Phone").fill("555-0199")
    page.get_by_label("Agreed to be contacted").check()
    page.get_by_label("Site", exact=True).select_option(label="Riverside Recovery Center (demo)")
    page.get_by_role("button", name="Record inquiry").click()
    expect(page.locator("h1")).to_contain_text("Marigold Testwright")
    assert violations(page) == []
    page.get_by_label("Move to").select_option("contacted")
    page.get_by_role("button", name="Move").click()
    page.get_by_role("button", name="Admit: convert to client").click()
    expect(page).to_have_url(re.compile(r"/clients/[0-9a-f-]{36}"))
    expect(page.locator("h1")).to_contain_text("Marigold Testwright")

    page.get_by_role("link", name="Care timeline").click()
    page.get_by_label("Level of care").select_option("IOP")
    page.get_by_label("Track").select_option("evening")
    page.get_by_label("Effective date").fill((today() - timedelta(days=14)).isoformat())
    page.get_by_label("Reason").fill("Works days; moderate use; stable home.")
    page.get_by_role("button", name="Admit").click()
    expect(page.locator("h2").first).to_have_text("Now: Intensive outpatient (IOP), evening track")
    assert violations(page) == []
    chart_url = page.url
    assert census_count(page, base, "IOP") == iop_before + 1

    page.goto(chart_url)
    page.locator("summary", has_text="Step down").click()
    page.locator("#step_down-level").select_option("OP")
    page.locator("#step_down-track").select_option("evening")
    page.locator("#step_down-on").fill((today() - timedelta(days=7)).isoformat())
    page.locator("#step_down-reason").fill("Goals met; cravings rare.")
    page.get_by_role("button", name="Step down").last.click()
    expect(page.locator("h2").first).to_have_text("Now: Outpatient (OP), evening track")

    page.locator("summary", has_text="Step down").click()
    page.locator("#step_down-level").select_option("AFTERCARE")
    page.locator("#step_down-track").select_option("none")
    page.locator("#step_down-on").fill(today().isoformat())
    page.locator("#step_down-reason").fill("Discharged from OP to aftercare.")
    page.get_by_role("button", name="Step down").last.click()
    expect(page.locator("h2").first).to_have_text("Now: Aftercare")
    timeline = page.locator("svg.timeline").first
    expect(timeline.locator("rect")).to_have_count(3)
    expect(timeline.locator("title").last).to_contain_text("Discharged from OP to aftercare")
    rows = page.locator("section.episode table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("step down")
    assert census_count(page, base, "IOP") == iop_before
    assert census_count(page, base, "AFTERCARE") == aftercare_before + 1
    context.close()
