"""Part 2 consent end to end in Chromium on the demo program: the portal client signs a
consent to share attendance and drug tests with their probation officer; their clinician
prints the accountability summary for the officer (the notice and the consent's scope
attached, the disclosure recorded); the client revokes; the next print for the officer is
refused; the client's accounting still lists the first disclosure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from stepdown.clients.models import Client
from stepdown.consents.demo import OFFICER
from stepdown.disclosures.notice import current
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
RECORD = "DEMO-0001"  # the demo's portal client; "clinician" is their primary clinician
# The officer as the directory shows them: name and organization.
AS_LISTED = f"{OFFICER} (County Adult Probation (demo))"


def _sign_in(page: Page, server: LiveServer, role: str) -> str:
    credentials = server.sign_ins[role]
    page.goto(f"{server.url}/sign-in")
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")
    return credentials.password


def _client_id(server: LiveServer) -> str:
    engine = make_engine(server.settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        found = session.scalar(select(Client.id).where(Client.record_number == RECORD))
    engine.dispose()
    assert found is not None
    return str(found)


def test_a_consent_to_the_probation_officer_from_signature_to_revocation(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    client_id = _client_id(live_server)
    portal = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    person = portal.new_page()
    password = _sign_in(person, live_server, "client")

    # The client signs the consent in the portal.
    person.goto(f"{base}/portal/consents/new")
    person.get_by_label(OFFICER).check()
    person.get_by_label("Attendance, schedule and level of care").check()
    person.get_by_label("Drug test results").check()
    person.get_by_label("So my probation or parole officer, or the court").check()
    person.get_by_label("Until").fill((today() + timedelta(days=180)).isoformat())
    person.get_by_label("Type your full name to sign").fill("Signed in the portal")
    person.get_by_label("Your password").fill(password)
    assert violations(person) == []
    person.get_by_role("button", name="Sign consent").click()
    person.wait_for_url("**/portal/consents*")
    signed = person.get_by_role("article", name=AS_LISTED)
    expect(signed).to_contain_text("In effect")
    expect(signed).to_contain_text("Drug test results")

    # The clinician prints the summary for the officer: only what the consent covers, with
    # the notice and the consent's scope, recorded as a disclosure.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    staff = staff_context.new_page()
    _sign_in(staff, live_server, "clinician")
    staff.goto(f"{base}/clients/{client_id}/accountability")
    expect(staff.locator(".printable-internal")).to_contain_text("not for release")
    staff.get_by_label("For", exact=True).select_option(
        label=f"{AS_LISTED}: court, probation or parole supervision"
    )
    staff.get_by_role("button", name="Show").click()
    expect(staff.get_by_role("heading", name=f"Released to {AS_LISTED}")).to_be_visible()
    expect(staff.locator(".part2-notice")).to_have_text(current().text)
    expect(staff.locator(".release")).to_contain_text("Disclosed under the written consent of")
    expect(staff.get_by_role("heading", name="Attendance", exact=True)).to_be_visible()
    expect(staff.get_by_role("heading", name="Drug tests and results", exact=True)).to_be_visible()
    expect(staff.get_by_role("heading", name="Daily check-ins", exact=True)).to_have_count(0)
    expect(staff.get_by_role("heading", name="Points for the review")).to_have_count(0)
    released_url = staff.url
    staff.goto(f"{base}/clients/{client_id}/disclosures")
    expect(staff.locator("tbody tr").filter(has_text=OFFICER)).to_have_count(1)

    # The client revokes it.
    person.goto(f"{base}/portal/consents")
    mine = person.get_by_role("article", name=AS_LISTED)
    mine.get_by_text("Take back (revoke) this consent").click()
    mine.get_by_label("Type your password to revoke").fill(password)
    mine.get_by_role("button", name="Revoke").click()
    expect(person.get_by_role("article", name=AS_LISTED)).to_contain_text("Not in effect")

    # The next print for the officer is refused, and nothing more is recorded.
    response = staff.goto(released_url)
    assert response is not None
    assert response.status == 403
    expect(staff.get_by_role("heading", name="Not disclosed")).to_be_visible()
    expect(staff.get_by_role("alert")).to_contain_text("was revoked on")
    staff.goto(f"{base}/clients/{client_id}/disclosures")
    expect(staff.locator("tbody tr").filter(has_text=OFFICER)).to_have_count(1)

    # The client's accounting lists the first disclosure.
    person.goto(f"{base}/portal/disclosures")
    rows = person.locator("tbody tr").filter(has_text=OFFICER)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Accountability summary")
    assert violations(person) == []
    staff_context.close()
    portal.close()


def test_the_demo_guardian_sees_their_childs_week(
    live_server: LiveServer, browser: Browser
) -> None:
    """The demo's adolescent signed a family release with their parent, whose own portal
    account shows the week the release covers, and nothing of the chart."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server, "guardian")
    expect(page.get_by_role("heading", name="My family member", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Coming up", exact=False)).to_be_visible()
    expect(page.get_by_text("Not shared")).to_have_count(0)
    assert violations(page) == []
    assert page.goto(f"{live_server.url}/clients").status == 403  # type: ignore[union-attr]
    context.close()
