"""Done-when for attendance: a demo clinician takes a group's attendance on a tablet-sized
screen (All present, then one member late), sees the minutes credited, and the hours board
shows the demo's clients under their minimum."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from stepdown.calendar.models import BookingStatus, SessionOccurrence
from stepdown.kit.db import make_engine
from stepdown.security.models import User
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.browser.test_continuum_flow import sign_in

pytestmark = pytest.mark.browser
TABLET = {"width": 820, "height": 1180}


def program_today(server: LiveServer) -> date:
    """The day the pages open on: the program's wall clock, not UTC's."""
    return datetime.now(ZoneInfo(server.settings.timezone)).date()


def _latest_session(server: LiveServer, username: str) -> SessionOccurrence:
    """The clinician's latest demo group up to today (today's, when they lead one)."""
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        row = connection.execute(
            select(SessionOccurrence)
            .join(User, User.id == SessionOccurrence.leader_id)
            .where(
                User.username == username,
                SessionOccurrence.day <= program_today(server),
                SessionOccurrence.status == BookingStatus.SCHEDULED,
            )
            .order_by(SessionOccurrence.day.desc(), SessionOccurrence.start.desc())
            .limit(1)
        ).first()
    engine.dispose()
    assert row is not None, "the demo calendar gives the demo clinician groups to lead"
    return SessionOccurrence(**row._mapping)


def test_clinician_takes_attendance_on_a_tablet(live_server: LiveServer, browser: Browser) -> None:
    occurrence = _latest_session(live_server, live_server.sign_ins["clinician"].username)
    context = browser.new_context(viewport=TABLET, bypass_csp=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "clinician")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Attendance").click()
    today = program_today(live_server)
    expect(page.locator("h1")).to_have_text(f"Sessions on {today.isoformat()}")
    if occurrence.day != today:
        page.get_by_label("Day").fill(occurrence.day.isoformat())
        page.get_by_role("button", name="Show").click()
        expect(page.locator("h1")).to_have_text(f"Sessions on {occurrence.day.isoformat()}")
    assert violations(page) == []
    page.locator(f'a[href="/attendance/occurrences/{occurrence.id}"]').tap()
    expect(page.locator("h1")).to_contain_text(f"{occurrence.day} {occurrence.start}")
    assert violations(page) == []

    page.get_by_role("button", name="All present").tap()
    expect(page.get_by_role("status").first).to_contain_text("marked present")
    rows = page.locator("li.roster-row")
    expect(rows.first.locator(".credited")).to_be_visible()
    count = rows.count()
    assert count >= 2
    expect(page.locator("li.roster-row .credited")).to_have_count(count)

    member = rows.first
    late = member.get_by_text("Late", exact=True)
    box = late.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 44
    minutes = member.get_by_label("Minutes late")
    expect(minutes).to_be_hidden()
    late.tap()
    expect(minutes).to_be_visible()
    minutes.fill("15")
    assert violations(page) == []
    page.get_by_role("button", name="Save attendance").tap()

    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(rf"Attendance saved for {count}: [0-9.]+ h credited")
    )
    scheduled = _minutes(occurrence.start, occurrence.end)
    expect(page.locator("li.roster-row").first.locator(".credited")).to_have_text(
        f"{scheduled - 15} min credited"
    )
    expect(page.locator("li.roster-row").first.get_by_label("Minutes late")).to_have_value("15")
    context.close()


def test_director_sees_who_is_under(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport=TABLET, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "director")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Hours board").click()
    expect(page.locator("h1")).to_contain_text("Hours board · week of")
    page.get_by_role("link", name="← Previous week").click()
    expect(page.locator("table.board tbody tr").first).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"short with no sessions left this week")).first
    ).to_be_visible()
    assert violations(page) == []
    page.locator("table.board tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Treatment hours by week")).to_be_visible()
    assert violations(page) == []
    context.close()


def _minutes(start: str, end: str) -> int:
    (sh, sm), (eh, em) = (map(int, t.split(":")) for t in (start, end))
    return (eh * 60 + em) - (sh * 60 + sm)
