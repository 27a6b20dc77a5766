"""The rules of moving through the continuum of care. Pure: no I/O, so every rule is tested
directly and over random sequences of operations.

Each refusal is a ``Conflict`` carrying the rule's name (``rule=``) and a sentence a
clinician understands; the service applies a plan only after every rule has passed, so a
refused operation changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from stepdown.continuum.models import DischargeType, EpisodeStatus, Track, Transition
from stepdown.kit.errors import Conflict, Invalid

# How far ahead a transition may be dated: plans are made, but not months ahead.
MAX_DAYS_AHEAD = 30


@dataclass(frozen=True)
class LevelFacts:
    id: uuid.UUID
    code: str
    name: str
    order: int
    in_house: bool
    day_track: bool
    evening_track: bool
    active: bool = True
    typical_weeks_max: int | None = None

    @property
    def tracks(self) -> tuple[Track, ...]:
        offered = []
        if self.day_track:
            offered.append(Track.DAY)
        if self.evening_track:
            offered.append(Track.EVENING)
        return tuple(offered) or (Track.NONE,)


@dataclass(frozen=True)
class SegmentFacts:
    level_id: uuid.UUID
    track: Track
    starts_on: date
    ends_on: date | None
    transition: Transition


@dataclass(frozen=True)
class EpisodeFacts:
    status: EpisodeStatus
    admitted_on: date
    discharged_on: date | None
    segments: tuple[SegmentFacts, ...]

    @property
    def current(self) -> SegmentFacts:
        return self.segments[-1]


@dataclass(frozen=True)
class NewSegment:
    level_id: uuid.UUID
    track: Track
    starts_on: date
    transition: Transition
    partner_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Plan:
    """What the service writes: end the current segment, open a new one, set the status."""

    close_current_on: date | None
    new_segment: NewSegment | None
    status: EpisodeStatus
    discharged_on: date | None = None


def refuse(rule: str, message: str) -> Conflict:
    return Conflict(message, rule=rule)


def require_text(value: str, field: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise Invalid(f"{what} is required", field=field)
    return cleaned


def check_effective_date(on: date, *, today: date, not_before: date, strictly_after: bool) -> None:
    """Dates never go backwards, and are never more than 30 days ahead."""
    if on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise refuse(
            "transition.date_too_far_ahead",
            f"The effective date {on} is more than {MAX_DAYS_AHEAD} days from today.",
        )
    if strictly_after and on <= not_before:
        raise refuse(
            "transition.date_not_after_current",
            f"The effective date {on} must be after {not_before}, when the current level began.",
        )
    if not strictly_after and on < not_before:
        raise refuse(
            "transition.date_before_current",
            f"The effective date {on} is before {not_before}, when the current level began.",
        )


def check_track(level: LevelFacts, track: Track) -> None:
    if track not in level.tracks:
        offered = " or ".join(t.value for t in level.tracks)
        raise refuse(
            "track.not_offered",
            f"{level.name} runs {offered}; there is no {track.value} track.",
        )


def check_in_house(level: LevelFacts) -> None:
    if not level.active:
        raise refuse("level.inactive", f"{level.name} is not offered at present.")
    if not level.in_house:
        raise refuse(
            "level.referred_out",
            f"{level.name} is provided by partner providers: use a referral out instead.",
        )


def check_open(episode: EpisodeFacts) -> None:
    if episode.status is EpisodeStatus.DISCHARGED:
        raise refuse(
            "episode.discharged",
            "This episode of care has ended; nothing more can be recorded in it.",
        )


def check_active(episode: EpisodeFacts) -> None:
    check_open(episode)
    if episode.status is EpisodeStatus.ON_HOLD:
        raise refuse(
            "episode.on_hold",
            "The client is away at a partner provider: record their return first.",
        )


def plan_admit(
    *, has_open_episode: bool, level: LevelFacts, track: Track, on: date, today: date
) -> NewSegment:
    if has_open_episode:
        raise refuse(
            "episode.one_open_per_client",
            "The client already has an open episode of care; discharge it before a new admission.",
        )
    check_in_house(level)
    check_track(level, track)
    check_effective_date(on, today=today, not_before=date.min, strictly_after=False)
    return NewSegment(level.id, track, on, Transition.ADMIT)


def plan_admit_referred_out(
    *,
    has_open_episode: bool,
    target: LevelFacts,
    partner_level_id: uuid.UUID,
    partner_id: uuid.UUID,
    on: date,
    today: date,
) -> NewSegment:
    """A new client who must go to detox or residential first: the episode opens on hold,
    away at the partner, and continues here when they return."""
    if has_open_episode:
        raise refuse(
            "episode.one_open_per_client",
            "The client already has an open episode of care; refer them out from it instead.",
        )
    if target.in_house:
        raise refuse(
            "refer_out.level_in_house",
            f"{target.name} is provided here: admit the client to it instead.",
        )
    if partner_level_id != target.id:
        raise refuse("refer_out.partner_level", f"That partner does not provide {target.name}.")
    check_effective_date(on, today=today, not_before=date.min, strictly_after=False)
    return NewSegment(target.id, Track.NONE, on, Transition.REFER_OUT, partner_id)


def skipped_levels(
    catalog: Sequence[LevelFacts], current: LevelFacts, target: LevelFacts
) -> list[LevelFacts]:
    """In-house, active levels strictly between the two, which the move passes over."""
    low, high = sorted((current.order, target.order))
    return [lv for lv in catalog if low < lv.order < high and lv.in_house and lv.active]


def plan_step(
    *,
    episode: EpisodeFacts,
    catalog: Sequence[LevelFacts],
    direction: Transition,
    target: LevelFacts,
    track: Track,
    on: date,
    today: date,
    skip_reason: str = "",
) -> Plan:
    """A step down (to less intensive care) or up, in the catalog's order or with a reason."""
    check_active(episode)
    by_id = {lv.id: lv for lv in catalog}
    current = by_id[episode.current.level_id]
    check_in_house(target)
    if direction is Transition.STEP_DOWN and target.order <= current.order:
        raise refuse(
            "step_down.not_lower",
            f"{target.name} is not a step down from {current.name}.",
        )
    if direction is Transition.STEP_UP and target.order >= current.order:
        raise refuse("step_up.not_higher", f"{target.name} is not a step up from {current.name}.")
    skipped = skipped_levels(catalog, current, target)
    if skipped and not skip_reason.strip():
        names = ", ".join(lv.name for lv in skipped)
        raise refuse(
            "step.skips_level",
            f"Moving from {current.name} to {target.name} skips {names}: say why.",
        )
    check_track(target, track)
    check_effective_date(on, today=today, not_before=episode.current.starts_on, strictly_after=True)
    return Plan(on, NewSegment(target.id, track, on, direction), EpisodeStatus.ACTIVE)


def plan_change_track(
    *, episode: EpisodeFacts, catalog: Sequence[LevelFacts], track: Track, on: date, today: date
) -> Plan:
    check_active(episode)
    level = {lv.id: lv for lv in catalog}[episode.current.level_id]
    if track is episode.current.track:
        raise refuse("change_track.same_track", f"The client is already on the {track} track.")
    check_track(level, track)
    check_effective_date(on, today=today, not_before=episode.current.starts_on, strictly_after=True)
    return Plan(on, NewSegment(level.id, track, on, Transition.CHANGE_TRACK), EpisodeStatus.ACTIVE)


def plan_refer_out(
    *,
    episode: EpisodeFacts,
    target: LevelFacts,
    partner_level_id: uuid.UUID,
    partner_id: uuid.UUID,
    on: date,
    today: date,
) -> Plan:
    """Send the client to a partner's detox or residential care; the episode waits on hold."""
    check_active(episode)
    if target.in_house:
        raise refuse(
            "refer_out.level_in_house",
            f"{target.name} is provided here: use a step up or step down instead.",
        )
    if partner_level_id != target.id:
        raise refuse(
            "refer_out.partner_level",
            f"That partner does not provide {target.name}.",
        )
    check_effective_date(on, today=today, not_before=episode.current.starts_on, strictly_after=True)
    segment = NewSegment(target.id, Track.NONE, on, Transition.REFER_OUT, partner_id)
    return Plan(on, segment, EpisodeStatus.ON_HOLD)


def plan_return(
    *, episode: EpisodeFacts, level: LevelFacts, track: Track, on: date, today: date
) -> Plan:
    check_open(episode)
    if episode.status is not EpisodeStatus.ON_HOLD:
        raise refuse(
            "return.not_referred_out",
            "The client is not away at a partner provider, so there is no return to record.",
        )
    check_in_house(level)
    check_track(level, track)
    check_effective_date(on, today=today, not_before=episode.current.starts_on, strictly_after=True)
    segment = NewSegment(level.id, track, on, Transition.RETURN_FROM_REFERRAL)
    return Plan(on, segment, EpisodeStatus.ACTIVE)


def plan_discharge(
    *, episode: EpisodeFacts, discharge_type: DischargeType, on: date, today: date
) -> Plan:
    """Discharge on D: D is the last day in care, so the last segment ends (exclusive) on D+1."""
    check_open(episode)
    if episode.status is EpisodeStatus.ON_HOLD and discharge_type is DischargeType.COMPLETED:
        raise refuse(
            "discharge.on_hold_completed",
            "A client who is away at a partner provider cannot be discharged as completed.",
        )
    check_effective_date(
        on, today=today, not_before=episode.current.starts_on, strictly_after=False
    )
    return Plan(on + timedelta(days=1), None, EpisodeStatus.DISCHARGED, discharged_on=on)


def expected_end(starts_on: date, level: LevelFacts) -> date | None:
    """When a typical stay at this level would end; None for open-ended levels."""
    if level.typical_weeks_max is None:
        return None
    return starts_on + timedelta(weeks=level.typical_weeks_max)


def timeline_problems(episode: EpisodeFacts) -> list[str]:
    """Every way the timeline breaks the invariants; empty when it is sound."""
    problems: list[str] = []
    segments = episode.segments
    if not segments:
        return ["episode has no segments"]
    if segments[0].starts_on != episode.admitted_on:
        problems.append("first segment does not start on the admission date")
    for before, after in pairwise(segments):
        if before.ends_on is None:
            problems.append(f"segment starting {before.starts_on} is open but not the last")
        elif before.ends_on != after.starts_on:
            problems.append(f"gap or overlap between {before.ends_on} and {after.starts_on}")
        if after.starts_on <= before.starts_on:
            problems.append(f"dates go backwards at {after.starts_on}")
    last = segments[-1]
    if episode.status is EpisodeStatus.DISCHARGED:
        if episode.discharged_on is None or last.ends_on != episode.discharged_on + timedelta(
            days=1
        ):
            problems.append("discharged episode's last segment does not end at discharge")
    elif last.ends_on is not None:
        problems.append("open episode's current segment has an end")
    on_hold = last.transition is Transition.REFER_OUT
    if episode.status is EpisodeStatus.ON_HOLD and not on_hold:
        problems.append("episode on hold but the current segment is not a referral out")
    if episode.status is EpisodeStatus.ACTIVE and on_hold:
        problems.append("active episode whose current segment is a referral out")
    return problems


def check_level_ranges(values: dict[str, object]) -> None:
    """A level's minimums never exceed its maximums, and nothing is negative."""
    for low, high in (
        ("weekly_hours_min", "weekly_hours_max"),
        ("days_per_week_min", "days_per_week_max"),
        ("typical_stay_weeks_min", "typical_stay_weeks_max"),
    ):
        a, b = values.get(low), values.get(high)
        for field, value in ((low, a), (high, b)):
            if isinstance(value, int | float) and value < 0:
                raise Invalid("must not be negative", field=field)
        if isinstance(a, int | float) and isinstance(b, int | float) and a > b:
            raise Invalid(f"must not exceed {high.replace('_', ' ')}", field=low)
    for field in ("days_per_week_min", "days_per_week_max"):
        value = values.get(field)
        if isinstance(value, int) and value > 7:
            raise Invalid("a week has 7 days", field=field)
