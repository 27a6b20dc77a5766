"""Eligibility checks end to end on SQLite and PostgreSQL: a 270 written from the coverage,
sent through the simulator (in process, and over HTTP), its 271 read into a snapshot and
kept beside it; every scenario's outcome, the retries, a mismatched answer refused, a
verification by phone, and who may check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.coverage import eligibility, service
from stepdown.coverage.benefits import BenefitsSnapshot, Network
from stepdown.coverage.clearinghouse.http_gateway import X12HttpGateway
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway, serve
from stepdown.coverage.models import CheckMethod, CheckOutcome, Coverage, Relationship
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.kit.x12 import parse
from stepdown.programs import service as programs_service
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM, make_client, make_site, make_user

NPI = "1234567893"  # CMS's worked example of the check digit


def _no_wait(_: float) -> None:
    """The retries' waits, taken instantly: the tests count attempts, not seconds."""


@dataclass
class Setting:
    client: Client
    payer_id: object

    def coverage(self, session: Session, member_id: str, **overrides: object) -> Coverage:
        payer = service._payer(session, self.payer_id)  # type: ignore[arg-type]
        return make_coverage(
            session,
            service.Owner(client_id=self.client.id),
            payer,
            member_id=member_id,
            **overrides,
        )


@pytest.fixture
def setting(session: Session) -> Setting:
    programs_service.create_program(session, actor=SYSTEM, name="Harbor Recovery", time_zone="UTC")
    programs_service.update_program(
        session, actor=SYSTEM, name="Harbor Recovery", phone="", address="", npi=NPI
    )
    client = make_client(
        session,
        site=make_site(session),
        legal_first_name="Marta",
        legal_last_name="Quiñones",
        date_of_birth=date(1988, 2, 29),
        sex_assigned_at_birth="female",
    )
    payer = make_payer(session, name="Harbor Health Plan (test)", payer_code="HHP01")
    return Setting(client, payer.id)


def _route(gateway: object = None, *, timeout: float = 5.0) -> eligibility.Route:
    return eligibility.Route(
        gateway=gateway or SimulatorGateway(timeout=timeout, sleep=_no_wait),  # type: ignore[arg-type]
        method=CheckMethod.SIMULATOR,
        sender_id="STEPDOWN",
        receiver_id="SIMULATOR",
        sleep=_no_wait,
    )


def _check(session: Session, coverage: Coverage, **kwargs: object) -> eligibility.EligibilityCheck:
    route = kwargs.pop("route", None) or _route()
    return eligibility.check(session, actor=SYSTEM, coverage_id=coverage.id, route=route, **kwargs)  # type: ignore[arg-type]


def test_an_active_coverage_has_its_behavioral_health_copays(
    session: Session, setting: Setting
) -> None:
    coverage = setting.coverage(session, "ACT1001")
    found = _check(session, coverage)
    assert found.outcome is CheckOutcome.ACTIVE
    assert found.attempts == 1
    sent = parse(found.request_x12)
    assert next(s for s in sent if s.id == "NM1" and s.get(1) == "1P").get(9) == NPI
    assert (
        next(s for s in sent if s.id == "NM1" and s.get(1) == "IL").get(3) == "Quinones"
    )  # accents folded, as payers match
    assert found.response_x12.startswith("ISA")
    snapshot = BenefitsSnapshot.from_json(found.snapshot or {})
    ai = snapshot.service("AI")
    assert ai is not None
    in_network = ai.network(Network.IN)
    assert in_network is not None
    assert in_network.copays
    assert in_network.copays[0].amount is not None
    assert found.service_types == ["30", "MH", "AI", "AJ", "AK", "BB", "A8"]
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "eligibility_check")
    ).one()
    assert audit.detail["outcome"] == "active"
    assert audit.client_id == setting.client.id


def test_authorization_required_and_the_carve_out_come_through(
    session: Session, setting: Setting
) -> None:
    auth = _check(session, setting.coverage(session, "AUTH2002"))
    snapshot = BenefitsSnapshot.from_json(auth.snapshot or {})
    service_ai = snapshot.service("AI")
    assert service_ai is not None
    assert any(
        n is not None and n.authorization_required
        for n in (service_ai.network(net) for net in Network)
    )
    carve = _check(session, setting.coverage(session, "CRV3003", rank=2))
    snapshot = BenefitsSnapshot.from_json(carve.snapshot or {})
    outs = [c for s in snapshot.services for c in s.carve_outs]
    assert outs
    assert outs[0].name
    assert outs[0].phone


def test_an_inactive_coverage_is_inactive(session: Session, setting: Setting) -> None:
    found = _check(session, setting.coverage(session, "INA4004"))
    assert found.outcome is CheckOutcome.INACTIVE


@pytest.mark.parametrize("member_id", ["A72-5005", "A75-5005"])
def test_a_demographics_rejection_is_not_inactive_and_not_retried(
    session: Session, setting: Setting, member_id: str
) -> None:
    found = _check(session, setting.coverage(session, member_id))
    assert found.outcome is CheckOutcome.REJECTED
    assert found.attempts == 1
    assert "inactive" not in found.detail
    assert found.snapshot is not None


def test_a_payer_unable_to_respond_is_asked_again(session: Session, setting: Setting) -> None:
    found = _check(session, setting.coverage(session, "A42-6006"))
    assert found.attempts == 3
    assert found.outcome is CheckOutcome.REJECTED
    assert "42" in str(found.snapshot)


def test_a_failing_clearinghouse_is_retried_then_reported_as_no_answer(
    session: Session, setting: Setting
) -> None:
    failed = _check(session, setting.coverage(session, "ERR7007"))
    assert (failed.outcome, failed.attempts) == (CheckOutcome.FAILED, 3)
    assert failed.detail.startswith("server_error")
    slow = _check(session, setting.coverage(session, "SLOW8008", rank=2))
    assert slow.outcome is CheckOutcome.FAILED
    assert slow.detail.startswith("timeout")
    assert slow.snapshot is None


def test_an_answer_about_someone_else_is_refused(session: Session, setting: Setting) -> None:
    found = _check(session, setting.coverage(session, "MIS9009"))
    assert found.outcome is CheckOutcome.MISMATCH
    assert found.snapshot is None  # never stored as this person's benefits
    assert found.response_x12  # ... but kept as received


def test_a_dependent_is_asked_about_under_the_subscriber(
    session: Session, setting: Setting
) -> None:
    coverage = setting.coverage(
        session,
        "ACT1010",
        relationship=Relationship.CHILD,
        subscriber_first_name="Rosa",
        subscriber_last_name="Quiñones",
        subscriber_date_of_birth=date(1960, 7, 1),
    )
    found = _check(session, coverage)
    assert found.outcome is CheckOutcome.ACTIVE
    hierarchy = [s.get(3) for s in parse(found.request_x12) if s.id == "HL"]
    assert hierarchy == ["20", "21", "22", "23"]


def test_without_the_programs_npi_nobody_is_asked(session: Session, setting: Setting) -> None:
    programs_service.update_program(
        session, actor=SYSTEM, name="Harbor Recovery", phone="", address="", npi=""
    )
    with pytest.raises(Invalid) as refused:
        _check(session, setting.coverage(session, "ACT1011"))
    assert refused.value.field == "npi"


def test_who_may_check(session: Session, setting: Setting) -> None:
    coverage = setting.coverage(session, "ACT1012")
    clinician = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
    with pytest.raises(Forbidden):
        eligibility.check(session, actor=clinician, coverage_id=coverage.id, route=_route())


def test_a_phone_verification_is_the_same_record(session: Session, setting: Setting) -> None:
    coverage = setting.coverage(session, "W123456789")
    with pytest.raises(Invalid) as refused:
        eligibility.record_phone_verification(
            session,
            actor=SYSTEM,
            coverage_id=coverage.id,
            data=eligibility.PhoneVerification(("AI",), True, "", "REF-1"),
        )
    assert refused.value.field == "representative"
    found = eligibility.record_phone_verification(
        session,
        actor=SYSTEM,
        coverage_id=coverage.id,
        data=eligibility.PhoneVerification(
            ("AI",),
            True,
            "Dana at provider services",
            "CALL-20261201-17",
            copay=Decimal("40"),
            deductible_total=Decimal("1500"),
            authorization_required=True,
        ),
    )
    assert (found.method, found.outcome) == (CheckMethod.PHONE, CheckOutcome.ACTIVE)
    snapshot = BenefitsSnapshot.from_json(found.snapshot or {})
    ai = snapshot.service("AI")
    assert ai is not None
    network = ai.network(Network.IN)
    assert network is not None
    assert network.copays is not None
    assert network.copays[0].amount == Decimal("40")
    assert network.coinsurance is None  # not said: not zero
    assert network.deductibles is not None
    assert network.deductibles[0].remaining is None
    assert eligibility.latest(session, [coverage.id])[coverage.id].id == found.id


@pytest.fixture
def simulator() -> Iterator[str]:
    running = serve(slow_seconds=2.0)
    yield running.url
    running.stop()


def test_a_check_over_http_through_the_simulator(
    session: Session, setting: Setting, simulator: str
) -> None:
    gateway = X12HttpGateway(simulator, 1.0)
    found = _check(session, setting.coverage(session, "DED1013"), route=_route(gateway))
    assert found.outcome is CheckOutcome.ACTIVE
    snapshot = BenefitsSnapshot.from_json(found.snapshot or {})
    deductibles = [
        a
        for s in snapshot.services
        for n in (s.network(net) for net in Network)
        if n is not None and n.deductibles
        for a in n.deductibles
    ]
    assert any(a.total is not None and a.remaining is not None for a in deductibles)
