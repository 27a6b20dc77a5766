"""A US address out of one free-text field: street, city, state and ZIP in parts, or
refused (never guessed) when the text is not in that shape."""

from __future__ import annotations

import pytest

from stepdown.kit.postal import STATES, PostalAddress, parse_us


@pytest.mark.parametrize(
    ("text", "address"),
    [
        pytest.param(
            "12 Oak Street, Springfield, IL 62701",
            PostalAddress("12 Oak Street", "Springfield", "IL", "62701"),
            id="one-street-line",
        ),
        pytest.param(
            "12 Oak Street, Apt 4, Springfield, IL 62701",
            PostalAddress("12 Oak Street", "Springfield", "IL", "62701", line2="Apt 4"),
            id="two-street-lines",
        ),
        pytest.param(
            "12 Oak Street, Springfield, IL 62701-1234",
            PostalAddress("12 Oak Street", "Springfield", "IL", "627011234"),
            id="zip-plus-4-hyphen",
        ),
        pytest.param(
            "12 Oak Street, Springfield, IL 627011234",
            PostalAddress("12 Oak Street", "Springfield", "IL", "627011234"),
            id="zip-plus-4-no-hyphen",
        ),
        pytest.param(
            "12 Oak Street, Springfield, il 62701",
            PostalAddress("12 Oak Street", "Springfield", "IL", "62701"),
            id="lower-case-state",
        ),
        pytest.param(
            "12 Oak Street\nApt 4\nSpringfield\nIL 62701",
            PostalAddress("12 Oak Street", "Springfield", "IL", "62701", line2="Apt 4"),
            id="newline-separated",
        ),
        pytest.param(
            "  12 Oak Street ,\r\n Springfield,,  IL   62701 \n",
            PostalAddress("12 Oak Street", "Springfield", "IL", "62701"),
            id="spaces-and-empty-parts-dropped",
        ),
        pytest.param(
            "1 Calle Luna, San Juan, PR 00901",
            PostalAddress("1 Calle Luna", "San Juan", "PR", "00901"),
            id="territory",
        ),
        pytest.param(
            "1600 Pennsylvania Ave NW, Washington, DC 20500",
            PostalAddress("1600 Pennsylvania Ave NW", "Washington", "DC", "20500"),
            id="district",
        ),
    ],
)
def test_an_address_in_parts(text: str, address: PostalAddress) -> None:
    assert parse_us(text) == address


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(" \n , ", id="blank"),
        pytest.param("12 Oak Street, Springfield, Illinois", id="no-state-zip"),
        pytest.param("12 Oak Street, Springfield, 62701", id="no-state"),
        pytest.param("12 Oak Street, Springfield, IL", id="no-zip"),
        pytest.param("12 Oak Street, Springfield, ZZ 62701", id="unknown-state"),
        pytest.param("12 Oak Street, Springfield, IL 6270", id="4-digit-zip"),
        pytest.param("12 Oak Street, Springfield, IL 627012", id="6-digit-zip"),
        pytest.param("12 Oak Street, Springfield, IL 62701-12", id="short-plus-4"),
        pytest.param("12 Oak Street, Springfield, IL 62701 USA", id="trailing-country"),
        pytest.param("Springfield, IL 62701", id="only-two-parts"),
        pytest.param("12 Oak Street Springfield IL 62701", id="one-part"),
        pytest.param("12 Oak Street, Apt 4, Building B, Springfield, IL 62701", id="five-parts"),
        pytest.param("12 Oak Street, Springfield IL 62701", id="city-not-separated"),
    ],
)
def test_other_text_is_refused(text: str) -> None:
    """A claim held for a correction is better than one with a guessed city or ZIP."""
    assert parse_us(text) is None


def test_every_state_code_is_two_upper_case_letters() -> None:
    assert len(STATES) == 56  # 50 states, DC and 5 territories (USPS Publication 28)
    assert all(len(s) == 2 and s.isascii() and s.isupper() for s in STATES)


@pytest.mark.parametrize(
    "zip_code",
    [
        pytest.param("\u0666\u0662\u0667\u0660\u0661", id="arabic-indic-digits"),
        pytest.param("\uff16\uff12\uff17\uff10\uff11", id="full-width-digits"),
    ],
)
def test_a_zip_in_other_than_ascii_digits_is_refused(zip_code: str) -> None:
    assert parse_us(f"12 Oak Street, Springfield, IL {zip_code}") is None
