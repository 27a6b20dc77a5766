"""Each demo role signs in, lands on its home page, passes the accessibility check, signs out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func, select

from stepdown.kit.db import make_engine
from stepdown.security.models import User, WebSession
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

HOME_HEADINGS = {
    "admin": "Administration",
    "director": "Program overview",
    "clinician": "My caseload",
    "case_manager": "Case management",
    "admissions": "Admissions",
    "utilization_review": "Utilization review",
    "client": "Welcome",
}
# Set STEPDOWN_SCREENSHOTS=dir to keep a screenshot of each role's home page.
SCREENSHOTS = os.environ.get("STEPDOWN_SCREENSHOTS")


@pytest.mark.parametrize("role", sorted(HOME_HEADINGS))
def test_role_signs_in_sees_home_and_signs_out(
    role: str, live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    sign_in = live_server.sign_ins[role]
    # bypass_csp only lets the test inject axe-core; the app still sends its CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/")
    assert violations(page) == []
    page.get_by_label("Username").fill(sign_in.username)
    page.get_by_label("Password").fill(sign_in.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_contain_text(HOME_HEADINGS[role])
    expect(page.get_by_text("every person and record here is synthetic")).to_be_visible()
    assert violations(page) == []
    shot = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    shot.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot / f"home-{role}.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Sign in")
    context.close()


def _sessions_of(live_server: LiveServer, username: str) -> int:
    engine = make_engine(live_server.settings.effective_database_url)
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count())
            .select_from(WebSession)
            .join(User, User.id == WebSession.user_id)
            .where(User.username == username)
        )
    engine.dispose()
    return count or 0


def test_wrong_password_shows_the_error_and_no_session(
    live_server: LiveServer, browser: Browser
) -> None:
    # Other browser tests may sign this user in on the same server, so compare counts.
    before = _sessions_of(live_server, "casemanager2")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill("casemanager2")
    page.get_by_label("Password").fill("definitely not it")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    assert not [c for c in context.cookies() if c["name"] == "stepdown_session"]
    assert _sessions_of(live_server, "casemanager2") == before
    context.close()
