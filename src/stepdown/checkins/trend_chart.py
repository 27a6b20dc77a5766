"""Craving and mood over a window of days, drawn server-side as an inline SVG.

Both scales run 0-10, so they share one axis: each day with a check-in is a dot (the day's
worst craving, its lowest mood) and the 7-day averages are the lines through them. A dashed
line marks craving 8, where a check-in alerts the clinician. Each dot carries a <title>
(hover, screen readers) with its date and values; the chart tab lists the same check-ins
in a table. Every interpolated value is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from stepdown.checkins.rules import CRAVING_ALERT_AT, SCALE_MAX, AveragePoint, DayPoint

WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 700, 34, 216
CRAVING_COLOUR, MOOD_COLOUR = "#8e3b46", "#1f5f7a"
INK, MUTED = "#1d2a33", "#444f57"


def _y(value: float) -> float:
    clipped = min(max(value, 0), SCALE_MAX)
    return round(BOTTOM - clipped / SCALE_MAX * (BOTTOM - TOP), 2)


def render(
    days: Sequence[DayPoint],
    averages: Sequence[AveragePoint],
    *,
    start: date,
    end: date,
    caption: str,
) -> Markup:
    """An accessible SVG of the window ``[start, end]``; nothing when no day has a check-in."""
    if not days:
        return Markup("")
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (day - start).days / span * (RIGHT - LEFT), 2)

    threshold = _y(CRAVING_ALERT_AT)
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="{MUTED}"/>',
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="{MUTED}"/>',
        f'<text x="{LEFT - 6}" y="{BOTTOM + 4}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">{SCALE_MAX}</text>',
        f"<g><title>Craving {CRAVING_ALERT_AT} or more alerts the clinician</title>"
        f'<line x1="{LEFT}" y1="{threshold}" x2="{RIGHT}" y2="{threshold}" stroke="{MUTED}" '
        f'stroke-width="1" stroke-dasharray="4 3"/>'
        f'<text x="{RIGHT}" y="{threshold - 4}" font-size="12" fill="{INK}" '
        f'text-anchor="end">alert at craving {CRAVING_ALERT_AT}</text></g>',
    ]
    series = (
        ("craving (higher is worse)", CRAVING_COLOUR, "craving"),
        ("mood (higher is better)", MOOD_COLOUR, "mood"),
    )
    for index, (label, colour, attr) in enumerate(series):
        coords = " ".join(f"{x(a.day)},{_y(getattr(a, attr))}" for a in averages)
        parts.append(f"<g><title>{escape(label)}, 7-day average</title>")
        if len(averages) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts.extend(
            f'<circle cx="{x(d.day)}" cy="{_y(getattr(d, attr))}" r="3.5" fill="{colour}">'
            f"<title>{escape(f'{d.day:%Y-%m-%d}: {attr} {getattr(d, attr)} of 10')}</title>"
            f"</circle>"
            for d in days
        )
        parts.append("</g>")
        legend_x = LEFT + index * 230
        parts.append(
            f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="18" font-size="12" fill="{INK}">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="12" fill="{MUTED}">{start:%Y-%m-%d}</text>'
        f'<text x="{RIGHT}" y="{HEIGHT - 6}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">{end:%Y-%m-%d}</text></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped above
