"""Check-ins: who may submit for whom, the same-day alert, its dedupe, audit, the chart tab."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.checkins import rules, service
from stepdown.checkins.models import CheckIn, EntryMode
from stepdown.checkins.rules import Trigger
from stepdown.clients.models import Client
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.programs.models import Site
from stepdown.safety import service as safety_service
from stepdown.safety.rules import GateState
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import make_checkin, make_client, make_site, make_user

NEW_YORK = ZoneInfo("America/New_York")


def _actor(user: User) -> Actor:
    return security_service.actor_for(user)


def _portal_client(session: Session, site: Site, clinician: User) -> tuple[Client, Actor]:
    person = make_client(session, site=site, clinician=clinician)
    account = make_user(session, role=Role.CLIENT, site=site)
    person.portal_user_id = account.id
    session.flush()
    return person, _actor(account)


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


@pytest.fixture
def clinician(session: Session, site: Site) -> User:
    return make_user(session, role=Role.CLINICIAN, site=site)


def _count(session: Session, model: type[CheckIn] | type[Alert]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


class TestSubmit:
    def test_a_client_checks_in_for_themselves_and_it_is_audited(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        checkin = make_checkin(session, client=person, actor=me, craving=3, mood=6)
        assert checkin.entry_mode is EntryMode.SELF
        assert checkin.entered_by == me.user_id
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "checkin", AuditEntry.entity_id == str(checkin.id)
            )
        ).one()
        assert entry.action is AuditAction.CREATE
        assert entry.actor_id == me.user_id
        assert entry.client_id == person.id
        assert entry.detail == {"entry_mode": "self", "triggers": []}

    def test_a_client_cannot_submit_for_another_client(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        _, me = _portal_client(session, site, clinician)
        other = make_client(session, site=site, clinician=clinician)
        with pytest.raises(NotFound):
            make_checkin(session, client=other, actor=me, craving=9)
        assert _count(session, CheckIn) == 0
        assert _count(session, Alert) == 0

    def test_staff_entry_is_recorded_as_entered_by_staff(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        case_manager = _actor(make_user(session, role=Role.CASE_MANAGER, site=site))
        checkin = make_checkin(session, client=person, actor=case_manager)
        assert checkin.entry_mode is EntryMode.STAFF
        assert checkin.entered_by == case_manager.user_id

    def test_staff_may_enter_only_for_clients_they_may_see(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        colleague = _actor(make_user(session, role=Role.CLINICIAN, site=site))
        with pytest.raises(NotFound):
            make_checkin(session, client=person, actor=colleague)
        admissions = _actor(make_user(session, role=Role.ADMISSIONS, site=site))
        with pytest.raises(Forbidden):
            make_checkin(session, client=person, actor=admissions)

    def test_invalid_answers_name_the_field_and_write_nothing(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        with pytest.raises(Invalid) as caught:
            make_checkin(session, client=person, actor=me, craving=11)
        assert caught.value.field == "craving"
        assert _count(session, CheckIn) == 0

    def test_the_day_is_the_programs_local_day(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        evening = datetime.now(UTC).replace(hour=2, minute=0) - timedelta(days=1)
        checkin = make_checkin(session, client=person, actor=me, submitted_at=evening)
        assert checkin.day == evening.date() - timedelta(days=1)  # still yesterday in New York

    def test_a_time_in_the_future_or_without_zone_is_refused(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        with pytest.raises(Invalid) as caught:
            make_checkin(session, client=person, submitted_at=datetime.now(UTC) + timedelta(1))
        assert caught.value.field == "submitted_at"
        with pytest.raises(Invalid):
            make_checkin(session, client=person, submitted_at=datetime(2026, 1, 1))  # noqa: DTZ001


class TestAlerts:
    def test_craving_8_alerts_the_primary_clinician_and_7_does_not(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        make_checkin(session, client=person, actor=me, craving=7)
        assert alerts_service.open_alerts_for_home(session, actor=_actor(clinician)) == []
        make_checkin(session, client=person, actor=me, craving=8)
        rows = alerts_service.open_alerts_for_home(session, actor=_actor(clinician))
        assert [(r.client.id, r.alert.kind, r.alert.severity) for r in rows] == [
            (person.id, AlertKind.CHECKIN_CRAVING, Severity.URGENT)
        ]
        assert rows[0].alert.summary == (
            "Check-in from the portal: craving 8 of 10: contact the client today"
        )
        other_clinician = _actor(make_user(session, role=Role.CLINICIAN, site=site))
        assert alerts_service.open_alerts_for_home(session, actor=other_clinician) == []

    def test_reported_use_alerts_naming_what_was_used(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        checkin = make_checkin(
            session, client=person, actor=me, craving=2, used_since_last=True, substance="beer"
        )
        alert = session.scalars(select(Alert)).one()
        assert alert.kind is AlertKind.CHECKIN_USE
        assert alert.source_type == "checkin"
        assert alert.source_id == checkin.id
        assert "reported use (beer), craving 2 of 10" in alert.summary

    def test_one_open_alert_a_day_unless_use_follows_a_craving_alert(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        make_checkin(session, client=person, actor=me, craving=9)
        make_checkin(session, client=person, actor=me, craving=10)
        assert [a.kind for a in session.scalars(select(Alert))] == [AlertKind.CHECKIN_CRAVING]
        make_checkin(session, client=person, actor=me, craving=9, used_since_last=True)
        make_checkin(session, client=person, actor=me, craving=9)  # use already open today
        kinds = sorted(a.kind for a in session.scalars(select(Alert)))
        assert kinds == [AlertKind.CHECKIN_CRAVING, AlertKind.CHECKIN_USE]

    def test_a_new_alert_once_the_earlier_one_is_acknowledged(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        make_checkin(session, client=person, actor=me, craving=8)
        first = session.scalars(select(Alert)).one()
        alerts_service.acknowledge(
            session, actor=_actor(clinician), alert_id=first.id, note="Called; safety plan."
        )
        make_checkin(session, client=person, actor=me, craving=8)
        assert _count(session, Alert) == 2

    def test_an_alert_on_another_day_is_not_a_duplicate(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        make_checkin(
            session,
            client=person,
            craving=9,
            submitted_at=datetime.now(UTC) - timedelta(days=2),
        )
        make_checkin(session, client=person, craving=9)
        assert _count(session, Alert) == 2


def _crisis_alerts(session: Session, client: Client) -> list[Alert]:
    stmt = select(Alert).where(Alert.client_id == client.id, Alert.kind == AlertKind.CHECKIN_CRISIS)
    return list(session.scalars(stmt))


class TestCrisis:
    """A "yes" to thoughts of self-harm: one urgent safety alert, in the same transaction."""

    def test_yes_raises_one_urgent_crisis_alert_for_the_primary_clinician(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        checkin = make_checkin(session, client=person, actor=me, self_harm_thoughts=True)
        assert checkin.self_harm_thoughts is True
        rows = alerts_service.open_alerts_for_home(session, actor=_actor(clinician))
        assert [(r.client.id, r.alert.kind, r.alert.severity) for r in rows] == [
            (person.id, AlertKind.CHECKIN_CRISIS, Severity.URGENT)
        ]
        alert = rows[0].alert
        assert alert.summary == rules.CRISIS_ALERT_SUMMARY
        assert alert.summary == (
            "Check-in: the client reported thoughts of self-harm; same-day safety assessment needed"
        )
        assert (alert.source_type, alert.source_id) == ("checkin", checkin.id)
        other_clinician = _actor(make_user(session, role=Role.CLINICIAN, site=site))
        assert alerts_service.open_alerts_for_home(session, actor=other_clinician) == []
        created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "checkin", AuditEntry.entity_id == str(checkin.id)
            )
        ).one()
        assert created.detail == {"entry_mode": "self", "triggers": ["crisis"]}

    def test_the_check_in_and_its_alert_are_stored_together_or_not_at_all(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        savepoint = session.begin_nested()
        submitted = service.submit(
            session,
            actor=me,
            client_id=person.id,
            draft=rules.Draft(craving=2, mood=4, used_since_last=False, self_harm_thoughts=True),
            zone=NEW_YORK,
        )
        assert [a.kind for a in submitted.alerts] == [AlertKind.CHECKIN_CRISIS]
        assert submitted.crisis_alert is submitted.alerts[0]
        # Same transaction: both are visible before anything commits ...
        assert _count(session, CheckIn) == 1
        assert len(_crisis_alerts(session, person)) == 1
        savepoint.rollback()
        # ... and rolling it back takes both away.
        assert _count(session, CheckIn) == 0
        assert _count(session, Alert) == 0

    def test_no_second_crisis_alert_the_same_day_until_acknowledged(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        make_checkin(session, client=person, actor=me, self_harm_thoughts=True)
        again = service.submit(
            session,
            actor=me,
            client_id=person.id,
            draft=rules.Draft(craving=1, mood=3, used_since_last=False, self_harm_thoughts=True),
            zone=NEW_YORK,
        )
        assert again.crisis
        assert again.alerts == []
        assert len(_crisis_alerts(session, person)) == 1
        [first] = _crisis_alerts(session, person)
        alerts_service.acknowledge(
            session, actor=_actor(clinician), alert_id=first.id, note="Safety assessment done."
        )
        make_checkin(session, client=person, actor=me, self_harm_thoughts=True)
        assert [a.is_open for a in _crisis_alerts(session, person)].count(True) == 1
        assert len(_crisis_alerts(session, person)) == 2

    def test_a_crisis_alert_yesterday_is_not_a_duplicate(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        make_checkin(
            session,
            client=person,
            self_harm_thoughts=True,
            submitted_at=datetime.now(UTC) - timedelta(days=2),
        )
        make_checkin(session, client=person, self_harm_thoughts=True)
        assert len(_crisis_alerts(session, person)) == 2

    def test_use_and_craving_keep_their_own_alert_beside_the_crisis_alert(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        make_checkin(session, client=person, actor=me, craving=9)  # craving alert first
        submitted = service.submit(
            session,
            actor=me,
            client_id=person.id,
            draft=rules.Draft(
                craving=9,
                mood=2,
                used_since_last=True,
                substance="pills",
                self_harm_thoughts=True,
            ),
            zone=NEW_YORK,
        )
        assert submitted.triggers == (Trigger.CRISIS, Trigger.USE, Trigger.CRAVING)
        # An open craving alert does not hold back the crisis alert; use outranks craving.
        assert [a.kind for a in submitted.alerts] == [
            AlertKind.CHECKIN_CRISIS,
            AlertKind.CHECKIN_USE,
        ]
        crisis, use = submitted.alerts
        assert "pills" not in crisis.summary  # the safety alert names nothing else
        assert "reported use (pills)" in use.summary
        # An open crisis alert does not swallow a later report of use, either.
        other, them = _portal_client(session, site, clinician)
        make_checkin(session, client=other, actor=them, self_harm_thoughts=True)
        make_checkin(session, client=other, actor=them, used_since_last=True)
        kinds = sorted(
            a.kind for a in session.scalars(select(Alert).where(Alert.client_id == other.id))
        )
        assert kinds == [AlertKind.CHECKIN_CRISIS, AlertKind.CHECKIN_USE]

    @pytest.mark.parametrize("answer", [False, None])
    def test_no_or_not_answered_raises_nothing_and_is_stored_as_given(
        self, session: Session, site: Site, clinician: User, answer: bool | None
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        checkin = make_checkin(session, client=person, actor=me, self_harm_thoughts=answer)
        session.expire_all()
        stored = session.get(CheckIn, checkin.id)
        assert stored is not None
        assert stored.self_harm_thoughts is answer
        assert _count(session, Alert) == 0

    def test_a_yes_makes_the_safety_gate_live(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        reader = _actor(clinician)
        make_checkin(session, client=person, actor=me, self_harm_thoughts=False)
        make_checkin(session, client=person, actor=me, self_harm_thoughts=None)
        assert safety_service.status(session, actor=reader, client=person).state is (
            GateState.CLEAR
        )
        make_checkin(session, client=person, actor=me, self_harm_thoughts=True)
        gate = safety_service.status(session, actor=reader, client=person)
        assert gate.state is not GateState.CLEAR
        assert gate.live
        [alert] = _crisis_alerts(session, person)
        assert gate.open_alert_ids == (str(alert.id),)
        assert any(rules.CRISIS_ALERT_SUMMARY in r.sentence for r in gate.reasons)

    def test_the_chart_shows_yes_no_and_not_answered(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        now = datetime.now(UTC)
        for minutes, answer in ((30, None), (20, False), (10, True)):
            make_checkin(
                session,
                client=person,
                self_harm_thoughts=answer,
                submitted_at=now - timedelta(minutes=minutes),
            )
        tab = service.chart_tab(session, actor=_actor(clinician), client=person)
        assert [r.self_harm_label for r in tab.recent] == ["yes", "no", "not answered"]
        assert [r.triggers for r in tab.recent] == [(Trigger.CRISIS,), (), ()]
        assert [a.kind for a in tab.alerts[tab.recent[0].checkin.id]] == [AlertKind.CHECKIN_CRISIS]


class TestReading:
    def test_history_is_the_clients_own_newest_first_and_audited(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person, me = _portal_client(session, site, clinician)
        other = make_client(session, site=site, clinician=clinician)
        make_checkin(session, client=other)
        older = make_checkin(
            session, client=person, submitted_at=datetime.now(UTC) - timedelta(hours=30)
        )
        newer = make_checkin(session, client=person, actor=me)
        assert service.history(session, actor=me, client_id=person.id) == [newer, older]
        with pytest.raises(NotFound):
            service.history(session, actor=me, client_id=other.id)
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ,
                AuditEntry.entity_type == "checkin",
                AuditEntry.actor_id == me.user_id,
            )
        ).all()
        assert [r.client_id for r in reads] == [person.id]

    def test_roles_without_a_clinical_need_may_not_read(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        person = make_client(session, site=site, clinician=clinician)
        admin = _actor(make_user(session, role=Role.ADMIN))
        with pytest.raises(Forbidden):
            service.history(session, actor=admin, client_id=person.id)

    def test_trend_and_chart_tab(self, session: Session, site: Site, clinician: User) -> None:
        person = make_client(session, site=site, clinician=clinician)
        now = datetime.now(UTC)
        for days_ago, craving, mood in ((40, 1, 9), (3, 4, 6), (1, 8, 2), (0, 2, 5)):
            make_checkin(
                session,
                client=person,
                craving=craving,
                mood=mood,
                submitted_at=now - timedelta(days=days_ago, minutes=1),
            )
        reader = _actor(clinician)
        trend = service.trend(session, actor=reader, client_id=person.id, days=30)
        assert len(trend.days) == 3  # the day 40 days ago is outside the window
        assert trend.svg.startswith('<svg class="trend"')
        assert "alert at craving 8" in trend.svg
        tab = service.chart_tab(session, actor=reader, client=person)
        assert [len(t.days) for t in tab.trends] == [3, 4]
        assert len(tab.recent) == 3
        assert tab.recent[1].triggers == (rules.Trigger.CRAVING,)
        assert tab.recent[1].entered_by == "system (imported)"
        assert [a.kind for a in tab.alerts[tab.recent[1].checkin.id]] == [AlertKind.CHECKIN_CRAVING]
        assert tab.can_record
        with pytest.raises(Invalid):
            service.trend(session, actor=reader, client_id=person.id, days=0)

    def test_window_end_follows_a_check_in_already_on_tomorrow(self) -> None:
        tomorrow = date.today() + timedelta(days=1)  # noqa: DTZ011
        row = CheckIn(day=tomorrow)
        assert service.window_end([row]) >= tomorrow
