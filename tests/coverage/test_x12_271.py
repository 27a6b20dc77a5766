"""Reading 271s: golden files (public samples and synthetic behavioral-health responses)
read to the exact snapshot expected, unknown codes kept, and what is not a 271 refused.

Public samples in tests/coverage/golden, copied verbatim (both Apache-2.0, synthetic):
- 271_public_linuxforhealth_demo.x12: LinuxForHealth/x12, demo-file/demo.271
  (https://github.com/LinuxForHealth/x12/blob/main/demo-file/demo.271)
- 271_public_x12sdk_source_provider.x12: owgreen-dev/x12sdk,
  src/tests/resources/271_005010X279A1/subscriber-health-benefit-check-source-provider.271
- MULTIPLE_SUBSCRIBERS below: owgreen-dev/x12sdk,
  src/tests/resources/271_005010X279A1/generated-subscriber-members.271 (abridged to two
  subscribers).
The other golden files are synthetic, written by hand after ASC X12 005010X279A1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepdown.coverage.benefits import CoverageStatus
from stepdown.coverage.x12_271 import Not271Error, parse_271
from stepdown.kit.x12 import X12Error

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("271_*.x12"))
SYNTHETIC = [case for case in CASES if "_public_" not in case.name]


def golden(name: str) -> str:
    return (GOLDEN / name).read_text()


def test_there_are_public_and_at_least_eight_synthetic_goldens() -> None:
    assert len(SYNTHETIC) >= 8
    assert len(CASES) - len(SYNTHETIC) >= 2


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_a_golden_271_reads_to_its_expected_snapshot(case: Path) -> None:
    expected = json.loads(case.with_suffix(".json").read_text())
    assert parse_271(case.read_text()).to_json() == expected


class TestBehavioralHealthBenefits:
    def test_copays_are_kept_per_network_and_a_returned_zero_stays_zero(self) -> None:
        snapshot = parse_271(golden("271_active_behavioral_copays.x12"))
        substance = snapshot.service("AI")
        assert substance is not None
        assert substance.status is CoverageStatus.ACTIVE
        assert substance.in_network is not None
        assert substance.out_of_network is not None
        assert substance.in_network.copays is not None
        assert [c.amount for c in substance.in_network.copays] == [25]
        assert substance.in_network.copays[0].places_of_service == ("11",)
        assert substance.in_network.coinsurance is not None
        assert substance.in_network.coinsurance[0].rate == 0  # returned as 0, kept as 0
        outpatient = snapshot.service("A8")
        assert outpatient is not None
        assert outpatient.label == "Psychiatric - Outpatient"
        assert outpatient.in_network is not None
        assert outpatient.in_network.coinsurance is None  # not returned: not 0
        assert outpatient.not_applicable is None
        assert outpatient.network_unspecified is None
        assert snapshot.usable

    def test_a_carve_out_names_the_other_organization_and_its_phone(self) -> None:
        snapshot = parse_271(golden("271_carve_out_behavioral.x12"))
        mental = snapshot.service("MH")
        assert mental is not None
        [carve_out] = mental.carve_outs
        assert (carve_out.name, carve_out.phone) == ("SYNTHETIC BEHAVIORAL PARTNERS", "8005550142")
        assert mental.status is None  # "ask them" is not a coverage status

    def test_authorization_is_read_from_eb11_and_unknown_is_not_returned(self) -> None:
        snapshot = parse_271(golden("271_authorization_required_sud.x12"))
        substance = snapshot.service("AI")
        assert substance is not None
        assert substance.in_network is not None
        assert substance.out_of_network is not None
        assert substance.in_network.authorization_required is True
        assert substance.out_of_network.authorization_required is None  # EB11 U
        assert substance.in_network.limits is not None
        assert [(x.quantity, x.unit, x.remaining) for x in substance.in_network.limits] == [
            (30, "VS", False),
            (18, "VS", True),
        ]

    def test_deductible_and_out_of_pocket_keep_total_and_remaining_apart(self) -> None:
        snapshot = parse_271(golden("271_deductible_total_remaining.x12"))
        plan = snapshot.service("30")
        assert plan is not None
        assert plan.in_network is not None
        assert plan.in_network.deductibles is not None
        individual, family = plan.in_network.deductibles
        assert (individual.coverage_level, individual.total, individual.remaining) == (
            "IND",
            1500,
            pytest.approx(1212.5),
        )
        assert (family.coverage_level, family.total, family.remaining) == ("FAM", 3000, 2800)
        assert plan.out_of_network is not None
        assert plan.out_of_network.deductibles is not None
        [out] = plan.out_of_network.deductibles
        assert (out.total, out.remaining) == (3000, None)  # 24 "year to date" is neither


class TestRejectionsAreNeverInactive:
    @pytest.mark.parametrize(
        ("name", "loop", "code", "says"),
        [
            ("271_aaa_42_payer_unavailable.x12", "2100A", "42", "retry later"),
            ("271_aaa_72_invalid_member_id.x12", "2100C", "72", "fix the demographics"),
            ("271_aaa_75_subscriber_not_found.x12", "2100C", "75", "fix the demographics"),
        ],
    )
    def test_an_aaa_is_a_rejection_with_its_meaning(
        self, name: str, loop: str, code: str, says: str
    ) -> None:
        snapshot = parse_271(golden(name))
        [rejection] = snapshot.rejections
        assert (rejection.loop, rejection.code) == (loop, code)
        assert rejection.meaning is not None
        assert rejection.meaning.endswith(says)
        assert all(s.status is not CoverageStatus.INACTIVE for s in snapshot.services)
        assert not snapshot.usable
        assert snapshot.unusable_reason is not None
        assert "inactive" not in snapshot.unusable_reason

    def test_inactive_coverage_is_said_to_be_inactive(self) -> None:
        snapshot = parse_271(golden("271_inactive.x12"))
        assert snapshot.unusable_reason == "the payer returned the coverage as inactive"


def test_the_dependent_is_read_from_its_own_level() -> None:
    snapshot = parse_271(golden("271_dependent.x12"))
    assert snapshot.dependent is not None
    assert snapshot.subscriber is not None
    assert (snapshot.dependent.first_name, snapshot.subscriber.first_name) == ("ALEX", "SAM")
    assert snapshot.dependent.member_id is None
    assert [t.reference for t in snapshot.trace_numbers] == ["T1-0002"]


def test_an_unknown_service_type_and_segment_are_kept_or_skipped_never_fatal() -> None:
    snapshot = parse_271(golden("271_unknown_service_type.x12"))
    unknown = snapshot.service("Q9")
    assert unknown is not None
    assert unknown.label is None
    assert unknown.status is CoverageStatus.ACTIVE


def test_fields_the_payer_left_out_are_none() -> None:
    snapshot = parse_271(golden("271_missing_fields.x12"))
    assert snapshot.subscriber is not None
    assert snapshot.subscriber.birth_date is None
    assert snapshot.subscriber.member_id is None
    mental = snapshot.service("MH")
    assert mental is not None
    assert mental.status is None
    assert mental.network_unspecified is None  # a copay line without an amount says nothing


ENVELOPE = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*STEPDOWN       "
    "*261201*0931*^*00501*000000301*0*T*:~GS*HB*CH*SD*20261201*0931*301*X*005010X279A1~"
)
TRAILER = "GE*1*301~IEA*1*000000301~"
MULTIPLE_SUBSCRIBERS = (
    "ISA*00*          *00*          *30*SYNTHETICPAYER *30*SYNTHETICPROV  *260101*1200*^*00501"
    "*000000001*0*T*:~GS*HB*SYNTHETICPAYER*SYNTHETICPROV*20260101*1200*1*X*005010X279A1~"
    "ST*271*0001*005010X279~BHT*0022*11*92188686*20251213*1200~HL*1**20*1~"
    "NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*688698738~HL*2*1*21*1~"
    "NM1*1P*2*EXAMPLE MEDICAL GROUP*****XX*2173983513~HL*3*2*22*0~"
    "TRN*1*643382741490*2669925280~NM1*IL*1*THOMAS*JAMES****MI*Y679361519~"
    "N3*5856 OAK ST~N4*RIVERSIDE*CA*84590~DMG*D8*19851215*M~EB*1**35~HL*4*2*22*0~"
    "TRN*1*575410683107*9165313670~NM1*IL*1*WILSON*JOHN****MI*Y252232597~"
    "N3*2104 FIRST AVE~N4*FAIRVIEW*MI*93479~DMG*D8*20071013*M~EB*1**30~"
    "SE*21*0001~GE*1*1~IEA*1*000000001~"
)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (ENVELOPE + "ST*270*0001*005010X279A1~BHT*0022*13~HL*1**20*1~SE*4*0001~" + TRAILER, "270"),
        (ENVELOPE + "ST*271*0001*005010X279A1~HL*1**20*1~SE*3*0001~" + TRAILER, "BHT"),
        (
            ENVELOPE + "ST*271*0001*005010X279A1~BHT*0022*11~SE*3*0001~" + TRAILER,
            "information source",
        ),
        (ENVELOPE + TRAILER, "no transaction set"),
        (ENVELOPE + "ST*271*0001*005010X279A1~BHT*0022*11~HL*1**20*1~" + TRAILER, "no SE"),
        (
            ENVELOPE
            + "ST*271*0001~BHT*0022*11~HL*1**20*1~SE*4*0001~"
            + "ST*271*0002~BHT*0022*11~HL*1**20*1~SE*4*0002~"
            + TRAILER,
            "more than one transaction set",
        ),
        (MULTIPLE_SUBSCRIBERS, "more than one patient"),
    ],
)
def test_what_is_not_one_271_is_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(Not271Error, match=says):
        parse_271(text)


def test_text_that_is_not_x12_is_an_x12_error() -> None:
    with pytest.raises(X12Error, match="ISA"):
        parse_271("EB*1**30~")
