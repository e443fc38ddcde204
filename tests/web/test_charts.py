"""The back office's SVG charts (web/charts.py): pure functions, read back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanbook.web.charts import (
    BARS_MAX, MARGIN_TOP, PLOT_HEIGHT, Bar, ChartError, Series, bar_chart, hbar_chart, line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    return root


def _bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]


def test_a_bar_per_item_with_its_label_value_and_height_in_proportion():
    root = _parse(bar_chart("Loans by status", [Bar("ACTIVE", 300), Bar("GRACE", 150), Bar("OVERDUE", 0)]))
    bars = _bars(root)
    assert [(b.get("data-label"), b.get("data-value")) for b in bars] == [("ACTIVE", "300"), ("GRACE", "150"),
                                                                         ("OVERDUE", "0")]
    heights = [int(b.get("height")) for b in bars]
    assert heights[0] == 2 * heights[1] and heights[2] == 0
    # Every bar stands on the same baseline.
    assert {int(b.get("y")) + int(b.get("height")) for b in bars} == {MARGIN_TOP + PLOT_HEIGHT}
    assert root.get("aria-label") == "Loans by status"


def test_labels_are_escaped_not_markup():
    root = _parse(bar_chart("<script>", [Bar('a"<b>&', 1)]))
    assert _bars(root)[0].get("data-label") == 'a"<b>&'
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("script"))


def test_amounts_stay_exact_in_the_data_and_the_printed_figure():
    root = _parse(bar_chart("Principal", [Bar("1-30", Decimal("1234.56"), shown="1,234.56")]))
    bar = _bars(root)[0]
    assert bar.get("data-value") == "1234.56"
    assert "1,234.56" in [t.text for t in root.iter(f"{SVG}text")]


def test_an_empty_chart_says_so():
    for svg in (bar_chart("x", []), line_chart("x", [], []), hbar_chart("x", [])):
        assert "no data yet" in [t.text for t in _parse(svg).iter(f"{SVG}text")]


def test_too_many_bars_is_refused():
    with pytest.raises(ChartError):
        bar_chart("x", [Bar(str(n), n) for n in range(BARS_MAX + 1)])


def test_a_line_per_series_through_every_point():
    labels = ["2026-01-16", "2026-01-17", "2026-01-18", "2026-01-19"]
    root = _parse(line_chart("DPD trend", labels, [Series("current", (10, 9, 8, 8)), Series("1-30", (0, 1, 2, 2))]))
    lines = list(root.iter(f"{SVG}polyline"))
    assert [line.get("data-label") for line in lines] == ["current", "1-30"]
    assert lines[1].get("data-value") == "0,1,2,2"
    points = [[tuple(map(int, p.split(","))) for p in line.get("points").split()] for line in lines]
    assert all(len(p) == len(labels) for p in points)
    # Higher values are drawn higher (smaller y); equal values level.
    assert points[0][0][1] < points[0][1][1] < points[0][2][1] == points[0][3][1]
    assert points[1][0][1] == MARGIN_TOP + PLOT_HEIGHT
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert labels[0] in texts and labels[-1] in texts


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ChartError, match="3 values for 2 labels"):
        line_chart("x", ["a", "b"], [Series("s", (1, 2, 3))])


def test_horizontal_bars_draw_nothing_for_a_negative_balance_but_print_it():
    root = _parse(hbar_chart("Balances", [Bar("cash", Decimal("-100.00")), Bar("principal_receivable", 100)]))
    bars = _bars(root)
    assert [int(b.get("width")) for b in bars][0] == 0 and int(bars[1].get("width")) > 0
    assert "-100.00" in [t.text for t in root.iter(f"{SVG}text")]


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=BARS_MAX))
def test_bars_never_leave_the_plot_and_keep_their_order(values):
    bars = _bars(_parse(bar_chart("x", [Bar(str(i), v) for i, v in enumerate(values)])))
    heights = [int(b.get("height")) for b in bars]
    assert all(0 <= h <= PLOT_HEIGHT for h in heights)
    for (a, ha), (b, hb) in zip(zip(values, heights), zip(values[1:], heights[1:])):
        if a < b:
            assert ha <= hb
        if a == b:
            assert ha == hb
    assert max(heights) >= PLOT_HEIGHT // 10 if max(values) > 0 else max(heights) == 0
