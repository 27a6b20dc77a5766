"""Outcome figures drawn as inline SVG, byte-identical for identical data.

The outcomes page inlines a dozen of these, the golden-hash tests pin their bytes, and a
screen reader must be able to say what each one is. So the drawing:

- runs on matplotlib's object API under a fixed style (the library defaults plus the settings
  below, whatever a ``matplotlibrc`` on the server says), because ``pyplot`` keeps global
  figures that a threaded web server would share;
- fixes the SVG id salt and drops the date metadata, so the same figure gives the same bytes
  in every process;
- keeps text as ``<text>`` (smaller, selectable, searchable) instead of glyph outlines;
- never rasterises (no ``imshow``), so the chart stays sharp when zoomed or printed;
- prefixes every element id with the figure's key and drops matplotlib's page-wide ``*{...}``
  style rule, because twelve charts inlined into one HTML document share one id space and
  one stylesheet.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import Normalize
from matplotlib.figure import Figure as MplFigure
from matplotlib.typing import RcKeyType

from stepdown.outcomes.figures import ChartKind, Figure, Series

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour
# vision deficiencies. Yellow is last: it is hard to see as a thin line on white.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
THRESHOLD_COLOUR = "#4D4D4D"
FAINT_COLOUR = "#8C8C8C"
# Sequential and readable with any colour vision (Nuñez et al. 2018).
MATRIX_COLOURMAP = "cividis"

WIDTH_IN, HEIGHT_IN = 7.0, 3.2
MAX_X_LABELS = 12
# About how many tick-label characters fit across the axes at the tick font size.
X_LABEL_CHARS = 84

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "stepdown-outcomes",
    "svg.fonttype": "none",
    # Metrics come from DejaVu Sans (shipped with matplotlib); a browser without it falls
    # back to its own sans-serif rather than to Times.
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "figure.dpi": 72.0,
    "savefig.dpi": 72.0,
    # Series names and labels are data: "$40-$60" must not be parsed as TeX.
    "text.parse_math": False,
}
_METADATA: dict[str, str | None] = {"Date": None, "Creator": None}

_CACHE_SIZE = 256
_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = threading.Lock()
# Style contexts change matplotlib's process-wide rcParams, so drawings cannot overlap.
_draw_lock = threading.Lock()

_TAG = re.compile(r"<[^!?/][^>]*>")
_ID_REF = re.compile(r'(\sid="|href="#|url\(#)')
# The key becomes part of every id and ``url(#...)`` reference: unreserved URL characters only.
_KEY = re.compile(r"[A-Za-z0-9._~-]+")
_DEFAULT_STYLE = re.compile(r"\s*<defs>\s*<style[^>]*>\*\{[^}]*\}</style>\s*</defs>")


def render(figure: Figure) -> str:
    """The figure's chart as an ``<svg>`` element to inline in HTML (already escaped: mark
    it safe in a template rather than escaping it again).

    A page renders about a dozen charts per request, mostly unchanged since the last one,
    so drawings are kept by a digest of the figure's (deterministic) repr.
    """
    digest = hashlib.sha256(repr(figure).encode()).hexdigest()
    with _cache_lock:
        cached = _cache.get(digest)
        if cached is not None:
            _cache.move_to_end(digest)
            return cached
    svg = _draw(figure)
    with _cache_lock:
        _cache[digest] = svg
        _cache.move_to_end(digest)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return svg


def _draw(figure: Figure) -> str:
    if not _KEY.fullmatch(figure.key):
        raise ValueError(f"figure key {figure.key!r} cannot name SVG ids")
    with _draw_lock, style.context("default"), mpl.rc_context(_STYLE):
        fig = MplFigure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        if figure.empty_reason or not _has_data(figure.series):
            _draw_empty(ax, figure.empty_reason or "No data to chart.")
        else:
            _draw_data(ax, figure)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    return _accessible(buffer.getvalue(), figure)


def _has_data(series: Sequence[Series]) -> bool:
    return any(v is not None for s in series for v in s.values)


def _draw_empty(ax: Axes, reason: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#BBBBBB")
    ax.text(
        0.5,
        0.5,
        reason,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#555555",
        wrap=True,
    )


def _draw_data(ax: Axes, figure: Figure) -> None:
    drawers = {
        ChartKind.LINE: _draw_line,
        ChartKind.STEP: _draw_step,
        ChartKind.BAR: _draw_bar,
        ChartKind.STACKED: _draw_stacked,
        ChartKind.MATRIX: _draw_matrix,
        ChartKind.TRAJECTORIES: _draw_trajectories,
    }
    drawers[figure.kind](ax, figure)
    if figure.kind is not ChartKind.MATRIX:
        ax.grid(axis="y", color="#E3E3E3", linewidth=0.6)
        ax.set_axisbelow(True)
        if figure.y_max is not None:
            ax.set_ylim(0, figure.y_max)
    dashes = ("--", ":", "-.")
    references = [
        (ax.axvline if threshold.axis == "x" else ax.axhline)(
            threshold.value,
            color=THRESHOLD_COLOUR,
            linewidth=1.0,
            linestyle=dashes[i % len(dashes)],
            label=threshold.label,
        )
        for i, threshold in enumerate(figure.thresholds)
    ]
    ax.set_xlabel(figure.x_label)
    ax.set_ylabel(figure.y_label)
    # A matrix's series are its rows, named on the y axis.
    labelled = 0 if figure.kind is ChartKind.MATRIX else sum(not s.faint for s in figure.series)
    if labelled > 1 or references:
        handles, labels = ax.get_legend_handles_labels()
        # matplotlib lists bars after lines; the series come first whatever their kind.
        order = sorted(range(len(handles)), key=lambda i: handles[i] in references)
        # Above the plot, not "best": "best" costs a search over every point drawn.
        ax.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncols=min(len(handles), 6),
            frameon=False,
            borderaxespad=0.0,
        )


def _floats(values: Sequence[float | None]) -> npt.NDArray[np.float64]:
    """None becomes NaN, which matplotlib draws as a gap."""
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _numeric_x(figure: Figure) -> npt.NDArray[np.float64]:
    return np.array([float(x) for x in figure.x], dtype=np.float64)


def _label_x(ax: Axes, labels: Sequence[str | float], offset: float = 0.0) -> None:
    """Categorical x labels, thinned so weekly axes over a year stay legible."""
    texts = [str(label) for label in labels]
    longest = max((len(t) for t in texts), default=1)
    fit = max(1, min(MAX_X_LABELS, X_LABEL_CHARS // (longest + 2)))
    step = math.ceil(len(texts) / fit) if texts else 1
    positions = range(0, len(texts), step)
    ax.set_xticks([p + offset for p in positions], [texts[p] for p in positions])


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _draw_line(ax: Axes, figure: Figure) -> None:
    positions = np.arange(len(figure.x), dtype=np.float64)
    for i, series in enumerate(figure.series):
        # Markers keep a point between two gaps visible.
        ax.plot(
            positions,
            _floats(series.values),
            color=_colour(i),
            linewidth=1.8,
            marker="o",
            markersize=3.0,
            label=series.name,
        )
    _label_x(ax, figure.x)


def _draw_step(ax: Axes, figure: Figure) -> None:
    days = _numeric_x(figure)
    for i, series in enumerate(figure.series):
        if series.lower is not None and series.upper is not None:
            ax.fill_between(
                days,
                _floats(series.lower),
                _floats(series.upper),
                step="post",
                color=_colour(i),
                alpha=0.18,
                linewidth=0.0,
            )
        ax.step(
            days,
            _floats(series.values),
            where="post",
            color=_colour(i),
            linewidth=1.8,
            label=series.name,
        )


def _draw_bar(ax: Axes, figure: Figure) -> None:
    width = 0.8 / max(len(figure.series), 1)
    for i, series in enumerate(figure.series):
        offset = (i - (len(figure.series) - 1) / 2) * width
        shown = [(p, v) for p, v in enumerate(series.values) if v is not None]
        ax.bar(
            [p + offset for p, _ in shown],
            [v for _, v in shown],
            width=width,
            color=_colour(i),
            label=series.name,
        )
    _label_x(ax, figure.x)


def _draw_stacked(ax: Axes, figure: Figure) -> None:
    positions = np.arange(len(figure.x), dtype=np.float64)
    bottom = np.zeros(len(figure.x), dtype=np.float64)
    for i, series in enumerate(figure.series):
        heights = np.nan_to_num(_floats(series.values), nan=0.0)
        ax.bar(
            positions,
            heights,
            width=0.7,
            bottom=bottom,
            color=_colour(i),
            edgecolor="#FFFFFF",
            linewidth=0.5,
            label=series.name,
        )
        bottom = bottom + heights
    _label_x(ax, figure.x)


def _draw_matrix(ax: Axes, figure: Figure) -> None:
    """``y_max``, if given, tops the colour scale (a matrix has no y quantity to limit)."""
    grid = np.ma.masked_invalid(np.array([_floats(s.values) for s in figure.series]))
    low = min(0.0, float(grid.min()))
    high = figure.y_max if figure.y_max is not None else float(grid.max())
    norm = Normalize(vmin=low, vmax=high if high > low else low + 1.0)
    cmap = mpl.colormaps[MATRIX_COLOURMAP]
    ax.pcolormesh(grid, cmap=cmap, norm=norm, edgecolors="#FFFFFF", linewidth=1.0)
    for row, series in enumerate(figure.series):
        for column, value in enumerate(series.values):
            if value is None:
                continue
            red, green, blue, _ = cmap(norm(value))
            dark = 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5
            ax.text(
                column + 0.5,
                row + 0.5,
                _cell_text(value),
                ha="center",
                va="center",
                fontsize=7.5,
                color="#FFFFFF" if dark else "#000000",
                # Inside its cell: measuring hundreds of these for the layout doubles the time.
                in_layout=False,
            )
    ax.set_yticks([r + 0.5 for r in range(len(figure.series))], [s.name for s in figure.series])
    ax.invert_yaxis()
    _label_x(ax, figure.x, offset=0.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _cell_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _draw_trajectories(ax: Axes, figure: Figure) -> None:
    days = _numeric_x(figure)
    faint = [s for s in figure.series if s.faint]
    if faint:
        # All clients as one path, each line ended by a NaN: 500 clients as separate SVG
        # elements (a LineCollection) took four times as long to draw and twice the bytes.
        # One path is stroked once, so crossings do not darken into a grey block.
        xs = np.concatenate(
            [
                np.append(days if s.x is None else np.array(s.x, dtype=np.float64), math.nan)
                for s in faint
            ]
        )
        ys = np.concatenate([np.append(_floats(s.values), math.nan) for s in faint])
        ax.plot(
            xs,
            ys,
            color=FAINT_COLOUR,
            linewidth=0.6,
            alpha=0.3,
            zorder=1.0,
        )
    for i, series in enumerate(s for s in figure.series if not s.faint):
        ax.plot(
            days,
            _floats(series.values),
            color=_colour(i),
            linewidth=2.4,
            zorder=3.0,
            label=series.name,
        )


def _accessible(svg: str, figure: Figure) -> str:
    """Name the chart for assistive technology and make it safe to inline beside others."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    prefix = f"chart-{figure.key}-"
    body = _DEFAULT_STYLE.sub("", svg[end + 1 :], count=1)
    body = _TAG.sub(lambda tag: _ID_REF.sub(lambda m: m.group(1) + prefix, tag.group(0)), body)
    title_id, desc_id = f"{prefix}title", f"{prefix}desc"
    # The dropped rule's stroke defaults, now inherited from the root instead of applied to
    # every element of the page.
    root = (
        f'{svg[start:end]} id="chart-{figure.key}" role="img"'
        f' aria-labelledby="{title_id} {desc_id}" stroke-linejoin="round" stroke-linecap="butt">'
    )
    return (
        f"{root}\n"
        f' <title id="{title_id}">{escape(figure.title)}</title>\n'
        f' <desc id="{desc_id}">{escape(figure.denominator)}</desc>'
        f"{body}"
    )
