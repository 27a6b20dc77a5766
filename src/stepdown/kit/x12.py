"""ASC X12 interchanges: reading segments out of one and writing the envelope around them.

The eligibility inquiry and response (270/271, 005010X279A1) and, later, the claim and the
remittance (837/835) travel in the same envelope: an ISA interchange header, a GS
functional group, ST transaction sets, and their trailers. The ISA header is the only
fixed-width segment, 106 characters, and it declares the interchange's own delimiters: the
character after "ISA" separates elements, ISA11 (from version 00402 on) separates
repetitions, ISA16 separates components, and the character right after ISA16 ends every
segment (ASC X12 interchange control structure; e.g. IBM Sterling "ISA Options", TIBCO
BusinessConnect "Delimiters", ECGrid error 1106 on ISA11). A reader must take them from
the ISA, never assume "*", ":" and "~".

This module knows no transaction set: ``coverage.x12_270`` writes inquiries and
``coverage.x12_271`` reads responses with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

ISA_LENGTH: Final = 106
# Characters X12 allows in data (the "extended character set" minus the delimiters we use).
_UNSAFE: Final = re.compile(r"[*:^~\r\n]")


class X12Error(ValueError):
    """The text is not an X12 interchange we can read; the message says where and why."""


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    repetition: str = "^"
    component: str = ":"
    segment: str = "~"


@dataclass(frozen=True)
class Segment:
    """One segment: its id and its elements (``elements[0]`` is the id's first element,
    i.e. ``NM101``). An element that carries components or repetitions is kept as the
    raw text; ``components`` splits it."""

    id: str
    elements: tuple[str, ...]
    delimiters: Delimiters

    def get(self, position: int) -> str:
        """Element ``position`` (1-based, as the implementation guides number them), or ""
        when the segment stops before it."""
        return self.elements[position - 1] if 0 < position <= len(self.elements) else ""

    def components(self, position: int) -> tuple[str, ...]:
        value = self.get(position)
        return tuple(value.split(self.delimiters.component)) if value else ()

    def repetitions(self, position: int) -> tuple[str, ...]:
        value = self.get(position)
        return tuple(value.split(self.delimiters.repetition)) if value else ()


def delimiters_of(text: str) -> Delimiters:
    """The delimiters an interchange declares in its ISA header."""
    start = text.lstrip("\ufeff \t\r\n")
    if not start.startswith("ISA") or len(start) < ISA_LENGTH:
        raise X12Error("not an X12 interchange: it must start with a 106-character ISA segment")
    element = start[3]
    fields = start[:ISA_LENGTH].split(element)
    if len(fields) != 17:
        raise X12Error("the ISA segment does not have 16 elements of fixed width")
    component = fields[16][:1]
    segment = start[ISA_LENGTH - 1]
    repetition = fields[11] if fields[12] >= "00402" else "^"
    found = Delimiters(element, repetition, component, segment)
    chars = [found.element, found.component, found.segment]
    if len(set(chars)) != len(chars) or any(c.isalnum() or c == " " for c in chars):
        raise X12Error("the ISA segment declares delimiters that clash or are letters/digits")
    return found


def parse(text: str) -> list[Segment]:
    """Every segment of an interchange, in order, with line breaks between segments
    ignored (many files put one segment per line). Raises ``X12Error`` on text that is
    not an interchange; it does not check the transaction set's structure."""
    delimiters = delimiters_of(text)
    body = text.lstrip("\ufeff \t\r\n")
    segments: list[Segment] = []
    for raw in body.split(delimiters.segment):
        raw = raw.strip("\r\n")
        if delimiters.segment not in "\r\n":
            raw = raw.strip()
        if not raw:
            continue
        parts = raw.split(delimiters.element)
        if not parts[0] or not parts[0].isalnum() or len(parts[0]) > 3:
            raise X12Error(f"segment {len(segments) + 1} has no valid segment id: {raw[:20]!r}")
        segments.append(Segment(parts[0], tuple(parts[1:]), delimiters))
    if segments[-1].id != "IEA":
        raise X12Error("the interchange has no IEA trailer: the file is cut short")
    return segments


def clean(value: str) -> str:
    """A value safe to write between our delimiters: upper case is not forced (X12 allows
    lower case in 5010), but a delimiter or line break in a name is replaced by a space."""
    return " ".join(_UNSAFE.sub(" ", value).split())


@dataclass(frozen=True)
class Party:
    """A sender or receiver of an interchange (ISA05/06 and ISA07/08): a qualifier such as
    "ZZ" (mutually defined) or "30" (US federal tax id) and an id of up to 15 characters."""

    qualifier: str
    id: str


@dataclass(frozen=True)
class Envelope:
    sender: Party
    receiver: Party
    interchange_control: int  # ISA13, 1-999999999, unique per sender
    group_control: int  # GS06
    functional_id: str  # GS01: "HS" for a 270, "HB" for a 271, "HC" for an 837
    version: str  # GS08: e.g. "005010X279A1"
    created_at: datetime  # local time of the sender
    production: bool = False  # ISA15: "P" or "T"


def render(
    envelope: Envelope,
    transactions: Sequence[Sequence[Sequence[str]]],
    delimiters: Delimiters = Delimiters(),
) -> str:
    """An interchange of one functional group holding ``transactions``, each a list of
    segments (id first, then elements; ST and SE are added here, numbered 0001, 0002, ...).
    Trailing empty elements are dropped, as X12 requires."""
    d = delimiters
    if not 0 < envelope.interchange_control < 10**9:
        raise X12Error("the interchange control number must be 1 to 999999999")
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender.qualifier.ljust(2),
        envelope.sender.id.ljust(15)[:15],
        envelope.receiver.qualifier.ljust(2),
        envelope.receiver.id.ljust(15)[:15],
        envelope.created_at.strftime("%y%m%d"),
        envelope.created_at.strftime("%H%M"),
        d.repetition,
        "00501",
        f"{envelope.interchange_control:09d}",
        "0",
        "P" if envelope.production else "T",
        d.component,
    ]
    lines = [d.element.join(isa)]
    gs = [
        "GS",
        envelope.functional_id,
        clean(envelope.sender.id),
        clean(envelope.receiver.id),
        envelope.created_at.strftime("%Y%m%d"),
        envelope.created_at.strftime("%H%M"),
        str(envelope.group_control),
        "X",
        envelope.version,
    ]
    lines.append(d.element.join(gs))
    set_id = {"HS": "270", "HB": "271", "HC": "837", "HP": "835"}.get(envelope.functional_id)
    if set_id is None:
        raise X12Error(f"unknown functional identifier {envelope.functional_id!r}")
    for number, segments in enumerate(transactions, start=1):
        control = f"{number:04d}"
        body = [["ST", set_id, control, envelope.version], *segments]
        lines.extend(_segment(s, d) for s in body)
        lines.append(_segment(["SE", str(len(body) + 1), control], d))
    lines.append(_segment(["GE", str(len(transactions)), str(envelope.group_control)], d))
    lines.append(_segment(["IEA", "1", f"{envelope.interchange_control:09d}"], d))
    return "".join(f"{line}{d.segment}\n" for line in lines)


def _segment(elements: Iterable[str], d: Delimiters) -> str:
    values = list(elements)
    while len(values) > 1 and values[-1] == "":
        values.pop()
    return d.element.join(values)
