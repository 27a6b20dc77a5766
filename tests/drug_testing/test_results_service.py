"""Orders, collections and results on a real database: readings against the client's
medications, confirmation orders, refusals and missed collections in the summary, standing
orders, refusals that name their field or rule, and the audit rows every change writes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.drug_testing import service
from stepdown.drug_testing.models import (
    Analyte,
    Interpretation,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
    TestCollection,
    TestOrder,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.drug_testing.test_service import admitted
from tests.factories import SYSTEM, make_client, make_site, make_user

P, N = ResultValue.POSITIVE, ResultValue.NEGATIVE


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


@pytest.fixture
def person(session: Session, site: Site) -> Client:
    return admitted(session, site, days_ago=30)


def on_suboxone(session: Session, person: Client, days: int = 20) -> None:
    medications_service.add_medication(
        session,
        actor=SYSTEM,
        client_id=person.id,
        data=MedicationCreate(
            name="Suboxone 8 mg/2 mg",
            prescriber="Dr. Test",
            starts_on=today() - timedelta(days=days),
        ),
    )


def collected(
    session: Session,
    person: Client,
    *,
    days_ago: int = 0,
    specimen: SpecimenType = SpecimenType.URINE,
) -> TestCollection:
    day = today() - timedelta(days=days_ago)
    order = service.order_test(
        session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION, on=day
    )
    at = min(datetime.combine(day, time(9), tzinfo=UTC), utc_now())
    return service.record_collection(
        session,
        actor=SYSTEM,
        order_id=order.id,
        specimen_type=specimen,
        observed=True,
        collected_at=at,
        chain_of_custody_id="COC-1",
    )


def entry(
    analyte: Analyte, result: ResultValue, method: Method = Method.PRESUMPTIVE
) -> ResultEntry:
    return ResultEntry(analyte=analyte, method=method, result=result)


def confirmations(session: Session, person: Client) -> list[TestOrder]:
    stmt = select(TestOrder).where(
        TestOrder.client_id == person.id, TestOrder.reason == OrderReason.CONFIRMATION
    )
    return list(session.scalars(stmt))


class TestReadings:
    def test_an_unexpected_presumptive_positive_orders_one_confirmation(
        self, session: Session, person: Client
    ) -> None:
        on_suboxone(session, person)
        collection = collected(session, person)
        [cocaine, bup] = service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collection.id,
            entries=[entry(Analyte.COCAINE, P), entry(Analyte.BUPRENORPHINE, P)],
        )
        assert cocaine.interpretation is Interpretation.UNEXPECTED_POSITIVE
        assert (bup.interpretation, bup.explained_by) == (
            Interpretation.EXPECTED_POSITIVE,
            "Suboxone 8 mg/2 mg",
        )
        [confirmation] = confirmations(session, person)
        assert (confirmation.confirms_order_id, confirmation.confirms_analyte) == (
            collection.order_id,
            Analyte.COCAINE,
        )
        assert confirmation.status is OrderStatus.ORDERED
        # The laboratory's result closes it, and orders nothing more.
        [definitive] = service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collection.id,
            entries=[entry(Analyte.COCAINE, P, Method.DEFINITIVE)],
        )
        assert definitive.interpretation is Interpretation.UNEXPECTED_POSITIVE
        [closed] = confirmations(session, person)
        assert closed.status is OrderStatus.RESULTED

    def test_an_expected_positive_orders_no_confirmation(
        self, session: Session, person: Client
    ) -> None:
        on_suboxone(session, person)
        collection = collected(session, person)
        service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collection.id,
            entries=[entry(Analyte.BUPRENORPHINE, P), entry(Analyte.FENTANYL, N)],
        )
        assert confirmations(session, person) == []

    def test_a_negative_buprenorphine_on_mat_is_flagged_missing(
        self, session: Session, person: Client
    ) -> None:
        on_suboxone(session, person)
        [result] = service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collected(session, person).id,
            entries=[entry(Analyte.BUPRENORPHINE, N)],
        )
        assert result.interpretation is Interpretation.EXPECTED_POSITIVE_MISSING

    def test_medications_are_read_as_of_the_collection_day(
        self, session: Session, person: Client
    ) -> None:
        on_suboxone(session, person, days=3)  # started after the specimen was given
        [result] = service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collected(session, person, days_ago=5).id,
            entries=[entry(Analyte.BUPRENORPHINE, P)],
        )
        assert result.interpretation is Interpretation.UNEXPECTED_POSITIVE

    def test_a_result_is_never_overwritten(self, session: Session, person: Client) -> None:
        collection = collected(session, person)
        service.record_results(
            session, actor=SYSTEM, collection_id=collection.id, entries=[entry(Analyte.OPIATES, N)]
        )
        with pytest.raises(Conflict) as refused:
            service.record_results(
                session,
                actor=SYSTEM,
                collection_id=collection.id,
                entries=[entry(Analyte.OPIATES, P)],
            )
        assert (refused.value.rule, refused.value.field) == ("result.already_recorded", "analyte")

    def test_a_breath_specimen_takes_alcohol_only(self, session: Session, person: Client) -> None:
        collection = collected(session, person, specimen=SpecimenType.BREATH)
        with pytest.raises(Invalid) as refused:
            service.record_results(
                session,
                actor=SYSTEM,
                collection_id=collection.id,
                entries=[entry(Analyte.ALCOHOL, N), entry(Analyte.COCAINE, N)],
            )
        assert refused.value.field == "analyte"
        assert session.scalar(select(func.count()).select_from(TestCollection)) == 1


class TestOutcomes:
    def test_refused_and_missed_count_as_such_not_as_negatives(
        self, session: Session, person: Client
    ) -> None:
        for status in (OrderStatus.REFUSED, OrderStatus.MISSED):
            order = service.order_test(
                session,
                actor=SYSTEM,
                client_id=person.id,
                reason=OrderReason.FOR_CAUSE,
                note=f"test {status}",
            )
            service.mark_outcome(session, actor=SYSTEM, order_id=order.id, status=status)
        summary = service.results_summary(
            session, actor=SYSTEM, client_id=person.id, start=today(), end=today()
        )
        assert (summary.ordered, summary.refused, summary.missed, summary.collected) == (2, 1, 1, 0)
        assert summary.expected_positives == summary.unexpected_positives == {}

    def test_a_refused_order_takes_no_collection(self, session: Session, person: Client) -> None:
        order = service.order_test(
            session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION
        )
        service.mark_outcome(session, actor=SYSTEM, order_id=order.id, status=OrderStatus.REFUSED)
        with pytest.raises(Conflict) as refused:
            service.record_collection(
                session,
                actor=SYSTEM,
                order_id=order.id,
                specimen_type=SpecimenType.URINE,
                observed=False,
                collected_at=utc_now(),
            )
        assert refused.value.rule == "collection.order_not_open"

    def test_a_future_order_cannot_be_missed_yet(self, session: Session, person: Client) -> None:
        order = service.order_test(
            session,
            actor=SYSTEM,
            client_id=person.id,
            reason=OrderReason.ADMISSION,
            on=today() + timedelta(days=2),
        )
        with pytest.raises(Conflict) as refused:
            service.mark_outcome(
                session, actor=SYSTEM, order_id=order.id, status=OrderStatus.MISSED
            )
        assert refused.value.rule == "outcome.not_yet_due"


class TestOrdering:
    def test_for_cause_needs_its_cause_and_a_double_submit_makes_one_order(
        self, session: Session, person: Client
    ) -> None:
        with pytest.raises(Invalid) as refused:
            service.order_test(
                session, actor=SYSTEM, client_id=person.id, reason=OrderReason.FOR_CAUSE
            )
        assert refused.value.field == "note"
        service.order_test(session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION)
        with pytest.raises(Conflict) as twice:
            service.order_test(
                session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION
            )
        assert twice.value.rule == "order.duplicate"

    def test_a_collection_in_the_future_is_refused(self, session: Session, person: Client) -> None:
        order = service.order_test(
            session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION
        )
        with pytest.raises(Invalid) as refused:
            service.record_collection(
                session,
                actor=SYSTEM,
                order_id=order.id,
                specimen_type=SpecimenType.URINE,
                observed=False,
                collected_at=utc_now() + timedelta(hours=2),
            )
        assert refused.value.field == "collected_at"


class TestStandingOrders:
    def test_idempotent_per_client_and_day(
        self, session: Session, site: Site, person: Client
    ) -> None:
        service.set_standing_schedule(
            session, actor=SYSTEM, client_id=person.id, weekday=today().weekday(), starts_on=today()
        )
        first = service.create_due_standing_orders(session, actor=SYSTEM, day=today())
        again = service.create_due_standing_orders(session, actor=SYSTEM, day=today())
        assert [o.client_id for o in first] == [person.id]
        assert again == []
        assert first[0].reason is OrderReason.SCHEDULED
        tomorrow = service.create_due_standing_orders(
            session, actor=SYSTEM, day=today() + timedelta(days=1)
        )
        assert tomorrow == []

    def test_a_client_already_tested_that_day_gets_no_second_order(
        self, session: Session, person: Client
    ) -> None:
        service.order_test(session, actor=SYSTEM, client_id=person.id, reason=OrderReason.ADMISSION)
        service.set_standing_schedule(
            session, actor=SYSTEM, client_id=person.id, weekday=today().weekday(), starts_on=today()
        )
        assert service.create_due_standing_orders(session, actor=SYSTEM, day=today()) == []

    def test_only_clients_in_care_and_only_the_current_day(
        self, session: Session, site: Site, person: Client
    ) -> None:
        outside = make_client(session, site=site)  # never admitted
        for who in (person, outside):
            service.set_standing_schedule(
                session,
                actor=SYSTEM,
                client_id=who.id,
                weekday=today().weekday(),
                starts_on=today(),
            )
        # Changing the day from next week leaves this week's day in place.
        next_week = today() + timedelta(days=7)
        service.set_standing_schedule(
            session,
            actor=SYSTEM,
            client_id=person.id,
            weekday=(today().weekday() + 1) % 7,
            starts_on=next_week,
        )
        today_orders = service.create_due_standing_orders(session, actor=SYSTEM, day=today())
        assert [o.client_id for o in today_orders] == [person.id]
        assert service.create_due_standing_orders(session, actor=SYSTEM, day=next_week) == []
        moved = service.create_due_standing_orders(
            session, actor=SYSTEM, day=next_week + timedelta(days=1)
        )
        assert [o.client_id for o in moved] == [person.id]

    def test_a_schedule_cannot_start_in_the_past(self, session: Session, person: Client) -> None:
        with pytest.raises(Invalid) as refused:
            service.set_standing_schedule(
                session,
                actor=SYSTEM,
                client_id=person.id,
                weekday=0,
                starts_on=today() - timedelta(days=1),
            )
        assert refused.value.field == "starts_on"


class TestAccess:
    def test_every_change_is_audited_against_the_client(
        self, session: Session, person: Client
    ) -> None:
        before = session.scalar(select(func.max(AuditEntry.seq))) or 0
        collection = collected(session, person)
        service.record_results(
            session, actor=SYSTEM, collection_id=collection.id, entries=[entry(Analyte.COCAINE, P)]
        )
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
        written = {(r.entity_type, r.action.value) for r in rows if r.client_id == person.id}
        assert {
            ("test_order", "create"),
            ("test_collection", "create"),
            ("test_result", "create"),
        } <= written

    def test_a_clinician_outside_the_caseload_gets_not_found(
        self, session: Session, site: Site, person: Client
    ) -> None:
        collection = collected(session, person)
        stranger = security_service.actor_for(make_user(session, role=Role.CLINICIAN, site=site))
        with pytest.raises(NotFound):
            service.record_results(
                session,
                actor=stranger,
                collection_id=collection.id,
                entries=[entry(Analyte.COCAINE, N)],
            )

    @pytest.mark.parametrize("role", [Role.UTILIZATION_REVIEW, Role.CASE_MANAGER, Role.ADMIN])
    def test_only_clinicians_and_directors_order(
        self, session: Session, site: Site, person: Client, role: Role
    ) -> None:
        actor = security_service.actor_for(make_user(session, role=role, site=site))
        with pytest.raises(Forbidden):
            service.order_test(
                session, actor=actor, client_id=person.id, reason=OrderReason.ADMISSION
            )


class TestTodaysTests:
    def test_the_sites_orders_of_the_day_without_confirmations_each_read_audited(
        self, session: Session, site: Site, person: Client
    ) -> None:
        elsewhere = admitted(session, make_site(session))
        collection = collected(session, person)
        service.record_results(
            session, actor=SYSTEM, collection_id=collection.id, entries=[entry(Analyte.COCAINE, P)]
        )
        service.order_test(
            session, actor=SYSTEM, client_id=elsewhere.id, reason=OrderReason.ADMISSION
        )
        manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER, site=site))
        before = session.scalar(select(func.max(AuditEntry.seq))) or 0
        rows = service.todays_tests(session, actor=manager, site_id=site.id, day=today())
        assert [(r.client.id, r.order.reason) for r in rows] == [(person.id, OrderReason.ADMISSION)]
        assert rows[0].collection is not None
        reads = session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
        assert [(r.action.value, r.client_id) for r in reads] == [("read", person.id)]
