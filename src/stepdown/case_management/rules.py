"""Pure rules of case management: how needs and referrals may move, what each move must
carry, and when a referral's follow-up is due. No I/O; the service applies them.

Referrals (the transitions the program's case managers work by, issue 14):

    made ──► accepted ──► completed
      │          ├──────► declined
      │          └──────► no_show
      └────────────────► declined

- made: the referral has gone to the resource; nobody has answered yet.
- accepted: the resource took the client (an intake date, a bed, a slot).
- completed: the client got the service (moved in, started the job programme, was seen).
- declined: the resource or the client said no, before or after accepting.
- no_show: accepted, but the client never went.

Completed, declined and no-show are final: a new try is a new referral, so the record of
the one that failed stays as it was. While a referral is open (made or accepted) it always
has a follow-up date; a follow-up logged without a change of status sets the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stepdown.aftercare.models import SoberLivingStatus
from stepdown.case_management.models import NeedKind, NeedStatus, ReferralStatus
from stepdown.kit.errors import Conflict, Invalid

# Field lengths, shared by the schemas, the forms and the service.
LIMITS = {
    "detail": 2000,
    "reason": 500,
    "outcome": 2000,
    "name": 200,
    "organization": 200,
    "contact": 120,
    "phone": 40,
    "address": 300,
    "notes": 2000,
}

ILLEGAL_TRANSITION = "case_management.illegal_transition"
REFERRAL_CLOSED = "case_management.referral_closed"
NEED_CLOSED = "case_management.need_closed"

# --- needs ---------------------------------------------------------------------------------

NEED_TRANSITIONS: Mapping[NeedStatus, frozenset[NeedStatus]] = {
    NeedStatus.OPEN: frozenset(
        {NeedStatus.IN_PROGRESS, NeedStatus.MET, NeedStatus.NO_LONGER_NEEDED}
    ),
    NeedStatus.IN_PROGRESS: frozenset(
        {NeedStatus.OPEN, NeedStatus.MET, NeedStatus.NO_LONGER_NEEDED}
    ),
    # A need that comes back (the job ended, the lease fell through) is reopened, with why.
    NeedStatus.MET: frozenset({NeedStatus.OPEN}),
    NeedStatus.NO_LONGER_NEEDED: frozenset({NeedStatus.OPEN}),
}
ACTIVE_NEEDS = frozenset({NeedStatus.OPEN, NeedStatus.IN_PROGRESS})


def need_reason_required(current: NeedStatus, target: NeedStatus) -> bool:
    """Why is asked when a need is set aside unmet, or reopened after it was closed."""
    return target is NeedStatus.NO_LONGER_NEEDED or (
        target is NeedStatus.OPEN and current not in ACTIVE_NEEDS
    )


def check_need_change(
    current: NeedStatus, target: NeedStatus, *, on: date, last_on: date, today: date, reason: str
) -> None:
    """Refuse a need's status change the table does not allow, or one missing what it needs."""
    if target not in NEED_TRANSITIONS[current]:
        raise Conflict(
            f"a need that is {current.label.lower()} cannot become {target.label.lower()}",
            field="status",
            rule=ILLEGAL_TRANSITION,
        )
    check_change_date(on, last_on=last_on, today=today)
    if need_reason_required(current, target) and not reason.strip():
        raise Invalid("say why", field="reason")


def check_identified_on(identified_on: date, *, today: date) -> None:
    if identified_on > today:
        raise Invalid("a need is identified today or earlier", field="identified_on")


# --- referrals -----------------------------------------------------------------------------

REFERRAL_TRANSITIONS: Mapping[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.MADE: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset(
        {ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.NO_SHOW}
    ),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.NO_SHOW: frozenset(),
}
OPEN_REFERRALS = frozenset({ReferralStatus.MADE, ReferralStatus.ACCEPTED})
CLOSED_REFERRALS = frozenset(s for s, exits in REFERRAL_TRANSITIONS.items() if not exits)
# A referral that failed says why (the next one is made knowing it).
REASON_REQUIRED = frozenset({ReferralStatus.DECLINED, ReferralStatus.NO_SHOW})


def may_move(current: ReferralStatus, target: ReferralStatus) -> bool:
    return target in REFERRAL_TRANSITIONS[current]


def choices(current: ReferralStatus) -> list[ReferralStatus]:
    """The statuses a referral may move to, in the order the enum lists them."""
    return [s for s in ReferralStatus if s in REFERRAL_TRANSITIONS[current]]


@dataclass(frozen=True)
class ReferralState:
    """What the rules need of a referral: its status, its follow-up date and the date of
    its latest change (a later change cannot be dated before it)."""

    status: ReferralStatus
    follow_up_on: date | None
    last_on: date


def check_change_date(on: date, *, last_on: date, today: date) -> None:
    if on > today:
        raise Invalid("a change is dated today or earlier", field="on")
    if on < last_on:
        raise Invalid(
            f"a change is dated on or after the last one ({last_on.isoformat()})", field="on"
        )


def check_follow_up(status: ReferralStatus, follow_up_on: date | None, *, today: date) -> None:
    """An open referral has a follow-up date, set for today or later."""
    if status not in OPEN_REFERRALS:
        return
    if follow_up_on is None:
        raise Invalid("an open referral needs a follow-up date", field="follow_up_on")
    if follow_up_on < today:
        raise Invalid("the follow-up is today or later", field="follow_up_on")


def start(*, made_on: date, follow_up_on: date | None, today: date) -> ReferralState:
    """A new referral's state; refused when dated in the future or without its follow-up."""
    if made_on > today:
        raise Invalid("a referral is made today or earlier", field="made_on")
    check_follow_up(ReferralStatus.MADE, follow_up_on, today=today)
    return ReferralState(ReferralStatus.MADE, follow_up_on, made_on)


def change(
    state: ReferralState,
    *,
    to: ReferralStatus,
    on: date,
    today: date,
    follow_up_on: date | None,
    reason: str,
) -> ReferralState:
    """The state after a change, or a refusal naming the field or the rule.

    ``to`` equal to the current status logs a follow-up on an open referral (the next date
    is required). A closed referral's follow-up date is cleared, whatever was given.
    """
    if to is state.status:
        if state.status not in OPEN_REFERRALS:
            raise Conflict(
                f"this referral is {state.status.label.lower()}: make a new one to try again",
                field="status",
                rule=REFERRAL_CLOSED,
            )
    elif not may_move(state.status, to):
        raise Conflict(
            f"a referral that is {state.status.label.lower()} cannot become {to.label.lower()}",
            field="status",
            rule=ILLEGAL_TRANSITION,
        )
    check_change_date(on, last_on=state.last_on, today=today)
    if to in REASON_REQUIRED and not reason.strip():
        raise Invalid("say why", field="reason")
    check_follow_up(to, follow_up_on, today=today)
    return ReferralState(to, follow_up_on if to in OPEN_REFERRALS else None, on)


class FollowUpState(StrEnum):
    CLOSED = "closed"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    UPCOMING = "upcoming"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def follow_up_state(
    status: ReferralStatus, follow_up_on: date | None, *, today: date
) -> FollowUpState:
    """Overdue is a follow-up date passed with the referral still open."""
    if status not in OPEN_REFERRALS or follow_up_on is None:
        return FollowUpState.CLOSED
    if follow_up_on < today:
        return FollowUpState.OVERDUE
    if follow_up_on == today:
        return FollowUpState.DUE_TODAY
    return FollowUpState.UPCOMING


def days_overdue(follow_up_on: date | None, *, today: date) -> int:
    return max((today - follow_up_on).days, 0) if follow_up_on is not None else 0


# --- sober living and the aftercare plan ---------------------------------------------------

# What a sober-living referral's status says on the client's aftercare plan: the house took
# the client, or the client moved in. Other moves leave the plan as it is (a declined house
# is not the end of the plan's sober-living line while another referral may be open).
SOBER_LIVING_ON_PLAN: Mapping[ReferralStatus, SoberLivingStatus] = {
    ReferralStatus.ACCEPTED: SoberLivingStatus.ACCEPTED,
    ReferralStatus.COMPLETED: SoberLivingStatus.MOVED_IN,
}


def plan_status_for(kind: NeedKind, status: ReferralStatus) -> SoberLivingStatus | None:
    """The aftercare plan's sober-living status this referral's status records, if any."""
    if kind is not NeedKind.SOBER_LIVING:
        return None
    return SOBER_LIVING_ON_PLAN.get(status)


def plan_contact(contact: str, phone: str) -> str:
    """The plan's one "house contact" line from the referral's contact and phone."""
    return ", ".join(part for part in (contact.strip(), phone.strip()) if part)
