"""270 inquiries for the clearinghouse tests, written with kit.x12 (not with the 270
writer under test elsewhere), and small readers of the 271 segments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from stepdown.kit.x12 import Envelope, Party, Segment, parse, render

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
TRACE = "STEPDOWN-0042"
ORIGINATOR = "9123456789"
PAYER_ID = "SIMPAYER"
NPI = "1999999984"


@dataclass(frozen=True)
class Dependent:
    last: str = "RIVERA"
    first: str = "LUIS"
    birth_date: str = "20100607"


def build_270(
    member_id: str,
    *,
    last: str = "RIVERA",
    first: str = "ANA",
    birth_date: str = "19850214",
    dependent: Dependent | None = None,
    service_types: Sequence[str] = ("30", "MH"),
    service_date: tuple[str, str] = ("D8", "20260302"),
) -> str:
    inquiry = [
        ["DTP", "291", *service_date],
        ["EQ", "^".join(service_types)],
    ]
    trace = ["TRN", "1", TRACE, ORIGINATOR]
    body: list[list[str]] = [
        ["BHT", "0022", "13", "REF42", "20260302", "0930"],
        ["HL", "1", "", "20", "1"],
        ["NM1", "PR", "2", "SIMULATED PAYER", "", "", "", "", "PI", PAYER_ID],
        ["HL", "2", "1", "21", "1"],
        ["NM1", "1P", "2", "STEP DOWN RECOVERY", "", "", "", "", "XX", NPI],
        ["HL", "3", "2", "22", "1" if dependent else "0"],
        *([] if dependent else [trace]),
        ["NM1", "IL", "1", last, first, "", "", "", "MI", member_id],
        ["DMG", "D8", birth_date, "F"],
    ]
    if dependent is None:
        body += inquiry
    else:
        body += [
            ["HL", "4", "3", "23", "0"],
            trace,
            ["NM1", "03", "1", dependent.last, dependent.first],
            ["DMG", "D8", dependent.birth_date, "M"],
            *inquiry,
        ]
    envelope = Envelope(
        sender=Party("ZZ", "STEPDOWN"),
        receiver=Party("ZZ", "SIMULATOR"),
        interchange_control=42,
        group_control=42,
        functional_id="HS",
        version="005010X279A1",
        created_at=NOW,
    )
    return render(envelope, [body])


def segments_of(text: str, segment_id: str) -> list[Segment]:
    return [s for s in parse(text) if s.id == segment_id]


def loop(text: str, level: str) -> list[Segment]:
    """The segments of the HL whose level code (HL03) is ``level``, up to the next HL."""
    found: list[Segment] = []
    inside = False
    for segment in parse(text):
        if segment.id == "HL":
            inside = segment.get(3) == level
        elif inside and segment.id not in ("SE", "GE", "IEA"):
            found.append(segment)
    return found


def benefit_lines(segments: Sequence[Segment]) -> list[tuple[str, ...]]:
    """The EB segments as element tuples, for comparison with what a scenario promises."""
    return [s.elements for s in segments if s.id == "EB"]
