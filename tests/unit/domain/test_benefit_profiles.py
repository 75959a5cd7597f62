"""Profiles and measure types (domain.benefits): the planned value of a stepped or custom plan is the
piecewise function its docstring defines and a straight line is unchanged; what a per-period and a
cumulative measure realise over the same underlying series is the same total; a level is unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain.benefits import (
    MeasureType,
    ProfileShape,
    Staleness,
    assess_variance,
    current_rag,
    planned_value,
    realised_between,
    realised_gross,
    realised_to_date,
    trajectory,
    validate_planned_points,
    validate_profile,
)
from changeauth.domain.savings import BenefitLine, benefit_movement, realised_in_year

BASE = date(2025, 3, 31)
values = st.integers(min_value=-(10**9), max_value=10**9).map(Decimal)


@st.composite
def plans(draw: st.DrawFn) -> dict:
    length = draw(st.integers(min_value=2, max_value=2_000))
    target_date = BASE + timedelta(days=length)
    offsets = draw(st.lists(st.integers(min_value=1, max_value=length - 1), unique=True, max_size=8))
    points = [(BASE + timedelta(days=o), draw(values)) for o in offsets]
    return {
        "baseline_date": BASE,
        "baseline_value": draw(values),
        "target_date": target_date,
        "target_value": draw(values),
        "points": points,
    }


def _straight(on: date, plan: dict) -> Decimal:
    """The straight line as it was before profiles existed."""
    if on <= plan["baseline_date"]:
        return plan["baseline_value"]
    if on >= plan["target_date"]:
        return plan["target_value"]
    elapsed = (on - plan["baseline_date"]).days
    total = (plan["target_date"] - plan["baseline_date"]).days
    return plan["baseline_value"] + (plan["target_value"] - plan["baseline_value"]) * Decimal(
        elapsed
    ) / Decimal(total)


def _on(plan: dict, shape: str, day: date) -> Decimal:
    return planned_value(
        day,
        baseline_date=plan["baseline_date"],
        baseline_value=plan["baseline_value"],
        target_date=plan["target_date"],
        target_value=plan["target_value"],
        shape=shape,
        points=plan["points"],
    )


days = st.integers(min_value=-30, max_value=2_100).map(lambda d: BASE + timedelta(days=d))


@settings(database=None)
@given(plan=plans(), day=days)
def test_a_straight_line_is_unchanged_and_ignores_points(plan: dict, day: date) -> None:
    assert _on(plan, "straight_line", day) == _straight(day, plan)


@settings(database=None)
@given(plan=plans(), day=days)
def test_a_stepped_plan_holds_the_latest_step_on_or_before_the_day(plan: dict, day: date) -> None:
    got = _on(plan, "stepped", day)
    if day <= plan["baseline_date"]:
        assert got == plan["baseline_value"]
    elif day >= plan["target_date"]:
        assert got == plan["target_value"]
    else:
        earlier = sorted(p for p in plan["points"] if p[0] <= day)
        assert got == (earlier[-1][1] if earlier else plan["baseline_value"])


@settings(database=None)
@given(plan=plans(), day=days)
def test_a_custom_plan_runs_straight_between_its_neighbouring_points(plan: dict, day: date) -> None:
    got = _on(plan, "custom", day)
    corners = sorted([(plan["baseline_date"], plan["baseline_value"]), *plan["points"]]) + [
        (plan["target_date"], plan["target_value"])
    ]
    if day <= plan["baseline_date"]:
        assert got == plan["baseline_value"]
        return
    if day >= plan["target_date"]:
        assert got == plan["target_value"]
        return
    before = max(c for c in corners if c[0] <= day)
    after = min(c for c in corners if c[0] >= day)
    if before[0] == day:
        assert got == before[1]
    else:
        expected = before[1] + (after[1] - before[1]) * Decimal((day - before[0]).days) / Decimal(
            (after[0] - before[0]).days
        )
        assert got == expected
        assert min(before[1], after[1]) <= got <= max(before[1], after[1])


@settings(database=None)
@given(plan=plans())
def test_each_planned_point_is_planned_on_its_date(plan: dict) -> None:
    for when, value in plan["points"]:
        assert _on(plan, "stepped", when) == value
        assert _on(plan, "custom", when) == value


@settings(database=None)
@given(plan=plans(), day=days)
def test_a_custom_plan_without_points_is_the_straight_line(plan: dict, day: date) -> None:
    assert _on({**plan, "points": []}, "custom", day) == _straight(day, plan)


def test_points_outside_the_plan_are_not_used() -> None:
    plan = {
        "baseline_date": BASE,
        "baseline_value": Decimal(0),
        "target_date": BASE + timedelta(days=100),
        "target_value": Decimal(100),
        "points": [(BASE - timedelta(days=1), Decimal(50)), (BASE + timedelta(days=200), Decimal(70))],
    }
    assert _on(plan, "stepped", BASE + timedelta(days=50)) == 0
    assert _on(plan, "custom", BASE + timedelta(days=50)) == 50


def test_rag_and_tolerance_judge_against_the_stepped_plan_today() -> None:
    # A saving that should step from 0 to 800 on 1 July and to 1,000 at the target; 700 measured.
    plan = {
        "baseline_date": BASE,
        "baseline_value": Decimal(0),
        "target_date": date(2026, 3, 31),
        "target_value": Decimal(1000),
        "direction": "increase",
    }
    points = [(date(2025, 7, 1), Decimal(800))]
    before_step = current_rag(
        as_of=date(2025, 6, 30),
        tracked=True,
        staleness=Staleness.CURRENT,
        latest_value=Decimal(100),
        shape="stepped",
        points=points,
        **plan,
    )
    after_step = current_rag(
        as_of=date(2025, 7, 1),
        tracked=True,
        staleness=Staleness.CURRENT,
        latest_value=Decimal(100),
        shape="stepped",
        points=points,
        **plan,
    )
    # Before the step nothing is planned yet: 100 is ahead. After it, 700 short of 800: red.
    assert (before_step, after_step) == ("green", "red")
    # On a straight line on 1 July about 250 is planned, so 100 would be amber-or-red on another scale.
    result = assess_variance(on=date(2025, 7, 1), actual=Decimal(720), shape="stepped", points=points, **plan)
    assert (result.planned, result.rag.value) == (Decimal(800), "green")


def test_the_trajectory_has_every_planned_point() -> None:
    rows = trajectory(
        baseline_date=BASE,
        baseline_value=Decimal(0),
        target_date=date(2026, 3, 31),
        target_value=Decimal(1000),
        frequency="quarterly",
        shape="stepped",
        points=[(date(2025, 8, 15), Decimal(600))],
    )
    assert (date(2025, 8, 15), Decimal(600)) in rows
    assert (date(2025, 9, 30), Decimal(600)) in rows
    assert rows[0] == (BASE, Decimal(0)) and rows[-1] == (date(2026, 3, 31), Decimal(1000))


# --- Measure types -----------------------------------------------------------------------------------


@st.composite
def series(draw: st.DrawFn) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    """A per-period baseline and the amounts measured in consecutive quarters."""
    baseline = draw(st.integers(min_value=0, max_value=10**7).map(Decimal))
    amounts = draw(st.lists(st.integers(min_value=0, max_value=10**7).map(Decimal), min_size=1, max_size=20))
    return baseline, [(BASE + timedelta(days=91 * (i + 1)), amount) for i, amount in enumerate(amounts)]


@settings(database=None)
@given(data=series(), direction=st.sampled_from(["increase", "decrease"]), start=values)
def test_per_period_and_cumulative_realise_the_same_total_for_the_same_series(
    data: tuple[Decimal, list[tuple[date, Decimal]]], direction: str, start: Decimal
) -> None:
    baseline, per_period = data
    # The same change read as a running total: each period's movement from its baseline added up, from
    # a running total of ``start`` at the baseline.
    sign = 1 if direction == "increase" else -1
    running, total = [], start
    for end, amount in per_period:
        total += sign * (amount - baseline)
        running.append((end, total))
    by_period = realised_to_date(
        per_period, baseline_value=baseline, direction=direction, measure_type="per_period"
    )
    by_total = realised_to_date(
        running,
        baseline_value=start,
        direction="increase",  # the running total of movements already goes the benefit's way
        measure_type="cumulative",
    )
    assert by_period == by_total
    # And so at every date along the way, and between any two dates.
    middle = per_period[len(per_period) // 2][0]
    assert realised_to_date(
        per_period, baseline_value=baseline, direction=direction, measure_type="per_period", on=middle
    ) == realised_to_date(
        running, baseline_value=start, direction="increase", measure_type="cumulative", on=middle
    )
    assert realised_between(
        per_period,
        after=middle,
        to=per_period[-1][0],
        baseline_value=baseline,
        direction=direction,
        measure_type="per_period",
    ) == realised_between(
        running,
        after=middle,
        to=per_period[-1][0],
        baseline_value=start,
        direction="increase",
        measure_type="cumulative",
    )


@settings(database=None)
@given(data=series(), direction=st.sampled_from(["increase", "decrease"]))
def test_a_level_is_the_latest_value_s_movement_as_before(
    data: tuple[Decimal, list[tuple[date, Decimal]]], direction: str
) -> None:
    baseline, measured = data
    got = realised_to_date(measured, baseline_value=baseline, direction=direction, measure_type="level")
    assert got == realised_gross(latest_value=measured[-1][1], baseline_value=baseline, direction=direction)


def test_nothing_measured_realises_nothing_yet() -> None:
    for kind in MeasureType:
        assert (
            realised_to_date([], baseline_value=Decimal(1), direction="increase", measure_type=kind) is None
        )


def test_a_level_has_no_amount_between_dates() -> None:
    with pytest.raises(ValueError, match="level"):
        realised_between(
            [(BASE, Decimal(1))],
            after=BASE,
            to=BASE,
            baseline_value=Decimal(0),
            direction="increase",
            measure_type="level",
        )


def test_by_financial_year_a_per_period_saving_adds_up_its_year_and_a_level_reads_its_rate() -> None:
    quarters = [
        (date(2025, 6, 30), Decimal(100)),
        (date(2025, 9, 30), Decimal(150)),
        (date(2026, 6, 30), Decimal(200)),
    ]
    line = BenefitLine(
        cash_class="cashable",
        is_money=True,
        baseline_value=Decimal(0),
        direction="increase",
        validated=True,
        measurements=quarters,
        measure_type="per_period",
    )
    assert realised_in_year(line, 2025) == 250
    assert realised_in_year(line, 2026) == 200
    assert benefit_movement(line) == 450
    running = BenefitLine(
        cash_class="cashable",
        is_money=True,
        baseline_value=Decimal(0),
        direction="increase",
        validated=True,
        measurements=[
            (date(2025, 6, 30), Decimal(100)),
            (date(2025, 9, 30), Decimal(250)),
            (date(2026, 6, 30), Decimal(450)),
        ],
        measure_type="cumulative",
    )
    assert [realised_in_year(running, y) for y in (2025, 2026)] == [250, 200]
    level = BenefitLine(
        cash_class="cashable",
        is_money=True,
        baseline_value=Decimal(0),
        direction="increase",
        validated=True,
        measurements=quarters,
    )
    assert [realised_in_year(level, y) for y in (2025, 2026)] == [150, 200]


# --- Validation --------------------------------------------------------------------------------------


def test_planned_points_are_checked_with_a_message_per_row() -> None:
    errors = validate_planned_points(
        [
            (date(2025, 6, 30), Decimal(1)),
            (None, Decimal(2)),
            (date(2030, 1, 1), None),
            (date(2025, 6, 30), Decimal(3)),
        ],
        shape="stepped",
        baseline_date=BASE,
        target_date=date(2026, 3, 31),
    )
    assert errors == {
        "planned_points": [
            "Row 2: enter the date.",
            "Row 3: the date must be after the baseline date (31 March 2025) and before the target date "
            "(31 March 2026).",
            "Row 3: enter the planned value.",
            "Row 4: 30 June 2025 is planned twice; keep one row.",
        ]
    }
    assert "planned_points" in validate_planned_points(
        [(date(2025, 6, 30), Decimal(1))],
        shape="straight_line",
        baseline_date=BASE,
        target_date=date(2026, 3, 31),
    )
    assert validate_planned_points([], shape="wiggly", baseline_date=BASE, target_date=date(2026, 3, 31)) == {
        "profile_shape": ["Choose a straight line, in steps, or your own value for each period."]
    }


def test_the_profile_names_an_unknown_shape_or_measure_type() -> None:
    errors = validate_profile(
        baseline_date=BASE,
        target_date=date(2026, 3, 31),
        frequency="quarterly",
        tolerance_pct=None,
        direction="increase",
        cash_class="cashable",
        profile_shape="zigzag",
        measure_type="",
    )
    assert set(errors) == {"profile_shape", "measure_type"}
    assert all(shape.label and shape.hint for shape in ProfileShape)
    assert all(kind.label and kind.hint for kind in MeasureType)
