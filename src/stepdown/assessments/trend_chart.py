"""An instrument's results over time, drawn server-side as an inline SVG.

The registry's bands (e.g. PHQ-9 minimal 0-4 ... severe 20-27) are drawn behind the line as
tinted horizontal stripes, each labelled with its name and range, with a dashed line at each
cut-off, so a reader sees which band every result fell in without a legend. Each point
carries a <title> (shown on hover, read by screen readers) with its date, value and band;
the same results are listed in the history table beside the drawing. Every interpolated
value is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from stepdown.assessments.rules import Band

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, BOTTOM = 40, 560, 212  # plot area; band labels sit to the right of RIGHT
# Stripe tints from calm to warm; a band's tint follows its place in the instrument's order.
TINTS = ("#e6f2ea", "#eef3d9", "#fbf0cf", "#fbe3cc", "#f8d6d2")
LINE_COLOURS = ("#1f5f7a", "#8e3b46", "#2f7d5b", "#6a4c93")
INK, MUTED = "#1d2a33", "#444f57"


@dataclass(frozen=True)
class Point:
    at: datetime
    value: int
    title: str  # what a screen reader announces for this point


@dataclass(frozen=True)
class Line:
    label: str
    points: tuple[Point, ...]


def _tint(index: int, count: int) -> str:
    if count <= 1:
        return TINTS[0]
    return TINTS[round(index * (len(TINTS) - 1) / (count - 1))]


def render(
    lines: Sequence[Line],
    *,
    caption: str,
    y_max: int,
    y_min: int = 0,
    bands: Sequence[Band] = (),
) -> Markup:
    """An accessible SVG; nothing at all when there is no point to draw."""
    points = [p for line in lines for p in line.points]
    if not points:
        return Markup("")
    top = 30 if len(lines) > 1 else 12
    span = max(y_max - y_min, 1)

    def y(value: float) -> float:
        clipped = min(max(value, y_min), y_max)
        return round(BOTTOM - (clipped - y_min) / span * (BOTTOM - top), 2)

    first = min(p.at for p in points)
    last = max(p.at for p in points)
    seconds = (last - first).total_seconds()

    def x(at: datetime) -> float:
        if seconds <= 0:
            return (LEFT + RIGHT) / 2
        return round(LEFT + (at - first).total_seconds() / seconds * (RIGHT - LEFT), 2)

    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, band in enumerate(bands):
        # Whole-number scores: a band [low, high] covers low - 0.5 to high + 0.5.
        upper, lower = y(band.high + 0.5), y(band.low - 0.5)
        label = f"{band.label} {band.low}" + (f"–{band.high}" if band.high != band.low else "")
        parts.append(
            f"<g><title>{escape(f'Band {band.label}: {band.low} to {band.high}')}</title>"
            f'<rect x="{LEFT}" y="{upper}" width="{RIGHT - LEFT}" '
            f'height="{round(lower - upper, 2)}" fill="{_tint(index, len(bands))}"/>'
            f'<text x="{RIGHT + 8}" y="{round((upper + lower) / 2 + 4, 2)}" font-size="12" '
            f'fill="{INK}">{escape(label)}</text></g>'
        )
        if index > 0:
            parts.append(
                f'<line x1="{LEFT}" y1="{lower}" x2="{RIGHT}" y2="{lower}" stroke="{MUTED}" '
                f'stroke-width="1" stroke-dasharray="4 3"/>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{BOTTOM}" stroke="{MUTED}"/>'
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="{MUTED}"/>'
        f'<text x="{LEFT - 6}" y="{y(y_min) + 4}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">{y_min}</text>'
        f'<text x="{LEFT - 6}" y="{y(y_max) + 4}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">{y_max}</text>'
    )
    for index, line in enumerate(lines):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        ordered = sorted(line.points, key=lambda p: p.at)
        coords = " ".join(f"{x(p.at)},{y(p.value)}" for p in ordered)
        parts.append(f"<g><title>{escape(line.label)}</title>")
        if len(ordered) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts.extend(
            f'<circle cx="{x(p.at)}" cy="{y(p.value)}" r="4" fill="{colour}">'
            f"<title>{escape(p.title)}</title></circle>"
            for p in ordered
        )
        parts.append("</g>")
        if len(lines) > 1:
            legend_x = LEFT + index * 150
            parts.append(
                f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{colour}"/>'
                f'<text x="{legend_x + 16}" y="18" font-size="12" fill="{INK}">'
                f"{escape(line.label)}</text>"
            )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="12" fill="{MUTED}">{first:%Y-%m-%d}</text>'
        f'<text x="{RIGHT}" y="{HEIGHT - 6}" font-size="12" fill="{MUTED}" '
        f'text-anchor="end">{last:%Y-%m-%d}</text></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped above
