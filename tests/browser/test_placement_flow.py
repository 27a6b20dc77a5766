"""Done-when for placement: a clinician administers a PHQ-9, writes a multidimensional
assessment for a demo client, reads the recommendation and its reasons, signs, places the
client, and sees the level on the care timeline; every step lands in the audit trail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.demo.seed import demo_password
from stepdown.kit.db import make_engine, make_sessionmaker
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

# DEMO-0008 was discharged (completed) in the demo histories; clinician2 is their clinician.
RECORD, CLINICIAN = "DEMO-0008", "clinician2"
RATINGS = {"d1": 1, "d2": 0, "d3": 2, "d4": 1, "d5": 2, "d6": 1}
PHQ9 = [2, 2, 2, 1, 1, 1, 1, 1, 0]  # total 11, moderate


def test_clinician_assesses_and_places_a_demo_client(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(CLINICIAN)
    page.get_by_label("Password").fill(
        demo_password(live_server.settings.effective_secret_key, CLINICIAN)
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("My caseload")

    page.goto(f"{base}/clients?q={RECORD}")
    page.locator("table a").first.click()
    chart_url = page.url.split("?")[0]

    page.goto(f"{chart_url}?tab=assessments")
    page.locator("summary", has_text="Administer PHQ-9").click()
    for item, value in enumerate(PHQ9, start=1):
        page.locator(f"#phq9-item_{item}-{value}").check()
    page.get_by_role("button", name="Record PHQ-9").click()
    expect(page.get_by_role("status")).to_contain_text("11")

    page.goto(f"{chart_url}?tab=placement")
    page.get_by_role("link", name="Start a new assessment").click()
    for dimension, rating in RATINGS.items():
        page.locator(f'input[name="{dimension}_rating"][value="{rating}"]').check()
    page.get_by_label("Notes and evidence for dimension 3").fill("Moderate depression (PHQ-9 11).")
    page.get_by_label("Can attend daytime sessions").uncheck()
    page.get_by_role("button", name="Save draft").click()
    recommendation = page.locator("section.recommendation")
    expect(recommendation.locator("h2")).to_have_text(
        "Recommended: Intensive outpatient (IOP), evening track"
    )
    expect(recommendation.locator("ol.reasons li").first).to_be_visible()
    assert recommendation.locator("ol.reasons li").count() >= 2
    assert violations(page) == []

    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("status")).to_have_text("Assessment signed; it is now read-only.")
    page.get_by_role("button", name="Place", exact=True).click()
    expect(page.locator("h2", has_text="Now:").first).to_have_text(
        "Now: Intensive outpatient (IOP), evening track"
    )
    expect(page.locator("svg.timeline").first).to_be_visible()
    context.close()

    engine = make_engine(live_server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        client = session.scalars(select(Client).where(Client.record_number == RECORD)).one()
        kinds = set(
            session.scalars(
                select(AuditEntry.entity_type).where(
                    AuditEntry.client_id == client.id, AuditEntry.actor_label == CLINICIAN
                )
            )
        )
    engine.dispose()
    assert {
        "instrument_response",
        "dimensional_assessment",
        "placement_decision",
        "episode",
    } <= kinds
