"""Charts for the back office as SVG strings, drawn on the server (issue 12: the page
must not need the internet, so no charting library is fetched by the browser).

Pure functions of immutable values: no I/O, no clock. Geometry is integer pixels computed
with Decimal (a value's bar height is ``value * PLOT_HEIGHT / largest``, rounded half up),
so no float ever touches an amount. Every mark carries ``data-label`` and ``data-value``
(the figure as given) and a ``<title>`` (the tooltip and what a screen reader says), so a
test or a person can read the chart back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 40  # the title, and room for the figure above the tallest bar
MARGIN_BOTTOM = 56
PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
BARS_MAX = 64  # a bar chart of more would be unreadable: the caller groups first
POINTS_MAX = 2000  # about five years of business dates
SERIES_MAX = 12
TICKS = 4  # horizontal grid lines above zero
PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
           "#65a30d", "#ea580c", "#0f766e", "#9333ea")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal | int  # counts or amounts in yuan; negative values are drawn as zero-height
    shown: str = ""  # the figure as printed above the bar; default the value itself


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal | int, ...]  # one per x label


class ChartError(ValueError):
    """A chart asked for with data it cannot draw (a programmer's error: the pages build
    the data)."""


def _px(value: Decimal | int, largest: Decimal, span: int) -> int:
    """``value`` scaled to ``span`` pixels, ``largest`` filling it; never below zero."""
    if largest <= ZERO or Decimal(value) <= ZERO:
        return 0
    return int((Decimal(value) * span / largest).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _nice_top(largest: Decimal) -> Decimal:
    """A round axis top at or above ``largest``: 1, 2, 2.5 or 5 times a power of ten."""
    if largest <= ZERO:
        return Decimal(1)
    power = Decimal(10) ** (largest.adjusted())
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if step * power >= largest:
            return step * power
    return 10 * power  # unreachable: 10 * 10**adjusted exceeds any value of that exponent


def _figure(value: Decimal) -> str:
    """An axis figure: integers plain, others without trailing zeros."""
    text = f"{value.normalize():f}"
    return text


def _frame(title: str, kind: str, body: list[str], top: Decimal) -> str:
    grid = []
    for tick in range(TICKS + 1):
        y = MARGIN_TOP + PLOT_HEIGHT - PLOT_HEIGHT * tick // TICKS
        figure = _figure(top * tick / TICKS)
        grid.append(f'<line x1="{MARGIN_LEFT}" y1="{y}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y}" class="grid" '
                    f'stroke="#e5e7eb"/>')
        grid.append(f'<text x="{MARGIN_LEFT - 6}" y="{y + 4}" text-anchor="end" font-size="11" fill="#4b5563">'
                    f'{figure}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
            f'role="img" aria-label="{escape(title)}" class="chart chart-{kind}" data-chart="{kind}" '
            f'preserveAspectRatio="xMidYMid meet">'
            f'<title>{escape(title)}</title>'
            f'<text x="{MARGIN_LEFT}" y="18" font-size="13" font-weight="600" fill="#111827">{escape(title)}</text>'
            + "".join(grid) + "".join(body) + "</svg>")


def bar_chart(title: str, bars: Sequence[Bar]) -> str:
    """Vertical bars, one per item, labelled below and with the figure above."""
    if len(bars) > BARS_MAX:
        raise ChartError(f"{len(bars)} bars: at most {BARS_MAX}")
    if not bars:
        return _frame(title, "bar", [_empty()], Decimal(1))
    top = _nice_top(max(Decimal(bar.value) for bar in bars))
    slot = PLOT_WIDTH // len(bars)
    width = max(slot * 3 // 4, 1)
    body = []
    for index, bar in enumerate(bars):
        height = _px(bar.value, top, PLOT_HEIGHT)
        x = MARGIN_LEFT + index * slot + (slot - width) // 2
        y = MARGIN_TOP + PLOT_HEIGHT - height
        shown = bar.shown or str(bar.value)
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<rect class="bar" x="{x}" y="{y}" width="{width}" height="{height}" fill="{colour}" '
            f'data-label="{escape(bar.label)}" data-value="{escape(str(bar.value))}">'
            f'<title>{escape(bar.label)}: {escape(shown)}</title></rect>'
            f'<text x="{x + width // 2}" y="{y - 4}" text-anchor="middle" font-size="11" fill="#111827">'
            f'{escape(shown)}</text>'
            f'<text x="{x + width // 2}" y="{MARGIN_TOP + PLOT_HEIGHT + 16}" text-anchor="middle" font-size="11" '
            f'fill="#374151">{escape(bar.label)}</text>'
        )
    return _frame(title, "bar", body, top)


HBAR_ROW = 22
HBAR_LABEL_WIDTH = 210


def hbar_chart(title: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, one row per item, for long labels (ledger accounts). A negative
    value (an account against its normal side) gets no bar, only its figure."""
    if len(bars) > BARS_MAX:
        raise ChartError(f"{len(bars)} bars: at most {BARS_MAX}")
    height = MARGIN_TOP + max(len(bars), 1) * HBAR_ROW + 8
    span = WIDTH - HBAR_LABEL_WIDTH - 110
    largest = max((Decimal(bar.value) for bar in bars), default=ZERO)
    body = [] if bars else [_empty()]
    for index, bar in enumerate(bars):
        y = MARGIN_TOP + index * HBAR_ROW
        length = _px(bar.value, largest, span)
        shown = bar.shown or str(bar.value)
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<text x="{HBAR_LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end" font-size="11" fill="#374151">'
            f'{escape(bar.label)}</text>'
            f'<rect class="bar" x="{HBAR_LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{HBAR_ROW - 6}" '
            f'fill="{colour}" data-label="{escape(bar.label)}" data-value="{escape(str(bar.value))}">'
            f'<title>{escape(bar.label)}: {escape(shown)}</title></rect>'
            f'<text x="{HBAR_LABEL_WIDTH + length + 6}" y="{y + 14}" font-size="11" fill="#111827">'
            f'{escape(shown)}</text>'
        )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}" class="chart chart-hbar" data-chart="hbar">'
            f'<title>{escape(title)}</title>'
            f'<text x="8" y="18" font-size="13" font-weight="600" fill="#111827">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series]) -> str:
    """One polyline per series over the same x labels (business dates), with a legend.
    Only the first, the last and a few labels between are printed under the axis."""
    if len(x_labels) > POINTS_MAX:
        raise ChartError(f"{len(x_labels)} points: at most {POINTS_MAX}")
    if len(series) > SERIES_MAX:
        raise ChartError(f"{len(series)} series: at most {SERIES_MAX}")
    for one in series:
        if len(one.values) != len(x_labels):
            raise ChartError(f"series {one.name!r} has {len(one.values)} values for {len(x_labels)} labels")
    if not x_labels or not series:
        return _frame(title, "line", [_empty()], Decimal(1))
    top = _nice_top(max(Decimal(v) for one in series for v in one.values))
    steps = max(len(x_labels) - 1, 1)

    def x_of(index: int) -> int:
        return MARGIN_LEFT + PLOT_WIDTH * index // steps

    body = []
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{x_of(i)},{MARGIN_TOP + PLOT_HEIGHT - _px(v, top, PLOT_HEIGHT)}"
                          for i, v in enumerate(one.values))
        body.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{points}" '
                    f'data-label="{escape(one.name)}" data-value="{escape(",".join(str(v) for v in one.values))}">'
                    f'<title>{escape(one.name)}: {escape(str(one.values[-1]))} on {escape(x_labels[-1])}</title>'
                    f'</polyline>')
        legend_x = MARGIN_LEFT + (index % 6) * (PLOT_WIDTH // 6)
        legend_y = HEIGHT - 22 + (index // 6) * 14
        body.append(f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{legend_x + 14}" y="{legend_y}" font-size="11" fill="#374151">{escape(one.name)}</text>')
    label_every = max(len(x_labels) // 4, 1)
    for index, label in enumerate(x_labels):
        if index % label_every == 0 or index == len(x_labels) - 1:
            if index != len(x_labels) - 1 and len(x_labels) - 1 - index < label_every // 2:
                continue  # too close to the last label, which is always printed
            anchor = "start" if index == 0 else "end" if index == len(x_labels) - 1 else "middle"
            body.append(f'<text x="{x_of(index)}" y="{MARGIN_TOP + PLOT_HEIGHT + 16}" text-anchor="{anchor}" '
                        f'font-size="11" fill="#374151">{escape(label)}</text>')
    return _frame(title, "line", body, top)


def _empty() -> str:
    return (f'<text x="{MARGIN_LEFT + PLOT_WIDTH // 2}" y="{MARGIN_TOP + PLOT_HEIGHT // 2}" text-anchor="middle" '
            f'font-size="13" fill="#6b7280" class="empty">no data yet</text>')
