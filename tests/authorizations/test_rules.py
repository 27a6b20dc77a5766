"""Authorization arithmetic: units from attendance per unit type, remaining never negative,
overruns and shortfalls, the weekly window, status moves and quantity checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.authorizations import rules
from stepdown.authorizations.rules import AuthStatus, Service, UnitType
from stepdown.kit.errors import Conflict, Invalid

START = date(2026, 3, 2)  # a Monday


def _service(
    day: int, *, attended: bool = True, appointment: bool = False, minutes: int = 180
) -> Service:
    return Service(START + timedelta(days=day), attended, appointment, minutes)


services = st.lists(
    st.builds(
        Service,
        day=st.integers(0, 60).map(lambda n: START + timedelta(days=n)),
        attended=st.booleans(),
        appointment=st.booleans(),
        minutes=st.integers(0, 300),
    ),
    max_size=40,
)


def test_ten_iop_days_with_three_attended_leave_seven() -> None:
    """The issue's example: an approval of 10 IOP days, attendance on 3 days."""
    attended = [_service(0), _service(2), _service(4), _service(4, minutes=60)]  # 2 on day 4
    booked = [_service(7, attended=False), _service(9, attended=False)]
    found = rules.balance(UnitType.DAY, 10, START, START + timedelta(days=27), attended + booked)
    assert (found.used, found.remaining, found.planned) == (3, 7, 2)


def test_each_unit_type_counts_its_own_way() -> None:
    day = [
        _service(0, minutes=50),
        _service(0, appointment=True, minutes=50),
        _service(1, minutes=29),
    ]
    assert rules.units_of(UnitType.DAY, day) == 2
    assert rules.units_of(UnitType.SESSION, day) == 3
    assert rules.units_of(UnitType.VISIT, day) == 1
    assert rules.units_of(UnitType.UNIT_15, day) == 3 + 3 + 1


@given(services, st.integers(0, 50), st.integers(0, 60), st.integers(0, 60))
def test_remaining_is_never_negative_and_adds_up(
    found: list[Service], approved: int, start: int, length: int
) -> None:
    starts = START + timedelta(days=start)
    ends = starts + timedelta(days=length)
    for unit in UnitType:
        b = rules.balance(unit, approved, starts, ends, found)
        assert b.remaining >= 0
        assert b.remaining - b.overrun == approved - b.used
        assert b.short == max(b.planned - b.remaining, 0)


@given(services)
def test_services_outside_the_dates_use_nothing(found: list[Service]) -> None:
    before = START - timedelta(days=30)
    b = rules.balance(UnitType.SESSION, 5, before, START - timedelta(days=1), found)
    assert (b.used, b.planned) == (0, 0)


def test_a_day_already_used_is_not_planned_again() -> None:
    found = [_service(3), _service(3, attended=False)]
    assert rules.balance(UnitType.DAY, 5, START, START + timedelta(days=6), found).planned == 0


def test_the_weekly_window_is_monday_to_sunday() -> None:
    found = [_service(d) for d in range(10)]
    assert rules.week_used(UnitType.DAY, found, START) == 7
    assert rules.week_used(UnitType.DAY, found, START + timedelta(days=7)) == 3


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        (AuthStatus.PENDING, AuthStatus.APPROVED, True),
        (AuthStatus.DENIED, AuthStatus.IN_APPEAL, True),
        (AuthStatus.IN_APPEAL, AuthStatus.PARTIAL, True),
        (AuthStatus.APPROVED, AuthStatus.DENIED, False),
        (AuthStatus.CANCELLED, AuthStatus.PENDING, False),
    ],
)
def test_status_moves(current: AuthStatus, target: AuthStatus, ok: bool) -> None:
    if ok:
        rules.check_move(current, target)
    else:
        with pytest.raises(Conflict):
            rules.check_move(current, target)


def test_quantities_follow_the_status() -> None:
    rules.check_quantities(AuthStatus.PENDING, 12, None, None)
    rules.check_quantities(AuthStatus.PARTIAL, 12, 10, 5)
    with pytest.raises(Invalid) as refused:
        rules.check_quantities(AuthStatus.APPROVED, 12, 10, None)
    assert refused.value.field == "approved_units"
    with pytest.raises(Invalid):
        rules.check_quantities(AuthStatus.APPROVED, 12, None, None)
    with pytest.raises(Invalid):
        rules.check_quantities(AuthStatus.DENIED, 12, 3, None)
    with pytest.raises(Invalid):
        rules.check_quantities(AuthStatus.PENDING, 0, None, None)


def test_running_out_by_units_or_days() -> None:
    b = rules.Balance(approved=10, used=8, planned=0)
    assert rules.running_out(b, START + timedelta(days=30), START)
    plenty = rules.Balance(approved=10, used=1, planned=0)
    assert not rules.running_out(plenty, START + timedelta(days=30), START)
    assert rules.running_out(plenty, START + timedelta(days=5), START)
