"""Business cases as the officer writes them: kinds, statuses, the content of one version, its
validation beyond the appraisal rules, and what changed between two versions.

The content (``CaseContent``) is plain data, so forms, the API and the seed all build the same thing
and the services validate it once. Money is integer pence; rates are ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from changeauth.domain.appraisal import (
    DEFAULT_APPRAISAL_YEARS,
    DEFAULT_DISCOUNT_RATE,
    MAX_BENEFITS_BIAS_PCT,
    MAX_OPTIMISM_BIAS_PCT,
    Appraisal,
    BaselineComparison,
    OptionFigures,
    Sensitivity,
    YearFigures,
    appraise,
    compare_with_baseline,
    sensitivity,
    validate_business_case,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Route, Stage
from changeauth.domain.money import MAX_PENCE, format_money

OPTION_NAME_MAX = 120
MAX_OPTIONS = 10
# A case is appraised over 1 to 60 years (the Green Book allows long lives for buildings and the like).
MIN_APPRAISAL_YEARS, MAX_APPRAISAL_YEARS = 1, 60
MAX_FTE_CHANGE = Decimal("100000")
RATE_PLACES = 4  # Numeric(6, 4): 0.0350
PERCENT_PLACES = 2  # Numeric(6, 2): 40.00
FTE_PLACES = 1  # Numeric(8, 1): -77.3

# A business case is written once G0 sends the idea to business_case, and may be revised (a new
# version) while the work is approved or in delivery. Ideas, quick wins and ended work have none.
CASE_STAGES = frozenset({Stage.BUSINESS_CASE.value, Stage.APPROVED.value, Stage.DELIVERY.value})


def open_for_writing(stage: str, route: str) -> bool:
    """Whether an improvement at this stage, on this route, may have its business case written."""
    return route != Route.QUICK_WIN.value and stage in CASE_STAGES


class CaseKind(StrEnum):
    OUTLINE = "outline"
    FULL = "full"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {CaseKind.OUTLINE: "Outline business case", CaseKind.FULL: "Full business case"}


class CaseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CaseStatus.DRAFT: "Draft",
    CaseStatus.SUBMITTED: "Submitted",
    CaseStatus.APPROVED: "Approved",
    CaseStatus.RETURNED: "Returned",
    CaseStatus.SUPERSEDED: "Superseded",
}

# Versions in these statuses are frozen: a change makes a new draft version instead.
FROZEN_STATUSES = frozenset({CaseStatus.SUBMITTED, CaseStatus.APPROVED, CaseStatus.RETURNED})


# A price base and funding lines name a financial year by the calendar year it starts in (2025 is
# 2025/26, April to March); these bound what may be typed.
MIN_FINANCIAL_YEAR, MAX_FINANCIAL_YEAR = 2000, 2100
MAX_FUNDING_LINES = 40
FUNDING_SOURCE_MAX = 200


def financial_year_label(start_year: int) -> str:
    """2025 → "2025/26", as councils name a financial year."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class FundingLine:
    """One line of the financial case: in one financial year, capital and revenue cost and where the
    money comes from (a budget, a reserve, a grant, borrowing)."""

    financial_year: int
    capital_pence: int = 0
    revenue_pence: int = 0
    source: str = ""

    @property
    def total_pence(self) -> int:
        return self.capital_pence + self.revenue_pence

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)


@dataclass(frozen=True)
class Affordability:
    """The financial case summed: cost per financial year (capital, revenue) and in total, against
    the preferred option's costs as appraised (as entered: undiscounted, before optimism bias)."""

    by_year: tuple[tuple[int, int, int], ...]  # (financial year, capital, revenue), in year order
    capital_pence: int
    revenue_pence: int
    appraised_costs_pence: int | None  # None: no preferred option to compare with

    @property
    def total_pence(self) -> int:
        return self.capital_pence + self.revenue_pence

    @property
    def difference_pence(self) -> int | None:
        """Funding lines less the appraised costs: negative means costs not yet funded."""
        return None if self.appraised_costs_pence is None else self.total_pence - self.appraised_costs_pence


@dataclass(frozen=True)
class OptionVsBaseline:
    """One option appraised, and against business as usual."""

    figures: OptionFigures
    appraisal: Appraisal
    relative: BaselineComparison


@dataclass(frozen=True)
class CaseContent:
    """Everything an officer writes in one version of a business case."""

    kind: str
    options: tuple[OptionFigures, ...]
    preferred_option: str | None
    strategic_fit: str = ""
    preferred_reasons: str = ""
    discount_rate: Decimal = DEFAULT_DISCOUNT_RATE
    optimism_bias_pct: Decimal = Decimal(0)
    fte_change: Decimal | None = None
    risks: str = ""
    reform_risk: str = ""
    priority_codes: tuple[str, ...] = ()
    driver_codes: tuple[str, ...] = ()
    # The years a recurring benefit is appraised over (the Green Book's usual ten unless the case says).
    appraisal_years: int = DEFAULT_APPRAISAL_YEARS
    # The economic case's price base: the financial year whose prices the figures are in (2025: 2025/26).
    price_base_year: int | None = None
    # Optimism bias beside the cost bias (``optimism_bias_pct``), and why these figures were chosen.
    benefits_bias_pct: Decimal = Decimal(0)
    duration_bias_pct: Decimal = Decimal(0)
    optimism_bias_justification: str = ""
    # The commercial case.
    procurement_route: str = ""
    contract_terms: str = ""
    risk_transfer: str = ""
    commercial_notes: str = ""
    # The financial case: affordability by financial year, apart from the economic appraisal.
    funding: tuple[FundingLine, ...] = ()
    # The management case.
    delivery_arrangements: str = ""
    milestones: str = ""
    benefits_realisation: str = ""
    evaluation: str = ""

    def _appraise(self, years: tuple[YearFigures, ...]) -> Appraisal:
        return appraise(
            years,
            discount_rate=self.discount_rate,
            optimism_bias_pct=self.optimism_bias_pct,
            benefits_bias_pct=self.benefits_bias_pct,
            duration_bias_pct=self.duration_bias_pct,
        )

    def appraisals(self) -> list[tuple[OptionFigures, Appraisal]]:
        """Each option with its appraisal at this case's discount rate and optimism biases."""
        return [(option, self._appraise(option.years)) for option in self.options]

    @property
    def business_as_usual(self) -> OptionFigures | None:
        """The first option marked business as usual, the baseline every option is compared with."""
        return next((option for option in self.options if option.is_business_as_usual), None)

    @property
    def preferred(self) -> OptionFigures | None:
        wanted = name_key(self.preferred_option or "")
        return next((o for o in self.options if wanted and name_key(o.name) == wanted), None)

    def against_baseline(self) -> list[OptionVsBaseline]:
        """Each option appraised and its NPV relative to business as usual (nothing happening when
        the case has no business-as-usual option)."""
        appraised = self.appraisals()
        baseline_figures = self.business_as_usual
        baseline = next((a for o, a in appraised if o is baseline_figures), None)
        return [OptionVsBaseline(o, a, compare_with_baseline(a, baseline)) for o, a in appraised]

    def sensitivity(self) -> Sensitivity | None:
        """The preferred option's switching values and sensitivity table, or None without one."""
        preferred = self.preferred
        if preferred is None:
            return None
        baseline = self.business_as_usual
        return sensitivity(
            preferred.years,
            baseline.years if baseline is not None and baseline is not preferred else None,
            discount_rate=self.discount_rate,
            optimism_bias_pct=self.optimism_bias_pct,
            benefits_bias_pct=self.benefits_bias_pct,
            duration_bias_pct=self.duration_bias_pct,
        )

    def affordability(self) -> Affordability:
        """The funding lines summed by financial year, against the preferred option's costs."""
        by_year: dict[int, tuple[int, int]] = {}
        for line in self.funding:
            capital, revenue = by_year.get(line.financial_year, (0, 0))
            by_year[line.financial_year] = (capital + line.capital_pence, revenue + line.revenue_pence)
        preferred = self.preferred
        appraised = (
            None if preferred is None else sum(y.capital_pence + y.revenue_pence for y in preferred.years)
        )
        return Affordability(
            by_year=tuple((year, c, r) for year, (c, r) in sorted(by_year.items())),
            capital_pence=sum(line.capital_pence for line in self.funding),
            revenue_pence=sum(line.revenue_pence for line in self.funding),
            appraised_costs_pence=appraised,
        )


_TEXT_FIELDS = (
    ("strategic_fit", "Strategic fit"),
    ("preferred_reasons", "Reasons for the preferred option"),
    ("risks", "Risks"),
    ("reform_risk", "Local government reform risk"),
    ("optimism_bias_justification", "Why these optimism bias figures"),
    ("procurement_route", "Procurement route"),
    ("contract_terms", "Contract"),
    ("risk_transfer", "Risk transfer"),
    ("commercial_notes", "Other commercial arrangements"),
    ("delivery_arrangements", "Who delivers"),
    ("milestones", "Milestones"),
    ("benefits_realisation", "Benefits realisation"),
    ("evaluation", "Evaluation"),
)
_AMOUNTS = ("capital_pence", "revenue_pence", "cashable_benefit_pence", "non_cashable_benefit_pence")


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def validate_content(content: CaseContent, *, complete: bool = True) -> dict[str, list[str]]:
    """All the errors in one version's content, keyed by field path; empty when it may be stored.

    ``complete`` false checks a draft saved a section at a time: what is missing is not yet an
    error (see ``appraisal.validate_business_case``), and submitting asks for the complete check.

    Adds to ``appraisal.validate_business_case`` the limits the database and the people reading the
    case need: a known kind, text lengths, option name length, at most ``MAX_OPTIONS`` options,
    amounts within ``MAX_PENCE``, and no more decimal places than are stored.
    """
    errors = validate_business_case(
        content.options,
        preferred_option=content.preferred_option,
        discount_rate=content.discount_rate,
        optimism_bias_pct=content.optimism_bias_pct,
        complete=complete,
    )

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if content.kind not in {kind.value for kind in CaseKind}:
        add("kind", "Choose whether this is an outline or a full business case.")
    for name, label in _TEXT_FIELDS:
        if len(getattr(content, name)) > TEXT_MAX:
            add(name, f"{label} must be {TEXT_MAX:,} characters or fewer.")
    if len(content.options) > MAX_OPTIONS:
        add("options", f"A business case can compare at most {MAX_OPTIONS} options.")
    for i, option in enumerate(content.options):
        if len(option.name.strip()) > OPTION_NAME_MAX:
            add(f"options.{i}.name", f"Keep the option name to {OPTION_NAME_MAX} characters or fewer.")
        for j, figures in enumerate(option.years):
            for amount in _AMOUNTS:
                if getattr(figures, amount) > MAX_PENCE:
                    add(
                        f"options.{i}.years.{j}.{amount}",
                        f"Enter an amount of {format_money(MAX_PENCE)} or less.",
                    )
    if not MIN_APPRAISAL_YEARS <= content.appraisal_years <= MAX_APPRAISAL_YEARS:
        add(
            "appraisal_years",
            f"Enter an appraisal period between {MIN_APPRAISAL_YEARS} and {MAX_APPRAISAL_YEARS} years.",
        )
    if content.discount_rate.is_finite() and _decimal_places(content.discount_rate) > RATE_PLACES:
        add("discount_rate", "Give the discount rate to no more than 2 decimal places of a percent.")
    if content.optimism_bias_pct.is_finite() and _decimal_places(content.optimism_bias_pct) > PERCENT_PLACES:
        add("optimism_bias_pct", "Give optimism bias to no more than 2 decimal places.")
    _validate_biases(content, add)
    _validate_funding(content.funding, add)
    if content.price_base_year is not None and not (
        MIN_FINANCIAL_YEAR <= content.price_base_year <= MAX_FINANCIAL_YEAR
    ):
        add(
            "price_base_year",
            f"Enter the year the price base's financial year starts, between {MIN_FINANCIAL_YEAR} "
            f"and {MAX_FINANCIAL_YEAR} (2025 for 2025/26 prices).",
        )
    if content.fte_change is not None:
        if not content.fte_change.is_finite() or abs(content.fte_change) > MAX_FTE_CHANGE:
            add("fte_change", "Enter an FTE change between -100,000 and 100,000.")
        elif _decimal_places(content.fte_change) > FTE_PLACES:
            add("fte_change", "Give the FTE change to no more than 1 decimal place, for example -2.5.")
    return errors


def _validate_biases(content: CaseContent, add: Callable[[str, str], None]) -> None:
    for name, label, most in (
        ("benefits_bias_pct", "Optimism bias on benefits", MAX_BENEFITS_BIAS_PCT),
        ("duration_bias_pct", "Optimism bias on duration", MAX_OPTIMISM_BIAS_PCT),
    ):
        value: Decimal = getattr(content, name)
        if not value.is_finite() or not 0 <= value <= most:
            add(name, f"{label} must be between 0% and {most}%.")
        elif _decimal_places(value) > PERCENT_PLACES:
            add(name, f"Give {label[0].lower()}{label[1:]} to no more than 2 decimal places.")


def _validate_funding(funding: tuple[FundingLine, ...], add: Callable[[str, str], None]) -> None:
    if len(funding) > MAX_FUNDING_LINES:
        add("funding", f"A financial case can have at most {MAX_FUNDING_LINES} lines.")
    for i, line in enumerate(funding):
        key = f"funding.{i}"
        if not MIN_FINANCIAL_YEAR <= line.financial_year <= MAX_FINANCIAL_YEAR:
            add(
                f"{key}.financial_year",
                f"Enter the year the financial year starts, between {MIN_FINANCIAL_YEAR} "
                f"and {MAX_FINANCIAL_YEAR} (2025 for 2025/26).",
            )
        for amount, label in (("capital_pence", "Capital"), ("revenue_pence", "Revenue")):
            value = getattr(line, amount)
            if not 0 <= value <= MAX_PENCE:
                add(f"{key}.{amount}", f"{label}: enter an amount from £0 to {format_money(MAX_PENCE)}.")
        if not line.source.strip():
            add(f"{key}.source", "Say where this money comes from, such as a budget, reserve or grant.")
        elif len(line.source.strip()) > FUNDING_SOURCE_MAX:
            add(f"{key}.source", f"Keep the funding source to {FUNDING_SOURCE_MAX} characters or fewer.")


# ---------------------------------------------------------------- the task list's sections


class SectionStatus(StrEnum):
    """How far one section of a case has been written, computed from what is stored."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _SECTION_STATUS_LABELS[self]

    @property
    def is_completed(self) -> bool:
        return self is SectionStatus.COMPLETED

    @property
    def is_not_started(self) -> bool:
        return self is SectionStatus.NOT_STARTED


_SECTION_STATUS_LABELS = {
    SectionStatus.NOT_STARTED: "Not started",
    SectionStatus.IN_PROGRESS: "In progress",
    SectionStatus.COMPLETED: "Completed",
}


class Section(StrEnum):
    """The parts of a case the task list offers, each written on a page of its own."""

    STRATEGIC = "strategic"
    OPTION = "option"
    APPRAISAL = "appraisal"
    COMMERCIAL = "commercial"
    FINANCIAL = "financial"
    MANAGEMENT = "management"
    RISKS = "risks"


@dataclass(frozen=True)
class SectionState:
    """One line of the task list: which section (an option by its number, from 1), and its status."""

    section: Section
    title: str
    status: SectionStatus
    option_number: int | None = None


def _status(written: int, needed: int) -> SectionStatus:
    if written == 0:
        return SectionStatus.NOT_STARTED
    return SectionStatus.COMPLETED if written >= needed else SectionStatus.IN_PROGRESS


def option_status(option: OptionFigures) -> SectionStatus:
    """An option is complete once it has a name and figures for at least one year."""
    return _status(int(bool(option.name.strip())) + int(bool(option.years)), 2)


def _written(*values: str) -> int:
    return sum(1 for value in values if value.strip())


def _has_bias(content: CaseContent) -> bool:
    return any(
        b > 0 for b in (content.optimism_bias_pct, content.benefits_bias_pct, content.duration_bias_pct)
    )


def section_states(content: CaseContent | None) -> tuple[SectionState, ...]:
    """The task list for a case (``None`` before anything is saved), in the order of the Five Case
    Model: the strategic case, the economic case (each option, then the preferred option with the
    appraisal settings), the commercial, financial and management cases, then the risks.

    Completed means everything the section asks for is there: the strategic fit and at least one
    priority; an option's name and figures; the preferred option and why, and why the optimism
    bias is what it is when any is above 0 %; the commercial case's procurement route (a full case
    also its contract and risk transfer); at least one funding line; the management case's who
    delivers and benefits realisation (a full case also milestones and evaluation); both kinds of
    risk. An outline case has all five cases, with less detail (the Green Book's outline business
    case); the full case fills in the deal and the delivery plan. Optional boxes (benefit drivers,
    the FTE change, the price base) and defaults (the Green Book discount rate) neither start nor
    complete a section.
    """
    if content is None:
        content = CaseContent(kind="", options=(), preferred_option=None)
    full = content.kind == CaseKind.FULL.value
    states = [
        SectionState(
            Section.STRATEGIC,
            "The strategic case: problem, fit and priorities",
            _status(int(bool(content.strategic_fit.strip())) + int(bool(content.priority_codes)), 2),
        )
    ]
    states.extend(
        SectionState(
            Section.OPTION,
            f"Option {number}: {' '.join(option.name.split())}",
            option_status(option),
            option_number=number,
        )
        for number, option in enumerate(content.options, start=1)
    )
    preferred = bool((content.preferred_option or "").strip())
    justified = not _has_bias(content) or bool(content.optimism_bias_justification.strip())
    reasons = bool(content.preferred_reasons.strip())
    if not (preferred or reasons or content.optimism_bias_justification.strip()):
        appraisal_status = SectionStatus.NOT_STARTED
    elif preferred and reasons and justified:
        appraisal_status = SectionStatus.COMPLETED
    else:
        appraisal_status = SectionStatus.IN_PROGRESS
    states.append(
        SectionState(Section.APPRAISAL, "The preferred option and appraisal settings", appraisal_status)
    )
    commercial = (content.procurement_route, content.contract_terms, content.risk_transfer)
    commercial_needed = _written(*commercial) if full else _written(content.procurement_route)
    states.append(
        SectionState(
            Section.COMMERCIAL,
            "The commercial case: procurement and the deal",
            _commercial_or_management(
                _written(*commercial, content.commercial_notes), commercial_needed, 3 if full else 1
            ),
        )
    )
    states.append(
        SectionState(
            Section.FINANCIAL,
            "The financial case: affordability and funding",
            _status(len(content.funding), 1),
        )
    )
    management: tuple[str, ...] = (content.delivery_arrangements, content.benefits_realisation)
    if full:
        management += (content.milestones, content.evaluation)
    states.append(
        SectionState(
            Section.MANAGEMENT,
            "The management case: delivery, benefits and evaluation",
            _commercial_or_management(
                _written(
                    content.delivery_arrangements,
                    content.milestones,
                    content.benefits_realisation,
                    content.evaluation,
                ),
                _written(*management),
                len(management),
            ),
        )
    )
    states.append(
        SectionState(
            Section.RISKS,
            "Risks, including local government reform",
            _status(int(bool(content.risks.strip())) + int(bool(content.reform_risk.strip())), 2),
        )
    )
    return tuple(states)


def _commercial_or_management(written: int, needed_written: int, needed: int) -> SectionStatus:
    """Started by any box; completed when the boxes the kind of case needs are all written."""
    if written == 0:
        return SectionStatus.NOT_STARTED
    return SectionStatus.COMPLETED if needed_written >= needed else SectionStatus.IN_PROGRESS


def ready_to_submit(content: CaseContent | None) -> bool:
    """Whether a draft with this content may be submitted: at least one option, every section
    completed, and the whole case passes the complete check."""
    if content is None or not content.options:
        return False
    if not all(state.status.is_completed for state in section_states(content)):
        return False
    return not validate_content(content)


def name_key(name: str) -> str:
    """Option names are matched ignoring case and spacing, as the appraisal validation does."""
    return " ".join(name.split()).casefold()


# ---------------------------------------------------------------- comparing two versions


@dataclass(frozen=True)
class FieldChange:
    """One case-level field that differs between two versions, as text for people."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class YearChange:
    """One amount of one option in one year that differs (pence; ``None`` when the year is absent)."""

    year: int
    amount: str
    label: str
    before: int | None
    after: int | None


# How an option differs between two versions of a case.
OPTION_ADDED = "added"
OPTION_REMOVED = "removed"
OPTION_CHANGED = "changed"


@dataclass(frozen=True)
class OptionChange:
    """How one option differs: added, removed, or changed (with its year-by-year changes)."""

    name: str
    change: str  # "added", "removed" or "changed"
    details: tuple[FieldChange, ...] = ()
    years: tuple[YearChange, ...] = field(default_factory=tuple)

    @property
    def is_added(self) -> bool:
        return self.change == OPTION_ADDED

    @property
    def is_removed(self) -> bool:
        return self.change == OPTION_REMOVED


@dataclass(frozen=True)
class VersionComparison:
    fields: tuple[FieldChange, ...]
    options: tuple[OptionChange, ...]

    @property
    def has_changes(self) -> bool:
        return bool(self.fields or self.options)


_AMOUNT_LABELS = {
    "capital_pence": "Capital cost",
    "revenue_pence": "Revenue cost",
    "cashable_benefit_pence": "Cashable benefit",
    "non_cashable_benefit_pence": "Non-cashable benefit",
}


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _case_fields(content: CaseContent, names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    fte = "Not given" if content.fte_change is None else f"{content.fte_change.normalize():f}"

    def named(codes: tuple[str, ...]) -> str:
        return ", ".join(sorted(names.get(code, code) for code in codes))

    return [
        ("kind", "Kind", KIND_LABELS.get(CaseKind(content.kind), content.kind)),
        ("strategic_fit", "Strategic fit", content.strategic_fit),
        ("priority_codes", "Strategic priorities", named(content.priority_codes)),
        ("driver_codes", "Benefit drivers", named(content.driver_codes)),
        ("preferred_option", "Preferred option", content.preferred_option or ""),
        ("preferred_reasons", "Reasons for the preferred option", content.preferred_reasons),
        ("discount_rate", "Discount rate", _percent(content.discount_rate * 100)),
        ("optimism_bias_pct", "Optimism bias on costs", _percent(content.optimism_bias_pct)),
        ("fte_change", "FTE change", fte),
        ("risks", "Risks", content.risks),
        ("reform_risk", "Local government reform risk", content.reform_risk),
        (
            "price_base_year",
            "Price base",
            "Not given" if content.price_base_year is None else financial_year_label(content.price_base_year),
        ),
        ("benefits_bias_pct", "Optimism bias on benefits", _percent(content.benefits_bias_pct)),
        ("duration_bias_pct", "Optimism bias on duration", _percent(content.duration_bias_pct)),
        *(
            (name, label, getattr(content, name))
            for name, label in _TEXT_FIELDS
            if name not in {"strategic_fit", "preferred_reasons", "risks", "reform_risk"}
        ),
        (
            "funding",
            "Financial case",
            "; ".join(
                f"{line.year_label} {line.source}: capital {format_money(line.capital_pence)}, "
                f"revenue {format_money(line.revenue_pence)}"
                for line in content.funding
            ),
        ),
    ]


def _year_amounts(option: OptionFigures) -> dict[int, YearFigures]:
    return {figures.year: figures for figures in option.years}


def _option_changes(before: OptionFigures, after: OptionFigures) -> OptionChange | None:
    details = []
    if before.name != after.name:
        details.append(FieldChange("name", "Name", before.name, after.name))
    if before.is_business_as_usual != after.is_business_as_usual:
        details.append(
            FieldChange(
                "is_business_as_usual",
                "Business as usual",
                "Yes" if before.is_business_as_usual else "No",
                "Yes" if after.is_business_as_usual else "No",
            )
        )
    old_years, new_years = _year_amounts(before), _year_amounts(after)
    years = []
    for year in sorted(old_years.keys() | new_years.keys()):
        old, new = old_years.get(year), new_years.get(year)
        for amount, label in _AMOUNT_LABELS.items():
            old_value = None if old is None else getattr(old, amount)
            new_value = None if new is None else getattr(new, amount)
            if (old_value or 0) != (new_value or 0):
                years.append(YearChange(year, amount, label, old_value, new_value))
    if not details and not years:
        return None
    return OptionChange(after.name, OPTION_CHANGED, tuple(details), tuple(years))


def compare_versions(
    before: CaseContent, after: CaseContent, names: Mapping[str, str] | None = None
) -> VersionComparison:
    """What changed from ``before`` to ``after``: case fields, then options matched by name. ``names``
    gives the words for priority and driver codes, which people read instead of the codes."""
    names = names or {}
    fields = tuple(
        FieldChange(name, label, old, new)
        for (name, label, old), (_, _, new) in zip(
            _case_fields(before, names), _case_fields(after, names), strict=True
        )
        if old != new
    )
    old_options = {name_key(option.name): option for option in before.options}
    new_options = {name_key(option.name): option for option in after.options}
    options: list[OptionChange] = []
    for key, option in new_options.items():
        if key not in old_options:
            options.append(OptionChange(option.name, OPTION_ADDED))
            continue
        change = _option_changes(old_options[key], option)
        if change is not None:
            options.append(change)
    options.extend(
        OptionChange(option.name, OPTION_REMOVED)
        for key, option in old_options.items()
        if key not in new_options
    )
    return VersionComparison(fields=fields, options=tuple(options))


@dataclass(frozen=True)
class AppraisalChange:
    """One option's appraisal in two versions (``None`` where the option is absent)."""

    name: str
    before: Appraisal | None
    after: Appraisal | None


def compare_appraisals(before: CaseContent, after: CaseContent) -> tuple[AppraisalChange, ...]:
    """Each option's appraisal side by side, options matched by name: the newer version's options
    in their order, then those only the older version had."""
    old = {name_key(option.name): (option, appraisal) for option, appraisal in before.appraisals()}
    new = {name_key(option.name): (option, appraisal) for option, appraisal in after.appraisals()}
    changes = [
        AppraisalChange(option.name, old[key][1] if key in old else None, appraisal)
        for key, (option, appraisal) in new.items()
    ]
    changes.extend(
        AppraisalChange(option.name, appraisal, None)
        for key, (option, appraisal) in old.items()
        if key not in new
    )
    return tuple(changes)
