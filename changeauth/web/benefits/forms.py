"""Forms for benefit profiles, measurements, adjustments and validation. Shape only: the services own the
rules. Values are typed in the benefit's unit; for money (unit ``GBP``) people type pounds and the form
hands the service pence."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from changeauth.domain.benefits import (
    AdjustmentCategory,
    BenefitDirection,
    CashClass,
    ClosingStatus,
    DataQuality,
    Frequency,
)
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.money import MoneyError, parse_money
from changeauth.web.fields import DecimalTextField, MoneyField
from changeauth.web.forms import LongSelect

GBP = "GBP"
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]{1,4})?")

CASH_CLASS_LABELS = {
    CashClass.CASHABLE: "Cashable (money saved or earned)",
    CashClass.NON_CASHABLE: "Non-cashable (value, but no money released)",
    CashClass.NOT_MONETISED: "Not monetised (measured in its own unit)",
}
FREQUENCY_LABELS = {
    Frequency.MONTHLY: "Monthly",
    Frequency.QUARTERLY: "Quarterly",
    Frequency.SIX_MONTHLY: "Every six months",
    Frequency.ANNUALLY: "Annually",
}
DIRECTION_LABELS = {BenefitDirection.INCREASE: "Should go up", BenefitDirection.DECREASE: "Should go down"}
QUALITY_LABELS = {
    DataQuality.MEASURED: "Measured",
    DataQuality.ESTIMATED: "Estimated",
    DataQuality.PROXY: "Proxy (an indirect measure)",
}
CLOSING_LABELS = {
    ClosingStatus.REALISED: "Realised",
    ClosingStatus.PARTIALLY_REALISED: "Partially realised",
    ClosingStatus.NOT_REALISED: "Not realised",
}
CATEGORY_LABELS = {
    AdjustmentCategory.GROWTH_POSITION: "Growth position (new duties or demand taken on)",
    AdjustmentCategory.EXTERNAL_FUNDING: "External funding",
    AdjustmentCategory.DELIVERY_MODEL_CHANGE: "Delivery-model change (insourcing, outsourcing, sharing)",
    AdjustmentCategory.TAKEN_AS_SAVINGS: "Posts taken as savings already",
    AdjustmentCategory.SUPPLIES_AND_SERVICES: "Supplies and services",
    AdjustmentCategory.OTHER: "Other",
}
DATE_HINT = "Use the date picker, or type it as YYYY-MM-DD."


def parse_value(text: str | None, unit: str | None) -> Decimal:
    """A value typed in the benefit's unit: pounds for GBP (returned as pence), else a plain number."""
    raw = (text or "").strip()
    if (unit or "").strip() == GBP:
        try:
            return Decimal(parse_money(raw, allow_negative=True))
        except MoneyError as error:
            raise ValueError(error.message) from error
    cleaned = raw.replace(",", "")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError("Enter a number, with no more than 4 decimal places, for example 1250 or 78.5.")
    return Decimal(cleaned)


def _choices(labels: dict[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(str(key), label) for key, label in labels.items()]


class BenefitForm(FlaskForm):
    title = StringField(
        "What is the benefit?",
        description="For example, ‘Share of bulky waste bookings made online’.",
        validators=[InputRequired("Enter a title."), Length(max=200)],
    )
    driver = SelectField("Benefit driver", validators=[InputRequired("Choose the benefit driver.")])
    cash_class = SelectField("Kind of benefit", choices=_choices(CASH_CLASS_LABELS))
    unit = StringField(
        "Unit of measure",
        description="GBP for money (then type values in pounds), or a unit such as ‘calls per month’.",
        validators=[InputRequired("Enter the unit of measure."), Length(max=40)],
    )
    direction = SelectField("Which way should it move?", choices=_choices(DIRECTION_LABELS))
    baseline_value = StringField("Baseline value", validators=[InputRequired("Enter the baseline value.")])
    baseline_date = DateField(
        "Baseline date", description=DATE_HINT, validators=[InputRequired("Enter the baseline date.")]
    )
    target_value = StringField("Target value", validators=[InputRequired("Enter the target value.")])
    target_date = DateField(
        "Target date", description=DATE_HINT, validators=[InputRequired("Enter the target date.")]
    )
    frequency = SelectField("How often will it be measured?", choices=_choices(FREQUENCY_LABELS))
    owner_id = SelectField(
        "Who owns the benefit?", coerce=int, validators=[InputRequired("Choose an owner.")]
    )
    tolerance_pct = DecimalTextField(
        "Tolerance (optional)",
        description="How far behind plan still counts as green, as a % of the planned change. Default 10.",
        places=2,
        suffix="%",
        example="10",
        validators=[Optional()],
    )
    version = HiddenField()

    def profile(self) -> dict[str, Any]:
        """The service's keyword arguments; ValidationFailed names any value that is not a number."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Decimal | None] = {}
        for name in ("baseline_value", "target_value"):
            try:
                values[name] = parse_value(getattr(self, name).data, self.unit.data)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationFailed(errors)
        return {
            "title": self.title.data or "",
            "driver": self.driver.data,
            "cash_class": self.cash_class.data,
            "unit": self.unit.data,
            "direction": self.direction.data,
            "baseline_value": values["baseline_value"],
            "baseline_date": self.baseline_date.data,
            "target_value": values["target_value"],
            "target_date": self.target_date.data,
            "frequency": self.frequency.data,
            "owner_id": self.owner_id.data,
            "tolerance_pct": self.tolerance_pct.data,
        }


class ClosingForm(FlaskForm):
    closing_status = SelectField(
        "Closing status",
        choices=_choices(CLOSING_LABELS),
        description="Set at the benefits review (G3). A closed benefit is no longer chased for measurements.",
    )
    version = HiddenField()


class MeasurementForm(FlaskForm):
    period_end = DateField(
        "End of the period measured",
        description="The last day the value covers, for example the last day of the month or quarter.",
        validators=[InputRequired("Enter the end date of the period measured.")],
    )
    value = StringField("Value", validators=[InputRequired("Enter the value measured.")])
    data_quality = SelectField("How was it measured?", choices=_choices(QUALITY_LABELS))
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2_000)])

    def parsed_value(self, unit: str) -> Decimal:
        try:
            return parse_value(self.value.data, unit)
        except ValueError as error:
            raise ValidationFailed({"value": [str(error)]}) from error


class AdjustmentForm(FlaskForm):
    category = SelectField("Category", choices=_choices(CATEGORY_LABELS))
    amount_pence = MoneyField(
        "Amount",
        description=(
            "Positive when the gross figure under-states the benefit; "
            "negative (with a minus) when it over-states it."
        ),
        allow_negative=True,
        validators=[InputRequired("Enter the amount.")],
    )
    rationale = TextAreaField(
        "Why", validators=[InputRequired("Explain why the benefit needs adjusting."), Length(max=10_000)]
    )


class ValidateForm(FlaskForm):
    version = HiddenField()


class TrackerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    driver = SelectField("Benefit driver", validators=[Optional()])
    team = SelectField("Team", validators=[Optional()])
    owner = SelectField("Owner", validators=[Optional()], widget=LongSelect())
    rag = SelectField(
        "RAG",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(rag, rag.capitalize()) for rag in ("green", "amber", "red")],
        validators=[Optional()],
    )
    stale = SelectField(
        "Measurements",
        choices=[SelectChoice("", "All"), SelectChoice("1", "Overdue only")],
        validators=[Optional()],
    )
    page = IntegerField(validators=[Optional()])
