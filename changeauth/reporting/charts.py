"""Charts drawn on the server with matplotlib as PNG images.

PNG keeps pages within a strict Content-Security-Policy (no inline styles or scripts) and needs no
outside network. Every chart is shown with alt text and a table alternative beside it, so the picture
never carries information the page does not also give as text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
# Titles, units and labels are people's words: "$" is a pound or dollar sign, never TeX to typeset (a
# title such as "$\\foo$" would otherwise fail to draw).
matplotlib.rcParams["text.parse_math"] = False

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

# Colours with at least 3:1 contrast against white, distinguishable without colour (markers, styles).
PALETTE = ("#1d4f91", "#d4351c", "#00703c", "#6f3f9b", "#b58840", "#28a197")
MARKERS = ("o", "s", "^", "D", "v", "P")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[date | float, float]]
    dashed: bool = False


MONEY_LABEL = "£"


def pounds_tick(value: float, _position: object = None) -> str:
    """A money axis's tick in pounds, never matplotlib's 1e6 offset: "£1.5m", "£250,000", "−£2m"."""
    sign = "−" if value < 0 else ""
    amount = abs(value)
    if amount >= 1_000_000:
        millions = f"{amount / 1_000_000:,.1f}".removesuffix(".0")
        return f"{sign}£{millions}m"
    return f"{sign}£{amount:,.0f}"


def _label_y(axes: Axes, y_label: str) -> None:
    """Label the y axis; a money axis (labelled "£") shows each tick in pounds instead."""
    if y_label == MONEY_LABEL:
        axes.yaxis.set_major_formatter(FuncFormatter(pounds_tick))
        axes.set_ylabel("Pounds")
    else:
        axes.set_ylabel(y_label)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_tick(value: float, _position: object = None) -> str:
    """A date axis's tick in plain English, whatever the server's locale: "Mar 2026" on the first of a
    month, "15 Mar 2026" on another day; never matplotlib's ISO "2026-03"."""
    day: datetime = mdates.num2date(value)
    month = f"{MONTHS[day.month - 1]} {day.year}"
    return month if day.day == 1 else f"{day.day} {month}"


def _label_x_dates(axes: Axes) -> None:
    """Tick a date axis at whole months where it can (``date_tick`` names each)."""
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    axes.xaxis.set_major_formatter(FuncFormatter(date_tick))


def _finish(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _figure(title: str, width: float = 7.0, height: float = 3.6) -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=(width, height))
    axes.set_title(title, fontsize=11, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    return figure, axes


def line_chart(title: str, series: Sequence[Series], *, y_label: str = "") -> bytes:
    """Lines over time or any numeric x, e.g. actual measurements against a planned trajectory."""
    figure, axes = _figure(title)
    for index, item in enumerate(series):
        if not item.points:
            continue
        xs, ys = zip(*item.points, strict=True)
        axes.plot(
            xs,
            ys,
            label=item.label,
            color=PALETTE[index % len(PALETTE)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle="--" if item.dashed else "-",
            linewidth=1.8,
            markersize=4,
        )
    _label_y(axes, y_label)
    if any(isinstance(x, date) for item in series for x, _ in item.points[:1]):
        _label_x_dates(axes)
    if series:
        axes.legend(frameon=False, fontsize=9)
    figure.autofmt_xdate()
    return _finish(figure)


def bar_chart(
    title: str, categories: Sequence[str], groups: Sequence[tuple[str, Sequence[float]]], *, y_label: str = ""
) -> bytes:
    """Grouped bars: one group per category, one bar per named series (e.g. target against realised)."""
    figure, axes = _figure(title)
    count = max(1, len(groups))
    width = 0.8 / count
    for index, (label, values) in enumerate(groups):
        offsets = [position + (index - (count - 1) / 2) * width for position in range(len(categories))]
        axes.bar(
            offsets,
            values,
            width=width,
            label=label,
            color=PALETTE[index % len(PALETTE)],
            hatch=("", "//", "..", "xx")[index % 4],
            edgecolor="white",
        )
    axes.set_xticks(range(len(categories)), categories, rotation=20, ha="right")
    _label_y(axes, y_label)
    if len(groups) > 1:
        axes.legend(frameon=False, fontsize=9)
    return _finish(figure)


def scatter_chart(
    title: str,
    points: Sequence[tuple[float, float, str]],
    *,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> bytes:
    """Labelled points, e.g. value against effort for each improvement."""
    figure, axes = _figure(title, height=4.6)
    for x, y, label in points:
        axes.scatter([x], [y], color=PALETTE[0], s=28)
        axes.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    axes.set_xlabel(x_label)
    _label_y(axes, y_label)
    if x_range:
        axes.set_xlim(*x_range)
    if y_range:
        axes.set_ylim(*y_range)
    return _finish(figure)
