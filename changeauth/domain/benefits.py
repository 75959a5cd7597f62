"""Benefits realisation rules (docs/benefits-and-resources.md).

A benefit has a profile (baseline and target on a baseline and target date, a
direction and a measurement frequency) and a series of measurements. This module
works out when the next measurement is due, whether the benefit has gone stale
or needs escalating, how an actual value compares with the planned trajectory,
and how much has been realised, gross and like-for-like.

Values are ``Decimal`` and dates are ``date``; nothing here touches the database.
Arguments that take an enumeration also accept its stored string (``"quarterly"``);
an unknown string raises ``ValueError``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from changeauth.domain.dates import range_errors

__all__ = [
    "CLOSING_STATUSES",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_TOLERANCE_PCT",
    "FLAG_BENEFIT_ESCALATED",
    "FLAG_BENEFIT_OUT_OF_TOLERANCE",
    "FLAG_STALE_BENEFIT",
    "FREQUENCY_MONTHS",
    "TRACKED_STAGES",
    "AdjustmentCategory",
    "BenefitDirection",
    "CashClass",
    "ClosingStatus",
    "DataQuality",
    "Frequency",
    "MeasureType",
    "ProfileShape",
    "Rag",
    "Staleness",
    "VarianceResult",
    "add_months",
    "add_period",
    "NO_CURRENT_DATA",
    "assess_variance",
    "BehindPlan",
    "behind_plan",
    "judged_on",
    "to_plan_precision",
    "is_favourable",
    "current_rag",
    "can_validate",
    "counts_as_realised",
    "escalate_after",
    "is_out_of_tolerance",
    "PLAN_FIELDS",
    "ChangeRequestStatus",
    "needs_change_request",
    "is_tracked",
    "next_due",
    "planned_value",
    "realised_adjusted",
    "realised_gross",
    "realised_to_date",
    "realised_between",
    "validate_planned_points",
    "stale_after",
    "staleness",
    "staleness_flag",
    "trajectory",
    "validate_measurement",
    "MAX_PLANNED_POINTS",
    "validate_profile",
]


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six_monthly"
    ANNUALLY = "annually"


FREQUENCY_MONTHS: Mapping[Frequency, int] = MappingProxyType(
    {
        Frequency.MONTHLY: 1,
        Frequency.QUARTERLY: 3,
        Frequency.SIX_MONTHLY: 6,
        Frequency.ANNUALLY: 12,
    }
)


class BenefitDirection(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class ProfileShape(StrEnum):
    """How the planned value moves from the baseline to the target (``planned_value``)."""

    STRAIGHT_LINE = "straight_line"
    STEPPED = "stepped"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            "straight_line": "A straight line",
            "stepped": "In steps",
            "custom": "Your own value for each period",
        }[self.value]

    @property
    def hint(self) -> str:
        return {
            "straight_line": "The plan moves evenly from the baseline to the target.",
            "stepped": "The plan stays at the baseline, then jumps to the values you give on the dates you "
            "give, for example when a team moves to the new way of working.",
            "custom": "You give the value planned at the end of each period; the plan runs straight from one "
            "to the next.",
        }[self.value]

    @property
    def uses_points(self) -> bool:
        return self is not ProfileShape.STRAIGHT_LINE


class MeasureType(StrEnum):
    """What one measurement says (``realised_to_date``)."""

    LEVEL = "level"
    PER_PERIOD = "per_period"
    CUMULATIVE = "cumulative"

    @property
    def label(self) -> str:
        return {
            "level": "A level on the day measured",
            "per_period": "The amount in the period",
            "cumulative": "A running total",
        }[self.value]

    @property
    def hint(self) -> str:
        return {
            "level": "For example the cost of the service per year, or the share of bookings made online. "
            "What is realised is the latest value's difference from the baseline.",
            "per_period": "For example the saving this quarter. The baseline is the amount in a period "
            "before the change; what is realised adds up each period's difference from it.",
            "cumulative": "For example the saving since the start. What is realised is the latest running "
            "total less the baseline's.",
        }[self.value]


class CashClass(StrEnum):
    CASHABLE = "cashable"
    NON_CASHABLE = "non_cashable"
    NOT_MONETISED = "not_monetised"

    @property
    def label(self) -> str:
        """The kind of benefit in words, with what it means (the form's choices and the benefit page)."""
        return {
            "cashable": "Cashable (money saved or earned)",
            "non_cashable": "Non-cashable (value, but no money released)",
            "not_monetised": "Not monetised (measured in its own unit)",
        }[self.value]


class ClosingStatus(StrEnum):
    REALISED = "realised"
    PARTIALLY_REALISED = "partially_realised"
    NOT_REALISED = "not_realised"


CLOSING_STATUSES: frozenset[str] = frozenset(ClosingStatus)


class DataQuality(StrEnum):
    MEASURED = "measured"
    ESTIMATED = "estimated"
    PROXY = "proxy"


class AdjustmentCategory(StrEnum):
    GROWTH_POSITION = "growth_position"
    EXTERNAL_FUNDING = "external_funding"
    DELIVERY_MODEL_CHANGE = "delivery_model_change"
    TAKEN_AS_SAVINGS = "taken_as_savings"
    SUPPLIES_AND_SERVICES = "supplies_and_services"
    OTHER = "other"
    # Restating a saving at another year's pay or prices, and income the change made possible, are kept
    # apart from the rest (report §3.2 asks for income generation apart from supplies and services).
    PAY_AWARD = "pay_award"
    INFLATION = "inflation"
    INCOME_GENERATION = "income_generation"


class Rag(StrEnum):
    """A benefit's rating against today's plan (red, amber, green), named on pages in plain words."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return RAG_LABELS[self]


RAG_LABELS = {
    Rag.GREEN: "On track",
    Rag.AMBER: "Behind plan",
    Rag.RED: "Well behind plan",
}

# What a tracked benefit's RAG says once its measurement is overdue: its last rating is no longer current.
NO_CURRENT_DATA = "no_current_data"


def rag_label(rag: str | None) -> str:
    """The words a page shows for a rating, for no current data, or for a benefit not yet measured."""
    if rag is None or rag == "":
        return "Not measured"
    if rag == NO_CURRENT_DATA:
        return "No current data"
    return Rag(rag).label


def rag_style(rag: str | None) -> str:
    """The tag colour for a rating: grey when there is no current rating."""
    if rag is None or rag == "" or rag == NO_CURRENT_DATA:
        return "none"
    return Rag(rag).value


class Staleness(StrEnum):
    CURRENT = "current"
    STALE = "stale"
    ESCALATED = "escalated"

    @property
    def is_overdue(self) -> bool:
        """Overdue, not yet long enough to be escalated."""
        return self is Staleness.STALE

    @property
    def is_escalated(self) -> bool:
        return self is Staleness.ESCALATED


DEFAULT_GRACE_DAYS = 14
DEFAULT_TOLERANCE_PCT = Decimal(10)

# Improvement stages during which benefits are measured and chased.
TRACKED_STAGES: frozenset[str] = frozenset({"delivery", "realisation"})

FLAG_STALE_BENEFIT = "stale_benefit"
FLAG_BENEFIT_ESCALATED = "benefit_escalated"
FLAG_BENEFIT_OUT_OF_TOLERANCE = "benefit_out_of_tolerance"

# The baseline and the target: what the business case was approved on, changed after that only by a change
# request the design authority approves.
PLAN_FIELDS: frozenset[str] = frozenset({"baseline_value", "baseline_date", "target_value", "target_date"})
# An improvement in one of these stages (or on hold from one) has had its business case approved.
APPROVED_CASE_STAGES: frozenset[str] = frozenset({"approved", "delivery", "realisation", "closed"})

_FREQUENCIES: frozenset[str] = frozenset(Frequency)
_DIRECTIONS: frozenset[str] = frozenset(BenefitDirection)
_CASH_CLASSES: frozenset[str] = frozenset(CashClass)
_SHAPES: frozenset[str] = frozenset(ProfileShape)
_MEASURE_TYPES: frozenset[str] = frozenset(MeasureType)


# --- Measurement schedule -------------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Return ``d`` moved by ``months`` calendar months (negative moves back).

    The day is clamped to the last day of the resulting month, so 31 January
    plus one month is 28 February (29 February in a leap year).

    Raises:
        ValueError: if the result falls outside the years ``date`` supports.
    """
    years, month_index = divmod(d.month - 1 + months, 12)
    year = d.year + years
    if not date.min.year <= year <= date.max.year:
        raise ValueError(f"Adding {months} months to {d.isoformat()} is outside the supported range of dates")
    month = month_index + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_period(d: date, months: int) -> date:
    """Return the end of the period ``months`` after one ending on ``d``.

    Measurement periods end on month ends, so a period ending on a month's last day is followed by one
    ending on the last day of the target month: 30 September + 3 months is 31 December (not the 30th),
    and 28 February 2027 + 12 months is 29 February 2028. Any other day is moved as ``add_months`` does
    (a 29 February anniversary falls on 28 February in other years and returns to the 29th in leap ones
    when counted from the original date).
    """
    moved = add_months(d, months)
    if d.day == calendar.monthrange(d.year, d.month)[1]:
        return moved.replace(day=calendar.monthrange(moved.year, moved.month)[1])
    return moved


def _months(frequency: Frequency | str) -> int:
    return FREQUENCY_MONTHS[Frequency(frequency)]


def next_due(*, baseline_date: date, latest_period_end: date | None, frequency: Frequency | str) -> date:
    """Return the date the next measurement is due.

    That is one frequency period after the end of the latest period measured,
    or after the baseline date if nothing has been measured yet.
    """
    anchor = latest_period_end if latest_period_end is not None else baseline_date
    return add_period(anchor, _months(frequency))


def stale_after(due: date, grace_days: int = DEFAULT_GRACE_DAYS) -> date:
    """Return the last day on which a measurement due on ``due`` is not yet stale."""
    if grace_days < 0:
        raise ValueError("grace_days cannot be negative")
    return due + timedelta(days=grace_days)


def escalate_after(due: date, frequency: Frequency | str) -> date:
    """Return the last day on which a measurement due on ``due`` is not yet escalated.

    That is one whole frequency period after the due date.
    """
    return add_period(due, _months(frequency))


def staleness(
    *, as_of: date, due: date, frequency: Frequency | str, grace_days: int = DEFAULT_GRACE_DAYS
) -> Staleness:
    """Say whether a benefit whose next measurement is due on ``due`` is current, stale or escalated.

    Both boundaries are strict: on ``stale_after(due)`` itself the benefit is
    still current, and on ``escalate_after(due)`` itself it is not yet
    escalated. Escalation wins if a grace period longer than the frequency
    makes the two boundaries cross.
    """
    if as_of > escalate_after(due, frequency):
        return Staleness.ESCALATED
    if as_of > stale_after(due, grace_days):
        return Staleness.STALE
    return Staleness.CURRENT


def staleness_flag(state: Staleness) -> str | None:
    """Return the flag kind to raise for a staleness state, or ``None`` if it needs no flag."""
    if state is Staleness.ESCALATED:
        return FLAG_BENEFIT_ESCALATED
    if state is Staleness.STALE:
        return FLAG_STALE_BENEFIT
    return None


# --- Trajectory and variance ----------------------------------------------------------------------------


Point = tuple[date, Decimal]


def _inside(points: Iterable[Point], baseline_date: date, target_date: date) -> list[Point]:
    """The planned points strictly between the baseline and target dates, in date order (points left
    outside by a later change of dates are not used; ``validate_planned_points`` refuses new ones)."""
    return sorted((d, v) for d, v in points if baseline_date < d < target_date)


def planned_value(
    on: date,
    *,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> Decimal:
    """Return the value planned for ``on``.

    Before (and on) the baseline date the plan is the baseline value; on and after the target date it
    is the target value. In between it depends on the profile's shape:

    - straight line: a straight line from the baseline to the target;
    - stepped: the baseline until the first planned point's date, then each point's value from its date
      until the next point's (the target is the last step, on the target date);
    - custom: a straight line from each point to the next, through the baseline, the planned points (one
      per period end) and the target, in date order.

    With no planned points, custom is the straight line and stepped holds the baseline until the target
    date. Values are not rounded.
    """
    if on <= baseline_date:
        return baseline_value
    if on >= target_date:
        return target_value
    kind = ProfileShape(shape)
    if kind is ProfileShape.STEPPED:
        value = baseline_value
        for when, planned in _inside(points, baseline_date, target_date):
            if when > on:
                break
            value = planned
        return value
    corners = [(baseline_date, baseline_value), (target_date, target_value)]
    if kind is ProfileShape.CUSTOM:
        corners[1:1] = _inside(points, baseline_date, target_date)
    for (start, low), (stop, high) in zip(corners, corners[1:], strict=False):
        if start <= on <= stop:
            if on == stop:
                return high
            return low + (high - low) * Decimal((on - start).days) / Decimal((stop - start).days)
    return target_value  # unreachable: the corners cover the baseline date to the target date


@dataclass(frozen=True)
class VarianceResult:
    """How an actual value compares with the plan on a date."""

    planned: Decimal
    variance: Decimal
    favourable: bool
    rag: Rag


def is_favourable(variance: Decimal, direction: BenefitDirection | str) -> bool:
    """Whether actual minus planned goes the benefit's way: at or above plan for an increase, at or below
    for a decrease (the one rule for the rating, the plan's table and its words)."""
    if BenefitDirection(direction) is BenefitDirection.INCREASE:
        return variance >= 0
    return variance <= 0


def assess_variance(
    *,
    on: date,
    actual: Decimal,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    direction: BenefitDirection | str,
    tolerance_pct: Decimal = DEFAULT_TOLERANCE_PCT,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> VarianceResult:
    """Compare ``actual`` with the planned value on ``on`` (``planned_value``, of the profile's shape) and
    give it a RAG rating.

    Variance is actual minus planned. It is favourable when it goes the
    benefit's way (at or above plan for an increase, at or below for a
    decrease). The tolerance is ``tolerance_pct`` per cent of the whole
    planned change (|target - baseline|). Green: favourable, or within the
    tolerance; amber: within twice the tolerance; red: beyond that. Both
    boundaries are inclusive.
    """
    planned = planned_value(
        on,
        baseline_date=baseline_date,
        baseline_value=baseline_value,
        target_date=target_date,
        target_value=target_value,
        shape=shape,
        points=points,
    )
    variance = actual - planned
    favourable = is_favourable(variance, direction)

    band = abs(target_value - baseline_value) * tolerance_pct / Decimal(100)
    shortfall = abs(variance)
    if favourable or shortfall <= band:
        rag = Rag.GREEN
    elif shortfall <= 2 * band:
        rag = Rag.AMBER
    else:
        rag = Rag.RED
    return VarianceResult(planned=planned, variance=variance, favourable=favourable, rag=rag)


def trajectory(
    *,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    frequency: Frequency | str,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> list[tuple[date, Decimal]]:
    """Return the planned ``(date, value)`` points for a chart and the plan's table.

    The points are the baseline date, each measurement date after it that
    falls before the target date, the dates of a stepped or custom profile's
    planned points, and the target date.

    Raises:
        ValueError: if the target date is not after the baseline date
            (``validate_profile`` refuses such profiles).
    """
    if target_date <= baseline_date:
        raise ValueError("The target date must be after the baseline date")
    step = _months(frequency)
    dates = [baseline_date]
    n = 1
    while True:
        # Count every point from the baseline rather than the previous point, so that
        # a baseline on the 31st does not drift to the 28th after passing February.
        point = add_months(baseline_date, n * step)
        if point >= target_date:
            break
        dates.append(point)
        n += 1
    dates.append(target_date)
    points = list(points)
    if ProfileShape(shape).uses_points:
        dates = sorted(set(dates) | {d for d, _ in _inside(points, baseline_date, target_date)})
    return [
        (
            d,
            planned_value(
                d,
                baseline_date=baseline_date,
                baseline_value=baseline_value,
                target_date=target_date,
                target_value=target_value,
                shape=shape,
                points=points,
            ),
        )
        for d in dates
    ]


# --- Realisation ----------------------------------------------------------------------------------------


def realised_gross(
    *, latest_value: Decimal | None, baseline_value: Decimal, direction: BenefitDirection | str
) -> Decimal | None:
    """Return the gross benefit realised so far, or ``None`` if nothing has been measured.

    It is the movement from the baseline in the benefit's direction, so a
    move the wrong way is negative.
    """
    if latest_value is None:
        return None
    if BenefitDirection(direction) is BenefitDirection.INCREASE:
        return latest_value - baseline_value
    return baseline_value - latest_value


def _signed(value: Decimal, baseline_value: Decimal, direction: BenefitDirection | str) -> Decimal:
    return realised_gross(latest_value=value, baseline_value=baseline_value, direction=direction) or Decimal(
        0
    )


def realised_to_date(
    measurements: Iterable[Point],
    *,
    baseline_value: Decimal,
    direction: BenefitDirection | str,
    measure_type: MeasureType | str = MeasureType.LEVEL,
    on: date | None = None,
) -> Decimal | None:
    """The gross benefit realised by ``on`` (by the latest measurement when None) from the measurements
    ``(period_end, value)``, by what a measurement says (the one definition; docs/benefits-and-resources.md):

    - level (a reading of a level, such as cost per year): the latest value's movement from the baseline;
    - per period (the amount in each period, such as the saving this quarter; the baseline is the amount
      in a period before the change): the sum of every period's movement from the baseline;
    - cumulative (a running total, such as the saving since the start): the latest running total's
      movement from the baseline's running total.

    Movement is in the benefit's direction, so a move the wrong way is negative. None when nothing was
    measured by ``on``.
    """
    measured = sorted((end, value) for end, value in measurements if on is None or end <= on)
    if not measured:
        return None
    if MeasureType(measure_type) is MeasureType.PER_PERIOD:
        return sum((_signed(value, baseline_value, direction) for _, value in measured), Decimal(0))
    return _signed(measured[-1][1], baseline_value, direction)


def realised_between(
    measurements: Iterable[Point],
    *,
    after: date,
    to: date,
    baseline_value: Decimal,
    direction: BenefitDirection | str,
    measure_type: MeasureType | str,
) -> Decimal:
    """The benefit realised in the periods ending after ``after`` up to ``to`` (inclusive), for a measure
    that adds up (per period or cumulative): what ``realised_to_date`` had grown by over the span. A level
    is a rate, not an amount, so it has no amount "between" dates: ValueError."""
    if MeasureType(measure_type) is MeasureType.LEVEL:
        raise ValueError("A level is read at a date; it is not realised between dates")
    series = list(measurements)

    def by(day: date) -> Decimal:
        realised = realised_to_date(
            series, baseline_value=baseline_value, direction=direction, measure_type=measure_type, on=day
        )
        return realised if realised is not None else Decimal(0)

    return by(to) - by(after)


def realised_adjusted(gross: Decimal | None, adjustments: Iterable[Decimal]) -> Decimal | None:
    """Return the like-for-like benefit: the gross plus the signed adjustments.

    ``None`` if there is no gross figure yet.
    """
    if gross is None:
        return None
    return gross + sum(adjustments, Decimal(0))


def is_tracked(
    *, improvement_stage: str | None, closing_status: str | None, handed_over: bool = False
) -> bool:
    """Say whether a benefit is being chased for measurements.

    A benefit is chased until its benefits review closes it (an empty closing status counts as not
    closed). An improvement's benefit is chased while the improvement is in delivery or realisation, and
    after that once it has been handed to a business-as-usual owner. A programme's benefit
    (``improvement_stage`` None) is chased whether or not the programme has ended: a recurring saving is
    most at risk after the programme that made it has gone.
    """
    if closing_status:
        return False
    return improvement_stage is None or improvement_stage in TRACKED_STAGES or handed_over


def can_validate(*, validator_id: int, validator_is_finance: bool, benefit_owner_id: int) -> bool:
    """Say whether someone may validate a cashable benefit: finance, and not its owner."""
    return validator_is_finance and validator_id != benefit_owner_id


def counts_as_realised(*, cash_class: CashClass | str, finance_validated: bool) -> bool:
    """Say whether a benefit's realised value may be counted.

    A cashable benefit counts only once finance has validated it; other
    benefits count as measured.
    """
    return CashClass(cash_class) is not CashClass.CASHABLE or finance_validated


# --- Validation -----------------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def validate_profile(
    *,
    baseline_date: date | None,
    target_date: date | None,
    frequency: str | None,
    tolerance_pct: Decimal | None,
    direction: str | None,
    cash_class: str | None,
    profile_shape: str | None = ProfileShape.STRAIGHT_LINE.value,
    measure_type: str | None = MeasureType.LEVEL.value,
) -> dict[str, list[str]]:
    """Check a benefit profile and return error messages by field name.

    An empty result means the profile is valid. Every value is required
    except the tolerance, where ``None`` means the default applies.
    """
    errors: dict[str, list[str]] = range_errors(baseline_date=baseline_date, target_date=target_date)

    if baseline_date is None:
        _add(errors, "baseline_date", "Enter the baseline date.")
    if target_date is None:
        _add(errors, "target_date", "Enter the target date.")
    elif baseline_date is not None and target_date <= baseline_date:
        _add(errors, "target_date", "The target date must be after the baseline date.")

    if not frequency:
        _add(errors, "frequency", "Choose how often the benefit will be measured.")
    elif frequency not in _FREQUENCIES:
        _add(errors, "frequency", "Choose monthly, quarterly, six-monthly or annually.")

    if tolerance_pct is not None and not (tolerance_pct.is_finite() and 0 <= tolerance_pct <= 100):
        _add(errors, "tolerance_pct", "The tolerance must be between 0 and 100 per cent.")

    if not direction:
        _add(errors, "direction", "Choose whether the measure should go up or down.")
    elif direction not in _DIRECTIONS:
        _add(errors, "direction", "Choose whether the measure should go up (increase) or down (decrease).")

    if not cash_class:
        _add(errors, "cash_class", "Choose whether the benefit is cashable, non-cashable or not monetised.")
    elif cash_class not in _CASH_CLASSES:
        _add(errors, "cash_class", "Choose cashable, non-cashable or not monetised.")

    if not profile_shape:
        _add(errors, "profile_shape", "Choose how the planned value moves from the baseline to the target.")
    elif profile_shape not in _SHAPES:
        _add(errors, "profile_shape", "Choose a straight line, in steps, or your own value for each period.")

    if not measure_type:
        _add(errors, "measure_type", "Choose what each measurement says.")
    elif measure_type not in _MEASURE_TYPES:
        _add(errors, "measure_type", "Choose a level, the amount in the period, or a running total.")

    return errors


MAX_PLANNED_POINTS = 120  # ten years of monthly periods


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def validate_planned_points(
    points: Sequence[tuple[date | None, Decimal | None]],
    *,
    shape: ProfileShape | str | None,
    baseline_date: date | None,
    target_date: date | None,
) -> dict[str, list[str]]:
    """Check a profile's shape and its planned points ``(date, value)``; error messages by field name
    (``profile_shape``, ``planned_points``), a point named by its row.

    A straight line takes no points. A stepped or custom profile's points each need a date strictly
    between the baseline and target dates (the baseline and the target are the plan's first and last
    points) and a value, one point per date.
    """
    errors: dict[str, list[str]] = {}
    if not shape:
        _add(errors, "profile_shape", "Choose how the planned value moves from the baseline to the target.")
        return errors
    if shape not in _SHAPES:
        _add(errors, "profile_shape", "Choose a straight line, in steps, or your own value for each period.")
        return errors
    if not ProfileShape(shape).uses_points:
        if points:
            _add(
                errors,
                "planned_points",
                "A straight-line plan has no planned points: choose in steps or your own values first.",
            )
        return errors
    if len(points) > MAX_PLANNED_POINTS:
        _add(errors, "planned_points", f"Enter no more than {MAX_PLANNED_POINTS} planned points.")
        return errors
    seen: set[date] = set()
    for row, (when, value) in enumerate(points, start=1):
        if when is None:
            _add(errors, "planned_points", f"Row {row}: enter the date.")
        elif baseline_date is not None and target_date is not None and not baseline_date < when < target_date:
            _add(
                errors,
                "planned_points",
                f"Row {row}: the date must be after the baseline date ({_long_date(baseline_date)}) and "
                f"before the target date ({_long_date(target_date)}).",
            )
        elif when in seen:
            _add(errors, "planned_points", f"Row {row}: {_long_date(when)} is planned twice; keep one row.")
        else:
            seen.add(when)
        if value is None or not value.is_finite():
            _add(errors, "planned_points", f"Row {row}: enter the planned value.")
    return errors


def validate_measurement(
    *, period_end: date | None, today: date, baseline_date: date | None = None
) -> dict[str, list[str]]:
    """Check a measurement's period end date and return error messages by field name.

    The period end may be today but not in the future, and may not be before
    the benefit's baseline date.
    """
    errors: dict[str, list[str]] = range_errors(period_end=period_end)
    if period_end is None:
        _add(errors, "period_end", "Enter the end date of the period measured.")
        return errors
    if period_end > today:
        _add(errors, "period_end", "The period end date cannot be in the future.")
    if baseline_date is not None and period_end < baseline_date:
        _add(errors, "period_end", "The period end date cannot be before the baseline date.")
    return errors


def current_rag(
    *,
    as_of: date,
    tracked: bool,
    staleness: Staleness,
    latest_value: Decimal | None,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    direction: BenefitDirection | str,
    tolerance_pct: Decimal = DEFAULT_TOLERANCE_PCT,
    stored: str | None = None,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> str | None:
    """The RAG a tracked benefit shows today: ``NO_CURRENT_DATA`` once its measurement is overdue (an old
    green says nothing about now), else its latest value judged against today's plan (the profile's
    planned value today, of its shape; the target once the target date has passed). An untracked
    benefit keeps the rating it closed with; an unmeasured one has none.
    """
    if latest_value is None:
        return None
    if not tracked:
        return stored
    if staleness is not Staleness.CURRENT:
        return NO_CURRENT_DATA
    return assess_variance(
        on=judged_on(as_of, baseline_date=baseline_date, target_date=target_date),
        actual=latest_value,
        baseline_date=baseline_date,
        baseline_value=baseline_value,
        target_date=target_date,
        target_value=target_value,
        direction=direction,
        tolerance_pct=tolerance_pct,
        shape=shape,
        points=points,
    ).rag.value


def to_plan_precision(value: Decimal, *, money: bool, profile: Iterable[Decimal]) -> Decimal:
    """A planned value (or a shortfall against one) to the precision of its unit: whole pounds for a plan in
    pounds (values are in pence), else the decimal places of the baseline and target (whole calls for a
    plan from 0 to 3,200 calls; one place for 2.5 FTE)."""
    if money:
        return (value / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100
    places = max((max(-int(v.normalize().as_tuple().exponent), 0) for v in profile), default=0)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def judged_on(as_of: date, *, baseline_date: date, target_date: date) -> date:
    """The day whose plan today's rating judges the latest value against: today, kept between the baseline
    date and the target date."""
    return min(max(as_of, baseline_date), target_date)


@dataclass(frozen=True)
class BehindPlan:
    """Why a benefit is rated behind plan today: its latest value against today's plan (``current_rag``)."""

    judged_on: date
    planned: Decimal
    latest: Decimal
    period_end: date
    shortfall: Decimal
    planned_change: Decimal
    tolerance_pct: Decimal

    @property
    def shortfall_pct(self) -> Decimal:
        """The shortfall as a percentage of the whole planned change, the measure the tolerance is in."""
        if self.planned_change == 0:
            return Decimal(0)
        return self.shortfall * 100 / self.planned_change

    def shortfall_pct_words(self) -> str:
        """The shortfall's percentage to a whole number, or to one place where a whole number would not
        show it beyond the tolerance (10.4% against a 10% tolerance)."""
        whole = self.shortfall_pct.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if whole > self.tolerance_pct:
            return f"{whole}%"
        return f"{self.shortfall_pct.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"

    def explain(
        self,
        *,
        value: Callable[[Decimal], str],
        measured: Callable[[Decimal], str],
        change: Callable[[Decimal], str],
        day: Callable[[date], str],
        next_due: date,
    ) -> str:
        """The plain words a page shows: what was compared, with the figures, and what the owner can do and
        when. ``value`` writes a planned value in the benefit's unit, ``measured`` a measured one, ``change``
        a difference in it, ``day`` a date."""
        tolerance = self.tolerance_pct.normalize()
        return (
            f"Today's plan is {value(self.planned)}; the latest measurement, {measured(self.latest)} for the "
            f"period ending {day(self.period_end)}, is {change(self.shortfall)} behind it: "
            f"{self.shortfall_pct_words()} of the planned change of {change(self.planned_change)}, more than "
            f"the {tolerance:f}% tolerance. The table below compares each measurement with the plan for its "
            f"own period, so a row can be on track while the benefit is behind today's plan. The next "
            f"measurement is due on {day(next_due)}: record it then (or sooner, for a period that has "
            f"ended), and the flag comes down once a measurement is back within tolerance. If the plan "
            f"itself no longer holds, propose a change to the baseline or target."
        )


def behind_plan(
    *,
    as_of: date,
    latest_value: Decimal | None,
    latest_period_end: date | None,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    direction: BenefitDirection | str,
    tolerance_pct: Decimal = DEFAULT_TOLERANCE_PCT,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> BehindPlan | None:
    """The comparison behind an amber or red rating today (the one ``current_rag`` makes), or None when
    the latest value is within tolerance or nothing is measured."""
    if latest_value is None or latest_period_end is None:
        return None
    on = judged_on(as_of, baseline_date=baseline_date, target_date=target_date)
    result = assess_variance(
        on=on,
        actual=latest_value,
        baseline_date=baseline_date,
        baseline_value=baseline_value,
        target_date=target_date,
        target_value=target_value,
        direction=direction,
        tolerance_pct=tolerance_pct,
        shape=shape,
        points=points,
    )
    if not is_out_of_tolerance(result.rag.value):
        return None
    return BehindPlan(
        judged_on=on,
        planned=result.planned,
        latest=latest_value,
        period_end=latest_period_end,
        shortfall=abs(result.variance),
        planned_change=abs(target_value - baseline_value),
        tolerance_pct=tolerance_pct,
    )


def is_out_of_tolerance(rag: str | None) -> bool:
    """Say whether a rating today (``current_rag``) is out of tolerance: amber or red, a shortfall against
    today's plan beyond the tolerance (``assess_variance``). No rating, or no current data, says nothing
    about the tolerance."""
    return rag in (Rag.AMBER.value, Rag.RED.value)


def needs_change_request(*, improvement_stage: str | None, held_from_stage: str | None = None) -> bool:
    """Say whether a change to a benefit's baseline or target is a change request for the design authority
    rather than an edit: once its improvement's business case is approved (approved, in delivery,
    realising or closed, or on hold from one of those), the benefits it was approved on change only under
    change control. A programme's benefit has no improvement's case, and only the design authority writes
    it, so it does not."""
    stage = held_from_stage if improvement_stage == "on_hold" else improvement_stage
    return stage in APPROVED_CASE_STAGES


class ChangeRequestStatus(StrEnum):
    """A proposed change to a benefit's baseline or target (docs/benefits-and-resources.md): pending until
    an independent design authority member approves (then applied) or rejects it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
