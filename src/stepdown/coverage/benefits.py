"""What a payer said about a patient's benefits, as read from a 271: the snapshot staff
and billing decide on, stored beside the raw 271 it came from.

Everything the payer did not return is ``None`` (shown as "not returned by payer"), never
0, an empty string or "inactive": a missing copay is not a $0 copay, and a rejected
inquiry (AAA) or a service type the payer left out says nothing about coverage. Codes are
kept as the payer returned them; the labels and meanings below are lookups, so a code we
do not know is kept with label ``None`` rather than refused.

The classes are pure values: ``to_json()`` gives plain JSON types (amounts as decimal
strings, dates as ISO strings) and ``from_json()`` reads them back to an equal value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

JSON = dict[str, Any]

# AAA03 reject reason codes (X12 element 901) of the 271's AAA segments (loops 2100A,
# 2100B, 2100C, 2100D and 2110C/D), in plain words and with what to do about them. Code
# names: ASC X12 005010X279A1, "AAA Request Validation" in each loop; the same table as
# the Optum (Change Healthcare) "AAA Error Codes Requests and Possible Resolutions" page,
# https://developer.optum.com/eligibilityandclaims/docs/aaaerror-codes-and-possible-resolutions
REJECT_REASONS: Final[Mapping[str, str]] = {
    "04": "authorized quantity exceeded: too many inquiries for this submitter",
    "15": "required application data missing: complete the inquiry and resubmit",
    "33": "input errors: fix the inquiry and resubmit",
    "35": "out of network: the provider is not in this member's network",
    "41": "authorization/access restrictions: the submitter may not ask this payer",
    "42": "payer system unavailable: retry later",
    "43": "invalid/missing provider identification: fix the provider's NPI",
    "44": "invalid/missing provider name: fix the provider's name",
    "45": "invalid/missing provider specialty: fix the provider's taxonomy",
    "46": "invalid/missing provider phone number: fix the provider's phone",
    "47": "invalid/missing provider state: fix the provider's state",
    "48": "invalid/missing referring provider id: fix the referring provider",
    "49": "provider is not a primary care physician for this member",
    "50": "provider ineligible for inquiries",
    "51": "provider not on file with the payer",
    "52": "service dates not within the provider's plan enrollment",
    "53": "inquired benefit inconsistent with provider type",
    "54": "inappropriate product/service id qualifier",
    "55": "inappropriate product/service id",
    "56": "inappropriate date: fix the dates asked about",
    "57": "invalid/missing date(s) of service: fix the dates asked about",
    "58": "invalid/missing date of birth: fix the demographics",
    "60": "date of birth follows date(s) of service: fix the demographics",
    "61": "date of death precedes date(s) of service",
    "62": "date of service not within the allowable inquiry period",
    "63": "date of service in the future: ask about an earlier date",
    "64": "invalid/missing patient id: fix the demographics",
    "65": "invalid/missing patient name: fix the demographics",
    "66": "invalid/missing patient gender: fix the demographics",
    "67": "patient not found: fix the demographics",
    "68": "duplicate patient id number: the payer needs more to tell patients apart",
    "69": "inconsistent with the patient's age",
    "70": "inconsistent with the patient's gender",
    "71": "patient birth date does not match the payer's: fix the demographics",
    "72": "invalid member id: fix the demographics",
    "73": "invalid/missing subscriber name: fix the demographics",
    "74": "invalid/missing subscriber gender: fix the demographics",
    "75": "subscriber not found: fix the demographics",
    "76": "duplicate subscriber id number: the payer needs more to tell members apart",
    "77": "subscriber found, patient not found: fix the dependent's demographics",
    "78": "subscriber not in the group/plan identified",
    "79": "invalid participant identification: the clearinghouse does not know us",
    "80": "no response received from the payer: retry later",
    "97": "invalid or missing provider address: fix the provider's address",
    "T4": "payer name or identifier missing: fix the payer",
}

# AAA04 follow-up action codes (X12 element 889), ASC X12 005010X279A1 "AAA" segments.
FOLLOW_UP_ACTIONS: Final[Mapping[str, str]] = {
    "C": "please correct and resubmit",
    "N": "resubmission not allowed",
    "P": "please resubmit original transaction",
    "R": "resubmission allowed",
    "S": "do not resubmit; inquiry initiated to a third party",
    "W": "please wait 30 days and resubmit",
    "X": "please wait 10 days and resubmit",
    "Y": "do not resubmit; we will hand over your request",
}

# EB03 service type codes (X12 element 1365) we label: the plan as a whole, the
# behavioral-health and substance-use codes this program bills under, and the common
# medical ones payers send with them. Names: ASC X12 005010X279A1 EQ01/EB03 code list, as
# listed in the CMS HETS 270/271 5010 Companion Guide (Service Type Codes) and the x12sdk
# 271 EB03 enum (github.com/owgreen-dev/x12sdk, v5010/segments.py).
SERVICE_TYPES: Final[Mapping[str, str]] = {
    "1": "Medical Care",
    "2": "Surgical",
    "3": "Consultation",
    "4": "Diagnostic X-Ray",
    "5": "Diagnostic Lab",
    "30": "Health Benefit Plan Coverage",
    "33": "Chiropractic",
    "35": "Dental Care",
    "47": "Hospital",
    "48": "Hospital - Inpatient",
    "50": "Hospital - Outpatient",
    "86": "Emergency Services",
    "88": "Pharmacy",
    "98": "Professional (Physician) Visit - Office",
    "A4": "Psychiatric",
    "A6": "Psychotherapy",
    "A7": "Psychiatric - Inpatient",
    "A8": "Psychiatric - Outpatient",
    "AI": "Substance Abuse",
    "AJ": "Alcoholism",
    "AK": "Drug Addiction",
    "AL": "Vision (Optometry)",
    "BB": "Partial Hospitalization (Psychiatric)",
    "BC": "Day Care (Psychiatric)",
    "BD": "Cognitive Therapy",
    "CE": "Mental Health Provider - Inpatient",
    "CF": "Mental Health Provider - Outpatient",
    "CG": "Mental Health Facility - Inpatient",
    "CH": "Mental Health Facility - Outpatient",
    "CI": "Substance Abuse Facility - Inpatient",
    "CJ": "Substance Abuse Facility - Outpatient",
    "MH": "Mental Health",
    "RT": "Residential Psychiatric Treatment",
    "UC": "Urgent Care",
}

# EB06 time period qualifiers (X12 element 615) that make an amount the benefit's total
# for a period, and those that make it what is left of it: 29 "Remaining" and 33
# "Lifetime Remaining" (ASC X12 005010X279A1 2110C EB06; the CMS HETS 270/271 Companion
# Guide reports deductible and out-of-pocket as 23 "Calendar Year" or 22 "Service Year"
# totals and 29 "Remaining" amounts). Others (24 "Year to Date", 30 "Exceeded", 31 "Not
# Exceeded", 28 "Outlier") answer neither question.
REMAINING_PERIODS: Final = frozenset({"29", "33"})
TOTAL_PERIODS: Final = frozenset(
    {"6", "7", "13", "21", "22", "23", "25", "26", "27", "32", "34", "35", "36"}
)


class CoverageStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Network(StrEnum):
    """EB12 "In Plan Network Indicator" (element 1073): Y in, N out, W not applicable; no
    EB12 or U ("unknown") is a benefit the payer did not tie to a network."""

    IN = "in_network"
    OUT = "out_of_network"
    NOT_APPLICABLE = "not_applicable"
    UNSPECIFIED = "network_unspecified"


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _undate(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass(frozen=True)
class Member:
    """The subscriber or dependent as the payer returned them (2100C/2100D NM1 and DMG),
    which the caller compares with what it asked about."""

    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    member_id: str | None = None
    birth_date: date | None = None

    def to_json(self) -> JSON:
        return {
            "last_name": self.last_name,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "member_id": self.member_id,
            "birth_date": _day(self.birth_date),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Member:
        return cls(
            last_name=data["last_name"],
            first_name=data["first_name"],
            middle_name=data["middle_name"],
            member_id=data["member_id"],
            birth_date=_undate(data["birth_date"]),
        )


@dataclass(frozen=True)
class Trace:
    """A TRN segment of loop 2000C/2000D: TRN01 "2" echoes a trace number we sent in the
    270, "1" is one the payer or clearinghouse assigned (005010X279A1 2000C TRN)."""

    trace_type: str
    reference: str
    originator: str | None = None
    supplemental: str | None = None

    def to_json(self) -> JSON:
        return {
            "trace_type": self.trace_type,
            "reference": self.reference,
            "originator": self.originator,
            "supplemental": self.supplemental,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        return cls(
            trace_type=data["trace_type"],
            reference=data["reference"],
            originator=data["originator"],
            supplemental=data["supplemental"],
        )


@dataclass(frozen=True)
class Payer:
    """The information source (2100A NM1): its name and its payer id (NM109)."""

    name: str | None = None
    payer_id: str | None = None

    def to_json(self) -> JSON:
        return {"name": self.name, "payer_id": self.payer_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payer:
        return cls(name=data["name"], payer_id=data["payer_id"])


@dataclass(frozen=True)
class Plan:
    """Plan and group (2100C/D REF 18, 6P and 1L; EB05) and the coverage dates (2100C/D
    DTP 291/346/347 plan, 307/356/357 eligibility)."""

    name: str | None = None
    number: str | None = None
    group_number: str | None = None
    group_name: str | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    eligibility_begin: date | None = None
    eligibility_end: date | None = None

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "number": self.number,
            "group_number": self.group_number,
            "group_name": self.group_name,
            "plan_begin": _day(self.plan_begin),
            "plan_end": _day(self.plan_end),
            "eligibility_begin": _day(self.eligibility_begin),
            "eligibility_end": _day(self.eligibility_end),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            name=data["name"],
            number=data["number"],
            group_number=data["group_number"],
            group_name=data["group_name"],
            plan_begin=_undate(data["plan_begin"]),
            plan_end=_undate(data["plan_end"]),
            eligibility_begin=_undate(data["eligibility_begin"]),
            eligibility_end=_undate(data["eligibility_end"]),
        )


@dataclass(frozen=True)
class Rejection:
    """An AAA segment: the payer (or clearinghouse) could not answer at ``loop``. It is
    never a statement about coverage."""

    loop: str
    code: str | None
    follow_up: str | None = None

    @property
    def meaning(self) -> str | None:
        return None if self.code is None else REJECT_REASONS.get(self.code)

    @property
    def follow_up_meaning(self) -> str | None:
        return None if self.follow_up is None else FOLLOW_UP_ACTIONS.get(self.follow_up)

    def to_json(self) -> JSON:
        return {
            "loop": self.loop,
            "code": self.code,
            "meaning": self.meaning,
            "follow_up": self.follow_up,
            "follow_up_meaning": self.follow_up_meaning,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rejection:
        return cls(loop=data["loop"], code=data["code"], follow_up=data["follow_up"])


@dataclass(frozen=True)
class CostShare:
    """One copay (EB01 B, EB07 amount) or coinsurance (EB01 A, EB08 as a decimal fraction:
    0.2 is 20%) line, with what qualifies it as returned."""

    amount: Decimal | None = None
    rate: Decimal | None = None
    coverage_level: str | None = None  # EB02: IND, FAM, EMP, ...
    period: str | None = None  # EB06, e.g. 27 "Visit"
    places_of_service: tuple[str, ...] = ()  # III02 with III01 "ZZ"

    def to_json(self) -> JSON:
        return {
            "amount": _dec(self.amount),
            "rate": _dec(self.rate),
            "coverage_level": self.coverage_level,
            "period": self.period,
            "places_of_service": list(self.places_of_service),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CostShare:
        return cls(
            amount=_undec(data["amount"]),
            rate=_undec(data["rate"]),
            coverage_level=data["coverage_level"],
            period=data["period"],
            places_of_service=tuple(data["places_of_service"]),
        )


@dataclass(frozen=True)
class Accumulator:
    """A deductible (EB01 C) or out-of-pocket maximum (EB01 G) at one coverage level:
    the total for the period (``period`` is its EB06) and what remains (EB06 29/33)."""

    coverage_level: str | None = None
    total: Decimal | None = None
    remaining: Decimal | None = None
    period: str | None = None

    def to_json(self) -> JSON:
        return {
            "coverage_level": self.coverage_level,
            "total": _dec(self.total),
            "remaining": _dec(self.remaining),
            "period": self.period,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Accumulator:
        return cls(
            coverage_level=data["coverage_level"],
            total=_undec(data["total"]),
            remaining=_undec(data["remaining"]),
            period=data["period"],
        )


@dataclass(frozen=True)
class Limit:
    """A limitation (EB01 F): a quantity (EB10) in units of EB09 (VS visits, DY days, ...)
    and/or an amount (EB07), per EB06 period; ``remaining`` tells a count left (EB06
    29/33) from a total, ``None`` when the period says neither."""

    quantity: Decimal | None = None
    unit: str | None = None
    amount: Decimal | None = None
    period: str | None = None
    remaining: bool | None = None
    coverage_level: str | None = None

    def to_json(self) -> JSON:
        return {
            "quantity": _dec(self.quantity),
            "unit": self.unit,
            "amount": _dec(self.amount),
            "period": self.period,
            "remaining": self.remaining,
            "coverage_level": self.coverage_level,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Limit:
        return cls(
            quantity=_undec(data["quantity"]),
            unit=data["unit"],
            amount=_undec(data["amount"]),
            period=data["period"],
            remaining=data["remaining"],
            coverage_level=data["coverage_level"],
        )


def _listed(items: tuple[Any, ...] | None, dump: Callable[[Any], JSON]) -> list[JSON] | None:
    return None if items is None else [dump(item) for item in items]


@dataclass(frozen=True)
class NetworkBenefits:
    """What one service type costs in one network; ``None`` is "not returned by payer"."""

    copays: tuple[CostShare, ...] | None = None
    coinsurance: tuple[CostShare, ...] | None = None
    deductibles: tuple[Accumulator, ...] | None = None
    out_of_pocket: tuple[Accumulator, ...] | None = None
    limits: tuple[Limit, ...] | None = None
    authorization_required: bool | None = None  # EB11 Y/N; U and absent are None

    def to_json(self) -> JSON:
        return {
            "copays": _listed(self.copays, CostShare.to_json),
            "coinsurance": _listed(self.coinsurance, CostShare.to_json),
            "deductibles": _listed(self.deductibles, Accumulator.to_json),
            "out_of_pocket": _listed(self.out_of_pocket, Accumulator.to_json),
            "limits": _listed(self.limits, Limit.to_json),
            "authorization_required": self.authorization_required,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NetworkBenefits:
        def read(key: str, load: Callable[[Mapping[str, Any]], Any]) -> Any:
            items = data[key]
            return None if items is None else tuple(load(item) for item in items)

        return cls(
            copays=read("copays", CostShare.from_json),
            coinsurance=read("coinsurance", CostShare.from_json),
            deductibles=read("deductibles", Accumulator.from_json),
            out_of_pocket=read("out_of_pocket", Accumulator.from_json),
            limits=read("limits", Limit.from_json),
            authorization_required=data["authorization_required"],
        )


@dataclass(frozen=True)
class CarveOut:
    """Another payer or entity that handles this service type (a 2120C/D loop between LS
    and LE naming e.g. NM1*PR, Y2 or VN), with the phone its PER gave (qualifier TE)."""

    entity: str
    name: str | None = None
    entity_id: str | None = None
    phone: str | None = None

    def to_json(self) -> JSON:
        return {
            "entity": self.entity,
            "name": self.name,
            "entity_id": self.entity_id,
            "phone": self.phone,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CarveOut:
        return cls(
            entity=data["entity"],
            name=data["name"],
            entity_id=data["entity_id"],
            phone=data["phone"],
        )


@dataclass(frozen=True)
class ServiceBenefits:
    """Everything returned for one EB03 service type code."""

    code: str
    status: CoverageStatus | None = None
    in_network: NetworkBenefits | None = None
    out_of_network: NetworkBenefits | None = None
    not_applicable: NetworkBenefits | None = None
    network_unspecified: NetworkBenefits | None = None
    carve_outs: tuple[CarveOut, ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        return SERVICE_TYPES.get(self.code)

    def network(self, network: Network) -> NetworkBenefits | None:
        found: NetworkBenefits | None = getattr(self, network.value)
        return found

    def to_json(self) -> JSON:
        data: JSON = {"label": self.label, "status": self.status}
        for network in Network:
            benefits = self.network(network)
            data[network.value] = None if benefits is None else benefits.to_json()
        data["carve_outs"] = [carve_out.to_json() for carve_out in self.carve_outs]
        data["messages"] = list(self.messages)
        return data

    @classmethod
    def from_json(cls, code: str, data: Mapping[str, Any]) -> ServiceBenefits:
        def network(network: Network) -> NetworkBenefits | None:
            found = data[network.value]
            return None if found is None else NetworkBenefits.from_json(found)

        return cls(
            code=code,
            status=None if data["status"] is None else CoverageStatus(data["status"]),
            in_network=network(Network.IN),
            out_of_network=network(Network.OUT),
            not_applicable=network(Network.NOT_APPLICABLE),
            network_unspecified=network(Network.UNSPECIFIED),
            carve_outs=tuple(CarveOut.from_json(item) for item in data["carve_outs"]),
            messages=tuple(data["messages"]),
        )


@dataclass(frozen=True)
class BenefitsSnapshot:
    """One 271's answer about one patient. ``services`` is kept sorted by code, one entry
    per code, so that a snapshot read back from its JSON object equals the original."""

    payer: Payer | None = None
    subscriber: Member | None = None
    dependent: Member | None = None
    trace_numbers: tuple[Trace, ...] = ()
    plan: Plan = field(default_factory=Plan)
    rejections: tuple[Rejection, ...] = ()
    services: tuple[ServiceBenefits, ...] = ()

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.services, key=lambda service: service.code))
        if len({service.code for service in ordered}) != len(ordered):
            raise ValueError("a snapshot holds one entry per service type code")
        object.__setattr__(self, "services", ordered)

    def service(self, code: str) -> ServiceBenefits | None:
        return next((s for s in self.services if s.code == code), None)

    @property
    def unusable_reason(self) -> str | None:
        """Why these benefits cannot be relied on, or None when they can: the payer
        rejected the inquiry somewhere (AAA), or returned no service type as active. A
        rejection is reported as such, never as inactive coverage."""
        if self.rejections:
            first = self.rejections[0]
            said = first.meaning or f"reject reason {first.code or 'not given'}"
            return f"the payer could not answer ({first.loop}): {said}"
        if not any(s.status is CoverageStatus.ACTIVE for s in self.services):
            if any(s.status is CoverageStatus.INACTIVE for s in self.services):
                return "the payer returned the coverage as inactive"
            return "the payer returned no active coverage for any service type"
        return None

    @property
    def usable(self) -> bool:
        return self.unusable_reason is None

    def to_json(self) -> JSON:
        return {
            "payer": None if self.payer is None else self.payer.to_json(),
            "subscriber": None if self.subscriber is None else self.subscriber.to_json(),
            "dependent": None if self.dependent is None else self.dependent.to_json(),
            "trace_numbers": [trace.to_json() for trace in self.trace_numbers],
            "plan": self.plan.to_json(),
            "rejections": [rejection.to_json() for rejection in self.rejections],
            "services": {service.code: service.to_json() for service in self.services},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenefitsSnapshot:
        return cls(
            payer=None if data["payer"] is None else Payer.from_json(data["payer"]),
            subscriber=None if data["subscriber"] is None else Member.from_json(data["subscriber"]),
            dependent=None if data["dependent"] is None else Member.from_json(data["dependent"]),
            trace_numbers=tuple(Trace.from_json(item) for item in data["trace_numbers"]),
            plan=Plan.from_json(data["plan"]),
            rejections=tuple(Rejection.from_json(item) for item in data["rejections"]),
            services=tuple(
                ServiceBenefits.from_json(code, item) for code, item in data["services"].items()
            ),
        )
