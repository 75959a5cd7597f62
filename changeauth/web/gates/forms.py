"""Forms for gate decisions, manual criteria, conditions, meetings, criteria admin and evidence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from changeauth.domain.improvements import TEXT_MAX
from changeauth.web.improvements.forms import CheckboxesField

CONDITION_ROWS = 3


class ConditionRowForm(FlaskForm):
    class Meta:
        csrf = False

    text = StringField("What must be done", validators=[Optional(), Length(max=TEXT_MAX)])
    owner_id = SelectField("Owner", validators=[Optional()])
    due_date = DateField("Due by", validators=[Optional()], format="%Y-%m-%d")


class GateDecisionForm(FlaskForm):
    decision = RadioField("Decision", validators=[DataRequired("Choose a decision.")])
    rationale = TextAreaField(
        "Reasons",
        description="Recorded in the decision register and read by the submitter.",
        validators=[DataRequired("Give the reasons for the decision."), Length(max=TEXT_MAX)],
    )
    attendee_ids = CheckboxesField(
        "Design authority members attending",
        description="You count as attending. Members with an interest in this improvement are not listed.",
        coerce=int,
        validators=[Optional()],
    )
    hold_until = DateField("On hold until (for hold)", validators=[Optional()], format="%Y-%m-%d")
    meeting_id = SelectField("Meeting (optional)", validators=[Optional()])
    conditions = FieldList(
        FormField(ConditionRowForm), min_entries=CONDITION_ROWS, max_entries=CONDITION_ROWS
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])


class TickForm(FlaskForm):
    is_met = BooleanField("The criterion is met")
    evidence = TextAreaField(
        "Evidence", validators=[DataRequired("Say what shows the criterion is met."), Length(max=TEXT_MAX)]
    )


class CloseConditionForm(FlaskForm):
    status = RadioField(
        "Close as",
        choices=[SelectChoice("met", "Met"), SelectChoice("waived", "Waived")],
        validators=[DataRequired("Choose met or waived.")],
    )
    note = TextAreaField("Note", validators=[DataRequired("Add a note."), Length(max=TEXT_MAX)])


class MeetingForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the meeting a title."), Length(max=200)])
    meets_on = DateField(
        "Date", validators=[DataRequired("Enter the date of the meeting.")], format="%Y-%m-%d"
    )
    member_ids = CheckboxesField("Members", coerce=int, validators=[Optional()])


class CriterionForm(FlaskForm):
    text = TextAreaField("Criterion", validators=[DataRequired("Describe the criterion."), Length(max=1000)])
    kind = RadioField(
        "Kind",
        choices=[SelectChoice("must", "Must"), SelectChoice("should", "Should")],
        validators=[DataRequired()],
    )
    check = SelectField("Checked by", validators=[DataRequired()])
    is_active = BooleanField("In use")
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])


class AttachmentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the file a title."), Length(max=200)])
    file = FileField(
        "File",
        description="PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, up to 10 MB.",
        validators=[FileRequired("Choose a file.")],
    )


class RegisterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    gate = SelectField("Gate", validators=[Optional()])
    decision = SelectField("Decision", validators=[Optional()])
    date_from = DateField("From", validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField("To", validators=[Optional()], format="%Y-%m-%d")
