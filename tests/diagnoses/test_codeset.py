"""The ICD-10-CM code set: billable codes are accepted with or without their dot, anything
else is refused saying why, and the release is the one the module says it is."""

from __future__ import annotations

import pytest

from stepdown.diagnoses import codeset


@pytest.mark.parametrize("typed", ["F10.20", "F1020", "f10.20", " F10 .20 "])
def test_a_billable_code_with_or_without_its_dot(typed: str) -> None:
    info = codeset.lookup(typed)
    assert info.code == "F10.20"
    assert info.description == "Alcohol dependence, uncomplicated"


def test_a_seven_character_code_is_billable_and_its_stem_is_not() -> None:
    assert codeset.lookup("S72001A").code == "S72.001A"
    with pytest.raises(codeset.NotACode, match=r"S72\.001 is a category"):
        codeset.lookup("S72.001")


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("F10", "F10 is a category, not a billable code: choose a code under it such as F10.10"),
        ("F10.2", "F10.2 is a category"),
        ("F10.23", "such as F10.230"),
        ("F10.5", "F10.5 is not a code of the code set"),
        ("F1O.20", "is not a code of the code set"),
        ("F10-F19", "enter an ICD-10-CM code"),
        ("alcohol", "enter an ICD-10-CM code"),
        ("F10.20.1", "enter an ICD-10-CM code"),
        ("", "enter an ICD-10-CM code"),
    ],
)
def test_what_is_not_a_billable_code_is_refused_saying_why(typed: str, why: str) -> None:
    with pytest.raises(codeset.NotACode, match=why.replace(".", r"\.")):
        codeset.lookup(typed)
    assert codeset.describe(typed) is None


def test_the_release_is_the_one_named() -> None:
    package = codeset._package()
    assert package.simple_icd_10_cm._classification_data_package_file_name == (
        "icd10c-tabular-April-1-2026.xml"
    )
    assert "FY2026" in codeset.CODE_SET


def test_search_by_code_prefix_and_by_words() -> None:
    by_code = codeset.search("f11.2", limit=5)
    assert by_code
    assert all(c.code.startswith("F11.2") for c in by_code)
    assert len(by_code) == 5
    by_words = codeset.search("generalized anxiety", limit=10)
    assert [c.code for c in by_words] == ["F41.1"]
    assert codeset.search("   ", limit=10) == []


def test_every_search_result_is_a_billable_code() -> None:
    for found in codeset.search("opioid dependence", limit=50):
        assert codeset.lookup(found.code) == found
