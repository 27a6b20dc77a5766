"""The outcome charts: pinned bytes, the same bytes in any process, and markup that a
screen reader can name and an HTML page can inline a dozen times over."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest

from stepdown.outcomes import charts
from stepdown.outcomes.figures import ChartKind, Figure, Series, Table, Threshold

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"

# Measured with matplotlib 3.11.2. A matplotlib or FreeType upgrade may move glyph metrics
# and so every coordinate: re-measure, look at the charts, and paste the new digests.
GOLDEN = {
    ChartKind.LINE: "f13efd15f6f28affc0a5989aa9be39ec6d36c15131abac88415bcefcb4b215b1",
    ChartKind.STEP: "693f6b4e97e2983fb6511fa9648752e22a34851e596fc4dee3f947e582522be4",
    ChartKind.BAR: "eb908a4326ee631171a24a6caced23702181d7bc4722c4180391992e5b2e1015",
    ChartKind.STACKED: "9e7c776b766fde2e3f158293e4cb9aaeaf499f25f1cdd0ebced5d4573e5b5119",
    ChartKind.MATRIX: "aeef6020825c9baa883ab598a62a589a9c1abb119ade104b9dd82976995c0309",
    ChartKind.TRAJECTORIES: "7a794e9be31e27d211c4abcf6676ff6d93583144c1350a8d056ac320e2ca26d1",
}


def make_figure(kind: ChartKind) -> Figure:
    """One small, fixed figure of each kind, with gaps, bands, thresholds and faint lines."""
    common = Figure(
        key=f"test-{kind.value}",
        title=f"Clients <retained> & {kind.value}",
        definition="Clients with an attended session in the window.",
        source="Test fixture",
        denominator="Out of 42 clients admitted <since> January & still enrolled",
        kind=kind,
        x_label="",
        y_label="",
        x=(),
        series=(),
        table=Table(columns=("x", "value"), rows=(("a", 1),)),
    )
    if kind is ChartKind.LINE:
        weeks = tuple(f"2025-W{w:02d}" for w in range(1, 27))
        return replace(
            common,
            x_label="Week",
            y_label="Share attended",
            x=weeks,
            series=(
                Series(
                    "Outpatient",
                    tuple(None if w in (5, 6, 12) else 0.6 + w / 100 for w in range(26)),
                ),
                Series("IOP", tuple(0.9 - w / 80 if w % 7 else None for w in range(26))),
            ),
            y_max=1.0,
            thresholds=(Threshold("Target 80%", 0.8),),
        )
    if kind is ChartKind.STEP:
        days = tuple(float(d) for d in range(0, 181, 15))
        retained = tuple(1.0 - d / 300 for d in days)
        return replace(
            common,
            x_label="Days since admission",
            y_label="Still in treatment",
            x=days,
            series=(
                Series(
                    "Outpatient",
                    retained,
                    lower=(*(v - 0.08 for v in retained[:-1]), None),
                    upper=(*(min(1.0, v + 0.08) for v in retained[:-1]), None),
                ),
                Series("IOP", tuple(1.0 - d / 200 if d < 150 else None for d in days)),
            ),
            y_max=1.0,
            thresholds=(Threshold("90 days", 90.0, axis="x"),),
        )
    if kind is ChartKind.BAR:
        return replace(
            common,
            x_label="Month",
            y_label="Admissions",
            x=("Jan", "Feb", "Mar", "Apr"),
            series=(
                Series("Outpatient", (12.0, 15.0, None, 9.0)),
                Series("IOP", (4.0, 7.0, 6.0, 5.0)),
            ),
        )
    if kind is ChartKind.STACKED:
        return replace(
            common,
            x_label="Month",
            y_label="Discharges",
            x=("Jan", "Feb", "Mar", "Apr"),
            series=(
                Series("Completed", (10.0, 12.0, 9.0, 14.0)),
                Series("Left early", (3.0, None, 4.0, 2.0)),
                Series("Transferred", (1.0, 2.0, 0.0, 1.0)),
            ),
            thresholds=(Threshold("Capacity", 18.0),),
        )
    if kind is ChartKind.MATRIX:
        return replace(
            common,
            x_label="Weeks since admission",
            y_label="Admission cohort",
            x=tuple(f"Week {w}" for w in range(1, 9)),
            series=(
                Series("January", (40.0, 36.0, 31.0, 29.0, 25.0, 22.0, 20.0, 19.0)),
                Series("February", (35.0, 33.0, 27.0, 24.0, 21.0, 18.0, None, None)),
                Series("$40-$60", (28.0, 25.0, 22.0, None, None, None, None, None)),
            ),
        )
    rng = random.Random(7)
    faint = tuple(
        Series(
            f"client {i}",
            tuple(None if rng.random() < 0.1 else float(rng.randint(2, 24)) for _ in range(10)),
            faint=True,
            x=tuple(float(w) for w in range(10)),
        )
        for i in range(30)
    )
    return replace(
        common,
        x_label="Weeks since admission",
        y_label="PHQ-9",
        x=tuple(float(w) for w in range(10)),
        series=(*faint, Series("Median", tuple(18.0 - w for w in range(10)))),
        y_max=27.0,
        thresholds=(Threshold("Moderate (10)", 10.0),),
    )


def digest(svg: str) -> str:
    return hashlib.sha256(svg.encode()).hexdigest()


@pytest.mark.parametrize("kind", list(ChartKind))
def test_bytes_are_pinned(kind: ChartKind) -> None:
    assert digest(charts.render(make_figure(kind))) == GOLDEN[kind]


def test_a_fresh_interpreter_draws_the_same_bytes() -> None:
    """Ids could come from object addresses or string hashing; a new process with another
    hash seed would then disagree with this one."""
    script = (
        "import hashlib, json\n"
        "from stepdown.outcomes.charts import render\n"
        "from stepdown.outcomes.figures import ChartKind\n"
        "from tests.outcomes.test_charts import make_figure\n"
        "print(json.dumps({k.value: hashlib.sha256(render(make_figure(k)).encode()).hexdigest()"
        " for k in ChartKind}))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(done.stdout)
    ours = {kind.value: digest(charts._draw(make_figure(kind))) for kind in ChartKind}
    assert theirs == ours
    assert ours == {kind.value: value for kind, value in GOLDEN.items()}


def test_threads_draw_what_one_thread_draws() -> None:
    figures = [make_figure(kind) for kind in ChartKind] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        drawn = list(pool.map(charts._draw, figures))
    assert [digest(svg) for svg in drawn] == [GOLDEN[f.kind] for f in figures]


@pytest.mark.parametrize("kind", list(ChartKind))
def test_markup_is_named_vector_and_inlinable(kind: ChartKind) -> None:
    svg = charts.render(make_figure(kind))
    key = f"test-{kind.value}"
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert "<dc:date>" not in svg
    assert "<image" not in svg
    # matplotlib's "*{...}" rule would restyle every SVG on the page.
    assert "*{" not in svg
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output, and well-formed XML
    assert root.get("role") == "img"
    assert root.get("id") == f"chart-{key}"
    assert root.get("aria-labelledby") == f"chart-{key}-title chart-{key}-desc"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title"
    assert title.get("id") == f"chart-{key}-title"
    assert title.text == f"Clients <retained> & {kind.value}"
    assert desc.tag == f"{SVG}desc"
    assert desc.get("id") == f"chart-{key}-desc"
    assert f'<title id="chart-{key}-title">Clients &lt;retained&gt; &amp; {kind.value}' in svg
    assert "Out of 42 clients admitted &lt;since&gt; January &amp; still enrolled</desc>" in svg
    # Text stays text: no glyph outlines.
    assert "<text" in svg
    assert "DejaVuSans-" not in svg
    # Not in the picture: the page prints the title as a heading.
    assert ">Clients &lt;retained&gt;" not in svg.split("</desc>", 1)[1]


@pytest.mark.parametrize("kind", list(ChartKind))
def test_ids_are_the_figures_own_and_references_resolve(kind: ChartKind) -> None:
    svg = charts.render(make_figure(kind))
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"chart-test-{kind.value}") for i in ids)
    references = re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg)
    assert references
    assert {a or b for a, b in references} <= set(ids)


def test_legend_names_labelled_series_and_thresholds_only() -> None:
    svg = charts.render(make_figure(ChartKind.TRAJECTORIES))
    assert ">Median</text>" in svg
    assert ">Moderate (10)</text>" in svg
    assert "client 1" not in svg
    one = make_figure(ChartKind.BAR)
    alone = charts.render(replace(one, series=one.series[:1]))
    assert ">Outpatient</text>" not in alone


def test_matrix_writes_each_value_and_leaves_gaps_empty() -> None:
    svg = charts.render(make_figure(ChartKind.MATRIX))
    cells = re.findall(r"font-size: 7.5px[^>]*>([^<]+)</text>", svg)
    assert cells == [
        *("40", "36", "31", "29", "25", "22", "20", "19"),
        *("35", "33", "27", "24", "21", "18"),
        *("28", "25", "22"),
    ]
    # Labels are data, not TeX.
    assert ">$40-$60</text>" in svg


def test_an_empty_figure_says_why() -> None:
    line = make_figure(ChartKind.LINE)
    said = charts.render(replace(line, empty_reason="No episode in the range"))
    assert ">No episode in the range</text>" in said
    assert ">Outpatient</text>" not in said
    blank = tuple(replace(s, values=(None,) * len(s.values)) for s in line.series)
    assert ">No data to chart.</text>" in charts.render(replace(line, series=blank))


def test_one_value_changes_the_bytes() -> None:
    bar = make_figure(ChartKind.BAR)
    first = bar.series[0]
    changed = replace(bar, series=(replace(first, values=(12.0, 16.0, None, 9.0)), *bar.series[1:]))
    assert digest(charts.render(changed)) != digest(charts.render(bar))


def test_a_key_that_cannot_name_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot name SVG ids"):
        charts.render(replace(make_figure(ChartKind.BAR), key='bar" onload="x'))


def test_equal_figures_share_one_drawing() -> None:
    assert charts.render(make_figure(ChartKind.STEP)) is charts.render(make_figure(ChartKind.STEP))
