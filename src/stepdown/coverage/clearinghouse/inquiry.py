"""The parts of a 270 that a route to the payer needs to read back: who asks whom about
whom. The simulator answers from them and the JSON adapter re-expresses them in a vendor's
fields; both take the inquiry as the X12 text our writer produced, never a second model.

Loops as in 005010X279A1: HL 20 information source (2100A NM1*PR), HL 21 information
receiver (2100B NM1*1P), HL 22 subscriber (2000C TRN, 2100C NM1*IL, DMG, 2110C DTP*291 and
EQ), HL 23 dependent (2000D TRN, 2100D NM1*03, DMG, 2110D DTP*291 and EQ).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stepdown.kit.x12 import Party, Segment, X12Error, parse


@dataclass(frozen=True)
class Name:
    """An NM1 segment's name and identifier (NM102 1 person, 2 organization)."""

    entity_type: str
    last_or_organization: str
    first: str = ""
    middle: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""

    @classmethod
    def of(cls, nm1: Segment) -> Name:
        return cls(
            entity_type=nm1.get(2),
            last_or_organization=nm1.get(3),
            first=nm1.get(4),
            middle=nm1.get(5),
            suffix=nm1.get(7),
            id_qualifier=nm1.get(8),
            id=nm1.get(9),
        )


@dataclass(frozen=True)
class Trace:
    """A TRN segment: the trace number, the id of the company that assigned it and an
    optional supplemental id (TRN02-04)."""

    number: str
    originator: str
    supplemental: str = ""


@dataclass
class Person:
    """The subscriber or the dependent, with what the inquiry says about them."""

    name: Name
    birth_date: str = ""  # DMG02, CCYYMMDD
    gender: str = ""  # DMG03
    traces: list[Trace] = field(default_factory=list)
    service_types: list[str] = field(default_factory=list)  # EQ01 repetitions
    service_date_format: str = ""  # DTP02: D8 or RD8
    service_date: str = ""  # DTP03


@dataclass
class Inquiry:
    sender: Party  # ISA05/06
    receiver: Party  # ISA07/08
    interchange_control: int  # ISA13
    reference: str  # BHT03, echoed by the 271
    payer: Name
    provider: Name
    subscriber: Person
    dependent: Person | None = None

    @property
    def patient(self) -> Person:
        return self.dependent or self.subscriber


def read_270(text: str) -> Inquiry:
    """The inquiry's parts; ``X12Error`` when the text is not a 270 naming a payer, a
    provider and a subscriber. Only the first inquiry of the interchange is read: a
    real-time 270 carries one patient (CAQH CORE real-time mode)."""
    segments = parse(text)
    isa = segments[0]
    sets = [s.get(1) for s in segments if s.id == "ST"]
    if sets[:1] != ["270"]:
        raise X12Error(f"not a 270 inquiry (transaction sets: {', '.join(sets) or 'none'})")
    names: dict[str, Name] = {}
    people: dict[str, Person] = {}
    traces: list[Trace] = []  # 2000C/D TRN come before the loop's NM1
    reference = ""
    level = ""
    for segment in segments:
        match segment.id:
            case "BHT":
                reference = segment.get(3)
            case "HL":
                level, traces = segment.get(3), []
                if level in people:  # a second subscriber or dependent: another inquiry
                    break
            case "NM1" if level in ("20", "21"):
                names.setdefault(level, Name.of(segment))
            case "TRN" if level in ("22", "23"):
                traces.append(Trace(segment.get(2), segment.get(3), segment.get(4)))
            case "NM1" if level in ("22", "23") and level not in people:
                people[level] = Person(Name.of(segment), traces=traces)
            case "DMG" | "DTP" | "EQ" if level in people:
                _read_detail(people[level], segment)
    missing = [what for key, what in (("20", "payer"), ("21", "provider")) if key not in names]
    if "22" not in people:
        missing.append("subscriber")
    if missing:
        raise X12Error(f"the 270 names no {' and no '.join(missing)}")
    if not isa.get(13).isdigit():
        raise X12Error(f"the interchange control number (ISA13) {isa.get(13)!r} is not a number")
    return Inquiry(
        sender=Party(isa.get(5).strip(), isa.get(6).strip()),
        receiver=Party(isa.get(7).strip(), isa.get(8).strip()),
        interchange_control=int(isa.get(13)),
        reference=reference,
        payer=names["20"],
        provider=names["21"],
        subscriber=people["22"],
        dependent=people.get("23"),
    )


def _read_detail(person: Person, segment: Segment) -> None:
    if segment.id == "DMG" and segment.get(1) == "D8":
        person.birth_date, person.gender = segment.get(2), segment.get(3)
    elif segment.id == "DTP" and segment.get(1) == "291":
        person.service_date_format, person.service_date = segment.get(2), segment.get(3)
    elif segment.id == "EQ":
        person.service_types.extend(segment.repetitions(1))
