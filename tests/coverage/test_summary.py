"""Benefits by level of care, read from golden 271s: the most specific service type, the plan's
deductible where the service has none, carve-outs, and "not returned by payer" for every
figure the payer left out (never $0)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from stepdown.coverage.benefits import BenefitsSnapshot, CoverageStatus, ServiceBenefits
from stepdown.coverage.summary import NOT_RETURNED, LevelBenefits, by_level
from stepdown.coverage.x12_271 import parse_271

GOLDEN = Path(__file__).parent / "golden"


def _levels(name: str) -> dict[str, LevelBenefits]:
    snapshot = parse_271((GOLDEN / f"271_{name}.x12").read_text())
    return {line.level: line for line in by_level(snapshot)}


def test_copays_per_level_from_the_most_specific_service_type() -> None:
    levels = _levels("authorization_required_sud")
    php, iop = levels["PHP"], levels["IOP"]
    assert (php.service_type, php.copay, php.authorization) == ("BB", "$100.00", "required")
    assert (iop.service_type, iop.copay, iop.authorization) == ("AI", "$40.00", "required")


def test_the_plans_deductible_stands_in_for_a_service_without_one() -> None:
    iop = _levels("deductible_total_remaining")["IOP"]
    assert iop.copay == "10% coinsurance"
    assert (iop.deductible_total, iop.deductible_remaining) == ("$1,500.00", "$1,212.50")


def test_a_carve_out_names_who_manages_the_benefit() -> None:
    iop = _levels("carve_out_behavioral")["IOP"]
    assert iop.status is None
    assert iop.carve_out is not None
    assert "SYNTHETIC BEHAVIORAL PARTNERS" in iop.carve_out


def test_what_the_payer_left_out_is_said_so() -> None:
    iop = _levels("missing_fields")["IOP"]
    assert iop.copay == NOT_RETURNED
    assert iop.deductible_remaining == NOT_RETURNED
    assert iop.authorization == NOT_RETURNED


@given(
    st.lists(st.sampled_from(["30", "MH", "AI", "AJ", "AK", "BB", "A8", "98", "Z9"]), unique=True)
)
def test_a_snapshot_without_figures_never_reads_as_zero(codes: list[str]) -> None:
    snapshot = BenefitsSnapshot(
        services=tuple(ServiceBenefits(code=c, status=CoverageStatus.ACTIVE) for c in codes)
    )
    for line in by_level(snapshot):
        for figure in (line.copay, line.deductible_total, line.deductible_remaining):
            assert figure == NOT_RETURNED
            assert "$0" not in figure
