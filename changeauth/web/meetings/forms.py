"""Forms for design authority meetings: arranging one, its agenda, minutes and actions, cancelling it."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField, TimeField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from changeauth.domain.improvements import TEXT_MAX
from changeauth.web.forms import DATE_HINT, CheckboxesField, DayMonthYearField, PageForm

DURATION_CHOICES = [
    SelectChoice("30", "30 minutes"),
    SelectChoice("60", "1 hour"),
    SelectChoice("90", "1 hour 30 minutes"),
    SelectChoice("120", "2 hours"),
    SelectChoice("180", "3 hours"),
    SelectChoice("240", "Half a day (4 hours)"),
]


class MeetingForm(PageForm):
    title = StringField("Title", validators=[DataRequired("Give the meeting a title."), Length(max=200)])
    meets_on = DayMonthYearField(
        "Date", validators=[DataRequired("Enter the date of the meeting.")], format="%Y-%m-%d"
    )
    starts_at = TimeField(
        "Start time",
        description="For example 14:30.",
        validators=[DataRequired("Enter the time the meeting starts, for example 14:30.")],
        format="%H:%M",
    )
    duration_minutes = SelectField("How long", choices=DURATION_CHOICES, default="60", coerce=int)
    location = StringField(
        "Where (optional)",
        description="A room, or the link to an online meeting.",
        validators=[Optional(), Length(max=200, message="Keep the place to 200 characters.")],
    )
    member_ids = CheckboxesField("Members", coerce=int, validators=[Optional()])
    # The meeting's calendar sequence when the page was opened: a change made since is not overwritten.
    sequence = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class CancelMeetingForm(PageForm):
    reason = TextAreaField(
        "Reason (optional)",
        description="Members read this in the cancellation.",
        validators=[Optional(), Length(max=500, message="Keep the reason to 500 characters.")],
    )
    sequence = IntegerField(widget=widgets.HiddenInput(), validators=[InputRequired()])


class AgendaAddForm(PageForm):
    improvement_id = SelectField("Add to the agenda", validators=[DataRequired("Choose an improvement.")])


class AgendaMoveForm(PageForm):
    """Move up, move down or remove: a button, nothing to fill in."""


class MinutesForm(PageForm):
    minutes = TextAreaField(
        "Minutes",
        description="What was discussed and agreed. Decisions are recorded on each improvement's gate.",
        validators=[Optional(), Length(max=50_000, message="Keep the minutes to 50,000 characters.")],
    )


class MeetingActionForm(PageForm):
    text = TextAreaField("Action", validators=[DataRequired("Say what is to be done."), Length(max=TEXT_MAX)])
    owner_id = SelectField("Who will do it", validators=[DataRequired("Choose who will do it.")])
    due_date = DayMonthYearField(
        "Due by (optional)",
        description=DATE_HINT,
        validators=[Optional()],
        format="%Y-%m-%d",
    )
