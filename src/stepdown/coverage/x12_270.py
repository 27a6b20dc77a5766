"""The eligibility inquiry we send a payer: an X12 270 (005010X279A1), typed and bounded.

Everything a payer needs to find the member and answer for the right services is a field
here, checked where it is built, so a bad inquiry is refused in our hands, with the field
named, and never comes back days later as a 999 or an AAA rejection.

Structure (ASC X12 005010X279A1 TR3, "270 Health Care Eligibility Benefit Inquiry", as laid
out in Stedi's rendering https://www.stedi.com/edi/hipaa/transaction-set/270-B1 and in the
TR3's own examples kept as LinuxForHealth/x12 src/tests/resources/270_005010X279A1/*.270):

    BHT                          beginning of hierarchical transaction (0022, 13)
    2000A HL*n**20*1             information source (the payer)
      2100A NM1*PR*2             payer name and id
    2000B HL*n*p*21*1            information receiver (us, the provider)
      2100B NM1*1P*2             organization name and NPI (XX)
    2000C HL*n*p*22*0|1          subscriber; HL04 1 when a dependent level follows
      TRN                        trace: only when the subscriber is the patient
      2100C NM1*IL*1, REF*6P, DMG, DTP*291     (TR3 order: NM1 REF N3 N4 PRV DMG INS HI DTP)
        2110C EQ                 only when the subscriber is the patient
      2000D HL*n*p*23*0          dependent, when the patient is one
        TRN
        2100D NM1*03*1, DMG, DTP*291
          2110D EQ

The subscriber's DMG, DTP, TRN and EQ belong to the patient's level only: the 2000C TRN,
2100C DMG and 2110C EQ are "required when the subscriber is the patient" (X12 RFI 298 for
EQ; 270-5010 2000C/2100C notes, e.g. emrpms.blogspot.com "EDI 270-5010 Documentation -
2000C"), and a 2100C plan date does not carry over to the dependent's loops (X12 RFI 1400).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from stepdown.kit.bounds import FIRST_DAY, LAST_DAY
from stepdown.kit.identifiers import NPI_FORM, npi_is_valid
from stepdown.kit.x12 import Delimiters, Envelope, clean, render

VERSION: Final = "005010X279A1"
FUNCTIONAL_ID: Final = "HS"  # GS01 for a 270
DELIMITERS: Final = Delimiters()  # "*", "^", ":", "~"
# EQ01 repeats at most 99 times (005010X279A1 2110C/2110D EQ01, repeat 99).
MAX_SERVICE_TYPES: Final = 99
# Service type codes (X12 external code list 1365, e.g. 30, MH, AI, BB, A8) are one or two
# letters or digits; the list grows, so the format is checked and the payer judges the rest.
_SERVICE_TYPE: Final = re.compile(r"[0-9A-Z]{1,2}")
# Identifiers travel unchanged, so they may hold only printable ASCII (X12 extended
# character set) and none of the delimiters kit.x12.render writes with.
_IDENTIFIER: Final = re.compile(r"[ -~]+")
_DELIMITERS: Final = frozenset(
    DELIMITERS.element + DELIMITERS.repetition + DELIMITERS.component + DELIMITERS.segment
)
# TRN03: a one-digit code (1 EIN, 3 DUNS, 9 user assigned) and a nine-character number
# (005010X279A1 2000C/2000D TRN03, AN 10/10; element 509's definition).
_ORIGINATOR: Final = re.compile(r"[13][0-9]{9}|9[0-9A-Z]{9}")
# Individual relationship code 18 is "self" (X12 element 1069).
_SELF: Final = "18"


class InquiryError(ValueError):
    """An inquiry we refuse to send; ``field`` names the input that is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class Gender(StrEnum):
    """DMG03 in a 270: F or M (005010X279A1 2100C/2100D DMG03; only the 271 adds U)."""

    FEMALE = "F"
    MALE = "M"


def x12_text(value: str) -> str:
    """The spelling of a name on the wire: accents folded to their base letters (payers
    match against ASCII names), delimiters and runs of spaces collapsed by ``clean``."""
    folded = unicodedata.normalize("NFKD", value)
    return clean("".join(c for c in folded if not unicodedata.combining(c)))


def _name(field: str, value: str, longest: int) -> None:
    text = x12_text(value)
    if not text:
        raise InquiryError(field, "is required")
    if len(text) > longest:
        raise InquiryError(field, f"must be at most {longest} characters")
    if not _IDENTIFIER.fullmatch(text):
        raise InquiryError(field, "must be written in Latin letters (the X12 character set)")


def _identifier(field: str, value: str, shortest: int, longest: int) -> None:
    if not shortest <= len(value) <= longest:
        raise InquiryError(field, f"must be {shortest} to {longest} characters")
    if not _IDENTIFIER.fullmatch(value) or _DELIMITERS & set(value):
        raise InquiryError(field, "may hold only printable ASCII other than * : ^ ~")
    if value != value.strip():
        raise InquiryError(field, "must not start or end with a space")


def _day(field: str, value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise InquiryError(field, f"must be between {FIRST_DAY} and {LAST_DAY}")


@dataclass(frozen=True)
class Payer:
    """The information source (loop 2100A): NM103 1-60, NM109 payer id 2-80."""

    name: str
    payer_id: str

    def __post_init__(self) -> None:
        _name("payer.name", self.name, 60)
        _identifier("payer.payer_id", self.payer_id, 2, 80)


@dataclass(frozen=True)
class Provider:
    """The information receiver (loop 2100B): our organization (entity type 2) and its
    type 2 NPI."""

    organization_name: str
    npi: str

    def __post_init__(self) -> None:
        _name("provider.organization_name", self.organization_name, 60)
        if not NPI_FORM.fullmatch(self.npi):
            raise InquiryError("provider.npi", "must be 10 digits starting with 1 or 2")
        if not npi_is_valid(self.npi):
            raise InquiryError("provider.npi", "fails the NPI check digit")


@dataclass(frozen=True)
class Subscriber:
    """The insured (loop 2100C): NM103 last 1-60, NM104 first 1-35, NM105 middle 1-25,
    NM109 member id 2-80, REF*6P group number 1-50."""

    first_name: str
    last_name: str
    member_id: str
    birth_date: date
    middle_name: str | None = None
    gender: Gender | None = None
    group_number: str | None = None

    def __post_init__(self) -> None:
        _name("subscriber.last_name", self.last_name, 60)
        _name("subscriber.first_name", self.first_name, 35)
        if self.middle_name is not None:
            _name("subscriber.middle_name", self.middle_name, 25)
        _identifier("subscriber.member_id", self.member_id, 2, 80)
        _day("subscriber.birth_date", self.birth_date)
        if self.group_number is not None:
            _identifier("subscriber.group_number", self.group_number, 1, 50)


@dataclass(frozen=True)
class Dependent:
    """The patient when not the subscriber (loop 2100D). ``relationship`` is the X12
    individual relationship code to the subscriber; it is checked, not sent: a 2100D INS
    alongside the primary search data (member id, names, birth date), which this writer
    always sends, is prohibited (X12 RFI 922, "270 2100D INS")."""

    first_name: str
    last_name: str
    birth_date: date
    relationship: str
    gender: Gender | None = None

    def __post_init__(self) -> None:
        _name("dependent.last_name", self.last_name, 60)
        _name("dependent.first_name", self.first_name, 35)
        _day("dependent.birth_date", self.birth_date)
        if not re.fullmatch(r"[0-9A-Z]{2}", self.relationship):
            raise InquiryError("dependent.relationship", "must be a two-character X12 code")
        if self.relationship == _SELF:
            raise InquiryError(
                "dependent.relationship", "is 18 (self): the subscriber is the patient"
            )


@dataclass(frozen=True)
class EligibilityInquiry:
    """One patient's question to one payer. ``trace_number`` (TRN02, 1-50) comes back in
    the 271 so the answer can be matched to this inquiry; ``originator_id`` (TRN03) says
    who assigned it; ``reference`` is the BHT03 transaction id (1-50)."""

    payer: Payer
    provider: Provider
    subscriber: Subscriber
    service_types: tuple[str, ...]
    date_of_service: date
    trace_number: str
    originator_id: str
    reference: str
    dependent: Dependent | None = None

    def __post_init__(self) -> None:
        if not self.service_types:
            raise InquiryError("service_types", "ask about at least one service type")
        if len(self.service_types) > MAX_SERVICE_TYPES:
            raise InquiryError("service_types", f"at most {MAX_SERVICE_TYPES} per inquiry")
        for code in self.service_types:
            if not _SERVICE_TYPE.fullmatch(code):
                raise InquiryError(
                    "service_types", f"{code!r} is not one or two capital letters or digits"
                )
        if len(set(self.service_types)) != len(self.service_types):
            raise InquiryError("service_types", "lists a service type twice")
        _day("date_of_service", self.date_of_service)
        _identifier("trace_number", self.trace_number, 1, 50)
        if not _ORIGINATOR.fullmatch(self.originator_id):
            raise InquiryError(
                "originator_id",
                "must be 1 or 3 and nine digits (EIN, DUNS) or 9 and nine letters or digits",
            )
        _identifier("reference", self.reference, 1, 50)
        patient = "dependent" if self.dependent is not None else "subscriber"
        born = (self.dependent or self.subscriber).birth_date
        if born > self.date_of_service:
            raise InquiryError(f"{patient}.birth_date", "is after the date of service")


def write_270(inquiry: EligibilityInquiry, envelope: Envelope) -> str:
    """The interchange carrying ``inquiry`` as one 270 transaction set."""
    if envelope.functional_id != FUNCTIONAL_ID:
        raise InquiryError("envelope.functional_id", f"must be {FUNCTIONAL_ID} for a 270")
    if envelope.version != VERSION:
        raise InquiryError("envelope.version", f"must be {VERSION}")
    created = envelope.created_at
    payer, provider, subscriber = inquiry.payer, inquiry.provider, inquiry.subscriber
    segments: list[list[str]] = [
        ["BHT", "0022", "13", inquiry.reference, f"{created:%Y%m%d}", f"{created:%H%M}"],
        ["HL", "1", "", "20", "1"],
        _name_segment("PR", "2", (payer.name,), ("PI", payer.payer_id)),
        ["HL", "2", "1", "21", "1"],
        _name_segment("1P", "2", (provider.organization_name,), ("XX", provider.npi)),
        ["HL", "3", "2", "22", "1" if inquiry.dependent else "0"],
    ]
    names = (subscriber.last_name, subscriber.first_name, subscriber.middle_name or "")
    subscriber_name = _name_segment("IL", "1", names, ("MI", subscriber.member_id))
    group = [["REF", "6P", subscriber.group_number]] if subscriber.group_number else []
    if inquiry.dependent is None:
        segments += [
            _trace(inquiry),
            subscriber_name,
            *group,
            _demographics(subscriber.birth_date, subscriber.gender),
            *_question(inquiry),
        ]
    else:
        dependent = inquiry.dependent
        segments += [
            subscriber_name,
            *group,
            ["HL", "4", "3", "23", "0"],
            _trace(inquiry),
            _name_segment("03", "1", (dependent.last_name, dependent.first_name)),
            _demographics(dependent.birth_date, dependent.gender),
            *_question(inquiry),
        ]
    return render(envelope, [segments], DELIMITERS)


def _name_segment(
    entity: str, kind: str, names: tuple[str, ...], identified_by: tuple[str, str] | None = None
) -> list[str]:
    """NM1: entity code, 1 person or 2 organization, NM103-NM105 names, NM106-NM107 (prefix,
    suffix) unused, NM108-NM109 id qualifier and id."""
    spelled = [x12_text(n) for n in names] + [""] * (3 - len(names))
    return ["NM1", entity, kind, *spelled, "", "", *(identified_by or ())]


def _trace(inquiry: EligibilityInquiry) -> list[str]:
    return ["TRN", "1", inquiry.trace_number, inquiry.originator_id]


def _demographics(birth_date: date, gender: Gender | None) -> list[str]:
    return ["DMG", "D8", birth_date.strftime("%Y%m%d"), gender.value if gender else ""]


def _question(inquiry: EligibilityInquiry) -> list[list[str]]:
    """The patient's plan date (DTP*291, 2100C/2100D) and the EQ of loop 2110C/2110D, its
    service types as repetitions of EQ01."""
    return [
        ["DTP", "291", "D8", inquiry.date_of_service.strftime("%Y%m%d")],
        ["EQ", DELIMITERS.repetition.join(inquiry.service_types)],
    ]
