"""The business case's section pages (the strategic case, one option a page with ten years of
figures, the preferred option with the appraisal settings, the risks) and the small forms for
submitting and comparing. Shape only; the rules live in the services.

Each page's answers replace its own part of the stored ``CaseContent``; the service's field paths
(``options.1.years.0.capital_pence``) are mapped back onto the boxes they came from, so each message
appears next to the box that caused it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import KIND_LABELS, OPTION_NAME_MAX, CaseContent, CaseKind, name_key
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.improvements import TEXT_MAX
from changeauth.models import BusinessCase, Improvement
from changeauth.web.forms import CheckboxesField, DecimalTextField, MoneyField, PageForm

YEARS_IN_FORM = 10  # years 0–9: ten years is the usual horizon for a council case

# Service field name -> the editor's box in a year row.
_AMOUNT_FIELDS = {
    "capital_pence": "capital",
    "revenue_pence": "revenue",
    "cashable_benefit_pence": "cashable",
    "non_cashable_benefit_pence": "non_cashable",
}


class FixedRows(FieldList):
    """Exactly ``min_entries`` rows, row *i* always read from the ``name-i-…`` boxes.

    WTForms' FieldList renumbers the rows it was sent and pads after them, so a post that leaves
    out a row's boxes would move later rows up (and the row number is the year here).
    """

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.last_index = -1
        self.entries: list[Any] = []
        if data is unset_value or not data:
            data = []
        self.object_data = data
        values = list(data)
        for index in range(self.min_entries):
            self._add_entry(formdata, values[index] if index < len(values) else unset_value, index=index)


class YearRowForm(Form):
    capital = MoneyField("Capital cost")
    revenue = MoneyField("Revenue cost")
    cashable = MoneyField("Cashable benefit")
    non_cashable = MoneyField("Non-cashable benefit")


def _long_text(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer."),
        ],
    )


class _CaseSectionForm(PageForm):
    """What every section page carries: the version it was opened on, and the draft's lock."""

    based_on_version = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class StrategicCaseForm(_CaseSectionForm):
    kind = RadioField(
        "What kind of business case is this?",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired("Choose whether this is an outline or a full business case.")],
    )
    strategic_fit = _long_text(
        "The problem and how the change fits the council's aims",
        "What is wrong today, what the change will achieve, and how it serves the council's "
        "priorities and the benefit drivers (the strategic case).",
    )
    strategic_priorities = CheckboxesField("Strategic priorities it supports")
    benefit_drivers = CheckboxesField("Benefit drivers it supports")


class OptionPageForm(_CaseSectionForm):
    name = StringField(
        "Option name",
        validators=[
            InputRequired("Enter a name for this option."),
            Length(max=OPTION_NAME_MAX, message="Keep the name to 120 characters or fewer."),
        ],
    )
    is_business_as_usual = BooleanField(
        "This is the business-as-usual (do nothing) option",
        description="The baseline the other options are compared against.",
    )
    years = FixedRows(FormField(YearRowForm), min_entries=YEARS_IN_FORM, max_entries=YEARS_IN_FORM)


class AppraisalForm(_CaseSectionForm):
    preferred_option = RadioField(
        "Which option do you recommend?",
        validators=[InputRequired("Choose the preferred option.")],
        choices=[],
    )
    preferred_reasons = _long_text("Why this option is preferred")
    discount_rate = DecimalTextField(
        "Discount rate (%)",
        description="The Green Book rate is 3.5%. Leave it unless finance advise otherwise.",
        places=2,
        suffix="%",
    )
    optimism_bias_pct = DecimalTextField(
        "Optimism bias on costs (%)",
        description="Added to every cost, between 0% and 200%. Use 0 if costs are firm quotes.",
        places=2,
        suffix="%",
        example="40",
    )
    benefits_bias_pct = DecimalTextField(
        "Optimism bias on benefits (%)",
        description="Taken off every benefit, between 0% and 100%.",
        places=2,
        suffix="%",
        example="15",
    )
    duration_bias_pct = DecimalTextField(
        "Optimism bias on duration (%)",
        description="How much longer delivery may take, between 0% and 200%. Benefits start that much "
        "later: 50% on a change whose benefits start in year 2 delays them a year.",
        places=2,
        suffix="%",
        example="20",
    )
    optimism_bias_justification = _long_text(
        "Why these optimism bias figures",
        "Needed when any bias is above 0%. The Green Book's upper figures apply early on and come down "
        "only as risks are shown to be dealt with.",
    )
    price_base_year = DecimalTextField(
        "Price base (optional)",
        description="The financial year whose prices the figures are in: type the year it starts, "
        "for example 2025 for 2025/26 prices.",
        places=0,
        example="2025",
    )
    fte_change = DecimalTextField(
        "Change in full-time equivalent posts (optional)",
        description="Negative for fewer posts, for example -2.5.",
        places=1,
        allow_negative=True,
        example="-2.5",
    )
    # The service checks the range (1 to 60 years); the recurring-benefit warning follows it.
    appraisal_years = DecimalTextField(
        "Appraisal period (years)",
        description="How many years a recurring saving is counted for. The Green Book's usual period is 10.",
        places=0,
        example="10",
    )


class RisksForm(_CaseSectionForm):
    risks = _long_text("Risks", "What could stop the benefits arriving, and what will be done about it.")
    reform_risk = _long_text(
        "Local government reform risk",
        "Strategic variables: how reform or reorganisation could waste this investment, and how the "
        "case limits that.",
    )


class CommercialForm(_CaseSectionForm):
    procurement_route = _long_text(
        "Procurement route", "How the work will be bought or done: in house, a framework, a tender."
    )
    contract_terms = _long_text(
        "The contract", "The kind of contract, its length and how the supplier is paid (full cases)."
    )
    risk_transfer = _long_text("Risk transfer", "Which risks pass to a supplier and which the council keeps.")
    commercial_notes = _long_text(
        "Anything else about the deal (optional)", "For example staff who transfer."
    )


FUNDING_ROWS = 8  # lines of the financial case shown at once; a case may hold up to 40 (the API)


class FundingRowForm(Form):
    financial_year = DecimalTextField("Financial year", places=0, example="2025")
    capital = MoneyField("Capital")
    revenue = MoneyField("Revenue")
    source = StringField("Funding source", validators=[Optional(), Length(max=200)])


class FinancialForm(_CaseSectionForm):
    funding = FixedRows(FormField(FundingRowForm), min_entries=FUNDING_ROWS, max_entries=FUNDING_ROWS)


class ManagementForm(_CaseSectionForm):
    delivery_arrangements = _long_text(
        "Who delivers", "The senior responsible owner, the team and any board that oversees it."
    )
    milestones = _long_text("Milestones", "The main steps and when they are due (full cases).")
    benefits_realisation = _long_text(
        "Benefits realisation", "Who measures each benefit, how and how often, and who takes the saving."
    )
    evaluation = _long_text(
        "Evaluation", "How and when the council will judge whether it worked (full cases)."
    )


class RemoveOptionForm(_CaseSectionForm):
    """Confirming that an option is to be removed."""


class SubmitCaseForm(PageForm):
    lock_version = HiddenField()


class CaseListForm(PageForm):
    class Meta:
        csrf = False

    status = SelectField("Status", validators=[Optional()])
    mine = BooleanField("Only improvements I own")


class CompareForm(PageForm):
    class Meta:
        csrf = False

    older = SelectField("Compare version", validators=[Optional()])
    newer = SelectField("with version", validators=[Optional()])


def chosen_versions(form: CompareForm, versions: list[BusinessCase]) -> tuple[int, int]:
    """The (older, newer) version numbers to compare: as chosen, or else the latest and the version
    it was based on. ``versions`` is newest first and has at least two."""
    form.older.choices = form.newer.choices = [
        SelectChoice(str(v.version), f"Version {v.version}") for v in versions
    ]
    valid = form.validate()
    newer = int(form.newer.data) if valid and form.newer.data else versions[0].version
    newer_case = next(v for v in versions if v.version == newer)
    default_older = newer_case.based_on_version or max(newer - 1, 1)
    older = int(form.older.data) if valid and form.older.data else default_older
    form.older.data, form.newer.data = str(older), str(newer)
    return older, newer


# ---------------------------------------------------------------- sections to content and back


def option_figures(form: OptionPageForm) -> OptionFigures:
    """The option as typed: blank year rows are left out; a year with some amounts counts the blank
    ones as £0."""
    years = []
    for year, entry in enumerate(form.years):
        amounts = {amount: getattr(entry.form, box).data for amount, box in _AMOUNT_FIELDS.items()}
        if any(value is not None for value in amounts.values()):
            years.append(YearFigures(year=year, **{amount: value or 0 for amount, value in amounts.items()}))
    return OptionFigures(
        name=(form.name.data or "").strip(),
        is_business_as_usual=bool(form.is_business_as_usual.data),
        years=tuple(years),
    )


def fill_option(form: OptionPageForm, option: OptionFigures) -> None:
    """Put a stored option into a page opened without a submission."""
    form.name.data = option.name
    form.is_business_as_usual.data = option.is_business_as_usual
    for figures in option.years:
        if figures.year < YEARS_IN_FORM:
            year_form = form.years[figures.year].form
            for amount, box in _AMOUNT_FIELDS.items():
                getattr(year_form, box).data = getattr(figures, amount)


def with_option(content: CaseContent, index: int, option: OptionFigures) -> CaseContent:
    """The content with option ``index`` replaced (or added, when ``index`` is one past the last);
    a preferred option that is renamed stays preferred."""
    options = list(content.options)
    preferred = content.preferred_option
    if index < len(options):
        if preferred and name_key(preferred) == name_key(options[index].name):
            preferred = option.name
        options[index] = option
    else:
        options.append(option)
    return replace(content, options=tuple(options), preferred_option=preferred)


def without_option(content: CaseContent, index: int) -> CaseContent:
    """The content with option ``index`` removed; if it was preferred, none is preferred now."""
    removed = content.options[index]
    preferred = content.preferred_option
    if preferred and name_key(preferred) == name_key(removed.name):
        preferred = None
    options = content.options[:index] + content.options[index + 1 :]
    return replace(content, options=options, preferred_option=preferred)


def apply_option_errors(form: OptionPageForm, failure: ValidationFailed, index: int) -> None:
    """Put the service's messages about option ``index`` on the option page's boxes (its year
    ``j`` is the ``j``-th year it has figures for); anything else goes at the top of the page."""
    option = option_figures(form)
    prefix = f"options.{index}."
    for key, messages in failure.fields.items():
        target: Field | None = None
        if key.startswith(prefix):
            parts = key[len(prefix) :].split(".")
            if parts[0] == "name":
                target = form.name
            elif (
                parts[0] == "years" and len(parts) == 3 and parts[1].isdigit() and parts[2] in _AMOUNT_FIELDS
            ):
                position = int(parts[1])
                if position < len(option.years):
                    year_form = form.years[option.years[position].year].form
                    target = getattr(year_form, _AMOUNT_FIELDS[parts[2]])
            elif parts[0] == "years":
                target = form.name
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = list(target.errors) + list(messages)


def apply_section_errors(form: PageForm, failure: ValidationFailed) -> None:
    """Attach the service's messages to the boxes of the section page by name; a message about
    another section (which this page cannot correct) goes at the top of the page."""
    for key, messages in failure.fields.items():
        target = getattr(form, key, None)
        if isinstance(target, Field) and not isinstance(target, FieldList):
            target.errors = list(target.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


AMOUNT_COLUMNS = {
    "capital": "capital cost",
    "revenue": "revenue cost",
    "cashable": "cashable benefit",
    "non_cashable": "non-cashable benefit",
}
_AMOUNT_BOX = re.compile(r"^years-(\d+)-(capital|revenue|cashable|non_cashable)$")


def year_label(year: int) -> str:
    """How a row of figures is named to people: year 0 is the start (now)."""
    return "year 0 (now)" if year == 0 else f"year {year}"


def option_caption(number: int, name: str) -> str:
    """ "Option 2 (Online booking)", or "Option 2" before it has a name."""
    name = " ".join((name or "").split())
    return f"Option {number}" + (f" ({name})" if name else "")


def error_list(form: Form, *, option_number: int | None = None) -> list[tuple[str, str]]:
    """Every message on the form as (box id, message), in page order, for the error summary. On an
    option's page a message about a year's amount names the option, the year and the column."""
    found: list[tuple[str, str]] = []
    caption = ""
    if option_number is not None:
        caption = option_caption(option_number, form.name.data or "")

    def where(box_id: str) -> str:
        match = _AMOUNT_BOX.match(box_id)
        if match is None or option_number is None:
            return ""
        return f"{caption}, {year_label(int(match.group(1)))}, {AMOUNT_COLUMNS[match.group(2)]}: "

    def walk(fields: object) -> None:
        for item in fields:  # type: ignore[attr-defined]
            if isinstance(item, FieldList):
                walk(item.entries)
            elif isinstance(item, FormField):
                walk(item.form)
            else:
                found.extend((item.id, where(item.id) + str(message)) for message in item.errors)

    walk(form)
    found.extend(("main-content", str(message)) for message in form.form_errors)
    return found


def option_fits_page(option: OptionFigures) -> bool:
    """Whether every year of a stored option has a row on its page (else saving the page would
    silently drop the rest)."""
    return all(figures.year < YEARS_IN_FORM for figures in option.years)


def starting_content(improvement: Improvement) -> CaseContent:
    """A new case starts as an outline with no options yet (the first option's page offers business
    as usual) and the improvement's own priorities and drivers ticked."""
    return CaseContent(
        kind=CaseKind.OUTLINE.value,
        options=(),
        preferred_option=None,
        priority_codes=tuple(priority.code for priority in improvement.priorities),
        driver_codes=tuple(driver.code for driver in improvement.drivers),
    )
