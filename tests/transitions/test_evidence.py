"""The review engine on real records (issue 11): live suicide risk, missing evidence,
tampered specimens, refusals and a missing MOUD, each as a clinician would record them,
through the domains' own services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import AlertKind, Severity
from stepdown.assessments import service as assessments_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import (
    Analyte,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit.clock import today, utc_now
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.programs.models import Site
from stepdown.safety.rules import GateState
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.transitions import evidence, rules, service
from stepdown.transitions.models import LevelReview
from stepdown.transitions.rules import ProposalKind
from tests.factories import (
    SYSTEM,
    make_alert,
    make_checkin,
    make_client,
    make_response,
    make_site,
    make_user,
)
from tests.transitions.test_service import _admit, _evidenced
from tests.transitions.test_service import _specimen as specimen

P, N, INVALID = ResultValue.POSITIVE, ResultValue.NEGATIVE, ResultValue.INVALID


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


@pytest.fixture
def clinician(session: Session, site: Site) -> User:
    return make_user(session, role=Role.CLINICIAN, site=site)


@pytest.fixture
def actor(clinician: User) -> Actor:
    return security_service.actor_for(clinician)


def clean_month(session: Session, client: Client) -> None:
    """What a client who is doing well has on record: a negative specimen, a calm check-in
    and a PHQ-9 of 0, all today."""
    _evidenced(session, client)


def six_months_in_aftercare(session: Session, site: Site, clinician: User) -> Client:
    """A client 200 days into aftercare: the engine's step down is completing the program."""
    client = make_client(session, site=site, clinician=clinician)
    _admit(session, client, "AFTERCARE", 200)
    return client


def _acknowledge_all(session: Session, actor: Actor, client: Client) -> None:
    for alert in alerts_service.open_alerts_for_client(session, actor=actor, client_id=client.id):
        alerts_service.acknowledge(
            session, actor=actor, alert_id=alert.id, note="Called the client"
        )


def _driving(review: LevelReview) -> list[str]:
    return [str(r["rule_id"]) for r in review.reasons if r.get("drives")]


def _all_ids(review: LevelReview) -> list[str]:
    return [str(r["rule_id"]) for r in review.reasons]


def test_a_client_doing_well_is_proposed_the_step_down(
    session: Session, actor: Actor, site: Site, clinician: User
) -> None:
    client = six_months_in_aftercare(session, site, clinician)
    clean_month(session, client)
    review = service.run_for_client(session, actor=actor, client_id=client.id)
    assert (review.kind, review.discharge) == (ProposalKind.STEP_DOWN, True)
    assert "DOWN-AFTERCARE-COMPLETE" in _driving(review)


class TestLiveRisk:
    """Harm 3: the engine proposed step-downs while suicide risk was live."""

    def test_a_later_item_9_of_zero_does_not_cancel_a_positive_one(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        clean_month(session, client)
        make_response(
            session,
            client=client,
            answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
            administered_at=utc_now() - timedelta(days=3),
        )
        # The alert was seen and closed, but no safety assessment was documented.
        _acknowledge_all(session, actor, client)
        make_response(session, client=client, code="phq9")  # today, item 9 = 0
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, review.safety, review.urgency) == (ProposalKind.REASSESS, True, 100)
        assert _driving(review) == ["SAFETY-PHQ9-ITEM9"]
        assert review.next_review_due == today()

    def test_c_ssrs_behaviour_counts_for_three_months(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        clean_month(session, client)
        make_response(
            session,
            client=client,
            code="cssrs",
            answers=[0, 0, 0, 0, 0, 2],
            administered_at=utc_now() - timedelta(days=60),
        )
        _acknowledge_all(session, actor, client)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, review.safety) == (ProposalKind.REASSESS, True)
        assert _driving(review) == ["SAFETY-CSSRS-RECENT-BEHAVIOUR"]

    def test_an_open_safety_alert_holds_whatever_the_instruments_say(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        clean_month(session, client)
        make_alert(
            session,
            client=client,
            kind=AlertKind.CHECKIN_CRISIS,
            severity=Severity.URGENT,
            summary="Check-in reported thoughts of self-harm",
        )
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, review.safety) == (ProposalKind.REASSESS, True)
        assert _driving(review) == ["SAFETY-OPEN-ALERT"]
        # The step down that would otherwise have been proposed is kept as background.
        assert "DOWN-AFTERCARE-COMPLETE" in _all_ids(review)


class TestMissingEvidence:
    """Harm 5: nothing recorded read as good news."""

    def test_nothing_recorded_is_not_enough_evidence(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert review.kind is ProposalKind.REASSESS
        assert not review.discharge
        assert set(_driving(review)) == {
            "EVIDENCE-NO-SPECIMEN",
            "EVIDENCE-NO-CHECKINS",
            "EVIDENCE-NO-INSTRUMENT",
        }

    @pytest.mark.parametrize("missing", ["specimen", "checkin", "instrument"])
    def test_each_missing_kind_of_evidence_is_named(
        self, session: Session, actor: Actor, site: Site, clinician: User, missing: str
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        if missing != "specimen":
            specimen(session, client, {Analyte.COCAINE: N})
        if missing != "checkin":
            make_checkin(session, client=client)
        if missing != "instrument":
            make_response(session, client=client, code="gad7")
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        expected = {
            "specimen": "EVIDENCE-NO-SPECIMEN",
            "checkin": "EVIDENCE-NO-CHECKINS",
            "instrument": "EVIDENCE-NO-INSTRUMENT",
        }[missing]
        assert (review.kind, _driving(review)) == (ProposalKind.REASSESS, [expected])

    def test_a_specimen_without_a_readable_result_is_not_a_negative(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        make_checkin(session, client=client)
        make_response(session, client=client, code="phq9")
        order = drug_testing_service.order_test(
            session, actor=SYSTEM, client_id=client.id, reason=OrderReason.ADMISSION
        )
        drug_testing_service.record_collection(
            session,
            actor=SYSTEM,
            order_id=order.id,
            specimen_type=SpecimenType.URINE,
            observed=True,
            collected_at=utc_now(),
        )  # sent to the laboratory; no result yet
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, _driving(review)) == (ProposalKind.REASSESS, ["EVIDENCE-NO-SPECIMEN"])

    def test_more_care_on_real_evidence_is_still_proposed(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "IOP", 35)
        make_checkin(session, client=client, craving=8, used_since_last=True, substance="alcohol")
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert review.kind is ProposalKind.STEP_UP
        assert {"EVIDENCE-NO-SPECIMEN", "EVIDENCE-NO-INSTRUMENT"} <= set(_all_ids(review))


class TestTestingHolds:
    """Harm 6: tampered specimens, refusals and a missing MOUD must hold a step down."""

    def test_a_specimen_to_collect_again_holds(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        clean_month(session, client)
        specimen(session, client, {Analyte.COCAINE: INVALID, Analyte.OPIATES: INVALID}, days_ago=2)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, _driving(review)) == (ProposalKind.STAY, ["HOLD-RECOLLECT"])
        (hold,) = [r for r in review.reasons if r["rule_id"] == "HOLD-RECOLLECT"]
        assert "1 specimen" in str(hold["sentence"])

    def test_a_refusal_holds(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        clean_month(session, client)
        order = drug_testing_service.order_test(
            session,
            actor=SYSTEM,
            client_id=client.id,
            reason=OrderReason.FOR_CAUSE,
            on=today() - timedelta(days=1),
            note="Smelled of alcohol",
        )
        drug_testing_service.mark_outcome(
            session, actor=SYSTEM, order_id=order.id, status=OrderStatus.REFUSED
        )
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, _driving(review)) == (ProposalKind.STAY, ["HOLD-REFUSED"])

    def test_a_missing_moud_holds_until_the_alert_is_acknowledged(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        medications_service.add_medication(
            session,
            actor=SYSTEM,
            client_id=client.id,
            data=MedicationCreate(
                name="Buprenorphine-naloxone 8 mg/2 mg",
                prescriber="Dr. Test",
                starts_on=today() - timedelta(days=90),
            ),
        )
        make_checkin(session, client=client)
        make_response(session, client=client, code="phq9")
        specimen(session, client, {Analyte.BUPRENORPHINE: N, Analyte.OPIATES: N})
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, _driving(review)) == (ProposalKind.STAY, ["HOLD-MOUD-MISSING"])
        _acknowledge_all(session, actor, client)
        again = service.run_for_client(session, actor=actor, client_id=client.id)
        assert again.kind is ProposalKind.STEP_DOWN


class TestGather:
    def _gather(self, session: Session, actor: Actor, client: Client) -> rules.Evidence:
        (view,) = continuum_service.client_episodes(session, actor=actor, client=client)
        segment = view.segments[-1]
        return evidence.gather(
            session,
            actor=actor,
            client=client,
            episode=view.episode,
            segment=segment,
            level=continuum_service.level_for(session, segment.level_id),
            day=today(),
        )

    def test_counts_are_none_when_nothing_was_recorded(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        found = self._gather(session, actor, client)
        assert (found.tests_collected, found.positive_specimens) == (0, None)
        assert (found.checkin_days, found.use_days) == (0, None)
        assert found.instruments_since_admission == 0
        values = found.fact_values()
        assert values["positive_specimens"] is None
        assert values["use_days"] is None

    def test_positive_specimens_are_counted_once_each_with_their_confirmation(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        first = specimen(session, client, {Analyte.COCAINE: P, Analyte.OPIATES: P}, days_ago=3)
        specimen(session, client, {Analyte.COCAINE: N}, days_ago=1)
        found = self._gather(session, actor, client)
        # One specimen positive for two drugs is one occasion, not two: no step up.
        assert (found.tests_collected, found.positive_specimens) == (2, 1)
        assert found.confirmed_positive_specimens == 0
        assert found.unexpected_analytes == ("Cocaine", "Opiates")
        drug_testing_service.record_results(
            session,
            actor=SYSTEM,
            collection_id=first.id,
            entries=[ResultEntry(analyte=Analyte.COCAINE, method=Method.DEFINITIVE, result=P)],
        )
        confirmed = self._gather(session, actor, client)
        assert (confirmed.positive_specimens, confirmed.confirmed_positive_specimens) == (1, 1)
        proposal = rules.propose(confirmed)
        (hold,) = [r for r in proposal.reasons if r.rule_id == "HOLD-POSITIVE"]
        assert "Cocaine, Opiates; 1 confirmed by a definitive test" in hold.sentence

    def test_the_gate_and_moud_alerts_are_read_as_of_the_review_day(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = six_months_in_aftercare(session, site, clinician)
        make_alert(session, client=client, kind=AlertKind.PHQ9_ITEM9, severity=Severity.URGENT)
        found = self._gather(session, actor, client)
        assert found.safety_state is GateState.ASSESSMENT_REQUIRED
        assert [r.rule_id for r in found.safety_reasons] == ["SAFETY-OPEN-ALERT"]
        assert found.moud_missing_alerts == 0


class TestPhq9NotImproving:
    """A PHQ-9 of 10 or more not down by half by week 8 of care asks for a reassessment
    (``REASSESS-PHQ9-NO-RESPONSE``; NCQA HEDIS DRR-E response), on fixed dates."""

    ADMITTED = date(2026, 3, 2)
    REVIEW_DAY = date(2026, 9, 28)  # 210 days in aftercare: otherwise completing the program

    @staticmethod
    def _at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)  # midday in New York

    def _doing_well(self, session: Session, site: Site, clinician: User) -> Client:
        """In aftercare since ADMITTED; a negative specimen and a calm check-in in the week
        before REVIEW_DAY."""
        client = make_client(session, site=site, clinician=clinician)
        continuum_service.admit(
            session,
            actor=SYSTEM,
            client_id=client.id,
            level_code="AFTERCARE",
            track=Track.NONE,
            on=self.ADMITTED,
            reason="test admission",
        )
        day = self.REVIEW_DAY - timedelta(days=2)
        order = drug_testing_service.order_test(
            session, actor=SYSTEM, client_id=client.id, reason=OrderReason.ADMISSION, on=day
        )
        collection = drug_testing_service.record_collection(
            session,
            actor=SYSTEM,
            order_id=order.id,
            specimen_type=SpecimenType.URINE,
            observed=True,
            collected_at=self._at(day),
        )
        drug_testing_service.record_results(
            session,
            actor=SYSTEM,
            collection_id=collection.id,
            entries=[
                ResultEntry(analyte=a, method=Method.PRESUMPTIVE, result=N)
                for a in (Analyte.COCAINE, Analyte.OPIATES)
            ],
        )
        make_checkin(session, client=client, submitted_at=self._at(day))
        return client

    def test_no_response_by_week_8_reaches_the_review(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = self._doing_well(session, site, clinician)
        # A PHQ-9 from before this episode is not its index.
        make_response(
            session,
            client=client,
            answers=[0, 0, 1, 1, 0, 0, 0, 0, 0],
            administered_at=self._at(self.ADMITTED - timedelta(days=20)),
        )
        make_response(
            session,
            client=client,
            answers=[2, 2, 2, 2, 2, 2, 1, 1, 0],  # the index: 14, item 9 answered 0
            administered_at=self._at(date(2026, 3, 4)),
        )
        # Half the index, but entered in error: not the latest.
        mistaken = make_response(
            session,
            client=client,
            answers=[1, 1, 1, 1, 1, 1, 1, 0, 0],
            administered_at=self._at(date(2026, 9, 24)),
        )
        assessments_service.mark_entered_in_error(
            session, actor=SYSTEM, response_id=mistaken.id, reason="wrong client"
        )
        make_response(
            session,
            client=client,
            answers=[2, 2, 1, 1, 1, 1, 1, 1, 0],  # 10: down 4 from 14, not by half
            administered_at=self._at(date(2026, 9, 21)),
        )
        review = service.run_for_client(
            session, actor=actor, client_id=client.id, day=self.REVIEW_DAY
        )
        assert (review.kind, review.discharge) == (ProposalKind.REASSESS, False)
        assert _driving(review) == ["REASSESS-PHQ9-NO-RESPONSE"]
        assert "DOWN-AFTERCARE-COMPLETE" in _all_ids(review)
        (reason,) = [r for r in review.reasons if r["rule_id"] == "REASSESS-PHQ9-NO-RESPONSE"]
        assert reason["sentence"] == (
            "PHQ-9 14 (the first since admission) has not dropped by half by week 8 of care "
            "(latest 10 on 2026-09-21): reassess dimension 3 and the treatment plan"
        )
        shown = {e["fact"]: (e["value"], e["on"]) for e in reason["evidence"]}
        assert shown["phq9_baseline"] == ("14", "2026-03-04")
        assert shown["phq9_not_improving"] == (
            "yes",
            "2026-03-02 to 2026-09-28 (week 8 of care from 2026-04-27)",
        )

    def test_a_response_by_half_leaves_the_step_down(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = self._doing_well(session, site, clinician)
        make_response(
            session,
            client=client,
            answers=[2, 2, 2, 2, 2, 2, 1, 1, 0],  # 14
            administered_at=self._at(date(2026, 3, 4)),
        )
        make_response(
            session,
            client=client,
            answers=[1, 1, 1, 1, 1, 1, 1, 0, 0],  # 7: half of 14
            administered_at=self._at(date(2026, 9, 21)),
        )
        review = service.run_for_client(
            session, actor=actor, client_id=client.id, day=self.REVIEW_DAY
        )
        assert (review.kind, review.discharge) == (ProposalKind.STEP_DOWN, True)
        assert "REASSESS-PHQ9-NO-RESPONSE" not in _all_ids(review)
