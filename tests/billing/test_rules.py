"""Billing rules: codes by minutes and drug classes, timed units, a day's and a week's lines
under per-diem and per-service contracts, the Medicare profile's warnings, fees, and
authorizations. Pure: every test builds plain values on fixed dates."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.authorizations.rules import UnitType
from stepdown.billing import rules
from stepdown.billing.claim_data import ClaimType
from stepdown.billing.rules import (
    AuthWindow,
    BillingMode,
    Charge,
    Delivered,
    LineStatus,
    NoteState,
    Rounding,
    ServiceKind,
    Terms,
)

MONDAY = date(2026, 3, 2)  # a Monday
_ids = itertools.count(1)


def _day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def _service(
    kind: ServiceKind = ServiceKind.GROUP,
    minutes: int = 60,
    *,
    day: int = 0,
    note: NoteState = NoteState.SIGNED,
    label: str = "",
    classes: int = 0,
    credited: int | None = None,
    source: str = "",
) -> Delivered:
    """One delivered service on ``MONDAY + day``; a drug test's record needs no note."""
    if kind in (ServiceKind.PRESUMPTIVE_SCREEN, ServiceKind.DEFINITIVE_TEST):
        note = NoteState.NOT_NEEDED
    return Delivered(
        source=source or f"attendance:{next(_ids)}",
        day=_day(day),
        kind=kind,
        minutes=minutes,
        note=note,
        note_label=label,
        classes=classes,
        credited_minutes=credited,
    )


def _test(kind: ServiceKind, *, day: int = 0, classes: int = 0) -> Delivered:
    return _service(kind, 0, day=day, classes=classes, source=f"collection:{next(_ids)}")


def _per_diem(**changes: Any) -> Terms:
    """An IOP per-diem contract: one H0015 line for a day of at least 3 h."""
    terms = Terms(
        level_code="IOP",
        claim_type=ClaimType.PROFESSIONAL,
        mode=BillingMode.PER_DIEM,
        per_diem_code="H0015",
        per_diem_min_minutes=180,
    )
    return replace(terms, **changes)


def _per_service(**changes: Any) -> Terms:
    """An OP contract: a line for each service, the standard codes."""
    terms = Terms(level_code="OP", claim_type=ClaimType.PROFESSIONAL, mode=BillingMode.PER_SERVICE)
    return replace(terms, **changes)


def _medicare(level: str = "IOP", **changes: Any) -> Terms:
    """Medicare's IOP/PHP profile: institutional, each service on its own line."""
    terms = Terms(
        level_code=level,
        claim_type=ClaimType.INSTITUTIONAL,
        mode=BillingMode.PER_SERVICE,
        revenue_code="0900",
        medicare=True,
        requires_authorization=False,
    )
    return replace(terms, **changes)


def _only(lines: list[Charge]) -> Charge:
    assert len(lines) == 1, lines
    return lines[0]


# --- Codes by minutes and counts --------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "code"),
    [
        pytest.param(-5, None, id="negative-none"),
        pytest.param(0, None, id="0-none"),
        pytest.param(15, None, id="15-none"),
        pytest.param(16, "90832", id="16-90832"),
        pytest.param(37, "90832", id="37-90832"),
        pytest.param(38, "90834", id="38-90834"),
        pytest.param(52, "90834", id="52-90834"),
        pytest.param(53, "90837", id="53-90837"),
        pytest.param(120, "90837", id="120-90837"),
    ],
)
def test_psychotherapy_code_by_documented_minutes(minutes: int, code: str | None) -> None:
    """The psychotherapy time rule: under 16 minutes is not reported; each code from the
    midpoint of its time."""
    assert rules.psychotherapy_code(minutes) == code


@pytest.mark.parametrize(
    ("minutes", "client_present", "code"),
    [
        pytest.param(0, True, None, id="0-none"),
        pytest.param(25, True, None, id="25-with-client-none"),
        pytest.param(25, False, None, id="25-without-client-none"),
        pytest.param(26, True, "90847", id="26-with-client-90847"),
        pytest.param(26, False, "90846", id="26-without-client-90846"),
        pytest.param(80, True, "90847", id="80-with-client-90847"),
    ],
)
def test_family_code_from_26_minutes(minutes: int, client_present: bool, code: str | None) -> None:
    assert rules.family_code(minutes, client_present=client_present) == code


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        pytest.param(-10, 0, id="negative-0"),
        pytest.param(0, 0, id="0-0"),
        pytest.param(7, 0, id="7-0"),
        pytest.param(8, 1, id="8-1"),
        pytest.param(15, 1, id="15-1"),
        pytest.param(22, 1, id="22-1"),
        pytest.param(23, 2, id="23-2"),
        pytest.param(37, 2, id="37-2"),
        pytest.param(38, 3, id="38-3"),
        pytest.param(52, 3, id="52-3"),
        pytest.param(53, 4, id="53-4"),
    ],
)
def test_timed_units_under_the_8_minute_rule(minutes: int, units: int) -> None:
    """CMS's 8-minute rule: a unit needs 8 minutes, a remainder of 8 or more adds one."""
    assert rules.timed_units(minutes, Rounding.MIDPOINT) == units


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        pytest.param(0, 0, id="0-0"),
        pytest.param(14, 0, id="14-0"),
        pytest.param(15, 1, id="15-1"),
        pytest.param(29, 1, id="29-1"),
        pytest.param(30, 2, id="30-2"),
        pytest.param(59, 3, id="59-3"),
        pytest.param(60, 4, id="60-4"),
    ],
)
def test_timed_units_whole_units_only(minutes: int, units: int) -> None:
    assert rules.timed_units(minutes, Rounding.WHOLE) == units


@given(st.integers(0, 24 * 60))
def test_timed_units_round_half_up_or_down(minutes: int) -> None:
    """The 8-minute rule is round-half-up of quarter hours; whole units round down; the two
    never differ by more than one unit."""
    midpoint = rules.timed_units(minutes, Rounding.MIDPOINT)
    whole = rules.timed_units(minutes, Rounding.WHOLE)
    assert midpoint == (minutes + 7) // 15
    assert whole == minutes // 15
    assert whole <= midpoint <= whole + 1


@given(st.integers(-1000, 0))
def test_no_time_makes_no_units(minutes: int) -> None:
    for rounding in Rounding:
        assert rules.timed_units(minutes, rounding) == 0


@pytest.mark.parametrize(
    ("classes", "code"),
    [
        pytest.param(-1, None, id="negative-none"),
        pytest.param(0, None, id="0-none"),
        pytest.param(1, "G0480", id="1-G0480"),
        pytest.param(7, "G0480", id="7-G0480"),
        pytest.param(8, "G0481", id="8-G0481"),
        pytest.param(14, "G0481", id="14-G0481"),
        pytest.param(15, "G0482", id="15-G0482"),
        pytest.param(21, "G0482", id="21-G0482"),
        pytest.param(22, "G0483", id="22-G0483"),
        pytest.param(40, "G0483", id="40-G0483"),
    ],
)
def test_definitive_code_by_drug_classes(classes: int, code: str | None) -> None:
    assert rules.definitive_code(classes) == code


# --- Drug tests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        pytest.param({}, "80305", id="default-80305"),
        pytest.param({ServiceKind.PRESUMPTIVE_SCREEN: "80307"}, "80307", id="override-80307"),
    ],
)
def test_presumptive_screens_of_a_day_make_one_line(
    codes: dict[ServiceKind, str], expected: str
) -> None:
    """At most one presumptive screen a client a date of service, however many cups."""
    screens = [_test(ServiceKind.PRESUMPTIVE_SCREEN) for _ in range(3)]
    line = _only(rules.day_charges(screens, _per_service(codes=codes)))
    assert (line.code, line.units, line.status) == (expected, 1, LineStatus.READY)
    assert line.kind == ServiceKind.PRESUMPTIVE_SCREEN.value
    assert line.sources == tuple(sorted(s.source for s in screens))


@pytest.mark.parametrize(
    ("classes", "code"),
    [
        pytest.param((3, 5), "G0480", id="most-5-G0480"),
        pytest.param((5, 16, 9), "G0482", id="most-16-G0482"),
        pytest.param((22, 1), "G0483", id="most-22-G0483"),
    ],
)
def test_definitive_tests_of_a_day_make_one_line_by_the_most_classes(
    classes: tuple[int, ...], code: str
) -> None:
    tests = [_test(ServiceKind.DEFINITIVE_TEST, classes=n) for n in classes]
    line = _only(rules.day_charges(tests, _per_service()))
    assert (line.code, line.units, line.status) == (code, 1, LineStatus.READY)
    assert len(line.sources) == len(classes)


def test_a_definitive_test_without_a_class_is_not_billable() -> None:
    line = _only(rules.day_charges([_test(ServiceKind.DEFINITIVE_TEST)], _per_service()))
    assert line.status is LineStatus.NOT_BILLABLE
    assert line.reasons == ("no drug class reported",)


def test_a_presumptive_and_a_definitive_test_the_same_day_are_two_lines() -> None:
    tests = [
        _test(ServiceKind.PRESUMPTIVE_SCREEN),
        _test(ServiceKind.PRESUMPTIVE_SCREEN),
        _test(ServiceKind.DEFINITIVE_TEST, classes=9),
    ]
    lines = rules.day_charges(tests, _per_service())
    assert sorted(line.code for line in lines) == ["80305", "G0481"]


def test_screens_on_two_days_are_a_line_each() -> None:
    tests = [
        _test(ServiceKind.PRESUMPTIVE_SCREEN, day=0),
        _test(ServiceKind.PRESUMPTIVE_SCREEN, day=2),
    ]
    lines = rules.week_charges(tests, _per_service())
    assert [(line.day, line.code) for line in lines] == [(_day(0), "80305"), (_day(2), "80305")]


def test_drug_tests_on_a_per_diem_day_are_included_in_the_per_diem() -> None:
    day = [
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.GROUP, 90),
        _test(ServiceKind.PRESUMPTIVE_SCREEN),
        _test(ServiceKind.DEFINITIVE_TEST, classes=8),
    ]
    lines = rules.day_charges(day, _per_diem())
    per_diem = [line for line in lines if line.kind == "per_diem"]
    tests = [line for line in lines if line.kind != "per_diem"]
    assert _only(per_diem).status is LineStatus.READY
    assert len(tests) == 2
    for line in tests:
        assert line.status is LineStatus.NOT_BILLABLE
        assert line.reasons == ("included in the IOP per diem",)


def test_a_contract_may_carve_drug_tests_out_of_the_per_diem() -> None:
    """Only the kinds listed in ``separately_billable`` leave the per diem."""
    day = [
        _service(ServiceKind.GROUP, 180),
        _test(ServiceKind.PRESUMPTIVE_SCREEN),
        _test(ServiceKind.DEFINITIVE_TEST, classes=8),
    ]
    terms = _per_diem(separately_billable=frozenset({ServiceKind.PRESUMPTIVE_SCREEN}))
    by_kind = {line.kind: line for line in rules.day_charges(day, terms)}
    assert by_kind["per_diem"].status is LineStatus.READY
    assert by_kind["presumptive_screen"].status is LineStatus.READY
    assert by_kind["presumptive_screen"].code == "80305"
    assert by_kind["definitive_test"].status is LineStatus.NOT_BILLABLE


# --- A per-diem day -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "status"),
    [
        pytest.param(59, LineStatus.NOT_BILLABLE, id="179-minutes-not-billable"),
        pytest.param(60, LineStatus.READY, id="180-minutes-ready"),
    ],
)
def test_a_per_diem_day_needs_its_minimum_minutes(last: int, status: LineStatus) -> None:
    day = [
        _service(ServiceKind.GROUP, 60),
        _service(ServiceKind.GROUP, 60),
        _service(ServiceKind.INDIVIDUAL, last),
    ]
    line = _only(rules.day_charges(day, _per_diem()))
    assert (line.code, line.units, line.kind, line.status) == ("H0015", 1, "per_diem", status)
    assert line.minutes == 120 + last
    assert line.sources == tuple(sorted(s.source for s in day))
    if status is LineStatus.NOT_BILLABLE:
        assert line.reasons == ("IOP day short of its 3 h minimum (2 h 59 min delivered)",)
    else:
        assert line.reasons == ()


@pytest.mark.parametrize(
    ("count", "status"),
    [
        pytest.param(2, LineStatus.NOT_BILLABLE, id="2-of-3-services-not-billable"),
        pytest.param(3, LineStatus.READY, id="3-of-3-services-ready"),
    ],
)
def test_a_per_diem_day_counted_in_services(count: int, status: LineStatus) -> None:
    terms = _per_diem(per_diem_min_minutes=0, per_diem_min_services=3)
    day = [_service(ServiceKind.GROUP, 50) for _ in range(count)]
    line = _only(rules.day_charges(day, terms))
    assert line.status is status
    if status is LineStatus.NOT_BILLABLE:
        assert line.reasons == ("IOP day short of its 3 services (2 delivered)",)


def test_a_per_diem_day_counts_credited_attendance_minutes() -> None:
    """The day's minimum is read from attendance's credited minutes where there are any."""
    day = [
        _service(ServiceKind.GROUP, 90, credited=90),
        _service(ServiceKind.GROUP, 90, credited=80),
    ]
    line = _only(rules.day_charges(day, _per_diem()))
    assert (line.minutes, line.status) == (170, LineStatus.NOT_BILLABLE)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        pytest.param(
            NoteState.UNSIGNED,
            "no note, no claim: group note of S1-IOP-MON not signed",
            id="unsigned",
        ),
        pytest.param(
            NoteState.MISSING,
            "no note, no claim: group note of S1-IOP-MON not written",
            id="missing",
        ),
    ],
)
def test_a_day_met_only_with_an_undocumented_service_is_held(note: NoteState, reason: str) -> None:
    """No note, no claim: the minimum counts documented services only."""
    day = [
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.GROUP, 90, note=note, label="group note of S1-IOP-MON"),
    ]
    line = _only(rules.day_charges(day, _per_diem()))
    assert line.status is LineStatus.HELD
    assert line.reasons == (reason,)


def test_a_day_met_with_signed_notes_alone_is_ready_whatever_the_rest() -> None:
    day = [
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.INDIVIDUAL, 45, note=NoteState.UNSIGNED),
    ]
    line = _only(rules.day_charges(day, _per_diem()))
    assert (line.status, line.reasons, line.minutes) == (LineStatus.READY, (), 225)


def test_a_short_day_is_not_billable_rather_than_held_for_its_notes() -> None:
    day = [_service(ServiceKind.GROUP, 90, note=NoteState.MISSING)]
    line = _only(rules.day_charges(day, _per_diem()))
    assert line.status is LineStatus.NOT_BILLABLE


def test_therapy_on_a_per_diem_day_is_bundled_into_one_line() -> None:
    day = [
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.INDIVIDUAL, 50),
        _service(ServiceKind.FAMILY, 60),
        _service(ServiceKind.EVALUATION, 60),
    ]
    line = _only(rules.day_charges(day, _per_diem()))
    assert (line.kind, line.code, line.minutes) == ("per_diem", "H0015", 260)
    assert len(line.sources) == 4


def test_a_carved_out_kind_is_its_own_line_and_not_part_of_the_day() -> None:
    individual = _service(ServiceKind.INDIVIDUAL, 45)
    day = [_service(ServiceKind.GROUP, 90), _service(ServiceKind.GROUP, 90), individual]
    terms = _per_diem(separately_billable=frozenset({ServiceKind.INDIVIDUAL}))
    by_kind = {line.kind: line for line in rules.day_charges(day, terms)}
    assert set(by_kind) == {"per_diem", "individual"}
    assert by_kind["per_diem"].minutes == 180
    assert individual.source not in by_kind["per_diem"].sources
    assert (by_kind["individual"].code, by_kind["individual"].status) == ("90834", LineStatus.READY)


def test_a_family_session_without_the_client_is_never_folded_into_the_per_diem() -> None:
    family = _service(ServiceKind.FAMILY_WITHOUT_CLIENT, 50)
    day = [_service(ServiceKind.GROUP, 90), _service(ServiceKind.GROUP, 90), family]
    by_kind = {line.kind: line for line in rules.day_charges(day, _per_diem())}
    assert set(by_kind) == {"per_diem", "family_without_client"}
    assert by_kind["per_diem"].minutes == 180
    assert by_kind["family_without_client"].code == "90846"
    assert by_kind["family_without_client"].sources == (family.source,)


def test_a_family_session_without_the_client_alone_makes_no_per_diem_line() -> None:
    line = _only(rules.day_charges([_service(ServiceKind.FAMILY_WITHOUT_CLIENT, 50)], _per_diem()))
    assert (line.kind, line.code, line.status) == (
        "family_without_client",
        "90846",
        LineStatus.READY,
    )


def test_a_per_diem_contract_at_a_level_without_a_per_diem_bills_each_service() -> None:
    day = [_service(ServiceKind.GROUP, 90), _service(ServiceKind.GROUP, 90)]
    lines = rules.day_charges(day, _per_diem(level_code="OP"))
    assert [line.code for line in lines] == ["90853", "90853"]


def test_a_per_diem_line_carries_the_contracts_modifiers_and_revenue_code() -> None:
    terms = _per_diem(modifiers=("HF",), revenue_code="0905", claim_type=ClaimType.INSTITUTIONAL)
    line = _only(rules.day_charges([_service(ServiceKind.GROUP, 180)], terms))
    assert (line.modifiers, line.revenue_code) == (("HF",), "0905")


# --- Per service -----------------------------------------------------------------------


def test_each_service_is_its_own_line_with_its_code() -> None:
    day = [
        _service(ServiceKind.GROUP, 90),
        _service(ServiceKind.INDIVIDUAL, 45),
        _service(ServiceKind.FAMILY, 30),
        _service(ServiceKind.EVALUATION, 60),
    ]
    lines = rules.day_charges(day, _per_service())
    assert sorted((line.kind, line.code, line.units) for line in lines) == [
        ("evaluation", "90791", 1),
        ("family", "90847", 1),
        ("group", "90853", 1),
        ("individual", "90834", 1),
    ]
    assert {line.status for line in lines} == {LineStatus.READY}
    assert all(len(line.sources) == 1 for line in lines)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        pytest.param(
            NoteState.MISSING, "no note, no claim: individual therapy not written", id="missing"
        ),
        pytest.param(
            NoteState.UNSIGNED, "no note, no claim: individual therapy not signed", id="unsigned"
        ),
    ],
)
def test_a_session_without_a_signed_note_is_held(note: NoteState, reason: str) -> None:
    line = _only(
        rules.day_charges([_service(ServiceKind.INDIVIDUAL, 45, note=note)], _per_service())
    )
    assert (line.code, line.status, line.reasons) == ("90834", LineStatus.HELD, (reason,))


@pytest.mark.parametrize(
    ("kind", "minutes", "reason"),
    [
        pytest.param(
            ServiceKind.INDIVIDUAL,
            15,
            "15 min: under the 16 minutes psychotherapy needs",
            id="individual-15",
        ),
        pytest.param(
            ServiceKind.FAMILY,
            25,
            "25 min: under the 26 minutes a family session needs",
            id="family-25",
        ),
        pytest.param(
            ServiceKind.FAMILY_WITHOUT_CLIENT,
            25,
            "25 min: under the 26 minutes a family session needs",
            id="family-without-client-25",
        ),
    ],
)
def test_a_session_too_short_for_its_code_is_not_billable(
    kind: ServiceKind, minutes: int, reason: str
) -> None:
    """Not billable wins over held: writing the note would not make it billable."""
    for note in (NoteState.SIGNED, NoteState.MISSING):
        line = _only(rules.day_charges([_service(kind, minutes, note=note)], _per_service()))
        assert (line.code, line.status, line.reasons) == ("", LineStatus.NOT_BILLABLE, (reason,))


@pytest.mark.parametrize(
    ("rounding", "minutes", "units", "status"),
    [
        pytest.param(Rounding.MIDPOINT, 7, 0, LineStatus.NOT_BILLABLE, id="midpoint-7-none"),
        pytest.param(Rounding.MIDPOINT, 8, 1, LineStatus.READY, id="midpoint-8-1"),
        pytest.param(Rounding.MIDPOINT, 53, 4, LineStatus.READY, id="midpoint-53-4"),
        pytest.param(Rounding.WHOLE, 14, 0, LineStatus.NOT_BILLABLE, id="whole-14-none"),
        pytest.param(Rounding.WHOLE, 15, 1, LineStatus.READY, id="whole-15-1"),
        pytest.param(Rounding.WHOLE, 53, 3, LineStatus.READY, id="whole-53-3"),
    ],
)
def test_a_timed_code_override_counts_units_by_the_contracts_rounding(
    rounding: Rounding, minutes: int, units: int, status: LineStatus
) -> None:
    terms = _per_service(codes={ServiceKind.INDIVIDUAL: "H0004"}, rounding=rounding)
    line = _only(rules.day_charges([_service(ServiceKind.INDIVIDUAL, minutes)], terms))
    assert (line.code, line.units, line.status) == ("H0004", units, status)
    if status is LineStatus.NOT_BILLABLE:
        assert line.reasons == (
            f"{minutes} min: under a 15-minute unit ({rounding.label.lower()})",
        )


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        pytest.param({}, "90853", id="default-90853"),
        pytest.param({ServiceKind.GROUP: "G0410"}, "G0410", id="override-G0410"),
    ],
)
def test_group_code_and_its_override(codes: dict[ServiceKind, str], code: str) -> None:
    line = _only(rules.day_charges([_service(ServiceKind.GROUP, 90)], _per_service(codes=codes)))
    assert (line.code, line.units, line.status) == (code, 1, LineStatus.READY)


def test_a_service_line_takes_the_revenue_code_of_its_kind() -> None:
    terms = _medicare(revenue_codes={ServiceKind.GROUP: "0915"})
    lines = rules.day_charges(
        [_service(ServiceKind.GROUP, 60), _service(ServiceKind.INDIVIDUAL, 60)], terms
    )
    assert {line.kind: line.revenue_code for line in lines} == {
        "group": "0915",
        "individual": "0900",
    }


# --- Medicare IOP and PHP ------------------------------------------------------------------


def _day_flags(line: Charge) -> list[str]:
    return [f for f in line.flags if "services on this day" in f]


def _week_flags(line: Charge) -> list[str]:
    return [f for f in line.flags if "this week" in f]


@pytest.mark.parametrize(
    ("count", "flagged"),
    [
        pytest.param(2, True, id="2-services-flagged"),
        pytest.param(3, False, id="3-services-not-flagged"),
    ],
)
def test_a_medicare_day_of_fewer_than_3_services_is_flagged(count: int, flagged: bool) -> None:
    day = [_service(ServiceKind.GROUP, 60) for _ in range(count)]
    lines = rules.week_charges(day, _medicare())
    assert len(lines) == count
    for line in lines:
        assert line.status is LineStatus.READY
        expected = ["2 services on this day: Medicare's per diem needs 3"] if flagged else []
        assert _day_flags(line) == expected


@pytest.mark.parametrize(
    ("level", "groups", "individuals", "flag"),
    [
        pytest.param(
            "IOP",
            60,
            (50, 50, 50),
            "8 h 30 min this week: below the 9 h of IOP certification",
            id="IOP-510-minutes-flagged",
        ),
        pytest.param("IOP", 60, (60, 60, 60), None, id="IOP-540-minutes-not-flagged"),
        pytest.param(
            "PHP",
            90,
            (60, 60, 60, 60, 59),
            "19 h 59 min this week: below the 20 h of PHP certification",
            id="PHP-1199-minutes-flagged",
        ),
        pytest.param("PHP", 90, (60, 60, 60, 60, 60), None, id="PHP-1200-minutes-not-flagged"),
    ],
)
def test_a_medicare_week_below_its_certified_hours_is_flagged(
    level: str, groups: int, individuals: tuple[int, ...], flag: str | None
) -> None:
    """Days of two groups and an individual session (3 services: no day flag); the week's
    total against the certified 9 h (IOP) or 20 h (PHP)."""
    week: list[Delivered] = []
    for offset, individual in enumerate(individuals):
        week += [
            _service(ServiceKind.GROUP, groups, day=offset),
            _service(ServiceKind.GROUP, groups, day=offset),
            _service(ServiceKind.INDIVIDUAL, individual, day=offset),
        ]
    lines = rules.week_charges(week, _medicare(level))
    assert len(lines) == len(week)
    for line in lines:
        assert line.status is LineStatus.READY
        assert _day_flags(line) == []
        assert _week_flags(line) == ([flag] if flag else [])


def test_medicare_flags_count_only_services_the_client_took_part_in() -> None:
    """A family session without the client and drug tests are not program services."""
    day = [
        _service(ServiceKind.GROUP, 60),
        _service(ServiceKind.GROUP, 60),
        _service(ServiceKind.FAMILY_WITHOUT_CLIENT, 60),
        _test(ServiceKind.PRESUMPTIVE_SCREEN),
    ]
    lines = rules.week_charges(day, _medicare())
    assert len(lines) == 4
    assert all(_day_flags(line) for line in lines)
    assert all(
        _week_flags(line) == ["2 h this week: below the 9 h of IOP certification"] for line in lines
    )


def test_without_the_medicare_profile_nothing_is_flagged() -> None:
    lines = rules.week_charges([_service(ServiceKind.GROUP, 60)], _medicare(medicare=False))
    assert _only(lines).flags == ()


# --- A week ---------------------------------------------------------------------------


def test_a_week_is_billed_day_by_day_in_date_order() -> None:
    week = [
        _service(ServiceKind.GROUP, 180, day=3),
        _service(ServiceKind.GROUP, 120, day=1),
        _service(ServiceKind.GROUP, 180, day=0),
    ]
    lines = rules.week_charges(week, _per_diem())
    assert [(line.day, line.status) for line in lines] == [
        (_day(0), LineStatus.READY),
        (_day(1), LineStatus.NOT_BILLABLE),
        (_day(3), LineStatus.READY),
    ]


# --- Fees -----------------------------------------------------------------------------


def _line(
    day: int = 0,
    *,
    code: str = "H0015",
    kind: str = "per_diem",
    units: int = 1,
    minutes: int = 180,
    status: LineStatus = LineStatus.READY,
    reasons: tuple[str, ...] = (),
    source: str = "",
) -> Charge:
    return Charge(
        day=_day(day),
        code=code,
        units=units,
        minutes=minutes,
        sources=(source or f"attendance:{next(_ids)}",),
        kind=kind,
        status=status,
        reasons=reasons,
    )


def test_price_is_units_times_the_fee() -> None:
    terms = _per_service(fees={"H0004": 2_250, "H0015": 18_000})
    priced = rules.price(
        [_line(code="H0004", kind="individual", units=3), _line(code="H0015")], terms
    )
    assert [(line.charge_cents, line.status) for line in priced] == [
        (6_750, LineStatus.READY),
        (18_000, LineStatus.READY),
    ]


def test_a_billable_line_without_a_fee_is_held() -> None:
    line = _only(rules.price([_line(code="90834", kind="individual")], _per_service()))
    assert (line.status, line.reasons, line.charge_cents) == (
        LineStatus.HELD,
        ("no fee for 90834 in the contract",),
        0,
    )


def test_a_held_line_without_a_fee_keeps_its_reason_and_gains_the_fee_reason() -> None:
    held = _line(code="90834", status=LineStatus.HELD, reasons=("no note, no claim: x",))
    line = _only(rules.price([held], _per_service()))
    assert line.reasons == ("no note, no claim: x", "no fee for 90834 in the contract")


def test_a_not_billable_line_is_never_held_for_a_fee() -> None:
    short = _line(code="", status=LineStatus.NOT_BILLABLE, reasons=("15 min: short",))
    assert rules.price([short], _per_service(fees={"90834": 100})) == [short]


# --- Authorizations -------------------------------------------------------------------


def _window(
    approved: int = 10,
    *,
    unit: UnitType = UnitType.DAY,
    used: int = 0,
    starts: int = 0,
    ends: int = 27,
    codes: tuple[str, ...] = (),
    key: str = "auth-1",
    number: str = "A-1",
) -> AuthWindow:
    return AuthWindow(
        key=key,
        number=number,
        starts_on=_day(starts),
        ends_on=_day(ends),
        approved_units=approved,
        unit_type=unit,
        used_before=used,
        codes=codes,
    )


def test_a_line_inside_a_window_carries_its_authorization() -> None:
    line = _only(rules.apply_authorizations([_line(3)], [_window()], required=True))
    assert (line.status, line.authorization, line.authorization_key) == (
        LineStatus.READY,
        "A-1",
        "auth-1",
    )


@pytest.mark.parametrize(
    "windows",
    [
        pytest.param([], id="no-window"),
        pytest.param([_window(starts=0, ends=6)], id="window-ended"),
        pytest.param([_window(starts=14, ends=27)], id="window-not-started"),
    ],
)
def test_a_line_outside_every_window_is_held_when_an_authorization_is_required(
    windows: list[AuthWindow],
) -> None:
    line = _line(9)
    held = _only(rules.apply_authorizations([line], windows, required=True))
    assert (held.status, held.reasons) == (
        LineStatus.HELD,
        ("no approved authorization covers 2026-03-11",),
    )
    assert _only(rules.apply_authorizations([line], windows, required=False)) == line


def test_a_window_includes_its_first_and_last_day() -> None:
    lines = [_line(2), _line(4)]
    found = rules.apply_authorizations(lines, [_window(starts=2, ends=4)], required=True)
    assert [line.status for line in found] == [LineStatus.READY, LineStatus.READY]


def test_two_lines_on_one_day_use_one_day_unit() -> None:
    lines = [_line(0), _line(0, code="90846", kind="family_without_client", minutes=50)]
    found = rules.apply_authorizations(lines, [_window(1)], required=True)
    assert [line.status for line in found] == [LineStatus.READY, LineStatus.READY]


def test_the_days_above_the_approved_units_are_held() -> None:
    """3 days approved, 2 used by earlier weeks: this week's first day fits, the next not."""
    found = rules.apply_authorizations(
        [_line(1), _line(0), _line(2)], [_window(3, used=2)], required=True
    )
    assert [(line.day, line.status) for line in found] == [
        (_day(0), LineStatus.READY),
        (_day(1), LineStatus.HELD),
        (_day(2), LineStatus.HELD),
    ]
    assert found[1].reasons == ("above the approved units: 3 of 3 days used (authorization A-1)",)


def test_a_window_without_a_number_says_so() -> None:
    line = _only(rules.apply_authorizations([_line()], [_window(0, number="")], required=True))
    assert line.reasons == (
        "above the approved units: 0 of 0 days used (authorization without a number)",
    )


def test_a_window_with_codes_covers_only_those_codes() -> None:
    lines = [_line(0, code="H0015"), _line(0, code="90834", kind="individual", minutes=45)]
    windows = [_window(codes=("H0015",))]
    by_code = {
        line.code: line for line in rules.apply_authorizations(lines, windows, required=True)
    }
    assert (by_code["H0015"].status, by_code["H0015"].authorization) == (LineStatus.READY, "A-1")
    assert by_code["90834"].status is LineStatus.HELD
    assert by_code["90834"].reasons == ("no approved authorization covers 2026-03-02",)
    assert by_code["90834"].authorization == ""


def test_a_second_window_covers_the_codes_the_first_does_not() -> None:
    lines = [_line(0, code="H0015"), _line(0, code="90834", kind="individual", minutes=45)]
    windows = [
        _window(codes=("H0015",)),
        _window(unit=UnitType.VISIT, codes=("90834",), key="auth-2", number="A-2"),
    ]
    found = {line.code: line for line in rules.apply_authorizations(lines, windows, required=True)}
    assert (found["H0015"].authorization, found["90834"].authorization) == ("A-1", "A-2")
    assert {line.status for line in found.values()} == {LineStatus.READY}


@pytest.mark.parametrize(
    "kind", [ServiceKind.PRESUMPTIVE_SCREEN.value, ServiceKind.DEFINITIVE_TEST.value]
)
def test_drug_tests_are_never_counted_against_an_authorization(kind: str) -> None:
    test = _line(0, code="80305", kind=kind, minutes=0)
    assert rules.apply_authorizations([test], [_window(0)], required=True) == [test]
    assert rules.apply_authorizations([test], [], required=True) == [test]


def test_a_not_billable_line_is_never_held_for_an_authorization() -> None:
    short = _line(0, status=LineStatus.NOT_BILLABLE, reasons=("IOP day short",))
    assert rules.apply_authorizations([short], [], required=True) == [short]
    assert rules.apply_authorizations([short], [_window(0)], required=True) == [short]


@pytest.mark.parametrize(
    ("line", "unit", "units"),
    [
        pytest.param(
            _line(code="H0004", kind="individual", units=3, minutes=45),
            UnitType.UNIT_15,
            3,
            id="H0004-its-units",
        ),
        pytest.param(
            _line(code="90834", kind="individual", minutes=50), UnitType.UNIT_15, 3, id="50-min-3"
        ),
        pytest.param(
            _line(code="90853", kind="group", minutes=10), UnitType.UNIT_15, 1, id="at-least-1"
        ),
        pytest.param(_line(), UnitType.SESSION, 1, id="session-1"),
        pytest.param(_line(), UnitType.VISIT, 1, id="visit-1"),
        pytest.param(_line(code="90853", kind="group"), UnitType.VISIT, 0, id="group-no-visit"),
    ],
)
def test_what_a_line_uses_of_an_authorization(line: Charge, unit: UnitType, units: int) -> None:
    assert rules.units_for(line, unit) == units


def test_fifteen_minute_units_above_the_approval_are_held() -> None:
    lines = [
        _line(0, code="H0004", kind="individual", units=2, minutes=30),
        _line(1, code="H0004", kind="individual", units=2, minutes=30),
    ]
    found = rules.apply_authorizations(lines, [_window(3, unit=UnitType.UNIT_15)], required=True)
    assert [line.status for line in found] == [LineStatus.READY, LineStatus.HELD]
    assert found[1].reasons == (
        "above the approved units: 2 of 3 15-minute units used (authorization A-1)",
    )


def test_groups_use_no_visits() -> None:
    lines = [
        _line(0, code="90853", kind="group", minutes=90),
        _line(0, code="90834", kind="individual"),
    ]
    found = rules.apply_authorizations(lines, [_window(0, unit=UnitType.VISIT)], required=True)
    assert {line.kind: line.status for line in found} == {
        "group": LineStatus.READY,
        "individual": LineStatus.HELD,
    }


@given(
    st.lists(st.integers(0, 13), min_size=1, max_size=12),
    st.integers(0, 10),
    st.integers(0, 10),
    st.data(),
)
def test_the_last_days_are_held_whatever_the_order_of_the_lines(
    offsets: list[int], approved: int, used: int, data: st.DataObject
) -> None:
    """Day units are used in date order: the held days all come after the kept ones, and
    every line of a day shares its day's status, however the lines arrive."""
    lines = [_line(offset, source=f"attendance:{n}") for n, offset in enumerate(offsets)]
    window = [_window(approved, used=min(used, approved))]
    shuffled = data.draw(st.permutations(lines))
    first = rules.apply_authorizations(lines, window, required=True)
    second = rules.apply_authorizations(shuffled, window, required=True)

    def statuses(found: list[Charge]) -> dict[tuple[str, ...], LineStatus]:
        return {line.sources: line.status for line in found}

    assert statuses(first) == statuses(second)
    by_day: dict[date, set[LineStatus]] = {}
    for line in first:
        by_day.setdefault(line.day, set()).add(line.status)
    assert all(len(found) == 1 for found in by_day.values())
    kept = [day for day, found in by_day.items() if LineStatus.READY in found]
    held = [day for day, found in by_day.items() if LineStatus.HELD in found]
    assert not kept or not held or max(kept) < min(held)
    assert len(kept) == min(len(by_day), approved - min(used, approved))


# --- Weeks and holds --------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(7), ids=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_every_day_of_a_week_maps_to_its_monday(offset: int) -> None:
    assert rules.week_of(_day(offset)) == MONDAY
    assert rules.week_of(_day(offset + 7)) == _day(7)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_week_of_is_the_monday_on_or_before_the_day(day: date) -> None:
    monday = rules.week_of(day)
    assert monday.weekday() == 0
    assert 0 <= (day - monday).days <= 6


def test_a_hold_does_not_repeat_its_reason() -> None:
    line = _line().hold("no fee").hold("no fee").hold("no note").hold("no fee")
    assert (line.status, line.reasons) == (LineStatus.HELD, ("no fee", "no note"))


def test_a_hold_leaves_a_not_billable_line_alone() -> None:
    short = _line(status=LineStatus.NOT_BILLABLE, reasons=("short",))
    assert short.hold("no fee") == short


def test_a_flag_does_not_change_the_status() -> None:
    line = _line().flag("look at this")
    assert (line.status, line.flags) == (LineStatus.READY, ("look at this",))
