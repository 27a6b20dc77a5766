"""The referral and need transition tables, follow-up dates, and what a sober-living
referral writes on the aftercare plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from stepdown.aftercare.models import SoberLivingStatus
from stepdown.case_management import rules
from stepdown.case_management.models import NeedKind, NeedStatus, ReferralStatus
from stepdown.kit.errors import Conflict, Invalid, StepdownError

R = ReferralStatus
N = NeedStatus
DAY = date(2026, 3, 2)


# The paths the program's case managers described (issue 14), written out by hand: the
# table in rules.py must allow exactly these and nothing else.
PATHS = {
    (R.MADE,),
    (R.MADE, R.ACCEPTED),
    (R.MADE, R.DECLINED),
    (R.MADE, R.ACCEPTED, R.COMPLETED),
    (R.MADE, R.ACCEPTED, R.DECLINED),
    (R.MADE, R.ACCEPTED, R.NO_SHOW),
}


def _paths(path: tuple[ReferralStatus, ...]) -> set[tuple[ReferralStatus, ...]]:
    found = {path}
    for target in rules.REFERRAL_TRANSITIONS[path[-1]]:
        found |= _paths((*path, target))
    return found


class TestReferralTable:
    def test_the_table_allows_exactly_the_described_paths(self) -> None:
        assert _paths((R.MADE,)) == PATHS

    def test_closed_statuses_have_no_exit(self) -> None:
        assert {R.COMPLETED, R.DECLINED, R.NO_SHOW} == rules.CLOSED_REFERRALS
        assert set(R) == rules.OPEN_REFERRALS | rules.CLOSED_REFERRALS

    @pytest.mark.parametrize("current", list(R))
    def test_choices_follow_the_table(self, current: ReferralStatus) -> None:
        assert set(rules.choices(current)) == rules.REFERRAL_TRANSITIONS[current]


def _state(status: ReferralStatus = R.MADE, follow_up: date | None = DAY) -> rules.ReferralState:
    return rules.ReferralState(status, follow_up if status in rules.OPEN_REFERRALS else None, DAY)


class TestChange:
    def test_accepting_needs_the_next_follow_up(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.change(_state(), to=R.ACCEPTED, on=DAY, today=DAY, follow_up_on=None, reason="")
        assert refused.value.field == "follow_up_on"
        after = rules.change(
            _state(), to=R.ACCEPTED, on=DAY, today=DAY, follow_up_on=DAY + timedelta(3), reason=""
        )
        assert after == rules.ReferralState(R.ACCEPTED, DAY + timedelta(3), DAY)

    def test_a_follow_up_date_in_the_past_is_refused(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.change(
                _state(), to=R.MADE, on=DAY, today=DAY, follow_up_on=DAY - timedelta(1), reason=""
            )
        assert refused.value.field == "follow_up_on"

    def test_closing_clears_the_follow_up(self) -> None:
        after = rules.change(
            _state(R.ACCEPTED), to=R.COMPLETED, on=DAY, today=DAY, follow_up_on=DAY, reason=""
        )
        assert after.follow_up_on is None

    @pytest.mark.parametrize("target", [R.DECLINED, R.NO_SHOW])
    def test_a_failed_referral_says_why(self, target: ReferralStatus) -> None:
        with pytest.raises(Invalid) as refused:
            rules.change(
                _state(R.ACCEPTED), to=target, on=DAY, today=DAY, follow_up_on=None, reason="  "
            )
        assert refused.value.field == "reason"

    def test_illegal_moves_name_the_rule(self) -> None:
        with pytest.raises(Conflict) as refused:
            rules.change(_state(), to=R.COMPLETED, on=DAY, today=DAY, follow_up_on=None, reason="")
        assert refused.value.rule == rules.ILLEGAL_TRANSITION
        with pytest.raises(Conflict) as closed:
            rules.change(
                _state(R.DECLINED), to=R.DECLINED, on=DAY, today=DAY, follow_up_on=None, reason="x"
            )
        assert closed.value.rule == rules.REFERRAL_CLOSED

    def test_change_dates_stay_in_order_and_not_ahead(self) -> None:
        for on in (DAY - timedelta(1), DAY + timedelta(1)):
            with pytest.raises(Invalid) as refused:
                rules.change(_state(), to=R.MADE, on=on, today=DAY, follow_up_on=DAY, reason="")
            assert refused.value.field == "on"

    def test_a_new_referral_needs_its_follow_up(self) -> None:
        with pytest.raises(Invalid) as refused:
            rules.start(made_on=DAY, follow_up_on=None, today=DAY)
        assert refused.value.field == "follow_up_on"
        with pytest.raises(Invalid):
            rules.start(made_on=DAY + timedelta(1), follow_up_on=DAY + timedelta(2), today=DAY)


class ReferralMachine(RuleBasedStateMachine):
    """Any sequence of attempted changes, legal or not, on any days: what the rules accept
    never leaves the table, and an open referral always has a follow-up date."""

    def __init__(self) -> None:
        super().__init__()
        self.today = DAY
        self.state = rules.start(made_on=DAY, follow_up_on=DAY + timedelta(7), today=DAY)
        self.path: tuple[ReferralStatus, ...] = (R.MADE,)
        self.last_on = DAY

    @rule(days=st.integers(0, 20))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(
        to=st.sampled_from(list(R)),
        back=st.integers(-1, 3),
        follow_up=st.one_of(st.none(), st.integers(-2, 30)),
        reason=st.sampled_from(["", "  ", "called", "no answer"]),
    )
    def attempt(self, to: ReferralStatus, back: int, follow_up: int | None, reason: str) -> None:
        on = self.today - timedelta(days=back)
        follow_up_on = self.today + timedelta(days=follow_up) if follow_up is not None else None
        before = self.state
        try:
            after = rules.change(
                before, to=to, on=on, today=self.today, follow_up_on=follow_up_on, reason=reason
            )
        except StepdownError:
            assert self.state == before
            return
        assert to is before.status or to in rules.REFERRAL_TRANSITIONS[before.status]
        assert after.last_on >= before.last_on
        if to in rules.REASON_REQUIRED:
            assert reason.strip()
        self.state = after
        if to is not before.status:
            self.path = (*self.path, to)

    @invariant()
    def only_described_paths(self) -> None:
        assert self.path in PATHS

    @invariant()
    def open_means_a_follow_up(self) -> None:
        if self.state.status in rules.OPEN_REFERRALS:
            assert self.state.follow_up_on is not None
        else:
            assert self.state.follow_up_on is None

    @invariant()
    def the_state_is_the_path_end(self) -> None:
        assert self.state.status is self.path[-1]


TestReferralMachine = ReferralMachine.TestCase


class TestFollowUpState:
    @given(
        status=st.sampled_from(list(R)),
        offset=st.integers(-400, 400),
    )
    def test_overdue_exactly_when_open_and_past(self, status: ReferralStatus, offset: int) -> None:
        follow_up_on = DAY + timedelta(days=offset)
        state = rules.follow_up_state(status, follow_up_on, today=DAY)
        overdue = status in rules.OPEN_REFERRALS and offset < 0
        assert (state is rules.FollowUpState.OVERDUE) == overdue
        if status not in rules.OPEN_REFERRALS:
            assert state is rules.FollowUpState.CLOSED
        elif offset == 0:
            assert state is rules.FollowUpState.DUE_TODAY
        elif offset > 0:
            assert state is rules.FollowUpState.UPCOMING
        assert rules.days_overdue(follow_up_on, today=DAY) == max(-offset, 0)


class TestNeeds:
    @pytest.mark.parametrize(
        ("current", "target", "allowed"),
        [
            (N.OPEN, N.IN_PROGRESS, True),
            (N.OPEN, N.MET, True),
            (N.IN_PROGRESS, N.OPEN, True),
            (N.MET, N.OPEN, True),
            (N.NO_LONGER_NEEDED, N.OPEN, True),
            (N.MET, N.IN_PROGRESS, False),
            (N.MET, N.NO_LONGER_NEEDED, False),
            (N.OPEN, N.OPEN, False),
        ],
    )
    def test_table(self, current: NeedStatus, target: NeedStatus, allowed: bool) -> None:
        assert (target in rules.NEED_TRANSITIONS[current]) is allowed

    @given(
        current=st.sampled_from(list(N)),
        target=st.sampled_from(list(N)),
        reason=st.text(max_size=3),
    )
    def test_refusals(self, current: NeedStatus, target: NeedStatus, reason: str) -> None:
        allowed = target in rules.NEED_TRANSITIONS[current]
        needs_reason = allowed and rules.need_reason_required(current, target)
        if not allowed:
            with pytest.raises(Conflict):
                rules.check_need_change(
                    current, target, on=DAY, last_on=DAY, today=DAY, reason=reason
                )
        elif needs_reason and not reason.strip():
            with pytest.raises(Invalid, match="say why"):
                rules.check_need_change(
                    current, target, on=DAY, last_on=DAY, today=DAY, reason=reason
                )
        else:
            rules.check_need_change(current, target, on=DAY, last_on=DAY, today=DAY, reason=reason)

    def test_why_is_asked_to_set_aside_or_reopen(self) -> None:
        assert rules.need_reason_required(N.OPEN, N.NO_LONGER_NEEDED)
        assert rules.need_reason_required(N.MET, N.OPEN)
        assert not rules.need_reason_required(N.IN_PROGRESS, N.OPEN)
        assert not rules.need_reason_required(N.OPEN, N.MET)


class TestAftercarePlan:
    @pytest.mark.parametrize("kind", list(NeedKind))
    @pytest.mark.parametrize("status", list(R))
    def test_only_sober_living_accepted_or_completed(
        self, kind: NeedKind, status: ReferralStatus
    ) -> None:
        expected = {R.ACCEPTED: SoberLivingStatus.ACCEPTED, R.COMPLETED: SoberLivingStatus.MOVED_IN}
        wanted = expected.get(status) if kind is NeedKind.SOBER_LIVING else None
        assert rules.plan_status_for(kind, status) is wanted

    def test_contact_line(self) -> None:
        assert rules.plan_contact(" Lee ", "555-0140") == "Lee, 555-0140"
        assert rules.plan_contact("", "555-0140") == "555-0140"
        assert rules.plan_contact("", "") == ""
