"""The remittance advice: an ASC X12 835 Health Care Claim Payment/Advice (005010X221A1)
read into typed values, and written from them.

A payer's 835 says, for one payment (a check, an EFT or none), what it did with each claim
(CLP) and each service line (SVC): what it paid, and every dollar it did not pay as an
adjustment with a group and a reason (CAS); what it takes back or adds outside any claim
(PLB). We read it ourselves on top of ``kit.x12.parse``, as ``coverage.x12_271`` reads the
271, rather than with x12sdk: a payer's unknown code must be kept, not fatal, and what does
not add up must be reported with the segment that says it, not smoothed over.

Structure followed (the 005010X221A1 transaction set listing, in the same order as pyx12's
map ``835.5010.X221.A1.xml``)::

    ST  BPR  TRN  [CUR] [REF*EV] [REF*F2] [DTM*405]
    1000A N1*PR  N3  N4  [REF*2U/EO/HI/NF]  [PER*CX]  PER*BL  [PER*IC]     payer
    1000B N1*PE  [N3] [N4] [REF] [RDM]                                   payee
    2000  LX [TS3] [TS2]                                                 claim groups
      2100 CLP [CAS] NM1*QC [NM1*IL/74/82/TT/PR/GB] [MIA] [MOA] [REF] [DTM] [PER] [AMT] [QTY]
        2110 SVC [DTM*472/150/151] [CAS] [REF*6R and others] [AMT] [QTY] [LQ]
    [PLB]  SE

Money is whole cents, read from the X12 decimal text exactly (an amount with a fraction of
a cent is refused, not rounded). Adjustment and PLB amounts are signed as the guide signs
them: positive lowers the payment, negative raises it (section 1.10.2). A reversal (CLP02
22) repeats the original claim with every amount negated.

Balancing (005010X221A1 section 1.10.2, "Balancing"; X12 RFI 2348 for the service line,
RFI 452 for claim-level adjustments beside line-level ones) is checked on every read and
before every write; interest is not part of it (it is reported in PLB L6, RFI 2123):

    service line  SVC02 - its CAS amounts = SVC03
    claim         CLP03 - claim and line CAS amounts = CLP04
    claim lines   sum of SVC03 - claim CAS amounts = CLP04 (when there are lines)
    transaction   sum of CLP04 - sum of PLB amounts = BPR02
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Final

from stepdown.billing.adjustment_codes import (
    CLAIM_STATUSES,
    DENIED,
    FORWARDED,
    GROUPS_5010,
    PATIENT_GROUP,
    PREDETERMINATION,
    REVERSAL,
    is_denial_reason,
)
from stepdown.billing.claim_data import Address
from stepdown.kit.bounds import FIRST_DAY, LAST_DAY
from stepdown.kit.identifiers import npi_is_valid
from stepdown.kit.x12 import Delimiters, Envelope, Party, Segment, X12Error, parse, render

VERSION: Final = "005010X221A1"
FUNCTIONAL_ID: Final = "HP"  # GS01 of a claim payment/advice group
TRANSACTION_SET: Final = "835"
# The unamended guide (005010X221) and its addenda (A1) lay the 835 out alike.
VERSIONS: Final = frozenset({"005010X221", VERSION})
DELIMITERS: Final = Delimiters()  # "*", "^", ":", "~"

# BPR04 payment methods that move money through banks and so need BPR05-BPR15, the banks
# and accounts (005010X221A1 BPR05-BPR15 notes: required when BPR04 is ACH, BOP or FWT).
EFT_METHODS: Final = frozenset({"ACH", "BOP", "FWT"})
CHECK, NO_PAYMENT = "CHK", "NON"
METHODS: Final = EFT_METHODS | {CHECK, NO_PAYMENT}
# CLP06, claim filing indicator (005010X221A1 2100 CLP06 code list; not the 837's SBR09).
FILING_INDICATORS: Final = frozenset(
    {"12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC"}
    | {"OF", "TV", "VA", "WC", "ZZ"}
)
# SVC01-1, product/service id qualifier: HC HCPCS/CPT, NU revenue code, ... (2110 SVC01-1).
SERVICE_QUALIFIERS: Final = frozenset({"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU", "UI", "WK"})
# PLB03-1, provider adjustment reason (X12 element 426, the 005010X221A1 PLB03-1 list):
# e.g. WO overpayment recovery, L6 interest owed, FB forwarding balance, 72 authorized return.
PLB_REASONS: Final = frozenset(
    {"50", "51", "72", "90", "AH", "AM", "AP", "B2", "B3", "BD", "BN", "C5", "CR", "CS"}
    | {"CT", "CV", "CW", "DM", "E3", "FB", "FC", "GO", "HM", "IP", "IR", "IS", "J1", "L3"}
    | {"L6", "LE", "LS", "OA", "OB", "PI", "PL", "RA", "RE", "SL", "TL", "WO", "WU"}
)
# PER03 of the payer's technical contact (1000A PER*BL): email, telephone, web address.
CONTACT_QUALIFIERS: Final = frozenset({"EM", "TE", "UR"})
# TRN03 (and BPR10): 1 and an EIN, 3 and a DUNS, or 9 and a payer-assigned number (element
# 509, AN 10/10).
_ORIGINATOR: Final = re.compile(r"[13][0-9]{9}|9[0-9A-Z]{9}")
# How many of a thing the guide lets one loop or segment hold (the 835 table's repeats).
CAS_TRIPLES: Final = 6  # CAS02-CAS19
MAX_CAS: Final = 99  # CAS segments per claim or line
MAX_LINES: Final = 999  # 2110 loops per claim
MAX_LINE_REMARKS: Final = 99  # LQ segments per line
MAX_CLAIM_REMARKS: Final = 5  # MOA03-MOA07
MAX_MODIFIERS: Final = 4  # SVC01-3 to SVC01-6
PLB_PAIRS: Final = 6  # PLB03/04 to PLB13/14
# The widest amount (R, 18 digits) and quantity (R, 15 digits) the guide allows.
AMOUNT_DIGITS, QUANTITY_DIGITS = 18, 15
# Text we write must come back unchanged: printable ASCII, none of our delimiters, no
# surrounding spaces (``parse`` strips a segment's ends).
_PRINTABLE: Final = re.compile(r"[ -~]*")
_DELIMITER_CHARS: Final = frozenset("*:^~")
# An X12 decimal number (data type R): optional minus, digits, optional point and digits.
_DECIMAL: Final = re.compile(r"(-?)([0-9]*)(?:\.([0-9]*))?")
_CCYYMMDD: Final = re.compile(r"[0-9]{8}")
# "Last, First Middle": how ``ClaimPayment.patient_name`` joins NM103 to NM104/NM105.
_NAME_JOIN: Final = ", "


class RemittanceError(X12Error):
    """An 835 we cannot read as it stands: ``position`` is the segment's place in the
    interchange (the ISA is 1, so with one segment per line it is the line number),
    ``segment`` its id, ``problem`` what is wrong."""

    def __init__(self, position: int, segment: str, problem: str) -> None:
        super().__init__(f"segment {position} ({segment}): {problem}")
        self.position = position
        self.segment = segment
        self.problem = problem


class RemittanceWriteError(ValueError):
    """A remittance ``write`` refuses, because the 835 would be invalid or would not read
    back as the same value; ``field`` names the input that is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Adjustment:
    """One CAS reason: who carries the amount (``group``: CO contractual, PR patient, OA
    other, PI payer-initiated), why (``reason``, a CARC), how much, and the units it
    concerns where the payer says (CAS04)."""

    group: str
    reason: str
    cents: int
    quantity: int | None = None


@dataclass(frozen=True)
class LinePayment:
    """A service line's payment (loop 2110). ``control`` is our line item control number
    (REF*6R), sent in the 837's REF*6R and echoed back, so the payment posts to the right
    charge; "" when the payer did not echo it. ``units`` is SVC05, the paid units (None
    when absent, which the guide reads as one). ``service_date`` is DTM*472, or the first
    day of a DTM*150/151 period. ``remarks`` are the line's RARCs (LQ*HE)."""

    control: str
    code: str
    modifiers: tuple[str, ...]
    charge_cents: int
    paid_cents: int
    units: int | None
    service_date: date | None
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]
    qualifier: str = "HC"  # SVC01-1: HC a HCPCS/CPT code, NU a revenue code
    revenue_code: str = ""  # SVC04, institutional claims billed with a HCPCS code


@dataclass(frozen=True)
class ClaimPayment:
    """What the payer did with one of our claims (loop 2100). ``claim_id`` is our CLM01
    (CLP01); ``payer_claim_number`` the payer's control number for it (CLP07), which a
    replacement or void of the claim must quote; ``frequency`` the claim frequency code
    the payer adjudicated (CLP09; "" when absent). ``remarks`` are claim-level RARCs (MIA,
    MOA). ``patient_name`` is NM103, then ", " and the given names (NM104, NM105) when
    the payer sent any, then the suffix (NM107); ``member_id`` is NM109."""

    claim_id: str
    status: str
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int
    payer_claim_number: str
    frequency: str
    adjustments: tuple[Adjustment, ...]
    lines: tuple[LinePayment, ...]
    remarks: tuple[str, ...]
    patient_name: str
    member_id: str
    filing_indicator: str  # CLP06, e.g. "12" PPO, "HM" HMO, "MC" Medicaid (required)

    @property
    def reversal(self) -> bool:
        """The payer takes back an earlier payment on this claim (CLP02 22); the amounts
        are the original's, negated. A corrected payment usually follows as its own CLP."""
        return self.status == REVERSAL

    @property
    def denied(self) -> bool:
        """Whether the payer refused to pay the claim, as opposed to paying nothing because
        someone else owes it. True when:

        - CLP02 is 4 (denied); or
        - the claim is being adjudicated for payment (not a reversal, 22; not forwarded as
          another payer's, 23; not a predetermination, 25), has a positive charge, pays
          nothing (CLP04 0), leaves the patient owing nothing (CLP05 0 and no PR
          adjustment), and at least one adjustment, claim or line level, holds back a
          positive amount for a denial reason: group CO, OA or PI with a reason other than
          the pricing reasons of ``adjustment_codes.REDUCTION_REASONS`` (23 an earlier
          payer paid, 45 and 131 contract limits, 59 multiple procedures, 253
          sequestration).

        So a claim that pays nothing because it all went to the deductible (PR 1) is not
        denied (the patient owes it), nor is a secondary claim that pays nothing because
        the primary paid the allowed amount (OA 23 with CO 45); a zero-paid claim with CO
        50, CO 197 or a reason we do not know is."""
        if self.status == DENIED:
            return True
        if self.status in (REVERSAL, FORWARDED, PREDETERMINATION):
            return False
        if self.paid_cents != 0 or self.charge_cents <= 0:
            return False
        every = self.all_adjustments()
        if self.patient_responsibility_cents != 0 or any(
            a.group == PATIENT_GROUP and a.cents != 0 for a in every
        ):
            return False
        return any(a.cents > 0 and is_denial_reason(a.group, a.reason) for a in every)

    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """The claim-level adjustments, then each line's in order."""
        return (*self.adjustments, *(a for line in self.lines for a in line.adjustments))


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB reason and amount: money moved outside any claim. Positive takes from the
    payment (WO recovering an overpayment, FB a balance from an earlier advice), negative
    adds to it (L6 interest, FB a balance carried forward). ``provider_id`` is PLB01 (as a
    rule the payee's NPI), ``fiscal_period`` PLB02, ``reference`` PLB03-2 (e.g. the claim
    or check recovered from)."""

    provider_id: str
    fiscal_period: date
    reason: str
    cents: int
    reference: str = ""


@dataclass(frozen=True)
class Contact:
    """The payer's technical contact for the 835 (1000A PER*BL, required): a name and one
    number with its qualifier (TE telephone, EM email, UR web address)."""

    name: str
    qualifier: str
    number: str


@dataclass(frozen=True)
class BankAccount:
    """A bank and account of an EFT: the payer's (BPR06-BPR09) or the payee's
    (BPR12-BPR15). ``dfi_qualifier`` 01 is an ABA routing number, 04 a Canadian bank
    branch; ``account_qualifier`` DA is a checking account, SG (payee only) savings."""

    dfi_id: str
    account: str
    dfi_qualifier: str = "01"
    account_qualifier: str = "DA"


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction set: one payment and what it pays for.

    ``paid_cents`` is BPR02, ``method`` BPR04 (ACH, CHK, NON no payment, BOP, FWT),
    ``paid_on`` BPR16, the check or EFT date (None only when a payer left out this
    required element); ``trace_number`` is TRN02, the check or EFT trace number the bank
    deposit carries, and ``trace_originator`` TRN03, who assigned it ("1" and the payer's
    EIN as a rule). ``payer_id`` is REF*2U ("" when not sent); ``payee_npi`` is N104 when
    N103 is XX ("" otherwise). ``payer_address`` (N3/N4) and ``payer_contact`` (PER*BL)
    are required to write an 835 and None when a payer left them out; ``payer_bank`` and
    ``payee_bank`` are an EFT's accounts."""

    payer_name: str
    payer_id: str
    payee_name: str
    payee_npi: str
    trace_number: str
    paid_cents: int
    method: str
    paid_on: date | None
    production_date: date | None
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]
    trace_originator: str
    payer_address: Address | None
    payer_contact: Contact | None
    payer_bank: BankAccount | None = None
    payee_bank: BankAccount | None = None


# --- balancing, shared by the reader and the writer ------------------------------------------


def _money(cents: int) -> str:
    """An amount for a message: dollars with two decimals."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}{dollars}.{rest:02d}"


def _taken(adjustments: Sequence[Adjustment]) -> int:
    return sum(a.cents for a in adjustments)


def _claim_imbalances(claim: ClaimPayment) -> Iterator[tuple[int | None, str]]:
    """What does not add up in a claim, as (line index or None for the claim, problem),
    line problems first (005010X221A1 section 1.10.2)."""
    for index, line in enumerate(claim.lines):
        taken = _taken(line.adjustments)
        if line.charge_cents - taken != line.paid_cents:
            yield (
                index,
                (
                    f"the service line does not balance: SVC02 {_money(line.charge_cents)} less "
                    f"its adjustments {_money(taken)} is {_money(line.charge_cents - taken)}, "
                    f"but SVC03 pays {_money(line.paid_cents)}"
                ),
            )
    claim_taken = _taken(claim.adjustments)
    if claim.lines:
        lines_paid = sum(line.paid_cents for line in claim.lines)
        if lines_paid - claim_taken != claim.paid_cents:
            yield (
                None,
                (
                    f"the lines pay {_money(lines_paid)} (sum of SVC03)"
                    f"{f' less claim adjustments {_money(claim_taken)}' if claim_taken else ''}, "
                    f"but CLP04 pays {_money(claim.paid_cents)}"
                ),
            )
    every = _taken(claim.all_adjustments())
    if claim.charge_cents - every != claim.paid_cents:
        yield (
            None,
            (
                f"the claim does not balance: CLP03 {_money(claim.charge_cents)} less all its "
                f"adjustments {_money(every)} is {_money(claim.charge_cents - every)}, "
                f"but CLP04 pays {_money(claim.paid_cents)}"
            ),
        )


def _total_imbalance(remittance: Remittance) -> str | None:
    """The transaction balance: BPR02 = sum of CLP04 - sum of PLB amounts."""
    claims = sum(claim.paid_cents for claim in remittance.claims)
    provider = sum(a.cents for a in remittance.provider_adjustments)
    if claims - provider == remittance.paid_cents:
        return None
    return (
        f"BPR02 pays {_money(remittance.paid_cents)}, but the claims pay {_money(claims)} "
        f"(sum of CLP04) and the provider adjustments take {_money(provider)} (sum of PLB), "
        f"which is {_money(claims - provider)}"
    )


# --- reading -------------------------------------------------------------------------------


def read(text: str) -> list[Remittance]:
    """Every 835 transaction set of an interchange, in order, one ``Remittance`` each.

    Raises ``X12Error`` on text that is not an interchange and ``RemittanceError`` (a
    subclass), naming the segment, on a transaction set that is not an 005010X221A1 835,
    lacks what a payment needs (BPR, TRN, payer, payee), has an amount, date or count that
    is not one, or does not balance. Segments the types do not carry are skipped."""
    segments = parse(text)
    remittances: list[Remittance] = []
    group_version = ""
    body: list[_Located] | None = None
    for position, segment in enumerate(segments, start=1):
        at = _Located(position, segment)
        if segment.id == "GS":
            group_version = segment.get(8)
        elif segment.id == "ST":
            if body is not None:
                raise at.fail("a transaction set starts before the previous one ended (no SE)")
            _check_header(at, group_version)
            body = [at]
        elif body is not None:
            body.append(at)
            if segment.id == "SE":
                remittances.append(_transaction(body))
                body = None
    if body is not None:
        raise body[0].fail("the transaction set has no SE trailer: the file is cut short")
    if not remittances:
        raise _Located(len(segments), segments[-1]).fail("the interchange holds no 835")
    return remittances


@dataclass(frozen=True)
class _Located:
    """A segment and its place in the interchange, which every error names."""

    position: int
    segment: Segment

    def fail(self, problem: str) -> RemittanceError:
        return RemittanceError(self.position, self.segment.id, problem)

    def _name(self, element: int) -> str:
        return f"{self.segment.id}{element:02d}"

    def cents(self, element: int, *, required: bool = True) -> int:
        """An amount element in cents; a missing optional one is 0."""
        value = self.segment.get(element)
        if not value:
            if required:
                raise self.fail(f"{self._name(element)} (an amount) is missing")
            return 0
        found = _scaled(value, 2)
        if found is None:
            raise self.fail(
                f"{self._name(element)} {value!r} is not an amount in dollars and cents"
            )
        return found

    def whole(self, element: int) -> int | None:
        """A count element (units, quantity), or None when absent."""
        value = self.segment.get(element)
        if not value:
            return None
        found = _scaled(value, 0)
        if found is None:
            raise self.fail(f"{self._name(element)} {value!r} is not a whole number")
        return found

    def day(self, element: int) -> date | None:
        """A CCYYMMDD date element, or None when absent."""
        value = self.segment.get(element)
        if not value:
            return None
        if _CCYYMMDD.fullmatch(value):
            try:
                return date(int(value[:4]), int(value[4:6]), int(value[6:]))
            except ValueError:
                pass
        raise self.fail(f"{self._name(element)} {value!r} is not a CCYYMMDD date")


def _scaled(value: str, places: int) -> int | None:
    """``value`` (X12 data type R) times 10**places, when that is a whole number; None for
    text that is not a decimal number or is more precise than ``places``."""
    match = _DECIMAL.fullmatch(value)
    if match is None or not (match[2] or match[3]):
        return None
    fraction = (match[3] or "").rstrip("0")
    if len(fraction) > places:
        return None
    magnitude = int((match[2] or "0") + fraction.ljust(places, "0"))
    return -magnitude if match[1] else magnitude


def _check_header(st: _Located, group_version: str) -> None:
    if st.segment.get(1) != TRANSACTION_SET:
        found = st.segment.get(1) or "(none)"
        raise st.fail(f"transaction set {found} is not an 835 (claim payment/advice)")
    version = st.segment.get(3) or group_version
    if version not in VERSIONS:
        raise st.fail(f"version {version or '(none)'} is not {VERSION}, the guide this reads")


@dataclass
class _LineDraft:
    at: _Located
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    control: str = ""
    service_date: date | None = None
    period_start: date | None = None


@dataclass
class _ClaimDraft:
    at: _Located
    adjustments: list[Adjustment] = field(default_factory=list)
    lines: list[_LineDraft] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    patient_name: str = ""
    member_id: str = ""


@dataclass
class _Draft:
    """One transaction set as it is walked: the loop it is in and what it has seen."""

    st: _Located
    bpr: _Located | None = None
    trn: _Located | None = None
    production_date: date | None = None
    loop: str = ""  # N101 of the current 1000 loop ("PR", "PE"), "" outside them
    payer: Segment | None = None
    payer_id: str = ""
    payer_street: Segment | None = None
    payer_city: Segment | None = None
    payer_contact: Contact | None = None
    payee: Segment | None = None
    claim: _ClaimDraft | None = None
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)

    def close_claim(self) -> None:
        if self.claim is not None:
            self.claims.append(_claim(self.claim))
            self.claim = None


def _transaction(body: Sequence[_Located]) -> Remittance:
    st, se = body[0], body[-1]
    if se.segment.get(1) != str(len(body)):
        raise se.fail(
            f"SE01 counts {se.segment.get(1) or '(none)'} segments, "
            f"but the transaction set has {len(body)}"
        )
    draft = _Draft(st)
    for at in body[1:-1]:
        _take(draft, at)
    draft.close_claim()
    return _remittance(draft)


# Segments that only make sense inside a claim payment loop.
_CLAIM_SEGMENTS: Final = frozenset({"SVC", "CAS", "MOA", "MIA", "LQ"})


def _take(draft: _Draft, at: _Located) -> None:
    segment = at.segment
    sid = segment.id
    if sid == "BPR":
        if draft.bpr is not None:
            raise at.fail("a second BPR in one transaction set: which payment is it?")
        draft.bpr = at
    elif sid == "TRN":
        if draft.trn is not None:
            raise at.fail("a second TRN in one transaction set: which trace number is it?")
        draft.trn = at
    elif sid == "N1":
        draft.close_claim()
        draft.loop = segment.get(1)
        if draft.loop == "PR":
            draft.payer = segment
        elif draft.loop == "PE":
            draft.payee = segment
    elif sid in ("LX", "PLB"):
        draft.close_claim()
        draft.loop = ""
        if sid == "PLB":
            draft.provider_adjustments.extend(_provider_adjustments(at))
    elif sid == "CLP":
        if draft.payer is None:
            raise at.fail("a CLP before the payer (N1*PR): whose payment would it be?")
        if draft.payee is None:
            raise at.fail("a CLP before the payee (N1*PE): paid to whom?")
        draft.close_claim()
        draft.loop = ""
        draft.claim = _ClaimDraft(at)
    elif draft.claim is not None:
        _claim_segment(draft.claim, at)
    elif sid in _CLAIM_SEGMENTS:
        raise at.fail(f"{sid} outside a claim payment (no CLP before it)")
    elif draft.loop == "PR":
        _payer_segment(draft, segment)
    elif sid == "DTM" and segment.get(1) == "405":
        draft.production_date = at.day(2)


def _payer_segment(draft: _Draft, segment: Segment) -> None:
    """Loop 1000A after N1*PR: address, payer id, technical contact."""
    if segment.id == "N3":
        draft.payer_street = segment
    elif segment.id == "N4":
        draft.payer_city = segment
    elif segment.id == "REF" and segment.get(1) == "2U":
        draft.payer_id = segment.get(2)
    elif segment.id == "PER" and segment.get(1) == "BL" and draft.payer_contact is None:
        draft.payer_contact = Contact(segment.get(2), segment.get(3), segment.get(4))


def _claim_segment(claim: _ClaimDraft, at: _Located) -> None:
    """A segment of loop 2100 or, after an SVC, of that line's loop 2110."""
    segment = at.segment
    sid = segment.id
    line = claim.lines[-1] if claim.lines else None
    if sid == "SVC":
        claim.lines.append(_LineDraft(at))
    elif sid == "CAS":
        (line or claim).adjustments.extend(_adjustments(at))
    elif sid in ("MOA", "MIA"):
        # MIA05 and MIA20-MIA23, MOA03-MOA07: claim payment remark codes.
        places = (5, 20, 21, 22, 23) if sid == "MIA" else (3, 4, 5, 6, 7)
        claim.remarks.extend(segment.get(n) for n in places if segment.get(n))
    elif line is None:
        if sid == "NM1" and segment.get(1) == "QC":
            claim.patient_name = _person_name(segment)
            claim.member_id = segment.get(9)
    elif sid == "LQ" and segment.get(1) == "HE" and segment.get(2):
        line.remarks.append(segment.get(2))
    elif sid == "REF" and segment.get(1) == "6R":
        line.control = segment.get(2)
    elif sid == "DTM" and segment.get(1) == "472":
        line.service_date = at.day(2)
    elif sid == "DTM" and segment.get(1) == "150":
        line.period_start = at.day(2)


def _person_name(nm1: Segment) -> str:
    given = " ".join(part for part in (nm1.get(4), nm1.get(5)) if part)
    name = f"{nm1.get(3)}{_NAME_JOIN}{given}" if given else nm1.get(3)
    return f"{name} {nm1.get(7)}" if nm1.get(7) else name


def _adjustments(at: _Located) -> list[Adjustment]:
    """The up to six reason/amount/quantity triples of a CAS (CAS02-CAS19)."""
    group = at.segment.get(1)
    if not group:
        raise at.fail("CAS01 (the adjustment group) is missing")
    found: list[Adjustment] = []
    for start in range(2, 2 + 3 * CAS_TRIPLES, 3):
        reason = at.segment.get(start)
        if not (reason or at.segment.get(start + 1) or at.segment.get(start + 2)):
            continue
        if not reason:
            raise at.fail(f"CAS{start:02d} (the reason code) is missing before its amount")
        found.append(Adjustment(group, reason, at.cents(start + 1), at.whole(start + 2)))
    if not found:
        raise at.fail("the CAS holds no adjustment reason")
    return found


def _provider_adjustments(at: _Located) -> list[ProviderAdjustment]:
    """The up to six reason/amount pairs of a PLB (PLB03/04 ... PLB13/14)."""
    segment = at.segment
    period = at.day(2)
    if not segment.get(1) or period is None:
        raise at.fail("PLB01 (the provider) and PLB02 (the fiscal period date) are required")
    found: list[ProviderAdjustment] = []
    for place in range(3, 3 + 2 * PLB_PAIRS, 2):
        reason = segment.components(place)
        if not reason and not segment.get(place + 1):
            continue
        if not reason or not reason[0]:
            raise at.fail(f"PLB{place:02d} (the adjustment reason) is missing before its amount")
        reference = reason[1] if len(reason) > 1 else ""
        found.append(
            ProviderAdjustment(segment.get(1), period, reason[0], at.cents(place + 1), reference)
        )
    if not found:
        raise at.fail("the PLB holds no adjustment")
    return found


def _claim(draft: _ClaimDraft) -> ClaimPayment:
    at = draft.at
    clp = at.segment
    if not clp.get(1) or not clp.get(2):
        raise at.fail("CLP01 (our claim id) and CLP02 (the claim status) are required")
    claim = ClaimPayment(
        claim_id=clp.get(1),
        status=clp.get(2),
        charge_cents=at.cents(3),
        paid_cents=at.cents(4),
        patient_responsibility_cents=at.cents(5, required=False),
        payer_claim_number=clp.get(7),
        frequency=clp.get(9),
        adjustments=tuple(draft.adjustments),
        lines=tuple(_line(line) for line in draft.lines),
        remarks=tuple(draft.remarks),
        patient_name=draft.patient_name,
        member_id=draft.member_id,
        filing_indicator=clp.get(6),
    )
    imbalance = next(_claim_imbalances(claim), None)
    if imbalance is not None:
        index, problem = imbalance
        raise (at if index is None else draft.lines[index].at).fail(problem)
    return claim


def _line(draft: _LineDraft) -> LinePayment:
    at = draft.at
    procedure = at.segment.components(1)
    if len(procedure) < 2 or not procedure[1]:
        raise at.fail("SVC01 has no procedure code (qualifier:code:modifiers)")
    return LinePayment(
        control=draft.control,
        code=procedure[1],
        modifiers=tuple(m for m in procedure[2 : 2 + MAX_MODIFIERS] if m),
        charge_cents=at.cents(2),
        paid_cents=at.cents(3),
        units=at.whole(5),
        service_date=draft.service_date or draft.period_start,
        adjustments=tuple(draft.adjustments),
        remarks=tuple(draft.remarks),
        qualifier=procedure[0],
        revenue_code=at.segment.get(4),
    )


def _remittance(draft: _Draft) -> Remittance:
    st, bpr, trn, payer, payee = draft.st, draft.bpr, draft.trn, draft.payer, draft.payee
    if bpr is None:
        raise st.fail("the 835 has no BPR (financial information) segment")
    if trn is None:
        raise st.fail("the 835 has no TRN (reassociation trace number) segment")
    if payer is None:
        raise st.fail("the 835 names no payer (N1*PR)")
    if payee is None:
        raise st.fail("the 835 names no payee (N1*PE)")
    payment = bpr.segment
    street, city = draft.payer_street, draft.payer_city
    remittance = Remittance(
        payer_name=payer.get(2),
        payer_id=draft.payer_id,
        payee_name=payee.get(2),
        payee_npi=payee.get(4) if payee.get(3) == "XX" else "",
        trace_number=trn.segment.get(2),
        paid_cents=bpr.cents(2),
        method=payment.get(4),
        paid_on=bpr.day(16),
        production_date=draft.production_date,
        claims=tuple(draft.claims),
        provider_adjustments=tuple(draft.provider_adjustments),
        trace_originator=trn.segment.get(3),
        payer_address=None
        if street is None and city is None
        else Address(
            line1="" if street is None else street.get(1),
            city="" if city is None else city.get(1),
            state="" if city is None else city.get(2),
            zip="" if city is None else city.get(3),
            line2="" if street is None else street.get(2),
        ),
        payer_contact=draft.payer_contact,
        payer_bank=_bank(payment, 6),
        payee_bank=_bank(payment, 12),
    )
    problem = _total_imbalance(remittance)
    if problem is not None:
        raise bpr.fail(problem)
    return remittance


def _bank(bpr: Segment, first: int) -> BankAccount | None:
    """BPR06-BPR09 (``first`` 6) or BPR12-BPR15 (``first`` 12), when sent."""
    if not (bpr.get(first + 1) or bpr.get(first + 3)):
        return None
    return BankAccount(
        dfi_id=bpr.get(first + 1),
        account=bpr.get(first + 3),
        dfi_qualifier=bpr.get(first),
        account_qualifier=bpr.get(first + 2),
    )


# --- writing -------------------------------------------------------------------------------


def write(
    remittance: Remittance,
    *,
    sender: Party,
    receiver: Party,
    interchange_control: int,
    created_at: datetime,
) -> str:
    """An interchange carrying ``remittance`` as one 835 transaction set, as a payer sends
    it: the same value gives the same bytes, and ``read`` gives the value back. The group
    control number (GS06) is the interchange's; the interchange is marked test (ISA15 T).

    Raises ``RemittanceWriteError``, naming the field, for a remittance the guide does not
    allow (one that does not balance, a negative payment, a required value missing, a code
    outside the guide's list, text too long or holding a delimiter) or that would not read
    back the same."""
    envelope = Envelope(
        sender=sender,
        receiver=receiver,
        interchange_control=interchange_control,
        group_control=interchange_control,
        functional_id=FUNCTIONAL_ID,
        version=VERSION,
        created_at=created_at,
    )
    text = render(envelope, [_segments(remittance)], DELIMITERS)
    # kit.x12.render writes ST03 (the guide's version) for every set, as the 270 and 837
    # require; 005010X221A1 marks ST03 of the 835 "not used", so it is taken out again.
    e, s = DELIMITERS.element, DELIMITERS.segment
    st = e.join(("ST", TRANSACTION_SET, "0001"))
    return text.replace(f"{st}{e}{VERSION}{s}", f"{st}{s}", 1)


def _segments(r: Remittance) -> list[list[str]]:
    """The transaction set between ST and SE, in the order of the 835 table."""
    originator = r.trace_originator
    if not _ORIGINATOR.fullmatch(originator):
        raise RemittanceWriteError(
            "trace_originator", "must be 1 or 3 and nine digits, or 9 and nine letters or digits"
        )
    segments = [
        _payment(r),
        ["TRN", "1", _text("trace_number", r.trace_number, 1, 50), originator],
    ]
    if r.production_date is not None:
        segments.append(["DTM", "405", _day("production_date", r.production_date)])
    segments += _payer(r)
    if not npi_is_valid(r.payee_npi):
        raise RemittanceWriteError("payee_npi", "must be an NPI (10 digits, valid check digit)")
    segments.append(["N1", "PE", _text("payee_name", r.payee_name, 1, 60), "XX", r.payee_npi])
    if r.claims:
        segments.append(["LX", "1"])
    for index, claim in enumerate(r.claims):
        segments += _claim_segments(f"claims[{index}]", claim)
    segments += _plb_segments(r.provider_adjustments)
    problem = _total_imbalance(r)
    if problem is not None:
        raise RemittanceWriteError("paid_cents", problem)
    return segments


def _payment(r: Remittance) -> list[str]:
    """BPR. No money moving is BPR01 H (notification only) with BPR04 NON; otherwise the
    remittance travels apart from the money, BPR01 I (X12 RFI 352). BPR02 is never
    negative: a payer carries a negative balance forward with PLB FB (X12 RFI 222)."""
    method = _code("method", r.method, METHODS)
    if r.paid_cents < 0:
        raise RemittanceWriteError("paid_cents", "a payment cannot be negative (BPR02)")
    if (r.paid_cents == 0) != (method == NO_PAYMENT):
        raise RemittanceWriteError("method", "NON (no payment) is for a zero payment, and only")
    if r.paid_on is None:
        raise RemittanceWriteError("paid_on", "is required (BPR16)")
    banks = ["" for _ in range(11)]  # BPR05-BPR15
    if method in EFT_METHODS:
        if r.payer_bank is None or r.payee_bank is None:
            raise RemittanceWriteError(
                "payer_bank", f"{method} needs the payer's and payee's banks"
            )
        banks = [
            "CCP",  # BPR05: cash concentration/disbursement plus addenda (the ACH format)
            *_account("payer_bank", r.payer_bank, {"DA"}),
            r.trace_originator,  # BPR10 is TRN03
            "",
            *_account("payee_bank", r.payee_bank, {"DA", "SG"}),
        ]
    elif r.payer_bank is not None or r.payee_bank is not None:
        raise RemittanceWriteError("payer_bank", f"a {method} payment names no bank accounts")
    return [
        "BPR",
        "H" if method == NO_PAYMENT else "I",
        _amount("paid_cents", r.paid_cents),
        "C",
        method,
        *banks,
        _day("paid_on", r.paid_on),
    ]


def _account(name: str, bank: BankAccount, account_qualifiers: Collection[str]) -> list[str]:
    return [
        _code(f"{name}.dfi_qualifier", bank.dfi_qualifier, {"01", "04"}),
        _text(f"{name}.dfi_id", bank.dfi_id, 3, 12),
        _code(f"{name}.account_qualifier", bank.account_qualifier, account_qualifiers),
        _text(f"{name}.account", bank.account, 1, 35),
    ]


def _payer(r: Remittance) -> list[list[str]]:
    """Loop 1000A: N1*PR, N3, N4, REF*2U, PER*BL."""
    address, contact = r.payer_address, r.payer_contact
    if address is None:
        raise RemittanceWriteError("payer_address", "is required (1000A N3/N4)")
    if contact is None:
        raise RemittanceWriteError("payer_contact", "is required (1000A PER*BL)")
    segments = [
        ["N1", "PR", _text("payer_name", r.payer_name, 1, 60)],
        [
            "N3",
            _text("payer_address.line1", address.line1, 1, 55),
            _text("payer_address.line2", address.line2, 0, 55),
        ],
        [
            "N4",
            _text("payer_address.city", address.city, 2, 30),
            _text("payer_address.state", address.state, 0, 2),
            _text("payer_address.zip", address.zip, 0, 15),
        ],
    ]
    if address.zip and len(address.zip) < 3:
        raise RemittanceWriteError("payer_address.zip", "must be 3 to 15 characters")
    if r.payer_id:
        segments.append(["REF", "2U", _text("payer_id", r.payer_id, 1, 50)])
    segments.append(
        [
            "PER",
            "BL",
            _text("payer_contact.name", contact.name, 0, 60),
            _code("payer_contact.qualifier", contact.qualifier, CONTACT_QUALIFIERS),
            _text("payer_contact.number", contact.number, 1, 256),
        ]
    )
    return segments


def _claim_segments(name: str, claim: ClaimPayment) -> list[list[str]]:
    """Loop 2100 and its 2110 lines."""
    imbalance = next(_claim_imbalances(claim), None)
    if imbalance is not None:
        index, problem = imbalance
        raise RemittanceWriteError(name if index is None else f"{name}.lines[{index}]", problem)
    patient = claim.patient_responsibility_cents
    if claim.frequency and not re.fullmatch(r"[0-9A-Z]", claim.frequency):
        raise RemittanceWriteError(f"{name}.frequency", "must be one letter or digit (CLP09)")
    segments = [
        [
            "CLP",
            _text(f"{name}.claim_id", claim.claim_id, 1, 38),
            _code(f"{name}.status", claim.status, CLAIM_STATUSES),
            _amount(f"{name}.charge_cents", claim.charge_cents),
            _amount(f"{name}.paid_cents", claim.paid_cents),
            _amount(f"{name}.patient_responsibility_cents", patient) if patient else "",
            _code(f"{name}.filing_indicator", claim.filing_indicator, FILING_INDICATORS),
            _text(f"{name}.payer_claim_number", claim.payer_claim_number, 1, 50),
            "",  # CLP08, the facility code, is not carried
            claim.frequency,
        ],
        *_cas_segments(f"{name}.adjustments", claim.adjustments),
        _patient(name, claim),
    ]
    if len(claim.remarks) > MAX_CLAIM_REMARKS:
        raise RemittanceWriteError(f"{name}.remarks", f"at most {MAX_CLAIM_REMARKS} (MOA03-07)")
    if claim.remarks:
        codes = [_text(f"{name}.remarks", code, 1, 50) for code in claim.remarks]
        segments.append(["MOA", "", "", *codes])
    if len(claim.lines) > MAX_LINES:
        raise RemittanceWriteError(f"{name}.lines", f"at most {MAX_LINES} lines per claim")
    for index, line in enumerate(claim.lines):
        segments += _line_segments(f"{name}.lines[{index}]", line)
    return segments


def _patient(name: str, claim: ClaimPayment) -> list[str]:
    """NM1*QC: ``patient_name`` split at its first ", " into NM103 and NM104, so that
    ``read`` joins it back the same."""
    whole = _text(f"{name}.patient_name", claim.patient_name, 0, 97)
    last, _, given = whole.partition(_NAME_JOIN)
    segment = [
        "NM1",
        "QC",
        "1",
        _text(f"{name}.patient_name", last, 0, 60),
        _text(f"{name}.patient_name", given, 0, 35),
    ]
    if claim.member_id:
        segment += ["", "", "", "MI", _text(f"{name}.member_id", claim.member_id, 2, 80)]
    return segment


def _line_segments(name: str, line: LinePayment) -> list[list[str]]:
    """Loop 2110: SVC, DTM*472, CAS, REF*6R, LQ*HE."""
    if len(line.modifiers) > MAX_MODIFIERS:
        raise RemittanceWriteError(f"{name}.modifiers", f"at most {MAX_MODIFIERS}")
    procedure = [
        _code(f"{name}.qualifier", line.qualifier, SERVICE_QUALIFIERS),
        _text(f"{name}.code", line.code, 1, 48),
        *(_text(f"{name}.modifiers", m, 2, 2) for m in line.modifiers),
    ]
    segments = [
        [
            "SVC",
            DELIMITERS.component.join(procedure),
            _amount(f"{name}.charge_cents", line.charge_cents),
            _amount(f"{name}.paid_cents", line.paid_cents),
            _text(f"{name}.revenue_code", line.revenue_code, 0, 48),
            "" if line.units is None else _quantity(f"{name}.units", line.units),
        ]
    ]
    if line.service_date is not None:
        segments.append(["DTM", "472", _day(f"{name}.service_date", line.service_date)])
    segments += _cas_segments(f"{name}.adjustments", line.adjustments)
    if line.control:
        segments.append(["REF", "6R", _text(f"{name}.control", line.control, 1, 50)])
    if len(line.remarks) > MAX_LINE_REMARKS:
        raise RemittanceWriteError(f"{name}.remarks", f"at most {MAX_LINE_REMARKS} (LQ)")
    segments += [["LQ", "HE", _text(f"{name}.remarks", code, 1, 30)] for code in line.remarks]
    return segments


def _cas_segments(name: str, adjustments: Sequence[Adjustment]) -> list[list[str]]:
    """One CAS per run of adjustments in the same group, six reasons at most each; the
    order of ``adjustments`` is kept, so ``read`` gives the same tuple back."""
    segments: list[list[str]] = []
    for group, run in groupby(adjustments, key=lambda a: a.group):
        _code(f"{name}.group", group, GROUPS_5010)
        items = list(run)
        for start in range(0, len(items), CAS_TRIPLES):
            segment = ["CAS", group]
            for a in items[start : start + CAS_TRIPLES]:
                if not re.fullmatch(r"[0-9A-Z]{1,5}", a.reason):
                    raise RemittanceWriteError(f"{name}.reason", "must be a CARC (1-5 characters)")
                quantity = "" if a.quantity is None else _quantity(f"{name}.quantity", a.quantity)
                segment += [a.reason, _amount(f"{name}.cents", a.cents), quantity]
            segments.append(segment)
    if len(segments) > MAX_CAS:
        raise RemittanceWriteError(name, f"more than {MAX_CAS} CAS segments")
    return segments


def _plb_segments(adjustments: Sequence[ProviderAdjustment]) -> list[list[str]]:
    """One PLB per run of adjustments with the same provider and fiscal period, six
    reason/amount pairs at most each, in order."""
    name = "provider_adjustments"
    segments: list[list[str]] = []
    for (provider, period), run in groupby(
        adjustments, key=lambda a: (a.provider_id, a.fiscal_period)
    ):
        items = list(run)
        for start in range(0, len(items), PLB_PAIRS):
            segment = [
                "PLB",
                _text(f"{name}.provider_id", provider, 1, 50),
                _day(f"{name}.fiscal_period", period),
            ]
            for a in items[start : start + PLB_PAIRS]:
                reason = _code(f"{name}.reason", a.reason, PLB_REASONS)
                if a.reference:
                    reference = _text(f"{name}.reference", a.reference, 1, 50)
                    reason = DELIMITERS.component.join((reason, reference))
                segment += [reason, _amount(f"{name}.cents", a.cents)]
            segments.append(segment)
    return segments


def _text(name: str, value: str, shortest: int, longest: int) -> str:
    """``value`` when it fits the element and reads back unchanged."""
    if not shortest <= len(value) <= longest:
        raise RemittanceWriteError(name, f"must be {shortest} to {longest} characters")
    if not _PRINTABLE.fullmatch(value) or _DELIMITER_CHARS & set(value):
        raise RemittanceWriteError(name, "may hold only printable ASCII other than * : ^ ~")
    if value != value.strip():
        raise RemittanceWriteError(name, "must not start or end with a space")
    return value


def _code(name: str, value: str, allowed: Collection[str]) -> str:
    if value not in allowed:
        raise RemittanceWriteError(name, f"{value!r} is not one of the guide's codes here")
    return value


def _amount(name: str, cents: int) -> str:
    """An X12 decimal (type R) for ``cents``: no trailing zeros after the point and no
    point for whole dollars (X12 data type R: "trailing zeros ... should be suppressed")."""
    dollars, rest = divmod(abs(cents), 100)
    text = f"{dollars}.{rest:02d}".rstrip("0").rstrip(".")
    if len(text.replace(".", "")) > AMOUNT_DIGITS:
        raise RemittanceWriteError(name, f"has more than {AMOUNT_DIGITS} digits")
    return f"-{text}" if cents < 0 else text


def _quantity(name: str, count: int) -> str:
    text = str(count)
    if len(text.lstrip("-")) > QUANTITY_DIGITS:
        raise RemittanceWriteError(name, f"has more than {QUANTITY_DIGITS} digits")
    return text


def _day(name: str, value: date) -> str:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise RemittanceWriteError(name, f"must be between {FIRST_DAY} and {LAST_DAY}")
    return f"{value:%Y%m%d}"
