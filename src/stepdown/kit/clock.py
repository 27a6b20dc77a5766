"""One source of 'now' and of the program's wall clock, so rules, pages and tests agree.

Storage is UTC (``kit.orm.UTCDateTime``). People live on the program's clock: the zone
``stepdown init`` recorded (``programs.card``), which the web app sets here when it loads
the program card and the CLI when it opens a unit of work. Until then it is the settings'
default zone. Everything that shows a time or asks for one converts through this module:

- ``today()`` is the program's calendar day, not UTC's (at 21:00 in New York it is
  already tomorrow in UTC);
- ``local(moment)`` is a stored instant on the program's clock, for display;
- ``to_utc(wall_time)`` is a time a person typed, for storage. Twice a year the wall clock
  is not a clock: in the spring-forward gap a time such as 02:30 never happens, and
  ``to_utc`` refuses it (``NonexistentLocalTime``, whose message says which hour was
  skipped) rather than guess; in the fall-back fold 01:30 happens twice, and ``to_utc``
  takes the first occurrence (``fold=0``: still daylight time), which is what someone
  booking "01:30 that night" before the clocks change means far more often than not.

The zone is process state, like the settings it comes from: one process serves one program.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from stepdown.kit import bounds
from stepdown.kit.errors import Invalid
from stepdown.settings import Settings

DEFAULT_ZONE: str = Settings.model_fields["timezone"].default
# What a datetime-local input sends and expects back (minutes; seconds are dropped).
INPUT_FORMAT = "%Y-%m-%dT%H:%M"

_zone: ZoneInfo = ZoneInfo(DEFAULT_ZONE)


class NonexistentLocalTime(ValueError):
    """A wall time inside a spring-forward gap: no instant ever reads that time."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def program_zone() -> ZoneInfo:
    return _zone


def set_program_zone(name: str) -> ZoneInfo:
    """Put the process on the program's clock (an IANA name, already validated when the
    program or the settings were saved). Returns the zone it set."""
    global _zone
    _zone = ZoneInfo(name)
    return _zone


def today(now: datetime | None = None) -> date:
    """The program's calendar day at ``now`` (default: this instant)."""
    return local(now or utc_now()).date()


def day_start(day: date) -> datetime:
    """The UTC instant the program's calendar day begins: a range of days chosen on a page
    ("decided from 1 to 7 December") is a range of program days, not of UTC days. Where the
    clocks skip midnight the day begins when they land (``fold=0`` reads the skipped
    midnight with the old offset, which is that instant)."""
    return datetime.combine(day, time.min, tzinfo=_zone).astimezone(UTC)


def local(moment: datetime) -> datetime:
    """A stored (aware) instant on the program's wall clock. A naive value has lost its
    zone somewhere, and guessing would print a time hours off: refused."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no instant to show; store and pass UTC")
    return moment.astimezone(_zone)


def to_utc(wall_time: datetime) -> datetime:
    """The UTC instant of a naive wall-clock time on the program's clock.

    A time in a spring-forward gap raises ``NonexistentLocalTime`` naming the skipped
    hour; a time in a fall-back fold is its first occurrence (``fold=0``)."""
    if wall_time.tzinfo is not None:
        raise ValueError("to_utc takes the wall-clock time a person entered (naive)")
    first = wall_time.replace(tzinfo=_zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(_zone).replace(tzinfo=None) != wall_time:
        raise NonexistentLocalTime(_gap_message(wall_time))
    return instant


def _gap_message(wall_time: datetime) -> str:
    """Which wall times were skipped around ``wall_time``: "from 02:00 to 03:00"."""
    before = wall_time.replace(tzinfo=_zone, fold=0).utcoffset() or timedelta(0)
    after = wall_time.replace(tzinfo=_zone, fold=1).utcoffset() or timedelta(0)
    # The change is an instant between the wall time read with the new offset and with
    # the old one; halve the interval down to a second.
    low = (wall_time - after).replace(tzinfo=UTC)
    high = (wall_time - before).replace(tzinfo=UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(_zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    change = high.replace(microsecond=0)
    skipped_from = (change + before).replace(tzinfo=None)
    skipped_to = (change + after).replace(tzinfo=None)
    return (
        f"{wall_time:%Y-%m-%d %H:%M} does not exist in {_zone.key}: that night the clocks "
        f"went forward from {skipped_from:%H:%M} to {skipped_to:%H:%M}; "
        f"enter a time before {skipped_from:%H:%M} or from {skipped_to:%H:%M}"
    )


def parse_local(value: str, *, field: str) -> datetime:
    """A form's local date and time ("2026-07-14T18:00", as a datetime-local input sends
    it, or with a space) as a UTC instant; ``Invalid`` naming the field for anything else,
    a time the clocks skipped included."""
    try:
        wall_time = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("enter a date and time", field=field) from None
    if wall_time.tzinfo is not None:
        raise Invalid("enter the time on the program's clock, without a zone", field=field)
    bounds.check_day(wall_time.date(), field=field)  # before any arithmetic can overflow
    try:
        instant = to_utc(wall_time)
    except NonexistentLocalTime as exc:
        raise Invalid(str(exc), field=field) from None
    return bounds.check_instant(instant, field=field)


def input_value(moment: datetime | None) -> str:
    """An instant as a datetime-local input's value, on the program's clock."""
    return local(moment).strftime(INPUT_FORMAT) if moment else ""


def zone_abbreviation(now: datetime | None = None) -> str:
    """The zone's short name at ``now`` ("EST" in winter, "EDT" in summer)."""
    return local(now or utc_now()).tzname() or _zone.key
