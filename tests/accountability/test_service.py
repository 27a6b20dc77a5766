"""The summary gathered from real rows on SQLite and PostgreSQL: attendance taken through the
attendance service, a drug test with a result, an objective met in a progress note,
check-ins and an instrument result, each made through its own domain's service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.accountability import service
from stepdown.accountability.rules import Direction, WeekStatus
from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus as S
from stepdown.attendance.rules import week_of
from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, Track, Transition
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import Analyte, Method, OrderReason, ResultValue, SpecimenType
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import today
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.treatment_plans import service as plans_service
from stepdown.treatment_plans.models import ObjectiveStatus
from stepdown.treatment_plans.schemas import ProgressNoteInput, StatusChangeInput
from tests.factories import (
    SYSTEM,
    make_appointment,
    make_checkin,
    make_client,
    make_occurrence,
    make_plan,
    make_response,
    make_site,
    make_user,
)

# Three complete weeks before this one; the range runs from the first of them to today.
MONDAY = week_of(today()) - timedelta(weeks=3)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def at(n: int, hour: int = 15) -> datetime:
    return datetime.combine(day(n), time(hour), tzinfo=UTC)


@dataclass
class Review:
    site: Site
    clinician: User
    actor: Actor
    person: Client
    episode: Episode

    def group(self, session: Session, n: int, status: S) -> None:
        """A three-hour evening group on day ``n`` of the range, attendance taken."""
        occurrence = make_occurrence(
            session,
            site=self.site,
            leader=self.clinician,
            day=day(n),
            start="18:00",
            end="21:00",
            clients=[self.person],
        )
        attendance_service.record_attendance(
            session,
            actor=self.actor,
            occurrence_id=occurrence.id,
            entries=[attendance_service.Entry(client_id=self.person.id, status=status)],
        )

    def appointment(self, session: Session, n: int, entry: attendance_service.Entry) -> None:
        """A one-hour individual session on day ``n``, attendance taken."""
        appointment = make_appointment(
            session, client=self.person, staff=self.clinician, day=day(n)
        )
        attendance_service.record_appointment_attendance(
            session, actor=self.actor, appointment_id=appointment.id, entry=entry
        )


def under_review(session: Session) -> Review:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    episode = continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=person.id,
        level_code="IOP",
        track=Track.EVENING,
        on=day(-7),
        reason="test admission",
    )
    return Review(site, clinician, security_service.actor_for(clinician), person, episode)


@pytest.fixture
def review(session: Session) -> Review:
    return under_review(session)


def objective_met_today(session: Session, r: Review) -> None:
    plan = make_plan(session, client=r.person, clinician=r.clinician)
    [view] = plans_service.list_plans(session, actor=r.actor, client_id=r.person.id)
    [objective] = view.objectives
    for status in (ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.MET):
        plans_service.record_progress_note(
            session,
            actor=r.actor,
            plan_id=plan.id,
            data=ProgressNoteInput(
                written_on=today(),
                narrative="Progress note.",
                changes=[StatusChangeInput(objective_id=objective.id, to_status=status)],
            ),
        )


def positive_for_cocaine(session: Session, r: Review, n: int) -> None:
    order = drug_testing_service.order_test(
        session, actor=r.actor, client_id=r.person.id, reason=OrderReason.ADMISSION, on=day(n)
    )
    collection = drug_testing_service.record_collection(
        session,
        actor=r.actor,
        order_id=order.id,
        specimen_type=SpecimenType.URINE,
        observed=True,
        collected_at=at(n, 9),
    )
    drug_testing_service.record_results(
        session,
        actor=r.actor,
        collection_id=collection.id,
        entries=[
            ResultEntry(analyte=a, method=Method.PRESUMPTIVE, result=value)
            for a, value in (
                (Analyte.COCAINE, ResultValue.POSITIVE),
                (Analyte.OPIATES, ResultValue.NEGATIVE),
            )
        ],
    )


class TestGather:
    def test_the_numbers_come_from_each_domain(self, session: Session, review: Review) -> None:
        r = review
        # Week 1 at IOP: three groups attended, 9 h, the IOP minimum.
        for n in (0, 2, 3):
            r.group(session, n, S.PRESENT)
        # Week 2: one group attended, two missed (one excused), and an appointment 15
        # minutes late: 3 h 45 min of the 9 h.
        r.group(session, 7, S.PRESENT)
        r.group(session, 9, S.ABSENT_EXCUSED)
        r.group(session, 10, S.ABSENT_UNEXCUSED)
        r.appointment(session, 8, attendance_service.Entry(r.person.id, S.LATE, late_minutes=15))
        # Week 3: stepped down to OP on its Monday; one hour attended meets the OP minimum.
        continuum_service.step(
            session,
            actor=SYSTEM,
            episode_id=r.episode.id,
            direction=Transition.STEP_DOWN,
            level_code="OP",
            track=Track.EVENING,
            on=day(14),
            reason="progressing",
        )
        r.appointment(session, 15, attendance_service.Entry(r.person.id, S.PRESENT))
        positive_for_cocaine(session, r, 4)
        objective_met_today(session, r)
        make_checkin(session, client=r.person, craving=2, submitted_at=at(1))
        make_checkin(session, client=r.person, craving=3, submitted_at=at(2))
        make_checkin(
            session,
            client=r.person,
            craving=7,
            used_since_last=True,
            substance="cocaine",
            submitted_at=at(19),
        )
        make_response(session, client=r.person, code="phq9", administered_at=at(-3))
        make_response(
            session, client=r.person, code="phq9", answers=[2] * 9, administered_at=at(16)
        )

        found = service.gather(
            session, actor=r.actor, client_id=r.person.id, start=MONDAY, end=today()
        )

        assert (found.client_id, found.record_number) == (r.person.id, r.person.record_number)
        a = found.attendance
        assert (a.attended, a.excused, a.unexcused, a.scheduled) == (6, 1, 1, 8)
        assert a.late_or_left_early == 1
        weeks = [
            (w.monday, w.level.code if w.level else None, w.delivered_minutes, w.status)
            for w in found.weeks[:3]
        ]
        assert weeks == [
            (day(0), "IOP", 540, WeekStatus.MET),
            (day(7), "IOP", 225, WeekStatus.SHORT),
            (day(14), "OP", 60, WeekStatus.MET),
        ]
        assert [w.status for w in found.weeks[3:]] == [WeekStatus.PARTIAL]
        assert found.testing.ordered == 1
        assert found.testing.collected == 1
        assert dict(found.testing.unexpected_positives) == {"Cocaine": 1}
        assert found.testing.confirmations_pending == 1
        t = found.testing
        assert (t.resulted_specimens, t.unexpected_positive_specimens) == (1, 1)
        assert (t.confirmed_positive_specimens, t.recollect_specimens) == (0, 0)
        assert [o.status for o in found.objectives.met] == ["Met"]
        c = found.checkins
        assert c.days_checked_in == 3
        assert (c.first_half, c.second_half) == (2.5, 7.0)
        assert c.direction is Direction.RISING
        assert c.use_days == (day(19),)
        [phq] = found.instruments
        assert (phq.latest.total, phq.in_range, phq.first_in_range) == (18, 1, None)
        assert found.points[:4] == [
            "Attended 6 of 8 booked sessions (75%); absences: 1 excused and 1 unexcused.",
            "Hours under the IOP minimum in 1 of 2 weeks.",
            "Met the OP minimum in the one complete week.",
            "1 unexpected positive (cocaine).",
        ]
        assert "1 objective met; 0 in progress." in found.points
        assert "Reported use on 1 day." in found.points

    def test_an_empty_range_is_summarised_plainly(self, session: Session, review: Review) -> None:
        found = service.gather(
            session,
            actor=review.actor,
            client_id=review.person.id,
            start=day(0),
            end=day(6),
        )
        assert found.attendance.rate is None
        assert [w.status for w in found.weeks] == [WeekStatus.SHORT]
        assert found.points[0] == "No attendance was recorded in the range."
        assert "No drug tests were ordered in the range." in found.points
        assert "No check-ins in the range." in found.points

    def test_a_client_never_admitted_has_a_summary_too(
        self, session: Session, review: Review
    ) -> None:
        person = make_client(session, site=review.site, clinician=review.clinician)
        found = service.gather(
            session, actor=review.actor, client_id=person.id, start=day(0), end=day(6)
        )
        assert [w.status for w in found.weeks] == [WeekStatus.NOT_IN_CARE]
        assert found.objectives.met == found.objectives.in_progress == []
        assert found.instruments == []

    def test_one_read_of_the_summary_is_audited_with_its_range(
        self, session: Session, review: Review
    ) -> None:
        service.gather(
            session, actor=review.actor, client_id=review.person.id, start=day(0), end=day(6)
        )
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "accountability_summary",
                AuditEntry.client_id == review.person.id,
            )
        ).all()
        assert [(e.actor_id, e.detail) for e in entries] == [
            (review.clinician.id, {"start": day(0).isoformat(), "end": day(6).isoformat()})
        ]


class TestRefusals:
    def test_a_range_ending_before_it_starts_names_end(
        self, session: Session, review: Review
    ) -> None:
        with pytest.raises(Invalid) as refused:
            service.gather(
                session, actor=review.actor, client_id=review.person.id, start=day(6), end=day(0)
            )
        assert refused.value.field == "end"

    def test_another_caseload_is_not_found(self, session: Session, review: Review) -> None:
        other = make_user(session, role=Role.CLINICIAN, site=review.site)
        with pytest.raises(NotFound):
            service.gather(
                session,
                actor=security_service.actor_for(other),
                client_id=review.person.id,
                start=day(0),
                end=day(6),
            )

    @pytest.mark.parametrize("role", [Role.ADMISSIONS, Role.ADMIN, Role.CLIENT])
    def test_roles_without_the_policy_are_refused(
        self, session: Session, review: Review, role: Role
    ) -> None:
        user = make_user(session, role=role, site=review.site)
        with pytest.raises(Forbidden):
            service.gather(
                session,
                actor=security_service.actor_for(user),
                client_id=review.person.id,
                start=day(0),
                end=day(6),
            )

    @pytest.mark.parametrize("role", [Role.DIRECTOR, Role.UTILIZATION_REVIEW, Role.CASE_MANAGER])
    def test_program_and_site_roles_read_it(
        self, session: Session, review: Review, role: Role
    ) -> None:
        user = make_user(session, role=role, site=review.site)
        found = service.gather(
            session,
            actor=security_service.actor_for(user),
            client_id=review.person.id,
            start=day(0),
            end=day(6),
        )
        assert found.client_id == review.person.id
