"""The dashboard's pure pandas transforms on small hand-built frames."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from pandas.testing import assert_frame_equal

from changeauth.reporting import transforms

AS_OF = date(2026, 11, 29)


def _benefits(rows: list[tuple]) -> pd.DataFrame:
    """Level measures, so what each realised (the extract's movement) is its latest value's movement."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "benefit_id",
            "driver",
            "programme_id",
            "unit",
            "cash_class",
            "direction",
            "baseline",
            "target_value",
            "last_value",
            "adjustments",
            "validated",
        ],
    )
    frame["movement"] = [
        None
        if last is None or pd.isna(last)
        else (last - baseline if direction == "increase" else baseline - last)
        for last, baseline, direction in zip(
            frame["last_value"], frame["baseline"], frame["direction"], strict=True
        )
    ]
    # The programme's name beside its id, as the extract reads it.
    frame.insert(3, "programme", frame["programme_id"].map({1: "Transformation", 2: "Later work"}))
    return frame


BENEFITS = _benefits(
    [
        # a saving: cost falls from £1,000 to £600 against a target of £500 → gross £400, +£50 adjusted
        (
            1,
            "Remodelling",
            1,
            "GBP",
            "cashable",
            "decrease",
            Decimal(100000),
            Decimal(50000),
            Decimal(60000),
            5000,
            True,
        ),
        # income rises £200 → £260 against £300 → gross £60, no adjustments; finance has not validated it,
        # so it is an estimate shown apart and never realised
        (
            2,
            "Remodelling",
            None,
            "GBP",
            "cashable",
            "increase",
            Decimal(20000),
            Decimal(30000),
            Decimal(26000),
            0,
            False,
        ),
        # not measured yet: target £100, gross 0, and its adjustment waits for a measurement
        (3, "Channel shift", 1, "GBP", "cashable", "increase", Decimal(0), Decimal(10000), None, 700, False),
        # not money: left out
        (
            4,
            "Channel shift",
            1,
            "%",
            "not_monetised",
            "increase",
            Decimal(35),
            Decimal(80),
            Decimal(50),
            0,
            False,
        ),
        # non-cashable pounds: left out
        (
            5,
            "Channel shift",
            1,
            "GBP",
            "non_cashable",
            "increase",
            Decimal(0),
            Decimal(900),
            Decimal(900),
            0,
            False,
        ),
    ]
)


def test_pipeline_lists_every_stage_in_order_with_zeros() -> None:
    counts = pd.DataFrame({"stage": ["delivery", "idea"], "count": [2, 14]})
    result = transforms.pipeline_by_stage(counts)
    assert list(result["stage"][:4]) == ["idea", "business_case", "approved", "delivery"]
    assert dict(zip(result["stage"], result["count"], strict=True))["idea"] == 14
    assert dict(zip(result["stage"], result["count"], strict=True))["delivery"] == 2
    assert result["count"].sum() == 16
    assert result.loc[result["stage"] == "approved", "count"].item() == 0


def test_pipeline_of_an_empty_council() -> None:
    result = transforms.pipeline_by_stage(pd.DataFrame({"stage": [], "count": []}))
    assert result["count"].sum() == 0 and len(result) == 10


def test_benefits_by_driver_counts_only_validated_values_as_realised() -> None:
    expected = pd.DataFrame(
        {
            # Each programme's figures apart: the unvalidated income belongs to no programme, so it is
            # never added to the programme's remodelling figures under one label.
            "programme": ["Not in a programme", "Transformation", "Transformation"],
            "driver": ["Remodelling", "Channel shift", "Remodelling"],
            # Channel shift: target +£100 (10,000p); nothing measured. Remodelling in the programme: target
            # 50,000, realised 40,000 (validated), like-for-like 40,000 + 5,000; outside it: target 10,000,
            # gross 6,000, an estimate finance has not validated.
            "target": [10000, 10000, 50000],
            "gross": [6000, 0, 40000],
            "unvalidated": [6000, 0, 0],
            "realised": [0, 0, 40000],
            "adjusted": [0, 0, 45000],
        }
    ).astype(dict.fromkeys(["target", "gross", "unvalidated", "realised", "adjusted"], "int64"))
    assert_frame_equal(transforms.benefits_by_driver(BENEFITS), expected)


def test_benefits_by_driver_when_nothing_is_money() -> None:
    result = transforms.benefits_by_driver(BENEFITS[BENEFITS["unit"] == "%"])
    assert list(result.columns) == [
        "programme",
        "driver",
        "target",
        "gross",
        "unvalidated",
        "realised",
        "adjusted",
    ]
    assert result.empty


def test_flags_by_kind_counts_every_kind() -> None:
    flags = pd.DataFrame({"kind": ["stale_benefit", "temporary_resource_overrun"], "count": [2, 1]})
    result = transforms.flags_by_kind(flags)
    assert len(result) == 8
    assert dict(zip(result["kind"], result["count"], strict=True)) == {
        "stale_benefit": 2,
        "benefit_escalated": 0,
        "benefit_out_of_tolerance": 0,
        "temporary_resource_ending": 0,
        "temporary_resource_overrun": 1,
        "condition_overdue": 0,
        "hold_review_due": 0,
        "triage_overdue": 0,
    }
    assert result.loc[0, "label"] == "Benefit measurement overdue"


def _resources(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "resource_id",
            "programme_id",
            "annual_cost_pence",
            "start_date",
            "end_date",
            "extension_until",
            "actual_end_date",
        ],
    )


RESOURCES = _resources(
    [
        # a financial year, ended on time: costs its annual cost, 21,500,000
        (1, 1, 21500000, date(2019, 4, 1), date(2020, 3, 31), None, date(2020, 3, 31)),
        # overrun: ended 31 Oct 2026, no actual end; 29 days over → 6,570,000 × 29 / 365 = 522,000
        (2, 1, 6570000, date(2026, 4, 1), date(2026, 10, 31), None, None),
        # ending within 30 days (18 Dec)
        (3, None, 2920000, date(2026, 6, 1), date(2026, 12, 18), None, None),
        # planned: starts next year, costs nothing yet
        (4, None, 1000000, date(2027, 1, 1), date(2027, 12, 31), None, None),
    ]
)


def test_resource_figures_status_exposure_and_cost_to_date() -> None:
    result = transforms.resource_figures(RESOURCES, AS_OF)
    assert list(result["status"]) == ["ended", "overrun", "ending_soon", "planned"]
    assert list(result["exposure"]) == [0, 522000, 0, 0]
    # 1: a whole financial year = 21,500,000.
    # 2: 1 Apr to 29 Nov 2026 = 7 months + 29 days → 6,570,000 × (7/12 + 29/365) = 4,354,500.0
    # 3: 1 Jun to 29 Nov = 5 months + 29 days → 2,920,000 × (5/12 + 29/365) = 1,448,666.67 → 1,448,667
    assert list(result["cost_to_date"]) == [21500000, 4354500, 1448667, 0]


def test_exposure_by_status() -> None:
    expected = pd.DataFrame(
        {
            "status": ["planned", "active", "ending_soon", "overrun", "ended"],
            "label": ["Planned", "Active", "Ending soon", "Overrun", "Ended"],
            "resources": [1, 0, 1, 1, 1],
            "annual_cost": [1000000, 0, 2920000, 6570000, 21500000],
            "exposure": [0, 0, 0, 522000, 0],
        }
    ).astype({"resources": "int64", "annual_cost": "int64", "exposure": "int64"})
    assert_frame_equal(transforms.exposure_by_status(RESOURCES, AS_OF), expected)


def test_maturity_over_time_pivots_dates_by_driver() -> None:
    assessments = pd.DataFrame(
        {
            "driver": ["Remodelling", "Customer enablement", "Remodelling"],
            "assessed_on": [date(2020, 12, 31), date(2020, 12, 31), date(2021, 12, 31)],
            "achieved_pct": [83.0, 86.0, 90.0],
        }
    )
    expected = pd.DataFrame(
        {"Customer enablement": [86.0, float("nan")], "Remodelling": [83.0, 90.0]},
        index=pd.Index([date(2020, 12, 31), date(2021, 12, 31)], name="assessed_on"),
    )
    assert_frame_equal(transforms.maturity_over_time(assessments), expected)


def test_portfolio_summary_for_the_scrutiny_report() -> None:
    pipeline = transforms.pipeline_by_stage(
        pd.DataFrame(
            {"stage": ["idea", "business_case", "delivery", "closed", "declined"], "count": [14, 2, 2, 1, 1]}
        )
    )
    summary = transforms.portfolio_summary(
        pipeline,
        transforms.benefits_by_driver(BENEFITS),
        pd.DataFrame({"kind": ["stale_benefit"], "count": [3]}).pipe(transforms.flags_by_kind),
        transforms.exposure_by_status(RESOURCES, AS_OF),
    )
    assert summary == {
        "improvements": 20,
        "ideas": 14,
        "in_progress": 4,  # business case 2 + delivery 2
        "closed": 1,
        # Each programme apart, never one sum under one label.
        "by_programme": [
            {
                "programme": "Not in a programme",
                "target": 10000,
                "gross": 6000,
                "unvalidated": 6000,
                "realised": 0,
                "adjusted": 0,
            },
            {
                "programme": "Transformation",
                "target": 60000,
                "gross": 40000,
                "unvalidated": 0,
                "realised": 40000,
                "adjusted": 45000,
            },
        ],
        "open_flags": 3,
        "resources_still_paid": 2,  # the overrun and the one ending soon
        "annual_cost_still_paid": 9490000,  # 6,570,000 + 2,920,000
        "overrun_exposure": 522000,
    }
