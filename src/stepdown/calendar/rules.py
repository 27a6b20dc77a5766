"""Pure calendar arithmetic: weeks, local wall-clock times to UTC, the feed's window and the
neutral words a subscribed calendar shows.

A phone's calendar is seen by family, employers and whoever borrows the phone, so a feed's
event titles name the program and the kind of booking only: no group topic, no clinician, and
none of the words that would tell a reader what the program treats. The pages, seen only
after sign-in, show the topic and the people.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from stepdown.kit import bounds

DAYS_SHOWN: Final = 7
# The feed covers two past weeks (so "when was that?" still works) and eight ahead.
FEED_WEEKS_BEFORE: Final = 2
FEED_WEEKS_AFTER: Final = 8

GROUP_EVENT: Final = "group session"
APPOINTMENT_EVENT: Final = "appointment"
TELEHEALTH: Final = "Telehealth"
# Words a feed's titles must never contain; the tests check every event against them.
CLINICAL_WORDS: Final = (
    "addiction",
    "treatment",
    "therapy",
    "recovery",
    "substance",
    "rehab",
    "relapse",
    "detox",
    "counseling",
    "family",
    "individual",
)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks: the schedule's weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None, *, today: date) -> date:
    """The Monday of the week a ``week=YYYY-MM-DD`` parameter names; empty means this week."""
    if value is None or not value.strip():
        return week_start(today)
    return week_start(bounds.require_day(value, field="week", what="the week"))


def week_days(week_of: date) -> list[date]:
    return [week_of + timedelta(days=i) for i in range(DAYS_SHOWN)]


def clock_time(value: str) -> time:
    """A stored "HH:MM" wall-clock time."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def minutes_between(start: str, end: str) -> int:
    """Length of a booking in minutes; bookings never cross midnight."""
    a, b = clock_time(start), clock_time(end)
    return max(0, (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute))


def to_utc(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a date.

    ``zoneinfo`` applies the offset in force on that date, so a 6 pm group is 22:00 UTC in
    October and 23:00 UTC in November in New York. A time skipped or repeated by a DST change
    takes ``fold=0`` (the earlier offset); the program schedules nothing between 1 and 3 am.
    """
    return datetime.combine(day, clock_time(hhmm), tzinfo=zone).astimezone(UTC)


def feed_window(today: date) -> tuple[date, date]:
    """The half-open date range ``[first, end)`` a feed covers, whole weeks around today."""
    monday = week_start(today)
    return (
        monday - timedelta(weeks=FEED_WEEKS_BEFORE),
        monday + timedelta(weeks=FEED_WEEKS_AFTER + 1),
    )


def event_summary(program_name: str, *, group: bool) -> str:
    """A feed event's title: the program's name and the kind of booking, nothing clinical."""
    return f"{program_name}: {GROUP_EVENT if group else APPOINTMENT_EVENT}"


def event_location(site_name: str, room_name: str | None, *, telehealth: bool) -> str:
    """Where to go: the site and room, or "Telehealth" (the link is sent separately)."""
    if telehealth:
        return TELEHEALTH
    return f"{site_name}, {room_name}" if room_name else site_name


def webcal_url(https_url: str) -> str:
    """The same feed as a ``webcal://`` link, which phones open as "subscribe"."""
    scheme, _, rest = https_url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else https_url


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)
