"""Coverage rules: member ids, subscribers, dates, one coverage per order, and who pays
first."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.coverage import rules
from stepdown.coverage.models import Relationship
from stepdown.kit.errors import Conflict, Invalid

DAY = date(2026, 6, 15)


def _ranked(
    rank: int, *, self_pay: bool = False, starts: int | None = None, ends: int | None = None
) -> rules.Ranked:
    return rules.Ranked(
        uuid.uuid4(),
        rank,
        self_pay,
        DAY + timedelta(days=starts) if starts is not None else None,
        DAY + timedelta(days=ends) if ends is not None else None,
    )


@pytest.mark.parametrize("value", ["W123456789", "XEH-55501", "A1"])
def test_member_ids_as_printed_on_cards_are_kept(value: str) -> None:
    assert rules.check_member_id(f" {value} ") == value


@pytest.mark.parametrize("value", ["", "A", "ab cd", "12*34", "x" * 81, "-abc"])
def test_other_member_ids_are_refused_naming_the_field(value: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.check_member_id(value)
    assert refused.value.field == "member_id"


def test_a_dependent_needs_the_subscribers_name_and_birth_date() -> None:
    rules.check_subscriber(Relationship.SELF, "", "", None)
    with pytest.raises(Invalid) as refused:
        rules.check_subscriber(Relationship.CHILD, "Pat", "", date(1970, 1, 1))
    assert refused.value.field == "subscriber_last_name"
    with pytest.raises(Invalid) as refused:
        rules.check_subscriber(Relationship.CHILD, "Pat", "Example", None)
    assert refused.value.field == "subscriber_date_of_birth"
    rules.check_subscriber(Relationship.SPOUSE, "Pat", "Example", date(1970, 1, 1))


def test_a_coverage_cannot_end_before_it_starts() -> None:
    rules.check_dates(DAY, DAY)
    with pytest.raises(Invalid) as refused:
        rules.check_dates(DAY, DAY - timedelta(days=1))
    assert refused.value.field == "ends_on"


def test_one_coverage_in_force_per_order() -> None:
    with pytest.raises(Conflict) as refused:
        rules.check_rank(1, False, [_ranked(1)], DAY)
    assert refused.value.field == "rank"
    rules.check_rank(2, False, [_ranked(1)], DAY)
    rules.check_rank(1, False, [_ranked(1, ends=-1)], DAY)  # the old primary ended
    rules.check_rank(1, False, [_ranked(1, starts=30)], DAY)  # ... or has not started
    rules.check_rank(1, True, [_ranked(1)], DAY)  # self-pay takes no order from anyone
    with pytest.raises(Invalid):
        rules.check_rank(4, False, [], DAY)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),
            st.booleans(),
            st.integers(-60, 60) | st.none(),
            st.integers(-60, 60) | st.none(),
        ),
        max_size=8,
    )
)
def test_payment_order_is_in_force_by_rank_with_self_pay_last(
    rows: list[tuple[int, bool, int | None, int | None]],
) -> None:
    coverages = [_ranked(r, self_pay=s, starts=a, ends=b) for r, s, a, b in rows]
    order = rules.payment_order(coverages, DAY)
    assert all(c.in_force(DAY) for c in order)
    assert {c.id for c in order} == {c.id for c in coverages if c.in_force(DAY)}
    keys = [(c.self_pay, c.rank) for c in order]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("checked_ago", "period_in", "due"),
    [
        (None, None, True),  # never checked
        (30, None, True),  # a month on
        (29, None, False),
        (10, 2, True),  # a period starts in two days, last check before the lead time
        (10, 5, False),  # ... not yet within the lead time
        (1, 2, False),  # checked within the lead time already
        (10, 0, True),  # the period starts today
    ],
)
def test_reverification_is_monthly_and_before_each_authorization_period(
    checked_ago: int | None, period_in: int | None, due: bool
) -> None:
    checked = DAY - timedelta(days=checked_ago) if checked_ago is not None else None
    period = DAY + timedelta(days=period_in) if period_in is not None else None
    assert rules.reverification_due(checked, DAY, period) is due
