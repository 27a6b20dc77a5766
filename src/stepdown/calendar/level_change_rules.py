"""What a change of level, track or a discharge does to a client's published week: which
bookings no longer fit, and the re-plan that proposes new ones. Pure functions, no I/O.

A booking fits the client's care from the change on when:

- a group: the client is still in the program's scheduled care (PHP, IOP or OP in house),
  the group serves the new level (``levels`` of the occurrence), and the group's track (the
  track of the time block it runs in: IOP day, IOP evening, ...) is the client's new track,
  or the group belongs to no track (a Saturday block, a group outside any block) or the
  client's level runs no tracks;
- an individual or family appointment: the client is still in the program's scheduled care
  (every in-house level keeps its therapy hour with the primary therapist).

So a discharge, a referral out to a partner's detox or residential care and a step down to
aftercare release everything; a step down from IOP to OP releases the IOP-only groups; a
change from the day to the evening track releases the day track's groups. Only bookings on
or after the first day the change counts for (the effective date, or today for a back-dated
change) are released, and never one whose attendance was already taken: that session
happened, and its minutes stay credited.

The re-plan describes the change with the re-planner's own ``Admit`` (``scheduling.replan``):
from the first changed day the client enters the week afresh at the new level, with their
availability cut to the days left and to the hours of their new track. The published week
the re-planner starts from is the client's week without them (their earlier days stay on
the calendar as published: a build only changes the calendar from its ``applies_from`` day
on), so every other client's week is kept as far as the rules allow.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from stepdown.programs.models import BlockKind
from stepdown.programs.rules import SCHEDULED_LEVELS
from stepdown.scheduling.exchange import (
    DAYS,
    MINUTES_PER_DAY,
    Client,
    Day,
    Instance,
    Solution,
    Window,
    to_clock,
)

if TYPE_CHECKING:  # the re-planner (and CP-SAT) load only when a week is re-planned
    from stepdown.scheduling.replan import Admit

# The track each kind of time block belongs to; None: a block any track may use.
BLOCK_TRACKS: Final[dict[BlockKind, str | None]] = {
    BlockKind.PHP_DAY: "day",
    BlockKind.IOP_DAY: "day",
    BlockKind.IOP_EVENING: "evening",
    BlockKind.OP_EVENING: "evening",
    BlockKind.SATURDAY: None,
}
NO_TRACK: Final = "none"


@dataclass(frozen=True)
class Placement:
    """The client's care from the change on: an in-house scheduled level and its track, or
    ``level`` None for care the program's schedule does not hold (discharged, at a partner,
    aftercare)."""

    level: str | None
    track: str = NO_TRACK

    @classmethod
    def of(cls, level_code: str | None, track: str, *, in_house: bool) -> Placement:
        scheduled = in_house and level_code in SCHEDULED_LEVELS
        return cls(level_code if scheduled else None, track if scheduled else NO_TRACK)

    @property
    def scheduled(self) -> bool:
        return self.level is not None

    def describe(self) -> str:
        if self.level is None:
            return "out of the scheduled program"
        return self.level if self.track == NO_TRACK else f"{self.level} ({self.track})"


def block_track(kind: BlockKind | None) -> str | None:
    return None if kind is None else BLOCK_TRACKS[kind]


def group_fits(levels: Iterable[str], track: str | None, placement: Placement) -> bool:
    """Whether a group serving ``levels`` in a block of ``track`` suits the placement."""
    if placement.level is None or placement.level not in set(levels):
        return False
    return track is None or placement.track in (NO_TRACK, track)


@dataclass(frozen=True)
class Booking:
    """A scheduled seat or appointment of the client, as the rules need it."""

    ref: uuid.UUID
    day: date
    group: bool  # a seat in a group; otherwise an individual or family appointment
    levels: tuple[str, ...] = ()
    track: str | None = None
    recorded: bool = False  # attendance already taken for it


def release_from(effective_on: date, today: date) -> date:
    """The first day whose bookings a change may release: never a day already past."""
    return max(effective_on, today)


def fits(booking: Booking, placement: Placement) -> bool:
    if booking.group:
        return group_fits(booking.levels, booking.track, placement)
    return placement.scheduled


def to_release(bookings: Iterable[Booking], placement: Placement, first_day: date) -> list[Booking]:
    """The bookings that no longer fit, from ``first_day`` on, attendance not yet taken; in
    date order."""
    return sorted(
        (b for b in bookings if b.day >= first_day and not b.recorded and not fits(b, placement)),
        key=lambda b: (b.day, str(b.ref)),
    )


def weeks_from(first_day: date, published_weeks: Iterable[date]) -> list[date]:
    """The published weeks (their Mondays) that still have days from ``first_day`` on."""
    return sorted(w for w in set(published_weeks) if w + timedelta(days=7) > first_day)


def first_changed_day(week_of: date, first_day: date) -> date:
    """The first day of the week a re-plan may change: the change's day, or the Monday of a
    later week."""
    return max(week_of, first_day)


def day_name(week_of: date, day: date) -> Day:
    return DAYS[(day - week_of).days]


# --- The re-plan's input ----------------------------------------------------------------


def subtract(windows: Sequence[Window], busy: Iterable[tuple[int, int]]) -> list[Window]:
    """``windows`` without the week-minute intervals in ``busy``, in time order.

    Used to take the other track's group hours out of a client's availability, so the
    re-planner cannot seat them there; what is left of each window stays available.
    """
    pieces = [(w.week_start, w.week_end) for w in windows]
    for low, high in busy:
        cut: list[tuple[int, int]] = []
        for start, end in pieces:
            if high <= start or end <= low:
                cut.append((start, end))
                continue
            if start < low:
                cut.append((start, low))
            if high < end:
                cut.append((high, end))
        pieces = cut
    result = []
    for start, end in sorted(pieces):
        day = start // MINUTES_PER_DAY
        result.append(
            Window(
                day=DAYS[day],
                start=to_clock(start - day * MINUTES_PER_DAY),
                end=to_clock(end - day * MINUTES_PER_DAY),
            )
        )
    return result


def availability_from(
    windows: Sequence[Window], from_day: Day, excluded: Iterable[tuple[int, int]]
) -> list[Window]:
    """The client's availability from ``from_day`` on, without the ``excluded`` hours."""
    first = DAYS.index(from_day)
    later = [w for w in windows if DAYS.index(w.day) >= first]
    return subtract(later, excluded)


@dataclass(frozen=True)
class ReplanInput:
    """What ``scheduling.replan.replan`` is given: the week without the client, and the
    client entering it again at the new level."""

    instance: Instance
    published: Solution
    change: Admit
    from_day: Day


def replan_input(
    instance: Instance,
    published: Solution,
    *,
    client: Client,
    from_day: Day,
    unfit_sessions: Iterable[str],
) -> ReplanInput:
    """The re-planner's input for ``client`` (their record as exported now: new level, current
    availability) from ``from_day`` on.

    The client is taken out of the published week. A group that then falls under its
    minimum size is treated by the day it meets: before ``from_day`` it has met, so its
    minimum is lowered to the members it kept (history, which a build from ``from_day`` never
    changes), or, when the client was its only member, it is left out (a group nobody could
    attend cannot be pinned as run); from ``from_day`` on it is left out of the starting
    week and the re-planner decides whether it runs, as it does for a sick leader's group
    with no replacement.
    The client's availability is cut to the days left and around the ``unfit_sessions``
    (the groups of another track), and their keep-apart list to clients still in the week.
    """
    first = DAYS.index(from_day)
    cid = client.id
    sizes: Counter[str] = Counter(row.session for row in published.attendance if row.client != cid)
    specs = {s.id: s for s in instance.sessions}
    run = {r.id for r in published.sessions}
    short = {sid for sid in run if sizes[sid] < specs[sid].min_size}
    dropped = {sid for sid in short if DAYS.index(specs[sid].day) >= first or not sizes[sid]}
    lowered = short - dropped
    others = [c for c in instance.clients if c.id != cid]
    kept_ids = {c.id for c in others}
    sessions = [
        s.model_copy(update={"min_size": sizes[s.id]}) if s.id in lowered else s
        for s in instance.sessions
    ]
    without = instance.model_copy(
        update={
            "sessions": sessions,
            "clients": [
                c.model_copy(update={"keep_apart": [o for o in c.keep_apart if o != cid]})
                for c in others
            ],
        }
    )
    starting = published.model_copy(
        update={
            "sessions": [r for r in published.sessions if r.id not in dropped],
            "attendance": [
                row
                for row in published.attendance
                if row.client != cid and row.session not in dropped
            ],
            "appointments": [a for a in published.appointments if a.client != cid],
            "unmet": [u for u in published.unmet if u.client != cid],
        }
    )
    busy = [(specs[sid].week_start, specs[sid].week_end) for sid in unfit_sessions if sid in specs]
    entering = client.model_copy(
        update={
            "availability": availability_from(client.availability, from_day, busy),
            "keep_apart": [o for o in client.keep_apart if o in kept_ids],
            "previous_sessions": [s for s in client.previous_sessions if s in specs],
        }
    )
    from stepdown.scheduling.replan import Admit

    return ReplanInput(without, starting, Admit(entering), from_day)
