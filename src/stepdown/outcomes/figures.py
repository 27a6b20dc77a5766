"""What one outcome figure is: its chart's data, the table beside it and the words around it.

A figure is built once from the measures (``outcomes.report``) and then drawn three ways
that must agree: the SVG chart (``outcomes.charts``), the accessible HTML table and the CSV
download. The table is the figure's numbers; the chart and the CSV are read from it or
from the same series, so a test can hold them to each other.

Small cells: a count of fewer than ``SMALL_CELL`` clients can identify someone in a
program-sized population, so every exported or printed copy of a table masks such counts,
and the rates computed from them, as "<11" (the threshold CMS's cell-size suppression
policy uses for data derived from Medicare and Medicaid records). On screen, staff who
may see the numbers read them unmasked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

# CMS Cell Size Suppression Policy: no cell of 1-10 beneficiaries may be displayed
# (https://resdac.org/articles/cms-cell-size-suppression-policy).
SMALL_CELL = 11
MASK = "<11"

Cell = str | int | float | None


class ChartKind(StrEnum):
    LINE = "line"  # one line per series over ordered x labels (weeks, months)
    STEP = "step"  # survival curves: x is days (numbers), each series a step function
    BAR = "bar"  # one bar per x label and series, side by side
    STACKED = "stacked"  # bars stacked per x label, one layer per series
    MATRIX = "matrix"  # a heat map: x labels are columns, one series per row
    TRAJECTORIES = "trajectories"  # thin lines per client plus bold summary series


@dataclass(frozen=True)
class Series:
    """One named line, bar layer or matrix row; ``values`` align with ``Figure.x``."""

    name: str
    values: tuple[float | None, ...]
    # A confidence band (survival curves), aligned with ``values``.
    lower: tuple[float | None, ...] | None = None
    upper: tuple[float | None, ...] | None = None
    # Thin unlabelled lines (one client's trajectory): drawn faintly, never in the legend.
    faint: bool = False
    # For faint lines: their own x positions (a client's weeks), not ``Figure.x``.
    x: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Threshold:
    """A reference line across the chart, e.g. PHQ-9 10 (moderate) or 90 days."""

    label: str
    value: float
    axis: str = "y"  # "y": horizontal line; "x": vertical line


@dataclass(frozen=True)
class Table:
    """The figure's numbers as rows; ``counts`` names the columns that count clients
    (masked below ``SMALL_CELL``), ``rates`` maps a rate column to the count column it is
    computed over (masked with it)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    counts: frozenset[str] = frozenset()
    rates: dict[str, str] = field(default_factory=dict)

    def masked(self) -> Table:
        """The table as it may leave the screen: small counts and their rates hidden."""
        index = {name: i for i, name in enumerate(self.columns)}
        hidden: list[tuple[Cell, ...]] = []
        for row in self.rows:
            cells = list(row)
            for name in self.counts:
                value = row[index[name]]
                if isinstance(value, int | float) and 0 < value < SMALL_CELL:
                    cells[index[name]] = MASK
            for rate, count in self.rates.items():
                value = row[index[count]]
                if isinstance(value, int | float) and 0 < value < SMALL_CELL:
                    cells[index[rate]] = MASK
            hidden.append(tuple(cells))
        return replace(self, rows=tuple(hidden))

    @property
    def has_small_cells(self) -> bool:
        return self.masked().rows != self.rows


@dataclass(frozen=True)
class Figure:
    """One chart with its table, definition, source and denominator."""

    key: str  # stable, URL-safe: "retention", "phq9-response"
    title: str
    definition: str  # what is counted, with the exact windows
    source: str  # where the definition comes from
    denominator: str  # what the figure is out of, with the count
    kind: ChartKind
    x_label: str
    y_label: str
    x: tuple[str | float, ...]
    series: tuple[Series, ...]
    table: Table
    y_max: float | None = None
    thresholds: tuple[Threshold, ...] = ()
    # Why a figure has nothing to show ("no episode in the range"); the chart says so.
    empty_reason: str = ""
    # Cells of the table that open a drill-down to named clients: key -> label.
    drill: dict[str, str] = field(default_factory=dict)


def cell_text(value: Cell) -> str:
    """One cell as every copy shows it (page, print, CSV), so they cannot disagree."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}" if not value.is_integer() else f"{value:.0f}"
    return str(value)
