"""OperationOutcome: refusals and errors, and the account of what the gate withheld.

Refusals use FHIR's issue types for the HTTP status (``login`` for 401, ``forbidden`` for
403, ``not-found`` for 404 ...); a class of information withheld is ``suppressed``, FHIR's
code for "not returned due to consent or privacy rules".
"""

from __future__ import annotations

from collections.abc import Iterable

from fhir.resources.R4B.operationoutcome import OperationOutcome

from stepdown.consents.models import InformationClass
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept, meta
from stepdown.fhir.resources.consent import INFORMATION_SYSTEM

ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    422: "invalid",
}
SUPPRESSED = "suppressed"


def issue_type(status_code: int) -> str:
    return ISSUE_TYPE.get(status_code, "exception" if status_code >= 500 else "processing")


def error(status_code: int, message: str, *, code: str | None = None) -> OperationOutcome:
    return OperationOutcome(
        meta=meta(),
        issue=[
            {
                "severity": "error",
                "code": code or issue_type(status_code),
                "diagnostics": message,
            }
        ],
    )


def withheld_issue(
    item: InformationClass, reason: str, *, names: Namespace, severity: str = "information"
) -> Json:
    return {
        "severity": severity,
        "code": SUPPRESSED,
        "details": concept(item.label, coding(names.code_system(INFORMATION_SYSTEM), item.value)),
        "diagnostics": reason,
    }


def withheld(
    items: Iterable[tuple[InformationClass, str]], *, names: Namespace
) -> OperationOutcome:
    """One ``information`` issue per class withheld (and per distinct reason, when a
    search spans clients whose consents differ)."""
    return OperationOutcome(
        meta=meta(),
        issue=[withheld_issue(item, reason, names=names) for item, reason in sorted(set(items))],
    )


def refused(item: InformationClass, reason: str, *, names: Namespace) -> OperationOutcome:
    """A single read of a class the gate withheld (answered with 403)."""
    return OperationOutcome(
        meta=meta(), issue=[withheld_issue(item, reason, names=names, severity="error")]
    )
