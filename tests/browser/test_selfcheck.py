"""Done-when for the self-check: a visitor who is not signed in answers with a danger sign,
sees the emergency guidance first, asks for a consultation, and admissions finds the
request on their board."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from stepdown.selfcheck import rules
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.selfcheck import IOP_WORKING

pytestmark = pytest.mark.browser

VISITOR = "Wrenfield"


def answer(page: Page, answers: dict[str, str]) -> None:
    """Tick each answer by its visible label inside its question's group, as a person would."""
    for question in rules.QUESTIONS:
        option = question.option(answers[question.key])
        assert option is not None
        group = page.get_by_role("group", name=question.prompt)
        group.get_by_label(option.label, exact=True).check()


def test_danger_answer_to_consultation_to_admissions_board(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_role("link", name="Not sure which program fits? Take the self-check").click()
    expect(page.locator("h1")).to_have_text("Which program might fit you?")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert violations(page) == []

    answer(page, {**IOP_WORKING, "self_harm": "yes"})
    page.get_by_role("button", name="See my result").click()
    expect(page.locator("h1")).to_have_text("Your self-check result")
    first_heading = page.locator("main h2").first
    expect(first_heading).to_have_text("Your safety comes first")
    safety = page.locator("section.emergency")
    expect(safety).to_contain_text("call 911")
    expect(safety).to_contain_text("call or text 988")
    expect(page.locator("main h2").nth(1)).to_have_text("Our suggestion: talk to us first")
    expect(page.locator(".notice")).to_contain_text("This is not a diagnosis.")
    assert violations(page) == []

    page.get_by_label("Your first name, or a name we can ask for").fill(VISITOR)
    page.get_by_label("Phone", exact=True).fill("617-555-0177")
    page.get_by_label("Best time to call (for example, weekdays after 5 pm)").fill("Mornings")
    page.get_by_label("Alcohol").check()
    page.get_by_label("I agree that the admissions team may contact me").check()
    page.get_by_role("button", name="Ask for a call back").click()
    expect(page.locator("h1")).to_have_text("Thank you. We will be in touch")
    expect(page.locator("main")).to_contain_text("If you are in danger now, call 911")
    assert violations(page) == []

    credentials = live_server.sign_ins["admissions"]
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(credentials.username)
    page.get_by_label("Password").fill(credentials.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")
    page.goto(f"{base}/inquiries")
    row = page.locator("tr", has=page.get_by_role("link", name=VISITOR, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Web form")
    expect(row).to_contain_text("Urgent")
    row.get_by_role("link", name=VISITOR, exact=True).click()
    expect(page.locator("main")).to_contain_text("Web self-check suggested asking about")
    context.close()
