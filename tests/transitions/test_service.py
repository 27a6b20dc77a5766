"""Running reviews, the queue, accepting and dismissing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.alerts.models import AlertKind, Severity
from stepdown.audit.models import AuditEntry
from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, EpisodeStatus, Track, Transition
from stepdown.coverage import service as coverage_service
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import (
    Analyte,
    Method,
    OrderReason,
    ResultValue,
    SpecimenType,
    TestCollection,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.jobs.models import JobRun
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.programs.models import Site
from stepdown.safety import service as safety_service
from stepdown.safety.rules import Disposition, RiskLevel
from stepdown.safety.schemas import SafetyAssessmentInput, SafetyPlanInput
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings
from stepdown.transitions import service, tasks
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rules import ProposalKind
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_alert,
    make_checkin,
    make_client,
    make_response,
    make_site,
    make_user,
    sign_in,
)


def _admit(session: Session, client: Client, level: str, days_ago: int) -> None:
    track = {"PHP": Track.DAY, "IOP": Track.EVENING}.get(level, Track.NONE)
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=client.id,
        level_code=level,
        track=track,
        on=today() - timedelta(days=days_ago),
        reason="test admission",
    )


def _using(session: Session, client: Client) -> None:
    """A check-in today reporting use with a craving of 8: the engine asks for a step up."""
    make_checkin(session, client=client, craving=8, used_since_last=True, substance="alcohol")


def _specimen(
    session: Session,
    client: Client,
    results: dict[Analyte, ResultValue],
    *,
    days_ago: int = 0,
    method: Method = Method.PRESUMPTIVE,
) -> TestCollection:
    """An admission-reason order collected ``days_ago`` with the results given."""
    day = today() - timedelta(days=days_ago)
    order = drug_testing_service.order_test(
        session, actor=SYSTEM, client_id=client.id, reason=OrderReason.ADMISSION, on=day
    )
    collection = drug_testing_service.record_collection(
        session,
        actor=SYSTEM,
        order_id=order.id,
        specimen_type=SpecimenType.URINE,
        observed=True,
        collected_at=min(datetime.combine(day, time(9), tzinfo=UTC), utc_now()),
    )
    drug_testing_service.record_results(
        session,
        actor=SYSTEM,
        collection_id=collection.id,
        entries=[ResultEntry(analyte=a, method=method, result=r) for a, r in results.items()],
    )
    return collection


def _evidenced(session: Session, client: Client, days_ago: int = 0) -> None:
    """What a client doing well has on record ``days_ago``: a negative specimen, a calm
    check-in and a PHQ-9 of 0 (without them the engine says there is not enough evidence)."""
    at = min(datetime.combine(today() - timedelta(days=days_ago), time(12), tzinfo=UTC), utc_now())
    _specimen(
        session,
        client,
        {Analyte.COCAINE: ResultValue.NEGATIVE, Analyte.OPIATES: ResultValue.NEGATIVE},
        days_ago=days_ago,
    )
    make_checkin(session, client=client, submitted_at=at)
    make_response(session, client=client, code="phq9", administered_at=at)


def _reviews(session: Session, client: Client) -> list[LevelReview]:
    return list(
        session.scalars(
            select(LevelReview)
            .where(LevelReview.client_id == client.id)
            .order_by(LevelReview.run_on)
        )
    )


def _audited(session: Session, review: LevelReview) -> list[str]:
    rows = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "level_review", AuditEntry.entity_id == str(review.id)
        )
    )
    return [row.action for row in rows]


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


@pytest.fixture
def clinician(session: Session, site: Site) -> User:
    return make_user(session, role=Role.CLINICIAN, site=site)


@pytest.fixture
def actor(clinician: User) -> Actor:
    return security_service.actor_for(clinician)


@pytest.fixture
def using(session: Session, site: Site, clinician: User) -> Client:
    client = make_client(session, site=site, clinician=clinician)
    _admit(session, client, "IOP", 35)
    _using(session, client)
    return client


class TestSiteRun:
    def test_proposes_for_each_client_in_care_and_is_idempotent(
        self, session: Session, site: Site, clinician: User, using: Client
    ) -> None:
        calm = make_client(session, site=site, clinician=clinician)
        _admit(session, calm, "IOP", 20)
        _evidenced(session, calm)
        first = service.run_for_site(session, actor=SYSTEM, site_id=site.id)
        assert [(line.record_number, line.kind, line.target) for line in first] == [
            (using.record_number, ProposalKind.STEP_UP, "PHP"),
            (calm.record_number, ProposalKind.STAY, None),
        ]
        assert all(line.recorded for line in first)
        assert "craving averaging 8 of 10" in first[0].top_reasons[0]
        again = service.run_for_site(session, actor=SYSTEM, site_id=site.id)
        assert [line.recorded for line in again] == [False, False]
        count = session.scalar(
            select(func.count())
            .select_from(LevelReview)
            .where(LevelReview.client_id.in_([using.id, calm.id]))
        )
        assert count == 2

    def test_a_changed_proposal_supersedes_the_waiting_one(
        self, session: Session, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "IOP", 20)
        _evidenced(session, client, days_ago=15)
        service.run_for_site(
            session, actor=SYSTEM, site_id=site.id, day=today() - timedelta(days=1)
        )
        _using(session, client)
        service.run_for_site(session, actor=SYSTEM, site_id=site.id)
        old, new = _reviews(session, client)
        assert (old.kind, old.status) == (ProposalKind.STAY, ReviewStatus.SUPERSEDED)
        assert (new.kind, new.status) == (ProposalKind.STEP_UP, ReviewStatus.PROPOSED)
        assert _audited(session, old) == ["create", "update"]

    def test_a_dismissed_proposal_waits_for_its_review_date(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "IOP", 20)
        days = [today() - timedelta(days=n) for n in (2, 1, 0)]
        service.run_for_site(session, actor=SYSTEM, site_id=site.id, day=days[0])
        (review,) = _reviews(session, client)
        service.dismiss(session, actor=actor, review_id=review.id, reason="Seen today in person")
        review.next_review_due = days[2]
        service.run_for_site(session, actor=SYSTEM, site_id=site.id, day=days[1])
        assert len(_reviews(session, client)) == 1
        service.run_for_site(session, actor=SYSTEM, site_id=site.id, day=days[2])
        assert [r.run_on for r in _reviews(session, client)] == [days[0], days[2]]

    def test_the_nightly_job_queues_one_run_per_site_and_day(
        self, session: Session, site: Site, settings: Settings
    ) -> None:
        for _ in range(2):
            tasks.run_nightly(session, actor=SYSTEM, settings=settings, day=today())
        keys = session.scalars(select(JobRun.key).where(JobRun.name == "reviews.run_site"))
        assert list(keys).count(f"{site.id}:{today()}") == 1

    def test_the_site_task_runs_the_review(
        self, session: Session, site: Site, settings: Settings, using: Client
    ) -> None:
        day = today().isoformat()
        tasks.run_site(session, actor=SYSTEM, settings=settings, site_id=str(site.id), day=day)
        (review,) = _reviews(session, using)
        assert (review.kind, review.run_on.isoformat()) == (ProposalKind.STEP_UP, day)


class TestAccept:
    def test_a_step_up_is_recorded_through_the_continuum(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        accepted = service.accept(
            session, actor=actor, review_id=review.id, note="Agreed with client"
        )
        (view,) = continuum_service.client_episodes(session, actor=actor, client=using)
        current = view.segments[-1]
        assert continuum_service.level_for(session, current.level_id).code == "PHP"
        assert (current.transition, current.track, current.starts_on) == (
            Transition.STEP_UP,
            Track.DAY,  # PHP runs no evening track
            today(),
        )
        assert "craving averaging 8 of 10" in current.reason
        assert accepted.status is ReviewStatus.ACCEPTED
        assert accepted.decided_by == actor.user_id
        assert accepted.outcome == f"step up to PHP (day) on {today()}"
        assert _audited(session, review) == ["create", "update"]

    def test_a_step_into_a_new_level_opens_an_authorization_request_for_ur(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        payer = make_payer(session)
        make_coverage(session, coverage_service.Owner(client_id=using.id), payer, member_id="W9")
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        accepted = service.accept(session, actor=actor, review_id=review.id)
        assert accepted.outcome.endswith("an authorization request for PHP waits for UR")
        (found,) = session.scalars(select(Authorization)).all()
        assert (found.level_code, found.status, found.starts_on) == (
            "PHP",
            AuthStatus.PENDING,
            today(),
        )
        assert found.requested_units >= 1
        # Accepting again is refused (decided), and a second request is never opened.
        again = authorizations_service.open_for_new_level(
            session,
            actor=actor,
            episode=session.get(Episode, found.episode_id),  # type: ignore[arg-type]
            level=continuum_service.level_by_code(session, "PHP"),
            on=today(),
        )
        assert again is None

    def test_the_step_down_from_aftercare_completes_the_program(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "AFTERCARE", 200)
        _evidenced(session, client)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, review.target_level_id, review.discharge) == (
            ProposalKind.STEP_DOWN,
            None,
            True,
        )
        service.accept(session, actor=actor, review_id=review.id)
        (view,) = continuum_service.client_episodes(session, actor=actor, client=client)
        assert view.episode.status is EpisodeStatus.DISCHARGED
        assert view.episode.discharge_type is DischargeType.COMPLETED

    def test_refused_when_the_level_changed_since_the_review(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        continuum_service.step(
            session,
            actor=actor,
            episode_id=review.episode_id,
            direction=Transition.STEP_DOWN,
            level_code="OP",
            track=Track.EVENING,
            on=today(),
            reason="moved by hand",
        )
        with pytest.raises(Conflict) as refused:
            service.accept(session, actor=actor, review_id=review.id)
        assert refused.value.rule == "review.stale"
        assert review.status is ReviewStatus.PROPOSED

    def test_a_decided_review_is_not_decided_again(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        service.dismiss(session, actor=actor, review_id=review.id, reason="Reassessed in person")
        with pytest.raises(Conflict, match="already dismissed"):
            service.accept(session, actor=actor, review_id=review.id)
        with pytest.raises(Conflict, match="already dismissed"):
            service.run_for_client(session, actor=actor, client_id=using.id)


def _item9(session: Session, client: Client) -> None:
    """A PHQ-9 with item 9 answered 2, which raises its urgent alert: the gate is live."""
    make_response(session, client=client, code="phq9", answers=[0, 0, 0, 0, 0, 0, 0, 0, 2])


def _completing(session: Session, site: Site, clinician: User) -> Client:
    """A client 200 days into aftercare with a clean month on record: the engine proposes
    completing the program."""
    client = make_client(session, site=site, clinician=clinician)
    _admit(session, client, "AFTERCARE", 200)
    _evidenced(session, client)
    return client


def _plan() -> SafetyPlanInput:
    return SafetyPlanInput(
        warning_signs=["Not sleeping"],
        coping_strategies=["Walk the dog"],
        people_to_ask=["My sister"],
        making_safe=["Medications locked away"],
    )


class TestSafetyHold:
    """Issue 11: while the safety gate is live, no step down (nor the completing discharge)
    can be accepted, whatever the review said when it ran."""

    def test_the_completing_discharge_is_refused_while_risk_is_live(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = _completing(session, site, clinician)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert (review.kind, review.discharge) == (ProposalKind.STEP_DOWN, True)
        _item9(session, client)  # after the review ran: the gate is read again at accept
        with pytest.raises(Conflict) as refused:
            service.accept(session, actor=actor, review_id=review.id)
        assert refused.value.rule == "review.safety_hold"
        assert "PHQ-9 item 9 answered 2" in refused.value.message
        assert "complete the program" in refused.value.message
        assert review.status is ReviewStatus.PROPOSED
        (view,) = continuum_service.client_episodes(session, actor=actor, client=client)
        assert view.episode.status is EpisodeStatus.ACTIVE

    def test_a_step_down_is_refused_while_a_safety_alert_is_open(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "IOP", 70)
        _evidenced(session, client)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        # As if the engine had proposed IOP -> OP: the hold is about any step down.
        review.kind = ProposalKind.STEP_DOWN
        review.target_level_id = continuum_service.level_by_code(session, "OP").id
        make_alert(
            session,
            client=client,
            kind=AlertKind.CSSRS_HIGH,
            severity=Severity.URGENT,
            summary="C-SSRS screener high risk: same-day evaluation",
        )
        with pytest.raises(Conflict) as refused:
            service.accept(session, actor=actor, review_id=review.id)
        assert refused.value.rule == "review.safety_hold"
        assert "C-SSRS screener high risk" in refused.value.message
        (view,) = continuum_service.client_episodes(session, actor=actor, client=client)
        assert continuum_service.level_for(session, view.segments[-1].level_id).code == "IOP"

    def test_more_care_is_still_accepted(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        assert review.kind is ProposalKind.STEP_UP
        _item9(session, using)
        accepted = service.accept(session, actor=actor, review_id=review.id)
        assert accepted.outcome.startswith("step up to PHP")

    def test_a_documented_safety_assessment_lets_the_step_down_go_ahead(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = _completing(session, site, clinician)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        _item9(session, client)
        with pytest.raises(Conflict):
            service.accept(session, actor=actor, review_id=review.id)
        safety_service.record_assessment(
            session,
            actor=actor,
            client_id=client.id,
            data=SafetyAssessmentInput(
                risk_level=RiskLevel.LOW,
                disposition=Disposition.OUTPATIENT_WITH_PLAN,
                rationale="Passive thoughts last week, none now; plan agreed",
                plan=_plan(),
            ),
        )
        accepted = service.accept(session, actor=actor, review_id=review.id)
        assert accepted.outcome.startswith("discharged (completed)")

    def test_the_api_refuses_with_409_naming_the_rule(
        self, client: TestClient, session: Session, site: Site, clinician: User
    ) -> None:
        person = _completing(session, site, clinician)
        session.commit()
        sign_in(client, clinician.username)
        headers = {"X-CSRF-Token": csrf_from(client.get("/").text)}
        run = client.post(f"/api/v1/clients/{person.id}/reviews/run", headers=headers)
        assert (run.json()["kind"], run.json()["discharge"]) == ("step_down", True)
        _item9(session, person)
        session.commit()
        refused = client.post(
            f"/api/v1/reviews/{run.json()['id']}/accept", json={}, headers=headers
        )
        assert refused.status_code == 409
        assert refused.json()["rule"] == "review.safety_hold"
        assert "PHQ-9 item 9" in refused.json()["detail"]
        again = client.post(f"/api/v1/clients/{person.id}/reviews/run", headers=headers).json()
        assert (again["kind"], again["safety"], again["urgency"]) == ("reassess", True, 100)


class TestDismiss:
    def test_keeps_the_reason_and_is_audited(
        self, session: Session, actor: Actor, using: Client
    ) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        service.dismiss(session, actor=actor, review_id=review.id, reason="  One-off at a wedding ")
        assert review.status is ReviewStatus.DISMISSED
        assert review.decision_note == "One-off at a wedding"
        assert review.decided_at is not None
        assert _audited(session, review) == ["create", "update"]

    def test_needs_a_reason(self, session: Session, actor: Actor, using: Client) -> None:
        review = service.run_for_client(session, actor=actor, client_id=using.id)
        with pytest.raises(Invalid) as refused:
            service.dismiss(session, actor=actor, review_id=review.id, reason="   ")
        assert refused.value.field == "reason"
        assert review.status is ReviewStatus.PROPOSED


class TestQueue:
    def test_urgent_first_and_only_the_caseload(
        self, session: Session, actor: Actor, site: Site, clinician: User, using: Client
    ) -> None:
        stepping_down = make_client(session, site=site, clinician=clinician)
        _admit(session, stepping_down, "AFTERCARE", 200)
        _evidenced(session, stepping_down)
        calm = make_client(session, site=site, clinician=clinician)
        _admit(session, calm, "IOP", 20)
        _evidenced(session, calm)
        other = make_client(session, site=site, clinician=make_user(session, site=site))
        _admit(session, other, "IOP", 35)
        _using(session, other)
        service.run_for_site(session, actor=SYSTEM, site_id=site.id)
        mine = service.queue(session, actor=actor)
        # The calm client's stay is not due yet; another clinician's client is not shown.
        assert [i.client.id for i in mine] == [using.id, stepping_down.id]
        assert service.waiting_count(session, actor=actor) == 2
        director = make_user(session, role=Role.DIRECTOR)
        everyone = service.queue(session, actor=security_service.actor_for(director))
        assert {using.id, other.id, stepping_down.id} <= {i.client.id for i in everyone}

    def test_a_stay_joins_the_queue_when_due(
        self, session: Session, actor: Actor, site: Site, clinician: User
    ) -> None:
        client = make_client(session, site=site, clinician=clinician)
        _admit(session, client, "IOP", 20)
        _evidenced(session, client)
        review = service.run_for_client(session, actor=actor, client_id=client.id)
        assert review.kind is ProposalKind.STAY
        assert service.queue(session, actor=actor) == []
        review.next_review_due = today() - timedelta(days=1)
        (item,) = service.queue(session, actor=actor)
        assert item.overdue

    def test_roles_without_reviews_are_refused(self, session: Session, site: Site) -> None:
        manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER, site=site))
        with pytest.raises(Forbidden):
            service.queue(session, actor=manager)
        with pytest.raises(Forbidden):
            service.run_for_site(session, actor=manager, site_id=site.id)
