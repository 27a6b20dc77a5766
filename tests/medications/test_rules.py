"""The medication table: which analytes a prescription as written explains."""

from __future__ import annotations

import pytest

from stepdown.drug_testing.models import Analyte
from stepdown.kit.errors import Invalid
from stepdown.medications import rules

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
        ("Hydrocodone/acetaminophen", set(), False),  # not a whole-word match: nothing
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
