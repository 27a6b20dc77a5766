"""Identifiers the program is known by outside: the National Provider Identifier.

An NPI is ten digits, the first 1 or 2, the last a Luhn check digit computed as if the
number were prefixed by 80840, which adds the constant 24 to the sum (CMS, "Requirements
for NPI Check Digit", 2010). The eligibility inquiry and, later, the claim carry it.
"""

from __future__ import annotations

import re
from typing import Final

NPI_FORM: Final = re.compile(r"[12][0-9]{9}")
_PREFIX_SUM: Final = 24  # the Luhn sum of the 80840 prefix


def npi_is_valid(npi: str) -> bool:
    """Whether ``npi`` has the NPI's form and check digit."""
    if not NPI_FORM.fullmatch(npi):
        return False
    total = _PREFIX_SUM
    for position, digit in enumerate(int(d) for d in reversed(npi[:9])):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10 == int(npi[9])
