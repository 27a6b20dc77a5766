"""Reading a spreadsheet a program brings from its previous system: which columns each kind
of import accepts, how each cell is normalised, and why a row is refused. Pure: no I/O.

Three kinds of file, one row per thing to create:

- **clients**: demographics, the site, the primary clinician and, for a client in care
  today, the current level of care and the admission date (an episode opens at that level);
- **staff**: accounts (a password is made for each and shown once);
- **episodes**: an open episode for a client already on file, by record number.

Headings are matched without regard to case, spaces or punctuation, and each column has a
few other names real exports use (``DOB`` for ``date_of_birth``, ``MRN`` for
``record_number``); ``COLUMNS`` lists them, and the upload page shows that list. A heading
that is not one of them refuses the file: a misspelt optional column would otherwise be
dropped without a word.

Nothing is created from a row that is refused, and every refusal names the row (as the
spreadsheet numbers it: the heading is row 1), the column, and what to change. Whatever a
cell holds (a megabyte of text, a year 20000, a control character) is a refusal, never an
exception: the file came from outside.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from stepdown.clients.models import Client
from stepdown.continuum.models import LevelOfCare, Track
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid
from stepdown.programs.models import Site
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES, Role
from stepdown.security.service import normalize_username

# The earliest admission an import brings: older episodes are history for the old system's
# archive, not open care, and a year before this is almost always a typing error.
FIRST_ADMISSION: Final = date(1990, 1, 1)
FIRST_BIRTH: Final = bounds.FIRST_DAY
# What the client form allows for safe-contact instructions (a Text column).
SAFE_CONTACT_MAX: Final = 1000
# A phone number has 7 (a local number) to 15 (the longest international number) digits.
PHONE_DIGITS_MIN: Final = 7
PHONE_DIGITS_MAX: Final = 15
# The digits of a phone number compared for duplicates: the last ten, so "+1 555 010 2345"
# and "(555) 010-2345" are one number.
PHONE_KEY_DIGITS: Final = 10
# The accounts pages live under /users/new: an account named "new" could not be opened.
RESERVED_USERNAMES: Final = frozenset({"new"})


class Kind(StrEnum):
    CLIENTS = "clients"
    STAFF = "staff"
    EPISODES = "episodes"

    @property
    def label(self) -> str:
        return {
            Kind.CLIENTS: "Clients",
            Kind.STAFF: "Staff accounts",
            Kind.EPISODES: "Open episodes",
        }[self]


@dataclass(frozen=True)
class SheetRow:
    """One row of the file as read: its number in the spreadsheet and its cells as text."""

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Sheet:
    """The file's heading row (row 1) and the rows under it that hold anything."""

    header: tuple[str, ...]
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class Refusal:
    row: int
    field: str
    reason: str


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


def _length(column: InstrumentedAttribute[str]) -> int:
    """The column's length in the model: what the database stores is what a cell may hold."""
    kind = column.property.columns[0].type
    assert isinstance(kind, String)
    assert kind.length is not None
    return kind.length


LENGTHS: Final[dict[str, int]] = {
    "record_number": _length(Client.record_number),
    "first_name": _length(Client.legal_first_name),
    "last_name": _length(Client.legal_last_name),
    "preferred_name": _length(Client.preferred_name),
    "sex_assigned_at_birth": _length(Client.sex_assigned_at_birth),
    "gender_identity": _length(Client.gender_identity),
    "pronouns": _length(Client.pronouns),
    "phone": _length(Client.phone),
    "email": _length(Client.email),
    "address": _length(Client.address),
    "emergency_contact_name": _length(Client.emergency_contact_name),
    "emergency_contact_phone": _length(Client.emergency_contact_phone),
    "emergency_contact_relationship": _length(Client.emergency_contact_relationship),
    "referral_source": _length(Client.referral_source),
    "safe_contact_instructions": SAFE_CONTACT_MAX,
    "site": max(_length(Site.code), _length(Site.name)),
    "level": max(_length(LevelOfCare.code), _length(LevelOfCare.name)),
    "primary_clinician": _length(User.username),
    "username": _length(User.username),
    "display_name": _length(User.display_name),
    "supervisor": _length(User.username),
}
# Fields whose text may run over several lines; every other field is one line.
MULTILINE: Final = frozenset({"address", "safe_contact_instructions"})

_SITE = Column("site", True, "the site's code or name", ("site_code", "site_name", "location"))
_LEVEL_HELP = "the level of care's code (PHP, IOP, OP...) or name"
_TRACK = Column("track", False, "day or evening, where the level runs both")
_ADMISSION_HELP = f"YYYY-MM-DD or MM/DD/YYYY, not in the future, from {FIRST_ADMISSION.year}"

COLUMNS: Final[dict[Kind, tuple[Column, ...]]] = {
    Kind.CLIENTS: (
        Column(
            "record_number",
            False,
            "the record number from the previous system; blank: the next C- number",
            ("mrn", "record", "record_no", "chart_number", "client_number"),
        ),
        Column("first_name", True, "legal first name", ("legal_first_name", "given_name")),
        Column("last_name", True, "legal last name", ("legal_last_name", "family_name", "surname")),
        Column("preferred_name", False, "the name the client goes by", ("nickname",)),
        Column(
            "date_of_birth",
            True,
            f"YYYY-MM-DD or MM/DD/YYYY, from {FIRST_BIRTH.year}, before today",
            ("dob", "birth_date", "birthdate"),
        ),
        Column("sex_assigned_at_birth", False, "as recorded", ("sex",)),
        Column("gender_identity", False, "as the client describes it", ("gender",)),
        Column("pronouns", False, "she/her, they/them..."),
        Column(
            "phone", False, "7 to 15 digits; spaces, dashes, brackets allowed", ("phone_number",)
        ),
        Column("email", False, "name@example.org", ("email_address", "e_mail")),
        Column("address", False, "the home address"),
        Column("emergency_contact_name", False, "who to call in an emergency"),
        Column("emergency_contact_phone", False, "their phone"),
        Column("emergency_contact_relationship", False, "mother, partner, friend..."),
        Column("referral_source", False, "who referred the client", ("referred_by",)),
        Column(
            "safe_contact_instructions",
            False,
            "no voicemail, text only...",
            ("contact_instructions",),
        ),
        _SITE,
        Column(
            "level",
            False,
            _LEVEL_HELP + "; with the admission date, opens an episode at it",
            ("level_of_care", "current_level", "loc"),
        ),
        _TRACK,
        Column(
            "admission_date",
            False,
            _ADMISSION_HELP + "; with the level",
            ("admitted_on", "admission", "admit_date", "admitted"),
        ),
        Column(
            "primary_clinician",
            False,
            "the clinician's username",
            ("clinician", "primary_clinician_username"),
        ),
    ),
    Kind.STAFF: (
        Column("username", True, "3-80 characters: lowercase letters, digits, . _ -", ("login",)),
        Column("display_name", True, "the name people see", ("name", "full_name")),
        Column(
            "role",
            True,
            "administrator, director, clinician, case manager, admissions or utilization review",
        ),
        Column("email", False, "name@example.org", ("email_address", "e_mail")),
        Column(
            "site",
            False,
            "the home site's code or name; blank: every site",
            ("home_site", "site_code"),
        ),
        Column(
            "supervisor",
            False,
            "the supervisor's username (an account on file or in this file)",
            ("supervisor_username",),
        ),
    ),
    Kind.EPISODES: (
        Column("record_number", True, "the client's record number here", ("mrn", "record")),
        Column("level", True, _LEVEL_HELP, ("level_of_care", "current_level", "loc")),
        _TRACK,
        Column("admission_date", True, _ADMISSION_HELP, ("admitted_on", "admission", "admit_date")),
    ),
}


@dataclass(frozen=True)
class ClientRecord:
    row: int
    record_number: str  # "" takes the next number
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date
    sex_assigned_at_birth: str
    gender_identity: str
    pronouns: str
    phone: str
    email: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    emergency_contact_relationship: str
    referral_source: str
    safe_contact_instructions: str
    site: str
    level: str  # "" when the client is not in care: no episode opens
    track: Track | None  # None: the level's only track
    admission_date: date | None
    primary_clinician: str  # a username, or ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class StaffRecord:
    row: int
    username: str
    display_name: str
    role: Role
    email: str
    site: str
    supervisor: str


@dataclass(frozen=True)
class EpisodeRecord:
    row: int
    record_number: str
    level: str
    track: Track | None
    admission_date: date


# --- headings -------------------------------------------------------------------------


def heading_key(text: str) -> str:
    """A heading as compared: lower case, runs of anything but letters and digits as one
    underscore ("Date of Birth" and "date_of_birth" are one heading)."""
    return re.sub(r"[^0-9a-z]+", "_", text.casefold()).strip("_")


def column_letter(index: int) -> str:
    """A 0-based column index as the spreadsheet names it: A, B, ... Z, AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def read_header(kind: Kind, header: Sequence[str]) -> tuple[dict[str, int], list[Refusal]]:
    """Which cell holds which column, or why the heading row is refused."""
    names: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for spelling in (column.name, *column.aliases):
            names[heading_key(spelling)] = column.name
    positions: dict[str, int] = {}
    refusals: list[Refusal] = []
    accepted = ", ".join(c.name for c in COLUMNS[kind])
    for index, text in enumerate(header):
        if not text.strip():
            continue
        name = names.get(heading_key(text))
        where = f"column {column_letter(index)}"
        if name is None:
            shown = text.strip()[:40]
            refusals.append(
                Refusal(
                    1, where, f"unknown heading {shown!r}: remove the column (accepted: {accepted})"
                )
            )
        elif name in positions:
            refusals.append(
                Refusal(
                    1,
                    where,
                    f"a second {name} column (also column {column_letter(positions[name])})",
                )
            )
        else:
            positions[name] = index
    for column in COLUMNS[kind]:
        if column.required and column.name not in positions:
            refusals.append(Refusal(1, column.name, f"the file has no {column.name} column"))
    return positions, refusals


# --- cells ----------------------------------------------------------------------------


_T = TypeVar("_T")


class _Refused(Exception):
    """A cell's value cannot be used; the message says why."""


def clean_text(value: str, *, field: str) -> str:
    """A cell's text, trimmed; one line unless the field holds several; refused when too
    long for its column or holding what the databases cannot store."""
    try:
        bounds.storable_text(value)
    except ValueError as exc:
        raise _Refused(str(exc)) from None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        raise _Refused("contains a control character; retype the value")
    if field in MULTILINE:
        text = "\n".join(line.strip() for line in value.strip().splitlines())
    else:
        text = " ".join(value.split())
    limit = LENGTHS.get(field, bounds.LINE_MAX)
    if len(text) > limit:
        raise _Refused(f"at most {limit} characters (this has {len(text)})")
    return text


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> date:
    """YYYY-MM-DD (a spreadsheet's midnight time allowed) or the US MM/DD/YYYY."""
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _US.fullmatch(text):
        month, day, year = (int(g) for g in match.groups())
    else:
        raise _Refused("write the date as YYYY-MM-DD or MM/DD/YYYY (four-digit year)")
    try:
        return date(year, month, day)
    except ValueError:
        raise _Refused(f"{text[:20]!r} is not a date on the calendar") from None


def birth_date(text: str, today: date) -> date:
    day = parse_date(text)
    if day < FIRST_BIRTH:
        raise _Refused(f"must be on or after {FIRST_BIRTH.isoformat()}")
    if day >= today:
        raise _Refused("must be before today")
    return day


def admission_date(text: str, today: date) -> date:
    day = parse_date(text)
    if day < FIRST_ADMISSION:
        raise _Refused(f"must be on or after {FIRST_ADMISSION.isoformat()}")
    if day > today:
        raise _Refused("must not be in the future")
    return day


_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*\d{1,6}$", re.IGNORECASE)
_PHONE_CHARACTERS = re.compile(r"[0-9 ()+.\-/]*")


def phone(text: str) -> str:
    """A phone number as typed (kept: staff read it back to the client), checked: digits
    and the separators people type, an extension, 7 to 15 digits."""
    if not text:
        return ""
    number = _EXTENSION.sub("", text)
    if not _PHONE_CHARACTERS.fullmatch(number):
        raise _Refused("use digits, spaces, dashes, dots or brackets (and 'x' for an extension)")
    digits = sum(ch.isdigit() for ch in number)
    if not PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX:
        raise _Refused(
            f"a phone number has {PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits "
            f"(this has {digits})"
        )
    return text


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email(text: str) -> str:
    if text and not _EMAIL.fullmatch(text):
        raise _Refused("write an e-mail address such as name@example.org")
    return text


_RECORD_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


def record_number(text: str) -> str:
    if text and not _RECORD_NUMBER.fullmatch(text):
        raise _Refused(
            "use letters, digits, '-', '.', '/' or '_' (starting with a letter or digit)"
        )
    return text


def track(text: str) -> Track | None:
    value = text.casefold()
    if not value:
        return None
    for choice in (Track.DAY, Track.EVENING):
        if value == choice.value:
            return choice
    raise _Refused("write day or evening, or leave it blank")


def username(text: str) -> str:
    try:
        name = normalize_username(text)
    except Invalid as exc:
        raise _Refused(exc.message) from None
    if name in RESERVED_USERNAMES:
        raise _Refused("this name is used by the accounts pages; choose another")
    return name


def _role_key(text: str) -> str:
    return re.sub(r"[^a-z]+", "", text.casefold())


_ROLE_NAMES: Final = {
    key: role for role in STAFF_ROLES for key in (_role_key(role.value), _role_key(role.label))
} | {"administrator": Role.ADMIN, "director": Role.DIRECTOR, "ur": Role.UTILIZATION_REVIEW}


def role(text: str) -> Role:
    found = _ROLE_NAMES.get(_role_key(text))
    if found is not None:
        return found
    if _role_key(text) == "client":
        raise _Refused("client accounts are not imported: each client gets a portal invitation")
    raise _Refused(
        "write administrator, director, clinician, case manager, admissions or utilization review"
    )


# --- rows -----------------------------------------------------------------------------


class _Row:
    """One row being read: each field's cleaned value, or a refusal naming the field."""

    def __init__(self, row: SheetRow, positions: Mapping[str, int]) -> None:
        self.number = row.number
        self._row = row
        self._positions = positions
        self.refusals: list[Refusal] = []

    def refuse(self, field: str, reason: str) -> None:
        self.refusals.append(Refusal(self.number, field, reason))

    def _raw(self, field: str) -> str:
        index = self._positions.get(field)
        return self._row.cells[index] if index is not None and index < len(self._row.cells) else ""

    def given(self, field: str) -> bool:
        """Whether the cell holds anything (refused or not)."""
        return bool(self._raw(field).strip())

    def text(self, field: str, *, required: bool = False) -> str:
        raw = self._raw(field)
        try:
            value = clean_text(raw, field=field)
        except _Refused as exc:
            self.refuse(field, str(exc))
            return ""
        if required and not value:
            self.refuse(field, "is required")
        return value

    def parsed(
        self, field: str, parse: Callable[[str], _T], *, required: bool = False
    ) -> _T | None:
        """The field's value through ``parse``; None when blank or refused."""
        text = self.text(field, required=required)
        if not text:
            return None
        try:
            return parse(text)
        except _Refused as exc:
            self.refuse(field, str(exc))
            return None

    def check_unnamed(self, header: Sequence[str]) -> None:
        """A value in a column with no heading, or past the last heading, cannot be placed."""
        for index, value in enumerate(self._row.cells):
            unnamed = index >= len(header) or not header[index].strip()
            if unnamed and value.strip():
                self.refuse(
                    f"column {column_letter(index)}", "holds a value but the column has no heading"
                )


def _rows(kind: Kind, sheet: Sheet) -> tuple[list[_Row], list[Refusal]]:
    positions, refusals = read_header(kind, sheet.header)
    if refusals:
        return [], refusals
    rows = []
    for sheet_row in sheet.rows:
        row = _Row(sheet_row, positions)
        row.check_unnamed(sheet.header)
        rows.append(row)
    return rows, []


def read_clients(sheet: Sheet, *, today: date) -> tuple[list[ClientRecord], list[Refusal]]:
    rows, refusals = _rows(Kind.CLIENTS, sheet)
    records: list[ClientRecord] = []
    for row in rows:
        first_name = row.text("first_name", required=True)
        last_name = row.text("last_name", required=True)
        born = row.parsed("date_of_birth", lambda t: birth_date(t, today), required=True)
        admitted = row.parsed("admission_date", lambda t: admission_date(t, today))
        level = row.text("level")
        record = ClientRecord(
            row=row.number,
            record_number=row.parsed("record_number", record_number) or "",
            first_name=first_name,
            last_name=last_name,
            preferred_name=row.text("preferred_name"),
            date_of_birth=born or FIRST_BIRTH,
            sex_assigned_at_birth=row.text("sex_assigned_at_birth"),
            gender_identity=row.text("gender_identity"),
            pronouns=row.text("pronouns"),
            phone=row.parsed("phone", phone) or "",
            email=row.parsed("email", email) or "",
            address=row.text("address"),
            emergency_contact_name=row.text("emergency_contact_name"),
            emergency_contact_phone=row.parsed("emergency_contact_phone", phone) or "",
            emergency_contact_relationship=row.text("emergency_contact_relationship"),
            referral_source=row.text("referral_source"),
            safe_contact_instructions=row.text("safe_contact_instructions"),
            site=row.text("site", required=True),
            level=level,
            track=row.parsed("track", track),
            admission_date=admitted,
            primary_clinician=row.parsed("primary_clinician", username) or "",
        )
        _check_admission(row, record)
        if not row.refusals:
            records.append(record)
        refusals.extend(row.refusals)
    return records, refusals + client_duplicates_in_file(records)


def _check_admission(row: _Row, record: ClientRecord) -> None:
    """A level and an admission date come together: together they open the episode."""
    if row.given("level") and not row.given("admission_date"):
        row.refuse("admission_date", "is required with a level: the episode opens on it")
    if row.given("admission_date") and not row.given("level"):
        row.refuse("level", "is required with an admission date: the episode opens at it")
    if row.given("track") and not row.given("level"):
        row.refuse("track", "belongs with a level; give the level or leave the track blank")
    if record.admission_date is not None and record.admission_date < record.date_of_birth:
        row.refuse("admission_date", "is before the date of birth")


def read_staff(sheet: Sheet) -> tuple[list[StaffRecord], list[Refusal]]:
    rows, refusals = _rows(Kind.STAFF, sheet)
    records: list[StaffRecord] = []
    for row in rows:
        record = StaffRecord(
            row=row.number,
            username=row.parsed("username", username, required=True) or "",
            display_name=row.text("display_name", required=True),
            role=row.parsed("role", role, required=True) or Role.CLINICIAN,
            email=row.parsed("email", email) or "",
            site=row.text("site"),
            supervisor=row.parsed("supervisor", username) or "",
        )
        if record.supervisor and record.supervisor == record.username:
            row.refuse("supervisor", "nobody supervises themself")
        if not row.refusals:
            records.append(record)
        refusals.extend(row.refusals)
    return records, refusals + staff_conflicts_in_file(records)


def read_episodes(sheet: Sheet, *, today: date) -> tuple[list[EpisodeRecord], list[Refusal]]:
    rows, refusals = _rows(Kind.EPISODES, sheet)
    records: list[EpisodeRecord] = []
    for row in rows:
        record = EpisodeRecord(
            row=row.number,
            record_number=row.parsed("record_number", record_number, required=True) or "",
            level=row.text("level", required=True),
            track=row.parsed("track", track),
            admission_date=row.parsed(
                "admission_date", lambda t: admission_date(t, today), required=True
            )
            or FIRST_ADMISSION,
        )
        if not row.refusals:
            records.append(record)
        refusals.extend(row.refusals)
    return records, refusals + _repeats(
        [(r.row, r.record_number.casefold()) for r in records],
        "record_number",
        "the same client as row {first}: one open episode per client",
    )


# --- within the file ------------------------------------------------------------------


def name_key(first: str, last: str) -> str:
    """A name as compared for duplicates: accents, case, spaces and punctuation dropped, so
    "Núñez-Ortiz, Ana" and "nunez ortiz ana" match."""
    decomposed = unicodedata.normalize("NFKD", f"{first} {last}")
    return "".join(
        ch for ch in decomposed.casefold() if ch.isalnum() and not unicodedata.combining(ch)
    )


def phone_key(text: str) -> str:
    """The last ten digits, or "" when too few digits to tell a person by."""
    digits = "".join(ch for ch in _EXTENSION.sub("", text) if ch.isdigit())
    return digits[-PHONE_KEY_DIGITS:] if len(digits) >= PHONE_DIGITS_MIN else ""


def identity_keys(
    first: str, last: str, born: date, phone_text: str
) -> tuple[tuple[str, str, date], ...]:
    """What makes two client rows likely one person: the same normalised name and date of
    birth, or the same phone number and date of birth."""
    keys: list[tuple[str, str, date]] = [("name", name_key(first, last), born)]
    if digits := phone_key(phone_text):
        keys.append(("phone", digits, born))
    return tuple(keys)


MATCH_FIELDS: Final = {"name": "last_name", "phone": "phone"}
MATCH_WORDS: Final = {
    "name": "same name and date of birth",
    "phone": "same phone and date of birth",
}


def client_duplicates_in_file(records: Sequence[ClientRecord]) -> list[Refusal]:
    """Rows that repeat a record number, or a person, of an earlier row."""
    refusals = _repeats(
        [(r.row, r.record_number.casefold()) for r in records if r.record_number],
        "record_number",
        "the same record number as row {first}",
    )
    first_row: dict[tuple[str, str, date], int] = {}
    for record in records:
        for key in identity_keys(
            record.first_name, record.last_name, record.date_of_birth, record.phone
        ):
            earlier = first_row.setdefault(key, record.row)
            if earlier != record.row:
                refusals.append(
                    Refusal(
                        record.row,
                        MATCH_FIELDS[key[0]],
                        f"{MATCH_WORDS[key[0]]} as row {earlier}: likely the same person",
                    )
                )
                break
    return refusals


def staff_conflicts_in_file(records: Sequence[StaffRecord]) -> list[Refusal]:
    """A username twice, or supervision that loops inside the file (accounts on file
    cannot be supervised by a new one, so any loop lies wholly in the file)."""
    refusals = _repeats(
        [(r.row, r.username) for r in records], "username", "the same username as row {first}"
    )
    supervisor_of: dict[str, str] = {}
    for record in records:  # a repeated username is refused; its first row stands
        supervisor_of.setdefault(record.username, record.supervisor)
    for record in records:
        chain = [record.username]
        current = record.supervisor or None
        while current is not None and current not in chain:
            chain.append(current)
            current = supervisor_of.get(current) or None
        if current == record.username:
            loop = " → ".join([*chain, record.username])
            refusals.append(Refusal(record.row, "supervisor", f"supervision loops: {loop}"))
    return refusals


def _repeats(keys: Sequence[tuple[int, str]], field: str, message: str) -> list[Refusal]:
    seen: dict[str, int] = {}
    refusals = []
    for row, key in keys:
        first = seen.setdefault(key, row)
        if first != row:
            refusals.append(Refusal(row, field, message.format(first=first)))
    return refusals
