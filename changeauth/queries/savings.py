"""Reading each programme's money figures: its benefits (its own and its improvements'), their
measurements and adjustments, and its temporary resources, handed to ``domain.savings`` for the one
definition of realised, like-for-like and net that every page, export and API answer shows.

Four selects whatever the number of programmes; the answer is kept per process under the reports'
marker, which any write to the tables read renews.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from changeauth import db
from changeauth.domain import savings
from changeauth.domain.benefits import CashClass
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    BenefitDriver,
    BenefitMeasurement,
    Improvement,
    MaturityAssessment,
    Programme,
    ProgrammeFigure,
    TemporaryResource,
)
from changeauth.models.derived_state import REPORTS
from changeauth.queries.derived import cached, reads

GBP = "GBP"


@dataclass(frozen=True)
class ProgrammeSavings:
    """A programme with the figures the business case set and the figures it has achieved."""

    programme_id: int
    code: str
    name: str
    starts_on: date | None
    ends_on: date | None
    planned_investment_pence: int
    planned_annual_benefit_pence: int
    planned_fte_change: Decimal
    figures: savings.ProgrammeFigures


def _programme_of(model: Any) -> Any:
    return func.coalesce(model.programme_id, Improvement.programme_id)


def _benefit_lines(as_of: date) -> dict[int, list[savings.BenefitLine]]:
    benefit_rows = db.session.execute(
        select(
            Benefit.id,
            _programme_of(Benefit),
            Benefit.cash_class,
            Benefit.baseline_value,
            Benefit.direction,
            Benefit.validated_at.is_not(None),
        )
        .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
        .where(Benefit.unit == GBP, Benefit.cash_class == CashClass.CASHABLE.value)
    ).all()
    ids = [row[0] for row in benefit_rows]
    measurements: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    adjustments: dict[int, list[savings.AdjustmentLine]] = defaultdict(list)
    if ids:
        for benefit_id, period_end, value in db.session.execute(
            select(
                BenefitMeasurement.benefit_id, BenefitMeasurement.period_end, BenefitMeasurement.value
            ).where(BenefitMeasurement.benefit_id.in_(ids), BenefitMeasurement.period_end <= as_of)
        ):
            measurements[benefit_id].append((period_end, value))
        for benefit_id, amount, status, recurrence, year in db.session.execute(
            select(
                BenefitAdjustment.benefit_id,
                BenefitAdjustment.amount_pence,
                BenefitAdjustment.status,
                BenefitAdjustment.recurrence,
                BenefitAdjustment.financial_year,
            )
            .where(BenefitAdjustment.benefit_id.in_(ids))
            .order_by(BenefitAdjustment.id)
        ):
            adjustments[benefit_id].append(savings.AdjustmentLine(amount, status, recurrence, year))
    lines: dict[int, list[savings.BenefitLine]] = defaultdict(list)
    for benefit_id, programme_id, cash_class, baseline, direction, validated in benefit_rows:
        if programme_id is None:
            continue
        lines[programme_id].append(
            savings.BenefitLine(
                cash_class=cash_class,
                is_money=True,
                baseline_value=baseline,
                direction=direction,
                validated=bool(validated),
                measurements=tuple(measurements[benefit_id]),
                adjustments=tuple(adjustments[benefit_id]),
            )
        )
    return lines


def _resource_lines(as_of: date) -> dict[int, list[savings.ResourceLine]]:
    """Each resource is paid for from its start to its actual end, or to today while it has none."""
    lines: dict[int, list[savings.ResourceLine]] = defaultdict(list)
    rows = db.session.execute(
        select(
            _programme_of(TemporaryResource),
            TemporaryResource.annual_cost_pence,
            TemporaryResource.start_date,
            TemporaryResource.actual_end_date,
        ).outerjoin(Improvement, Improvement.id == TemporaryResource.improvement_id)
    ).all()
    for programme_id, annual, start, actual_end in rows:
        if programme_id is None or start > as_of:
            continue
        paid_to = min(actual_end, as_of) if actual_end is not None else as_of
        lines[programme_id].append(savings.ResourceLine(int(annual), start, paid_to))
    return lines


def all_programmes(as_of: date) -> tuple[ProgrammeSavings, ...]:
    """Every programme with its figures on ``as_of``, oldest first (kept under the reports' marker)."""
    return cached(REPORTS, ("programme_savings", as_of), lambda: _all_programmes(as_of))


@reads(REPORTS, "programme", "improvement", "benefit", "benefit_adjustment", "temporary_resource")
def _all_programmes(as_of: date) -> tuple[ProgrammeSavings, ...]:
    programmes = db.session.scalars(select(Programme).order_by(Programme.starts_on, Programme.id)).all()
    benefits = _benefit_lines(as_of)
    resources = _resource_lines(as_of)
    result = []
    for programme in programmes:
        last = as_of if programme.ends_on is None else min(programme.ends_on, as_of)
        figures = savings.programme_figures(
            benefits.get(programme.id, []),
            resources.get(programme.id, []),
            first_year=savings.financial_year(programme.starts_on) if programme.starts_on else None,
            last_year=savings.financial_year(last),
        )
        result.append(
            ProgrammeSavings(
                programme_id=programme.id,
                code=programme.code,
                name=programme.name,
                starts_on=programme.starts_on,
                ends_on=programme.ends_on,
                planned_investment_pence=programme.planned_investment_pence,
                planned_annual_benefit_pence=programme.planned_annual_benefit_pence,
                planned_fte_change=programme.planned_fte_change,
                figures=figures,
            )
        )
    return tuple(result)


def programme(code: str, as_of: date) -> ProgrammeSavings | None:
    """One programme's figures by its code, or None."""
    return next((p for p in all_programmes(as_of) if p.code == code), None)


@dataclass(frozen=True)
class Headline:
    """The figure the dashboard and the scrutiny report open with, and its reconciliation (pence)."""

    gross_pence: int
    unvalidated_pence: int
    realised_pence: int
    confirmed_adjustments_pence: int
    proposed_adjustments_pence: int
    like_for_like_pence: int


def headline(as_of: date) -> Headline:
    """The validated saving a year to date across every programme, reconciled from the gross."""
    rows = [p.figures for p in all_programmes(as_of)]
    return Headline(
        gross_pence=sum(f.gross_pence for f in rows),
        unvalidated_pence=sum(f.unvalidated_pence for f in rows),
        realised_pence=sum(f.realised_pence for f in rows),
        confirmed_adjustments_pence=sum(f.confirmed_adjustments_pence for f in rows),
        proposed_adjustments_pence=sum(f.proposed_adjustments_pence for f in rows),
        like_for_like_pence=sum(f.like_for_like_pence for f in rows),
    )


@dataclass(frozen=True)
class SavingSource:
    """A programme's own cashable benefit in pounds with its adjustments: where its figures come from."""

    benefit: Benefit
    adjustments: tuple[BenefitAdjustment, ...]


def programme_sources(programme_id: int) -> list[SavingSource]:
    """The programme's own cashable benefits in pounds, with who validated each and its adjustments in
    the order they were recorded (two queries)."""
    benefits = db.session.scalars(
        select(Benefit)
        .options(joinedload(Benefit.validated_by))
        .where(
            Benefit.programme_id == programme_id,
            Benefit.unit == GBP,
            Benefit.cash_class == CashClass.CASHABLE.value,
        )
        .order_by(Benefit.id)
    ).all()
    adjustments: dict[int, list[BenefitAdjustment]] = defaultdict(list)
    for adjustment in db.session.scalars(
        select(BenefitAdjustment)
        .where(BenefitAdjustment.benefit_id.in_([b.id for b in benefits]))
        .order_by(BenefitAdjustment.id)
    ):
        adjustments[adjustment.benefit_id].append(adjustment)
    return [SavingSource(b, tuple(adjustments[b.id])) for b in benefits]


def driver_achievements(on: date | None) -> list[tuple[str, Decimal, date]]:
    """Each benefit driver's latest maturity assessment on or before ``on`` (any date when None): its
    name, the % of its target efficiency achieved and the date assessed, in the drivers' own order."""
    stmt = (
        select(
            BenefitDriver.id,
            BenefitDriver.name,
            MaturityAssessment.achieved_pct,
            MaturityAssessment.assessed_on,
        )
        .join(BenefitDriver, BenefitDriver.id == MaturityAssessment.driver_id)
        .order_by(BenefitDriver.id, MaturityAssessment.assessed_on)
    )
    if on is not None:
        stmt = stmt.where(MaturityAssessment.assessed_on <= on)
    latest: dict[int, tuple[str, Decimal, date]] = {}
    for driver_id, name, achieved, assessed_on in db.session.execute(stmt):
        latest[driver_id] = (name, achieved, assessed_on)
    return [latest[driver_id] for driver_id in sorted(latest)]


def programme_figures(programme_id: int) -> list[ProgrammeFigure]:
    """The context figures recorded for a programme from its close-down report, in the report's order."""
    return list(
        db.session.scalars(
            select(ProgrammeFigure)
            .where(ProgrammeFigure.programme_id == programme_id)
            .order_by(ProgrammeFigure.position, ProgrammeFigure.id)
        )
    )
