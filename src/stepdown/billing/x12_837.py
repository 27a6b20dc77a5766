"""The claim file we send: an X12 837 Professional (005010X222A1) or Institutional
(005010X223A2), written from a ``claim_data.Batch``, typed and bounded.

Every rule a payer or clearinghouse would reject the file for, and that we can know from
the batch, is checked here first (``check``), with the claim, the line and the field named,
so a bad claim is fixed in our hands and never comes back days later as a 999 or a 277CA
rejection. The output depends on nothing but the batch (no clock, no random numbers), so
the same batch re-exported is the same bytes.

Structure (ASC X12 005010X222A1 and 005010X223A2 TR3s, "837 Health Care Claim:
Professional" and "...: Institutional"; loop order, segment usage, element usage and code
lists as laid out in pyx12's maps 837.5010.X222.A1.xml and 837Q3.I.5010.X223.A1.xml, the
validator the tests run; pyx12 has no X223A2 map of its own, and its maps.xml assigns a
GS08 of 005010X223A2 to the X223A1 map, so that is the map our 837I files are read with):

    BHT*0019*00*batch*date*time*CH     hierarchical structure, original, chargeable
    1000A NM1*41, PER*IC               submitter and its EDI contact
    1000B NM1*40                       receiver
    2000A HL*1**20*1, PRV*BI           billing provider level and taxonomy
      2010AA NM1*85*2, N3, N4, REF*EI  billing provider: NPI, address (9-digit ZIP), EIN
    2000B HL*n*1*22*0|1, SBR           subscriber, one level per claim
      2010BA NM1*IL*1 [N3 N4 DMG]      subscriber; address and demographics only when the
                                       subscriber is the patient (2010BA N3/N4/DMG notes)
      2010BB NM1*PR*2                  payer
      2000C HL*n*p*23*0, PAT           patient, only when not the subscriber
        2010CA NM1*QC*1, N3, N4, DMG
      2300 CLM                         the claim (under 2000C when there is a patient level)
        837I: DTP*434, CL1             statement dates, admission type/source, status
        REF*G1, REF*F8                 prior authorization; payer claim number (freq. 7/8)
        HI                             diagnoses (837I: condition codes too)
        837P 2310B NM1*82 (+PRV*PE)    rendering provider
        837I 2310A NM1*71 (+PRV*AT)    attending provider
        2400 LX, SV1|SV2, DTP*472, REF*6R   each line and our line item control number

Decisions the guides leave to the submitter, and what we chose:

* One 2000B (and 2000C) level per claim, not one per subscriber with several 2300 loops:
  both are valid (2300 repeats up to 100 under one level) and per claim keeps each claim's
  loops together for the 277CA and the 835.
* 837I 2310A attending provider: the map marks it situational; X223A2 requires it on every
  claim other than non-scheduled transportation, which a treatment program never bills, so
  ``check`` requires ``Claim.provider`` on institutional claims.
* 837P 2310B rendering provider: sent when given; it is only required when the rendering
  NPI differs from the billing provider's, so a provider with the billing NPI is refused.
* A field that belongs to the other claim type (a type of bill on an 837P, a place of
  service on an 837I, ...) is refused rather than silently dropped.
* CLM09 (release of information) is "Y", a signed statement on file: a Part 2 program
  discloses to a payer only with the client's written consent (42 CFR 2.31, 2.33).
* CL101 (admission type) is for inpatient admissions; an empty ``admission_type`` leaves it
  out of an outpatient claim's CL1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Final, TypeAlias

from stepdown.billing.claim_data import (
    Address,
    Batch,
    BillingProvider,
    Claim,
    ClaimType,
    Frequency,
    Interchange,
    Person,
    Provider,
    ServiceLine,
    Subscriber,
)
from stepdown.coverage.x12_270 import x12_text
from stepdown.kit.bounds import FIRST_DAY, LAST_DAY
from stepdown.kit.identifiers import NPI_FORM, npi_is_valid
from stepdown.kit.x12 import Delimiters, Envelope, Party
from stepdown.kit.x12 import render as render_interchange

FUNCTIONAL_ID: Final = "HC"  # GS01 for an 837
DELIMITERS: Final = Delimiters()  # "*", "^", ":", "~"
# Both guides (section 1, transaction set limits) recommend at most 5000 CLM segments per
# transaction set (ST-SE).
MAX_CLAIMS: Final = 5000
# 2400 repeats 50 times in 005010X222A1 and 999 times in 005010X223A2.
MAX_LINES: Final = {ClaimType.PROFESSIONAL: 50, ClaimType.INSTITUTIONAL: 999}
# 837P: one HI of 12 (ABK principal + 11 ABF); 837I: the principal HI plus two HI of 12 ABF.
MAX_DIAGNOSES: Final = {ClaimType.PROFESSIONAL: 12, ClaimType.INSTITUTIONAL: 25}
MAX_POINTERS: Final = 4  # 837P SV107-1 to SV107-4
MAX_CONDITION_CODES: Final = 24  # 837I condition information: two HI of 12 BG
MAX_MODIFIERS: Final = 4  # SV101-3..6 / SV202-3..6
# Our own bound on units: no service a program bills comes near it, and a typo (days keyed
# as minutes) is caught here.
MAX_UNITS: Final = 9999
# Our own bound on money: 99,999,999.99 in cents, far above any claim and inside R 1/18.
MAX_CENTS: Final = 9_999_999_999
# The largest ISA13/GS06 (N0 1/9).
MAX_CONTROL: Final = 999_999_999

_HI_PER_SEGMENT: Final = 12
# ICD-10-CM without the dot: a letter, a digit, then one to five letters or digits.
_ICD10: Final = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")
_PROCEDURE: Final = re.compile(r"[0-9A-Z]{5}")  # CPT/HCPCS level I and II
_MODIFIER: Final = re.compile(r"[0-9A-Z]{2}")  # element 1339, AN 2/2
_TAXONOMY: Final = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")  # NUCC provider taxonomy code
_TWO_DIGITS: Final = re.compile(r"[0-9]{2}")
_STATE: Final = re.compile(r"[A-Z]{2}")
_ZIP: Final = re.compile(r"[0-9]{5}(?:[0-9]{4})?")
_ZIP9: Final = re.compile(r"[0-9]{9}")
_EIN: Final = re.compile(r"[0-9]{9}")
_PHONE: Final = re.compile(r"[0-9]{10}")
_REVENUE: Final = re.compile(r"[0-9]{4}")
_CONDITION: Final = re.compile(r"[0-9A-Z]{2}")
_QUALIFIER: Final = re.compile(r"[0-9A-Z]{2}")  # ISA05/ISA07
# Identifiers travel unchanged: printable ASCII (the X12 extended character set) without
# the delimiters we write with.
_PRINTABLE: Final = re.compile(r"[ -~]+")
_DELIMITER_CHARS: Final = frozenset(
    DELIMITERS.element + DELIMITERS.repetition + DELIMITERS.component + DELIMITERS.segment
)
_SELF: Final = "18"  # individual relationship code 1069: self
# PAT01 when the patient is not the subscriber (2000C PAT01 code list): spouse, child,
# employee, unknown, organ donor, cadaver donor, life partner, other relationship.
_PATIENT_RELATIONSHIPS: Final = frozenset({"01", "19", "20", "21", "39", "40", "53", "G8"})
# SBR01 payer responsibility sequence number codes (2000B SBR01).
_RESPONSIBILITIES: Final = frozenset("ABCDEFGHPSTU")
# SBR09 claim filing indicator codes (2000B SBR09).
_FILING_INDICATORS: Final = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM"}
    | {"MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"}
)
_GENDERS: Final = frozenset({"F", "M", "U"})  # DMG03
# SV103 (837P): units or minutes; SV204 (837I): units or days.
_UNIT_BASES: Final = {
    ClaimType.PROFESSIONAL: frozenset({"UN", "MJ"}),
    ClaimType.INSTITUTIONAL: frozenset({"UN", "DA"}),
}

Problem: TypeAlias = tuple[str, str]  # (field, what is wrong with it)


class ClaimError(ValueError):
    """A batch we refuse to send. ``field`` names the input (e.g. ``line.units`` or
    ``billing_provider.address.zip``); ``claim`` is the claim id and ``line`` the line
    control number it is about, None when the error is not about one."""

    def __init__(
        self, field: str, problem: str, claim: str | None = None, line: str | None = None
    ) -> None:
        where = ", ".join(
            f"{label} {value!r}"
            for label, value in (("claim", claim), ("line", line))
            if value is not None
        )
        super().__init__(f"{where}: {field}: {problem}" if where else f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.claim = claim
        self.line = line


def amount(cents: int) -> str:
    """Whole cents as an X12 R (decimal) value: no trailing zeros after the point and no
    point for whole dollars, the shortest spelling (15000 -> "150", 15050 -> "150.5",
    12345 -> "123.45", 5 -> "0.05")."""
    whole, part = divmod(cents, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def check(batch: Batch) -> list[ClaimError]:
    """Every business rule the batch breaks, in file order; empty when it can be sent."""
    found = [ClaimError(f, p) for f, p in _batch_problems(batch)]
    for claim in batch.claims:
        found += [ClaimError(f, p, claim.claim_id) for f, p in _claim_problems(batch, claim)]
        period = _statement(claim) if claim.lines else None
        if period is not None and period[0] > period[1]:
            period = None  # reported once, as the claim's statement_from
        controls: set[str] = set()
        for line in claim.lines:
            problems = list(_line_problems(batch.claim_type, claim, line, period))
            if line.control in controls:
                problems.append(("line.control", "is used by another line of the claim"))
            controls.add(line.control)
            found += [ClaimError(f, p, claim.claim_id, line.control) for f, p in problems]
    return found


def render(batch: Batch) -> str:
    """The interchange carrying ``batch`` as one 837 transaction set. Raises the first
    ``ClaimError`` ``check`` finds."""
    errors = check(batch)
    if errors:
        raise errors[0]
    interchange = batch.interchange
    envelope = Envelope(
        sender=Party(interchange.sender_qualifier, interchange.sender_id),
        receiver=Party(interchange.receiver_qualifier, interchange.receiver_id),
        interchange_control=interchange.interchange_control,
        group_control=interchange.group_control,
        functional_id=FUNCTIONAL_ID,
        version=batch.claim_type.version,
        created_at=interchange.created_at,
        production=interchange.production,
    )
    return render_interchange(envelope, [_transaction(batch)], DELIMITERS)


# -- checks ------------------------------------------------------------------------------


def _text_problem(value: str, longest: int, shortest: int = 1) -> str | None:
    """What is wrong with a name or address line as it will be written, if anything."""
    text = x12_text(value)
    if not text:
        return "is required"
    if not shortest <= len(text) <= longest:
        return f"must be {shortest} to {longest} characters"
    if not _PRINTABLE.fullmatch(text):
        return "must be written in Latin letters (the X12 character set)"
    return None


def _identifier_problem(value: str, shortest: int, longest: int) -> str | None:
    """What is wrong with an identifier that travels unchanged, if anything."""
    if not shortest <= len(value) <= longest:
        return f"must be {shortest} to {longest} characters"
    if not _PRINTABLE.fullmatch(value) or _DELIMITER_CHARS & set(value):
        return "may hold only printable ASCII other than * : ^ ~"
    if value != value.strip():
        return "must not start or end with a space"
    return None


def _text(field: str, value: str, longest: int, shortest: int = 1) -> Iterator[Problem]:
    problem = _text_problem(value, longest, shortest)
    if problem:
        yield field, problem


def _identifier(field: str, value: str, shortest: int, longest: int) -> Iterator[Problem]:
    problem = _identifier_problem(value, shortest, longest)
    if problem:
        yield field, problem


def _pattern(field: str, value: str, pattern: re.Pattern[str], shape: str) -> Iterator[Problem]:
    if not pattern.fullmatch(value):
        yield field, f"{value!r} must be {shape}"


def _day(field: str, value: date) -> Iterator[Problem]:
    if not FIRST_DAY <= value <= LAST_DAY:
        yield field, f"must be between {FIRST_DAY} and {LAST_DAY}"


def _npi(field: str, npi: str) -> Iterator[Problem]:
    if not NPI_FORM.fullmatch(npi):
        yield field, "must be 10 digits starting with 1 or 2"
    elif not npi_is_valid(npi):
        yield field, "fails the NPI check digit"


def _address(field: str, address: Address, *, nine_digit_zip: bool) -> Iterator[Problem]:
    """N3/N4: address lines AN 1/55, city AN 2/30, a USPS state, a ZIP of 5 or 9 digits
    (N403), or of 9 for the billing provider (005010X222A1 and X223A2 2010AA N403 note)."""
    yield from _text(f"{field}.line1", address.line1, 55)
    if address.line2:
        yield from _text(f"{field}.line2", address.line2, 55)
    yield from _text(f"{field}.city", address.city, 30, shortest=2)
    yield from _pattern(f"{field}.state", address.state, _STATE, "a two-letter state code")
    if nine_digit_zip:
        yield from _pattern(f"{field}.zip", address.zip, _ZIP9, "9 digits")
    else:
        yield from _pattern(f"{field}.zip", address.zip, _ZIP, "5 or 9 digits")


def _interchange(interchange: Interchange) -> Iterator[Problem]:
    """ISA05-08 (qualifier ID 2/2, id AN 15, padded) and the control numbers (N0 1/9)."""
    parties = (
        ("sender", interchange.sender_qualifier, interchange.sender_id),
        ("receiver", interchange.receiver_qualifier, interchange.receiver_id),
    )
    for party, qualifier, identifier in parties:
        field = f"interchange.{party}"
        yield from _pattern(f"{field}_qualifier", qualifier, _QUALIFIER, "2 letters or digits")
        yield from _identifier(f"{field}_id", identifier, 1, 15)
    counters = (
        ("interchange_control", interchange.interchange_control),
        ("group_control", interchange.group_control),
    )
    for counter, value in counters:
        if not 0 < value <= MAX_CONTROL:
            yield f"interchange.{counter}", f"must be 1 to {MAX_CONTROL}"
    yield from _day("interchange.created_at", interchange.created_at.date())


def _billing_provider(provider: BillingProvider) -> Iterator[Problem]:
    """2010AA: organization name, NPI (XX), EIN (REF*EI, 9 digits), taxonomy (PRV03),
    address with a 9-digit ZIP."""
    yield from _text("billing_provider.name", provider.name, 60)
    yield from _npi("billing_provider.npi", provider.npi)
    yield from _pattern("billing_provider.tax_id", provider.tax_id, _EIN, "9 digits (an EIN)")
    yield from _pattern(
        "billing_provider.taxonomy", provider.taxonomy, _TAXONOMY, "a 10-character taxonomy code"
    )
    yield from _address("billing_provider.address", provider.address, nine_digit_zip=True)


def _batch_problems(batch: Batch) -> Iterator[Problem]:
    yield from _interchange(batch.interchange)
    yield from _identifier("batch_id", batch.batch_id, 1, 50)  # BHT03 AN 1/50
    submitter = batch.submitter
    yield from _text("submitter.name", submitter.name, 60)
    yield from _identifier("submitter.id", submitter.id, 2, 80)  # NM109 AN 2/80
    if submitter.contact_name:
        yield from _text("submitter.contact_name", submitter.contact_name, 60)
    yield from _pattern("submitter.contact_phone", submitter.contact_phone, _PHONE, "10 digits")
    yield from _text("receiver.name", batch.receiver.name, 60)
    yield from _identifier("receiver.id", batch.receiver.id, 2, 80)
    yield from _billing_provider(batch.billing_provider)
    if not 1 <= len(batch.claims) <= MAX_CLAIMS:
        yield "claims", f"a batch holds 1 to {MAX_CLAIMS} claims"


def _person(field: str, person: Person) -> Iterator[Problem]:
    """NM1 last name AN 1/60 and first name AN 1/35, N3/N4, DMG02 birth date and DMG03."""
    yield from _text(f"{field}.last_name", person.last_name, 60)
    yield from _text(f"{field}.first_name", person.first_name, 35)
    yield from _day(f"{field}.birth_date", person.birth_date)
    if person.gender not in _GENDERS:
        yield f"{field}.gender", "must be F, M or U"
    yield from _address(f"{field}.address", person.address, nine_digit_zip=False)


def _subscriber(subscriber: Subscriber) -> Iterator[Problem]:
    """2000B SBR, 2010BA and, for a dependent, 2000C PAT and 2010CA."""
    yield from _person("claim.subscriber.person", subscriber.person)
    yield from _identifier("claim.subscriber.member_id", subscriber.member_id, 2, 80)
    if subscriber.group_number:
        yield from _identifier("claim.subscriber.group_number", subscriber.group_number, 1, 50)
    if subscriber.payer_responsibility not in _RESPONSIBILITIES:
        yield "claim.subscriber.payer_responsibility", "must be an SBR01 code (P, S, T, ...)"
    if subscriber.filing_indicator not in _FILING_INDICATORS:
        yield "claim.subscriber.filing_indicator", "must be an SBR09 code (CI, MC, MB, ...)"
    if subscriber.patient is None:
        if subscriber.relationship != _SELF:
            yield "claim.subscriber.relationship", "must be 18 (self) when there is no patient"
    else:
        yield from _person("claim.subscriber.patient", subscriber.patient)
        if subscriber.relationship not in _PATIENT_RELATIONSHIPS:
            yield (
                "claim.subscriber.relationship",
                "must be a PAT01 code (01, 19, 20, 21, 39, 40, 53, G8) for a patient",
            )


def _provider(provider: Provider, billing_npi: str) -> Iterator[Problem]:
    """837P 2310B / 837I 2310A: a person (NM102 1) with an NPI and, optionally, PRV03."""
    yield from _text("claim.provider.last_name", provider.last_name, 60)
    yield from _text("claim.provider.first_name", provider.first_name, 35)
    yield from _npi("claim.provider.npi", provider.npi)
    if provider.npi == billing_npi:
        yield "claim.provider.npi", "is the billing provider's NPI: leave the provider out"
    if provider.taxonomy:
        yield from _pattern(
            "claim.provider.taxonomy", provider.taxonomy, _TAXONOMY, "a 10-character taxonomy"
        )


def _statement(claim: Claim) -> tuple[date, date]:
    """The statement period (837I DTP*434): as given, else the first and last line dates."""
    days = [line.service_date for line in claim.lines]
    start = min(days) if claim.statement_from is None else claim.statement_from
    end = max(days) if claim.statement_through is None else claim.statement_through
    return start, end


def _diagnoses(claim_type: ClaimType, diagnoses: Sequence[str]) -> Iterator[Problem]:
    most = MAX_DIAGNOSES[claim_type]
    if not 1 <= len(diagnoses) <= most:
        yield "claim.diagnoses", f"an {claim_type.value} carries 1 to {most} diagnoses"
    for code in diagnoses:
        yield from _pattern(
            "claim.diagnoses", code, _ICD10, "an ICD-10-CM code without the dot (e.g. F1020)"
        )
    if len(set(diagnoses)) != len(diagnoses):
        yield "claim.diagnoses", "lists a diagnosis twice"


def _claim_problems(batch: Batch, claim: Claim) -> Iterator[Problem]:
    claim_type = batch.claim_type
    yield from _identifier("claim.claim_id", claim.claim_id, 1, 20)  # CLM01, 1/20 per the TR3s
    yield from _subscriber(claim.subscriber)
    yield from _text("claim.payer.name", claim.payer.name, 60)
    yield from _identifier("claim.payer.id", claim.payer.id, 2, 80)
    yield from _diagnoses(claim_type, claim.diagnoses)
    most = MAX_LINES[claim_type]
    if not 1 <= len(claim.lines) <= most:
        yield "claim.lines", f"an {claim_type.value} claim has 1 to {most} lines"
    total = claim.charge_cents
    if total > MAX_CENTS:
        yield "claim.charge_cents", f"the total must be at most {amount(MAX_CENTS)}"
    elif claim.lines and total <= 0 and claim.frequency is not Frequency.VOID:
        yield "claim.charge_cents", "the total must be more than 0 (only a void may be 0)"
    # 2300 REF*F8: required when CLM05-3 is 7 or 8; "if not required, do not send".
    if claim.frequency is Frequency.ORIGINAL:
        if claim.payer_claim_number:
            yield "claim.payer_claim_number", "is only sent with a replacement or a void"
    elif not claim.payer_claim_number:
        yield "claim.payer_claim_number", "is required to replace or void a claim"
    else:
        yield from _identifier("claim.payer_claim_number", claim.payer_claim_number, 1, 50)
    if claim.prior_authorization:
        yield from _identifier("claim.prior_authorization", claim.prior_authorization, 1, 50)
    given = (
        ("statement_from", claim.statement_from),
        ("statement_through", claim.statement_through),
    )
    for name, day in given:
        if day is not None:
            yield from _day(f"claim.{name}", day)
    if claim.lines:
        start, end = _statement(claim)
        if start > end:
            yield "claim.statement_from", f"{start} is after the statement period's end, {end}"
    if claim_type is ClaimType.PROFESSIONAL:
        yield from _professional(claim)
    else:
        yield from _institutional(claim)
    if claim.provider is not None:
        yield from _provider(claim.provider, batch.billing_provider.npi)


def _professional(claim: Claim) -> Iterator[Problem]:
    """837P CLM05-1 place of service; the 837I-only fields must be empty."""
    if not claim.place_of_service:
        yield "claim.place_of_service", "is required on a professional claim (CLM05-1)"
    else:
        yield from _pattern(
            "claim.place_of_service", claim.place_of_service, _TWO_DIGITS, "2 digits"
        )
    if claim.type_of_bill:
        yield "claim.type_of_bill", "is for institutional claims only"
    if claim.condition_codes:
        yield "claim.condition_codes", "are for institutional claims only"


def _institutional(claim: Claim) -> Iterator[Problem]:
    """837I CLM05-1 facility type, CL1 codes, HI*BG condition codes and the attending
    provider (2310A, required on all but non-scheduled transportation claims)."""
    if not claim.type_of_bill:
        yield "claim.type_of_bill", "is required on an institutional claim (CLM05-1)"
    else:
        yield from _pattern("claim.type_of_bill", claim.type_of_bill, _TWO_DIGITS, "2 digits")
    if claim.place_of_service:
        yield "claim.place_of_service", "is for professional claims only"
    if len(claim.condition_codes) > MAX_CONDITION_CODES:
        yield "claim.condition_codes", f"at most {MAX_CONDITION_CODES} condition codes"
    for code in claim.condition_codes:
        yield from _pattern("claim.condition_codes", code, _CONDITION, "2 letters or digits")
    if claim.admission_type and not re.fullmatch(r"[0-9]", claim.admission_type):
        yield "claim.admission_type", "must be one digit (CL101)"
    if claim.admission_source and not re.fullmatch(r"[0-9A-Z]", claim.admission_source):
        yield "claim.admission_source", "must be one letter or digit (CL102)"
    yield from _pattern("claim.patient_status", claim.patient_status, _TWO_DIGITS, "2 digits")
    if claim.provider is None:
        yield "claim.provider", "the attending provider (2310A) is required on an 837I"


def _line_problems(
    claim_type: ClaimType, claim: Claim, line: ServiceLine, period: tuple[date, date] | None
) -> Iterator[Problem]:
    """One line's rules; ``period`` is the claim's statement period when it is sound."""
    yield from _identifier("line.control", line.control, 1, 50)  # REF*6R REF02 AN 1/50
    yield from _day("line.service_date", line.service_date)
    if period is not None and not period[0] <= line.service_date <= period[1]:
        yield "line.service_date", f"is outside the statement period {period[0]} to {period[1]}"
    yield from _pattern("line.code", line.code, _PROCEDURE, "a 5-character CPT/HCPCS code")
    if len(line.modifiers) > MAX_MODIFIERS:
        yield "line.modifiers", f"at most {MAX_MODIFIERS} modifiers"
    for modifier in line.modifiers:
        yield from _pattern("line.modifiers", modifier, _MODIFIER, "2 letters or digits")
    if not 1 <= line.units <= MAX_UNITS:
        yield "line.units", f"must be 1 to {MAX_UNITS}"
    if not 0 <= line.charge_cents <= MAX_CENTS:
        yield "line.charge_cents", f"must be 0 to {MAX_CENTS} cents"
    if line.unit_basis not in _UNIT_BASES[claim_type]:
        bases = " or ".join(sorted(_UNIT_BASES[claim_type]))
        yield "line.unit_basis", f"must be {bases} on an {claim_type.value}"
    if claim_type is ClaimType.PROFESSIONAL:
        if line.revenue_code:
            yield "line.revenue_code", "is for institutional claims only"
        if line.place_of_service:
            yield from _pattern(
                "line.place_of_service", line.place_of_service, _TWO_DIGITS, "2 digits"
            )
        yield from _pointers(line.diagnosis_pointers, len(claim.diagnoses))
    else:
        yield from _pattern("line.revenue_code", line.revenue_code, _REVENUE, "4 digits")
        if line.place_of_service:
            yield "line.place_of_service", "is for professional claims only"


def _pointers(pointers: Sequence[int], diagnoses: int) -> Iterator[Problem]:
    """SV107: one to four pointers, each to one of the claim's diagnoses (HI01-HI12)."""
    if not 1 <= len(pointers) <= MAX_POINTERS:
        yield "line.diagnosis_pointers", f"a line points at 1 to {MAX_POINTERS} diagnoses"
    for pointer in pointers:
        if not 1 <= pointer <= diagnoses:
            yield "line.diagnosis_pointers", f"{pointer} is not one of the {diagnoses} diagnoses"
    if len(set(pointers)) != len(pointers):
        yield "line.diagnosis_pointers", "points at a diagnosis twice"


# -- segments ----------------------------------------------------------------------------


def _transaction(batch: Batch) -> list[list[str]]:
    """The segments between ST and SE."""
    created = batch.interchange.created_at
    submitter, receiver = batch.submitter, batch.receiver
    contact = ["PER", "IC", x12_text(submitter.contact_name), "TE", submitter.contact_phone]
    segments: list[list[str]] = [
        ["BHT", "0019", "00", batch.batch_id, f"{created:%Y%m%d}", f"{created:%H%M}", "CH"],
        _organization("41", submitter.name, "46", submitter.id),
        contact,
        _organization("40", receiver.name, "46", receiver.id),
        *_billing_provider_segments(batch.billing_provider),
    ]
    next_id = 2
    for claim in batch.claims:
        claim_segments, next_id = _claim_segments(batch, claim, next_id)
        segments += claim_segments
    return segments


def _organization(entity: str, name: str, qualifier: str, identifier: str) -> list[str]:
    """NM1 for an organization (NM102 2): NM104-NM107 unused, NM108/NM109 its id."""
    return ["NM1", entity, "2", x12_text(name), "", "", "", "", qualifier, identifier]


def _person_name(entity: str, last: str, first: str, id_pair: tuple[str, ...]) -> list[str]:
    """NM1 for a person (NM102 1); the id pair is absent for the 2010CA patient."""
    return ["NM1", entity, "1", x12_text(last), x12_text(first), "", "", "", *id_pair]


def _address_segments(address: Address) -> list[list[str]]:
    n3 = ["N3", x12_text(address.line1)]
    if address.line2:
        n3.append(x12_text(address.line2))
    return [n3, ["N4", x12_text(address.city), address.state, address.zip]]


def _demographics(person: Person) -> list[str]:
    return ["DMG", "D8", f"{person.birth_date:%Y%m%d}", person.gender]


def _billing_provider_segments(provider: BillingProvider) -> list[list[str]]:
    """2000A and 2010AA."""
    return [
        ["HL", "1", "", "20", "1"],
        ["PRV", "BI", "PXC", provider.taxonomy],
        _organization("85", provider.name, "XX", provider.npi),
        *_address_segments(provider.address),
        ["REF", "EI", provider.tax_id],
    ]


def _claim_segments(batch: Batch, claim: Claim, hl_id: int) -> tuple[list[list[str]], int]:
    """2000B (2000C) and the claim's 2300 and 2400 loops; returns the next free HL id."""
    subscriber, patient = claim.subscriber, claim.subscriber.patient
    member = subscriber.person
    segments: list[list[str]] = [
        ["HL", str(hl_id), "1", "22", "0" if patient is None else "1"],
        [
            "SBR",
            subscriber.payer_responsibility,
            _SELF if patient is None else "",
            subscriber.group_number,
            "",
            "",
            "",
            "",
            "",
            subscriber.filing_indicator,
        ],
        _person_name("IL", member.last_name, member.first_name, ("MI", subscriber.member_id)),
    ]
    if patient is None:
        segments += [*_address_segments(member.address), _demographics(member)]
    segments.append(_organization("PR", claim.payer.name, "PI", claim.payer.id))
    next_id = hl_id + 1
    if patient is not None:
        segments += [
            ["HL", str(next_id), str(hl_id), "23", "0"],
            ["PAT", subscriber.relationship],
            _person_name("QC", patient.last_name, patient.first_name, ()),
            *_address_segments(patient.address),
            _demographics(patient),
        ]
        next_id += 1
    if batch.claim_type is ClaimType.PROFESSIONAL:
        segments += _professional_claim(claim)
    else:
        segments += _institutional_claim(claim)
    return segments, next_id


def _references(claim: Claim) -> list[list[str]]:
    """2300 REF*G1 prior authorization and REF*F8 payer claim control number, in the
    guides' order (both at position 1800, G1 listed first)."""
    references = []
    if claim.prior_authorization:
        references.append(["REF", "G1", claim.prior_authorization])
    if claim.frequency is not Frequency.ORIGINAL:
        references.append(["REF", "F8", claim.payer_claim_number])
    return references


def _composite(*parts: str) -> str:
    """A composite element, trailing empty components dropped."""
    values = list(parts)
    while values and not values[-1]:
        values.pop()
    return DELIMITERS.component.join(values)


def _procedure(line: ServiceLine) -> str:
    """SV101 / SV202: HC (HCPCS/CPT), the code and up to four modifiers."""
    return _composite("HC", line.code, *line.modifiers)


def _line_tail(line: ServiceLine) -> list[list[str]]:
    """2400 DTP*472 service date and REF*6R line item control number."""
    return [
        ["DTP", "472", "D8", f"{line.service_date:%Y%m%d}"],
        ["REF", "6R", line.control],
    ]


def _professional_claim(claim: Claim) -> list[list[str]]:
    """005010X222A1 2300, 2310B and 2400."""
    location = _composite(claim.place_of_service, "B", claim.frequency.value)
    # CLM06 provider signature on file, CLM07 assigned, CLM08 benefits assigned, CLM09
    # release of information signed.
    segments = [
        ["CLM", claim.claim_id, amount(claim.charge_cents), "", "", location, "Y", "A", "Y", "Y"],
        *_references(claim),
        [
            "HI",
            _composite("ABK", claim.diagnoses[0]),
            *(_composite("ABF", code) for code in claim.diagnoses[1:]),
        ],
    ]
    if claim.provider is not None:
        segments += _clinician("82", "PE", claim.provider)
    for number, line in enumerate(claim.lines, start=1):
        place = line.place_of_service if line.place_of_service != claim.place_of_service else ""
        pointers = DELIMITERS.component.join(str(p) for p in line.diagnosis_pointers)
        segments += [
            ["LX", str(number)],
            [
                "SV1",
                _procedure(line),
                amount(line.charge_cents),
                line.unit_basis,
                str(line.units),
                place,
                "",
                pointers,
            ],
            *_line_tail(line),
        ]
    return segments


def _institutional_claim(claim: Claim) -> list[list[str]]:
    """005010X223A2 2300, 2310A and 2400."""
    location = _composite(claim.type_of_bill, "A", claim.frequency.value)
    start, end = _statement(claim)
    segments = [
        # CLM06 is not used on an 837I; CLM07-09 as on the 837P.
        ["CLM", claim.claim_id, amount(claim.charge_cents), "", "", location, "", "A", "Y", "Y"],
        ["DTP", "434", "RD8", f"{start:%Y%m%d}-{end:%Y%m%d}"],
        ["CL1", claim.admission_type, claim.admission_source, claim.patient_status],
        *_references(claim),
        ["HI", _composite("ABK", claim.diagnoses[0])],
    ]
    others = claim.diagnoses[1:]
    for start_at in range(0, len(others), _HI_PER_SEGMENT):
        chunk = others[start_at : start_at + _HI_PER_SEGMENT]
        segments.append(["HI", *(_composite("ABF", code) for code in chunk)])
    conditions = claim.condition_codes
    for start_at in range(0, len(conditions), _HI_PER_SEGMENT):
        chunk = conditions[start_at : start_at + _HI_PER_SEGMENT]
        segments.append(["HI", *(_composite("BG", code) for code in chunk)])
    if claim.provider is not None:
        segments += _clinician("71", "AT", claim.provider)
    for number, line in enumerate(claim.lines, start=1):
        segments += [
            ["LX", str(number)],
            [
                "SV2",
                line.revenue_code,
                _procedure(line),
                amount(line.charge_cents),
                line.unit_basis,
                str(line.units),
            ],
            *_line_tail(line),
        ]
    return segments


def _clinician(entity: str, role: str, provider: Provider) -> list[list[str]]:
    """837P 2310B rendering (82, PRV*PE) or 837I 2310A attending (71, PRV*AT)."""
    segments = [_person_name(entity, provider.last_name, provider.first_name, ("XX", provider.npi))]
    if provider.taxonomy:
        segments.append(["PRV", role, "PXC", provider.taxonomy])
    return segments
