"""Canonical clients every rule table must handle before it is published.

They span the engine's paths (safety, each referral, floors at every in-house level, the
fallback, services and each track) so that an edited table which crashes on a real client is
refused at publish time, not discovered during an intake. They are inputs only: whether the
recommendation is clinically right is the director's call, and the default table's expected
outcomes are tested in ``tests/placement/test_rules.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from stepdown.assessments.rules import CssrsRisk
from stepdown.placement.rules import (
    Availability,
    DimensionRatings,
    InstrumentSummary,
    PlacementFacts,
    RecentLevel,
    WithdrawalRisk,
)


def _client(
    d: tuple[int, int, int, int, int, int],
    *,
    day: bool = True,
    evening: bool = True,
    age: int = 35,
    stable: bool = True,
    recent: RecentLevel = RecentLevel.NONE,
    withdrawal: WithdrawalRisk = WithdrawalRisk.NONE,
    co_occurring: bool = False,
    instruments: InstrumentSummary | None = None,
) -> PlacementFacts:
    return PlacementFacts(
        dimensions=DimensionRatings(**dict(zip(DimensionRatings.model_fields, d, strict=True))),
        instruments=instruments or InstrumentSummary(),
        withdrawal_risk=withdrawal,
        environment_stable=stable,
        recent_level=recent,
        age=age,
        co_occurring_mental_health=co_occurring,
        availability=Availability(day=day, evening=evening),
    )


SANITY_VIGNETTES: Mapping[str, PlacementFacts] = MappingProxyType(
    {
        "mild use, new client": _client((1, 0, 1, 0, 1, 1)),
        "finished OP, nothing above 1": _client(
            (0, 0, 0, 0, 1, 0), recent=RecentLevel.OP, evening=False
        ),
        "moderate, works days": _client((1, 0, 2, 1, 2, 1), day=False),
        "high relapse risk, post-detox": _client((2, 1, 1, 2, 3, 2), recent=RecentLevel.DETOX),
        "severe withdrawal, unstable home": _client(
            (3, 1, 1, 2, 2, 3), stable=False, withdrawal=WithdrawalRisk.SEVERE
        ),
        "biomedical and psychiatric inpatient need": _client((1, 4, 4, 1, 1, 1)),
        "adolescent, co-occurring, depressed": _client(
            (1, 0, 2, 3, 1, 2),
            age=16,
            co_occurring=True,
            instruments=InstrumentSummary(
                phq9_total=18, phq9_item9_positive=True, audit_zone=3, dast10_band="substantial"
            ),
        ),
        "imminent suicide risk, no free hours": _client(
            (0, 0, 3, 0, 0, 0),
            day=False,
            evening=False,
            instruments=InstrumentSummary(cssrs_risk=CssrsRisk.HIGH),
        ),
        "moderate C-SSRS, step down from residential": _client(
            (0, 0, 1, 1, 1, 4),
            recent=RecentLevel.RESIDENTIAL,
            instruments=InstrumentSummary(cssrs_risk=CssrsRisk.MODERATE),
        ),
    }
)
