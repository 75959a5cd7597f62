"""Forms for benefit profiles, measurements, adjustments and validation. Shape only: the services own the
rules. Values are typed in the benefit's unit; for money (unit ``GBP``) people type pounds and the form
hands the service pence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf.file import FileAllowed, FileField
from wtforms import (
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
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from changeauth.domain.benefits import (
    MAX_PLANNED_POINTS,
    BenefitDirection,
    CashClass,
    DataQuality,
    Frequency,
    MeasureType,
    ProfileShape,
)
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.units import UNIT_LABELS, UNIT_MAX, Unit, stored_unit, unit_error
from changeauth.services.attachments import Upload
from changeauth.web.forms import (
    CATEGORY_LABELS,
    CLOSING_LABELS,
    DATE_HINT,
    DayMonthYearField,
    DecimalTextField,
    MoneyField,
    PageForm,
    parse_value,
)

GBP = "GBP"

CASH_CLASS_LABELS = {cash_class: cash_class.label for cash_class in CashClass}
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
SHAPE_LABELS = {shape: shape.label for shape in ProfileShape}
SHAPE_HINTS = {shape.value: shape.hint for shape in ProfileShape}
MEASURE_TYPE_LABELS = {measure_type: measure_type.label for measure_type in MeasureType}
MEASURE_TYPE_HINTS = {measure_type.value: measure_type.hint for measure_type in MeasureType}
# What each quality means, as the radios' hints say it: G2 counts only a measured (or validated) baseline.
QUALITY_HINTS = {
    DataQuality.MEASURED.value: "Counted or read from a record for the period, such as a system report.",
    DataQuality.ESTIMATED.value: "Worked out or judged rather than counted, for example from a sample.",
    DataQuality.PROXY.value: "Another figure that moves with it, when the thing itself cannot be counted.",
}
# How the benefit's page says it: "Baseline: £1,200, measured on 31 March 2026".
BASELINE_QUALITY_WORDS = {
    DataQuality.MEASURED.value: "measured",
    DataQuality.ESTIMATED.value: "estimated",
    DataQuality.PROXY.value: "from a proxy measure",
}
EVIDENCE_FILE_HINT = (
    "PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, up to 10 MB. Kept with the improvement's evidence."
)
EVIDENCE_TYPES = FileAllowed(
    ["pdf", "docx", "xlsx", "png", "jpg", "jpeg"], "Choose a PDF, DOCX, XLSX, PNG or JPEG."
)


def evidence_upload(field: FileField) -> Upload | None:
    """The file a person chose, ready for the service; None when they chose none."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return Upload(filename=upload.filename, content=upload.read())


VALUE_HINT = "In the unit above: for money, pounds (for example 12,500); for a percentage, 35 for 35%."


def _choices(labels: dict[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(str(key), label) for key, label in labels.items()]


class BenefitForm(PageForm):
    title = StringField(
        "What is the benefit?",
        description="For example, ‘Share of bulky waste bookings made online’.",
        validators=[
            InputRequired("Enter a title."),
            Length(max=200, message="Keep this to 200 characters or fewer."),
        ],
    )
    driver = SelectField("Benefit driver", validators=[InputRequired("Choose the benefit driver.")])
    cash_class = SelectField("Kind of benefit", choices=_choices(CASH_CLASS_LABELS))
    unit = RadioField(
        "What is it measured in?",
        choices=_choices(UNIT_LABELS),
        validators=[InputRequired("Choose the unit the benefit is measured in.")],
    )
    unit_other = StringField(
        "Name the unit",
        description="For example, ‘calls per month’ or ‘bookings made online’.",
        validators=[Optional(), Length(max=UNIT_MAX)],
    )
    direction = SelectField("Which way should it move?", choices=_choices(DIRECTION_LABELS))
    baseline_value = StringField(
        "Baseline value",
        description=VALUE_HINT,
        validators=[InputRequired("Enter the baseline value.")],
    )
    baseline_date = DayMonthYearField(
        "Baseline date", description=DATE_HINT, validators=[InputRequired("Enter the baseline date.")]
    )
    baseline_quality = RadioField(
        "How was the baseline arrived at?",
        description="The gate before go-live needs a measured baseline, or one finance has validated.",
        choices=_choices(QUALITY_LABELS),
        validators=[InputRequired("Choose whether the baseline was measured, estimated or a proxy.")],
    )
    baseline_evidence = TextAreaField(
        "Where does the baseline come from?",
        description="Name the source, for example ‘Customer services report, March 2026, table 2’.",
        validators=[Optional(), Length(max=2_000, message="Keep this to 2,000 characters or fewer.")],
    )
    baseline_file = FileField(
        "Evidence file (optional)", description=EVIDENCE_FILE_HINT, validators=[EVIDENCE_TYPES]
    )
    target_value = StringField(
        "Target value", description=VALUE_HINT, validators=[InputRequired("Enter the target value.")]
    )
    target_date = DayMonthYearField(
        "Target date", description=DATE_HINT, validators=[InputRequired("Enter the target date.")]
    )
    frequency = SelectField("How often will it be measured?", choices=_choices(FREQUENCY_LABELS))
    profile_shape = RadioField(
        "How should the planned value move from the baseline to the target?",
        description="Each measurement is compared with the value planned for its date.",
        choices=_choices(SHAPE_LABELS),
        default=ProfileShape.STRAIGHT_LINE.value,
        # Left out of a post (a script written before the choice existed) it stays a straight line.
        validators=[Optional()],
    )
    measure_type = RadioField(
        "What does each measurement say?",
        description="This decides how much has been realised.",
        choices=_choices(MEASURE_TYPE_LABELS),
        default=MeasureType.LEVEL.value,
        validators=[Optional()],
    )
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
    reason = TextAreaField(
        "Why is the plan changing?",
        description="Needed once the business case is approved, for a change to how the plan runs between "
        "the baseline and the target (they change only by a change request the design authority approves).",
        validators=[Optional(), Length(max=2_000, message="Keep the reason to 2,000 characters or fewer.")],
    )
    version = HiddenField()

    def profile(self) -> dict[str, Any]:
        """The service's keyword arguments; ValidationFailed names any value that is not a number."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Decimal | None] = {}
        unit = stored_unit(self.unit.data, self.unit_other.data)
        unit_problem = unit_error(unit)
        if unit_problem:
            errors["unit_other" if self.unit.data == Unit.OTHER.value else "unit"] = [unit_problem]
        for name in ("baseline_value", "target_value"):
            try:
                values[name] = parse_value(getattr(self, name).data, unit)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationFailed(errors)
        return {
            "title": self.title.data or "",
            "driver": self.driver.data,
            "cash_class": self.cash_class.data,
            "unit": unit,
            "direction": self.direction.data,
            "baseline_value": values["baseline_value"],
            "baseline_date": self.baseline_date.data,
            "target_value": values["target_value"],
            "target_date": self.target_date.data,
            "frequency": self.frequency.data,
            "owner_id": self.owner_id.data,
            "tolerance_pct": self.tolerance_pct.data,
            "profile_shape": self.profile_shape.data,
            "measure_type": self.measure_type.data,
            "baseline_quality": self.baseline_quality.data,
            "baseline_evidence": self.baseline_evidence.data or "",
        }


class PlannedPointForm(Form):
    """One row of a stepped or custom plan: a date and the value planned for it."""

    period_end = DayMonthYearField("Date", validators=[Optional()])
    planned_value = StringField("Planned value", validators=[Optional()])


class PlanForm(PageForm):
    """A stepped or custom plan's rows; a row left empty is ignored."""

    planned_points = FieldList(FormField(PlannedPointForm), min_entries=1, max_entries=MAX_PLANNED_POINTS)
    reason = TextAreaField(
        "Why is the plan changing?",
        description="Needed once the business case is approved: it was approved on the current plan.",
        validators=[Optional(), Length(max=2_000, message="Keep the reason to 2,000 characters or fewer.")],
    )
    version = HiddenField()

    def points(self, unit: str) -> list[tuple[Any, Decimal | None]]:
        """The filled-in rows as ``(date, value)``; a value that is not a number is refused on its own row
        (ValidationFailed, the message already beside the box)."""
        refused = False
        points: list[tuple[Any, Decimal | None]] = []
        for row in self.planned_points:
            when, typed = row.period_end.data, (row.planned_value.data or "").strip()
            typed_date = "".join(row.period_end.raw_data or []).strip()
            if when is None and not typed_date and not typed:
                continue
            value: Decimal | None = None
            if typed:
                try:
                    value = parse_value(typed, unit)
                except ValueError as error:
                    row.planned_value.errors = [*row.planned_value.errors, str(error)]
                    refused = True
            points.append((when, value))
        if refused:
            # The list's errors were gathered when the form was validated: gather them again.
            self.planned_points.errors = [row.errors for row in self.planned_points]
            raise ValidationFailed({})
        return points


class AcceptForm(PageForm):
    """The benefit's owner accepts its profile as it stands."""

    version = HiddenField()


class ChangeRequestForm(PageForm):
    """A proposed new baseline or target, with the reason the design authority decides on."""

    baseline_value = StringField(
        "Baseline value", description=VALUE_HINT, validators=[InputRequired("Enter the baseline value.")]
    )
    baseline_date = DayMonthYearField(
        "Baseline date", description=DATE_HINT, validators=[InputRequired("Enter the baseline date.")]
    )
    target_value = StringField(
        "Target value", description=VALUE_HINT, validators=[InputRequired("Enter the target value.")]
    )
    target_date = DayMonthYearField(
        "Target date", description=DATE_HINT, validators=[InputRequired("Enter the target date.")]
    )
    reason = TextAreaField(
        "Why should it change?",
        description="The design authority reads this before approving or rejecting the change.",
        validators=[
            InputRequired("Say why the baseline or target should change."),
            Length(max=2_000, message="Keep the reason to 2,000 characters or fewer."),
        ],
    )
    version = HiddenField()

    def plan(self, unit: str) -> dict[str, Any]:
        """The service's keyword arguments; ValidationFailed names any value that is not a number."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Decimal] = {}
        for name in ("baseline_value", "target_value"):
            try:
                values[name] = parse_value(getattr(self, name).data, unit)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationFailed(errors)
        return {
            "baseline_value": values["baseline_value"],
            "baseline_date": self.baseline_date.data,
            "target_value": values["target_value"],
            "target_date": self.target_date.data,
            "reason": self.reason.data or "",
        }


DECISION_LABELS = {"approve": "Approve the change", "reject": "Reject the change"}


class DecideChangeForm(PageForm):
    """The design authority's decision on a proposed change to the baseline or target."""

    request_id = HiddenField()
    version = HiddenField()
    decision = RadioField(
        "Your decision",
        choices=_choices(DECISION_LABELS),
        validators=[InputRequired("Choose whether to approve or reject the change.")],
    )
    note = TextAreaField(
        "Note",
        description="Needed to reject: the person who proposed it reads it.",
        validators=[Optional(), Length(max=2_000, message="Keep the note to 2,000 characters or fewer.")],
    )


class ClosingForm(PageForm):
    closing_status = RadioField(
        "How far was the benefit realised?",
        choices=_choices(CLOSING_LABELS),
        description="Set at the benefits review (G3). A closed benefit takes no more measurements.",
        validators=[InputRequired("Choose realised, partially realised or not realised.")],
    )
    version = HiddenField()


class ReopenForm(PageForm):
    reason = TextAreaField(
        "Why is it being reopened?",
        description="The benefit's owner reads this with the notice that it is open again.",
        validators=[
            InputRequired("Say why the benefit is being reopened."),
            Length(max=2_000, message="Keep this to 2,000 characters or fewer."),
        ],
    )
    version = HiddenField()


class HandoverForm(PageForm):
    owner_id = SelectField(
        "Who in the service owns the benefit from now on?",
        description="They record its measurements and are told when one is overdue.",
        coerce=int,
        validators=[InputRequired("Choose the business-as-usual owner.")],
    )
    handed_over_on = DayMonthYearField(
        "Date of the handover",
        description=DATE_HINT,
        validators=[InputRequired("Enter the date the benefit was handed over.")],
    )
    note = TextAreaField(
        "What was agreed (optional)",
        description="For example where the figures come from and who checks them.",
        validators=[Optional(), Length(max=2_000)],
    )
    version = HiddenField()


class MeasurementForm(PageForm):
    period_end = DayMonthYearField(
        "End of the period measured",
        description=f"The last day the value covers, such as the end of a month or quarter. {DATE_HINT}",
        validators=[InputRequired("Enter the end date of the period measured.")],
    )
    value = StringField("Value", validators=[InputRequired("Enter the value measured.")])
    data_quality = RadioField(
        "How was the value arrived at?",
        choices=_choices(QUALITY_LABELS),
        default=DataQuality.MEASURED.value,
        validators=[InputRequired("Choose whether the value was measured, estimated or a proxy.")],
    )
    evidence = TextAreaField(
        "Where does the value come from? (optional)",
        description="Name the source, for example ‘Finance ledger, cost centre 4410, April 2026’.",
        validators=[Optional(), Length(max=2_000, message="Keep this to 2,000 characters or fewer.")],
    )
    evidence_file = FileField(
        "Evidence file (optional)", description=EVIDENCE_FILE_HINT, validators=[EVIDENCE_TYPES]
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=2_000, message="Keep this to 2,000 characters or fewer.")],
    )

    def parsed_value(self, unit: str) -> Decimal:
        try:
            return parse_value(self.value.data, unit)
        except ValueError as error:
            raise ValidationFailed({"value": [str(error)]}) from error


class AdjustmentForm(PageForm):
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
        "Why",
        validators=[
            InputRequired("Explain why the benefit needs adjusting."),
            Length(max=10_000, message="Keep this to 10,000 characters or fewer."),
        ],
    )
    status = SelectField(
        "Status",
        description="Only a confirmed adjustment counts. Keep it proposed while it depends on a condition.",
        choices=[SelectChoice("proposed", "Proposed"), SelectChoice("confirmed", "Confirmed")],
        default="proposed",
    )
    recurrence = SelectField(
        "Applies",
        choices=[SelectChoice("recurring", "Every year"), SelectChoice("one_off", "One year only")],
        default="recurring",
    )
    financial_year = IntegerField(
        "First financial year it applies to",
        description="The year it starts in: 2019 for 2019/20.",
        validators=[Optional()],
    )
    evidence = TextAreaField(
        "Evidence",
        validators=[Optional(), Length(max=10_000, message="Keep this to 10,000 characters or fewer.")],
    )


class ConfirmAdjustmentForm(PageForm):
    adjustment_id = HiddenField()
    version = HiddenField()
    evidence = TextAreaField(
        "Evidence that settles its condition",
        validators=[
            InputRequired("Give the evidence that settles the adjustment's condition."),
            Length(max=10_000, message="Keep this to 10,000 characters or fewer."),
        ],
    )


class ValidateForm(PageForm):
    note = TextAreaField(
        "What you checked",
        description="For example the ledger codes or budget lines that show the saving.",
        validators=[
            DataRequired("Say what you checked before validating."),
            Length(max=10_000, message="Keep this to 10,000 characters or fewer."),
        ],
    )
    evidence = FileField(
        "Evidence (optional)",
        description="PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, up to 10 MB. Kept with the improvement.",
        validators=[
            FileAllowed(
                ["pdf", "docx", "xlsx", "png", "jpg", "jpeg"], "Choose a PDF, DOCX, XLSX, PNG or JPEG."
            )
        ],
    )
    version = HiddenField()


class AskOwnerForm(PageForm):
    question = TextAreaField(
        "Your question",
        description="The benefit's owner is notified and answers on this page.",
        validators=[
            DataRequired("Write the question for the benefit's owner."),
            Length(max=10_000, message="Keep this to 10,000 characters or fewer."),
        ],
    )
    version = HiddenField()


class AnswerFinanceForm(PageForm):
    answer = TextAreaField(
        "Your answer",
        validators=[
            DataRequired("Write your answer to finance's question."),
            Length(max=10_000, message="Keep this to 10,000 characters or fewer."),
        ],
    )
    version = HiddenField()


class PlanYearForm(PageForm):
    """The saving planned for one financial year and the one-off cost of securing it in that year."""

    planned_pence = MoneyField(
        "Saving planned for the year",
        description="The part of the saving the budget can count on in that year: a part-year in the first.",
        validators=[InputRequired("Enter the saving planned for the year, or 0.")],
    )
    one_off_cost_pence = MoneyField(
        "One-off cost in the year (optional)",
        description="Investment spent in that year to secure the saving, such as redundancy or systems. "
        "Temporary staff are counted from the temporary-resource register, so leave them out.",
        validators=[Optional()],
    )
    version = HiddenField()


class BudgetReductionForm(PageForm):
    """Finance's sign-off that a year's saving was taken out of a budget."""

    budget_line = StringField(
        "Budget line",
        description="The budget the saving was taken out of, as the council's ledger names it.",
        validators=[
            InputRequired("Enter the budget line the saving was taken out of."),
            Length(max=200, message="Keep the budget line to 200 characters or fewer."),
        ],
    )
    taken_out_pence = MoneyField(
        "Amount taken out of the budget",
        validators=[InputRequired("Enter the amount taken out of the budget.")],
    )
    taken_out_on = DayMonthYearField(
        "Date the budget was reduced",
        description=DATE_HINT,
        validators=[InputRequired("Enter the date the budget was reduced.")],
    )
    version = HiddenField()
