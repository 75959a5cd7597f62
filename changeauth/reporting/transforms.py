"""Pure pandas transforms behind the dashboard and the scrutiny report.

Each function takes the frames the extracts return (see ``reporting.extracts``) and returns a new
frame; none touches the database, so each is unit-tested on a small hand-built frame. Money is
integer pence throughout; values of benefits measured in pounds are pence too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from changeauth.domain.benefits import AdjustmentCategory, BenefitDirection, CashClass, counts_as_realised
from changeauth.domain.flags import FLAG_LABELS as FLAG_LABELS_BY_KIND
from changeauth.domain.flags import FlagKind
from changeauth.domain.lifecycle import STAGE_LABELS, Stage
from changeauth.domain.savings import cost_between
from changeauth.domain.temporary_resources import ResourceStatus, overrun_exposure_pence, status_on
from changeauth.models.flag import FLAG_KINDS

GBP = "GBP"
CATEGORIES = [category.value for category in AdjustmentCategory]
CATEGORY_LABELS = {c: c.replace("_", " ").capitalize() for c in CATEGORIES}
FLAG_LABELS = {kind: FLAG_LABELS_BY_KIND[FlagKind(kind)] for kind in FLAG_KINDS}


def pipeline_by_stage(counts: pd.DataFrame) -> pd.DataFrame:
    """Every stage in lifecycle order with its count of improvements (zero when none)."""
    by_stage = counts.set_index("stage")["count"] if len(counts) else pd.Series(dtype="int64")
    stages = [stage.value for stage in Stage]
    return pd.DataFrame(
        {
            "stage": stages,
            "label": [STAGE_LABELS[Stage(s)] for s in stages],
            "count": [int(by_stage.get(s, 0)) for s in stages],
        }
    )


def _signed_movement(frame: pd.DataFrame, value_column: str) -> pd.Series:
    """Movement from the baseline in the benefit's direction; a move the wrong way is negative
    (docs/benefits-and-resources.md)."""
    sign = frame["direction"].map({BenefitDirection.INCREASE.value: 1, BenefitDirection.DECREASE.value: -1})
    return (frame[value_column].astype("float64") - frame["baseline"].astype("float64")) * sign


def benefit_figures(benefits: pd.DataFrame) -> pd.DataFrame:
    """The cashable benefits measured in pounds, with target, gross, unvalidated, realised and
    like-for-like movement (``domain.savings``: only finance-validated values count as realised, and only
    confirmed adjustments, which the extract alone sums, count towards like-for-like).

    Unmeasured benefits realise nothing yet, and their adjustments wait until they are measured.
    """
    money = benefits[(benefits["unit"] == GBP) & (benefits["cash_class"] == CashClass.CASHABLE.value)].copy()
    money["target"] = _signed_movement(money, "target_value").round().astype("int64")
    measured = money["last_value"].notna()
    counts = pd.Series(
        [
            counts_as_realised(cash_class=cash_class, finance_validated=bool(validated))
            for cash_class, validated in zip(money["cash_class"], money["validated"], strict=True)
        ],
        index=money.index,
        dtype="bool",
    )
    # What each benefit realised comes from the extract (``domain.benefits.realised_to_date``, by its
    # measure type): a per-period measure adds up its periods, which the latest value alone cannot show.
    gross = money["movement"].where(measured, 0).astype("float64").round().astype("int64")
    money["gross"] = gross
    money["realised"] = gross.where(counts, 0).astype("int64")
    money["unvalidated"] = (gross - money["realised"]).astype("int64")
    money["adjusted"] = money["realised"] + money["adjustments"].where(measured & counts, 0).astype("int64")
    return money.reset_index(drop=True)


FIGURE_COLUMNS = ["target", "gross", "unvalidated", "realised", "adjusted"]
NO_PROGRAMME = "Not in a programme"


def _programme_names(frame: pd.DataFrame) -> pd.Series:
    names = frame["programme"] if "programme" in frame else pd.Series(None, index=frame.index, dtype="object")
    return names.where(names.notna(), NO_PROGRAMME).astype("object")


def benefits_by_driver(benefits: pd.DataFrame) -> pd.DataFrame:
    """Target, gross, unvalidated, realised and like-for-like movement summed by programme (its name, or
    "Not in a programme") and, within it, by benefit driver (pence): one programme's figures are never
    added to another's under one label."""
    figures = benefit_figures(benefits)
    columns = ["programme", "driver", *FIGURE_COLUMNS]
    if figures.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in FIGURE_COLUMNS else "object") for c in columns}
        )
    figures["programme"] = _programme_names(figures)
    return (
        figures.groupby(["programme", "driver"], sort=True)[FIGURE_COLUMNS]
        .sum()
        .reset_index()
        .astype(dict.fromkeys(FIGURE_COLUMNS, "int64"))[columns]
    )


def by_programme(by_driver: pd.DataFrame) -> list[dict[str, object]]:
    """The benefit figures of ``benefits_by_driver`` for each programme apart, in name order (pence)."""
    if by_driver.empty:
        return []
    totals = by_driver.groupby("programme", sort=True)[FIGURE_COLUMNS].sum().reset_index()
    return [
        {"programme": str(row["programme"]), **{c: int(row[c]) for c in FIGURE_COLUMNS}}
        for row in totals.to_dict("records")
    ]


def flags_by_kind(flags: pd.DataFrame) -> pd.DataFrame:
    """Open flags counted by kind, every kind listed (zero when none), in the registry's order."""
    counts = flags.groupby("kind")["count"].sum() if len(flags) else pd.Series(dtype="int64")
    return pd.DataFrame(
        {
            "kind": list(FLAG_KINDS),
            "label": [FLAG_LABELS[k] for k in FLAG_KINDS],
            "count": [int(counts.get(k, 0)) for k in FLAG_KINDS],
        }
    )


def resource_figures(resources: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each resource with its status on ``as_of``, the cost of its term and its overrun exposure (pence).

    Cost to date runs from the start to the actual end when recorded, else to ``as_of`` (a resource with
    no actual end, overrunning or not, is still being paid for); a planned resource has cost nothing.
    """
    frame = resources.copy()
    statuses, exposures, costs = [], [], []
    for row in frame.itertuples(index=False):
        extension = None if pd.isna(row.extension_until) else row.extension_until
        actual = None if pd.isna(row.actual_end_date) else row.actual_end_date
        statuses.append(
            status_on(
                as_of,
                start_date=row.start_date,
                end_date=row.end_date,
                extension_until=extension,
                actual_end_date=actual,
            ).value
        )
        exposures.append(
            overrun_exposure_pence(
                as_of,
                annual_cost_pence=int(row.annual_cost_pence),
                end_date=row.end_date,
                extension_until=extension,
                actual_end_date=actual,
            )
        )
        stop = min(actual, as_of) if actual is not None else as_of
        costs.append(cost_between(int(row.annual_cost_pence), row.start_date, stop))
    frame["status"] = pd.Series(statuses, index=frame.index, dtype="object")
    frame["exposure"] = pd.Series(exposures, index=frame.index, dtype="int64")
    frame["cost_to_date"] = pd.Series(costs, index=frame.index, dtype="int64")
    return frame.reset_index(drop=True)


def exposure_by_status(resources: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Resources by status on ``as_of``: how many, their annual cost and their overrun exposure (pence)."""
    figures = resource_figures(resources, as_of)
    order = [status.value for status in ResourceStatus]
    grouped = figures.groupby("status").agg(
        resources=("annual_cost_pence", "size"),
        annual_cost=("annual_cost_pence", "sum"),
        exposure=("exposure", "sum"),
    )
    grouped = grouped.reindex(order, fill_value=0).astype("int64")
    grouped.index.name = "status"
    result = grouped.reset_index()
    result.insert(1, "label", result["status"].str.replace("_", " ").str.capitalize())
    return result


def maturity_over_time(assessments: pd.DataFrame) -> pd.DataFrame:
    """Achieved % by assessment date (rows) and driver (columns), dates ascending, drivers by name."""
    if assessments.empty:
        return pd.DataFrame(index=pd.Index([], name="assessed_on"))
    table = assessments.pivot_table(
        index="assessed_on", columns="driver", values="achieved_pct", aggfunc="last"
    ).sort_index()
    table = table.reindex(sorted(table.columns), axis=1).astype("float64")
    table.columns.name = None
    return table


IN_PROGRESS = (Stage.BUSINESS_CASE.value, Stage.APPROVED.value, Stage.DELIVERY.value, Stage.REALISATION.value)
STILL_PAID = (ResourceStatus.ACTIVE.value, ResourceStatus.ENDING_SOON.value, ResourceStatus.OVERRUN.value)


def portfolio_summary(
    pipeline: pd.DataFrame, by_driver: pd.DataFrame, flags: pd.DataFrame, resources: pd.DataFrame
) -> dict[str, Any]:
    """The headline figures for the scrutiny report, from the dashboard's frames (money in pence); the
    benefit figures for each programme apart (``by_programme``), never one sum under one label."""
    stages = dict(zip(pipeline["stage"], pipeline["count"], strict=True))
    still_paid = resources.set_index("status")[["resources", "annual_cost"]].reindex(
        list(STILL_PAID), fill_value=0
    )
    return {
        "improvements": int(pipeline["count"].sum()),
        "ideas": int(stages.get(Stage.IDEA.value, 0)),
        "in_progress": int(sum(stages.get(stage, 0) for stage in IN_PROGRESS)),
        "closed": int(stages.get(Stage.CLOSED.value, 0)),
        "by_programme": by_programme(by_driver),
        "open_flags": int(flags["count"].sum()),
        "resources_still_paid": int(still_paid["resources"].sum()),
        "annual_cost_still_paid": int(still_paid["annual_cost"].sum()),
        "overrun_exposure": int(resources["exposure"].sum()),
    }
