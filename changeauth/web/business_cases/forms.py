"""The business-case editor: case fields, up to four options with ten years of figures each, and
the small forms for submitting and comparing. Shape only; the rules live in the services.

The editor's rows are turned into the domain's ``CaseContent`` here (blank rows are left out), and
the service's field paths (``options.1.years.0.capital_pence``) are mapped back onto the rows they
came from, so each message appears next to the box that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
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
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from changeauth.domain.appraisal import DEFAULT_DISCOUNT_RATE, OptionFigures, YearFigures
from changeauth.domain.business_cases import KIND_LABELS, OPTION_NAME_MAX, CaseContent, CaseKind
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.improvements import TEXT_MAX
from changeauth.models import BusinessCase, Improvement
from changeauth.web.fields import DecimalTextField, MoneyField

OPTIONS_IN_FORM = 4
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
        self.entries = []
        if data is unset_value or not data:
            data = []
        self.object_data = data
        values = list(data)
        for index in range(self.min_entries):
            self._add_entry(formdata, values[index] if index < len(values) else unset_value, index=index)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class YearRowForm(Form):
    capital = MoneyField("Capital cost")
    revenue = MoneyField("Revenue cost")
    cashable = MoneyField("Cashable benefit")
    non_cashable = MoneyField("Non-cashable benefit")


class OptionForm(Form):
    name = StringField(
        "Option name",
        validators=[
            Optional(),
            Length(max=OPTION_NAME_MAX, message="Keep the name to 120 characters or fewer."),
        ],
    )
    is_business_as_usual = BooleanField("This is the business-as-usual (do nothing) option")
    years = FixedRows(FormField(YearRowForm), min_entries=YEARS_IN_FORM, max_entries=YEARS_IN_FORM)


def _long_text(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer."),
        ],
    )


class BusinessCaseForm(FlaskForm):
    kind = RadioField(
        "What kind of business case is this?",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired("Choose whether this is an outline or a full business case.")],
    )
    strategic_fit = _long_text(
        "Strategic fit",
        "How the change serves the council's priorities and the benefit drivers (the strategic case).",
    )
    strategic_priorities = CheckboxesField("Strategic priorities it supports")
    benefit_drivers = CheckboxesField("Benefit drivers it supports")
    options = FixedRows(FormField(OptionForm), min_entries=OPTIONS_IN_FORM, max_entries=OPTIONS_IN_FORM)
    preferred_option = RadioField(
        "Preferred option", validators=[InputRequired("Choose the preferred option.")], choices=[]
    )
    preferred_reasons = _long_text("Why this option is preferred")
    discount_rate = DecimalTextField(
        "Discount rate (%)",
        description="The Green Book rate is 3.5%. Leave it unless finance advise otherwise.",
        places=2,
        suffix="%",
    )
    optimism_bias_pct = DecimalTextField(
        "Optimism bias (%)",
        description="Added to every cost, between 0% and 200%. Use 0 if costs are firm quotes.",
        places=2,
        suffix="%",
        example="40",
    )
    fte_change = DecimalTextField(
        "Change in full-time equivalent posts (optional)",
        description="Negative for fewer posts, for example -2.5.",
        places=1,
        allow_negative=True,
        example="-2.5",
    )
    risks = _long_text("Risks")
    reform_risk = _long_text(
        "Local government reform risk",
        "Strategic variables: how reform or reorganisation could waste this investment, and how the "
        "case limits that.",
    )
    based_on_version = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class SubmitCaseForm(FlaskForm):
    lock_version = HiddenField()


class CaseListForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", validators=[Optional()])
    mine = BooleanField("Only improvements I own")


class CompareForm(FlaskForm):
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


# ---------------------------------------------------------------- rows to content and back


@dataclass
class RowMap:
    """Which editor row each option (and each year of it) in the content came from."""

    option_rows: list[int] = field(default_factory=list)
    year_rows: list[list[int]] = field(default_factory=list)


def set_preferred_choices(form: BusinessCaseForm) -> None:
    """Label the preferred-option radios with the names typed (or stored) so far."""
    choices = []
    for row, entry in enumerate(form.options):
        name = (entry.form.name.data or "").strip()
        choices.append(SelectChoice(str(row), f"Option {row + 1}: {name}" if name else f"Option {row + 1}"))
    form.preferred_option.choices = choices


def _year_figures(year: int, row: YearRowForm) -> YearFigures | None:
    amounts = {amount: getattr(row, box).data for amount, box in _AMOUNT_FIELDS.items()}
    if all(value is None for value in amounts.values()):
        return None
    return YearFigures(year=year, **{amount: value or 0 for amount, value in amounts.items()})


def to_content(form: BusinessCaseForm) -> tuple[CaseContent, RowMap]:
    """The editor's content, leaving out blank options and blank year rows."""
    rows = RowMap()
    options = []
    preferred_name = None
    for row, entry in enumerate(form.options):
        option_form = entry.form
        name = (option_form.name.data or "").strip()
        years, year_rows = [], []
        for year, year_entry in enumerate(option_form.years):
            figures = _year_figures(year, year_entry.form)
            if figures is not None:
                years.append(figures)
                year_rows.append(year)
        if not name and not years and not option_form.is_business_as_usual.data:
            continue
        options.append(
            OptionFigures(
                name=name,
                is_business_as_usual=bool(option_form.is_business_as_usual.data),
                years=tuple(years),
            )
        )
        rows.option_rows.append(row)
        rows.year_rows.append(year_rows)
        if form.preferred_option.data == str(row):
            preferred_name = name
    discount_pct = form.discount_rate.data
    content = CaseContent(
        kind=form.kind.data or "",
        options=tuple(options),
        preferred_option=preferred_name,
        strategic_fit=form.strategic_fit.data or "",
        preferred_reasons=form.preferred_reasons.data or "",
        discount_rate=DEFAULT_DISCOUNT_RATE if discount_pct is None else discount_pct / 100,
        optimism_bias_pct=form.optimism_bias_pct.data
        if form.optimism_bias_pct.data is not None
        else Decimal(0),
        fte_change=form.fte_change.data,
        risks=form.risks.data or "",
        reform_risk=form.reform_risk.data or "",
        priority_codes=tuple(form.strategic_priorities.data or ()),
        driver_codes=tuple(form.benefit_drivers.data or ()),
    )
    return content, rows


def fill_from(form: BusinessCaseForm, content: CaseContent) -> None:
    """Put a stored version's content into an editor that was opened without a submission."""
    form.kind.data = content.kind
    form.strategic_fit.data = content.strategic_fit
    form.strategic_priorities.data = list(content.priority_codes)
    form.benefit_drivers.data = list(content.driver_codes)
    form.preferred_reasons.data = content.preferred_reasons
    form.discount_rate.data = content.discount_rate * 100
    form.optimism_bias_pct.data = content.optimism_bias_pct
    form.fte_change.data = content.fte_change
    form.risks.data = content.risks
    form.reform_risk.data = content.reform_risk
    for row, option in enumerate(content.options[:OPTIONS_IN_FORM]):
        option_form = form.options[row].form
        option_form.name.data = option.name
        option_form.is_business_as_usual.data = option.is_business_as_usual
        if option.name == content.preferred_option:
            form.preferred_option.data = str(row)
        for figures in option.years:
            if figures.year < YEARS_IN_FORM:
                year_form = option_form.years[figures.year].form
                for amount, box in _AMOUNT_FIELDS.items():
                    getattr(year_form, box).data = getattr(figures, amount)


def _target(form: BusinessCaseForm, key: str, rows: RowMap) -> Field | None:
    parts = key.split(".")
    if parts[0] != "options":
        return getattr(form, parts[0], None)
    if len(parts) == 1 or not parts[1].isdigit() or int(parts[1]) >= len(rows.option_rows):
        return form.options[0].form.name
    option_index = int(parts[1])
    option_form = form.options[rows.option_rows[option_index]].form
    if len(parts) >= 5 and parts[2] == "years" and parts[3].isdigit():
        year_rows = rows.year_rows[option_index]
        if int(parts[3]) < len(year_rows) and parts[4] in _AMOUNT_FIELDS:
            return getattr(option_form.years[year_rows[int(parts[3])]].form, _AMOUNT_FIELDS[parts[4]])
    # The option's name, its "no years" message and anything else about it go by its name box.
    return option_form.name


def apply_case_errors(form: BusinessCaseForm, failure: ValidationFailed, rows: RowMap) -> None:
    """Attach each of the service's messages to the editor box it is about."""
    for key, messages in failure.fields.items():
        target = _target(form, key, rows)
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = list(target.errors) + list(messages)


def error_list(form: Form) -> list[tuple[str, str]]:
    """Every message on the form as (box id, message), in page order, for the error summary."""
    found: list[tuple[str, str]] = []

    def walk(fields: object) -> None:
        for item in fields:  # type: ignore[attr-defined]
            if isinstance(item, FieldList):
                walk(item.entries)
            elif isinstance(item, FormField):
                walk(item.form)
            else:
                found.extend((item.id, str(message)) for message in item.errors)

    walk(form)
    found.extend(("main-content", str(message)) for message in form.form_errors)
    return found


def fits_editor(content: CaseContent) -> bool:
    """Whether every option and year of a stored version has a row on the page (else saving the
    page would silently drop the rest)."""
    return len(content.options) <= OPTIONS_IN_FORM and all(
        figures.year < YEARS_IN_FORM for option in content.options for figures in option.years
    )


def starting_content(improvement: Improvement) -> CaseContent:
    """A new case starts as an outline with a business-as-usual option (its year 0 at £0) and the
    improvement's own priorities and drivers ticked."""
    return CaseContent(
        kind=CaseKind.OUTLINE.value,
        options=(
            OptionFigures(name="Business as usual", is_business_as_usual=True, years=(YearFigures(0),)),
        ),
        preferred_option=None,
        priority_codes=tuple(priority.code for priority in improvement.priorities),
        driver_codes=tuple(driver.code for driver in improvement.drivers),
    )
