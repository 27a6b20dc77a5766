"""The concurrent-review packet on SQLite and PostgreSQL: a client in IOP with an assessment,
a diagnosis, a medication, attendance, a drug test, PHQ-9 and BAM results and a plan, each
made through its own domain's service; the packet shows each section's items with their
dates and record links, says it is for internal preparation, is audited as one export, and
refuses other roles and ranges it cannot cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance import service as attendance_service
from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import week_of
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.authorizations import packet, service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, Track
from stepdown.coverage import service as coverage_service
from stepdown.diagnoses import service as diagnoses_service
from stepdown.diagnoses.models import Severity
from stepdown.diagnoses.rules import Specifiers
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import Analyte, Method, OrderReason, ResultValue, SpecimenType
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import today
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.placement import service as placement_service
from stepdown.placement.models import DimensionalAssessment
from stepdown.placement.schemas import AssessmentInput
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.treatment_plans import service as plans_service
from stepdown.treatment_plans.models import ObjectiveStatus
from stepdown.treatment_plans.schemas import ProgressNoteInput, StatusChangeInput
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import (
    SYSTEM,
    make_aftercare_plan,
    make_client,
    make_occurrence,
    make_plan,
    make_response,
    make_site,
    make_user,
    sign_in,
)

# Three complete weeks before this one; the range runs from the first of them to today.
MONDAY = week_of(today()) - timedelta(weeks=3)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def at(n: int, hour: int = 15) -> datetime:
    return datetime.combine(day(n), time(hour), tzinfo=UTC)


@dataclass
class Chart:
    site: Site
    clinician: User
    review: User
    director: User
    person: Client
    episode: Episode
    assessment: DimensionalAssessment
    authorization: Authorization

    @property
    def clinician_actor(self) -> Actor:
        return security_service.actor_for(self.clinician)

    @property
    def review_actor(self) -> Actor:
        return security_service.actor_for(self.review)


def _group(session: Session, c: Chart, n: int) -> None:
    """A three-hour evening group on day ``n``, attended."""
    occurrence = make_occurrence(
        session,
        site=c.site,
        leader=c.clinician,
        day=day(n),
        start="18:00",
        end="21:00",
        clients=[c.person],
    )
    attendance_service.record_attendance(
        session,
        actor=c.clinician_actor,
        occurrence_id=occurrence.id,
        entries=[attendance_service.Entry(client_id=c.person.id, status=AttendanceStatus.PRESENT)],
    )


def _drug_test(session: Session, actor: Actor, person: Client, n: int) -> None:
    """An admission test on day ``n``: cocaine positive, opiates negative."""
    order = drug_testing_service.order_test(
        session, actor=actor, client_id=person.id, reason=OrderReason.ADMISSION, on=day(n)
    )
    collection = drug_testing_service.record_collection(
        session,
        actor=actor,
        order_id=order.id,
        specimen_type=SpecimenType.URINE,
        observed=True,
        collected_at=at(n, 14),
    )
    drug_testing_service.record_results(
        session,
        actor=actor,
        collection_id=collection.id,
        entries=[
            ResultEntry(analyte=a, method=Method.PRESUMPTIVE, result=value)
            for a, value in (
                (Analyte.COCAINE, ResultValue.POSITIVE),
                (Analyte.OPIATES, ResultValue.NEGATIVE),
            )
        ],
    )


def _authorization(
    session: Session, review: Actor, person: Client, episode: Episode
) -> Authorization:
    owner = coverage_service.Owner(client_id=person.id)
    coverage = make_coverage(session, owner, make_payer(session), member_id="W7")
    found = service.request_authorization(
        session,
        actor=review,
        episode_id=episode.id,
        data=AuthorizationRequest(
            coverage_id=coverage.id,
            level_code="IOP",
            unit_type=UnitType.DAY,
            requested_units=20,
            starts_on=day(0),
            ends_on=day(34),
        ),
    )
    return service.record_decision(
        session,
        actor=review,
        authorization_id=found.id,
        data=Decision(status=AuthStatus.APPROVED, approved_units=20, auth_number="A-77"),
    )


def make_chart(session: Session) -> Chart:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    review = make_user(session, role=Role.UTILIZATION_REVIEW, site=site)
    director = make_user(session, role=Role.DIRECTOR, site=site)
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
    clinician_actor = security_service.actor_for(clinician)
    draft = placement_service.start_assessment(
        session,
        actor=SYSTEM,
        client_id=person.id,
        data=AssessmentInput.model_validate(
            {
                "d1_rating": 1,
                "d2_rating": 0,
                "d3_rating": 2,
                "d4_rating": 1,
                "d5_rating": 3,
                "d6_rating": 1,
                "environment_stable": True,
                "day_available": False,
                "evening_available": True,
            }
        ),
    )
    assessment = placement_service.sign(session, actor=SYSTEM, assessment_id=draft.id)
    diagnoses_service.add_diagnosis(
        session,
        actor=clinician_actor,
        client_id=person.id,
        code="F10.20",
        principal=True,
        specifiers=Specifiers(Severity.MODERATE),
        diagnosed_on=day(-7),
    )
    medications_service.add_medication(
        session,
        actor=clinician_actor,
        client_id=person.id,
        data=MedicationCreate(
            name="Naltrexone 50 mg", prescriber="Dr. Reyes", starts_on=day(2), is_mat=True
        ),
    )
    authorization = _authorization(session, security_service.actor_for(review), person, episode)
    return Chart(site, clinician, review, director, person, episode, assessment, authorization)


@pytest.fixture
def chart(session: Session) -> Chart:
    return make_chart(session)


def _evidence(session: Session, c: Chart) -> None:
    """A met first week (three 3-hour groups), drug tests before and in the range, PHQ-9
    and BAM results, and an objective moved to in progress today."""
    for n in (0, 2, 3):
        _group(session, c, n)
    _drug_test(session, c.clinician_actor, c.person, -3)  # before the range: left out
    _drug_test(session, c.clinician_actor, c.person, 4)
    make_response(session, client=c.person, code="phq9", administered_at=at(-2))  # before
    make_response(session, client=c.person, code="phq9", administered_at=at(1))
    make_response(session, client=c.person, code="phq9", answers=[2] * 9, administered_at=at(15))
    make_response(session, client=c.person, code="bam", administered_at=at(5))
    plan = make_plan(session, client=c.person, clinician=c.clinician)
    [view] = plans_service.list_plans(session, actor=c.clinician_actor, client_id=c.person.id)
    [objective] = view.objectives
    plans_service.record_progress_note(
        session,
        actor=c.clinician_actor,
        plan_id=plan.id,
        data=ProgressNoteInput(
            written_on=today(),
            narrative="Progress note.",
            changes=[
                StatusChangeInput(objective_id=objective.id, to_status=ObjectiveStatus.IN_PROGRESS)
            ],
        ),
    )


def _section(found: packet.Packet, key: str) -> packet.Section:
    return next(s for s in found.sections if s.key == key)


class TestBuild:
    def test_each_section_has_dated_linked_items(self, session: Session, chart: Chart) -> None:
        c = chart
        _evidence(session, c)
        found = packet.build_packet(
            session,
            actor=c.review_actor,
            episode_id=c.episode.id,
            starts_on=MONDAY,
            ends_on=today(),
            authorization_id=c.authorization.id,
        )
        base = f"/clients/{c.person.id}?tab="
        assert found.notice == packet.INTERNAL_NOTICE
        assert "42 CFR 2.31" in found.notice
        assert found.payer.startswith("Test Health Plan")
        assert "no. A-77" in found.authorization
        assert found.level == "Intensive outpatient (IOP)"

        dims = _section(found, "dimensions")
        assert [(i.on, i.detail, i.url) for i in dims.items][:2] == [
            (today(), "1 (mild)", f"/assessments/{c.assessment.id}"),
            (today(), "0 (none)", f"/assessments/{c.assessment.id}"),
        ]
        assert len(dims.items) == 6
        assert dims.items[4].label.startswith("Dimension 5: Relapse")
        assert dims.items[4].detail == "3 (significant)"

        [dx] = _section(found, "diagnoses").items
        assert (dx.on, dx.label.split()[0]) == (day(-7), "F10.20")
        assert dx.detail.startswith("principal")
        assert dx.url.startswith(base + "diagnoses#diagnosis-")

        [med] = _section(found, "medications").items
        assert (med.on, med.label) == (
            day(2),
            "Naltrexone 50 mg (medication for addiction treatment)",
        )
        assert med.url.startswith(base + "medications#medication-")

        weeks = _section(found, "hours").items
        assert [w.on for w in weeks] == [day(0), day(7), day(14), day(21)]
        assert weeks[0].detail.startswith("9.0 h delivered of 9.0 h minimum (IOP): met")
        assert weeks[1].detail.startswith("0.0 h delivered of 9.0 h minimum (IOP): short by 9.0 h")
        assert {w.url for w in weeks} == {base + "hours"}

        [test] = _section(found, "drug_tests").items
        assert test.on == day(4)
        assert test.label == "Urine specimen (admission, observed)"
        assert test.detail == (
            "Cocaine positive (presumptive, unexpected positive); Opiates negative (presumptive)"
        )
        assert test.url.startswith(base + "drug_tests#order-")

        trends = _section(found, "trends")
        assert [(i.on, i.label, i.detail) for i in trends.items] == [
            (day(1), "PHQ-9", "total 0 (minimal)"),
            (day(5), "BAM", "use 0, risk 0, protective 0"),
            (day(15), "PHQ-9", "total 18 (moderately severe)"),
        ]
        assert trends.note == "PHQ-9 from 0 to 18 in the range (up 18)."
        assert all(i.url.startswith(base + "assessments#response-") for i in trends.items)

        [objective] = _section(found, "plan").items
        assert objective.detail.endswith(f"in progress since {today().isoformat()}")
        assert objective.url == base + "plan"

        discharge = _section(found, "discharge_plan")
        assert discharge.withheld == ""  # UR reads it for the packet (aftercare.access.REVIEW)
        assert discharge.empty == "No aftercare plan for this episode yet."

    def test_one_export_entry_per_build(self, session: Session, chart: Chart) -> None:
        packet.build_packet(
            session,
            actor=chart.review_actor,
            episode_id=chart.episode.id,
            starts_on=MONDAY,
            ends_on=today(),
        )
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity_type == packet.ENTITY))
        )
        [entry] = entries
        assert entry.action is AuditAction.EXPORT
        assert entry.client_id == chart.person.id
        assert entry.entity_id == str(chart.episode.id)
        assert entry.detail is not None
        assert entry.detail["from"] == MONDAY.isoformat()
        assert entry.detail["purpose"] == "internal_preparation"
        assert entry.detail["withheld"] == []

    def test_the_director_reads_the_discharge_plan_section(
        self, session: Session, chart: Chart
    ) -> None:
        found = packet.build_packet(
            session,
            actor=security_service.actor_for(chart.director),
            episode_id=chart.episode.id,
            starts_on=MONDAY,
            ends_on=today(),
        )
        discharge = _section(found, "discharge_plan")
        assert discharge.withheld == ""
        assert discharge.empty == "No aftercare plan for this episode yet."
        assert _section(found, "drug_tests").items == ()

    def test_utilization_review_reads_the_episodes_aftercare_plan_for_the_packet(
        self, session: Session, chart: Chart
    ) -> None:
        other = make_client(session, site=session.get(Site, chart.person.site_id))  # type: ignore[arg-type]
        plan = make_aftercare_plan(session, client=other)
        found = packet.build_packet(
            session,
            actor=chart.review_actor,
            episode_id=plan.episode_id,
            starts_on=today() - timedelta(days=20),
            ends_on=today(),
        )
        discharge = _section(found, "discharge_plan")
        assert discharge.withheld == ""
        assert discharge.items
        assert all(i.url.endswith("aftercare") for i in discharge.items)

    def test_other_roles_are_refused(self, session: Session, chart: Chart) -> None:
        with pytest.raises(Forbidden):
            packet.build_packet(
                session,
                actor=chart.clinician_actor,
                episode_id=chart.episode.id,
                starts_on=MONDAY,
                ends_on=today(),
            )

    @pytest.mark.parametrize(
        ("start", "end", "field"),
        [
            (day(10), day(9), "to"),
            (MONDAY, today() + timedelta(days=1), "to"),
            (today() - timedelta(days=92), today(), "from"),
            (day(-8), day(0), "from"),  # before the admission
        ],
    )
    def test_a_range_it_cannot_cover_names_the_field(
        self, session: Session, chart: Chart, start: date, end: date, field: str
    ) -> None:
        with pytest.raises(Invalid) as caught:
            packet.build_packet(
                session,
                actor=chart.review_actor,
                episode_id=chart.episode.id,
                starts_on=start,
                ends_on=end,
            )
        assert caught.value.field == field

    def test_another_episodes_authorization_is_refused(
        self, session: Session, chart: Chart
    ) -> None:
        other = make_chart(session)
        with pytest.raises(Invalid) as caught:
            packet.build_packet(
                session,
                actor=chart.review_actor,
                episode_id=chart.episode.id,
                starts_on=MONDAY,
                ends_on=today(),
                authorization_id=other.authorization.id,
            )
        assert caught.value.field == "authorization"

    def test_an_unknown_episode_is_not_found(self, session: Session, chart: Chart) -> None:
        with pytest.raises(NotFound):
            packet.build_packet(
                session,
                actor=chart.review_actor,
                episode_id=chart.person.id,
                starts_on=MONDAY,
                ends_on=today(),
            )


class TestPages:
    def test_ur_builds_the_packet_from_the_tab(
        self, client: TestClient, session: Session, chart: Chart
    ) -> None:
        c = chart
        _group(session, c, 0)
        session.commit()
        sign_in(client, c.review.username)
        tab = client.get(f"/clients/{c.person.id}?tab=authorizations")
        assert "Build the review packet" in tab.text
        assert f'name="authorization" value="{c.authorization.id}"' in tab.text
        url = f"/episodes/{c.episode.id}/review-packet"
        query = {
            "from": MONDAY.isoformat(),
            "to": today().isoformat(),
            "authorization": str(c.authorization.id),
        }
        page = client.get(url, params=query)
        assert page.status_code == 200
        assert "For internal preparation only:" in page.text
        assert "42 CFR 2.32" in page.text
        assert f'href="/assessments/{c.assessment.id}"' in page.text
        assert "ASAM dimension ratings" in page.text
        assert "Test Health Plan" in page.text
        pdf = client.get(url + ".pdf", params=query)
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        formats = [
            e.detail["format"]
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == packet.ENTITY)
            )
            if e.detail
        ]
        assert sorted(formats) == ["html", "pdf"]

    def test_a_clinician_is_refused(
        self, client: TestClient, session: Session, chart: Chart
    ) -> None:
        session.commit()
        sign_in(client, chart.clinician.username)
        tab = client.get(f"/clients/{chart.person.id}?tab=authorizations")
        assert tab.status_code == 200
        assert "Build the review packet" not in tab.text
        page = client.get(
            f"/episodes/{chart.episode.id}/review-packet",
            params={"from": MONDAY.isoformat(), "to": today().isoformat()},
        )
        assert page.status_code == 403

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"from": "2020-02-02", "to": "2020-02-01"}, "To"),
            ({"to": "2020-02-01"}, "From"),
            ({"from": "2020-02-30", "to": "2020-03-01"}, "From"),
            ({"from": "2020-01-01", "to": "2020-06-01"}, "From"),
        ],
    )
    def test_a_refused_range_is_422_naming_the_field(
        self, client: TestClient, session: Session, chart: Chart, query: dict[str, str], field: str
    ) -> None:
        session.commit()
        sign_in(client, chart.review.username)
        url = f"/episodes/{chart.episode.id}/review-packet"
        page = client.get(url, params=query)
        assert page.status_code == 422
        assert f"<strong>{field}:</strong>" in page.text
        assert client.get(url + ".pdf", params=query).status_code == 422
