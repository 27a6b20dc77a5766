"""Done-when for level-of-care reviews: in the demo program the seeded review proposes
step-downs and a step-up; a clinician opens the queue, accepts a step-down on the client's
Reviews tab, and the client's timeline and schedule needs show the new level, and so does
the client's own portal week."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum.models import LevelOfCare
from stepdown.demo.seed import demo_password
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rules import ProposalKind
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser


def _proposals(server: LiveServer) -> dict[ProposalKind, list[tuple[str, str, str]]]:
    """Waiting proposals in the seeded program: kind -> (record, clinician, target level)."""
    engine = make_engine(server.settings.effective_database_url)
    found: dict[ProposalKind, list[tuple[str, str, str]]] = {}
    with session_scope(make_sessionmaker(engine)) as session:
        rows = session.execute(
            select(Client.record_number, User.username, LevelOfCare.name, LevelReview.kind)
            .join(Client, Client.id == LevelReview.client_id)
            .join(User, User.id == Client.primary_clinician_id)
            .join(LevelOfCare, LevelOfCare.id == LevelReview.target_level_id)
            .where(LevelReview.status == ReviewStatus.PROPOSED)
            .order_by(Client.record_number)
        )
        for record, username, level, kind in rows:
            found.setdefault(kind, []).append((record, username, level))
    engine.dispose()
    return found


def _minimums(server: LiveServer, record: str) -> tuple[float, float]:
    """The weekly minimum hours of the level the client's waiting proposal moves them from,
    and of the one it moves them to."""
    engine = make_engine(server.settings.effective_database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        review = session.scalars(
            select(LevelReview)
            .join(Client, Client.id == LevelReview.client_id)
            .where(Client.record_number == record, LevelReview.status == ReviewStatus.PROPOSED)
        ).one()
        levels = {
            level.id: level.weekly_hours_min
            for level in session.scalars(
                select(LevelOfCare).where(
                    LevelOfCare.id.in_([review.from_level_id, review.target_level_id])
                )
            )
        }
        old, new = levels[review.from_level_id], levels[review.target_level_id]
    engine.dispose()
    assert old is not None
    assert new is not None
    assert old != new, "the step should change the weekly minimum"
    return old, new


def _portal_account(server: LiveServer, record: str) -> tuple[str, str]:
    """Give the client a portal account, as the front desk would; its username and password."""
    username = f"portal-{record.lower()}"
    password = demo_password(server.settings.effective_secret_key, username)
    engine = make_engine(server.settings.effective_database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        person = session.scalars(select(Client).where(Client.record_number == record)).one()
        user = security_service.create_user(
            session,
            actor=SYSTEM,
            username=username,
            display_name=f"{person.display_name} (portal)",
            role=Role.CLIENT,
            password=password,
            site_id=person.site_id,
            is_synthetic=True,
        )
        clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=user.id)
    engine.dispose()
    return username, password


def _at_least(hours: float) -> str:
    return f"at least {hours:g} hour{'' if hours == 1 else 's'} a week"


def test_a_clinician_accepts_a_seeded_step_down(live_server: LiveServer, browser: Browser) -> None:
    base = live_server.url
    proposals = _proposals(live_server)
    assert proposals.get(ProposalKind.STEP_UP), "the demo should propose a step-up"
    record, username, target = proposals[ProposalKind.STEP_DOWN][0]
    old_minimum, new_minimum = _minimums(live_server, record)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(
        demo_password(live_server.settings.effective_secret_key, username)
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#home-level-reviews")).to_contain_text("open the review queue")

    page.get_by_role("link", name="Reviews", exact=True).click()
    expect(page.locator("h1")).to_have_text("Level-of-care review queue")
    row = page.locator("tr", has_text=record)
    expect(row).to_contain_text(f"Step down to {target}")
    assert violations(page) == []
    row.get_by_role("link").click()

    expect(page.locator("#review-proposal")).to_contain_text(f"Step down to {target}")
    expect(page.get_by_text("Rule table version 3")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Note (optional)").fill("Agreed at today's session.")
    page.get_by_role("button", name="Accept: step down").click()
    expect(page.locator(".flash").first).to_contain_text("Accepted: step down to")
    expect(page.locator("#review-proposal")).to_contain_text("Accepted")

    page.get_by_role("link", name="Care timeline").click()
    # By role and name, not position: an alert banner may put another heading first.
    now = page.get_by_role("heading", name=re.compile(f"^Now: {re.escape(target)}"))
    expect(now).to_be_visible()
    step = page.locator("tr", has_text="Level review of")
    expect(step).to_contain_text("step down")
    expect(step).to_contain_text(target)

    # Schedule needs follow the level: next week's hours are held to the new level's minimum.
    page.get_by_role("link", name="Schedule", exact=True).click()
    expect(page.locator(".hours").last).to_contain_text(f"for {target}")
    assert violations(page) == []
    context.close()

    # The client's own week follows: from next week (the step is effective today, and this
    # week is held to the level it started in) the portal names the new level's minimum.
    client_username, client_password = _portal_account(live_server, record)
    mine = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    phone = mine.new_page()
    phone.goto(f"{base}/sign-in")
    phone.get_by_label("Username").fill(client_username)
    phone.get_by_label("Password").fill(client_password)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator("h1")).to_contain_text("Welcome")
    phone.goto(f"{base}/portal/schedule")
    phone.get_by_role("link", name="Next week").click()
    level = phone.locator("#my-level")
    expect(level).to_have_text(f"Your level: {target}, {_at_least(new_minimum)}.")
    expect(phone.locator("main")).not_to_contain_text(_at_least(old_minimum))
    assert violations(phone) == []
    mine.close()
