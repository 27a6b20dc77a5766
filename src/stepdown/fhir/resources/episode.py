"""EpisodeOfCare, from an episode and its level segments.

The level history is ``statusHistory``: one entry per segment, with the segment's level of
care (and track) in extensions, since FHIR's status history has no element for them;
``type`` lists each level the episode went through, in order. A segment referred out
(to detox or residential care) is the episode on hold. Segments are half-open date ranges
``[starts_on, ends_on)``; a segment that ends the day it starts covers no day and is left
out (a Period cannot end before it starts).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from fhir.resources.R4B.episodeofcare import EpisodeOfCare

from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare, Segment, Track
from stepdown.continuum.models import Transition as Move
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import (
    Json,
    coding,
    concept,
    date_period,
    last_day,
    meta,
    patient,
)

LEVEL_SYSTEM = "level-of-care"
LEVEL_EXTENSION = "level-of-care"
TRACK_EXTENSION = "track"

STATUS = {
    EpisodeStatus.ACTIVE: "active",
    EpisodeStatus.ON_HOLD: "onhold",
    EpisodeStatus.DISCHARGED: "finished",
}


def build(
    episode: Episode,
    segments: Sequence[Segment],
    levels: Mapping[uuid.UUID, LevelOfCare],
    *,
    names: Namespace,
) -> EpisodeOfCare:
    ordered = sorted(segments, key=lambda s: (s.starts_on, s.recorded_at))
    history = [
        _history(segment, levels[segment.level_id], names)
        for segment in ordered
        if segment.ends_on is None or segment.ends_on > segment.starts_on
    ]
    seen: dict[uuid.UUID, LevelOfCare] = {}
    for segment in ordered:
        seen.setdefault(segment.level_id, levels[segment.level_id])
    return EpisodeOfCare(
        id=str(episode.id),
        meta=meta(),
        status=STATUS[episode.status],
        statusHistory=history or None,
        type=[concept(_label(level), _level_coding(level, names)) for level in seen.values()]
        or None,
        patient=patient(episode.client_id),
        period=date_period(episode.admitted_on, episode.discharged_on),
    )


def _history(segment: Segment, level: LevelOfCare, names: Namespace) -> Json:
    extensions: list[Json] = [
        {"url": names.extension(LEVEL_EXTENSION), "valueCoding": _level_coding(level, names)}
    ]
    if segment.track is not Track.NONE:
        extensions.append(
            {"url": names.extension(TRACK_EXTENSION), "valueCode": segment.track.value}
        )
    return {
        "extension": extensions,
        "status": "onhold" if segment.transition is Move.REFER_OUT else "active",
        "period": date_period(
            segment.starts_on, last_day(segment.ends_on) if segment.ends_on else None
        ),
    }


def _level_coding(level: LevelOfCare, names: Namespace) -> Json:
    return coding(names.code_system(LEVEL_SYSTEM), level.code, level.name)


def _label(level: LevelOfCare) -> str:
    return f"{level.name}, ASAM {level.asam_level}" if level.asam_level else level.name
