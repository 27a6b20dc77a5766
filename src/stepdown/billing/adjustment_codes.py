"""Short labels for the codes of a remittance (835), and which adjustments are denials.

An 835 explains every dollar it does not pay with an adjustment: a group code saying who
carries the amount (CAS01) and a Claim Adjustment Reason Code saying why (CAS02, CARC), and
adds Remittance Advice Remark Codes (RARC) in MOA, MIA and LQ that say more. The claim
status code (CLP02) says how the payer adjudicated the claim as a whole.

The full CARC and RARC lists, with their official descriptions, are maintained by X12
(CARC, https://x12.org/codes/claim-adjustment-reason-codes) and CMS (RARC,
https://x12.org/codes/remittance-advice-remark-codes) under their own terms and are not
shipped here. The labels below are our own few-word paraphrases of the codes an addiction
treatment program sees most, for screens and work queues; a program holding the licensed
lists can show the official text instead. A code missing here is still a valid code: it is
kept and shown as itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# CAS01, claim adjustment group code (X12 element 1033). 005010X221A1 allows CO, OA, PI and
# PR; CR ("corrections and reversals") was retired in 5010 (a reversal is now CLP02 22
# with negated amounts) but still appears when older remittances are read.
GROUPS: Final[Mapping[str, str]] = {
    "CO": "contractual: provider writes it off",
    "PR": "patient owes it",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal (4010 only)",
}
GROUPS_5010: Final = frozenset({"CO", "OA", "PI", "PR"})
PATIENT_GROUP: Final = "PR"
# The groups where the payer, not the patient, keeps the amount from the provider.
PAYER_GROUPS: Final = frozenset({"CO", "OA", "PI"})

# CLP02, claim status code (X12 element 1029, the 005010X221A1 2100 CLP02 code list).
DENIED: Final = "4"
REVERSAL: Final = "22"
FORWARDED: Final = "23"
PREDETERMINATION: Final = "25"
CLAIM_STATUSES: Final[Mapping[str, str]] = {
    "1": "decided as primary payer",
    "2": "decided as secondary payer",
    "3": "decided as tertiary payer",
    DENIED: "denied",
    "19": "decided as primary, sent on to the next payer",
    "20": "decided as secondary, sent on to the next payer",
    "21": "decided as tertiary, sent on to the next payer",
    REVERSAL: "earlier payment taken back",
    FORWARDED: "not this payer's claim, sent on",
    PREDETERMINATION: "price estimate only, nothing paid",
}

# CARC (X12 element 1034): our labels for the common ones.
CARC: Final[Mapping[str, str]] = {
    "1": "deductible",
    "2": "coinsurance",
    "3": "copay",
    "4": "modifier wrong or missing",
    "11": "diagnosis does not fit the service",
    "16": "claim lacks information to decide it",
    "18": "duplicate claim or service",
    "22": "another payer should pay first",
    "23": "earlier payer's payment applied",
    "26": "before coverage started",
    "27": "after coverage ended",
    "29": "filed too late",
    "31": "patient not found as a member",
    "45": "above the contracted rate",
    "50": "payer judges it not medically necessary",
    "59": "multiple-procedure reduction",
    "96": "not covered",
    "97": "paid as part of another service",
    "109": "belongs to another payer",
    "119": "benefit limit reached",
    "131": "claim-specific discount",
    "167": "diagnosis not covered",
    "197": "no prior authorization on file",
    "204": "not a benefit of this plan",
    "242": "provider out of network",
    "253": "federal sequestration cut",
}

# RARC: our labels for a few that come with denials and partial payments.
RARC: Final[Mapping[str, str]] = {
    "M15": "separately billed parts bundled",
    "M62": "authorization number absent or wrong",
    "M80": "not paid with an earlier same-day service",
    "M86": "similar service already paid recently",
    "MA01": "appeal rights notice",
    "MA130": "unprocessable: correct it and send a new claim",
    "N20": "not paid with another service that day",
    "N130": "see the plan's benefit rules",
    "N290": "rendering provider id absent or wrong",
    "N381": "see your contract with the payer",
    "N386": "national coverage rule applied",
    "N522": "duplicate of a claim in process",
}

# Reasons in a payer group that lower a payment without refusing the service: the amount
# an earlier payer already paid (23), the contract's or fee schedule's limit (45, and the
# claim-specific discount 131), multiple-procedure pricing (59) and the Medicare
# sequestration cut (253). Every other payer-group reason, including one we do not know,
# counts as a denial reason: a work queue would rather look at an unknown code than miss
# a denial.
REDUCTION_REASONS: Final = frozenset({"23", "45", "59", "131", "253"})


def label(code: str) -> str:
    """Our label for an adjustment group code (CO, PR, OA, PI, CR), a CARC or a RARC; the
    code itself for one we have no label for. The three code sets do not overlap (groups
    are two letters, CARCs digits or a letter and digits such as B7, RARCs M, MA or N and
    digits); claim status codes do (CLP02 "1" is not CARC 1), so they have
    ``status_label``."""
    return GROUPS.get(code) or CARC.get(code) or RARC.get(code) or code


def status_label(status: str) -> str:
    """Our label for a claim status code (CLP02), or the code itself."""
    return CLAIM_STATUSES.get(status, status)


def is_denial_reason(group: str, reason: str) -> bool:
    """Whether an adjustment refuses payment for a service, rather than pricing it (a
    contractual reduction), passing it to the patient (PR) or accounting for another
    payer's share: a payer group (CO, OA, PI) with a reason outside
    ``REDUCTION_REASONS``."""
    return group in PAYER_GROUPS and reason not in REDUCTION_REASONS
