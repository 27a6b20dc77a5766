"""Which records are likely the same person, and how long a merge may be undone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.clients import rules
from stepdown.clients.rules import Identity

JON = Identity("Jon", "Smith", date(1990, 4, 7), "555-010-2345")


def test_a_spelling_variant_with_the_same_birth_date_matches() -> None:
    reasons = rules.match_reasons(JON, Identity("John", "Smith", date(1990, 4, 7)))
    assert reasons
    assert "date of birth" in reasons[0]


def test_first_and_last_typed_in_each_others_boxes_match() -> None:
    assert rules.match_reasons(JON, Identity("Smith", "Jon", date(1990, 4, 7)))


def test_day_and_month_swapped_match() -> None:
    reasons = rules.match_reasons(JON, Identity("Jon", "Smith", date(1990, 7, 4)))
    assert reasons == ("same name; date of birth with day and month swapped",)


def test_phone_and_birth_date_match_whatever_the_name() -> None:
    other = Identity("Jane", "Doe", date(1990, 4, 7), "+1 (555) 010 2345")
    assert rules.match_reasons(JON, other) == ("same phone and date of birth, different name",)


def test_a_different_person_born_the_same_day_does_not_match() -> None:
    assert rules.match_reasons(JON, Identity("Mary", "Jones", date(1990, 4, 7))) == ()


def test_the_same_name_born_another_year_does_not_match() -> None:
    assert rules.match_reasons(JON, Identity("Jon", "Smith", date(1991, 4, 7))) == ()


def test_preferred_name_counts_as_a_first_name() -> None:
    william = Identity("William", "Ortiz", date(1985, 2, 3))
    bill = Identity("Bill", "Ortiz", date(1985, 2, 3), preferred_name="Billy")
    assert rules.match_reasons(Identity("Billy", "Ortiz", date(1985, 2, 3)), bill)
    assert not rules.match_reasons(william, Identity("Bill", "Ortiz", date(1985, 2, 3)))


def test_names_are_compared_without_accents_case_or_punctuation() -> None:
    assert rules.normal_name("  O'Brien-Núñez ") == "obrien nunez"
    assert rules.match_reasons(
        Identity("José", "O'Brien", date(2000, 1, 20)),
        Identity("jose", "OBRIEN", date(2000, 1, 20)),
    ) == ("same name and date of birth",)


def test_phone_digits_ignore_separators_and_the_country_code() -> None:
    assert rules.phone_digits("+1 (555) 010-2345") == rules.phone_digits("555.010.2345")
    assert rules.phone_digits("12") == ""


def test_swapped_day_month_only_where_it_is_another_real_date() -> None:
    assert rules.swapped_day_month(date(1990, 4, 7)) == date(1990, 7, 4)
    assert rules.swapped_day_month(date(1990, 4, 13)) is None
    assert rules.swapped_day_month(date(1990, 5, 5)) is None


names = st.text(min_size=0, max_size=40)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


@given(names, names, days, st.text(max_size=30))
def test_a_record_always_matches_itself(first: str, last: str, born: date, phone: str) -> None:
    person = Identity(first, last, born, phone)
    if rules.normal_name(f"{first} {last}"):
        assert rules.match_reasons(person, person)


@given(names, names, days, names, names, days)
def test_matching_is_symmetric(f1: str, l1: str, d1: date, f2: str, l2: str, d2: date) -> None:
    a, b = Identity(f1, l1, d1), Identity(f2, l2, d2)
    assert bool(rules.match_reasons(a, b)) == bool(rules.match_reasons(b, a))


def test_undo_window_is_thirty_days() -> None:
    merged = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert rules.undo_refusal(merged, None, merged + timedelta(days=30)) is None
    late = rules.undo_refusal(merged, None, merged + timedelta(days=30, seconds=1))
    assert late is not None
    assert "30 days" in late
    assert rules.undo_refusal(merged, merged, merged) == "This merge has already been undone."
