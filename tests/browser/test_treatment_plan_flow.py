"""Done-when for treatment plans, in Chromium on the demo program: the first clinician sees
overdue reviews on their home page and records one; writes a plan for a client who has none,
signs it and records the client's in-person signature; notes a status change; the portal
client signs their waiting plan. Every step is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.demo.seed import demo_password
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker
from stepdown.security.models import User
from stepdown.treatment_plans.models import TreatmentPlan
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
CLINICIAN = "clinician"


def _sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(
        demo_password(live_server.settings.effective_secret_key, username)
    )
    page.get_by_role("button", name="Sign in").click()


def _client_without_plan(live_server: LiveServer) -> str:
    engine = make_engine(live_server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        record = session.scalars(
            select(Client.record_number)
            .join(User, User.id == Client.primary_clinician_id)
            .join(Episode, Episode.client_id == Client.id)
            .where(
                User.username == CLINICIAN,
                Episode.status != EpisodeStatus.DISCHARGED,
                Client.id.not_in(select(TreatmentPlan.client_id)),
            )
            .order_by(Client.record_number)
        ).first()
    engine.dispose()
    assert record is not None, "the demo leaves some of the clinician's clients without a plan"
    return record


def test_plans_in_the_demo_program(live_server: LiveServer, browser: Browser) -> None:
    record = _client_without_plan(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server, CLINICIAN)
    overdue = page.locator("section", has=page.locator("#home-overdue-heading"))
    expect(overdue.locator("h2")).to_have_text("Overdue plan reviews (2)")
    overdue.locator("tbody a").first.click()
    expect(page.locator("h2", has_text="Plan in effect")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Summary").fill("Reviewed with the client; objectives on track.")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_role("status").first).to_contain_text("Review recorded")

    page.goto(f"{live_server.url}/clients?q={record}")
    page.locator("table a").first.click()
    chart = page.url.split("?")[0]
    page.goto(f"{chart}?tab=plan")
    page.get_by_role("button", name="Start a draft plan").click()
    expect(page.get_by_role("status").first).to_have_text("Draft plan version 1 started.")
    page.get_by_label("New problem").fill("Cannabis use disorder (synthetic)")
    page.get_by_role("button", name="Add problem").click()
    page.get_by_label("New goal, in the client's words").fill("Finish my course")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_label("New measurable objective").fill("Attend every class for 4 weeks")
    page.get_by_label("Target date").last.fill((today() + timedelta(days=28)).isoformat())
    page.get_by_role("button", name="Add objective").click()
    expect(page.get_by_role("status").first).to_have_text("Objective added.")
    page.get_by_label("How often").last.fill("weekly")
    page.get_by_role("button", name="Add intervention").click()
    expect(page.get_by_role("status").first).to_have_text("Intervention added.")
    assert violations(page) == []
    page.get_by_role("button", name="Sign as clinician").click()
    page.get_by_label("The client read and signed this plan in my presence today.").check()
    page.get_by_role("button", name="Record the client's signature").click()
    expect(page.locator("h2", has_text="Plan in effect: version 1")).to_be_visible()
    page.get_by_label("Note", exact=True).fill("Attended all classes this week.")
    page.get_by_label("Attend every class for 4 weeks").select_option("in_progress")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status").first).to_contain_text("1 status change(s)")
    context.close()

    portal = browser.new_context(viewport={"width": 400, "height": 800}, bypass_csp=True)
    page = portal.new_page()
    _sign_in(page, live_server, "client")
    page.goto(f"{live_server.url}/my-plan")
    expect(page.locator("h2").first).to_contain_text("Waiting for your signature")
    assert violations(page) == []
    page.get_by_role("button", name="I agree with this plan and sign it").click()
    expect(page.get_by_role("status").first).to_contain_text("you signed your treatment plan")
    portal.close()

    engine = make_engine(live_server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        written = set(
            session.scalars(
                select(AuditEntry.entity_type).where(AuditEntry.actor_label == CLINICIAN)
            )
        )
    engine.dispose()
    assert {"treatment_plan", "plan_problem", "plan_objective", "plan_review"} <= written
    assert "plan_progress_note" in written
