"""What a claim file says, as plain typed values: the input of the 837 writers.

The service gathers these from the program's records (charge lines, coverages, diagnoses,
the billing profile); ``x12_837`` turns a ``Batch`` into the bytes a clearinghouse takes.
Keeping the two apart lets the writer be tested against the validator with hand-made
claims, and the service be tested without parsing X12.

Money is whole cents everywhere (never floats). Dates are program calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ClaimType(StrEnum):
    """Professional (CMS-1500 shape, 005010X222A1) or institutional (UB-04 shape,
    005010X223A2)."""

    PROFESSIONAL = "837P"
    INSTITUTIONAL = "837I"

    @property
    def version(self) -> str:
        return "005010X222A1" if self is ClaimType.PROFESSIONAL else "005010X223A2"


class Frequency(StrEnum):
    """CLM05-3, the claim frequency code: an original, a replacement of a claim the payer
    has, or a void of one (005010X222A1 2300 CLM05-3; NUBC frequency codes 1, 7, 8)."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str  # two-letter USPS code
    zip: str  # 5 or 9 digits, no hyphen
    line2: str = ""


@dataclass(frozen=True)
class Submitter:
    """Loop 1000A: who sends the file (the program or its billing service)."""

    name: str
    id: str  # the submitter id the clearinghouse assigned (ETIN)
    contact_name: str
    contact_phone: str  # digits only, 10


@dataclass(frozen=True)
class Receiver:
    """Loop 1000B: the clearinghouse or payer that receives the file."""

    name: str
    id: str


@dataclass(frozen=True)
class BillingProvider:
    """Loop 2010AA: an organization with an NPI (check digit verified), an EIN, a taxonomy
    code and a street address whose ZIP has 9 digits (005010X222A1 2010AA N403 note)."""

    name: str
    npi: str
    tax_id: str  # EIN, 9 digits
    taxonomy: str  # e.g. "261QR0405X" (clinic/center, substance use disorder rehabilitation)
    address: Address


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    birth_date: date
    gender: str  # "F", "M" or "U"
    address: Address


@dataclass(frozen=True)
class Subscriber:
    """Loop 2000B/2010BA: the insured member; ``patient`` is None when the member is the
    patient (relationship 18, self)."""

    person: Person
    member_id: str
    group_number: str
    payer_responsibility: str  # SBR01: "P" primary, "S" secondary, "T" tertiary
    filing_indicator: str  # SBR09: "CI" commercial, "MC" Medicaid, "MA"/"MB" Medicare A/B...
    relationship: str = "18"  # the patient's relationship to the subscriber (PAT01 when not 18)
    patient: Person | None = None


@dataclass(frozen=True)
class Payer:
    """Loop 2010BB: the payer's name and electronic payer id."""

    name: str
    id: str


@dataclass(frozen=True)
class Provider:
    """An individual clinician (837P rendering provider 2310B, 837I attending 2310A)."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str = ""


@dataclass(frozen=True)
class ServiceLine:
    """One service line (loop 2400). ``control`` is our line item control number (REF*6R),
    which the payer's 835 echoes back so a payment posts to the right line."""

    control: str  # up to 50 characters, unique within the claim
    service_date: date
    code: str  # HCPCS/CPT code number only
    units: int  # whole units or days
    charge_cents: int
    modifiers: tuple[str, ...] = ()
    unit_basis: str = "UN"  # SV103/SV204: "UN" units; 837I "DA" days where the payer asks
    revenue_code: str = ""  # 837I SV201, 4 digits, e.g. "0905"
    place_of_service: str = ""  # 837P SV105, only where it differs from the claim's
    diagnosis_pointers: tuple[int, ...] = (1,)  # 837P SV107, 1-based into Claim.diagnoses


@dataclass(frozen=True)
class Claim:
    """Loop 2300 and its lines. ``claim_id`` (CLM01, the patient control number) is ours and
    stays the same across a replacement and a void; ``payer_claim_number`` (REF*F8) is the
    payer's number for the claim being replaced or voided."""

    claim_id: str  # up to 20 characters (payers truncate beyond 20)
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]  # ICD-10-CM, no dot; the first is the principal
    lines: tuple[ServiceLine, ...]
    frequency: Frequency = Frequency.ORIGINAL
    payer_claim_number: str = ""
    prior_authorization: str = ""  # REF*G1
    place_of_service: str = ""  # 837P CLM05-1, e.g. "11" office, "52" psychiatric PHP, "57"
    type_of_bill: str = ""  # 837I CLM05-1: facility type and class, e.g. "13" (hospital outpatient)
    condition_codes: tuple[str, ...] = ()  # 837I HI*BG, e.g. "92" (IOP) or "41" (PHP)
    statement_from: date | None = None  # 837I DTP*434 (defaults to the first line's date)
    statement_through: date | None = None  # 837I DTP*434 (defaults to the last line's date)
    admission_type: str = "3"  # 837I CL101 (3 elective)
    admission_source: str = "1"  # 837I CL102
    patient_status: str = "30"  # 837I CL103: 30 still a patient, 01 discharged home
    provider: Provider | None = None  # 837P rendering (2310B) / 837I attending (2310A)

    @property
    def charge_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


@dataclass(frozen=True)
class Interchange:
    """The envelope's numbers and parties. Control numbers come from the program's own
    counter, so the same batch re-exported is the same bytes."""

    sender_qualifier: str  # ISA05, e.g. "ZZ"
    sender_id: str  # ISA06
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08
    interchange_control: int  # ISA13 / IEA02
    group_control: int  # GS06 / GE02
    created_at: datetime  # program local time, written into ISA09/10, GS04/05 and BHT04/05
    production: bool = False  # ISA15 "P" or "T"


@dataclass(frozen=True)
class Batch:
    """One file: one claim type for one payer, one transaction set."""

    claim_type: ClaimType
    interchange: Interchange
    submitter: Submitter
    receiver: Receiver
    billing_provider: BillingProvider
    claims: tuple[Claim, ...]
    batch_id: str  # BHT03, the originator's reference for this transaction
