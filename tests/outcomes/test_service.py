"""The outcomes read from real tables (SQLite and PostgreSQL): what the repository loads,
who may read, drill down and export, and what the audit trail says of each."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.assessments import service as assessments_service
from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, Track, Transition
from stepdown.kit.clock import today
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.outcomes import exports, filters, measures, repository, service
from stepdown.outcomes.facts import SpecimenOutcome
from stepdown.outcomes.scope import Scope
from stepdown.programs.models import Site
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    make_appointment,
    make_checkin,
    make_client,
    make_response,
    make_site,
    make_user,
)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Program:
    site: Site
    clinician: User
    first: Client
    second: Client
    episode: Episode
    base: date

    def at(self, days: int) -> datetime:
        return datetime.combine(self.base + timedelta(days=days), time(17), tzinfo=UTC)


@pytest.fixture
def program(session: Session) -> Program:
    """Two clients, dates relative to today: the first admitted to PHP on a Monday about
    200 days ago, stepped down to IOP two weeks later and discharged completed at eight
    weeks; the second admitted to IOP a week after the first and still in care."""
    base = _monday(today() - timedelta(days=200))
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    first = make_client(session, site=site, clinician=clinician)
    second = make_client(session, site=site, clinician=clinician)
    episode = continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=first.id,
        level_code="PHP",
        track=Track.DAY,
        on=base,
        reason="test",
    )
    continuum_service.step(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="IOP",
        track=Track.DAY,
        on=base + timedelta(days=14),
        reason="test",
    )
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=base + timedelta(days=56),
        summary="test",
    )
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=second.id,
        level_code="IOP",
        track=Track.EVENING,
        on=base + timedelta(days=7),
        reason="test",
    )
    found = Program(site, clinician, first, second, episode, base)
    make_response(session, client=first, answers=[2] * 9, administered_at=found.at(0))
    mistaken = make_response(session, client=first, answers=[3] * 9, administered_at=found.at(3))
    assessments_service.mark_entered_in_error(
        session, actor=SYSTEM, response_id=mistaken.id, reason="wrong client"
    )
    make_response(session, client=first, answers=[1] * 6 + [0] * 3, administered_at=found.at(130))
    appointment = make_appointment(
        session,
        client=first,
        staff=clinician,
        day=base + timedelta(days=15),
        start="10:00",
        end="11:00",
    )
    attendance_service.record_appointment_attendance(
        session,
        actor=SYSTEM,
        appointment_id=appointment.id,
        entry=attendance_service.Entry(first.id, AttendanceStatus.PRESENT),
    )
    make_checkin(session, client=second, used_since_last=True)
    return found


def _scope(p: Program, **filters_: object) -> Scope:
    return Scope(start=p.base - timedelta(days=7), end=today(), **filters_)  # type: ignore[arg-type]


class TestRepository:
    def test_episodes_segments_and_facts(self, session: Session, program: Program) -> None:
        data = repository.load(session, scope=_scope(program), as_of=today())
        episodes = {e.client_id: e for e in data.episodes}
        first = episodes[program.first.id]
        assert [s.level for s in first.stretches] == ["PHP", "IOP"]
        assert [s.transition for s in first.stretches] == ["admit", "step_down"]
        assert first.discharged_on == program.base + timedelta(days=56)
        assert first.discharge_type == "completed"
        assert first.payer == repository.NO_COVERAGE  # unknown coverage is said, not guessed
        assert episodes[program.second.id].discharged_on is None
        phq = sorted((s.day, s.total) for s in data.scores if s.client_id == program.first.id)
        assert phq == [(program.base, 18), (program.base + timedelta(days=130), 6)]  # not 27
        # The step down took effect on day 14; the first attended day after it is day 15.
        assert [(a.day, a.minutes) for a in data.attendance] == [
            (program.base + timedelta(days=15), 1)
        ]
        # Minutes per client-week, on the week's Monday (day 14 is a Monday).
        assert [(a.day, a.minutes) for a in data.attendance_weeks] == [
            (program.base + timedelta(days=14), 60)
        ]
        assert data.checkins == ()  # every check-in only for the per-episode export

    def test_check_ins_by_month_of_care_and_after_discharge(
        self, session: Session, program: Program
    ) -> None:
        """Counted in SQL: day 29 of care is month 0, day 30 month 1; a check-in after the
        discharge is not in care, but it is the first contact after it."""
        second_admitted = 7
        for day, used in ((29, False), (30, True)):
            make_checkin(
                session,
                client=program.second,
                used_since_last=used,
                submitted_at=program.at(second_admitted + day),
            )
        make_checkin(session, client=program.first, submitted_at=program.at(59))
        make_checkin(session, client=program.first, submitted_at=program.at(61))
        data = repository.load(session, scope=_scope(program), as_of=today())
        months = dict(data.checkin_months)
        assert months.pop(0) == (1, 0)
        assert months.pop(1) == (1, 1)
        assert months == {6: (1, 1)}  # the fixture's check-in today, months later
        assert [(c.client_id, c.day) for c in data.checkins_after_discharge] == [
            (program.first.id, program.base + timedelta(days=59))
        ]
        detailed = repository.load(session, scope=_scope(program), as_of=today(), detail=True)
        assert len(detailed.checkins) == 5

    def test_filters_choose_episodes(self, session: Session, program: Program) -> None:
        php = repository.load(session, scope=_scope(program, level="PHP"), as_of=today())
        assert {e.client_id for e in php.episodes} == {program.first.id}
        evening = repository.load(session, scope=_scope(program, track="evening"), as_of=today())
        assert {e.client_id for e in evening.episodes} == {program.second.id}
        later = Scope(start=program.base + timedelta(days=60), end=today())
        assert {
            e.client_id for e in repository.load(session, scope=later, as_of=today()).episodes
        } == {program.second.id}

    def test_measures_from_the_tables(self, session: Session, program: Program) -> None:
        data = repository.load(session, scope=_scope(program), as_of=today())
        result = measures.compute(data, program.base - timedelta(days=7), today())
        assert result.reasons.counts == {"completed": 1}
        assert result.retention.overall.n == 2
        assert result.retention.overall.events == 1
        (thirty, _) = result.step_downs
        assert len(thirty.held) == 1  # the step down held: completed, no step up
        seven, _ = result.follow_up
        assert len(seven.met) == 1  # attended the day after stepping down
        assert result.phq9.indexed == 1


class TestAccess:
    def test_the_report_is_one_audited_read_without_client_ids(
        self, session: Session, program: Program
    ) -> None:
        director = Actor(user_id=None, role=Role.DIRECTOR, username="dir")
        report = service.report(
            session, actor=director, scope=_scope(program), as_of=today(), masked=False
        )
        assert len(report.figures) >= 10
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "outcomes_report")
        ).one()
        assert entry.action is AuditAction.READ
        assert entry.client_id is None
        assert entry.detail["episodes"] == 2

    def test_a_clinician_may_not_read_the_outcomes(
        self, session: Session, program: Program
    ) -> None:
        clinician = Actor(user_id=program.clinician.id, role=Role.CLINICIAN, username="c")
        with pytest.raises(Forbidden):
            service.report(
                session, actor=clinician, scope=_scope(program), as_of=today(), masked=True
            )

    def test_drill_down_names_clients_and_audits_each(
        self, session: Session, program: Program
    ) -> None:
        director = Actor(user_id=None, role=Role.DIRECTOR, username="dir")
        found = service.drill(
            session,
            actor=director,
            scope=_scope(program),
            as_of=today(),
            key="discharge-reasons:completed",
        )
        assert [e.record_number for e in found.episodes] == [program.first.record_number]
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "outcomes_drill")
        ).all()
        assert [r.client_id for r in reads] == [program.first.id]
        with pytest.raises(NotFound):
            service.drill(session, actor=director, scope=_scope(program), as_of=today(), key="x")

    def test_admin_may_read_but_not_drill(self, session: Session, program: Program) -> None:
        admin = Actor(user_id=None, role=Role.ADMIN, username="a")
        with pytest.raises(Forbidden):
            service.drill(
                session,
                actor=admin,
                scope=_scope(program),
                as_of=today(),
                key="discharge-reasons:completed",
            )

    def test_deidentified_export(self, session: Session, program: Program) -> None:
        director = Actor(user_id=None, role=Role.DIRECTOR, username="dir")
        text = service.deidentified(
            session, actor=director, scope=_scope(program), as_of=today(), secret="k1"
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 2
        for name in (
            program.first.legal_last_name,
            program.first.record_number,
            str(program.first.id),
        ):
            assert name not in text
        first = next(r for r in rows if r["discharge_type"] == "completed")
        assert first["admitted_month"] == program.base.strftime("%Y-%m")
        assert first["levels"] == "PHP>IOP"
        assert first["client"] == exports.pseudonym("k1", "client", program.first.id)
        assert first["phq9_index"] == "18"
        again = service.deidentified(
            session, actor=director, scope=_scope(program), as_of=today(), secret="k2"
        )
        assert first["client"] not in again  # another program's key links nothing
        assert session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "outcomes_deidentified")
        ).all() == [AuditAction.EXPORT, AuditAction.EXPORT]
        utilization = Actor(user_id=None, role=Role.UTILIZATION_REVIEW, username="u")
        with pytest.raises(Forbidden):
            service.deidentified(
                session, actor=utilization, scope=_scope(program), as_of=today(), secret="k"
            )


class TestFilters:
    def test_a_bad_filter_names_its_field(self, session: Session, program: Program) -> None:
        cases = {
            "level": {"level": "XYZ"},
            "track": {"track": "night"},
            "payer": {"payer": "Nobody Health"},
            "site": {"site": "NOPE"},
            "cohort": {"cohort": "2026-13"},
        }
        for field, given in cases.items():
            with pytest.raises(Invalid) as caught:
                filters.scope_from(session, start=None, end=None, today=today(), **given)  # type: ignore[arg-type]
            assert caught.value.field == field

    def test_range_rules(self, session: Session, program: Program) -> None:
        with pytest.raises(Invalid) as caught:
            filters.scope_from(
                session, start="2026-02-01", end="2026-01-01", today=date(2026, 3, 1)
            )
        assert caught.value.field == "to"
        with pytest.raises(Invalid) as caught:
            filters.scope_from(session, start=None, end="2026-03-02", today=date(2026, 3, 1))
        assert caught.value.field == "to"
        with pytest.raises(Invalid) as caught:
            filters.scope_from(
                session, start="2020-01-01", end="2026-03-01", today=date(2026, 3, 1)
            )
        assert caught.value.field == "to"
        default = filters.scope_from(session, start=None, end=None, today=date(2026, 3, 1))
        assert (default.start, default.end) == (date(2025, 3, 2), date(2026, 3, 1))
        by_code = filters.scope_from(
            session,
            start=None,
            end=None,
            today=date(2026, 3, 1),
            site=program.site.code,
            level="iop",
            track="Day",
        )
        assert (by_code.site_id, by_code.level, by_code.track) == (program.site.id, "IOP", "day")


def test_specimen_outcomes_from_results() -> None:
    from stepdown.drug_testing.models import OrderStatus

    outcome = repository._outcome  # the rule is small; its table is the test
    assert outcome(OrderStatus.REFUSED, 0, False, False) is SpecimenOutcome.REFUSED
    assert outcome(OrderStatus.MISSED, 0, False, False) is SpecimenOutcome.MISSED
    assert outcome(OrderStatus.COLLECTED, 0, False, False) is SpecimenOutcome.PENDING
    assert outcome(OrderStatus.COLLECTED, 5, False, False) is SpecimenOutcome.NEGATIVE
    assert outcome(OrderStatus.COLLECTED, 5, True, True) is SpecimenOutcome.POSITIVE
    assert outcome(OrderStatus.COLLECTED, 5, False, True) is SpecimenOutcome.INVALID


class TestLive:
    def test_a_report_is_reused_until_a_record_changes(
        self, session: Session, program: Program, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        director = Actor(user_id=None, role=Role.DIRECTOR, username="dir")
        loads: list[Scope] = []
        real_load = repository.load

        def counting(*args: object, **kwargs: object) -> object:
            loads.append(kwargs["scope"])  # type: ignore[arg-type]
            return real_load(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(repository, "load", counting)
        scope = _scope(program)
        first = service.report(session, actor=director, scope=scope, as_of=today(), masked=False)
        again = service.report(session, actor=director, scope=scope, as_of=today(), masked=True)
        assert len(loads) == 1  # reading (and the audit entries reads write) changes nothing
        assert first.episodes == again.episodes == 2
        third = make_client(session, site=program.site, clinician=program.clinician)
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=third.id,
            level_code="OP",
            track=Track.EVENING,
            on=today() - timedelta(days=3),
            reason="test",
        )
        changed = service.report(session, actor=director, scope=scope, as_of=today(), masked=False)
        assert len(loads) == 2
        assert changed.episodes == 3
