"""Forms for the temporary resources register. Shape only: the services own the rules."""

from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from changeauth.domain.temporary_resources import ResourceKind
from changeauth.web.forms import DATE_HINT, DayMonthYearField, MoneyField, PageForm

KIND_LABELS = {
    ResourceKind.FIXED_TERM: "Fixed-term post",
    ResourceKind.AGENCY: "Agency staff",
    ResourceKind.SECONDMENT: "Secondment",
    ResourceKind.CONTRACTOR: "Contractor",
    ResourceKind.LICENCE: "Licence or subscription",
    ResourceKind.OTHER: "Other",
}
END_DATE_HINT = f"The last day the resource is in place. {DATE_HINT}"


class ResourceForm(PageForm):
    role_title = StringField(
        "Role or item", validators=[InputRequired("Enter the role or item."), Length(max=200)]
    )
    team = SelectField("Team (optional)", validators=[Optional()])
    improvement_ref = StringField(
        "Improvement reference (optional)",
        description="For example IMP-2026-0042, if the resource is paid for by an improvement.",
        validators=[Optional(), Length(max=20)],
    )
    kind = SelectField("Type", choices=[SelectChoice(str(k), label) for k, label in KIND_LABELS.items()])
    annual_cost_pence = MoneyField(
        "Annual cost in pounds", validators=[InputRequired("Enter the annual cost.")]
    )
    funding_source = StringField(
        "Funding source", validators=[InputRequired("Say where the money comes from."), Length(max=200)]
    )
    start_date = DayMonthYearField("Start date", validators=[InputRequired("Enter the start date.")])
    end_date = DayMonthYearField(
        "End date", description=END_DATE_HINT, validators=[InputRequired("Enter the end date.")]
    )
    owner_id = SelectField("Who owns it?", coerce=int, validators=[InputRequired("Choose an owner.")])
    reason = TextAreaField("Why is it needed? (optional)", validators=[Optional(), Length(max=10_000)])


class ExtendForm(PageForm):
    extension_until = DayMonthYearField(
        "Extend until",
        description=END_DATE_HINT,
        validators=[InputRequired("Enter the date it is extended until.")],
    )
    extension_reason = TextAreaField(
        "Reason for the extension",
        description="Recorded with your name; the owner and the design authority can see it.",
        validators=[InputRequired("Enter the reason for the extension."), Length(max=10_000)],
    )
    version = HiddenField()


class EndForm(PageForm):
    actual_end_date = DayMonthYearField(
        "Date it actually ended",
        description=f"The last day it was in place; not in the future. {DATE_HINT}",
        validators=[InputRequired("Enter the date the resource actually ended.")],
    )
    version = HiddenField()
