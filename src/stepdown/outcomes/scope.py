"""Which episodes a report covers: a date range and the filters the director chose.

A filter chooses episodes, never rows inside them: "IOP" means the episodes that spent time
at IOP within the range, and every measure then reads all of those episodes' facts, so a
figure's denominator is always a whole set of episodes the page can name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from stepdown.kit.errors import Invalid
from stepdown.outcomes.facts import EpisodeFact

# A report spans at most this many days: the page stays a page, and the ratio of rows read
# to rows shown stays bounded (three years of history plus a leap day).
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Scope:
    start: date
    end: date  # inclusive
    site_id: uuid.UUID | None = None
    level: str | None = None
    track: str | None = None
    payer: str | None = None
    cohort: str | None = None  # admission month, YYYY-MM

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise Invalid("the range ends before it starts", field="to")
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise Invalid("a report covers at most three years", field="to")

    def overlaps(self, episode: EpisodeFact) -> bool:
        return episode.admitted_on <= self.end and (
            episode.discharged_on is None or episode.discharged_on > self.start
        )

    def admits(self, episode: EpisodeFact) -> bool:
        """Whether the filters choose this episode (it must also overlap the range)."""
        if not self.overlaps(episode):
            return False
        if self.site_id is not None and episode.site_id != self.site_id:
            return False
        if self.payer is not None and episode.payer != self.payer:
            return False
        if self.cohort is not None and episode.cohort != self.cohort:
            return False
        if self.level is None and self.track is None:
            return True
        return any(
            (self.level is None or s.level == self.level)
            and (self.track is None or s.track == self.track)
            and s.starts_on <= self.end
            and (s.ends_on is None or s.ends_on > self.start)
            for s in episode.stretches
        )

    def describe(self) -> str:
        parts = [f"{self.start.isoformat()} to {self.end.isoformat()}"]
        if self.level:
            parts.append(f"level {self.level}")
        if self.track:
            parts.append(f"{self.track} track")
        if self.payer:
            parts.append(f"payer {self.payer}")
        if self.cohort:
            parts.append(f"admitted in {self.cohort}")
        return ", ".join(parts)
