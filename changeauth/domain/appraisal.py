"""Business-case appraisal: present values, NPV, BCR and payback for each option.

Follows the HM Treasury Green Book approach used in council business cases:
costs are uplifted by optimism bias, both costs and benefits are discounted at
the Green Book rate (3.5 % by default) over an appraisal period (10 years by
default for a recurring saving), and payback is the *cash* payback: the
bias-adjusted costs against the cashable benefits only, undiscounted and
discounted. Optimism bias is applied separately to costs (uplifted), benefits (reduced) and duration
(benefits delayed), and each option is compared with business as usual (``compare_with_baseline``),
with switching values and a sensitivity table for the preferred option (``sensitivity``).
Non-cashable benefits (cost avoidance, staff time) count in the present values but release no cash,
so they never bring payback forward. Money is integer pence throughout; arithmetic is done in
``decimal.Decimal`` so results are reproducible to the penny.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "DEFAULT_APPRAISAL_YEARS",
    "DEFAULT_DISCOUNT_RATE",
    "MAX_DISCOUNT_RATE",
    "MAX_OPTIMISM_BIAS_PCT",
    "MAX_YEAR",
    "MAX_BENEFITS_BIAS_PCT",
    "SENSITIVITY_CASES",
    "Appraisal",
    "BaselineComparison",
    "Change",
    "OptionFigures",
    "Sensitivity",
    "SensitivityRow",
    "YearFigures",
    "appraise",
    "benefit_delay_years",
    "compare_with_baseline",
    "sensitivity",
    "expected_business_as_usual_warning",
    "recurring_benefit_warning",
    "shown_bcr",
    "shown_payback",
    "validate_business_case",
]

DEFAULT_DISCOUNT_RATE = Decimal("0.035")  # HM Treasury Green Book social time preference rate
# The Green Book appraises a recurring saving over the life of the change; ten years is the usual period
# for a council's business change, and what the appraisal expects unless a case says otherwise.
DEFAULT_APPRAISAL_YEARS = 10
MAX_DISCOUNT_RATE = Decimal("0.20")
MAX_OPTIMISM_BIAS_PCT = Decimal("200")
# Benefits are reduced by their bias, so more than 100 % would make them negative.
MAX_BENEFITS_BIAS_PCT = Decimal("100")
MAX_YEAR = 60

# Enough digits that (1 + r) ** 60 and sums of £1bn figures over 61 years keep
# far more precision than the final rounding to whole pence needs.
_PRECISION = 60
_PENNY = Decimal(1)
_FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class YearFigures:
    """Figures for one appraisal year, in pence. Year 0 is the start (now)."""

    year: int
    capital_pence: int = 0
    revenue_pence: int = 0
    cashable_benefit_pence: int = 0
    non_cashable_benefit_pence: int = 0


@dataclass(frozen=True)
class OptionFigures:
    """One option in a business case, with its figures year by year."""

    name: str
    is_business_as_usual: bool
    years: tuple[YearFigures, ...]


@dataclass(frozen=True)
class Appraisal:
    """The economic appraisal of one option.

    PV and NPV figures are whole pence; ``bcr`` and ``payback_years`` are
    rounded to 4 decimal places, or ``None`` when they do not exist.
    """

    pv_costs_pence: int
    pv_benefits_pence: int
    npv_pence: int
    bcr: Decimal | None
    payback_years: Decimal | None  # cash payback: cashable benefits against costs, undiscounted
    discounted_payback_years: Decimal | None = None  # the same, each year discounted


@dataclass(frozen=True)
class Change:
    """A what-if applied on top of the optimism bias, for sensitivity analysis: costs up or down by a
    percent, benefits up or down by a percent, benefits delayed by some years."""

    costs_pct: Decimal = Decimal(0)
    benefits_pct: Decimal = Decimal(0)
    delay_years: Decimal = Decimal(0)


_NO_CHANGE = Change()


def appraise(
    years: Sequence[YearFigures],
    *,
    discount_rate: Decimal = DEFAULT_DISCOUNT_RATE,
    optimism_bias_pct: Decimal = Decimal(0),
    benefits_bias_pct: Decimal = Decimal(0),
    duration_bias_pct: Decimal = Decimal(0),
    change: Change = _NO_CHANGE,
) -> Appraisal:
    """Appraise one option's year-by-year figures.

    With discount rate ``r`` (a fraction) and optimism bias given as percentages (``Decimal("40")``
    means 0.40): ``b`` on costs (``optimism_bias_pct``), ``bb`` on benefits and ``bd`` on duration:

    * costs are uplifted: costₜ·(1 + b); benefits are reduced: benefitₜ·(1 − bb);
    * benefits are delayed by ``benefit_delay_years`` (``bd`` of the time before they start), and
      what a delay pushes past the option's last year falls outside the appraisal and is lost;
    * PV costs = Σ adjusted costsₜ / (1 + r)ᵗ, PV benefits = Σ adjusted benefitsₜ / (1 + r)ᵗ;
    * NPV = PV benefits − PV costs, BCR = PV benefits / PV costs.

    ``change`` (sensitivity analysis) scales the adjusted costs and benefits once more and adds its
    delay to the bias's; the default changes nothing.

    PV costs and PV benefits are each rounded to whole pence (half up) and
    NPV and BCR are worked out from those rounded figures, so the three
    numbers shown in a report always agree with each other. BCR is ``None``
    when PV costs round to zero.

    Payback convention: year t's flows are treated as happening by time t, the
    same timing the discounting uses (year 0 is undiscounted, i.e. now). So the
    cumulative position at time t is the sum of the undiscounted
    (adjusted cashable benefits − adjusted costs) of years 0..t, and payback is the first time at
    which that position reaches zero, interpolating linearly between time t−1
    and time t. For example, £7,448,155 of cost in year 0 and £2,483,925 of
    benefit in each of years 1–3 gives positions of −7,448,155, −4,964,230 and
    −2,480,305 at times 0, 1 and 2, and +3,620 at time 3, so payback is
    2 + 2,480,305 / 2,483,925 ≈ 2.9985 years. If the position at time 0 is
    already zero or better (for example, no costs), payback is 0. It is
    ``None`` if the position never reaches zero. Payback is the *first*
    crossing: later costs that push the position negative again do not move it.

    Years missing from ``years`` count as zero.

    Raises:
        ValueError: if a year is negative or appears twice.
    """
    by_year = _index_years(years)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        flows = _adjusted_flows(
            by_year,
            cost_factor=(1 + optimism_bias_pct / 100) * (1 + change.costs_pct / 100),
            benefit_factor=(1 - benefits_bias_pct / 100) * (1 + change.benefits_pct / 100),
            delay=_delay(by_year, duration_bias_pct) + change.delay_years,
        )
        growth = 1 + discount_rate

        pv_costs = Decimal(0)
        pv_benefits = Decimal(0)
        for year, (costs, cashable, non_cashable) in flows.items():
            factor = growth**year
            pv_costs += costs / factor
            pv_benefits += (cashable + non_cashable) / factor

        pv_costs_pence = int(pv_costs.quantize(_PENNY, rounding=ROUND_HALF_UP))
        pv_benefits_pence = int(pv_benefits.quantize(_PENNY, rounding=ROUND_HALF_UP))
        bcr = None
        if pv_costs_pence != 0:
            bcr = (Decimal(pv_benefits_pence) / pv_costs_pence).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
        payback = _payback_years(flows)
        discounted_payback = _payback_years(flows, growth=growth)

    return Appraisal(
        pv_costs_pence=pv_costs_pence,
        pv_benefits_pence=pv_benefits_pence,
        npv_pence=pv_benefits_pence - pv_costs_pence,
        bcr=bcr,
        payback_years=payback,
        discounted_payback_years=discounted_payback,
    )


def benefit_delay_years(years: Sequence[YearFigures], duration_bias_pct: Decimal) -> Decimal:
    """How many years optimism bias on duration delays an option's benefits.

    The Green Book's duration bias lengthens the time to deliver; benefits start when delivery ends.
    The time to deliver is taken as the years before the first year with a benefit (at least one
    year, since year 0 is now), so a 20 % duration bias on a change whose benefits start in year 2
    delays them by 0.4 of a year. No benefits, no delay.
    """
    return _delay(_index_years(years), duration_bias_pct)


def _delay(by_year: dict[int, YearFigures], duration_bias_pct: Decimal) -> Decimal:
    benefit_years = [year for year, figures in by_year.items() if _benefits(figures) > 0]
    if not benefit_years or duration_bias_pct == 0:
        return Decimal(0)
    return max(min(benefit_years), 1) * duration_bias_pct / 100


_Flows = dict[int, tuple[Decimal, Decimal, Decimal]]  # year -> (costs, cashable, non-cashable)


def _adjusted_flows(
    by_year: dict[int, YearFigures], *, cost_factor: Decimal, benefit_factor: Decimal, delay: Decimal
) -> _Flows:
    """Each year's costs and benefits with optimism bias (and any what-if) applied.

    A delay moves each year's benefits later; a part-year delay splits them between the two years
    either side (0.4 of a year leaves 60 % in year t + 0 and moves 40 % to year t + 1), so nothing is
    created or lost except what passes the option's last year, which the appraisal period does not
    reach. Costs are not moved: a cost overrun is what the cost bias is for.
    """
    if not by_year:
        return {}
    last = max(by_year)
    flows: dict[int, list[Decimal]] = {
        year: [_costs(figures) * cost_factor, Decimal(0), Decimal(0)] for year, figures in by_year.items()
    }
    whole = int(delay)  # delay >= 0
    fraction = delay - whole
    for year, figures in by_year.items():
        for slot, amount in ((1, figures.cashable_benefit_pence), (2, figures.non_cashable_benefit_pence)):
            if not amount:
                continue
            value = Decimal(amount) * benefit_factor
            for target, share in ((year + whole, 1 - fraction), (year + whole + 1, fraction)):
                if share and target <= last:
                    flows.setdefault(target, [Decimal(0), Decimal(0), Decimal(0)])[slot] += value * share
    return {year: (c, cash, non_cash) for year, (c, cash, non_cash) in sorted(flows.items())}


# What people read: a ratio to 2 places and a payback to 1, rounded half up. Pages, agendas and the
# meeting pack round through these so the same case never reads 1.14 in one place and 1.1398 in another.
BCR_PLACES_SHOWN = 2
PAYBACK_PLACES_SHOWN = 1


def _rounded(value: Decimal | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def shown_bcr(value: Decimal | None) -> Decimal | None:
    """A benefit-cost ratio as people read it: 1.1398 → 1.14 (None stays None)."""
    return _rounded(value, BCR_PLACES_SHOWN)


def shown_payback(value: Decimal | None) -> Decimal | None:
    """A payback in years as people read it: 1.6667 → 1.7 (None stays None)."""
    return _rounded(value, PAYBACK_PLACES_SHOWN)


def _index_years(years: Sequence[YearFigures]) -> dict[int, YearFigures]:
    by_year: dict[int, YearFigures] = {}
    for figures in years:
        if figures.year < 0:
            raise ValueError(f"appraisal year {figures.year} is negative")
        if figures.year in by_year:
            raise ValueError(f"appraisal year {figures.year} appears more than once")
        by_year[figures.year] = figures
    return by_year


def _costs(figures: YearFigures) -> Decimal:
    return Decimal(figures.capital_pence + figures.revenue_pence)


def _benefits(figures: YearFigures) -> Decimal:
    return Decimal(figures.cashable_benefit_pence + figures.non_cashable_benefit_pence)


def _payback_years(flows: _Flows, *, growth: Decimal | None = None) -> Decimal | None:
    """First time the cumulative cash position (adjusted cashable benefits less adjusted costs)
    reaches zero, each year's flow discounted by ``growth`` ** year when given (see ``appraise``)."""
    if not flows:
        return Decimal(0)
    position = Decimal(0)
    for year in range(max(flows) + 1):
        costs, cashable, _ = flows.get(year, (Decimal(0), Decimal(0), Decimal(0)))
        flow = cashable - costs
        if growth is not None:
            flow /= growth**year
        previous = position
        position += flow
        if position >= 0:
            if year == 0:
                return Decimal(0)
            # previous < 0 <= position, so flow > 0 and the fraction lies in (0, 1].
            fraction = -previous / flow
            return (year - 1 + fraction).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
    return None


def validate_business_case(
    options: Sequence[OptionFigures],
    *,
    preferred_option: str | None,
    discount_rate: Decimal,
    optimism_bias_pct: Decimal,
    complete: bool = True,
) -> dict[str, list[str]]:
    """Check a business case before it is appraised.

    With ``complete`` false (a draft written a section at a time) what is not there yet is not an
    error: no options, an option with no figures yet, no preferred option chosen. What is there must
    still be right.

    Returns errors keyed by field path (``"options"``, ``"options.0.name"``,
    ``"options.0.years"``, ``"options.1.years.2.year"``,
    ``"options.1.years.2.capital_pence"``, ``"preferred_option"``,
    ``"discount_rate"``, ``"optimism_bias_pct"``), each a list of sentences for
    the officer. An empty dict means the business case is valid.

    Years need not be contiguous (a missing year counts as zero) but must be
    between 0 and 60 and not repeated within an option.
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if complete and not options:
        add("options", "Add at least one option, such as business as usual.")

    seen_names: dict[str, int] = {}
    for i, option in enumerate(options):
        key = _name_key(option.name)
        if not key:
            add(f"options.{i}.name", "Enter a name for this option.")
        elif key in seen_names:
            add(
                f"options.{i}.name",
                f"Option {i + 1} has the same name as option {seen_names[key] + 1}. "
                "Give each option a different name.",
            )
        else:
            seen_names[key] = i
        if option.years or complete:
            _validate_years(option, f"options.{i}", add)

    if preferred_option is None or not _name_key(preferred_option):
        if complete:
            add("preferred_option", "Choose the preferred option.")
    elif options and _name_key(preferred_option) not in seen_names:
        add("preferred_option", "The preferred option must be one of the options in this business case.")

    if not discount_rate.is_finite() or not 0 <= discount_rate <= MAX_DISCOUNT_RATE:
        add("discount_rate", "The discount rate must be between 0% and 20%. The Green Book rate is 3.5%.")

    if not optimism_bias_pct.is_finite() or not 0 <= optimism_bias_pct <= MAX_OPTIMISM_BIAS_PCT:
        add("optimism_bias_pct", "Optimism bias must be between 0% and 200%.")

    return errors


_AMOUNT_FIELDS: tuple[tuple[str, str], ...] = (
    ("capital_pence", "Capital cost"),
    ("revenue_pence", "Revenue cost"),
    ("cashable_benefit_pence", "Cashable benefit"),
    ("non_cashable_benefit_pence", "Non-cashable benefit"),
)


def _validate_years(option: OptionFigures, prefix: str, add: Callable[[str, str], None]) -> None:
    if not option.years:
        add(f"{prefix}.years", "Add figures for at least one year to this option.")
        return
    seen_years: set[int] = set()
    for j, figures in enumerate(option.years):
        year_key = f"{prefix}.years.{j}"
        if not 0 <= figures.year <= MAX_YEAR:
            add(f"{year_key}.year", f"The year must be between 0 and {MAX_YEAR}.")
        elif figures.year in seen_years:
            add(f"{year_key}.year", f"Year {figures.year} is entered more than once for this option.")
        else:
            seen_years.add(figures.year)
        for field, label in _AMOUNT_FIELDS:
            if getattr(figures, field) < 0:
                add(f"{year_key}.{field}", f"{label} must be £0 or more.")


def _name_key(name: str) -> str:
    # Names differing only in case or spacing would be indistinguishable in a report.
    return " ".join(name.split()).casefold()


def expected_business_as_usual_warning(options: Sequence[OptionFigures]) -> str | None:
    """Warn when no option is marked business as usual.

    The Green Book expects every business case to appraise a business-as-usual
    (or do-minimum) option as the baseline. This is advice, not an error.
    """
    if any(option.is_business_as_usual for option in options):
        return None
    return (
        "No option is marked as business as usual. The Green Book expects a business-as-usual "
        "or do-minimum option to compare the others against."
    )


def recurring_benefit_warning(
    options: Sequence[OptionFigures], *, appraisal_years: int = DEFAULT_APPRAISAL_YEARS
) -> str | None:
    """Warn when a recurring benefit stops before the appraisal period ends.

    A benefit entered for two or more years running, up to an option's last year, is taken to recur;
    if that last year falls short of the period, the appraisal leaves out years of saving the change
    goes on making (the worked example's £2,483,925 a year entered for three years only showed a
    negative NPV). This is advice, not an error: a saving may truly stop.
    """
    for option in options:
        benefit_years = sorted(
            y.year for y in option.years if y.cashable_benefit_pence + y.non_cashable_benefit_pence > 0
        )
        if len(benefit_years) < 2 or benefit_years[-1] - benefit_years[-2] != 1:
            continue
        if benefit_years[-1] < appraisal_years:
            return (
                f"The benefit of “{' '.join(option.name.split())}” recurs but stops after year "
                f"{benefit_years[-1]}, before the {appraisal_years}-year appraisal period ends. The Green "
                "Book appraises a recurring saving over the whole period: enter the later years, or say "
                "why the saving stops."
            )
    return None


# ---------------------------------------------------------------- relative to business as usual


@dataclass(frozen=True)
class BaselineComparison:
    """One option against business as usual: the present values of its extra costs and extra
    benefits, and the NPV of the difference (whole pence; negative when it is worse)."""

    extra_pv_costs_pence: int
    extra_pv_benefits_pence: int

    @property
    def npv_pence(self) -> int:
        return self.extra_pv_benefits_pence - self.extra_pv_costs_pence


def compare_with_baseline(option: Appraisal, baseline: Appraisal | None) -> BaselineComparison:
    """An option's NPV relative to business as usual: the NPV of the difference between its flows
    and business as usual's, each adjusted and discounted as ``appraise`` does (discounting is
    linear, so this is the difference of the two present values). With no business-as-usual option
    the baseline is nothing happening (no costs, no benefits), as for the programme's case."""
    base_costs = baseline.pv_costs_pence if baseline else 0
    base_benefits = baseline.pv_benefits_pence if baseline else 0
    return BaselineComparison(
        extra_pv_costs_pence=option.pv_costs_pence - base_costs,
        extra_pv_benefits_pence=option.pv_benefits_pence - base_benefits,
    )


# The what-ifs the sensitivity table shows for the preferred option: costs up and down by a tenth
# and a fifth, benefits down by a tenth and a fifth, and the benefits a year late.
SENSITIVITY_CASES: tuple[tuple[str, Change], ...] = (
    ("Costs 10% higher", Change(costs_pct=Decimal(10))),
    ("Costs 20% higher", Change(costs_pct=Decimal(20))),
    ("Costs 10% lower", Change(costs_pct=Decimal(-10))),
    ("Costs 20% lower", Change(costs_pct=Decimal(-20))),
    ("Benefits 10% lower", Change(benefits_pct=Decimal(-10))),
    ("Benefits 20% lower", Change(benefits_pct=Decimal(-20))),
    ("Benefits a year late", Change(delay_years=Decimal(1))),
)


@dataclass(frozen=True)
class SensitivityRow:
    """One what-if: its name and the preferred option's NPV relative to business as usual."""

    label: str
    change: Change
    npv_vs_baseline_pence: int


@dataclass(frozen=True)
class Sensitivity:
    """The preferred option's switching values and sensitivity table.

    ``benefits_switching_pct`` is the percent fall in the option's (bias-adjusted) benefits, and
    ``costs_switching_pct`` the percent rise in its costs, that brings its NPV relative to business
    as usual to zero; ``None`` when there is no such fall or rise (the option already returns no
    more than business as usual, or it has no benefits or no costs to change). Benefits cannot fall
    by more than all of them: when even losing every benefit leaves the option ahead of business as
    usual (it costs less), ``benefits_switching_pct`` is ``None`` and ``ahead_without_benefits``
    says so.
    """

    npv_vs_baseline_pence: int
    benefits_switching_pct: Decimal | None
    costs_switching_pct: Decimal | None
    rows: tuple[SensitivityRow, ...]
    ahead_without_benefits: bool = False


def _switching(npv_pence: int, pv_pence: int) -> Decimal | None:
    # NPV falls one for one with the option's PV of benefits (or rises in costs), since business as
    # usual stays as it is: the switching value is NPV ÷ PV, as a percent.
    if npv_pence <= 0 or pv_pence <= 0:
        return None
    return (Decimal(npv_pence) * 100 / pv_pence).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sensitivity(
    years: Sequence[YearFigures],
    baseline_years: Sequence[YearFigures] | None,
    *,
    discount_rate: Decimal = DEFAULT_DISCOUNT_RATE,
    optimism_bias_pct: Decimal = Decimal(0),
    benefits_bias_pct: Decimal = Decimal(0),
    duration_bias_pct: Decimal = Decimal(0),
) -> Sensitivity:
    """Switching values and the ``SENSITIVITY_CASES`` table for one (the preferred) option, each
    figure its NPV relative to business as usual. The what-ifs change the option only; business as
    usual stays as appraised. Every figure comes from ``appraise``."""

    def appraised(option_years: Sequence[YearFigures], change: Change = _NO_CHANGE) -> Appraisal:
        return appraise(
            option_years,
            discount_rate=discount_rate,
            optimism_bias_pct=optimism_bias_pct,
            benefits_bias_pct=benefits_bias_pct,
            duration_bias_pct=duration_bias_pct,
            change=change,
        )

    baseline = appraised(baseline_years) if baseline_years is not None else None
    central = appraised(years)
    npv = compare_with_baseline(central, baseline).npv_pence
    rows = tuple(
        SensitivityRow(label, change, compare_with_baseline(appraised(years, change), baseline).npv_pence)
        for label, change in SENSITIVITY_CASES
    )
    benefits_switching = _switching(npv, central.pv_benefits_pence)
    ahead_without_benefits = npv > 0 and npv >= central.pv_benefits_pence
    return Sensitivity(
        npv_vs_baseline_pence=npv,
        benefits_switching_pct=None if ahead_without_benefits else benefits_switching,
        ahead_without_benefits=ahead_without_benefits,
        costs_switching_pct=_switching(npv, central.pv_costs_pence),
        rows=rows,
    )
