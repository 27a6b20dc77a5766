"""Acceptance of issue 13: a real program's first week, from an empty database, in the browser.

`stepdown init` starts the program; the administrator adds its details, a site, a room,
the IOP level's hours, a partner provider and the staff accounts; the director adds the
clinician's schedule profile and the evening groups; admissions records an inquiry and
converts it past a lookalike already on record, admits the client to IOP and assigns the
clinician, who finds them on their home page and gives them a schedule profile; the client
accepts a portal invitation and signs in; the director builds the next week and publishes
it after confirming who changes.
Nothing is written to the database behind the browser's back but the lookalike, and the
queued build is run as the background worker would run it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from stepdown.kit.clock import today
from tests.browser.accessibility import violations
from tests.browser.empty_server import (
    PROGRAM_NAME,
    EmptyServer,
    empty_server,
    insert_lookalike,
    run_queued_builds,
)

pytestmark = pytest.mark.browser

SITE_CODE = "HL1"
SITE_NAME = "Harbor Light Eastside"
CLIENT_FIRST, CLIENT_LAST = "Rosalind", "Quarterman"
CLIENT_BORN = date(1991, 6, 14)
CLIENT_PASSWORD = "tidewater-lantern-morning-42"
# The evening IOP groups: three 3-hour evenings reach IOP's 9 hours a week.
EVENINGS = (("mon", "RP"), ("tue", "CBT"), ("thu", "PROCESS"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyServer]:
    with empty_server(tmp_path_factory.mktemp("first-week")) as running:
        yield running


def new_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    return context, context.new_page()


def sign_in(page: Page, server: EmptyServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")


def form_with(page: Page, button: str) -> Locator:
    """The form a submit button belongs to: the set-up page holds several forms whose
    fields share names, so each is filled inside its own form."""
    return page.locator("form", has=page.get_by_role("button", name=button, exact=True))


def create_account(page: Page, server: EmptyServer, username: str, name: str, role: str) -> str:
    """The administrator makes a staff account; the password shown once on the page."""
    page.goto(f"{server.url}/users/new")
    assert violations(page) == []
    page.get_by_label("Username").fill(username)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Home site").select_option(label=f"{SITE_CODE} {SITE_NAME}")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("h1")).to_have_text(f"Account {username} created.")
    password = page.locator("code.password-once").inner_text().strip()
    assert len(password) >= 12
    return password


def administrator_sets_up(page: Page, server: EmptyServer) -> dict[str, str]:
    """Program details, the site, a room, the level catalog, a partner provider, the
    accounts."""
    sign_in(page, server, server.admin_username, server.admin_password)
    page.goto(f"{server.url}/setup")
    expect(page.locator("h1")).to_have_text("Set-up")
    expect(page.locator("#step-sites")).to_contain_text("To do")
    assert violations(page) == []

    page.get_by_role("link", name="Program details").click()
    page.get_by_label("Phone").fill("555-0100")
    page.get_by_label("Address").fill("12 Wharf Street, Portland ME 04101")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Program details saved.")).to_be_visible()

    page.locator("#step-sites").get_by_role("link", name="Sites").click()
    expect(page.get_by_text("No sites yet.")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Code").fill(SITE_CODE)
    page.get_by_label("Name", exact=True).fill(SITE_NAME)
    page.get_by_label("Phone").fill("555-0101")
    page.get_by_label("Address").fill("40 Fore Street, Portland ME 04101")
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_role("link", name=SITE_CODE)).to_be_visible()

    site = f"{SITE_CODE} {SITE_NAME}"
    page.goto(f"{server.url}/programs")
    add_room = form_with(page, "Add room")
    add_room.locator("select[name=site]").select_option(label=site)
    add_room.locator("input[name=code]").fill("R1")
    add_room.locator("input[name=name]").fill("Group room")
    add_room.locator("input[name=capacity]").fill("12")
    add_room.get_by_role("button", name="Add room").click()
    expect(page.get_by_role("link", name="R1 Group room")).to_be_visible()

    # The catalog came with the program: the administrator sets the IOP weekly hours.
    page.goto(f"{server.url}/levels")
    page.get_by_role("link", name="Edit IOP").click()
    page.get_by_label("Weekly hours, maximum").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row", name=re.compile(r"Intensive outpatient"))).to_contain_text(
        "9.0–12.0"
    )

    # The partner that takes detox referrals.
    page.goto(f"{server.url}/levels")
    expect(
        page.get_by_role("cell", name=re.compile(r"Intensive outpatient \(IOP\)"))
    ).to_be_visible()
    add_partner = form_with(page, "Add partner")
    add_partner.get_by_label("Name", exact=True).fill("Bayside Withdrawal Management")
    add_partner.locator("select[name=level]").select_option("DETOX")
    add_partner.get_by_role("button", name="Add partner").click()
    expect(page.get_by_role("cell", name="Bayside Withdrawal Management")).to_be_visible()

    passwords = {
        "director": create_account(page, server, "dana.director", "Dana Whitcomb", "director"),
        "clinician": create_account(page, server, "cal.clinician", "Cal Okafor", "clinician"),
        "admissions": create_account(page, server, "ada.admissions", "Ada Ferris", "admissions"),
    }
    page.goto(f"{server.url}/users")
    for name in ("Dana Whitcomb", "Cal Okafor", "Ada Ferris"):
        expect(page.get_by_role("cell", name=name)).to_be_visible()
    page.goto(f"{server.url}/setup")
    expect(page.locator("#step-accounts")).to_contain_text("Done")
    expect(page.locator("#step-profiles")).to_contain_text("No profile yet: Cal Okafor")
    return passwords


def director_sets_up_the_week(page: Page, server: EmptyServer, password: str) -> None:
    """The clinician's profile, a time block, the groups."""
    sign_in(page, server, "dana.director", password)
    site = f"{SITE_CODE} {SITE_NAME}"

    page.goto(f"{server.url}/programs")
    page.get_by_role("link", name="Cal Okafor").click()
    expect(page.locator("h1")).to_have_text("Staff profile: Cal Okafor")
    assert violations(page) == []
    page.get_by_label("Site whose groups they lead").select_option(label=site)
    for topic in ("Relapse prevention", "Cognitive behavioral therapy", "Process group"):
        page.get_by_label(topic).check()
    page.get_by_label(re.compile("Weekly availability")).fill(
        "\n".join(f"{day} 12:00-21:30" for day in ("mon", "tue", "wed", "thu", "fri"))
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Staff profile saved.")).to_be_visible()

    add_block = form_with(page, "Add time block")
    add_block.locator("select[name=site]").select_option(label=site)
    add_block.locator("select[name=kind]").select_option("iop_evening")
    add_block.locator("input[name=name]").fill("IOP evening")
    add_block.locator("select[name=day]").select_option("mon")
    add_block.locator("input[name=start]").fill("18:00")
    add_block.locator("input[name=end]").fill("21:00")
    add_block.get_by_label("IOP").check()
    add_block.get_by_role("button", name="Add time block").click()
    expect(page.get_by_role("link", name="IOP evening")).to_be_visible()

    for day, topic in EVENINGS:
        add_group = form_with(page, "Add session")
        add_group.locator("select[name=site]").select_option(label=site)
        add_group.locator("select[name=day]").select_option(day)
        add_group.locator("input[name=start]").fill("18:00")
        add_group.locator("input[name=end]").fill("21:00")
        add_group.locator("select[name=topic]").select_option(topic)
        add_group.locator("select[name=audience]").select_option("adult")
        add_group.locator("input[name=min_size]").fill("1")
        add_group.locator("input[name=max_size]").fill("10")
        add_group.get_by_label("IOP").check()
        add_group.get_by_role("button", name="Add session").click()
        expect(page.locator("#sessions + p + table")).to_contain_text(f"{day} 18:00–21:00")

    page.goto(f"{server.url}/setup")
    expect(page.get_by_text("Every step is done")).to_be_visible()


def admissions_converts_and_admits(page: Page, server: EmptyServer, password: str) -> str:
    """The inquiry, its conversion past the lookalike, the admission, the care team and the
    invitation link; the link."""
    sign_in(page, server, "ada.admissions", password)
    page.goto(f"{server.url}/inquiries/new")
    page.get_by_label("How the inquiry came in").select_option("phone")
    page.get_by_label("First name").fill(CLIENT_FIRST)
    page.get_by_label("Last name").fill(CLIENT_LAST)
    page.get_by_label("Date of birth").fill(CLIENT_BORN.isoformat())
    page.get_by_label("Phone").fill("555-0142")
    page.get_by_label("Agreed to be contacted").check()
    page.get_by_label("Site", exact=True).select_option(label=SITE_NAME)
    page.get_by_role("button", name="Record inquiry").click()
    expect(page.locator("h1")).to_have_text(f"Inquiry: {CLIENT_FIRST} {CLIENT_LAST}")
    page.get_by_label("Move to").select_option("contacted")
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".lead")).to_contain_text("Contacted")

    page.get_by_role("button", name="Admit: convert to client").click()
    duplicates = page.locator("#likely-duplicates")
    expect(duplicates).to_contain_text("This may be someone already on record")
    expect(duplicates).to_contain_text("C-000001")
    expect(duplicates).to_contain_text("Rosalyn Quartermain")
    assert violations(page) == []
    duplicates.get_by_role("button", name="Someone else: admit as a new client").click()
    expect(page).to_have_url(re.compile(r"/clients/[0-9a-f-]{36}"))
    expect(page.locator("h1")).to_have_text(f"{CLIENT_FIRST} {CLIENT_LAST}")
    expect(page.locator(".chart-head")).to_contain_text("C-000002")
    expect(page.locator(".chart-head")).to_contain_text("primary clinician: none assigned")
    chart = page.url.split("?")[0]

    page.get_by_role("link", name="Care timeline").click()
    page.get_by_label("Level of care").select_option("IOP")
    page.get_by_label("Track").select_option("evening")
    page.get_by_label("Effective date").fill(today().isoformat())
    page.get_by_label("Reason").fill("Daily use; works days; stable housing; ASAM 2.1.")
    page.get_by_role("button", name="Admit").click()
    expect(page.locator("h2").first).to_have_text("Now: Intensive outpatient (IOP), evening track")

    page.goto(chart)
    care_team = page.locator("#care-team")
    care_team.get_by_label("Primary clinician").select_option(label="Cal Okafor")
    care_team.get_by_role("button", name="Save care team").click()
    expect(page.locator(".chart-head")).to_contain_text("primary clinician: Cal Okafor")

    page.get_by_role("button", name="Make an invitation link").click()
    expect(page.locator("h1")).to_have_text(f"Portal invitation for {CLIENT_FIRST} {CLIENT_LAST}")
    link = page.locator("code.password-once").inner_text().strip()
    assert link.startswith(f"{server.url}/invitation/")
    assert violations(page) == []
    return link


def clinician_finds_the_client(page: Page, server: EmptyServer, password: str) -> None:
    """Their home page lists the new client; they set the client's schedule profile."""
    sign_in(page, server, "cal.clinician", password)
    expect(page.locator("h1")).to_have_text("My caseload")
    mine = page.get_by_role("table", name=re.compile("Your clients"))
    expect(mine).to_contain_text("C-000002")
    mine.get_by_role("link", name=f"{CLIENT_FIRST} {CLIENT_LAST}").click()
    expect(page.locator("h1")).to_have_text(f"{CLIENT_FIRST} {CLIENT_LAST}")
    page.get_by_role("navigation", name="Chart sections").get_by_role(
        "link", name="Schedule"
    ).click()
    page.get_by_role("link", name="Schedule profile").click()
    expect(page.locator("h1")).to_contain_text(f"Schedule profile: {CLIENT_FIRST} {CLIENT_LAST}")
    expect(page.get_by_label("Primary therapist")).to_have_value(re.compile("[0-9a-f-]{36}"))
    page.get_by_label("Individual sessions a week").fill("1")
    page.get_by_label(re.compile("Weekly availability")).fill(
        "\n".join(f"{day} 17:00-21:30" for day in ("mon", "tue", "wed", "thu", "fri"))
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Schedule profile saved.")).to_be_visible()


def client_accepts_the_invitation(page: Page, server: EmptyServer, link: str) -> None:
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Make your account")
    assert violations(page) == []
    page.get_by_label("Username").fill("rosalind.q")
    page.get_by_label("Password (at least 12 characters)").fill(CLIENT_PASSWORD)
    page.get_by_label("The same password again").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_text("Your account rosalind.q is ready: sign in.")).to_be_visible()
    sign_in(page, server, "rosalind.q", CLIENT_PASSWORD)
    expect(page.locator("h1")).to_have_text(f"Welcome, {CLIENT_FIRST}")


def director_builds_and_publishes(page: Page, server: EmptyServer) -> date:
    week = today() - timedelta(days=today().weekday()) + timedelta(weeks=1)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    page.get_by_label("Week of").fill(week.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Nothing is published for this week yet.")).to_be_visible()
    page.get_by_label(re.compile("Seconds the optimizer may use")).fill("3")
    page.get_by_role("button", name="Build week").click()
    expect(page).to_have_url(re.compile(r"/schedule/builds/[0-9a-f-]{36}$"), timeout=30_000)
    assert run_queued_builds(server) == 1
    expect(page.get_by_role("status").first).to_contain_text(
        "compliant. Review it below", timeout=30_000
    )
    expect(page.locator("h1")).to_contain_text(f"Build for the week of {week}")
    expect(page.get_by_role("heading", name=f"Site {SITE_CODE}")).to_be_visible()

    page.get_by_role("button", name="Publish this week").click()
    expect(page.locator("h1")).to_have_text(f"Publish the week of {week:%A %-d %B %Y}?")
    clients = page.get_by_role("table", name=re.compile("Clients whose week moves"))
    expect(clients).to_contain_text(f"{CLIENT_FIRST} {CLIENT_LAST}")
    staff = page.get_by_role("table", name=re.compile("Staff whose week moves"))
    expect(staff).to_contain_text("Cal Okafor")
    assert violations(page) == []
    page.get_by_role("button", name="Publish and tell them").click()
    expect(page.get_by_text("Published the week of")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Published")
    return week


def test_a_new_program_runs_its_first_week(server: EmptyServer, browser: Browser) -> None:
    assert f"Program '{PROGRAM_NAME}' created" in server.init_output
    context, page = new_page(browser)
    passwords = administrator_sets_up(page, server)
    context.close()

    director, director_page = new_page(browser)  # they come back to build the week
    director_sets_up_the_week(director_page, server, passwords["director"])

    lookalike = insert_lookalike(
        server,
        site_code=SITE_CODE,
        first_name="Rosalyn",
        last_name="Quartermain",
        date_of_birth=CLIENT_BORN,
        phone="555-0199",
    )
    assert lookalike == "C-000001"

    context, page = new_page(browser)
    link = admissions_converts_and_admits(page, server, passwords["admissions"])
    context.close()

    context, page = new_page(browser)
    clinician_finds_the_client(page, server, passwords["clinician"])
    context.close()

    phone, client_page = new_page(browser)  # the client's own phone: signed out, no cookies
    client_accepts_the_invitation(client_page, server, link)

    week = director_builds_and_publishes(director_page, server)
    director.close()

    # The client is told their week changed and finds the evening groups on it.
    client_page.goto(f"{server.url}/portal")
    notices = client_page.locator("#schedule-notices")
    expect(notices).to_be_visible()
    notices.get_by_role("link", name=f"See the week of {week:%B %-d}").click()
    expect(client_page.locator("main")).to_contain_text("Relapse prevention")
    expect(client_page.locator("main")).to_contain_text("Process group")
    phone.close()
