"""The DSM-5-TR specifier rules against the ICD-10-CM code, the date rules, and the principal
diagnosis on a day.

The property tests check the rule table against an independent source: the inclusion terms
of the FY2026 tabular list, which name for each use-disorder code the DSM-5-TR severities
and remissions it covers ("Alcohol use disorder, mild, in early remission" under F10.11).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.diagnoses import codeset, rules
from stepdown.diagnoses.models import DiagnosisStatus, Remission, Severity
from stepdown.diagnoses.rules import Specifiers
from stepdown.kit.errors import Conflict, Invalid

Pair = tuple[Severity | None, Remission | None]


def _named_by_terms(code: str) -> set[Pair] | None:
    """The (severity, remission) pairs the code's inclusion terms name; None when they name
    no use disorder. DSM-5-TR codes moderate and severe alike everywhere (F12.20 lists
    both), so a term naming one stands for both: the tabular list is not always complete
    (F11.24 lists only "moderate")."""
    terms = [t for t in codeset.inclusion_terms(code) if "use disorder" in t.lower()]
    if not terms:
        return None
    if all("without use disorder" in t for t in terms):
        return {(None, None)}
    pairs: set[Pair] = set()
    for term in terms:
        severity = re.search(r"\b(mild|moderate|severe)\b", term)
        assert severity, term
        remission = (
            Remission.EARLY
            if "early remission" in term
            else Remission.SUSTAINED
            if "sustained remission" in term
            else None
        )
        named = Severity(severity.group(1))
        if named is Severity.MILD:
            pairs.add((named, remission))
        else:
            pairs.update({(Severity.MODERATE, remission), (Severity.SEVERE, remission)})
    return pairs


SUD_CODES = [c.code for c in codeset.billable_codes("F1") if c.code[:3] in rules.CLASSES]
WITH_TERMS = {code: named for code in SUD_CODES if (named := _named_by_terms(code)) is not None}
OTHER_CODES = [
    c.code
    for prefix in ("F32", "F41", "F43", "F90", "Z72", "I10", "S72.001", "F20", "F63")
    for c in codeset.billable_codes(prefix)
]


FIELDS = ("severity", "remission", "controlled_environment", "maintenance_therapy")


def _refusal(code: str, spec: Specifiers) -> str | None:
    """The field a refusal names, or None when the specifiers are accepted."""
    try:
        rules.check_specifiers(code, spec)
    except Invalid as exc:
        return exc.field or "(none)"
    return None


def _accepts(code: str, spec: Specifiers) -> bool:
    field = _refusal(code, spec)
    assert field is None or field in FIELDS, field
    return field is None


def test_the_tabular_list_names_use_disorders_for_every_class() -> None:
    """The oracle covers each substance class, so the properties below test them all."""
    assert {code[:3] for code in WITH_TERMS} == set(rules.CLASSES)
    assert len(WITH_TERMS) > 100


severities = st.sampled_from([None, *Severity])
remissions = st.sampled_from([None, *Remission])


@given(
    code=st.sampled_from(sorted(WITH_TERMS)),
    severity=severities,
    remission=remissions,
)
def test_severity_and_remission_agree_with_the_code_set(
    code: str, severity: Severity | None, remission: Remission | None
) -> None:
    accepted = _accepts(code, Specifiers(severity, remission))
    assert accepted == ((severity, remission) in WITH_TERMS[code])


@given(
    code=st.sampled_from(sorted(WITH_TERMS)),
    severity=severities,
    remission=remissions,
    controlled=st.booleans(),
    maintenance=st.booleans(),
)
def test_further_specifiers_need_a_remission_and_maintenance_a_class_that_has_it(
    code: str,
    severity: Severity | None,
    remission: Remission | None,
    controlled: bool,
    maintenance: bool,
) -> None:
    accepted = _accepts(code, Specifiers(severity, remission, controlled, maintenance))
    base_ok = (severity, remission) in WITH_TERMS[code]
    further_ok = (not controlled or remission is not None) and (
        not maintenance or (remission is not None and code[:3] in ("F11", "F17"))
    )
    assert accepted == (base_ok and further_ok)


@given(
    code=st.sampled_from(OTHER_CODES),
    severity=severities,
    remission=remissions,
    controlled=st.booleans(),
    maintenance=st.booleans(),
)
def test_other_codes_take_no_specifiers(
    code: str,
    severity: Severity | None,
    remission: Remission | None,
    controlled: bool,
    maintenance: bool,
) -> None:
    spec = Specifiers(severity, remission, controlled, maintenance)
    assert _accepts(code, spec) == (not spec.given())


@pytest.mark.parametrize(
    ("code", "spec", "field", "message"),
    [
        (
            "F10.20",
            Specifiers(Severity.MILD),
            "severity",
            "a mild alcohol use disorder codes to F10.1-",
        ),
        ("F11.10", Specifiers(Severity.SEVERE), "severity", "codes to F11.2-"),
        ("F12.20", Specifiers(), "severity", "give its current severity"),
        ("F10.20", Specifiers(Severity.SEVERE, Remission.EARLY), "remission", "codes to F10.21"),
        ("F10.10", Specifiers(Severity.MILD, Remission.SUSTAINED), "remission", "codes to F10.11"),
        ("F17.210", Specifiers(Severity.MILD, Remission.EARLY), "remission", "codes to F17.211"),
        ("F11.21", Specifiers(Severity.SEVERE), "remission", "early or sustained"),
        (
            "F11.20",
            Specifiers(Severity.SEVERE, maintenance_therapy=True),
            "maintenance_therapy",
            "further specifies a remission",
        ),
        (
            "F10.21",
            Specifiers(Severity.SEVERE, Remission.EARLY, maintenance_therapy=True),
            "maintenance_therapy",
            "only for opioid and tobacco",
        ),
        (
            "F14.20",
            Specifiers(Severity.MODERATE, controlled_environment=True),
            "controlled_environment",
            "further specifies a remission",
        ),
        ("F41.1", Specifiers(Severity.MILD), "severity", "not a substance use disorder code"),
        ("F41.1", Specifiers(remission=Remission.EARLY), "remission", "leave the"),
        ("F10.90", Specifiers(Severity.MILD), "severity", "without a use disorder"),
    ],
)
def test_a_mismatch_is_refused_naming_the_field(
    code: str, spec: Specifiers, field: str, message: str
) -> None:
    with pytest.raises(Invalid, match=re.escape(message)) as refused:
        rules.check_specifiers(code, spec)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("code", "spec"),
    [
        ("F10.10", Specifiers(Severity.MILD)),
        ("F10.11", Specifiers(Severity.MILD, Remission.EARLY, controlled_environment=True)),
        ("F11.21", Specifiers(Severity.SEVERE, Remission.SUSTAINED, maintenance_therapy=True)),
        ("F11.24", Specifiers(Severity.SEVERE)),
        ("F17.200", Specifiers(Severity.MILD)),
        ("F17.211", Specifiers(Severity.MODERATE, Remission.EARLY, True, True)),
        ("F10.930", Specifiers()),
        ("F32.1", Specifiers()),
    ],
)
def test_agreeing_specifiers_are_accepted(code: str, spec: Specifiers) -> None:
    rules.check_specifiers(code, spec)


def test_specifiers_read_as_dsm_writes_them() -> None:
    spec = Specifiers(Severity.SEVERE, Remission.EARLY, True, True)
    assert rules.specifier_label(spec) == (
        "severe, in early remission, in a controlled environment, on maintenance therapy"
    )
    assert rules.specifier_label(Specifiers()) == ""


DAY = date(2026, 3, 10)


def test_date_diagnosed() -> None:
    rules.check_diagnosed_on(DAY, today=DAY, discharged_on=None)
    with pytest.raises(Invalid, match="future") as ahead:
        rules.check_diagnosed_on(DAY + timedelta(days=1), today=DAY, discharged_on=None)
    assert ahead.value.field == "diagnosed_on"
    with pytest.raises(Invalid, match="after it"):
        rules.check_diagnosed_on(DAY, today=DAY, discharged_on=DAY - timedelta(days=1))


def test_end_date() -> None:
    made = DAY - timedelta(days=20)
    rules.check_end(made, diagnosed_on=made, today=DAY)
    for day, message in (
        (DAY + timedelta(days=1), "future"),
        (made - timedelta(days=1), "before it"),
    ):
        with pytest.raises(Invalid, match=message) as refused:
            rules.check_end(day, diagnosed_on=made, today=DAY)
        assert refused.value.field == "on"
    with pytest.raises(Invalid, match="principal diagnosis since"):
        rules.check_end(
            made + timedelta(days=2),
            diagnosed_on=made,
            today=DAY,
            principal_since=made + timedelta(days=3),
        )


@given(
    made=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    since_offset=st.integers(min_value=-30, max_value=30),
)
def test_a_new_principal_starts_no_earlier_than_the_current_one(
    made: date, since_offset: int
) -> None:
    since = made + timedelta(days=since_offset)
    start = rules.principal_start_for_new(made, since)
    assert start >= made
    assert start >= since
    assert start in (made, since)
    assert rules.principal_start_for_new(made, None) == made


def test_principal_from() -> None:
    made = DAY - timedelta(days=10)
    rules.check_principal_from(DAY, diagnosed_on=made, today=DAY, current_since=made)
    with pytest.raises(Invalid, match="choose that day or later"):
        rules.check_principal_from(
            made + timedelta(days=1), diagnosed_on=made, today=DAY, current_since=DAY
        )
    with pytest.raises(Invalid, match="cannot be principal before"):
        rules.check_principal_from(
            made - timedelta(days=1), diagnosed_on=made, today=DAY, current_since=None
        )


@given(
    starts=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6, unique=True),
    probe=st.integers(min_value=-5, max_value=70),
)
def test_consecutive_periods_give_one_principal_a_day(starts: list[int], probe: int) -> None:
    """Periods as the service makes them (each new one closes the one before on its first
    day) never overlap: every day from the first has exactly the latest one started."""
    ordered = sorted(starts)
    ids = [uuid.uuid4() for _ in ordered]
    days = [DAY + timedelta(days=n) for n in ordered]
    periods = [
        rules.Period(ids[i], days[i], days[i + 1] if i + 1 < len(days) else None)
        for i in range(len(days))
    ]
    day = DAY + timedelta(days=probe)
    covering = [p for p in periods if p.covers(day)]
    assert len(covering) == (0 if day < days[0] else 1)
    expected = max((i for i, d in enumerate(days) if d <= day), default=None)
    assert rules.principal_on(periods, day) == (ids[expected] if expected is not None else None)


def test_current_on() -> None:
    made = DAY - timedelta(days=5)
    assert rules.current_on(DiagnosisStatus.ACTIVE, made, None, DAY)
    assert not rules.current_on(DiagnosisStatus.ACTIVE, made, None, made - timedelta(days=1))
    assert rules.current_on(DiagnosisStatus.RESOLVED, made, DAY, DAY - timedelta(days=1))
    assert not rules.current_on(DiagnosisStatus.RESOLVED, made, DAY, DAY)
    assert not rules.current_on(DiagnosisStatus.ENTERED_IN_ERROR, made, None, DAY)


def test_only_an_active_diagnosis_changes() -> None:
    rules.require_active(DiagnosisStatus.ACTIVE)
    with pytest.raises(Conflict) as ended:
        rules.require_active(DiagnosisStatus.RULED_OUT)
    assert ended.value.rule == rules.NOT_CURRENT
    with pytest.raises(Conflict) as voided:
        rules.require_active(DiagnosisStatus.ENTERED_IN_ERROR)
    assert voided.value.rule == rules.ALREADY_IN_ERROR


def test_a_reason_is_required_and_bounded() -> None:
    assert rules.require_reason("  wrong   client ") == "wrong client"
    with pytest.raises(Invalid) as empty:
        rules.require_reason("   ")
    assert empty.value.field == "reason"
    with pytest.raises(Invalid, match="at most"):
        rules.require_reason("x" * (rules.REASON_MAX + 1))
