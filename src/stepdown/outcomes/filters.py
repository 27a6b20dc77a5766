"""Reading a report's filters from a form, a query string or the command line.

Every value is checked against what exists (a site, a level in the catalog, a payer on
file), so a typo is an error naming the field rather than an empty report that looks like
a bad month.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from stepdown.continuum.models import Track
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid
from stepdown.outcomes import repository
from stepdown.outcomes.scope import Scope
from stepdown.programs.models import Site

DEFAULT_DAYS = 365  # the last year, ending today, when no range is given
TRACKS = (Track.DAY.value, Track.EVENING.value)


@dataclass(frozen=True)
class Choices:
    """What the filter form offers."""

    sites: list[tuple[uuid.UUID, str]]
    levels: list[tuple[str, str]]
    tracks: tuple[str, ...]
    payers: list[str]


def choices(session: Session) -> Choices:
    return Choices(
        sites=repository.site_choices(session),
        levels=[(lv.code, lv.name) for lv in repository.levels(session)],
        tracks=TRACKS,
        payers=repository.payers(session),
    )


def _site(session: Session, value: str) -> uuid.UUID | None:
    text = value.strip()
    if not text:
        return None
    try:
        as_id: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        as_id = None
    found = session.scalar(
        select(Site.id).where(
            or_(Site.code == text, Site.id == as_id) if as_id else Site.code == text
        )
    )
    if found is None:
        raise Invalid(f"no site {text!r}: give a site code", field="site")
    return found


def _month(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    try:
        bounds.check_day(date.fromisoformat(f"{text}-01"), field="cohort")
    except ValueError:
        raise Invalid("give the admission month as YYYY-MM", field="cohort") from None
    return text


def scope_from(
    session: Session,
    *,
    start: str | None,
    end: str | None,
    today: date,
    site: str = "",
    level: str = "",
    track: str = "",
    payer: str = "",
    cohort: str = "",
) -> Scope:
    last = bounds.parse_day(end, field="to", what="the end of the range") or today
    first = bounds.parse_day(start, field="from", what="the start of the range") or (
        last - timedelta(days=DEFAULT_DAYS - 1)
    )
    if last > today:
        raise Invalid("the range cannot end after today", field="to")
    offered = choices(session)
    code = level.strip().upper()
    if code and code not in {c for c, _ in offered.levels}:
        raise Invalid(f"no level {level.strip()!r} in the catalog", field="level")
    chosen_track = track.strip().lower()
    if chosen_track and chosen_track not in TRACKS:
        raise Invalid("the track is day or evening", field="track")
    named_payer = payer.strip()
    if named_payer and named_payer not in offered.payers:
        raise Invalid(f"no payer {named_payer!r} on file", field="payer")
    return Scope(
        start=first,
        end=last,
        site_id=_site(session, site),
        level=code or None,
        track=chosen_track or None,
        payer=named_payer or None,
        cohort=_month(cohort),
    )
