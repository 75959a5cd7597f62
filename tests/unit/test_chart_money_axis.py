"""Chart axes read as people write: money in pounds ("£1.5m", not a 1e6 offset), months as "Mar 2026"."""

from __future__ import annotations

import matplotlib.pyplot as plt

from changeauth.reporting import charts


def test_pounds_ticks_read_as_money() -> None:
    assert charts.pounds_tick(2_500_000) == "£2.5m"
    assert charts.pounds_tick(3_000_000) == "£3m"
    assert charts.pounds_tick(250_000) == "£250,000"
    assert charts.pounds_tick(-1_200_000) == "−£1.2m"
    assert charts.pounds_tick(0) == "£0"


def test_a_money_axis_formats_every_tick_in_pounds() -> None:
    figure, axes = plt.subplots()
    try:
        axes.plot([0, 1], [0, 4_000_000])
        charts._label_y(axes, "£")
        formatter = axes.yaxis.get_major_formatter()
        assert formatter(4_000_000, 0) == "£4m"
        assert axes.get_ylabel() == "Pounds"
        charts._label_y(axes, "%")
        assert axes.get_ylabel() == "%"
    finally:
        plt.close(figure)


def test_a_date_axis_names_months_in_plain_english() -> None:
    from datetime import date

    # The persona walk read "2026-03" under a benefit's chart; GOV.UK style is "Mar 2026".
    assert charts.date_tick(charts.mdates.date2num(date(2026, 3, 1))) == "Mar 2026"
    assert charts.date_tick(charts.mdates.date2num(date(2026, 3, 15))) == "15 Mar 2026"
    figure, axes = plt.subplots()
    try:
        axes.plot([date(2025, 10, 31), date(2026, 3, 31), date(2026, 9, 30)], [1, 2, 3])
        charts._label_x_dates(axes)
        figure.canvas.draw()
        labels = [tick.get_text() for tick in axes.get_xticklabels() if tick.get_text()]
        assert labels and all(label.split()[-2] in charts.MONTHS for label in labels), labels
        assert not any("-" in label for label in labels), labels
    finally:
        plt.close(figure)
