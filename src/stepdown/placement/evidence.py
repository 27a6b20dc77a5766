"""From the chart's instrument results to the engine's instrument summary. Pure.

Placement reads the chart, not a clinician's selection: every result inside its
instrument's look-back window counts, unless the clinician excluded it with a written
reason (the service keeps and audits those). Results entered in error never reach here.

Look-back windows are each instrument's own recall period, so a result still describes the
client when it counts:

* PHQ-9: the last 2 weeks (Kroenke, Spitzer & Williams 2001).
* C-SSRS screener: ideation over the past month (Columbia screener, "past month" version).
  Behaviour over 3 months is the safety gate's business (``stepdown.safety.rules``).
* AUDIT: the last year (Babor et al. 2001, WHO AUDIT manual: items 4-10 ask about the last
  year; items 1-3 about typical drinking).
* DAST-10: the past 12 months (Skinner 1982).

Within a window the latest total counts for severity (the client now), but any positive
PHQ-9 item 9 and the highest C-SSRS risk count: a later calm answer never cancels an
earlier warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from stepdown.assessments.rules import PHQ9_ITEM9_POSITIVE, CssrsRisk
from stepdown.placement.rules import InstrumentSummary

AUDIT_ZONES = {"zone I": 1, "zone II": 2, "zone III": 3, "zone IV": 4}
DAST_BANDS = ("none", "low", "moderate", "substantial", "severe")
_CSSRS_ORDER = (CssrsRisk.NONE, CssrsRisk.LOW, CssrsRisk.MODERATE, CssrsRisk.HIGH)

LOOK_BACK: Mapping[str, timedelta] = MappingProxyType(
    {
        "phq9": timedelta(days=14),
        "cssrs": timedelta(days=30),
        "audit": timedelta(days=365),
        "dast10": timedelta(days=365),
    }
)


@dataclass(frozen=True)
class Result:
    code: str
    total: int | None
    band: str | None
    flags: frozenset[str]
    administered_at: datetime


def in_window(result: Result, as_of: datetime) -> bool:
    """Whether a result counts on ``as_of``: given by then and inside its instrument's
    look-back window. Instruments the engine does not read never count."""
    window = LOOK_BACK.get(result.code)
    return window is not None and as_of - window <= result.administered_at <= as_of


def summarize(results: Iterable[Result], *, as_of: datetime) -> InstrumentSummary:
    counted = sorted((r for r in results if in_window(r, as_of)), key=lambda r: r.administered_at)
    latest: dict[str, Result] = {r.code: r for r in counted}
    phq9, audit, dast = latest.get("phq9"), latest.get("audit"), latest.get("dast10")
    risks = [CssrsRisk(r.band) for r in counted if r.code == "cssrs" and r.band in set(CssrsRisk)]
    dast_band = dast.band if dast is not None and dast.band in DAST_BANDS else None
    return InstrumentSummary.model_validate(
        {
            "phq9_total": phq9.total if phq9 else None,
            "phq9_item9_positive": any(
                r.code == "phq9" and PHQ9_ITEM9_POSITIVE in r.flags for r in counted
            ),
            "cssrs_risk": max(risks, key=_CSSRS_ORDER.index) if risks else None,
            "audit_zone": AUDIT_ZONES.get(audit.band or "") if audit else None,
            "dast10_band": dast_band,
        }
    )
