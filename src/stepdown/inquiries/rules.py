"""The admissions pipeline's vocabulary and its status rules.

Pure, so every allowed and refused move is tested without a database, and the service,
the pages and the API all ask the same table which moves to offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType


class InquiryStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    ASSESSMENT_SCHEDULED = "assessment_scheduled"
    ADMITTED = "admitted"
    REFERRED_OUT = "referred_out"
    DECLINED = "declined"
    LOST = "lost"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


class InquirySource(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    REFERRAL = "referral"
    WEB_FORM = "web_form"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


class CallerType(StrEnum):
    SELF = "self"
    FAMILY = "family"
    PROFESSIONAL = "professional"

    @property
    def label(self) -> str:
        return CALLER_LABELS[self]


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Substance(StrEnum):
    """What the caller is worried about, as told; not a diagnosis."""

    ALCOHOL = "alcohol"
    OPIOIDS = "opioids"
    FENTANYL = "fentanyl"
    STIMULANTS = "stimulants"
    COCAINE = "cocaine"
    METHAMPHETAMINE = "methamphetamine"
    CANNABIS = "cannabis"
    BENZODIAZEPINES = "benzodiazepines"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


STATUS_LABELS: dict[InquiryStatus, str] = {
    InquiryStatus.NEW: "New",
    InquiryStatus.CONTACTED: "Contacted",
    InquiryStatus.ASSESSMENT_SCHEDULED: "Assessment scheduled",
    InquiryStatus.ADMITTED: "Admitted",
    InquiryStatus.REFERRED_OUT: "Referred out",
    InquiryStatus.DECLINED: "Declined",
    InquiryStatus.LOST: "Lost to follow-up",
}
SOURCE_LABELS: dict[InquirySource, str] = {
    InquirySource.PHONE: "Phone call",
    InquirySource.WALK_IN: "Walk-in",
    InquirySource.REFERRAL: "Referral",
    InquirySource.WEB_FORM: "Web form",
}
CALLER_LABELS: dict[CallerType, str] = {
    CallerType.SELF: "The person themselves",
    CallerType.FAMILY: "Family or friend",
    CallerType.PROFESSIONAL: "A professional",
}

_S = InquiryStatus
TRANSITIONS: MappingProxyType[InquiryStatus, frozenset[InquiryStatus]] = MappingProxyType(
    {
        _S.NEW: frozenset({_S.CONTACTED, _S.REFERRED_OUT, _S.DECLINED, _S.LOST}),
        _S.CONTACTED: frozenset(
            {_S.ASSESSMENT_SCHEDULED, _S.ADMITTED, _S.REFERRED_OUT, _S.DECLINED, _S.LOST}
        ),
        # Back to contacted when the assessment has to be rescheduled.
        _S.ASSESSMENT_SCHEDULED: frozenset(
            {_S.CONTACTED, _S.ADMITTED, _S.REFERRED_OUT, _S.DECLINED, _S.LOST}
        ),
        _S.ADMITTED: frozenset(),
        _S.REFERRED_OUT: frozenset(),
        _S.DECLINED: frozenset(),
        _S.LOST: frozenset(),
    }
)
TERMINAL: frozenset[InquiryStatus] = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
# Board columns, left to right: the inquiries someone still has to act on.
BOARD_COLUMNS: tuple[InquiryStatus, ...] = (
    _S.NEW,
    _S.CONTACTED,
    _S.ASSESSMENT_SCHEDULED,
)
# Closed outcomes, in the order the board summarises them.
OUTCOMES: tuple[InquiryStatus, ...] = (_S.ADMITTED, _S.REFERRED_OUT, _S.DECLINED, _S.LOST)
# Admission opens a client record, so it happens only through conversion.
CONVERSION_TARGET = _S.ADMITTED


@dataclass(frozen=True)
class MoveDetails:
    """What the worker entered alongside a move; which of it is needed depends on the target."""

    assessment_at: datetime | None = None
    partner: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Refusal:
    message: str
    field: str | None = None


def allowed_moves(current: InquiryStatus) -> tuple[InquiryStatus, ...]:
    """The moves a worker may pick from ``current``, in pipeline order."""
    return tuple(s for s in InquiryStatus if s in TRANSITIONS[current])


def manual_moves(current: InquiryStatus) -> tuple[InquiryStatus, ...]:
    """The moves the status form offers; admission has its own button."""
    return tuple(s for s in allowed_moves(current) if s is not CONVERSION_TARGET)


def can_convert(current: InquiryStatus) -> bool:
    return CONVERSION_TARGET in TRANSITIONS[current]


def transition_refusal(current: InquiryStatus, target: InquiryStatus) -> Refusal | None:
    """Why ``current`` may not move to ``target``, in words an admissions worker uses."""
    if target in TRANSITIONS[current]:
        return None
    if current in TERMINAL:
        return Refusal(
            f"This inquiry is closed ({current.label.lower()}); a closed inquiry cannot be "
            "moved. Record a new inquiry if the person calls again.",
            field="to_status",
        )
    if current is target:
        return Refusal(f"This inquiry is already {current.label.lower()}.", field="to_status")
    choices = ", ".join(s.label.lower() for s in allowed_moves(current))
    return Refusal(
        f"An inquiry that is {current.label.lower()} cannot move to "
        f"{target.label.lower()}; it can move to: {choices}.",
        field="to_status",
    )


def move_refusal(current: InquiryStatus, target: InquiryStatus) -> Refusal | None:
    """Why the status form may not make this move; admission goes through conversion."""
    refusal = transition_refusal(current, target)
    if refusal is None and target is CONVERSION_TARGET:
        return Refusal(
            "Admission opens a client record: use Convert to client instead.", field="to_status"
        )
    return refusal


def missing_detail(target: InquiryStatus, details: MoveDetails) -> Refusal | None:
    """What a move to ``target`` still needs before it can be recorded."""
    if target is _S.ASSESSMENT_SCHEDULED and details.assessment_at is None:
        return Refusal("Give the date and time of the assessment.", field="assessment_at")
    if target is _S.REFERRED_OUT and not (details.partner.strip() or details.reason.strip()):
        return Refusal(
            "Name the provider the person was referred to, or say why they were referred out.",
            field="partner",
        )
    if target in (_S.DECLINED, _S.LOST) and not details.reason.strip():
        return Refusal(
            f"Say why the inquiry is {target.label.lower()}; it helps the team follow up.",
            field="reason",
        )
    return None


def safe_contact(instructions: str, preferred_time: str) -> str:
    """What the phone intake learned about reaching the caller safely, as the client
    record keeps it: a caller who said "no voicemail" at the first call means it later."""
    parts = [instructions.strip()]
    if preferred_time.strip():
        parts.append(f"Best time to reach: {preferred_time.strip()}")
    return "\n".join(p for p in parts if p)
