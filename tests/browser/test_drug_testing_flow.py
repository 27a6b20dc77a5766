"""Done-when for drug testing: in the demo program, a clinician reads a client's drug tests
(expected and unexpected results, the confirmation order, a refusal), collects the day's
standing test from the site's list, enters results in the grid and sees the unexpected
positive raise a confirmation, adds a medication; every change is in the audit trail and
each page passes the accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.demo.seed import demo_password
from stepdown.drug_testing.models import OrderReason, TestOrder
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.security.models import User
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_clinician_collects_and_results_a_standing_test(
    live_server: LiveServer, browser: Browser
) -> None:
    engine = make_engine(live_server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        order = session.scalars(
            select(TestOrder).where(TestOrder.reason == OrderReason.SCHEDULED)
        ).first()
        assert order is not None, "the demo seeds a standing test for today"
        client = session.get(Client, order.client_id)
        assert client is not None
        assert client.primary_clinician_id is not None
        clinician = session.get(User, client.primary_clinician_id)
        assert clinician is not None
        username, name, client_id = clinician.username, client.display_name, client.id

    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(
        demo_password(live_server.settings.effective_secret_key, username)
    )
    page.get_by_role("button", name="Sign in").click()

    chart = f"{base}/clients/{client_id}"
    page.goto(f"{chart}?tab=drug_tests")
    tests = page.locator("#dt-orders-heading").locator("..")
    expect(tests).to_contain_text("unexpected positive")
    expect(tests).to_contain_text("expected positive")
    expect(tests).to_contain_text("Confirmation (Cocaine, definitive)")
    expect(tests).to_contain_text("Counted as refused, not as a negative")
    assert violations(page) == []

    page.goto(f"{base}/testing")
    expect(page.locator("h1")).to_contain_text("Tests of the day")
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("scheduled")
    assert violations(page) == []
    row.get_by_role("button", name="Collected now").click()
    expect(page.get_by_role("status")).to_contain_text("Collection recorded")
    page.locator("tr", has_text=name).get_by_role("link", name="Enter results").click()

    grid = page.locator("form[action$='/results']").first
    grid.get_by_label("Result for Buprenorphine").select_option("positive")
    grid.get_by_label("Result for Fentanyl").select_option("positive")
    grid.get_by_label("Result for Cocaine").select_option("negative")
    grid.get_by_role("button", name="Save results").click()
    expect(page.get_by_role("status")).to_contain_text("3 result(s) recorded")
    expect(page.get_by_role("status")).to_contain_text("1 unexpected positive")
    expect(page.locator("main")).to_contain_text("Confirmation (Fentanyl, definitive)")

    page.goto(f"{chart}?tab=medications")
    expect(page.locator("main")).to_contain_text("Suboxone")
    page.get_by_label("Medication (as prescribed)").fill("Clonazepam 0.5 mg")
    page.get_by_label("Prescriber").fill("Dr. Browser (synthetic)")
    page.get_by_role("button", name="Add medication").click()
    expect(page.locator("main")).to_contain_text("benzodiazepines")
    assert violations(page) == []

    with make_sessionmaker(engine)() as session:
        written = set(
            session.execute(
                select(AuditEntry.entity_type, AuditEntry.action).where(
                    AuditEntry.actor_label == username, AuditEntry.client_id == client_id
                )
            ).all()
        )
    engine.dispose()
    kinds = {(entity, action.value) for entity, action in written}
    assert {
        ("test_collection", "create"),
        ("test_result", "create"),
        ("test_order", "create"),
        ("medication", "create"),
        ("test_results", "read"),
    } <= kinds
    context.close()
