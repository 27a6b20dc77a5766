"""A US postal address out of the one free-text field the program keeps for a person.

Intake types an address as people say it ("12 Oak Street, Apt 4, Springfield, IL 62701");
a claim needs it in parts (street, city, two-letter state, ZIP). The last comma-separated
part must be "ST 12345" or "ST 12345-6789"; the one before it is the city; the rest is
the street (one or two lines). Anything else is refused, never guessed: a claim with a
made-up city is worse than one held for a correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# USPS two-letter codes of the states, DC and the territories (USPS Publication 28, app. B).
STATES: Final = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    ]
)
_STATE_ZIP: Final = re.compile(r"\A([A-Za-z]{2})\s+([0-9]{5})(?:-?([0-9]{4}))?\Z")


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    city: str
    state: str
    zip: str  # 5 or 9 digits
    line2: str = ""


def parse_us(text: str) -> PostalAddress | None:
    """The address in parts, or None when the text is not street, city, state and ZIP."""
    parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
    if len(parts) < 3 or len(parts) > 4:
        return None
    match = _STATE_ZIP.match(parts[-1])
    if match is None or match.group(1).upper() not in STATES:
        return None
    state, zip5, plus4 = match.group(1).upper(), match.group(2), match.group(3) or ""
    street = parts[:-2]
    return PostalAddress(
        line1=street[0],
        line2=street[1] if len(street) > 1 else "",
        city=parts[-2],
        state=state,
        zip=zip5 + plus4,
    )
