"""The Outcomes page in Chromium on the demo program: the director opens Outcomes from the
menu, filters to one site and IOP, reads the retention chart and its table, and downloads
the table's CSV, which holds the same numbers the print view shows (masked)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
# Set STEPDOWN_SCREENSHOTS=dir to keep the screenshot (docs/screenshots/outcomes.png).
SCREENSHOTS = os.environ.get("STEPDOWN_SCREENSHOTS")
SITE = "Riverside Recovery Center (demo)"


def test_the_director_reads_retention_for_one_site_and_iop(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    director = live_server.sign_ins["director"]
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(director.username)
    page.get_by_label("Password").fill(director.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page.locator("h1")).to_have_text("Outcomes")

    page.get_by_label("Site", exact=True).select_option(label=SITE)
    page.get_by_label("Level", exact=True).select_option("IOP")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.lede")).to_contain_text("level IOP")
    assert "level=IOP" in page.url

    figure = page.locator("#figure-retention")
    expect(figure.get_by_role("heading", name="Retention by first level")).to_be_visible()
    chart = figure.locator("svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Retention by first level")
    expect(figure.locator(".denominator")).to_contain_text("episodes admitted in the range")
    figure.get_by_text("Data table").click()
    table = figure.locator("table")
    expect(table).to_be_visible()
    header = [c.strip() for c in table.locator("thead th").all_inner_texts()]
    assert header[:2] == ["First level", "Episodes"]
    rows = [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    assert rows, "the demo's 18 months give the filtered retention table rows"
    assert {row[0] for row in rows} <= {"PHP", "IOP", "OP"}
    assert violations(page) == []
    shot = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    shot.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot / "outcomes.png"), full_page=False)

    with page.expect_download() as download_info:
        figure.get_by_role("link", name="Download the table (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "outcomes-retention.csv"
    downloaded = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert downloaded[0] == header

    # The CSV is the masked copy: it equals the print view's table cell for cell.
    page.goto(page.url.replace("/outcomes?", "/outcomes/print?"))
    printed = page.locator("#figure-retention table")
    printed_rows = [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in printed.locator("tbody tr").all()
    ]
    assert downloaded[1:] == printed_rows
    expect(page.get_by_text("Counts under 11 are shown as")).to_be_visible()
    context.close()
