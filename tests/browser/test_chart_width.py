"""The chart fits the screen it is read on: on a 1,366-pixel laptop and a 390-pixel phone no
tab of a director's chart makes the page wider than the window (the tab bar wraps)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

RECORD = "DEMO-0001"
WIDTHS = (1366, 390)


def test_every_tab_fits_the_window(live_server: LiveServer, browser: Browser) -> None:
    director = live_server.sign_ins["director"]
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(director.username)
    page.get_by_label("Password").fill(director.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")
    page.goto(f"{live_server.url}/clients?q={RECORD}")
    page.locator("table a").first.click()
    # The click starts a navigation; wait for the chart's tab bar before reading it, or the
    # list page (which has no tabs) may still be the one on screen.
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}(\?|$)"))
    expect(page.locator("nav.tabs a").first).to_be_visible()
    chart = page.url.split("?")[0]
    tabs = page.locator("nav.tabs a").evaluate_all("links => links.map(a => a.href)")
    assert len(tabs) > 5
    too_wide: dict[tuple[str, int], int] = {}
    for href in tabs:
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        page.goto(href)
        for width in WIDTHS:  # the same page, laid out again at each width
            page.set_viewport_size({"width": width, "height": 800})
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                too_wide[(href.removeprefix(chart), width)] = scroll
    context.close()
    assert too_wide == {}
