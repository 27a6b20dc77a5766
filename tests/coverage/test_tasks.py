"""The nightly re-verification: every payer coverage in force of the clients in care whose
last check is a month old or missing, oldest first; a coverage that cannot be asked is
skipped and the others still checked; a second run the same day checks nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.rules import UnitType
from stepdown.authorizations.schemas import AuthorizationRequest
from stepdown.coverage import eligibility, service
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway
from stepdown.coverage.models import CheckMethod, EligibilityCheck
from stepdown.jobs.registry import default_registry
from stepdown.kit.clock import today
from stepdown.programs import service as programs_service
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, make_client, make_episode, make_site


def _route() -> eligibility.Route:
    return eligibility.Route(
        gateway=SimulatorGateway(timeout=5.0, sleep=lambda _: None),
        method=CheckMethod.SIMULATOR,
        sender_id="STEPDOWN",
        receiver_id="SIMULATOR",
        sleep=lambda _: None,
    )


def _checks(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EligibilityCheck)) or 0


def test_everyone_in_care_is_verified_monthly(session: Session) -> None:
    programs_service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="UTC")
    programs_service.update_program(
        session, actor=SYSTEM, name="Harbor", phone="", address="", npi="1234567893"
    )
    site = make_site(session)
    payer = make_payer(session)
    no_id = make_payer(session, payer_code="")
    in_care, other_in_care, gone = (make_client(session, site=site) for _ in range(3))
    for person in (in_care, other_in_care):
        make_episode(session, client=person)
    for person, chosen in ((in_care, payer), (other_in_care, no_id), (gone, payer)):
        make_coverage(session, service.Owner(client_id=person.id), chosen, member_id="ACT1")
    make_coverage(session, service.Owner(client_id=in_care.id), None, rank=2)  # self-pay

    day = today()
    assert eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day) == 1
    assert _checks(session) == 1  # the payer without an id is skipped, still due
    assert eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day) == 0
    first = session.scalars(select(EligibilityCheck)).one()
    first.checked_at -= timedelta(days=30)  # a month on
    session.flush()
    later = eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day)
    assert later == 1
    assert _checks(session) == 2


def test_the_job_is_registered_to_run_before_the_day_starts() -> None:
    job = default_registry().get("coverage.reverify")
    assert job is not None
    assert job.periodic
    assert job.at is not None
    assert job.at.hour < 7


def test_a_coverage_is_verified_again_before_its_authorization_period(session: Session) -> None:
    programs_service.create_program(session, actor=SYSTEM, name="Harbor", time_zone="UTC")
    programs_service.update_program(
        session, actor=SYSTEM, name="Harbor", phone="", address="", npi="1234567893"
    )
    person = make_client(session, site=make_site(session))
    episode = make_episode(session, client=person)
    coverage = make_coverage(
        session, service.Owner(client_id=person.id), make_payer(session), member_id="ACT2"
    )
    day = today()
    assert eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day) == 1
    first = session.scalars(select(EligibilityCheck)).one()
    first.checked_at -= timedelta(days=10)  # checked ten days ago: not due monthly
    session.flush()
    assert eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day) == 0
    authorizations_service.request_authorization(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        data=AuthorizationRequest(
            coverage_id=coverage.id,
            level_code="IOP",
            unit_type=UnitType.DAY,
            requested_units=12,
            starts_on=day + timedelta(days=2),
            ends_on=day + timedelta(days=30),
        ),
    )
    assert eligibility.reverify_in_care(session, actor=SYSTEM, route=_route(), today=day) == 1
