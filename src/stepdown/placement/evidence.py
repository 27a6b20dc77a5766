"""From instrument results to the engine's instrument summary. Pure: the latest result of
each instrument counts; results entered in error never reach here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from stepdown.assessments.rules import PHQ9_ITEM9_POSITIVE, CssrsRisk
from stepdown.placement.rules import InstrumentSummary

AUDIT_ZONES = {"zone I": 1, "zone II": 2, "zone III": 3, "zone IV": 4}
DAST_BANDS = ("none", "low", "moderate", "substantial", "severe")


@dataclass(frozen=True)
class Result:
    code: str
    total: int | None
    band: str | None
    flags: frozenset[str]
    administered_at: datetime


def summarize(results: Iterable[Result]) -> InstrumentSummary:
    latest: dict[str, Result] = {}
    for result in sorted(results, key=lambda r: r.administered_at):
        latest[result.code] = result
    phq9, cssrs = latest.get("phq9"), latest.get("cssrs")
    audit, dast = latest.get("audit"), latest.get("dast10")
    cssrs_risk = None
    if cssrs is not None and cssrs.band in {r.value for r in CssrsRisk}:
        cssrs_risk = CssrsRisk(cssrs.band)
    dast_band = dast.band if dast is not None and dast.band in DAST_BANDS else None
    return InstrumentSummary.model_validate(
        {
            "phq9_total": phq9.total if phq9 else None,
            "phq9_item9_positive": bool(phq9 and PHQ9_ITEM9_POSITIVE in phq9.flags),
            "cssrs_risk": cssrs_risk,
            "audit_zone": AUDIT_ZONES.get(audit.band or "") if audit else None,
            "dast10_band": dast_band,
        }
    )
