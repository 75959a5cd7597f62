"""Reading each programme's money figures: its benefits (its own and its improvements'), their
measurements and adjustments, its temporary resources and its money dis-benefits, handed to
``domain.savings`` for the one definition of realised, like-for-like and net that every page, export and
API answer shows.

Five selects whatever the number of programmes, worked out when asked: the web shows every programme's
figures from a view worked out once per change of the reports' marker for every process
(``web.shared_views.programme_savings``), and one programme's figures read only that programme's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from changeauth import db
from changeauth.domain import savings
from changeauth.domain.benefits import CashClass
from changeauth.domain.disbenefits import money_line
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    BenefitDriver,
    BenefitMeasurement,
    BenefitPlannedPoint,
    BenefitYear,
    Disbenefit,
    Improvement,
    MaturityAssessment,
    Programme,
    ProgrammeFigure,
    TemporaryResource,
    User,
)
from changeauth.models.derived_state import REPORTS
from changeauth.queries.derived import reads

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
    closed: bool = False


def _programme_of(model: Any) -> Any:
    return func.coalesce(model.programme_id, Improvement.programme_id)


def _cashable_lines(as_of: date, *where: Any) -> tuple[list[Any], dict[int, savings.BenefitLine]]:
    """The cashable benefits in pounds (narrowed by ``where``) as ``domain.savings`` lines, with their
    measurements to ``as_of``, adjustments, financial years and profiles' planned points (five selects)."""
    benefit_rows = db.session.execute(
        select(
            Benefit.id,
            _programme_of(Benefit),
            Benefit.cash_class,
            Benefit.baseline_value,
            Benefit.direction,
            Benefit.validated_at.is_not(None),
            Benefit.measure_type,
            Benefit.baseline_date,
            Benefit.target_date,
            Benefit.target_value,
            Benefit.profile_shape,
        )
        .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
        .where(Benefit.unit == GBP, Benefit.cash_class == CashClass.CASHABLE.value, *where)
        .order_by(Benefit.id)
    ).all()
    ids = [row[0] for row in benefit_rows]
    measurements: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    adjustments: dict[int, list[savings.AdjustmentLine]] = defaultdict(list)
    years: dict[int, list[savings.YearPlan]] = defaultdict(list)
    points: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    if ids:
        for benefit_id, period_end, planned in db.session.execute(
            select(
                BenefitPlannedPoint.benefit_id,
                BenefitPlannedPoint.period_end,
                BenefitPlannedPoint.planned_value,
            ).where(BenefitPlannedPoint.benefit_id.in_(ids))
        ):
            points[benefit_id].append((period_end, planned))
        for row in db.session.scalars(
            select(BenefitYear).where(BenefitYear.benefit_id.in_(ids)).order_by(BenefitYear.financial_year)
        ):
            years[row.benefit_id].append(row.plan())
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
    lines = {
        benefit_id: savings.BenefitLine(
            cash_class=cash_class,
            is_money=True,
            baseline_value=baseline,
            direction=direction,
            validated=bool(validated),
            measurements=tuple(measurements[benefit_id]),
            adjustments=tuple(adjustments[benefit_id]),
            years=tuple(years[benefit_id]),
            measure_type=measure_type,
            profile=savings.PlanProfile(
                baseline_date=baseline_date,
                target_date=target_date,
                target_value=target_value,
                shape=str(shape),
                points=tuple(points[benefit_id]),
            ),
        )
        for (
            benefit_id,
            _programme,
            cash_class,
            baseline,
            direction,
            validated,
            measure_type,
            baseline_date,
            target_date,
            target_value,
            shape,
        ) in benefit_rows
    }
    return list(benefit_rows), lines


def _of_programmes(model: Any, programme_ids: Sequence[int]) -> Any:
    """``model``'s rows (a benefit, resource or dis-benefit) that belong to one of ``programme_ids``:
    its own programme's, or its improvement's when it has none. Found through the programme_id indexes
    of the row and of improvement; the second condition is the exact rule."""
    member = aliased(Improvement)
    return and_(
        or_(
            model.programme_id.in_(programme_ids),
            model.improvement_id.in_(select(member.id).where(member.programme_id.in_(programme_ids))),
        ),
        _programme_of(model).in_(programme_ids),
    )


def _benefit_lines(as_of: date, *where: Any) -> dict[int, list[savings.BenefitLine]]:
    rows, lines = _cashable_lines(as_of, *where)
    by_programme: dict[int, list[savings.BenefitLine]] = defaultdict(list)
    for row in rows:
        if row[1] is not None:
            by_programme[row[1]].append(lines[row[0]])
    return by_programme


def _resource_lines(as_of: date, *where: Any) -> dict[int, list[savings.ResourceLine]]:
    """Each resource (narrowed by ``where``) is paid for from its start to its actual end, or to today
    while it has none."""
    lines: dict[int, list[savings.ResourceLine]] = defaultdict(list)
    rows = db.session.execute(
        select(
            _programme_of(TemporaryResource),
            TemporaryResource.annual_cost_pence,
            TemporaryResource.start_date,
            TemporaryResource.actual_end_date,
        )
        .outerjoin(Improvement, Improvement.id == TemporaryResource.improvement_id)
        .where(*where)
    ).all()
    for programme_id, annual, start, actual_end in rows:
        if programme_id is None or start > as_of:
            continue
        paid_to = min(actual_end, as_of) if actual_end is not None else as_of
        lines[programme_id].append(savings.ResourceLine(int(annual), start, paid_to))
    return lines


def _disbenefit_lines(*where: Any) -> dict[int | None, list[savings.DisbenefitLine]]:
    """The cashable money dis-benefits (narrowed by ``where``) as ``domain.savings`` lines, by programme
    (their own or their improvement's; one select). A dis-benefit that is not cashable money adds
    nothing to the figures (``domain.disbenefits.counts_in_net``)."""
    lines: dict[int | None, list[savings.DisbenefitLine]] = defaultdict(list)
    rows = db.session.execute(
        select(
            _programme_of(Disbenefit),
            Disbenefit.annual_value_pence,
            Disbenefit.cash_class,
            Disbenefit.starts_on,
            Disbenefit.ends_on,
        )
        .outerjoin(Improvement, Improvement.id == Disbenefit.improvement_id)
        .where(Disbenefit.cash_class == CashClass.CASHABLE.value, *where)
        .order_by(Disbenefit.id)
    ).all()
    for programme_id, annual, cash_class, starts_on, ends_on in rows:
        line = money_line(
            annual_value_pence=annual, cash_class=str(cash_class), starts_on=starts_on, ends_on=ends_on
        )
        if line is not None:
            lines[programme_id].append(line)
    return lines


def to_plain(items: Sequence[ProgrammeSavings]) -> list[dict[str, Any]]:
    """The programmes' figures as JSON-ready values (read back by ``from_plain``): the dashboard's
    shared figures carry them, so no process works them out again to show the dashboard."""
    return [
        {
            "programme_id": item.programme_id,
            "code": item.code,
            "name": item.name,
            "starts_on": None if item.starts_on is None else item.starts_on.isoformat(),
            "ends_on": None if item.ends_on is None else item.ends_on.isoformat(),
            "planned_investment_pence": item.planned_investment_pence,
            "planned_annual_benefit_pence": item.planned_annual_benefit_pence,
            "planned_fte_change": str(item.planned_fte_change),
            "closed": item.closed,
            "figures": {
                **{name: getattr(item.figures, name) for name in _FIGURE_FIELDS},
                "years": [
                    {name: getattr(year, name) for name in _YEAR_FIELDS} for year in item.figures.years
                ],
            },
        }
        for item in items
    ]


def from_plain(plain: Sequence[dict[str, Any]]) -> tuple[ProgrammeSavings, ...]:
    """``to_plain``'s programmes read back."""
    return tuple(
        ProgrammeSavings(
            programme_id=int(item["programme_id"]),
            code=item["code"],
            name=item["name"],
            starts_on=None if item["starts_on"] is None else date.fromisoformat(item["starts_on"]),
            ends_on=None if item["ends_on"] is None else date.fromisoformat(item["ends_on"]),
            planned_investment_pence=int(item["planned_investment_pence"]),
            planned_annual_benefit_pence=int(item["planned_annual_benefit_pence"]),
            planned_fte_change=Decimal(item["planned_fte_change"]),
            closed=bool(item["closed"]),
            figures=savings.ProgrammeFigures(
                **{name: int(item["figures"][name]) for name in _FIGURE_FIELDS},
                years=tuple(
                    savings.YearFigures(**{name: int(year[name]) for name in _YEAR_FIELDS})
                    for year in item["figures"]["years"]
                ),
            ),
        )
        for item in plain
    )


_FIGURE_FIELDS = tuple(f.name for f in fields(savings.ProgrammeFigures) if f.name != "years")
_YEAR_FIELDS = tuple(f.name for f in fields(savings.YearFigures))


def all_programmes(as_of: date) -> tuple[ProgrammeSavings, ...]:
    """Every programme with its figures on ``as_of``, oldest first, worked out now (the web reads them
    from ``web.shared_views.programme_savings``, worked out once per change for every process)."""
    return _programmes(as_of)


def programmes(as_of: date, programme_ids: Sequence[int]) -> tuple[ProgrammeSavings, ...]:
    """Only these programmes' figures on ``as_of``, the same as theirs in ``all_programmes``, reading only
    their own benefits, resources and dis-benefits and their improvements'."""
    return _programmes(as_of, list(programme_ids)) if programme_ids else ()


@reads(
    REPORTS,
    "programme",
    "improvement",
    "benefit",
    "benefit_adjustment",
    "benefit_year",
    "temporary_resource",
    "disbenefit",
)
def _programmes(as_of: date, programme_ids: list[int] | None = None) -> tuple[ProgrammeSavings, ...]:
    chosen = select(Programme).order_by(Programme.starts_on, Programme.id)
    if programme_ids is None:
        rows = db.session.scalars(chosen).all()
        benefits = _benefit_lines(as_of)
        resources = _resource_lines(as_of)
        disbenefits = _disbenefit_lines()
    else:
        rows = db.session.scalars(chosen.where(Programme.id.in_(programme_ids))).all()
        benefits = _benefit_lines(as_of, _of_programmes(Benefit, programme_ids))
        resources = _resource_lines(as_of, _of_programmes(TemporaryResource, programme_ids))
        disbenefits = _disbenefit_lines(_of_programmes(Disbenefit, programme_ids))
    result = []
    for programme in rows:
        lines = benefits.get(programme.id, [])
        first, last, realised_to = savings.reporting_span(
            programme.starts_on,
            programme.ends_on,
            as_of,
            [plan.year for line in lines for plan in line.years],
        )
        figures = savings.programme_figures(
            lines,
            resources.get(programme.id, []),
            first_year=first,
            last_year=last,
            realised_to=realised_to,
            disbenefits=disbenefits.get(programme.id, []),
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
                closed=programme.ends_on is not None and programme.ends_on <= as_of,
            )
        )
    return tuple(result)


def programme(code: str, as_of: date) -> ProgrammeSavings | None:
    """One programme's figures by its code, or None."""
    found = db.session.scalar(select(Programme.id).where(Programme.code == code))
    return None if found is None else next(iter(programmes(as_of, [found])), None)


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


# --- Savings by financial year --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingYear:
    """One cashable benefit in one financial year: its figures (``domain.savings``), where it belongs, and
    the budget reduction finance signed off for the year (budget line, date, who), if any. ``version`` is
    the year's version for a form (0 when nothing is recorded for it)."""

    benefit_id: int
    title: str
    belongs_to: str
    improvement_ref: str | None
    figures: savings.BenefitYearFigures
    programme_id: int | None
    budget_line: str | None
    taken_out_on: date | None
    taken_out_by: str | None
    version: int

    @property
    def is_taken_out(self) -> bool:
        return self.taken_out_on is not None


@dataclass(frozen=True)
class CostYear:
    """The temporary-resource cost of a programme or an improvement in one financial year."""

    belongs_to: str
    improvement_ref: str | None
    year: int
    cost_pence: int
    programme_id: int | None = None


def _span(line: savings.BenefitLine, current: int) -> list[int]:
    """Every financial year from the first the benefit plans (its profile's baseline year, or a year
    planned) or measured in to the last it plans, or to the current one once it has been measured or
    profiled (the years between included, figures or not)."""
    measured = [savings.financial_year(end) for end, _ in line.measurements]
    years = {plan.year for plan in line.years} | set(measured)
    if measured:
        years.add(current)
    if line.profile is not None and line.profile.baseline_date <= savings.financial_year_end(current):
        # The profile plans every year from its baseline's (``domain.savings.planned_in_year``).
        years |= {savings.financial_year(line.profile.baseline_date), current}
    return list(range(min(years), max(years) + 1)) if years else []


def _has_figure(figures: savings.BenefitYearFigures) -> bool:
    return bool(
        figures.planned_pence
        or figures.realised_pence
        or figures.one_off_cost_pence
        or figures.taken_out_pence
    )


def saving_years(
    as_of: date,
    *,
    benefit_id: int | None = None,
    benefit_ids: Sequence[int] | None = None,
    improvement_id: int | None = None,
    year: int | None = None,
) -> list[SavingYear]:
    """Each cashable benefit in pounds by financial year (only ``year`` when given; one benefit's or one
    improvement's when given): planned, realised to ``as_of``, one-off costs and the budget reduction.
    Programmes' own benefits first, then improvements' in reference order; years in order."""
    where: list[Any] = []
    if benefit_id is not None:
        where.append(Benefit.id == benefit_id)
    if benefit_ids is not None:
        where.append(Benefit.id.in_(benefit_ids))
    if improvement_id is not None:
        where.append(Benefit.improvement_id == improvement_id)
    rows, lines = _cashable_lines(as_of, *where)
    if not rows:
        return []
    ids = [row[0] for row in rows]
    owners = {
        benefit_id: (title, ref, improvement_title, programme_name)
        for benefit_id, title, ref, improvement_title, programme_name in db.session.execute(
            select(Benefit.id, Benefit.title, Improvement.ref, Improvement.title, Programme.name)
            .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
            .outerjoin(Programme, Programme.id == Benefit.programme_id)
            .where(Benefit.id.in_(ids))
        )
    }
    signer = aliased(User)
    reductions = {
        (benefit_id, fy): (line, on, name, version)
        for benefit_id, fy, line, on, name, version in db.session.execute(
            select(
                BenefitYear.benefit_id,
                BenefitYear.financial_year,
                BenefitYear.budget_line,
                BenefitYear.taken_out_on,
                signer.name,
                BenefitYear.version,
            )
            .outerjoin(signer, signer.id == BenefitYear.taken_out_by_id)
            .where(BenefitYear.benefit_id.in_(ids))
        )
    }
    current = savings.financial_year(as_of)
    programme_of = {row[0]: row[1] for row in rows}
    # A benefit's years stop where its programme's do (``domain.savings.reporting_span``): a closed
    # programme's saving is business as usual after its end, not a figure of the programme.
    closed_in = {
        programme_id: savings.financial_year(ends_on)
        for programme_id, ends_on in db.session.execute(
            select(Programme.id, Programme.ends_on).where(
                Programme.id.in_({p for p in programme_of.values() if p is not None}),
                Programme.ends_on <= as_of,
            )
        )
        if ends_on is not None
    }
    result = []
    for benefit_id in ids:
        line = lines[benefit_id]
        title, ref, improvement_title, programme_name = owners[benefit_id]
        last = closed_in.get(programme_of[benefit_id])
        span = [year] if year is not None else _span(line, current)
        figures_by_year = savings.benefit_years(
            line, [y for y in span if last is None or y <= last], realised_to=current
        )
        for figures in savings.reported_years(figures_by_year, _has_figure):
            budget_line, on, name, version = reductions.get((benefit_id, figures.year), (None, None, None, 0))
            result.append(
                SavingYear(
                    benefit_id=benefit_id,
                    title=title,
                    belongs_to=improvement_title if improvement_title is not None else programme_name or "",
                    improvement_ref=ref,
                    figures=figures,
                    programme_id=programme_of[benefit_id],
                    budget_line=budget_line,
                    taken_out_on=on,
                    taken_out_by=name,
                    version=version,
                )
            )
    result.sort(key=lambda r: (r.improvement_ref is not None, r.improvement_ref or "", r.benefit_id))
    return result


def years_by_benefit(benefit_ids: Sequence[int], as_of: date) -> dict[int, tuple[SavingYear, ...]]:
    """``saving_years`` of several benefits at once, by benefit (a benefit with none is left out)."""
    found: dict[int, list[SavingYear]] = defaultdict(list)
    if benefit_ids:
        for row in saving_years(as_of, benefit_ids=benefit_ids):
            found[row.benefit_id].append(row)
    return {benefit_id: tuple(rows) for benefit_id, rows in found.items()}


def cost_years(as_of: date, *, improvement_id: int | None = None, year: int | None = None) -> list[CostYear]:
    """The temporary-resource cost of each programme and improvement by financial year (to ``as_of``),
    counted as ``domain.savings`` counts it for the net figures; programmes first, then improvements."""
    stmt = (
        select(
            TemporaryResource.annual_cost_pence,
            TemporaryResource.start_date,
            TemporaryResource.actual_end_date,
            Improvement.ref,
            Improvement.title,
            Programme.name,
            _programme_of(TemporaryResource),
        )
        .outerjoin(Improvement, Improvement.id == TemporaryResource.improvement_id)
        .outerjoin(Programme, Programme.id == TemporaryResource.programme_id)
        .where(TemporaryResource.start_date <= as_of)
    )
    if improvement_id is not None:
        stmt = stmt.where(TemporaryResource.improvement_id == improvement_id)
    totals: dict[tuple[str | None, str, int], int] = defaultdict(int)
    programmes: dict[tuple[str | None, str], int | None] = {}
    for annual, start, actual_end, ref, improvement_title, programme_name, programme_id in db.session.execute(
        stmt
    ):
        belongs_to = improvement_title if improvement_title is not None else programme_name
        if belongs_to is None:
            continue
        programmes[(ref, belongs_to)] = programme_id
        paid_to = min(actual_end, as_of) if actual_end is not None else as_of
        resource = savings.ResourceLine(int(annual), start, paid_to)
        for fy, cost in savings.cost_by_financial_year(resource).items():
            if year is None or fy == year:
                totals[(ref, belongs_to, fy)] += cost
    return [
        CostYear(
            belongs_to=belongs_to,
            improvement_ref=ref,
            year=fy,
            cost_pence=cost,
            programme_id=programmes[(ref, belongs_to)],
        )
        for (ref, belongs_to, fy), cost in sorted(
            totals.items(), key=lambda item: (item[0][0] is not None, item[0][0] or "", *item[0][1:])
        )
        if cost
    ]


def improvement_years(improvement_id: int, as_of: date) -> tuple[savings.YearFigures, ...]:
    """An improvement's savings by financial year: its cashable benefits, its temporary resources and its
    cashable money dis-benefits, from the first year with a figure to the last year planned (or the
    current year), realised to ``as_of``."""
    _rows, lines = _cashable_lines(as_of, Benefit.improvement_id == improvement_id)
    resources = [
        savings.ResourceLine(int(annual), start, min(actual_end, as_of) if actual_end is not None else as_of)
        for annual, start, actual_end in db.session.execute(
            select(
                TemporaryResource.annual_cost_pence,
                TemporaryResource.start_date,
                TemporaryResource.actual_end_date,
            ).where(TemporaryResource.improvement_id == improvement_id, TemporaryResource.start_date <= as_of)
        )
    ]
    current = savings.financial_year(as_of)
    planned = [plan.year for line in lines.values() for plan in line.years]
    disbenefits = [
        line
        for found in _disbenefit_lines(Disbenefit.improvement_id == improvement_id).values()
        for line in found
    ]
    return savings.year_figures(
        list(lines.values()),
        resources,
        first_year=None,
        last_year=max([current, *planned]),
        realised_to=current,
        disbenefits=disbenefits,
    )


@dataclass(frozen=True)
class DisbenefitYear:
    """A cashable money dis-benefit's cost in one financial year (``domain.savings``), and where it
    belongs: what it takes off that year's net saving."""

    title: str
    belongs_to: str
    improvement_ref: str | None
    year: int
    cost_pence: int
    programme_id: int | None = None


def disbenefit_years(
    as_of: date, *, year: int | None = None, last_year: int | None = None
) -> list[DisbenefitYear]:
    """Each cashable money dis-benefit's cost by financial year, to the end of ``as_of``'s year (``year``
    only, when given), counted as ``domain.savings`` counts it for the net figures; programmes' first,
    then improvements' in reference order (one select)."""
    rows = db.session.execute(
        select(
            Disbenefit.title,
            Disbenefit.annual_value_pence,
            Disbenefit.cash_class,
            Disbenefit.starts_on,
            Disbenefit.ends_on,
            Improvement.ref,
            Improvement.title,
            Programme.name,
            _programme_of(Disbenefit),
        )
        .outerjoin(Improvement, Improvement.id == Disbenefit.improvement_id)
        .outerjoin(Programme, Programme.id == Disbenefit.programme_id)
        .where(Disbenefit.cash_class == CashClass.CASHABLE.value)
        .order_by(Disbenefit.id)
    ).all()
    current = savings.financial_year(as_of) if last_year is None else last_year
    result = []
    for title, annual, cash_class, starts_on, ends_on, ref, improvement_title, programme_name, owner in rows:
        line = money_line(
            annual_value_pence=annual, cash_class=str(cash_class), starts_on=starts_on, ends_on=ends_on
        )
        if line is None:
            continue
        for fy, cost in savings.disbenefit_by_financial_year(line, current).items():
            if cost and (year is None or fy == year):
                result.append(
                    DisbenefitYear(
                        title=title,
                        belongs_to=improvement_title
                        if improvement_title is not None
                        else programme_name or "",
                        improvement_ref=ref,
                        year=fy,
                        cost_pence=cost,
                        programme_id=owner,
                    )
                )
    result.sort(key=lambda r: (r.improvement_ref is not None, r.improvement_ref or "", r.year))
    return result
