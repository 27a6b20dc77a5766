"""Charges from delivered care, on SQLite and PostgreSQL: the boundaries the rules draw, seen
through the whole path (attendance, the signed note's times, coverage, contract, consent,
authorization) into stored lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.authorizations.rules import UnitType
from stepdown.billing import charges, setup
from stepdown.billing.claim_data import ClaimType
from stepdown.billing.models import ChargeLine
from stepdown.billing.rules import BillingMode, LineStatus, ServiceKind
from stepdown.calendar.models import AppointmentKind
from stepdown.clinical_notes.models import ServiceType
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.billing.factories import (
    World,
    appointment_with_note,
    authorize,
    contract_input,
    make_world,
)
from tests.factories import make_user


def _lines(session: Session, world: World) -> list[ChargeLine]:
    charges.compute_week(session, actor=world.biller, week_of=world.monday)
    return list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.client_id == world.client.id)
            .order_by(ChargeLine.service_date, ChargeLine.code)
        )
    )


@pytest.mark.parametrize(
    ("minutes", "code", "status"),
    [
        (15, "", LineStatus.NOT_BILLABLE),
        (16, "90832", LineStatus.READY),
        (37, "90832", LineStatus.READY),
        (38, "90834", LineStatus.READY),
        (52, "90834", LineStatus.READY),
        (53, "90837", LineStatus.READY),
    ],
    ids=["15-min", "16-min", "37-min", "38-min", "52-min", "53-min"],
)
def test_psychotherapy_is_coded_by_the_signed_notes_minutes(
    session: Session, minutes: int, code: str, status: LineStatus
) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=minutes)
    [line] = _lines(session, world)
    assert (line.code, line.status, line.minutes) == (code, status, minutes)
    if status is LineStatus.NOT_BILLABLE:
        assert line.reasons == [f"{minutes} min: under the 16 minutes psychotherapy needs"]
    else:
        assert line.charge_cents > 0
        assert line.payer_id == world.payer.id


@pytest.mark.parametrize(
    ("minutes", "units", "status"),
    [
        (7, 0, LineStatus.NOT_BILLABLE),
        (8, 1, LineStatus.READY),
        (22, 1, LineStatus.READY),
        (23, 2, LineStatus.READY),
    ],
    ids=["7-min", "8-min", "22-min", "23-min"],
)
def test_h0004_units_follow_the_contracts_rounding(
    session: Session, minutes: int, units: int, status: LineStatus
) -> None:
    world = make_world(session, codes={ServiceKind.INDIVIDUAL: "H0004"})
    appointment_with_note(session, world, minutes=minutes)
    [line] = _lines(session, world)
    assert (line.code, line.units, line.status) == ("H0004", units, status)
    assert line.charge_cents == units * 2000


def test_an_unsigned_note_holds_the_line(session: Session) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=50, sign=False)
    [line] = _lines(session, world)
    assert line.status is LineStatus.HELD
    assert any(r.startswith("no note, no claim") for r in line.reasons)


def test_family_sessions_with_and_without_the_client(session: Session) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=26, kind=AppointmentKind.FAMILY)
    appointment_with_note(
        session,
        world,
        minutes=30,
        offset=1,
        service_type=ServiceType.FAMILY_WITHOUT_CLIENT,
    )
    lines = _lines(session, world)
    assert [(ln.code, ln.status) for ln in lines] == [
        ("90847", LineStatus.READY),
        ("90846", LineStatus.READY),
    ]


def test_switching_the_contract_to_per_diem_is_a_data_change(session: Session) -> None:
    """The same delivered day: per service it is two lines; after the contract row is
    edited to per diem (IOP, 3 h a day), one H0015 line."""
    world = make_world(session, level="IOP")
    appointment_with_note(session, world, minutes=135)
    appointment_with_note(session, world, minutes=45)
    per_service = _lines(session, world)
    assert sorted(ln.code for ln in per_service) == ["90834", "90837"]
    setup.save_contract(
        session,
        actor=world.biller,
        contract_id=world.contract.id,
        data=contract_input(
            world.payer,
            "IOP",
            mode=BillingMode.PER_DIEM,
            per_diem_code="H0015",
            per_diem_min_minutes=180,
        ),
    )
    [per_diem] = _lines(session, world)
    assert (per_diem.kind, per_diem.code, per_diem.status) == ("per_diem", "H0015", "ready")
    assert per_diem.charge_cents == 17500
    assert len(per_diem.sources) == 2


def test_a_per_diem_day_under_its_minimum_is_not_billable(session: Session) -> None:
    world = make_world(
        session,
        level="IOP",
        mode=BillingMode.PER_DIEM,
        per_diem_code="H0015",
        per_diem_min_minutes=180,
    )
    appointment_with_note(session, world, minutes=179)
    [line] = _lines(session, world)
    assert line.status is LineStatus.NOT_BILLABLE
    assert line.reasons == ["IOP day short of its 3 h minimum (2 h 59 min delivered)"]


def test_lines_beyond_the_authorization_are_held_with_the_reason(session: Session) -> None:
    world = make_world(session, requires_authorization=True)
    authorize(
        session,
        world,
        units=1,
        starts=world.day(0),
        ends=world.day(30),
        unit=UnitType.VISIT,
    )
    appointment_with_note(session, world, minutes=50, offset=0)
    appointment_with_note(session, world, minutes=50, offset=2)
    first, second = _lines(session, world)
    assert (first.status, first.authorization_number) == (LineStatus.READY, "AUTH-1")
    assert second.status is LineStatus.HELD
    assert second.reasons == ["above the approved units: 1 of 1 visits used (authorization AUTH-1)"]


def test_a_line_outside_the_authorizations_dates_is_held(session: Session) -> None:
    world = make_world(session, requires_authorization=True)
    authorize(session, world, units=5, starts=world.day(3), ends=world.day(20), unit=UnitType.VISIT)
    appointment_with_note(session, world, minutes=50, offset=1)
    [line] = _lines(session, world)
    assert line.reasons == [f"no approved authorization covers {world.day(1).isoformat()}"]


def test_no_consent_no_claim(session: Session) -> None:
    world = make_world(session, consent=False)
    appointment_with_note(session, world, minutes=50)
    [line] = _lines(session, world)
    assert line.status is LineStatus.HELD
    assert any(
        r.startswith(f"no consent lets the claim go to {world.payer.name}") for r in line.reasons
    )


def test_an_address_a_claim_cannot_carry_holds_the_line(session: Session) -> None:
    world = make_world(session)
    world.client.address = "somewhere in town"
    appointment_with_note(session, world, minutes=50)
    [line] = _lines(session, world)
    assert "the client's address has no street, city, state and ZIP a claim needs" in line.reasons


def test_recomputing_keeps_released_days_and_is_idempotent(session: Session) -> None:
    world = make_world(session)
    appointment_with_note(session, world, minutes=50)
    first = _lines(session, world)
    again = _lines(session, world)
    assert [(ln.code, ln.status, ln.sources) for ln in first] == [
        (ln.code, ln.status, ln.sources) for ln in again
    ]
    again[0].status = LineStatus.RELEASED
    session.flush()
    result = charges.compute_week(session, actor=world.biller, week_of=world.monday)
    assert (result.written, result.kept) == (0, 1)


def test_only_billing_staff_and_the_director_compute_charges(session: Session) -> None:
    world = make_world(session)
    clinician = security_service.actor_for(world.clinician)
    with pytest.raises(Forbidden):
        charges.compute_week(session, actor=clinician, week_of=world.monday)
    director = security_service.actor_for(make_user(session, role=Role.DIRECTOR))
    charges.compute_week(session, actor=director, week_of=world.monday)


def test_a_week_starts_on_a_monday(session: Session) -> None:
    world = make_world(session)
    with pytest.raises(Invalid) as refused:
        charges.compute_week(session, actor=world.biller, week_of=world.monday + timedelta(days=1))
    assert refused.value.field == "week"


def _medicare(session: Session) -> World:
    return make_world(
        session,
        level="IOP",
        claim_type=ClaimType.INSTITUTIONAL,
        type_of_bill="76",
        revenue_code="0900",
        condition_codes=["92"],
        medicare=True,
    )


@pytest.mark.parametrize(
    ("services", "flagged"), [(2, True), (3, False)], ids=["2-services", "3-services"]
)
def test_a_medicare_day_of_fewer_than_3_services_is_flagged(
    session: Session, services: int, flagged: bool
) -> None:
    world = _medicare(session)
    for _ in range(services):
        appointment_with_note(session, world, minutes=60)
    lines = _lines(session, world)
    assert len(lines) == services
    assert {ln.status for ln in lines} == {LineStatus.READY}  # a flag warns, never holds
    day_flags = [f for ln in lines for f in ln.flags if "services on this day" in f]
    assert bool(day_flags) is flagged


@pytest.mark.parametrize(
    ("minutes", "flagged"), [(170, True), (180, False)], ids=["8.5-hours", "9-hours"]
)
def test_a_medicare_iop_week_under_9_hours_is_flagged(
    session: Session, minutes: int, flagged: bool
) -> None:
    """One day of three 170-minute sessions is 8.5 h in the week; three of 180 are 9 h."""
    world = _medicare(session)
    for _ in range(3):
        appointment_with_note(session, world, minutes=minutes)
    lines = _lines(session, world)
    week_flags = [f for ln in lines for f in ln.flags if "this week" in f]
    assert bool(week_flags) is flagged
    if flagged:
        assert week_flags[0] == "8 h 30 min this week: below the 9 h of IOP certification"
