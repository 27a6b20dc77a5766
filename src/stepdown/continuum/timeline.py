"""The episode timeline drawn as an inline SVG bar of level segments, server-side.

Each segment is a rectangle whose width is its share of the episode's days, coloured by
level, with a <title> (shown on hover, read by screen readers) naming the level, track,
dates and the reason it began. The same facts are listed in a table under the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

# Colour per level code; unknown codes fall back to grey. Chosen for contrast with white text.
COLOURS = {
    "HOSPITAL": "#6b2737",
    "DETOX": "#8e3b46",
    "RESIDENTIAL": "#a4572b",
    "PHP": "#1f5f7a",
    "IOP": "#2f7d5b",
    "OP": "#5a6b2e",
    "AFTERCARE": "#6a4c93",
}
WIDTH, HEIGHT, BAR_Y, BAR_HEIGHT = 720, 64, 8, 30


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    starts_on: date
    ends_on: date  # exclusive
    reason: str


def _x(day: date, start: date, total_days: int) -> float:
    return round((day - start).days / total_days * WIDTH, 2)


def render(bars: list[Bar], *, caption: str) -> Markup:
    """An accessible SVG; an open-ended last segment is drawn up to ``ends_on`` given."""
    if not bars:
        return Markup("")
    start = bars[0].starts_on
    end = max(bar.ends_on for bar in bars)
    total = max((end - start).days, 1)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for bar in bars:
        x0, x1 = _x(bar.starts_on, start, total), _x(bar.ends_on, start, total)
        last_day = bar.ends_on - timedelta(days=1)
        title = f"{bar.label}: {bar.starts_on} to {last_day}. {bar.reason}"
        colour = COLOURS.get(bar.code, "#58636b")
        parts.append(
            f"<g><title>{escape(title)}</title>"
            f'<rect x="{x0}" y="{BAR_Y}" width="{max(x1 - x0, 1.5)}" height="{BAR_HEIGHT}" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
        )
        if x1 - x0 > 44:
            parts.append(
                f'<text x="{x0 + 6}" y="{BAR_Y + 20}" fill="#ffffff" font-size="13">'
                f"{escape(bar.code)}</text>"
            )
        parts.append("</g>")
    parts.append(
        f'<text x="0" y="{HEIGHT - 6}" font-size="12" fill="#444">{start}</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 6}" font-size="12" fill="#444" '
        f'text-anchor="end">{end - timedelta(days=1)}</text></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped above
