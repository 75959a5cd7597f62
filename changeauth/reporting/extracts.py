"""Extracts: one select per report, read straight into a pandas frame.

Each function runs exactly one query and returns raw rows (grouped in SQL where that is all the
report needs); the figures are worked out by the pure functions in ``reporting.transforms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select

from changeauth import db
from changeauth.domain.savings import AdjustmentStatus
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    BenefitDriver,
    Flag,
    Improvement,
    MaturityAssessment,
    Programme,
    TemporaryResource,
)
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import flags as flag_queries


def _frame(stmt: Select[*tuple[Any, ...]], columns: Sequence[str]) -> pd.DataFrame:
    rows = db.session.execute(stmt).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=list(columns))


def pipeline_counts() -> pd.DataFrame:
    """Improvements counted by stage: columns stage, count."""
    return _frame(select(Improvement.stage, func.count()).group_by(Improvement.stage), ["stage", "count"])


def _benefit_programme() -> Any:
    return func.coalesce(Benefit.programme_id, Improvement.programme_id)


def benefits() -> pd.DataFrame:
    """Every benefit with its driver's name, programme (its own or its improvement's), the total of its
    confirmed adjustments, whether finance has validated it and what it has realised (its movement by
    its measure type, ``queries.benefits.realised_gross_of``; None until measured): columns benefit_id,
    driver, programme_id, programme (its name), unit, cash_class, direction, baseline, target_value,
    last_value, adjustments, validated, movement."""
    totals = (
        select(BenefitAdjustment.benefit_id, func.sum(BenefitAdjustment.amount_pence).label("total"))
        .where(BenefitAdjustment.status == AdjustmentStatus.CONFIRMED.value)
        .group_by(BenefitAdjustment.benefit_id)
        .subquery()
    )
    stmt = (
        select(
            Benefit.id,
            BenefitDriver.name,
            _benefit_programme(),
            Programme.name,
            Benefit.unit,
            Benefit.cash_class,
            Benefit.direction,
            Benefit.baseline_value,
            Benefit.target_value,
            Benefit.last_value,
            func.coalesce(totals.c.total, 0),
            Benefit.validated_at.is_not(None),
            Benefit.measure_type,
            Benefit.last_period_end,
        )
        .join(BenefitDriver, BenefitDriver.id == Benefit.driver_id)
        .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
        .outerjoin(Programme, Programme.id == _benefit_programme())
        .outerjoin(totals, totals.c.benefit_id == Benefit.id)
        .order_by(Benefit.id)
    )
    columns = [
        "benefit_id",
        "driver",
        "programme_id",
        "programme",
        "unit",
        "cash_class",
        "direction",
        "baseline",
        "target_value",
        "last_value",
        "adjustments",
        "validated",
        "measure_type",
        "last_period_end",
    ]
    rows = db.session.execute(stmt).all()
    rated = [
        SimpleNamespace(
            id=row[0],
            measure_type=row[12],
            last_period_end=row[13],
            last_value=row[9],
            baseline_value=row[7],
            direction=row[6],
        )
        for row in rows
    ]
    series = benefit_queries.per_period_series(rated)
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    frame["movement"] = pd.Series(
        [benefit_queries.realised_gross_of(r, series.get(r.id)) for r in rated],
        index=frame.index,
        dtype="object",
    )
    frame = frame.drop(columns=["measure_type", "last_period_end"])
    frame["adjustments"] = frame["adjustments"].astype("int64")
    return frame


def open_flags() -> pd.DataFrame:
    """Open flags counted by kind, a benefit both overdue and escalated once (as escalated): columns
    kind, count."""
    return _frame(
        select(Flag.kind, func.count())
        .where(Flag.resolved_on.is_(None), flag_queries.counted_once())
        .group_by(Flag.kind),
        ["kind", "count"],
    )


def temporary_resources() -> pd.DataFrame:
    """Every temporary resource with its programme (its own or its improvement's): columns resource_id,
    programme_id, annual_cost_pence, start_date, end_date, extension_until, actual_end_date."""
    stmt = (
        select(
            TemporaryResource.id,
            func.coalesce(TemporaryResource.programme_id, Improvement.programme_id),
            TemporaryResource.annual_cost_pence,
            TemporaryResource.start_date,
            TemporaryResource.end_date,
            TemporaryResource.extension_until,
            TemporaryResource.actual_end_date,
        )
        .outerjoin(Improvement, Improvement.id == TemporaryResource.improvement_id)
        .order_by(TemporaryResource.id)
    )
    columns = [
        "resource_id",
        "programme_id",
        "annual_cost_pence",
        "start_date",
        "end_date",
        "extension_until",
        "actual_end_date",
    ]
    frame = _frame(stmt, columns)
    frame["annual_cost_pence"] = frame["annual_cost_pence"].astype("int64")
    return frame


def maturity() -> pd.DataFrame:
    """Every maturity assessment with its driver's name: columns driver, assessed_on, achieved_pct."""
    stmt = (
        select(BenefitDriver.name, MaturityAssessment.assessed_on, MaturityAssessment.achieved_pct)
        .join(BenefitDriver, BenefitDriver.id == MaturityAssessment.driver_id)
        .order_by(MaturityAssessment.assessed_on, BenefitDriver.name)
    )
    frame = _frame(stmt, ["driver", "assessed_on", "achieved_pct"])
    frame["achieved_pct"] = frame["achieved_pct"].astype("float64")
    return frame


def programmes() -> pd.DataFrame:
    """Every programme by code: columns programme_id, code, name, planned_investment_pence,
    planned_annual_benefit_pence."""
    stmt = select(
        Programme.id,
        Programme.code,
        Programme.name,
        Programme.planned_investment_pence,
        Programme.planned_annual_benefit_pence,
    ).order_by(Programme.code)
    return _frame(
        stmt, ["programme_id", "code", "name", "planned_investment_pence", "planned_annual_benefit_pence"]
    )
