"""Calendar feeds: made, reset and revoked; fetched without signing in and parsed back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar import feeds, pages, rules
from stepdown.calendar.models import BookingStatus, CalendarFeed
from stepdown.clients import service as clients_service
from stepdown.kit.errors import Forbidden, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_appointment,
    make_client,
    make_occurrence,
    make_room,
    make_site,
    make_user,
    sign_in,
)

NEW_YORK = ZoneInfo("America/New_York")
# Wednesday of the week DST ends in New York (Sunday 2026-11-01); the feed covers
# 2026-10-19 .. 2027-01-03, so it spans the change.
NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
FEED_URL = re.compile(r'value="(http://[^"]+/calendar/feeds/[^"]+\.ics)"')


def _events(text: str) -> list[icalendar.Event]:
    events: list[icalendar.Event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return events


class TestLifecycle:
    def test_create_resolve_reset_revoke(self, session: Session) -> None:
        site = make_site(session)
        user = make_user(session, role=Role.CLINICIAN, site=site)
        actor = security_service.actor_for(user)
        first, feed = feeds.create_staff_feed(session, actor=actor)
        assert feed.token_hash != first
        assert len(feed.token_hash) == 64
        assert feeds.resolve(session, first) is feed
        second, reset = feeds.create_staff_feed(session, actor=actor)
        assert feeds.resolve(session, first) is None, "resetting ends the old address"
        assert feeds.resolve(session, second) is reset
        live = session.scalars(
            select(CalendarFeed).where(
                CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
            )
        ).all()
        assert live == [reset]
        assert feeds.revoke_staff_feed(session, actor=actor)
        assert feeds.resolve(session, second) is None
        assert not feeds.revoke_staff_feed(session, actor=actor)
        assert feeds.resolve(session, "not-a-secret") is None

    def test_a_disabled_staff_members_feed_stops(self, session: Session) -> None:
        user = make_user(session, role=Role.CLINICIAN)
        secret, _ = feeds.create_staff_feed(session, actor=security_service.actor_for(user))
        security_service.disable_user(session, actor=SYSTEM, username=user.username)
        assert feeds.resolve(session, secret) is None

    def test_client_feeds_follow_the_chart_scope(self, session: Session) -> None:
        site = make_site(session)
        alice = make_user(session, role=Role.CLINICIAN, site=site)
        bob = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=alice)
        portal = make_user(session, role=Role.CLIENT, site=site)
        clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=portal.id)
        other = make_client(session, site=site, clinician=bob)
        secret, feed = feeds.create_client_feed(
            session, actor=security_service.actor_for(alice), client_id=person.id
        )
        assert feed.client_id == person.id
        assert feed.created_by == alice.id
        with pytest.raises(NotFound):
            feeds.create_client_feed(
                session, actor=security_service.actor_for(bob), client_id=person.id
            )
        client_actor = security_service.actor_for(portal)
        again, _ = feeds.create_client_feed(session, actor=client_actor, client_id=person.id)
        assert feeds.resolve(session, secret) is None
        assert feeds.resolve(session, again) is not None
        assert feeds.client_feed(session, actor=client_actor, client_id=person.id) is not None
        with pytest.raises(NotFound):
            feeds.create_client_feed(session, actor=client_actor, client_id=other.id)
        admissions = make_user(session, role=Role.ADMISSIONS, site=site)
        with pytest.raises(Forbidden):
            feeds.create_client_feed(
                session, actor=security_service.actor_for(admissions), client_id=person.id
            )
        assert feeds.revoke_client_feed(session, actor=client_actor, client_id=person.id)
        assert feeds.resolve(session, again) is None
        assert feeds.client_feed(session, actor=client_actor, client_id=person.id) is None
        with pytest.raises(Forbidden):
            feeds.create_staff_feed(session, actor=client_actor)


class TestRenderedFeed:
    def test_times_in_utc_across_the_dst_change_and_nothing_clinical(
        self, session: Session
    ) -> None:
        site = make_site(session, name="North Clinic")
        room = make_room(session, site, name="Room Two")
        leader = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=leader)
        neighbour = make_client(session, site=site, clinician=leader)
        before = make_occurrence(
            session,
            site=site,
            leader=leader,
            day=date(2026, 10, 29),
            room=room,
            clients=[person, neighbour],
            topic="TRAUMA",
        )
        after = make_occurrence(
            session, site=site, leader=leader, day=date(2026, 11, 5), clients=[person]
        )
        after.status = BookingStatus.CANCELLED
        visit = make_appointment(session, client=person, staff=leader, day=date(2026, 11, 6))
        make_appointment(session, client=neighbour, staff=leader, day=date(2026, 11, 6))
        # Outside the window: three weeks back.
        make_occurrence(session, site=site, leader=leader, day=date(2026, 10, 12), clients=[person])
        session.flush()
        secret, feed = feeds.create_client_feed(session, actor=SYSTEM, client_id=person.id)
        text = feeds.render_feed(
            session, secret=secret, program_name="Stepdown", zone=NEW_YORK, now=NOW
        )
        events = {str(e["UID"]): e for e in _events(text)}
        assert set(events) == {
            f"occurrence-{before.id}@stepdown",
            f"occurrence-{after.id}@stepdown",
            f"appointment-{visit.id}@stepdown",
        }
        first = events[f"occurrence-{before.id}@stepdown"]
        assert first.decoded("DTSTART") == datetime(2026, 10, 29, 22, 0, tzinfo=UTC)  # EDT
        assert first.decoded("DTEND") == datetime(2026, 10, 29, 23, 30, tzinfo=UTC)
        assert str(first["LOCATION"]) == "North Clinic, Room Two"
        second = events[f"occurrence-{after.id}@stepdown"]
        assert second.decoded("DTSTART") == datetime(2026, 11, 5, 23, 0, tzinfo=UTC)  # EST
        assert str(second["STATUS"]) == "CANCELLED"
        assert str(second["LOCATION"]) == "Telehealth"
        appointment = events[f"appointment-{visit.id}@stepdown"]
        assert appointment.decoded("DTSTART") == datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
        assert str(appointment["SUMMARY"]) == "Stepdown: appointment"
        for event in events.values():
            summary = str(event["SUMMARY"]).lower()
            assert not any(word in summary for word in rules.CLINICAL_WORDS)
        for leak in ("TRAUMA", "Trauma", neighbour.legal_last_name, person.legal_last_name):
            assert leak not in text
        assert leader.display_name not in text
        assert feed.last_used_at == NOW
        disclosed = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.DISCLOSE, AuditEntry.entity_id == str(feed.id)
            )
        ).one()
        assert disclosed.client_id == person.id
        assert disclosed.actor_label == f"calendar feed {feed.id}"
        assert disclosed.detail["events"] == 3

    def test_a_staff_feed_has_what_they_lead_and_hold(self, session: Session) -> None:
        site = make_site(session)
        leader = make_user(session, role=Role.CLINICIAN, site=site)
        colleague = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=leader)
        led = make_occurrence(session, site=site, leader=leader, day=date(2026, 11, 3))
        make_occurrence(session, site=site, leader=colleague, day=date(2026, 11, 3))
        held = make_appointment(session, client=person, staff=leader, day=date(2026, 11, 4))
        secret, _ = feeds.create_staff_feed(session, actor=security_service.actor_for(leader))
        text = feeds.render_feed(
            session, secret=secret, program_name="Stepdown", zone=NEW_YORK, now=NOW
        )
        assert {str(e["UID"]) for e in _events(text)} == {
            f"occurrence-{led.id}@stepdown",
            f"appointment-{held.id}@stepdown",
        }
        assert person.display_name not in text

    def test_unknown_and_revoked_secrets_are_the_same_404(self, session: Session) -> None:
        user = make_user(session, role=Role.CLINICIAN)
        actor = security_service.actor_for(user)
        secret, _ = feeds.create_staff_feed(session, actor=actor)
        feeds.revoke_staff_feed(session, actor=actor)
        for candidate in (secret, "unknown"):
            with pytest.raises(NotFound) as refused:
                feeds.render_feed(
                    session, secret=candidate, program_name="S", zone=NEW_YORK, now=NOW
                )
            assert refused.value.message == "no such calendar feed"


class TestOverHttp:
    def test_a_clinician_makes_a_clients_feed_and_a_calendar_app_reads_it(
        self,
        client: TestClient,
        app: FastAPI,
        session: Session,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        site = make_site(session)
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        person = make_client(session, site=site, clinician=clinician)
        make_occurrence(
            session, site=site, leader=clinician, day=date(2026, 11, 2), clients=[person]
        )
        session.commit()
        monkeypatch.setattr(pages, "utc_now", lambda: NOW)
        sign_in(client, clinician.username)
        tab = client.get(f"/clients/{person.id}?tab=schedule")
        assert tab.status_code == 200
        made = client.post(
            f"/calendar/feeds/client/{person.id}", data={"csrf_token": csrf_from(tab.text)}
        )
        assert made.status_code == 200
        url = FEED_URL.search(made.text)
        assert url, made.text
        assert "webcal://" in made.text
        path = url.group(1).removeprefix("http://127.0.0.1:8000")
        with TestClient(app, base_url="http://127.0.0.1:8000") as calendar_app:
            fetched = calendar_app.get(path)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"].startswith("text/calendar")
        [event] = _events(fetched.text)
        assert event.decoded("DTSTART") == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
        assert str(event["SUMMARY"]) == "Stepdown: group session"

        tab = client.get(f"/clients/{person.id}?tab=schedule")
        assert "last fetched" in tab.text
        revoked = client.post(
            f"/calendar/feeds/client/{person.id}/revoke",
            data={"csrf_token": csrf_from(tab.text)},
            follow_redirects=False,
        )
        assert revoked.status_code == 303
        assert revoked.headers["location"] == f"/clients/{person.id}?tab=schedule"
        with TestClient(app, base_url="http://127.0.0.1:8000") as calendar_app:
            gone = calendar_app.get(path)
            unknown = calendar_app.get("/calendar/feeds/made-up-secret.ics")
        assert gone.status_code == unknown.status_code == 404

    def test_a_client_makes_their_own_feed_but_not_anothers(
        self, client: TestClient, session: Session
    ) -> None:
        site = make_site(session)
        person = make_client(session, site=site)
        other = make_client(session, site=site)
        portal = make_user(session, role=Role.CLIENT, site=site)
        clients_service.link_portal_account(session, actor=SYSTEM, client=person, user_id=portal.id)
        session.commit()
        sign_in(client, portal.username)
        token = csrf_from(client.get("/").text)
        made = client.post(
            f"/calendar/feeds/client/{person.id}",
            data={"csrf_token": token, "next": "https://evil.example/"},
        )
        assert made.status_code == 200
        assert FEED_URL.search(made.text)
        assert 'href="/"' in made.text, "an outside 'next' is not followed"
        refused = client.post(f"/calendar/feeds/client/{other.id}", data={"csrf_token": token})
        assert refused.status_code == 404

    def test_staff_manage_their_own_feed_on_my_week(
        self, client: TestClient, session: Session
    ) -> None:
        user = make_user(session, role=Role.CASE_MANAGER)
        session.commit()
        sign_in(client, user.username)
        page = client.get("/calendar/me")
        assert "Create a feed" in page.text
        made = client.post("/calendar/me/feed", data={"csrf_token": csrf_from(page.text)})
        assert FEED_URL.search(made.text)
        page = client.get("/calendar/me")
        assert "Reset the feed address" in page.text
        assert "/calendar/feeds/" not in page.text, "the address is shown only once"
        client.post("/calendar/me/feed/revoke", data={"csrf_token": csrf_from(page.text)})
        assert "Create a feed" in client.get("/calendar/me").text
