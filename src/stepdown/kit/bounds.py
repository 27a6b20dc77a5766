"""Bounded input types: every date, number and piece of free text the app accepts.

Python's ``date`` runs from year 1 to 9999, integers have no limit and ``str`` holds lone
surrogates; the database and the arithmetic behind the pages do not (a week of 9999-12-27
overflows on "+7 days", 2**63 does not fit a BIGINT, ``"\\ud800"`` cannot be encoded as
UTF-8 and PostgreSQL refuses NUL). So input is refused at the edge, with the field named,
and everything past the edge may assume these bounds. The API schemas use the
``Annotated`` types; the HTML pages, which read forms and query strings by hand, use the
``parse_*`` functions, which validate against the same types and raise ``Invalid`` (422,
the field named) instead of letting a ``ValueError`` or an overflow become a 500.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Final, TypeVar

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime, TypeAdapter, ValidationError

from stepdown.kit.errors import Invalid

# The window of dates anything in the program can be about. The earliest birth dates of
# living clients, and the history an import brings, are after 1900; plans, follow-ups a
# year out and aftercare schedules of a few years end long before 2200. Every computation
# the product does from a date in the window (a week's Monday and +7 days, a month's end,
# a year of check-ins, a local time to UTC in any zone) stays far inside Python's and the
# databases' range (years 1 to 9999), so none of them can overflow.
FIRST_DAY: Final = date(1900, 1, 1)
LAST_DAY: Final = date(2199, 12, 31)
# Instants one day inside the window, so any time zone's local date of one is in the window.
FIRST_INSTANT: Final = datetime.combine(date(1900, 1, 2), time(), tzinfo=UTC)
LAST_INSTANT: Final = datetime.combine(date(2199, 12, 30), time(), tzinfo=UTC)

# A PostgreSQL INTEGER (and SQLite's, stored in 8 bytes, never compared past it): sizes,
# capacities, counts of days or minutes. No count the program keeps comes near it.
COUNT_MAX: Final = 2**31 - 1
# A PostgreSQL BIGINT: sequence numbers such as the audit trail's ``seq``.
SEQ_MAX: Final = 2**63 - 1

# One line (a name, a title, a search) and free text (a note, a summary). Fields may ask
# for less; these keep a request that names no limit from storing a megabyte.
LINE_MAX: Final = 300
TEXT_MAX: Final = 20_000

_T = TypeVar("_T")


def storable_text(value: str) -> str:
    """Refuse text the databases cannot store: a lone surrogate (``"\\ud800"`` in JSON) is
    no UTF-8 character, and PostgreSQL's ``text`` holds no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "contains a character that is not valid text (a lone surrogate); check what was pasted"
        ) from None
    if "\x00" in value:
        raise ValueError("contains a NUL character, which cannot be stored")
    return value


def _line(value: str) -> str:
    if len(value) > LINE_MAX:
        raise ValueError(f"at most {LINE_MAX} characters")
    return storable_text(value)


def _text(value: str) -> str:
    if len(value) > TEXT_MAX:
        raise ValueError(f"at most {TEXT_MAX} characters")
    return storable_text(value)


def _instant_in_window(value: datetime) -> datetime:
    """A naive time is compared as if in UTC: the window is a day inside the date bounds,
    so no zone moves it out."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not FIRST_INSTANT <= aware <= LAST_INSTANT:
        raise ValueError(
            f"must be between {FIRST_INSTANT.date().isoformat()} and "
            f"{LAST_INSTANT.date().isoformat()}"
        )
    return value


Day = Annotated[date, Ge(FIRST_DAY), Le(LAST_DAY)]
"""A calendar date in ``FIRST_DAY`` .. ``LAST_DAY`` (see there for why)."""

Instant = Annotated[datetime, AfterValidator(_instant_in_window)]
"""A date and time (naive or with a zone) whose date lies inside the window."""

AwareInstant = Annotated[AwareDatetime, AfterValidator(_instant_in_window)]
"""A date and time with a zone, inside the window."""

Count = Annotated[int, Ge(0), Le(COUNT_MAX)]
"""A non-negative whole number that fits a 32-bit INTEGER column."""

Size = Annotated[int, Ge(1), Le(COUNT_MAX)]
"""A positive whole number (a capacity, a size, a number of days) that fits INTEGER."""

Seq = Annotated[int, Ge(1), Le(SEQ_MAX)]
"""A positive sequence number that fits a 64-bit BIGINT."""

# The length limit is checked in the validator, not with ``MaxLen``: a field's own
# ``Field(max_length=...)`` must win, in validation and in the OpenAPI document, and pydantic
# keeps the first ``MaxLen`` it meets in the JSON schema.
Line = Annotated[str, AfterValidator(_line)]
"""One line of text (at most ``LINE_MAX`` unless the field says less), storable."""

Text = Annotated[str, AfterValidator(_text)]
"""Free text (at most ``TEXT_MAX`` unless the field says less), storable in either database."""


_DAY: Final = TypeAdapter(Day)
_TEXT: Final = TypeAdapter(Text)
_INSTANT: Final = TypeAdapter(Instant)


def _message(error: ValidationError) -> str:
    first = error.errors()[0]
    return str(first["msg"])


def _check(adapter: TypeAdapter[_T], value: Any, field: str) -> _T:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise Invalid(_message(exc), field=field) from None


def parse_day(value: str | None, *, field: str, what: str = "the date") -> date | None:
    """A ``YYYY-MM-DD`` form or query value inside the window; empty means none."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"enter {what} as YYYY-MM-DD", field=field) from None
    return _check(_DAY, parsed, field)


def require_day(value: str | None, *, field: str, what: str = "the date") -> date:
    """As ``parse_day``, but the value must be given."""
    parsed = parse_day(value, field=field, what=what)
    if parsed is None:
        raise Invalid(f"enter {what} as YYYY-MM-DD", field=field)
    return parsed


def check_day(value: date, *, field: str) -> date:
    """A date already parsed (for example from a month) checked against the window."""
    return _check(_DAY, value, field)


def check_instant(value: datetime, *, field: str) -> datetime:
    """A date and time already parsed checked against the window."""
    return _check(_INSTANT, value, field)


def parse_int(
    value: str | None,
    *,
    field: str,
    ge: int = 0,
    le: int = COUNT_MAX,
    default: int | None = None,
    message: str = "enter a whole number",
) -> int:
    """A whole number from a form in ``ge`` .. ``le`` (at most ``COUNT_MAX`` unless asked);
    empty gives ``default`` when there is one. Messages leave the field's name out: the
    pages put its label in front."""
    text = (value or "").strip()
    if not text and default is not None:
        return default
    # int() accepts "1_000" and 4,300 digits; a form field needs neither.
    if not text.lstrip("+-").isdigit() or len(text) > 20:
        raise Invalid(message, field=field)
    number = int(text)
    if not ge <= number <= le:
        raise Invalid(f"enter a number from {ge} to {le}", field=field)
    return number


def parse_optional_int(
    value: str | None, *, field: str, ge: int = 0, le: int = COUNT_MAX
) -> int | None:
    """As ``parse_int``, but empty means none."""
    if not (value or "").strip():
        return None
    return parse_int(value, field=field, ge=ge, le=le)


def parse_text(value: str | None, *, field: str, max_length: int = TEXT_MAX) -> str:
    """Free text from a form: storable, and no longer than ``max_length``."""
    text = value or ""
    if len(text) > max_length:
        raise Invalid(f"at most {max_length} characters", field=field)
    return _check(_TEXT, text, field)
