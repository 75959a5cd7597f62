"""Forms for the benefits review's decisions and for lessons. Shape only: the services own the rules."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from changeauth.domain.reviews import (
    CAUSES_MAX,
    LESSON_TEXT_MAX,
    LESSON_TITLE_MAX,
    REVIEW_DECISION_LABELS,
)
from changeauth.web.forms import CLOSING_LABELS, DATE_HINT, DayMonthYearField, PageForm


def _optional_int(value: object) -> int | None:
    return int(str(value)) if value not in ("", None) else None


class ReviewDecisionForm(PageForm):
    decision = RadioField(
        "What does the review decide for this benefit?",
        choices=[SelectChoice(str(key), label) for key, label in REVIEW_DECISION_LABELS.items()],
        validators=[InputRequired("Choose continue, revise, close or hand over.")],
    )
    causes = TextAreaField(
        "What caused the variance against plan?",
        description="Needed when the benefit is behind its plan. Say what happened, not who.",
        validators=[
            Optional(),
            Length(max=CAUSES_MAX, message=f"Keep this to {CAUSES_MAX:,} characters or fewer."),
        ],
    )
    closing_status = RadioField(
        "How far was the benefit realised?",
        choices=[SelectChoice(str(key), label) for key, label in CLOSING_LABELS.items()],
        validators=[Optional()],
    )
    target_value = StringField(
        "Revised target value (optional)",
        description="In the benefit's unit: for money, pounds (for example 12,500).",
        validators=[Optional(), Length(max=40)],
    )
    target_date = DayMonthYearField(
        "Revised target date (optional)", description=DATE_HINT, validators=[Optional()]
    )
    reason = TextAreaField(
        "Why is the target being revised?",
        description="Kept with the change in the benefit's history of targets.",
        validators=[Optional(), Length(max=2_000, message="Keep this to 2,000 characters or fewer.")],
    )
    owner_id = SelectField(
        "Who in the service keeps measuring it?", coerce=_optional_int, validators=[Optional()]
    )
    handed_over_on = DayMonthYearField("Date of the handover", description=DATE_HINT, validators=[Optional()])
    note = TextAreaField(
        "What was agreed (optional)",
        validators=[Optional(), Length(max=2_000, message="Keep this to 2,000 characters or fewer.")],
    )
    version = HiddenField()


class LessonForm(PageForm):
    title = StringField(
        "Title of the lesson",
        validators=[
            InputRequired("Give the lesson a title."),
            Length(
                max=LESSON_TITLE_MAX, message=f"Keep the title to {LESSON_TITLE_MAX} characters or fewer."
            ),
        ],
    )
    what_happened = TextAreaField(
        "What happened?",
        validators=[
            InputRequired("Say what happened."),
            Length(max=LESSON_TEXT_MAX, message=f"Keep this to {LESSON_TEXT_MAX:,} characters or fewer."),
        ],
    )
    next_time = TextAreaField(
        "What should be done next time?",
        validators=[
            InputRequired("Say what to do next time."),
            Length(max=LESSON_TEXT_MAX, message=f"Keep this to {LESSON_TEXT_MAX:,} characters or fewer."),
        ],
    )
    team = SelectField(
        "Which area of the council does it concern?",
        description="New ideas from this area will show the lesson.",
        validators=[Optional()],
    )


class LessonSearchForm(PageForm):
    class Meta:
        csrf = False

    q = StringField("Search the lessons", validators=[Optional(), Length(max=200)])
    team = SelectField("Area", validators=[Optional()])
