"""Coverage rules: what a coverage must say to be billed and verified, and who pays first.

Pure: no database, no clock. The service loads the rows and passes plain values.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from stepdown.coverage.models import Relationship
from stepdown.kit.errors import Conflict, Invalid

# A member id as payers print it: letters, digits and hyphens, 2 to 80 characters
# (005010X279A1 2100C NM109 is AN 2/80).
MEMBER_ID: Final = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9-]{1,79}\Z")
GROUP_NUMBER: Final = re.compile(r"\A[A-Za-z0-9 -]{1,50}\Z")
# Name lengths the 270 can carry (2100C NM103 AN 1/60, NM104 AN 1/35).
LAST_NAME_MAX: Final = 60
FIRST_NAME_MAX: Final = 35
MAX_RANK: Final = 3  # primary, secondary, tertiary: the coordination of benefits in practice

RANK_TAKEN: Final = "coverage.rank_taken"


@dataclass(frozen=True)
class Ranked:
    """A coverage as the order of payment sees it."""

    id: uuid.UUID
    rank: int
    self_pay: bool
    starts_on: date | None
    ends_on: date | None

    def in_force(self, on: date) -> bool:
        return (self.starts_on is None or self.starts_on <= on) and (
            self.ends_on is None or on <= self.ends_on
        )


def check_member_id(value: str) -> str:
    value = value.strip()
    if not MEMBER_ID.match(value):
        raise Invalid(
            "a member id is 2 to 80 letters, digits or hyphens, as on the card",
            field="member_id",
        )
    return value


def check_group_number(value: str) -> str:
    value = value.strip()
    if value and not GROUP_NUMBER.match(value):
        raise Invalid("a group number is up to 50 letters, digits or hyphens", field="group_number")
    return value


def check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("the coverage cannot end before it starts", field="ends_on")


def check_subscriber(
    relationship: Relationship, first: str, last: str, date_of_birth: date | None
) -> None:
    """When the patient is not the subscriber, the payer finds the policy by the
    subscriber: their name and birth date are needed to verify it."""
    if relationship is Relationship.SELF:
        return
    if not last.strip():
        raise Invalid("give the subscriber's last name", field="subscriber_last_name")
    if not first.strip():
        raise Invalid("give the subscriber's first name", field="subscriber_first_name")
    if len(last) > LAST_NAME_MAX:
        raise Invalid(f"at most {LAST_NAME_MAX} characters", field="subscriber_last_name")
    if len(first) > FIRST_NAME_MAX:
        raise Invalid(f"at most {FIRST_NAME_MAX} characters", field="subscriber_first_name")
    if date_of_birth is None:
        raise Invalid("give the subscriber's date of birth", field="subscriber_date_of_birth")


def check_rank(rank: int, self_pay: bool, others: Sequence[Ranked], on: date) -> None:
    """One coverage per rank among those in force; self-pay always pays last."""
    if not 1 <= rank <= MAX_RANK:
        raise Invalid(f"the order is 1 (primary) to {MAX_RANK}", field="rank")
    if self_pay:
        return
    for other in others:
        if not other.self_pay and other.rank == rank and other.in_force(on):
            raise Conflict(
                "another coverage in force already pays in that order: end it or change "
                "its order first",
                field="rank",
                rule=RANK_TAKEN,
            )


def payment_order(coverages: Sequence[Ranked], on: date) -> list[Ranked]:
    """The coverages in force on ``on``, in the order they pay: by rank, self-pay last."""
    return sorted(
        (c for c in coverages if c.in_force(on)), key=lambda c: (c.self_pay, c.rank, str(c.id))
    )
