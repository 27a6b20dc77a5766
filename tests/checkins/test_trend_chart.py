"""The check-in trend drawing: nothing without data, escaped text, the window as its axis."""

from __future__ import annotations

from datetime import date, timedelta

from stepdown.checkins import rules, trend_chart

START = date(2026, 11, 1)
END = START + timedelta(days=29)


def test_nothing_to_draw_is_an_empty_string() -> None:
    assert trend_chart.render([], [], start=START, end=END, caption="x") == ""


def test_points_lines_threshold_and_escaped_caption() -> None:
    days = [rules.DayPoint(START, 2, 7), rules.DayPoint(END, 9, 1)]
    svg = trend_chart.render(
        days, rules.rolling_average(days), start=START, end=END, caption='<b>"x"</b>'
    )
    assert svg.startswith('<svg class="trend"')
    assert 'aria-label="&lt;b&gt;&#34;x&#34;&lt;/b&gt;"' in svg
    assert svg.count("<circle") == 4  # two days, craving and mood each
    assert svg.count("<polyline") == 2
    assert "<title>2026-11-30: craving 9 of 10</title>" in svg
    assert "alert at craving 8" in svg
    # The first day sits on the left edge, the last on the right, whatever the data span.
    assert 'cx="40.0"' in svg
    assert 'cx="700.0"' in svg
