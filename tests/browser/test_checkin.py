"""Done-when for check-ins: on a phone, the demo client signs in, lands on the portal and
checks in with a craving of 9; their primary clinician signs in on another device and finds
the urgent alert on their home page and the check-in on the chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# DEMO-0001 is the demo portal client; "clinician" is their primary clinician (demo.seed).
RECORD = "DEMO-0001"


def sign_in(page: Page, server: LiveServer, role: str) -> None:
    credentials = server.sign_ins[role]
    page.goto(f"{server.url}/sign-in")
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")


def fits_the_screen(page: Page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_client_checks_in_on_a_phone_and_the_clinician_sees_the_alert(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = phone.new_page()
    sign_in(page, live_server, "client")
    expect(page).to_have_url(f"{base}/portal")
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.locator("main")).to_contain_text("You have not checked in today")
    expect(page.locator("main")).to_contain_text(RECORD)
    assert violations(page) == []
    assert fits_the_screen(page)

    page.get_by_role("link", name="Check in now").click()
    expect(page.locator("h1")).to_have_text("Daily check-in")
    assert violations(page) == []
    assert fits_the_screen(page)
    craving = page.get_by_role("group", name="Craving right now")
    craving.get_by_label("9", exact=True).check()
    page.get_by_role("group", name="Mood today").get_by_label("3", exact=True).check()
    page.get_by_label("How well did you sleep?").select_option(label="Poor")
    page.get_by_label("Hours of sleep").fill("5.5")
    page.get_by_label("Someone offered me alcohol or drugs").check()
    used = page.get_by_role("group", name="Did you drink or use any drugs")
    used.get_by_label("No", exact=True).check()
    thoughts = page.get_by_role("group", name="Since your last check-in, have you had thoughts")
    thoughts.get_by_label("No", exact=True).check()
    page.get_by_label("Anything you want your clinician to know?").fill("Hard evening.")
    page.get_by_role("button", name="Send check-in").click()

    expect(page).to_have_url(f"{base}/portal")
    expect(page.get_by_role("status")).to_contain_text("Your clinician will contact you today")
    expect(page.locator("main")).to_contain_text("You checked in today")
    assert violations(page) == []
    page.goto(f"{base}/portal/history")
    expect(page.locator("article.checkin").first).to_contain_text("9 of 10")
    expect(page.locator("article.checkin").first).to_contain_text("Hard evening.")
    assert violations(page) == []
    assert fits_the_screen(page)
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = desk.new_page()
    sign_in(page, live_server, "clinician")
    expect(page.locator("h1")).to_have_text("My caseload")
    alerts = page.locator("section.alerts-home")
    row = alerts.locator("tr", has_text=RECORD).filter(has_text="craving 9 of 10")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Check-in from the portal")
    expect(row).to_contain_text("urgent")
    assert violations(page) == []
    row.get_by_role("link").first.click()
    page.get_by_role("link", name="Check-ins").click()
    expect(page.get_by_role("heading", name="Craving and mood")).to_be_visible()
    latest = page.locator("table tbody tr").first
    expect(latest).to_contain_text("Hard evening.")
    expect(latest).to_contain_text("(portal)")
    expect(latest).to_contain_text("craving ≥ 8")
    expect(page.locator("svg.trend").first).to_be_visible()
    assert violations(page) == []
    desk.close()
