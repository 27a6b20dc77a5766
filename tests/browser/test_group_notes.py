"""Done-when for group notes: the demo clinician writes and signs the note of a group they
led (after attendance) with their password, the director reads one attendee's chart and
finds that member's own line and nobody else's, and the demo client opens their own group
notes. A supervised clinician's note waits for the supervisor, who co-signs it."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.calendar.models import BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients.models import Client
from stepdown.group_notes.models import GroupNote, GroupNoteMember, NoteStatus
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine
from stepdown.security.models import User
from tests.browser.accessibility import violations
from tests.browser.conftest import LiveServer
from tests.browser.test_continuum_flow import sign_in

pytestmark = pytest.mark.browser


def _unwritten_session(server: LiveServer, username: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """The demo clinician's latest past group with attendance and no note, and who attended."""
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        occurrences = connection.execute(
            select(SessionOccurrence.id)
            .join(User, User.id == SessionOccurrence.leader_id)
            .where(
                User.username == username,
                SessionOccurrence.day < today(),
                SessionOccurrence.status == BookingStatus.SCHEDULED,
                SessionOccurrence.id.not_in(select(GroupNote.occurrence_id)),
            )
            .order_by(SessionOccurrence.day.desc(), SessionOccurrence.start.desc())
        ).scalars()
        for occurrence_id in occurrences:
            attended = list(
                connection.execute(
                    select(SessionSeat.client_id)
                    .join(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
                    .where(
                        SessionSeat.occurrence_id == occurrence_id,
                        AttendanceRecord.status.in_(ATTENDED),
                    )
                ).scalars()
            )
            if len(attended) >= 2:
                break
    engine.dispose()
    assert len(attended) >= 2, "the demo gives the demo clinician past groups to document"
    return occurrence_id, attended


def test_leader_signs_a_group_note_and_each_chart_shows_its_own_line(
    live_server: LiveServer, browser: Browser
) -> None:
    occurrence_id, attended = _unwritten_session(live_server, "clinician")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "clinician")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Group notes").click()
    expect(page.locator("h1")).to_have_text("Group notes")
    assert violations(page) == []
    page.locator(f'a[href="/group-notes/occurrences/{occurrence_id}"]').click()
    expect(page.locator("h1")).to_contain_text("Group note ·")
    assert violations(page) == []

    page.get_by_label("What the group covered").fill("Coping with cravings: urge surfing.")
    page.get_by_label("Group dynamics").fill("Engaged; members gave each other feedback.")
    lines = {
        cid: f"Practised urge surfing; line {n} for this member only."
        for n, cid in enumerate(attended)
    }
    for cid, line in lines.items():
        page.locator(f'select[name="participation-{cid}"]').select_option("active")
        page.locator(f'input[name="progress-{cid}"]').fill(line)
    # A wrong password signs nothing and keeps what was written.
    page.get_by_label("Your password or signing PIN").fill("not the password")
    page.get_by_role("button", name="Sign and file in charts").click()
    expect(page.get_by_role("alert").filter(has_text="nothing was signed")).to_be_visible()
    expect(page.get_by_label("What the group covered")).to_have_value(
        "Coping with cravings: urge surfing."
    )
    expect(page.get_by_label("Your password or signing PIN")).to_have_value("")
    assert violations(page) == []
    page.get_by_label("Your password or signing PIN").fill(
        live_server.sign_ins["clinician"].password
    )
    page.get_by_role("button", name="Sign and file in charts").click()
    expect(page.get_by_role("status").first).to_contain_text(f"filed in {len(attended)} chart(s)")
    expect(page.get_by_text("can no longer be changed")).to_be_visible()
    expect(page.locator("ul.signatures li")).to_contain_text("signed as author")
    assert violations(page) == []
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "director")
    first, *others = attended
    page.goto(f"{live_server.url}/clients/{first}?tab=group_notes")
    expect(page.get_by_role("heading", name="Group notes", exact=True)).to_be_visible()
    expect(page.get_by_text(lines[first])).to_be_visible()
    for other in others:
        expect(page.get_by_text(lines[other])).to_have_count(0)
    assert violations(page) == []
    context.close()


def _group_mates(server: LiveServer, record_number: str) -> tuple[int, set[str]]:
    """How many signed notes a client has, and the names of everyone else in those groups."""
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        me = connection.execute(select(Client).where(Client.record_number == record_number)).one()
        notes = list(
            connection.execute(
                select(GroupNoteMember.note_id)
                .join(GroupNote, GroupNote.id == GroupNoteMember.note_id)
                .where(GroupNoteMember.client_id == me.id, GroupNote.status == NoteStatus.SIGNED)
            ).scalars()
        )
        mates = connection.execute(
            select(Client.legal_first_name, Client.legal_last_name, Client.preferred_name)
            .join(GroupNoteMember, GroupNoteMember.client_id == Client.id)
            .where(GroupNoteMember.note_id.in_(notes), Client.id != me.id)
        ).all()
    engine.dispose()
    own = {me.legal_first_name, me.legal_last_name, me.preferred_name}
    return len(notes), {n for row in mates for n in row if n and n not in own}


def test_client_reads_their_own_group_notes(live_server: LiveServer, browser: Browser) -> None:
    count, mates = _group_mates(live_server, "DEMO-0001")  # the demo client's record
    assert count > 0, "the demo seeds signed notes for the demo client's groups"
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "client")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My group notes").click()
    expect(page.locator("h1")).to_have_text("My group notes")
    expect(page.locator("article.group-note")).to_have_count(count)
    text = page.locator("main").inner_text()
    assert not [name for name in mates if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    assert violations(page) == []
    context.close()


def _set_supervision(page: Page, server: LiveServer, username: str, supervisor: str) -> None:
    """As the administrator: the user with id ``supervisor`` supervises ``username`` and
    co-signs their notes (an empty ``supervisor`` removes both)."""
    page.goto(f"{server.url}/users/{username}")
    page.get_by_label("Supervisor", exact=True).select_option(supervisor)
    box = page.get_by_label("Notes need this supervisor's co-signature")
    box.set_checked(bool(supervisor))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Account saved.")


def test_a_supervised_clinicians_note_is_cosigned_by_the_supervisor(
    live_server: LiveServer, browser: Browser
) -> None:
    occurrence_id, attended = _unwritten_session(live_server, "clinician2")
    supervisor_id, supervisor_name = _account(live_server, "clinician")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    admin = context.new_page()
    sign_in(admin, live_server, "admin")
    _set_supervision(admin, live_server, "clinician2", supervisor_id)
    page = admin
    page.goto(f"{live_server.url}/users")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="clinician2", exact=True)
    )
    expect(row).to_contain_text(supervisor_name)
    expect(row).to_contain_text("co-signs notes")
    assert violations(page) == []
    context.close()

    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, "clinician2")
        page.goto(f"{live_server.url}/group-notes/occurrences/{occurrence_id}")
        page.get_by_label("What the group covered").fill("Values and goals: a card sort.")
        for n, cid in enumerate(attended):
            page.locator(f'select[name="participation-{cid}"]').select_option("minimal")
            page.locator(f'input[name="progress-{cid}"]').fill(f"Sorted the cards; line {n}.")
        page.get_by_label("Your password or signing PIN").fill(
            live_server.sign_ins["clinician2"].password
        )
        page.get_by_role("button", name="Sign and file in charts").click()
        expect(page.get_by_role("status").first).to_contain_text("co-signature")
        expect(page.get_by_text("awaiting co-signature")).to_be_visible()
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, "clinician")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Group notes").click()
        page.get_by_role(
            "link", name=re.compile("wait for your co-signature|waits for your")
        ).click()
        expect(page.locator("h1")).to_have_text("Group notes to co-sign")
        assert violations(page) == []
        page.locator(f'a[href="/group-notes/occurrences/{occurrence_id}"]').click()
        expect(page.get_by_text("Values and goals: a card sort.")).to_be_visible()
        page.get_by_label("Your password or signing PIN").fill(
            live_server.sign_ins["clinician"].password
        )
        assert violations(page) == []
        page.get_by_role("button", name="Co-sign").click()
        expect(page.get_by_role("status").first).to_contain_text("Co-signed: the note is final.")
        expect(page.locator(f'a[href="/group-notes/occurrences/{occurrence_id}"]')).to_have_count(0)
        page.goto(f"{live_server.url}/group-notes/occurrences/{occurrence_id}")
        expect(page.locator("ul.signatures li")).to_have_count(2)
        expect(page.locator("ul.signatures li").nth(1)).to_contain_text("co-signed as supervisor")
        context.close()
    finally:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        admin = context.new_page()
        sign_in(admin, live_server, "admin")
        _set_supervision(admin, live_server, "clinician2", "")
        context.close()


def _account(server: LiveServer, username: str) -> tuple[str, str]:
    """A demo account's id (as the form's option value) and display name."""
    engine = make_engine(server.settings.effective_database_url)
    with engine.connect() as connection:
        user_id, name = connection.execute(
            select(User.id, User.display_name).where(User.username == username)
        ).one()
    engine.dispose()
    return str(user_id), str(name)
