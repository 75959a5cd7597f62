"""Money charts label their axis in pounds ("£1.5m"), never with matplotlib's 1e6 offset."""

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
