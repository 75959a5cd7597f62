"""The one definition of each money figure a programme reports (docs/benefits-and-resources.md).

Every page, export and API answer that says "realised", "like-for-like" or "net" takes the figure from
here, so two of them cannot disagree:

- **Gross**: what every measured cashable benefit in pounds has realised, by its measure type
  (``domain.benefits.realised_to_date``): a level's movement from the baseline, the sum of a per-period
  measure's movements from its baseline, a running total's movement from its baseline.
- **Realised**: the gross of the cashable benefits finance has validated. Unvalidated values are
  estimates: they are shown apart and never counted.
- **Like-for-like**: realised plus the *confirmed* adjustments. A proposed adjustment (the report's
  "if" and "possible") is shown with its condition and counts nothing until finance confirms it.
- **Net saving, per financial year**: that year's realised cashable saving, plus the confirmed
  adjustments that apply in that year, less that year's temporary-resource cost and less the
  dis-benefits in money that fall in the year (a dis-benefit that is not money, such as digital
  exclusion, is managed beside the figures and never priced into them). The one-off investment is not a
  negative saving: it is its own figure by year (``investment_pence``), and what is left after it over
  the years shown is named apart (``ProgrammeFigures.after_investment_pence``). An annual saving is
  never set against cumulative spend.
- **The years a programme reports**: from its start to its end once it has closed (a recurring saving
  that outlives its programme is business as usual, on its benefit's own page and its owner's watch,
  not in the closed programme's figures); while it runs, to the current year or its last planned year
  if later, realised only to the current year (``reporting_span``).
- **Planned, per financial year** (``planned_in_year``): the saving the benefit's owner planned for
  the year, where one is recorded; otherwise what the benefit's profile (the plan its page charts)
  plans by the year's end, measured from the baseline as a level is, so a recurring saving is planned
  at its target every year after the target date; in whole pounds. **Taken out of a budget**: what
  finance has removed from a budget line for the year. Neither changes what counts as realised: a plan
  is a plan, and a budget reduction is recorded beside the saving.

Financial years run from 1 April to 31 March and are named by the year they start in (2019 is
2019/20). Money is integer pence; nothing here touches the database.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from changeauth.domain.benefits import (
    BenefitDirection,
    CashClass,
    MeasureType,
    Point,
    ProfileShape,
    counts_as_realised,
    planned_value,
    realised_between,
    realised_to_date,
)

__all__ = [
    "AdjustmentLine",
    "AdjustmentRecurrence",
    "AdjustmentStatus",
    "BenefitLine",
    "BenefitYearFigures",
    "DisbenefitLine",
    "ProgrammeFigures",
    "PlanProfile",
    "ResourceLine",
    "YearFigures",
    "YearPlan",
    "adjustment_counts",
    "benefit_years",
    "benefit_movement",
    "cost_between",
    "cost_by_financial_year",
    "disbenefit_by_financial_year",
    "financial_year",
    "financial_year_end",
    "financial_year_label",
    "financial_year_start",
    "like_for_like",
    "planned_in_year",
    "profile_total",
    "programme_figures",
    "realised_in_year",
    "reported_years",
    "reporting_span",
    "split_evenly",
    "split_full_year",
    "year_figures",
]


class FigureKind(StrEnum):
    """What a programme's context figure is: money (its value in pence), a percentage or a plain number."""

    MONEY = "money"
    PERCENT = "percent"
    NUMBER = "number"


class AdjustmentStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


class AdjustmentRecurrence(StrEnum):
    RECURRING = "recurring"
    ONE_OFF = "one_off"

    @property
    def label(self) -> str:
        return "Every year" if self is AdjustmentRecurrence.RECURRING else "One year only"


def adjustment_counts(status: AdjustmentStatus | str) -> bool:
    """Say whether a like-for-like adjustment counts: only once finance has confirmed it."""
    return AdjustmentStatus(status) is AdjustmentStatus.CONFIRMED


# --- Financial years -------------------------------------------------------------------------------------


def financial_year(day: date) -> int:
    """The financial year ``day`` falls in, named by the year it starts (31 March 2020 is in 2019)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_start(year: int) -> date:
    return date(year, 4, 1)


def financial_year_end(year: int) -> date:
    return date(year + 1, 3, 31)


def financial_year_label(year: int) -> str:
    """2019 -> "2019/20"."""
    return f"{year}/{(year + 1) % 100:02d}"


# The financial years a profile may name: wide enough for any council's records and plans.
FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR = 1990, 2100


def split_evenly(total_pence: int, years: Sequence[int]) -> dict[int, int]:
    """``total_pence`` shared between ``years`` as evenly as whole pence allow, the odd pence going to the
    earliest years, so the shares always add up to the total exactly."""
    ordered = sorted(set(years))
    if not ordered:
        raise ValueError("Name at least one financial year to split between")
    share, odd = divmod(total_pence, len(ordered))
    return {year: share + (1 if index < odd else 0) for index, year in enumerate(ordered)}


def split_full_year(full_year_pence: int, starts_on: date, last_year: int) -> dict[int, int]:
    """A recurring saving worth ``full_year_pence`` a year from ``starts_on``, by financial year up to
    ``last_year``: the first year has its part-year effect (the share of the year left, counted as for a
    temporary resource: whole months as twelfths, days as 1/365), each later year the full-year value."""
    first = financial_year(starts_on)
    if last_year < first:
        return {}
    split = {first: cost_between(full_year_pence, starts_on, financial_year_end(first))}
    split.update(dict.fromkeys(range(first + 1, last_year + 1), full_year_pence))
    return split


# --- Temporary-resource cost ----------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _years_paid(start: date, stop: date) -> Decimal:
    """The years from ``start`` to ``stop`` inclusive: whole calendar months count as twelfths, so a
    financial year costs exactly its annual cost, and the days left over count as 1/365 each."""
    if stop < start:
        return Decimal(0)
    after = stop + timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    if after.day < start.day:
        months -= 1
    days = (after - _add_months(start, months)).days
    return Decimal(months) / 12 + Decimal(days) / 365


def cost_between(annual_cost_pence: int, start: date, stop: date) -> int:
    """What a resource costing ``annual_cost_pence`` a year costs from ``start`` to ``stop`` inclusive,
    to the nearest penny (halves up)."""
    return int((annual_cost_pence * _years_paid(start, stop)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ResourceLine:
    """A temporary resource paid for from ``start`` to ``paid_to`` (inclusive; ``None`` if not started)."""

    annual_cost_pence: int
    start: date
    paid_to: date | None


def cost_by_financial_year(resource: ResourceLine) -> dict[int, int]:
    """A resource's cost split by financial year (a whole financial year costs its annual cost)."""
    if resource.paid_to is None or resource.paid_to < resource.start:
        return {}
    costs: dict[int, int] = {}
    for year in range(financial_year(resource.start), financial_year(resource.paid_to) + 1):
        start = max(resource.start, financial_year_start(year))
        stop = min(resource.paid_to, financial_year_end(year))
        costs[year] = cost_between(resource.annual_cost_pence, start, stop)
    return costs


@dataclass(frozen=True)
class DisbenefitLine:
    """A dis-benefit in money (a consequence of the change someone sees as negative, such as income lost
    when a service goes online): what it costs a year from ``start`` to ``stop`` inclusive (``None``
    while it lasts, to the end of the years reported). Its figures come from ``stop`` the way a
    resource's do from its end."""

    annual_cost_pence: int
    start: date
    stop: date | None = None


def disbenefit_by_financial_year(line: DisbenefitLine, last_year: int) -> dict[int, int]:
    """A money dis-benefit's cost split by financial year, to ``last_year`` at the latest."""
    stop = min(line.stop or financial_year_end(last_year), financial_year_end(last_year))
    return cost_by_financial_year(ResourceLine(line.annual_cost_pence, line.start, stop))


# --- Benefits -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentLine:
    """A like-for-like adjustment: signed pence, its status, whether it recurs, and its first year."""

    amount_pence: int
    status: str
    recurrence: str = AdjustmentRecurrence.RECURRING.value
    financial_year: int | None = None

    @property
    def counts(self) -> bool:
        return adjustment_counts(self.status)

    def applies_in(self, year: int) -> bool:
        """A confirmed adjustment applies from its year on if it recurs, in its year only if one-off (an
        adjustment with no year applies whenever its benefit is realised)."""
        if not self.counts:
            return False
        if self.financial_year is None:
            return True
        if AdjustmentRecurrence(self.recurrence) is AdjustmentRecurrence.ONE_OFF:
            return year == self.financial_year
        return year >= self.financial_year


@dataclass(frozen=True)
class YearPlan:
    """A cashable benefit's plan and record for one financial year, in pence: the saving planned, the
    one-off cost of securing it that falls in the year (investment), and what finance has taken out of
    a budget for it (None until then)."""

    year: int
    planned_pence: int = 0
    one_off_cost_pence: int = 0
    taken_out_pence: int | None = None


def profile_total(plans: Iterable[YearPlan]) -> int:
    """The saving a profile plans over all its years."""
    return sum(plan.planned_pence for plan in plans)


@dataclass(frozen=True)
class PlanProfile:
    """A benefit's profile: the plan its page charts, from the baseline to the target."""

    baseline_date: date
    target_date: date
    target_value: Decimal
    shape: str = ProfileShape.STRAIGHT_LINE.value
    points: Sequence[Point] = ()


@dataclass(frozen=True)
class BenefitLine:
    """A benefit as the figures need it: its class, unit, baseline and direction, whether finance has
    validated it, its measurements as ``(period_end, value)`` and what each says (``measure_type``)."""

    cash_class: str
    is_money: bool
    baseline_value: Decimal
    direction: str
    validated: bool
    measurements: Sequence[tuple[date, Decimal]]
    adjustments: Sequence[AdjustmentLine] = ()
    years: Sequence[YearPlan] = ()
    measure_type: str = MeasureType.LEVEL.value
    profile: PlanProfile | None = None

    @property
    def is_cashable_money(self) -> bool:
        return self.is_money and CashClass(self.cash_class) is CashClass.CASHABLE

    @property
    def counts(self) -> bool:
        return self.is_cashable_money and counts_as_realised(
            cash_class=self.cash_class, finance_validated=self.validated
        )


def benefit_movement(line: BenefitLine, on: date | None = None) -> Decimal | None:
    """What the benefit has realised by ``on`` (by its latest measurement when ``on`` is None), by its
    measure type (``domain.benefits.realised_to_date``: a level's latest movement from the baseline, the
    sum of a per-period measure's movements, a running total's latest movement); None when nothing was
    measured by then."""
    return realised_to_date(
        line.measurements,
        baseline_value=line.baseline_value,
        direction=line.direction,
        measure_type=line.measure_type,
        on=on,
    )


def like_for_like(realised: Decimal | int, adjustments: Iterable[AdjustmentLine]) -> Decimal:
    """Realised plus the confirmed adjustments; proposed ones count nothing."""
    return Decimal(realised) + sum((Decimal(a.amount_pence) for a in adjustments if a.counts), Decimal(0))


def realised_in_year(line: BenefitLine, year: int) -> Decimal:
    """The cashable saving a validated benefit realised in a financial year (0 if it does not count or was
    not yet measured). A level (an annual cost, say) gives its annual value as last measured by the year's
    end; a per-period or cumulative measure gives what was realised in the periods ending in the year."""
    if not line.counts:
        return Decimal(0)
    if MeasureType(line.measure_type) is MeasureType.LEVEL:
        return benefit_movement(line, financial_year_end(year)) or Decimal(0)
    return realised_between(
        line.measurements,
        after=financial_year_end(year - 1),
        to=financial_year_end(year),
        baseline_value=line.baseline_value,
        direction=line.direction,
        measure_type=line.measure_type,
    )


def planned_in_year(line: BenefitLine, year: int) -> int:
    """The saving planned for a financial year, in pence: the owner's plan for the year where one is
    recorded; otherwise, for a level (an annual saving), what the benefit's profile plans by the year's
    end less the baseline, in whole pounds (the profile's straight line gives odd pence between its
    ends); 0 when there is neither."""
    for plan in line.years:
        if plan.year == year:
            return plan.planned_pence
    profile = line.profile
    if profile is None or MeasureType(line.measure_type) is not MeasureType.LEVEL:
        return 0
    value = planned_value(
        financial_year_end(year),
        baseline_date=profile.baseline_date,
        baseline_value=line.baseline_value,
        target_date=profile.target_date,
        target_value=profile.target_value,
        shape=profile.shape,
        points=profile.points,
    )
    moved = value - line.baseline_value
    if BenefitDirection(line.direction) is BenefitDirection.DECREASE:
        moved = -moved
    return int((moved / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100 if line.is_money else 0


_Year = TypeVar("_Year")


# --- A programme's figures ------------------------------------------------------------------------------


def _pence(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class BenefitYearFigures:
    """One cashable benefit in one financial year (pence): planned, realised, the confirmed adjustments
    that apply, its one-off costs, what was taken out of a budget (None if nothing) and the net."""

    year: int
    planned_pence: int
    realised_pence: int
    adjustments_pence: int
    one_off_cost_pence: int
    taken_out_pence: int | None

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def net_pence(self) -> int:
        """This benefit alone after its one-off costs: never called a net saving on a page (that is a
        programme's or an improvement's ``YearFigures.net_pence``, after its temporary staff)."""
        return self.realised_pence + self.adjustments_pence - self.one_off_cost_pence


def benefit_years(
    line: BenefitLine, years: Iterable[int], *, realised_to: int | None = None
) -> tuple[BenefitYearFigures, ...]:
    """A cashable benefit's figures for each of ``years``: what its profile plans, what it realised
    (``realised_in_year``; nothing in a year after ``realised_to``, which has not begun), the confirmed
    adjustments that apply and its one-off costs."""
    plans = {plan.year: plan for plan in line.years}
    result = []
    for year in years:
        plan = plans.get(year, YearPlan(year))
        begun = realised_to is None or year <= realised_to
        realised = realised_in_year(line, year) if begun else Decimal(0)
        adjustments = sum(a.amount_pence for a in line.adjustments if a.applies_in(year)) if realised else 0
        result.append(
            BenefitYearFigures(
                year=year,
                planned_pence=planned_in_year(line, year),
                realised_pence=_pence(realised),
                adjustments_pence=adjustments,
                one_off_cost_pence=plan.one_off_cost_pence,
                taken_out_pence=plan.taken_out_pence,
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class YearFigures:
    """One financial year: planned and realised saving, confirmed adjustments, temporary resources, the
    one-off investment, what was taken out of budgets, and the net saving."""

    year: int
    realised_pence: int
    adjustments_pence: int
    temporary_cost_pence: int
    planned_pence: int = 0
    investment_pence: int = 0
    taken_out_pence: int = 0
    disbenefit_pence: int = 0

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def net_pence(self) -> int:
        """Net saving: realised and confirmed adjustments less temporary staff and dis-benefits; the
        one-off investment is shown beside it, never taken off it."""
        saving = self.realised_pence + self.adjustments_pence
        return saving - self.temporary_cost_pence - self.disbenefit_pence


@dataclass(frozen=True)
class ProgrammeFigures:
    """A programme's money figures as every page shows them (pence).

    ``realised_pence`` is the validated saving a year to date; ``gross_pence`` less
    ``unvalidated_pence`` equals it; ``like_for_like_pence`` adds the confirmed adjustments;
    ``proposed_adjustments_pence`` are shown apart. ``years`` carry the net per financial year.
    """

    gross_pence: int
    unvalidated_pence: int
    realised_pence: int
    confirmed_adjustments_pence: int
    proposed_adjustments_pence: int
    like_for_like_pence: int
    years: tuple[YearFigures, ...] = field(default=())

    @property
    def temporary_cost_pence(self) -> int:
        return sum(y.temporary_cost_pence for y in self.years)

    @property
    def net_pence(self) -> int:
        """The net saving over the years shown: the sum of each year's net saving."""
        return sum(y.net_pence for y in self.years)

    @property
    def investment_pence(self) -> int:
        """The one-off investment over the years shown."""
        return sum(y.investment_pence for y in self.years)

    @property
    def after_investment_pence(self) -> int:
        """Net saving over the years shown less the one-off investment: never called a net saving."""
        return self.net_pence - self.investment_pence


def year_figures(
    benefits: Sequence[BenefitLine],
    resources: Sequence[ResourceLine],
    *,
    first_year: int | None,
    last_year: int,
    realised_to: int | None = None,
    disbenefits: Sequence[DisbenefitLine] = (),
) -> tuple[YearFigures, ...]:
    """The figures by financial year of a set of benefits and temporary resources (a programme's or an
    improvement's), every year from ``first_year`` (the first year with a figure when None) to the last
    year with a figure, no later than ``last_year`` (``reported_years``): a year between with nothing in
    it is listed with its zeros, never left out. Only cashable benefits in pounds count; nothing is
    realised after ``realised_to`` (the current year, when later years are planned). Money dis-benefits
    are set against each year's net."""
    money = [line for line in benefits if line.is_cashable_money]
    costs: dict[int, int] = {}
    for resource in resources:
        for year, cost in cost_by_financial_year(resource).items():
            costs[year] = costs.get(year, 0) + cost
    lost: dict[int, int] = {}
    for disbenefit in disbenefits:
        for year, cost in disbenefit_by_financial_year(disbenefit, last_year).items():
            lost[year] = lost.get(year, 0) + cost
    measured_years = [financial_year(end) for line in money for end, _ in line.measurements]
    plan_years = [plan.year for line in money for plan in line.years]
    start = (
        first_year
        if first_year is not None
        else min([*measured_years, *plan_years, *costs, *lost, last_year])
    )
    span = range(start, last_year + 1)
    by_benefit = [benefit_years(line, span, realised_to=realised_to) for line in money]
    years = []
    for index, year in enumerate(span):
        rows = [figures[index] for figures in by_benefit]
        figures = YearFigures(
            year,
            realised_pence=sum(r.realised_pence for r in rows),
            adjustments_pence=sum(r.adjustments_pence for r in rows),
            temporary_cost_pence=costs.get(year, 0),
            planned_pence=sum(r.planned_pence for r in rows),
            investment_pence=sum(r.one_off_cost_pence for r in rows),
            taken_out_pence=sum(r.taken_out_pence or 0 for r in rows),
            disbenefit_pence=lost.get(year, 0),
        )
        years.append(figures)
    return reported_years(years, _year_has_figure)


def _year_has_figure(figures: YearFigures) -> bool:
    return any(
        (
            figures.realised_pence,
            figures.adjustments_pence,
            figures.temporary_cost_pence,
            figures.planned_pence,
            figures.investment_pence,
            figures.taken_out_pence,
            figures.disbenefit_pence,
        )
    )


def reported_years(years: Sequence[_Year], has_figure: Callable[[_Year], bool]) -> tuple[_Year, ...]:
    """The years a by-year table lists, from a run of consecutive years starting at the plan's start: each
    up to the last with a figure (``has_figure``), a year with nothing in it listed with its zeros, so
    no financial year goes missing; none when no year has a figure."""
    marked = [index for index, year in enumerate(years) if has_figure(year)]
    return tuple(years[: marked[-1] + 1]) if marked else ()


def reporting_span(
    starts_on: date | None, ends_on: date | None, as_of: date, planned_years: Iterable[int] = ()
) -> tuple[int | None, int, int]:
    """The years a programme's figures run over, as ``(first, last, realised_to)``: from its start's year
    (None: from the first year with a figure) to its end's year once it has closed, or while it runs to
    the current year or its last planned year if later; nothing is realised after the current year.
    Every page, export and API answer takes a programme's years from here."""
    current = financial_year(as_of)
    first = financial_year(starts_on) if starts_on is not None else None
    if ends_on is not None and ends_on <= as_of:
        return first, financial_year(ends_on), current
    return first, max([current, *planned_years]), current


def programme_figures(
    benefits: Sequence[BenefitLine],
    resources: Sequence[ResourceLine],
    *,
    first_year: int | None,
    last_year: int,
    realised_to: int | None = None,
    disbenefits: Sequence[DisbenefitLine] = (),
) -> ProgrammeFigures:
    """Every figure of a programme from its benefits (its own and its improvements') and its resources.

    Years run from ``first_year`` (the programme's start, or the first year with a figure) to
    ``last_year`` (the programme's end, or today's year), up to the last with a figure; a year between
    with neither saving nor cost is listed with its zeros.
    """
    money = [line for line in benefits if line.is_cashable_money]
    gross = sum((benefit_movement(line) or Decimal(0) for line in money), Decimal(0))
    realised = sum((benefit_movement(line) or Decimal(0) for line in money if line.counts), Decimal(0))
    counted = [a for line in money if line.counts for a in line.adjustments]
    recurring_confirmed = [
        a
        for a in counted
        if a.counts and AdjustmentRecurrence(a.recurrence) is AdjustmentRecurrence.RECURRING
    ]
    proposed = sum(a.amount_pence for line in money for a in line.adjustments if not a.counts)
    years = year_figures(
        benefits,
        resources,
        first_year=first_year,
        last_year=last_year,
        realised_to=realised_to,
        disbenefits=disbenefits,
    )
    return ProgrammeFigures(
        gross_pence=_pence(gross),
        unvalidated_pence=_pence(gross - realised),
        realised_pence=_pence(realised),
        confirmed_adjustments_pence=sum(a.amount_pence for a in recurring_confirmed),
        proposed_adjustments_pence=proposed,
        like_for_like_pence=_pence(like_for_like(realised, recurring_confirmed)),
        years=years,
    )
