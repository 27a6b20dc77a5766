"""The trend SVG: the registry's bands drawn and labelled, a titled point per result, and
every label escaped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from stepdown.assessments import trend_chart
from stepdown.assessments.rules import BAM, CSSRS, GAD7, PHQ9, Band
from stepdown.assessments.service import TrendPoint, trend_svg
from stepdown.assessments.trend_chart import Line, Point, render

JAN = datetime(2026, 1, 5, 15, tzinfo=UTC)
FEB = datetime(2026, 2, 2, 15, tzinfo=UTC)


def test_bands_from_the_registry_are_drawn_and_labelled() -> None:
    svg = str(
        render(
            [Line("total", (Point(JAN, 16, "Jan: 16"), Point(FEB, 7, "Feb: 7")))],
            caption="PHQ-9 total over time",
            y_max=27,
            bands=PHQ9.bands,
        )
    )
    assert svg.startswith('<svg class="trend"')
    assert 'role="img" aria-label="PHQ-9 total over time"' in svg
    for label in ("minimal 0–4", "mild 5–9", "moderate 10–14", "moderately severe 15–19"):
        assert f">{label}</text>" in svg
    assert svg.count("<rect") == len(PHQ9.bands)
    assert svg.count('stroke-dasharray="4 3"') == len(PHQ9.bands) - 1  # one line per cut-off
    assert "<title>Band severe: 20 to 27</title>" in svg
    assert svg.count("<circle") == 2
    assert "<title>Jan: 16</title>" in svg
    assert "<polyline" in svg
    assert ">2026-01-05</text>" in svg
    assert ">2026-02-02</text>" in svg


def test_cut_off_lines_sit_where_the_bands_meet() -> None:
    """GAD-7 total 0-21: the 'moderate' band starts at 10, drawn at 9.5 on the scale."""
    svg = str(render([Line("t", (Point(JAN, 3, "x"),))], caption="c", y_max=21, bands=GAD7.bands))
    y_at = round(trend_chart.BOTTOM - 9.5 / 21 * (trend_chart.BOTTOM - 12), 2)
    assert f'y1="{y_at}" x2="{trend_chart.RIGHT}" y2="{y_at}"' in svg


def test_everything_interpolated_is_escaped() -> None:
    svg = str(
        render(
            [Line("<b>line</b>", (Point(JAN, 1, '<script>alert("x")</script>'),))],
            caption='"><script>',
            y_max=3,
            bands=(Band("<i>low</i>", 0, 3),),
        )
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&#34;&gt;&lt;script&gt;" in svg
    assert "&lt;i&gt;low&lt;/i&gt;" in svg
    assert "&lt;b&gt;line&lt;/b&gt;" in svg


def test_one_point_is_centred_and_nothing_to_draw_is_empty() -> None:
    svg = str(render([Line("t", (Point(JAN, 5, "x"),))], caption="c", y_max=10))
    assert f'cx="{(trend_chart.LEFT + trend_chart.RIGHT) / 2}"' in svg
    assert "<polyline" not in svg
    assert str(render([Line("t", ())], caption="c", y_max=10)) == ""


def test_several_lines_get_a_legend() -> None:
    lines = [Line(name, (Point(JAN, 1, name), Point(FEB, 2, name))) for name in ("use", "risk")]
    svg = str(render(lines, caption="BAM", y_max=24))
    assert ">use</text>" in svg
    assert ">risk</text>" in svg
    assert svg.count("<polyline") == 2


def test_the_service_draws_each_kind_of_instrument() -> None:
    def point(total: int | None, band: str | None, subscales: dict[str, int]) -> TrendPoint:
        return TrendPoint(uuid.uuid4(), JAN, total, band, subscales, None)

    phq = str(trend_svg(PHQ9, [point(12, "moderate", {})]))
    assert 'aria-label="PHQ-9 total over time, latest 12 (moderate)"' in phq
    bam = str(trend_svg(BAM, [point(None, None, {"use": 3, "risk": 10, "protective": 15})]))
    assert "use latest 3, risk latest 10, protective latest 15" in bam
    cssrs = str(trend_svg(CSSRS, [point(None, "moderate", {})]))
    assert ">moderate 2</text>" in cssrs
    assert str(trend_svg(PHQ9, [])) == ""
