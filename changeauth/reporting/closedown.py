"""The close-down view of a programme (docs/reports.md): the close-down report's section 3.2 and 3.3
tables rebuilt from the records, each figure with the record it comes from.

The same rows feed the page, its printed form and the XLSX, and every money figure is the one
``queries.savings`` gives the dashboard, the scrutiny report and the API, so they agree to the penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from changeauth.domain.savings import AdjustmentRecurrence, FigureKind, financial_year_label
from changeauth.queries import business_cases as case_queries
from changeauth.queries import savings as savings_queries
from changeauth.reporting.transforms import CATEGORY_LABELS

MONEY = "money"
YEARS = "years"
PERCENT = "percent"
NUMBER = "number"
TEXT = "text"

COLUMNS = [
    ("section", "Section"),
    ("figure", "Figure"),
    ("value", "Value (money in £)"),
    ("source", "Where it comes from"),
]


@dataclass(frozen=True)
class Row:
    """One figure: its label, its value (pence for money) and kind, and the record it comes from."""

    figure: str
    value: int | Decimal | str | None
    kind: str
    source: str
    key: str = ""

    # What the page asks to choose a format (templates never compare a kind to a word).
    @property
    def is_money(self) -> bool:
        return self.kind == MONEY

    @property
    def is_percent(self) -> bool:
        return self.kind == PERCENT

    @property
    def is_years(self) -> bool:
        return self.kind == YEARS


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CloseDown:
    programme: savings_queries.ProgrammeSavings
    as_of: date
    sections: tuple[Section, ...]

    @property
    def is_closed(self) -> bool:
        """Whether the programme has closed: only then are these its close-down figures."""
        return self.programme.closed

    @property
    def title(self) -> str:
        what = "close-down figures" if self.is_closed else "figures to date"
        return f"{self.programme.name}: {what}"

    def value(self, key: str) -> int | Decimal | str | None:
        """A figure by its key (``"realised"``, ``"net_2019"``…), for tests and the API."""
        return next(row.value for section in self.sections for row in section.rows if row.key == key)


def _one_place(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> Decimal:
    """A stored figure without trailing zeros, and whole numbers without an exponent (46, not 4.6E+1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _section(title: str, report_section: str, closed: bool) -> str:
    """A section's title, naming the close-down report's section only for a programme that has closed."""
    return f"{title} (report section {report_section})" if closed else title


def build(
    programme_id: int, as_of: date, programmes: Sequence[savings_queries.ProgrammeSavings] | None = None
) -> CloseDown | None:
    """The close-down view of one programme on ``as_of``, or None if there is no such programme; its
    figures taken from ``programmes`` when given (the web's shared figures) and it is there, else worked
    out for it alone."""
    programme = next((p for p in programmes or () if p.programme_id == programme_id), None)
    if programme is None:
        programme = next(iter(savings_queries.programmes(as_of, [programme_id])), None)
    if programme is None:
        return None
    figures = programme.figures
    closed = programme.closed
    # "Projected" is the business case's annual saving only; a programme without one shows none, never £0
    # beside its benefits' targets (docs/reports.md).
    projected = programme.planned_annual_benefit_pence > 0
    case = case_queries.latest_for_programme(programme_id)
    appraised = case_queries.appraise_case(case) if case is not None else None
    preferred = appraised.preferred if appraised is not None else None
    sources = savings_queries.programme_sources(programme_id)
    case_source = f"The programme's business case, version {case.version}" if case else "The programme record"

    validated = [s.benefit for s in sources if s.benefit.is_validated]
    validation = "; ".join(
        f"{b.title}, validated by {b.validated_by.name if b.validated_by else 'finance'}"
        f" on {b.validated_at:%d %B %Y}"
        for b in validated
        if b.validated_at is not None
    )
    financial = Section(
        "financial",
        _section("Financial benefit", "3.2", closed),
        (
            Row("One-off investment", programme.planned_investment_pence, MONEY, case_source, "investment"),
            Row(
                "Projected annual saving",
                programme.planned_annual_benefit_pence if projected else None,
                MONEY,
                case_source if projected else "No business case projects an annual saving for this programme",
                "projected",
            ),
            Row("Reduction in posts (FTE)", -programme.planned_fte_change, NUMBER, case_source, "fte"),
            Row(
                "Cash payback (years)",
                _one_place(preferred.appraisal.payback_years) if preferred else None,
                YEARS,
                f"Appraisal of the preferred option, {preferred.figures.name}" if preferred else case_source,
                "payback",
            ),
            Row(
                "Achieved annual saving, validated by finance",
                figures.realised_pence,
                MONEY,
                validation or "No benefit validated by finance yet",
                "realised",
            ),
            Row(
                "Estimates not yet validated",
                figures.unvalidated_pence,
                MONEY,
                "Cashable benefits finance has not validated",
                "unvalidated",
            ),
            Row(
                "Shortfall against the projected saving",
                max(programme.planned_annual_benefit_pence - figures.like_for_like_pence, 0)
                if projected
                else None,
                MONEY,
                "Projected saving less the like-for-like saving"
                if projected
                else "No projection to compare with",
                "shortfall",
            ),
        ),
    )

    adjustment_rows = []
    for source in sources:
        for a in source.adjustments:
            status = "confirmed, counted" if a.counts else "proposed, not counted"
            applies = (
                "every year" if a.recurrence == AdjustmentRecurrence.RECURRING.value else "one year only"
            )
            starting = f" from {financial_year_label(a.financial_year)}" if a.financial_year else ""
            adjustment_rows.append(
                Row(
                    f"{CATEGORY_LABELS[a.category]} ({status}; {applies}{starting})",
                    a.amount_pence,
                    MONEY,
                    a.evidence or a.rationale,
                    f"adjustment_{a.category}",
                )
            )
    adjustments = Section(
        "adjustments",
        _section("Like-for-like adjustments", "3.2", closed),
        (
            *adjustment_rows,
            Row(
                "Confirmed adjustments counted",
                figures.confirmed_adjustments_pence,
                MONEY,
                "Adjustments finance has confirmed",
                "confirmed_adjustments",
            ),
            Row(
                "Proposed adjustments, not counted",
                figures.proposed_adjustments_pence,
                MONEY,
                "Adjustments waiting on a condition",
                "proposed_adjustments",
            ),
            Row(
                "Like-for-like annual saving",
                figures.like_for_like_pence,
                MONEY,
                "Validated saving plus confirmed adjustments",
                "like_for_like",
            ),
        ),
    )

    year_rows: list[Row] = []
    for year in figures.years:
        year_rows += [
            Row(
                f"Planned saving {year.label}",
                year.planned_pence,
                MONEY,
                "The savings' plans by financial year",
                f"planned_{year.year}",
            ),
            Row(
                f"Saving {year.label}", year.realised_pence, MONEY, "Validated saving", f"saving_{year.year}"
            ),
            Row(
                f"Temporary resources {year.label}",
                year.temporary_cost_pence,
                MONEY,
                "Temporary-resource register: cost within the financial year",
                f"temporary_{year.year}",
            ),
            Row(
                f"One-off investment {year.label}",
                year.investment_pence,
                MONEY,
                "The savings' plans for the financial year (not taken off the net saving)",
                f"investment_{year.year}",
            ),
            Row(
                f"Net saving {year.label}",
                year.net_pence,
                MONEY,
                "That year's saving and confirmed adjustments less its temporary staff and dis-benefits",
                f"net_{year.year}",
            ),
        ]
    year_rows.append(
        Row(
            "Temporary resources in total",
            figures.temporary_cost_pence,
            MONEY,
            "Temporary-resource register",
            "temporary_total",
        )
    )
    if figures.investment_pence:
        year_rows.append(
            Row(
                "Left after the one-off investment, over these years",
                figures.after_investment_pence,
                MONEY,
                "The net savings by year added up, less the one-off investment by year",
                "after_investment",
            )
        )
    by_year = Section(
        "years",
        _section(
            "Planned and validated saving, temporary staff, investment and net saving by financial year",
            "3.2",
            closed,
        ),
        tuple(year_rows),
    )

    drivers = Section(
        "drivers",
        _section("Benefit drivers: efficiency achieved against target", "3.3", closed),
        # Only the assessments made while the programme ran are its findings.
        tuple(
            Row(name, achieved, PERCENT, f"Maturity assessment of {assessed_on:%d %B %Y}", f"driver_{index}")
            for index, (name, achieved, assessed_on) in enumerate(
                savings_queries.driver_achievements(programme.ends_on), start=1
            )
            if programme.starts_on is None or assessed_on >= programme.starts_on
        ),
    )
    context = Section(
        "context",
        "The report's other figures",
        tuple(
            Row(
                figure.label,
                int(figure.value) if figure.kind is FigureKind.MONEY else _plain(figure.value),
                figure.kind,
                figure.source,
                f"context_{figure.key}",
            )
            for figure in savings_queries.programme_figures(programme_id)
        ),
    )
    sections = (financial, adjustments, by_year) + tuple(s for s in (drivers, context) if s.rows)
    return CloseDown(programme, as_of, sections)


def xlsx_rows(view: CloseDown) -> list[dict[str, object]]:
    """The view as spreadsheet rows: money in pounds with pence, other figures as they are shown."""
    rows: list[dict[str, object]] = []
    for section in view.sections:
        for row in section.rows:
            value: object = row.value
            if row.kind == MONEY and isinstance(row.value, int):
                value = (Decimal(row.value) / 100).quantize(Decimal("0.01"))
            rows.append(
                {"section": section.title, "figure": row.figure, "value": value, "source": row.source}
            )
    return rows
