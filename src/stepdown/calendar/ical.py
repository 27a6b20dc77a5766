"""A small iCalendar (RFC 5545) writer: just what a read-only subscription feed needs.

Written here rather than taken from a library so the output is exactly what we decided: UTC
times, escaped text, folded lines, and no property we did not mean to publish. The tests
parse every feed back with the ``icalendar`` library.

Section numbers below are RFC 5545's (https://www.rfc-editor.org/rfc/rfc5545).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

CRLF: Final = "\r\n"  # 3.1: content lines are delimited by CRLF
MAX_OCTETS: Final = 75  # 3.1: lines SHOULD NOT be longer than 75 octets, excluding CRLF
PRODID: Final = "-//Stepdown//Program calendar//EN"
# 3.3.11: TEXT may hold any character but CONTROL (except HTAB); newlines are escaped, and the
# other control characters have no meaning in a calendar title, so they are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def clean_text(value: str) -> str:
    """What a TEXT value can carry: control characters dropped, every newline as ``\\n``."""
    return _CONTROL.sub("", _NEWLINE.sub("\n", value))


def escape_text(value: str) -> str:
    """3.3.11: backslash, semicolon and comma are escaped with a backslash; a newline is
    written as ``\\n``. The backslash goes first so the added ones are not doubled."""
    text = clean_text(value)
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(raw, escaped)
    return text


def fold(line: str) -> str:
    """3.1: split a content line into pieces of at most 75 octets, each continuation starting
    with one space (which counts toward its 75). A UTF-8 character is never split: a piece
    ends before any character that would take it past the limit."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_OCTETS:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces)


def utc_stamp(moment: datetime) -> str:
    """3.3.5, form #2: a DATE-TIME in UTC, ``YYYYMMDDTHHMMSSZ``."""
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Event:
    uid: str  # 3.8.4.7: the same booking keeps the same UID in every fetch
    start: datetime
    end: datetime
    summary: str
    location: str
    cancelled: bool = False


def _property(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def _event_lines(event: Event, stamp: str) -> list[str]:
    """3.6.1: a VEVENT; UID and DTSTAMP are required, the rest is what a phone shows."""
    return [
        "BEGIN:VEVENT",
        _property("UID", escape_text(event.uid)),
        _property("DTSTAMP", stamp),  # 3.8.7.2: when this feed was generated
        _property("DTSTART", utc_stamp(event.start)),  # 3.8.2.4
        _property("DTEND", utc_stamp(event.end)),  # 3.8.2.2
        _property("SUMMARY", escape_text(event.summary)),  # 3.8.1.12
        _property("LOCATION", escape_text(event.location)),  # 3.8.1.7
        # 3.8.1.11: a cancelled booking stays in the feed so subscribed phones drop it too.
        _property("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED"),
        "END:VEVENT",
    ]


def calendar(name: str, events: Iterable[Event], *, generated_at: datetime) -> str:
    """3.4 and 3.6: one VCALENDAR object, every line CRLF-terminated."""
    stamp = utc_stamp(generated_at)
    lines = [
        "BEGIN:VCALENDAR",
        _property("PRODID", PRODID),  # 3.7.3
        "VERSION:2.0",  # 3.7.4
        "CALSCALE:GREGORIAN",  # 3.7.1
        "METHOD:PUBLISH",  # 3.7.2
        # 3.8.8.2 allows X- properties; X-WR-CALNAME names the calendar in Apple and Google apps.
        _property("X-WR-CALNAME", escape_text(name)),
    ]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF
