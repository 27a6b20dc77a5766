"""Billing in Chromium on the demo program: the billing clerk opens the week before the
demo's billed week, computes its charges (held lines say why), releases the ready lines,
exports the 837 files and downloads one, posts the payer's 835 for it, and finds its
denial on the worklist next to the demo's own, and the denied amount in the balances."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.billing.demo import remittance_for
from stepdown.billing.models import Claim, ClaimBatch, ClaimPayment
from stepdown.coverage.models import Payer
from stepdown.kit.db import make_engine, make_sessionmaker, open_session
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
# Set STEPDOWN_SCREENSHOTS=dir to keep the screenshot (docs/screenshots/billing-week.png).
SCREENSHOTS = os.environ.get("STEPDOWN_SCREENSHOTS")


@contextmanager
def _read(live_server: LiveServer) -> Iterator[Session]:
    """A read-only session on the live server's database (it begins DEFERRED on SQLite, so
    the server never waits for it), closed before the browser acts again; nothing is
    committed."""
    engine = make_engine(live_server.settings.effective_database_url)
    session = open_session(make_sessionmaker(engine), read_only=True)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        engine.dispose()


def _billed_week(live_server: LiveServer) -> date:
    with _read(live_server) as session:
        billed = session.scalar(select(func.max(ClaimBatch.week_of)))
    assert billed is not None, "the demo bills its latest documented week"
    return billed


def _open_denials(live_server: LiveServer) -> int:
    with _read(live_server) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(ClaimPayment)
                .where(ClaimPayment.denied.is_(True), ClaimPayment.worked_at.is_(None))
            )
            or 0
        )


def _cells(page: Page, row_selector: str) -> list[list[str]]:
    return [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in page.locator(row_selector).all()
    ]


def test_billing_staff_take_a_week_from_charges_to_a_posted_remittance(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    clerk = live_server.sign_ins["billing"]
    week = _billed_week(live_server) - timedelta(days=7)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(clerk.username)
    page.get_by_label("Password").fill(clerk.password)
    page.get_by_role("button", name="Sign in").click()
    # The billing clerk's home page leads to the charges too.
    expect(page.get_by_role("link", name="Charges this week and last")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    expect(page.locator("h1")).to_contain_text("Charges: week of")

    # The week before the demo's billed week: nothing computed yet.
    page.get_by_label("Week starting (a Monday)").fill(week.isoformat())
    page.get_by_role("button", name="Show").click()
    assert f"week={week.isoformat()}" in page.url
    expect(page.get_by_text("No charges computed for this week yet.")).to_be_visible()
    expect(page.get_by_text("No claim files written for this week.")).to_be_visible()
    page.get_by_role("button", name="Compute charges", exact=True).click()
    expect(page.locator("p.flash")).to_have_text(re.compile(r"^Charges computed: \d+ lines"))
    expect(page.get_by_role("button", name="Compute charges again")).to_be_visible()

    ready_rows = page.locator("table[id^=ready-] tbody tr")
    expect(page.locator("table[id^=ready-] caption").first).to_have_text("Ready to release")
    expect(ready_rows.first).to_be_visible()
    ready = ready_rows.count()
    held = page.locator("table[id^=held-]")
    expect(held.locator("caption").first).to_contain_text("Held:")
    reasons = " ".join(held.locator("ul.reasons li").all_inner_texts())
    assert "no note, no claim" in reasons or "no contract" in reasons, reasons
    assert violations(page) == []
    shot = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    shot.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot / "billing-week.png"), full_page=False)

    # Release every ready line, then write the claim files.
    page.get_by_role("button", name=f"Release all {ready} ready lines").click()
    expect(page.locator("p.flash")).to_have_text(f"Released {ready} lines for claims.")
    expect(ready_rows).to_have_count(0)
    expect(page.locator("table[id^=released-] tbody tr")).to_have_count(ready)
    page.get_by_role("button", name=re.compile(r"^Export claim files")).click()
    flash = page.locator("p.flash")
    expect(flash).to_have_text(re.compile(r"^Exported \d+ claims in \d+ files\."))
    exported = re.match(r"Exported (\d+) claims in (\d+) files\.", flash.inner_text())
    assert exported is not None
    claim_count, file_count = int(exported[1]), int(exported[2])
    assert claim_count >= file_count >= 1
    files = page.locator("#claim-files tbody tr")
    expect(files).to_have_count(file_count)
    expect(page.locator("table[id^=billed-] tbody tr")).to_have_count(ready)

    with _read(live_server) as session:
        batch = session.scalars(
            select(ClaimBatch)
            .where(ClaimBatch.week_of == week)
            .order_by(ClaimBatch.interchange_control.desc())
        ).first()
        assert batch is not None
        denied_claim = session.scalars(
            select(Claim.claim_number)
            .where(Claim.batch_id == batch.id)
            .order_by(Claim.claim_number)
        ).first()
        assert denied_claim is not None
        payer = session.get(Payer, batch.payer_id)
        assert payer is not None
        payer_name = payer.name
        text = remittance_for(session, batch, paid_on=week + timedelta(days=10), deny_first=True)
        filename, content = batch.filename, batch.content
    expect(files.get_by_role("link", name=filename)).to_be_visible()
    with page.expect_download() as download_info:
        files.get_by_role("link", name=filename).click()
    download = download_info.value
    assert download.suggested_filename == filename
    downloaded = Path(download.path()).read_text()
    assert downloaded.startswith("ISA*")
    assert "ST*837*" in downloaded
    assert downloaded == content

    # The payer's 835 for that file: its first claim denied.
    remittance = tmp_path / "remittance.835"
    remittance.write_text(text)
    denials_before = _open_denials(live_server)
    assert denials_before >= 1, "the demo's own remittance left a denial to work"
    page.get_by_role("navigation", name="Billing").get_by_role("link", name="Remittances").click()
    expect(page.locator("h1")).to_have_text("Remittances")
    page.get_by_label("835 file").set_input_files(str(remittance))
    page.get_by_role("button", name="Post remittance").click()
    expect(page).to_have_url(re.compile(r"/billing/denials$"))
    expect(page.locator("h1")).to_have_text("Denials to work")
    expect(page.locator("p.flash")).to_contain_text("1 denied")

    rows = page.locator("#denials tbody tr")
    expect(rows).to_have_count(denials_before + 1)
    new = rows.filter(has=page.locator("code", has_text=re.compile(f"^{denied_claim}$")))
    expect(new).to_have_count(1)
    expect(new).to_contain_text("CO 197")
    expect(new).to_contain_text(payer_name)
    expect(new.locator("td").nth(5)).to_have_text(re.compile(r"\d"))
    assert violations(page) == []

    # The balances count the denial against the file's payer.
    page.get_by_role("navigation", name="Billing").get_by_role("link", name="Balances").click()
    expect(page.locator("h1")).to_have_text("Balances")
    by_payer = page.locator("#by-payer")
    header = [c.strip() for c in by_payer.locator("thead th").all_inner_texts()]
    denied_at = header.index("Denied")
    payer_rows = {row[0]: row for row in _cells(page, "#by-payer tbody tr")}
    assert payer_name in payer_rows, payer_rows
    assert payer_rows[payer_name][denied_at] not in ("$0.00", ""), payer_rows[payer_name]
    context.close()
