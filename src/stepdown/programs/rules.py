"""Pure rules of the program set-up: times, weekly availability, topics, and how a client's
chart maps onto the scheduler's categories. No database, so they are tested exhaustively.

Times are "HH:MM" wall-clock, intervals half-open ``[start, end)``: a window ending 10:30 and
one starting 10:30 do not overlap, matching the exchange format.
"""

from __future__ import annotations

import io
import itertools
import re
import uuid
from datetime import date
from functools import cache
from typing import Any, Final, Literal
from zoneinfo import available_timezones

from PIL import Image

from stepdown.kit.errors import Invalid
from stepdown.kit.identifiers import npi_is_valid
from stepdown.scheduling.exchange import DAYS, to_minutes

# The curriculum vocabulary, as used by the topic codes of the scheduling instances.
TOPICS: Final = (
    "CBT",
    "DBT",
    "RP",
    "MI",
    "TRAUMA",
    "FAMILY_ED",
    "LIFE_SKILLS",
    "PROCESS",
    "MAT_ED",
)
TOPIC_LABELS: Final = {
    "CBT": "Cognitive behavioral therapy",
    "DBT": "Dialectical behavior therapy skills",
    "RP": "Relapse prevention",
    "MI": "Motivational interviewing",
    "TRAUMA": "Trauma-informed care",
    "FAMILY_ED": "Family education",
    "LIFE_SKILLS": "Life skills",
    "PROCESS": "Process group",
    "MAT_ED": "Medication-assisted treatment education",
}
# Levels of care the weekly schedule covers (the in-house, structured ones).
SCHEDULED_LEVELS: Final = ("PHP", "IOP", "OP")
ADULT_AGE: Final = 18

_WINDOW = re.compile(r"^\s*([a-z]{3})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def clock(value: str, field: str) -> int:
    """Minutes since midnight of an "HH:MM" time, or Invalid naming the field."""
    text = value.strip()
    if re.fullmatch(r"\d:\d{2}", text):
        text = "0" + text
    try:
        return to_minutes(text)
    except ValueError:
        raise Invalid(f"{value!r} is not a time (HH:MM)", field=field) from None


def check_interval(day: str, start: str, end: str, field: str = "start") -> tuple[str, str, str]:
    """A normalized (day, start, end) with end after start."""
    day = day.strip().lower()[:3]
    if day not in DAYS:
        raise Invalid(f"{day!r} is not a day (mon ... sun)", field="day")
    begins, ends = clock(start, "start"), clock(end, "end")
    if ends <= begins:
        raise Invalid(f"end {end} is not after start {start}", field="end")
    return day, _hhmm(begins), _hhmm(ends)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_windows(
    windows: list[dict[str, Any]], field: str = "availability"
) -> list[dict[str, str]]:
    """Normalized windows, sorted by day and start; refused if any overlap within a day."""
    normalized: list[dict[str, str]] = []
    for window in windows:
        try:
            day, start, end = check_interval(
                str(window.get("day", "")), str(window.get("start", "")), str(window.get("end", ""))
            )
        except Invalid as exc:
            raise Invalid(exc.message, field=field) from None
        normalized.append({"day": day, "start": start, "end": end})
    normalized.sort(key=lambda w: (DAYS.index(w["day"]), w["start"]))
    for before, after in itertools.pairwise(normalized):
        if before["day"] == after["day"] and to_minutes(after["start"]) < to_minutes(before["end"]):
            raise Invalid(
                f"{before['day']} {before['start']}-{before['end']} overlaps "
                f"{after['start']}-{after['end']}",
                field=field,
            )
    return normalized


def parse_windows(text: str, field: str = "availability") -> list[dict[str, str]]:
    """Windows written one per line or separated by ";", e.g. "mon 09:00-17:00; tue 18:00-21:00"."""
    windows: list[dict[str, Any]] = []
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        match = _WINDOW.match(part.lower())
        if match is None:
            raise Invalid(f"{part.strip()!r} is not like 'mon 09:00-17:00'", field=field)
        day, start, end = match.groups()
        windows.append({"day": day, "start": start, "end": end})
    return check_windows(windows, field)


def format_windows(windows: list[dict[str, Any]], separator: str = "\n") -> str:
    return separator.join(f"{w['day']} {w['start']}-{w['end']}" for w in windows)


def split_codes(text: str) -> list[str]:
    """Codes separated by spaces, commas or semicolons, upper-cased, in order, without repeats."""
    seen: list[str] = []
    for code in re.split(r"[\s,;]+", text.strip().upper()):
        if code and code not in seen:
            seen.append(code)
    return seen


def check_topics(
    topics: list[str], field: str = "topics", *, allow_empty: bool = True
) -> list[str]:
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise Invalid(f"unknown topic {unknown[0]!r} (one of {', '.join(TOPICS)})", field=field)
    if not topics and not allow_empty:
        raise Invalid("name at least one topic", field=field)
    return list(topics)


def check_levels(levels: list[str], field: str = "levels") -> list[str]:
    unknown = [lv for lv in levels if lv not in SCHEDULED_LEVELS]
    if unknown:
        raise Invalid(
            f"unknown level {unknown[0]!r} (one of {', '.join(SCHEDULED_LEVELS)})", field=field
        )
    if not levels:
        raise Invalid("name at least one level", field=field)
    return sorted(levels, key=SCHEDULED_LEVELS.index)


def check_sizes(min_size: int, max_size: int) -> None:
    if min_size < 0:
        raise Invalid("cannot be negative", field="min_size")
    if max_size < 1:
        raise Invalid("must be at least 1", field="max_size")
    if max_size < min_size:
        raise Invalid(f"is below the minimum size {min_size}", field="max_size")


_CODE = re.compile(r"[A-Z0-9-]{1,20}")


def check_code(code: str, field: str = "code") -> str:
    """An upper-cased code of 1-20 letters, digits or dashes (it becomes part of exchange ids)."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        raise Invalid("use 1-20 letters, digits or dashes", field=field)
    return code


def check_name(name: str, what: str, field: str = "name", longest: int = 80) -> str:
    name = name.strip()
    if not name:
        raise Invalid(f"a {what} needs a name", field=field)
    if len(name) > longest:
        raise Invalid(f"use at most {longest} characters", field=field)
    return name


_PHONE = re.compile(r"[0-9+()./ -]{7,30}(\s*(x|ext\.?)\s*[0-9]{1,6})?", re.IGNORECASE)


def check_phone(phone: str, field: str = "phone") -> str:
    """A phone number as people write it (digits, spaces, + ( ) . - and an extension), or
    nothing. Printed on letters and read to callers, so a typo is caught here."""
    phone = " ".join(phone.split())
    if phone and not (_PHONE.fullmatch(phone) and sum(c.isdigit() for c in phone) >= 7):
        raise Invalid("use digits, spaces, + ( ) . - and an optional extension", field=field)
    return phone


def check_npi(npi: str, field: str = "npi") -> str:
    """The organization's NPI, or nothing yet (eligibility checks then ask for it)."""
    npi = npi.strip()
    if npi and not npi_is_valid(npi):
        raise Invalid(
            "an NPI is 10 digits starting with 1 or 2, with a valid check digit", field=field
        )
    return npi


def check_address(address: str, field: str = "address") -> str:
    """A postal address on one to four lines, at most 300 characters."""
    lines = [" ".join(line.split()) for line in address.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 4:
        raise Invalid("use at most four lines", field=field)
    text = "\n".join(lines)
    if len(text) > 300:
        raise Invalid("use at most 300 characters", field=field)
    return text


def check_time_zone(name: str, field: str = "time_zone") -> str:
    """An IANA zone name (``America/Chicago``): the program's wall clock. Fixed offsets
    (``Etc/GMT+5``) are refused because they ignore daylight saving time, and a program's
    groups meet at the same local hour all year."""
    name = name.strip()
    if name not in _zone_names() or name.startswith("Etc/"):
        raise Invalid(f"{name!r} is not a time zone name such as America/New_York", field=field)
    return name


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_capacity(capacity: int) -> int:
    """A room seats at least one person; 200 catches a mistyped number, not a real hall."""
    if not 1 <= capacity <= 200:
        raise Invalid("must be between 1 and 200", field="capacity")
    return capacity


def check_inside_block(
    day: str,
    start: str,
    end: str,
    levels: list[str],
    block: tuple[str, str, str, list[str]],
) -> None:
    """A session tied to a time block lies within it and serves only levels the block serves.

    The block is what a track's clients keep free in their week; a session outside it, or for a
    level the block does not serve, would be scheduled where those clients are not expected.
    """
    block_day, block_start, block_end, block_levels = block
    outside = (
        day != block_day
        or to_minutes(start) < to_minutes(block_start)
        or to_minutes(end) > to_minutes(block_end)
    )
    if outside:
        raise Invalid(
            f"{day} {start}-{end} is not inside the block ({block_day} {block_start}-{block_end})",
            field="time_block",
        )
    extra = [lv for lv in levels if lv not in block_levels]
    if extra:
        raise Invalid(
            f"the block serves {', '.join(block_levels)}, not {', '.join(extra)}", field="levels"
        )


def check_count(value: int, field: str, most: int = 7) -> int:
    if not 0 <= value <= most:
        raise Invalid(f"must be between 0 and {most}", field=field)
    return value


def check_max_hours(value: float) -> float:
    if not 0 <= value <= 80:
        raise Invalid("must be between 0 and 80", field="max_hours")
    return value


def age_group(date_of_birth: date, on: date) -> Literal["adult", "adolescent"]:
    """Adolescent until the 18th birthday, judged on the Monday of the week scheduled."""
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    age = on.year - date_of_birth.year - (0 if had_birthday else 1)
    return "adult" if age >= ADULT_AGE else "adolescent"


_WOMEN: Final = frozenset({"woman", "female", "f", "transgender woman", "trans woman", "girl"})
_MEN: Final = frozenset({"man", "male", "m", "transgender man", "trans man", "boy"})


def gender_code(gender_identity: str, sex_assigned_at_birth: str) -> Literal["F", "M", "X"]:
    """The scheduler's gender (which gender-specific groups a client may join).

    Gender identity decides: women (including transgender women) are F, men (including
    transgender men) are M, and any other stated identity (nonbinary, agender, ...) is X, so
    the client is offered mixed groups only. Only when no identity is recorded does the sex
    assigned at birth stand in (female F, male M, anything else X).
    """
    identity = gender_identity.strip().lower()
    if identity:
        return "F" if identity in _WOMEN else "M" if identity in _MEN else "X"
    sex = sex_assigned_at_birth.strip().lower()
    return "F" if sex in _WOMEN else "M" if sex in _MEN else "X"


def keep_apart_pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """The pair in its stored order; refused if it names one client twice."""
    if a == b:
        raise Invalid("a client cannot be kept apart from themselves", field="client_b")
    return (a, b) if str(a) < str(b) else (b, a)


# A printout's logo: small enough to keep in the database and in every process's program
# card, large enough for a crisp 3 cm mark at 300 dpi (354 px).
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 2000
LOGO_TYPES: Final = {"PNG": "image/png", "JPEG": "image/jpeg"}


def check_logo(data: bytes) -> tuple[str, int, int]:
    """The image's content type, width and height, or a refusal saying what is wrong.

    Decoded (not trusted by its name or declared type): a file that is not a complete PNG
    or JPEG never reaches a printout, where fpdf2 would fail on it at print time.
    """
    if not data:
        raise Invalid("choose an image file", field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise Invalid(
            f"the logo is {len(data) // 1024} KB; the most is {LOGO_MAX_BYTES // 1024} KB",
            field="logo",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(
            "that file is not a PNG or JPEG image that can be read", field="logo"
        ) from exc
    if kind not in LOGO_TYPES:
        raise Invalid("the logo must be a PNG or JPEG image", field="logo")
    if max(width, height) > LOGO_MAX_SIDE:
        raise Invalid(
            f"the logo is {width}×{height} pixels; the most is {LOGO_MAX_SIDE} on a side",
            field="logo",
        )
    return LOGO_TYPES[kind], width, height
