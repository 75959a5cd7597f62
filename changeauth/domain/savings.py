"""The one definition of each money figure a programme reports (docs/benefits-and-resources.md).

Every page, export and API answer that says "realised", "like-for-like" or "net" takes the figure from
here, so two of them cannot disagree:

- **Gross**: the movement from the baseline of every measured cashable benefit in pounds.
- **Realised**: the gross of the cashable benefits finance has validated. Unvalidated values are
  estimates: they are shown apart and never counted.
- **Like-for-like**: realised plus the *confirmed* adjustments. A proposed adjustment (the report's
  "if" and "possible") is shown with its condition and counts nothing until finance confirms it.
- **Net, per financial year**: that year's realised cashable saving, plus the confirmed adjustments
  that apply in that year, less that year's temporary-resource cost. An annual saving is never set
  against cumulative spend.

Financial years run from 1 April to 31 March and are named by the year they start in (2019 is
2019/20). Money is integer pence; nothing here touches the database.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from changeauth.domain.benefits import BenefitDirection, CashClass, counts_as_realised, realised_gross

__all__ = [
    "AdjustmentLine",
    "AdjustmentRecurrence",
    "AdjustmentStatus",
    "BenefitLine",
    "ProgrammeFigures",
    "ResourceLine",
    "YearFigures",
    "adjustment_counts",
    "benefit_movement",
    "cost_between",
    "cost_by_financial_year",
    "financial_year",
    "financial_year_end",
    "financial_year_label",
    "financial_year_start",
    "like_for_like",
    "programme_figures",
    "realised_in_year",
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
class BenefitLine:
    """A benefit as the figures need it: its class, unit, baseline and direction, whether finance has
    validated it, and its measurements as ``(period_end, value)``."""

    cash_class: str
    is_money: bool
    baseline_value: Decimal
    direction: str
    validated: bool
    measurements: Sequence[tuple[date, Decimal]]
    adjustments: Sequence[AdjustmentLine] = ()

    @property
    def is_cashable_money(self) -> bool:
        return self.is_money and CashClass(self.cash_class) is CashClass.CASHABLE

    @property
    def counts(self) -> bool:
        return self.is_cashable_money and counts_as_realised(
            cash_class=self.cash_class, finance_validated=self.validated
        )


def benefit_movement(line: BenefitLine, on: date | None = None) -> Decimal | None:
    """The benefit's movement from its baseline at its latest measurement on or before ``on`` (the
    latest of all when ``on`` is None); None when nothing was measured by then."""
    measured = [(end, value) for end, value in line.measurements if on is None or end <= on]
    if not measured:
        return None
    latest = max(measured)[1]
    return realised_gross(
        latest_value=latest, baseline_value=line.baseline_value, direction=BenefitDirection(line.direction)
    )


def like_for_like(realised: Decimal | int, adjustments: Iterable[AdjustmentLine]) -> Decimal:
    """Realised plus the confirmed adjustments; proposed ones count nothing."""
    return Decimal(realised) + sum((Decimal(a.amount_pence) for a in adjustments if a.counts), Decimal(0))


def realised_in_year(line: BenefitLine, year: int) -> Decimal:
    """The cashable saving a validated benefit realised in a financial year: its annual value as last
    measured by the year's end (0 if it does not count or was not yet measured)."""
    if not line.counts:
        return Decimal(0)
    return benefit_movement(line, financial_year_end(year)) or Decimal(0)


# --- A programme's figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """One financial year: realised saving, confirmed adjustments, temporary-resource cost and net."""

    year: int
    realised_pence: int
    adjustments_pence: int
    temporary_cost_pence: int

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def net_pence(self) -> int:
        return self.realised_pence + self.adjustments_pence - self.temporary_cost_pence


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
        """The net over the years shown: the sum of each year's net."""
        return sum(y.net_pence for y in self.years)


def _pence(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def programme_figures(
    benefits: Sequence[BenefitLine],
    resources: Sequence[ResourceLine],
    *,
    first_year: int | None,
    last_year: int,
) -> ProgrammeFigures:
    """Every figure of a programme from its benefits (its own and its improvements') and its resources.

    Years run from ``first_year`` (the programme's start, or the first year with a figure) to
    ``last_year`` (the programme's end, or today's year); a year with neither saving nor cost is left out.
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
    costs: dict[int, int] = {}
    for resource in resources:
        for year, cost in cost_by_financial_year(resource).items():
            costs[year] = costs.get(year, 0) + cost
    measured_years = [financial_year(end) for line in money for end, _ in line.measurements]
    start = first_year if first_year is not None else min([*measured_years, *costs, last_year])
    years = []
    for year in range(start, last_year + 1):
        saving = sum((realised_in_year(line, year) for line in money), Decimal(0))
        adjustments = sum(
            a.amount_pence
            for line in money
            if realised_in_year(line, year)
            for a in line.adjustments
            if a.applies_in(year)
        )
        cost = costs.get(year, 0)
        if saving or adjustments or cost:
            years.append(YearFigures(year, _pence(saving), adjustments, cost))
    return ProgrammeFigures(
        gross_pence=_pence(gross),
        unvalidated_pence=_pence(gross - realised),
        realised_pence=_pence(realised),
        confirmed_adjustments_pence=sum(a.amount_pence for a in recurring_confirmed),
        proposed_adjustments_pence=proposed,
        like_for_like_pence=_pence(like_for_like(realised, recurring_confirmed)),
        years=tuple(years),
    )
