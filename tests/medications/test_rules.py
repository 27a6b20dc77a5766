"""The medication table: which analytes a prescription as written explains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.drug_testing.models import Analyte
from stepdown.kit.errors import Invalid
from stepdown.medications import rules
from stepdown.medications.synonyms import OTHER_NAMES

A = Analyte


@pytest.mark.parametrize(
    ("written", "analytes", "is_mat"),
    [
        ("Suboxone 8 mg/2 mg", {A.BUPRENORPHINE}, True),
        ("buprenorphine/naloxone 12 mg/3 mg", {A.BUPRENORPHINE}, True),
        ("  SUBLOCADE  300 mg ", {A.BUPRENORPHINE}, True),
        ("Methadone 80 mg", {A.METHADONE}, True),
        ("Vivitrol 380 mg", set(), True),
        ("Naltrexone", set(), True),
        ("Clonazepam 0.5 mg", {A.BENZODIAZEPINES}, False),
        ("Lisdexamfetamine 30 mg", {A.AMPHETAMINES}, False),
        ("Adderall XR 20 mg", {A.AMPHETAMINES}, False),
        ("Oxycodone 5 mg", {A.OXYCODONE, A.OPIATES}, False),
        # A combination reads as the ingredient it starts with (the drug test sees that one).
        ("Hydrocodone/acetaminophen", {A.OPIATES}, False),
        ("Oxycodone and acetaminophen 5 mg/325 mg", {A.OXYCODONE, A.OPIATES}, False),
        ("Hydrocodone 10 mg", {A.OPIATES}, False),
        ("Codeine", {A.OPIATES}, False),
        ("Fentanyl patch 25 mcg/h", {A.FENTANYL}, False),
        ("Sertraline 50 mg", set(), False),
        ("Methadonex", set(), False),  # a prefix of a word is not the medication
    ],
)
def test_the_table_reads_a_prescription_as_written(
    written: str, analytes: set[Analyte], is_mat: bool
) -> None:
    explains = rules.explains(written, analytes=None, is_mat=None)
    assert (set(explains.analytes), explains.is_mat) == (analytes, is_mat)


def test_given_analytes_and_mat_flag_override_the_table() -> None:
    explains = rules.explains("Suboxone", analytes=[A.OPIATES], is_mat=False)
    assert (set(explains.analytes), explains.is_mat) == ({A.OPIATES}, False)
    assert rules.explains("Suboxone", analytes=[], is_mat=None).analytes == frozenset()


@pytest.mark.parametrize(
    ("name", "analytes", "field"),
    [("", None, "name"), ("   ", None, "name"), ("Tincture", [A.ALCOHOL], "analytes")],
)
def test_refusals_name_the_field(name: str, analytes: list[Analyte] | None, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.explains(name, analytes=analytes, is_mat=None)
    assert refused.value.field == field


def test_no_table_entry_explains_alcohol_and_suggestions_cover_the_table() -> None:
    assert all(A.ALCOHOL not in m.analytes for m in rules.KNOWN.values())
    assert set(rules.suggestions()) >= set(rules.KNOWN)


@pytest.mark.parametrize(
    ("written", "generic", "analytes", "is_mat"),
    [
        ("Methadose 40 mg dispersible", "methadone", {A.METHADONE}, True),
        ("Dolophine 10 mg", "methadone", {A.METHADONE}, True),
        ("Diskets", "methadone", {A.METHADONE}, True),
        ("Methadone Intensol 10 mg/mL", "methadone", {A.METHADONE}, True),
        # Labelled for pain, not opioid use disorder: explains buprenorphine, not MAT.
        ("Belbuca 150 mcg buccal film", "buprenorphine", {A.BUPRENORPHINE}, False),
        ("Butrans 10 mcg/hour patch", "buprenorphine", {A.BUPRENORPHINE}, False),
        ("Sublocade 300 mg", "buprenorphine", {A.BUPRENORPHINE}, True),
        ("buprenorphine", "buprenorphine", {A.BUPRENORPHINE}, True),
        ("Buprenorphine-Naloxone 8 mg-2 mg", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("buprenorphine-naloxone 8-2 mg", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("BUPRENORPHINE AND NALOXONE", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("buprenorphine with naloxone", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("buprenorphine – naloxone", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("bup/nx 8/2", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("Suboxone® film", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("Suboxone™ 8mg/2mg film", "buprenorphine-naloxone", {A.BUPRENORPHINE}, True),
        ("Ｍｅｔｈａｄｏｓｅ", "methadone", {A.METHADONE}, True),  # full width
        ("Revia\u00a050\u00a0mg", "naltrexone", set(), True),
        ("Campral", "acamprosate", set(), True),
        ("Hysingla ER 20 mg", "hydrocodone", {A.OPIATES}, False),
        ("Fentora 100 mcg", "fentanyl", {A.FENTANYL}, False),
        ("Syndros 5 mg/mL", "dronabinol", {A.CANNABINOIDS}, False),
    ],
)
def test_brands_and_spellings_find_their_generic(
    written: str, generic: str, analytes: set[Analyte], is_mat: bool
) -> None:
    known = rules.lookup(written)
    assert known is not None, written
    assert rules.recognised(written)
    assert (known.name, set(known.analytes), known.is_mat) == (generic, analytes, is_mat)
    explains = rules.explains(written, analytes=None, is_mat=None)
    assert (set(explains.analytes), explains.is_mat) == (analytes, is_mat)


@pytest.mark.parametrize("written", ["Foozamine", "Foozamine 10 mg", "Methadonex", "SuboxoneTM"])
def test_an_unknown_name_is_not_recognised_and_explains_nothing(written: str) -> None:
    assert not rules.recognised(written)
    explains = rules.explains(written, analytes=None, is_mat=None)
    assert (explains.analytes, explains.is_mat) == (frozenset(), False)


def test_every_name_is_one_key_and_every_generic_is_in_the_table() -> None:
    """A name listed twice would silently take whichever entry came last."""
    generics = {m.name for m in rules.KNOWN.values()}
    assert set(OTHER_NAMES) <= generics
    others = [rules.normalize(n) for names in OTHER_NAMES.values() for n in names]
    assert len(others) == len(set(others))
    assert not set(others) & generics
    assert len(rules.KNOWN) == len(generics) + len(others)
    assert all(rules.normalize(key) == key for key in rules.KNOWN)


_STRENGTH = st.from_regex(
    r"\A[0-9]{1,3}(\.[0-9])? ?(mg|mcg|mL|mg/mL)(/[0-9]{1,2} ?mg)?"
    r"( (tablet|film|patch|capsule|ER|XR|dispersible|daily))?\Z"
)


@given(
    flips=st.integers(min_value=0, max_value=2**64 - 1),
    strength=st.one_of(st.just(""), _STRENGTH.map(lambda text: " " + text)),
)
def test_case_and_trailing_strength_never_change_the_lookup(flips: int, strength: str) -> None:
    """For every key: upper-casing any of its letters and adding a strength or form after it
    still finds the same entry."""
    for key in rules.KNOWN:
        recased = "".join(c.upper() if flips >> i & 1 else c for i, c in enumerate(key))
        assert rules.lookup(recased + strength) is rules.KNOWN[key], recased + strength
