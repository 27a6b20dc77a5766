"""Coverage rules: what a coverage must say to be billed and verified, and who pays first.

Pure: no database, no clock. The service loads the rows and passes plain values.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from stepdown.coverage.benefits import BenefitsSnapshot, Member
from stepdown.coverage.models import Relationship
from stepdown.coverage.x12_270 import EligibilityInquiry, x12_text
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


# ---- eligibility -----------------------------------------------------------------------------

# What an eligibility check asks about unless told otherwise: the plan as a whole and the
# behavioral-health service types an outpatient addiction program bills under (X12 service
# type codes, code list 1365 as published in the CMS HETS 270/271 companion guide: 30
# health benefit plan coverage, MH mental health, AI substance abuse, AJ alcoholism, AK drug
# addiction, BB partial hospitalization (psychiatric), A8 psychiatric outpatient).
DEFAULT_SERVICE_TYPES: Final = ("30", "MH", "AI", "AJ", "AK", "BB", "A8")
# The service types whose benefits speak for each level of care, most specific first: PHP
# is billed as partial hospitalization, IOP and OP as substance-abuse outpatient services.
LEVEL_SERVICE_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "PHP": ("BB", "AI", "MH", "30"),
    "IOP": ("AI", "AK", "AJ", "MH", "30"),
    "OP": ("AI", "A8", "MH", "30"),
    "AFTERCARE": ("A8", "MH", "30"),
}
_SERVICE_TYPE: Final = re.compile(r"\A[0-9A-Z]{1,2}\Z")
REPRESENTATIVE_MAX: Final = 120
CALL_REFERENCE_MAX: Final = 80


def check_service_types(codes: Sequence[str]) -> tuple[str, ...]:
    """The service types to ask about, in the order given, each once."""
    cleaned = tuple(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not cleaned:
        raise Invalid("ask about at least one service type", field="service_types")
    for code in cleaned:
        if not _SERVICE_TYPE.match(code):
            raise Invalid(
                f"{code!r} is not a service type code (one or two letters or digits)",
                field="service_types",
            )
    return cleaned


def check_phone_verification(representative: str, call_reference: str) -> None:
    """A verification by phone is only as good as who said it: the representative's name
    and the call's reference are what the payer's own records can be asked about later."""
    if not representative.strip():
        raise Invalid("give the representative's name", field="representative")
    if len(representative) > REPRESENTATIVE_MAX:
        raise Invalid(f"at most {REPRESENTATIVE_MAX} characters", field="representative")
    if not call_reference.strip():
        raise Invalid("give the call's reference number", field="call_reference")
    if len(call_reference) > CALL_REFERENCE_MAX:
        raise Invalid(f"at most {CALL_REFERENCE_MAX} characters", field="call_reference")


def _folded(name: str | None) -> str:
    return " ".join(x12_text(name or "").upper().split())


def _names_agree(ours_first: str, ours_last: str, theirs: Member) -> bool:
    """Last names equal and first names equal or one the start of the other (a payer may
    hold "JON" where we wrote "JONATHAN"), compared in the 270's folded spelling; a name
    the payer did not return is not held against the answer."""
    last, first = _folded(theirs.last_name), _folded(theirs.first_name)
    if last and last != _folded(ours_last):
        return False
    ours = _folded(ours_first)
    return not first or first.startswith(ours) or ours.startswith(first)


def mismatch(
    snapshot: BenefitsSnapshot, inquiry: EligibilityInquiry, *, keeps_trace: bool
) -> str | None:
    """Why this 271 is not the answer to ``inquiry``, or None when it is. A 271 about
    someone else must never be stored as this person's benefits: the trace we sent must
    come back (where the route keeps it), and the member id, the patient's names and birth
    date the payer returns must be ours."""
    if keeps_trace and not any(
        t.trace_type == "2" and t.reference == inquiry.trace_number for t in snapshot.trace_numbers
    ):
        return "the answer does not carry our trace number: it is not the answer to this check"
    returned_id = (snapshot.subscriber.member_id if snapshot.subscriber else None) or ""
    if returned_id and returned_id.strip().upper() != inquiry.subscriber.member_id.strip().upper():
        return "the answer is for another member id"
    patient = inquiry.dependent or inquiry.subscriber
    theirs = (snapshot.dependent if inquiry.dependent else snapshot.subscriber) or Member()
    if not _names_agree(patient.first_name, patient.last_name, theirs):
        return "the answer is for a person of another name"
    if theirs.birth_date is not None and theirs.birth_date != patient.birth_date:
        return "the answer is for a person with another date of birth"
    return None


# Everyone in care is verified again monthly: coverage lapses at a month's end (job loss,
# a Medicaid redetermination), and a program finds out from a denied claim weeks later
# otherwise (issue 15: "monthly for everyone in care").
REVERIFY_DAYS: Final = 30


# ... and before each authorization period: a payer asked to approve days for a plan that
# lapsed denies them, so the coverage is verified within this many days of the period's
# first day (issue 15: "before each authorization period").
PERIOD_LEAD_DAYS: Final = 3


def reverification_due(
    last_checked_on: date | None, today: date, period_starts_on: date | None = None
) -> bool:
    """Never checked; last checked ``REVERIFY_DAYS`` or more days ago; or an authorization
    period starts within ``PERIOD_LEAD_DAYS`` (or has just started) and the coverage was
    last checked before that lead time."""
    if last_checked_on is None or (today - last_checked_on).days >= REVERIFY_DAYS:
        return True
    if period_starts_on is None:
        return False
    lead_from = period_starts_on - timedelta(days=PERIOD_LEAD_DAYS)
    return lead_from <= today and last_checked_on < lead_from
