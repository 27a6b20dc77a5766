"""The client portal: a client sees only their own day, check-ins and week; staff get 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.checkins.models import CheckIn, EntryMode
from stepdown.clients.models import Client
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES, Role
from stepdown.settings import Settings
from stepdown.treatment_plans import service as plans_service
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_aftercare_plan,
    make_appointment,
    make_checkin,
    make_client,
    make_episode,
    make_occurrence,
    make_plan,
    make_site,
    make_user,
    sign_in,
)

PAGES = ("/portal", "/portal/check-in", "/portal/history", "/portal/schedule")


@pytest.fixture
def me(session: Session) -> tuple[Client, User, User]:
    """A client with a portal account, their clinician, and the account."""
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician, preferred_name="Sunny")
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    session.flush()
    return person, clinician, account


def test_signing_in_lands_on_the_portal(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    session.commit()
    sign_in(client, account.username)
    landed = client.get("/")
    assert str(landed.url).endswith("/portal")
    assert "<h1>Welcome, Sunny</h1>" in landed.text
    assert "You have not checked in today" in landed.text
    assert person.record_number in landed.text


def test_check_in_from_the_portal(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    session.commit()
    sign_in(client, account.username)
    form = client.get("/portal/check-in")
    assert form.status_code == 200
    assert "You already checked in today" not in form.text
    token = csrf_from(form.text)

    refused = client.post(
        "/portal/check-in",
        data={"csrf_token": token, "craving": "9", "mood": "11", "used_since_last": "no"},
    )
    assert refused.status_code == 422
    assert "mood must be from 0 to 10, not 11" in refused.text
    assert 'href="#mood"' in refused.text
    assert 'id="craving-9" name="craving" value="9" required checked' in refused.text

    done = client.post(
        "/portal/check-in",
        data={
            "csrf_token": token,
            "craving": "9",
            "mood": "3",
            "used_since_last": "no",
            "self_harm_thoughts": "no",
            "note": "payday tomorrow",
        },
    )
    assert done.status_code == 200
    assert str(done.url).endswith("/portal")
    assert "Your clinician will contact you today" in done.text
    assert "You checked in today" in done.text
    assert 'id="safety-now"' not in done.text  # no crisis box after a "no"
    assert "You already checked in today" in client.get("/portal/check-in").text
    session.expire_all()
    saved = session.scalars(select(CheckIn).where(CheckIn.client_id == person.id)).one()
    assert saved.entry_mode is EntryMode.SELF
    assert saved.entered_by == account.id
    alert = session.scalars(select(Alert).where(Alert.client_id == person.id)).one()
    assert alert.kind is AlertKind.CHECKIN_CRAVING
    assert person.primary_clinician_id == clinician.id

    again = client.post(
        "/portal/check-in",
        data={
            "csrf_token": token,
            "craving": "10",
            "mood": "2",
            "used_since_last": "no",
            "self_harm_thoughts": "no",
        },
    )
    assert "Your clinician will contact you today" in again.text  # the open alert covers it
    session.expire_all()
    assert len(session.scalars(select(Alert).where(Alert.client_id == person.id)).all()) == 1


CRISIS_LINE = (
    "If you are in danger now, call 911. "
    "You can call or text 988 (Suicide &amp; Crisis Lifeline) any time."
)


def _safety_box(page: str) -> str:
    """The crisis box on the portal's first page ("" when there is none)."""
    if 'id="safety-now"' not in page:
        return ""
    return page.split('id="safety-now"', 1)[1].split("</section>", 1)[0]


def test_the_check_in_refuses_to_leave_the_self_harm_question_unanswered(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    session.commit()
    sign_in(client, account.username)
    form = client.get("/portal/check-in")
    assert "have you had thoughts of hurting yourself or of ending your life?" in form.text
    assert 'name="self_harm_thoughts" value="no" required' in form.text
    refused = client.post(
        "/portal/check-in",
        data={
            "csrf_token": csrf_from(form.text),
            "craving": "2",
            "mood": "6",
            "used_since_last": "no",
            "note": "keep me",
        },
    )
    assert refused.status_code == 422
    assert 'href="#self_harm_thoughts"' in refused.text
    assert "answer yes or no: have you had thoughts of hurting yourself" in refused.text
    assert 'id="used-no" name="used_since_last" value="no" required checked' in refused.text
    assert ">keep me</textarea>" in refused.text
    session.expire_all()
    assert session.scalars(select(CheckIn).where(CheckIn.client_id == person.id)).all() == []


def test_yes_to_self_harm_shows_the_crisis_box_and_alerts_the_clinician(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    session.commit()
    sign_in(client, account.username)
    assert _safety_box(client.get("/portal").text) == ""
    token = csrf_from(client.get("/portal/check-in").text)
    done = client.post(
        "/portal/check-in",
        data={
            "csrf_token": token,
            "craving": "1",
            "mood": "2",
            "used_since_last": "no",
            "self_harm_thoughts": "yes",
        },
    )
    assert done.status_code == 200
    assert str(done.url).endswith("/portal")
    box = _safety_box(done.text)
    assert 'role="alert"' in box
    assert "Your clinician has been told today" in box
    assert CRISIS_LINE in box
    assert '<a href="/portal/safety-plan">My safety plan</a>' in box
    assert client.get("/portal/safety-plan").status_code == 200
    assert CRISIS_LINE in client.get("/portal").text  # still there when the client comes back
    session.expire_all()
    saved = session.scalars(select(CheckIn).where(CheckIn.client_id == person.id)).one()
    assert saved.self_harm_thoughts is True
    alert = session.scalars(select(Alert).where(Alert.client_id == person.id)).one()
    assert (alert.kind, alert.severity) == (AlertKind.CHECKIN_CRISIS, Severity.URGENT)
    assert person.primary_clinician_id == clinician.id


def test_a_check_in_without_an_answer_shows_no_crisis_box(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    make_checkin(session, client=person)  # an API check-in from before the question
    make_checkin(
        session,
        client=person,
        self_harm_thoughts=True,
        submitted_at=datetime.now(UTC) - timedelta(days=2),
    )
    session.commit()
    sign_in(client, account.username)
    page = client.get("/portal").text
    assert "You checked in today" in page
    assert _safety_box(page) == ""  # not answered is not a yes; two days ago is not today


def test_history_shows_only_the_clients_own_check_ins(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    other = make_client(session, site=make_site(session), clinician=clinician)
    make_checkin(session, client=person, note="my own note")
    make_checkin(
        session,
        client=person,
        note="long ago",
        submitted_at=datetime.now(UTC) - timedelta(days=120),
    )
    make_checkin(session, client=other, note="someone else's note")
    session.commit()
    sign_in(client, account.username)
    page = client.get("/portal/history").text
    assert "my own note" in page
    assert "long ago" not in page  # older than the 90 days shown
    assert "someone else" not in page
    assert other.legal_last_name not in page
    reads = session.scalars(
        select(AuditEntry).where(
            AuditEntry.actor_id == account.id,
            AuditEntry.action == AuditAction.READ,
            AuditEntry.entity_type == "checkin",
        )
    ).all()
    assert {r.client_id for r in reads} == {person.id}


def test_week_shows_own_bookings_but_never_other_group_members(
    client: TestClient, session: Session, settings: Settings, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    groupmate = make_client(session, site=make_site(session), clinician=clinician)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    site = session.get(Site, person.site_id)
    assert site is not None
    make_occurrence(
        session, site=site, leader=clinician, day=today, clients=[person, groupmate], topic="CBT"
    )
    make_appointment(session, client=person, staff=clinician, day=today, start="09:00")
    session.commit()
    sign_in(client, account.username)
    for path in ("/portal/schedule", "/portal"):
        page = client.get(path).text
        assert "09:00–11:00" in page
        assert "Individual session" in page
        assert "18:00–19:30" in page
        assert groupmate.legal_first_name not in page
        assert groupmate.legal_last_name not in page
        assert groupmate.record_number not in page


@pytest.mark.parametrize("role", sorted(STAFF_ROLES), ids=lambda r: r.value)
def test_staff_get_403_on_every_portal_page(
    role: Role, client: TestClient, session: Session
) -> None:
    user = make_user(session, role=role, site=make_site(session))
    session.commit()
    sign_in(client, user.username)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf_from(client.get("/").text)
    posted = client.post("/portal/check-in", data={"csrf_token": token, "craving": "1"})
    assert posted.status_code == 403


def test_a_client_without_a_linked_record_is_told_so(client: TestClient, session: Session) -> None:
    account = make_user(session, role=Role.CLIENT, site=make_site(session))
    session.commit()
    sign_in(client, account.username)
    page = client.get("/portal")
    assert page.status_code == 200
    assert "not linked to a client record" in page.text
    assert client.get("/portal/check-in").status_code == 404


def test_today_shows_open_goals_and_a_plan_waiting_for_the_clients_signature(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    make_episode(session, client=person)
    make_plan(session, client=person, clinician=clinician)
    session.commit()
    sign_in(client, account.username)
    page = client.get("/portal").text
    assert "“I want to stay sober for my kids”" in page
    assert "Attend 3 mutual-support meetings a week for 4 weeks: not started" in page
    assert "ready for your signature" not in page


def test_today_says_when_a_plan_waits_for_the_clients_signature(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, clinician, account = me
    make_episode(session, client=person)
    plan = make_plan(session, client=person, clinician=clinician, sign=False)
    plans_service.sign_as_clinician(
        session, actor=security_service.actor_for(clinician), plan_id=plan.id
    )
    session.commit()
    sign_in(client, account.username)
    page = client.get("/portal").text
    assert "Your treatment plan is ready for your signature" in page
    assert "No open goals in a plan in effect yet." in page


def _more_card(page: str) -> str:
    """The start page's "More for me" card (the menu links the same pages)."""
    return page.split('id="more-heading"', 1)[1].split("</section>", 1)[0]


def test_today_links_the_clients_other_pages_and_aftercare_once_a_plan_is_final(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    draft = make_aftercare_plan(session, client=person, final=False)
    session.commit()
    sign_in(client, account.username)
    card = _more_card(client.get("/portal").text)
    for href in ("/my-plan", "/my-group-notes", "/alumni/mine", "/portal/history"):
        assert f'href="{href}"' in card, href
        assert client.get(href).status_code == 200, href
    assert 'href="/portal/aftercare"' not in card  # a draft is not the client's to see yet

    aftercare_service.finalize(session, actor=SYSTEM, plan_id=draft.id, on=today())
    session.commit()
    assert 'href="/portal/aftercare"' in _more_card(client.get("/portal").text)


def test_the_week_names_the_clients_level_and_its_weekly_minimum(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    session.commit()
    sign_in(client, account.username)
    assert 'id="my-level"' not in client.get("/portal/schedule").text  # not admitted yet

    make_episode(session, client=person, level_code="IOP")
    session.commit()
    level = "Your level: <strong>Intensive outpatient (IOP)</strong>, at least 9 hours a week."
    assert level in client.get("/portal/schedule").text


def test_subscribing_to_the_calendar_feed_from_the_week_page(
    client: TestClient, session: Session, me: tuple[Client, User, User]
) -> None:
    person, _, account = me
    session.commit()
    sign_in(client, account.username)
    week = client.get("/portal/schedule")
    assert f'action="/calendar/feeds/client/{person.id}"' in week.text
    made = client.post(
        f"/calendar/feeds/client/{person.id}",
        data={"csrf_token": csrf_from(week.text), "next": "/portal/schedule"},
    )
    assert made.status_code == 200
    assert ".ics" in made.text
    assert 'href="/portal/schedule"' in made.text
