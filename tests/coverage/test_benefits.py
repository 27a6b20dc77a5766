"""The benefits snapshot: a value that survives its JSON, says "not returned" as None,
and is usable only when the payer answered and returned something active."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.coverage.benefits import (
    Accumulator,
    BenefitsSnapshot,
    CarveOut,
    CostShare,
    CoverageStatus,
    Limit,
    Member,
    NetworkBenefits,
    Payer,
    Plan,
    Rejection,
    ServiceBenefits,
    Trace,
)

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
maybe_text = st.none() | texts
codes = st.sampled_from(["1", "30", "33", "98", "A8", "AI", "AJ", "AK", "BB", "CF", "MH", "Q9"])
amounts = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2)
days = st.none() | st.dates()


def tuples_or_none(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | st.lists(strategy, max_size=2).map(tuple)


cost_shares = st.builds(
    CostShare,
    amount=amounts,
    rate=amounts,
    coverage_level=maybe_text,
    period=maybe_text,
    places_of_service=st.lists(texts, max_size=2).map(tuple),
)
accumulators = st.builds(
    Accumulator, coverage_level=maybe_text, total=amounts, remaining=amounts, period=maybe_text
)
limits = st.builds(
    Limit,
    quantity=amounts,
    unit=maybe_text,
    amount=amounts,
    period=maybe_text,
    remaining=st.none() | st.booleans(),
    coverage_level=maybe_text,
)
networks = st.none() | st.builds(
    NetworkBenefits,
    copays=tuples_or_none(cost_shares),
    coinsurance=tuples_or_none(cost_shares),
    deductibles=tuples_or_none(accumulators),
    out_of_pocket=tuples_or_none(accumulators),
    limits=tuples_or_none(limits),
    authorization_required=st.none() | st.booleans(),
)
services = st.builds(
    ServiceBenefits,
    code=codes,
    status=st.none() | st.sampled_from(CoverageStatus),
    in_network=networks,
    out_of_network=networks,
    not_applicable=networks,
    network_unspecified=networks,
    carve_outs=st.lists(
        st.builds(CarveOut, entity=texts, name=maybe_text, entity_id=maybe_text, phone=maybe_text),
        max_size=2,
    ).map(tuple),
    messages=st.lists(texts, max_size=2).map(tuple),
)
members = st.none() | st.builds(
    Member,
    last_name=maybe_text,
    first_name=maybe_text,
    middle_name=maybe_text,
    member_id=maybe_text,
    birth_date=days,
)
snapshots = st.builds(
    BenefitsSnapshot,
    payer=st.none() | st.builds(Payer, name=maybe_text, payer_id=maybe_text),
    subscriber=members,
    dependent=members,
    trace_numbers=st.lists(
        st.builds(
            Trace,
            trace_type=texts,
            reference=texts,
            originator=maybe_text,
            supplemental=maybe_text,
        ),
        max_size=2,
    ).map(tuple),
    plan=st.builds(
        Plan,
        name=maybe_text,
        number=maybe_text,
        group_number=maybe_text,
        group_name=maybe_text,
        plan_begin=days,
        plan_end=days,
        eligibility_begin=days,
        eligibility_end=days,
    ),
    rejections=st.lists(
        st.builds(Rejection, loop=texts, code=maybe_text, follow_up=maybe_text), max_size=2
    ).map(tuple),
    services=st.lists(services, max_size=4, unique_by=lambda s: s.code).map(tuple),
)


@given(snapshots)
def test_a_snapshot_survives_its_json(snapshot: BenefitsSnapshot) -> None:
    data = json.loads(json.dumps(snapshot.to_json(), sort_keys=True))
    assert BenefitsSnapshot.from_json(data) == snapshot


def test_services_are_one_per_code_in_code_order() -> None:
    snapshot = BenefitsSnapshot(services=(ServiceBenefits("MH"), ServiceBenefits("AI")))
    assert [s.code for s in snapshot.services] == ["AI", "MH"]
    with pytest.raises(ValueError, match="one entry per service type"):
        BenefitsSnapshot(services=(ServiceBenefits("MH"), ServiceBenefits("MH")))


def test_labels_and_meanings_are_looked_up_and_unknown_ones_are_none() -> None:
    assert ServiceBenefits("AI").label == "Substance Abuse"
    assert ServiceBenefits("Q9").label is None
    assert Rejection("2100C", "42", "R").meaning == "payer system unavailable: retry later"
    assert Rejection("2100C", "42", "R").follow_up_meaning == "resubmission allowed"
    assert Rejection("2100C", "Z1", "Q").meaning is None
    assert Rejection("2100C", "Z1", "Q").follow_up_meaning is None


def test_what_was_not_returned_is_null_in_the_json_not_zero() -> None:
    data = BenefitsSnapshot(services=(ServiceBenefits("MH"),)).to_json()
    assert data["services"]["MH"]["in_network"] is None
    assert data["services"]["MH"]["status"] is None
    assert data["payer"] is None
    assert data["plan"]["group_number"] is None
    share = CostShare(amount=Decimal("0.00")).to_json()
    assert (share["amount"], share["rate"]) == ("0.00", None)


class TestUsable:
    ACTIVE = ServiceBenefits("30", status=CoverageStatus.ACTIVE)
    INACTIVE = ServiceBenefits("MH", status=CoverageStatus.INACTIVE)

    def test_one_active_service_and_no_rejection_is_usable(self) -> None:
        snapshot = BenefitsSnapshot(services=(self.ACTIVE, self.INACTIVE))
        assert snapshot.usable
        assert snapshot.unusable_reason is None

    def test_a_rejection_is_unusable_and_never_called_inactive(self) -> None:
        snapshot = BenefitsSnapshot(
            rejections=(Rejection("2100C", "72", "C"),), services=(self.ACTIVE,)
        )
        assert not snapshot.usable
        assert snapshot.unusable_reason == (
            "the payer could not answer (2100C): invalid member id: fix the demographics"
        )

    def test_an_unknown_rejection_code_is_named(self) -> None:
        snapshot = BenefitsSnapshot(rejections=(Rejection("2100A", None),))
        assert snapshot.unusable_reason == (
            "the payer could not answer (2100A): reject reason not given"
        )

    def test_no_service_returned_is_not_inactive(self) -> None:
        snapshot = BenefitsSnapshot(services=(ServiceBenefits("MH"),))
        assert snapshot.unusable_reason == (
            "the payer returned no active coverage for any service type"
        )

    def test_only_inactive_services_are_inactive(self) -> None:
        snapshot = BenefitsSnapshot(
            services=(self.INACTIVE,), plan=Plan(eligibility_end=date(2026, 1, 31))
        )
        assert snapshot.unusable_reason == "the payer returned the coverage as inactive"
