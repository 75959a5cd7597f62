"""Forms for submitting an idea and filtering the list. Shape only; rules live in the services."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from changeauth.domain.improvements import TEXT_MAX, TITLE_MAX, TITLE_MIN
from changeauth.web.forms import CheckboxesField, PageForm


class IdeaForm(PageForm):
    title = StringField(
        "Title",
        description="A short name for your idea, like ‘Online booking for bulky waste’.",
        validators=[
            DataRequired("Enter a title."),
            Length(
                min=TITLE_MIN,
                max=TITLE_MAX,
                message=f"Enter a title between {TITLE_MIN} and {TITLE_MAX} characters.",
            ),
        ],
    )
    problem = TextAreaField(
        "What is the problem?",
        description="Who is affected, how often, and what it costs them or the council.",
        validators=[DataRequired("Describe the problem."), Length(max=TEXT_MAX)],
    )
    proposal = TextAreaField(
        "What would you change?",
        validators=[DataRequired("Describe the change you propose."), Length(max=TEXT_MAX)],
    )
    expected_effect = TextAreaField(
        "What difference would it make? (optional)",
        description="For example, fewer calls, faster decisions or money saved.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    benefit_drivers = CheckboxesField(
        "Which benefit drivers does it support?",
        description="Select all that apply.",
        validators=[DataRequired("Choose at least one benefit driver.")],
    )
    team = SelectField("Team (optional)", validators=[Optional()])
    is_anonymous = BooleanField("Submit anonymously")


class ImprovementFilterForm(PageForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    stage = SelectField("Stage", validators=[Optional()])
    driver = SelectField("Benefit driver", validators=[Optional()])
    team = SelectField("Team", validators=[Optional()])


class CommentForm(PageForm):
    body = TextAreaField("Add a comment", validators=[DataRequired("Write a comment."), Length(max=TEXT_MAX)])


class ConflictForm(PageForm):
    note = TextAreaField(
        "Why do you have a conflict of interest? (optional)",
        description="For example, a family member works in the team it affects.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )


class ResubmitForm(PageForm):
    note = TextAreaField(
        "Your answer to the design authority",
        validators=[
            DataRequired("Answer the design authority's question before resubmitting."),
            Length(max=TEXT_MAX),
        ],
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class EditIdeaForm(PageForm):
    """Correct an idea's title, benefit drivers and team (each offered only to whoever may change it)."""

    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter a title."),
            Length(
                min=TITLE_MIN,
                max=TITLE_MAX,
                message=f"Enter a title between {TITLE_MIN} and {TITLE_MAX} characters.",
            ),
        ],
    )
    benefit_drivers = CheckboxesField(
        "Which benefit drivers does it support?",
        description="Select all that apply.",
        validators=[DataRequired("Choose at least one benefit driver.")],
    )
    team = SelectField("Team (optional)", validators=[Optional()])
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class ReassignForm(PageForm):
    """Who owns and who sponsors an improvement."""

    owner_id = SelectField("Owner", description="The person who writes the business case and delivers it.")
    sponsor_id = SelectField(
        "Senior responsible owner (sponsor, optional)",
        description="The senior person accountable for the improvement and its benefits being realised.",
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class DependencyForm(PageForm):
    """That this improvement needs another delivered first (services.dependencies)."""

    depends_on = StringField(
        "Which improvement must be delivered first?",
        description="Its reference, for example IMP-2026-0042.",
        validators=[DataRequired("Give the reference of the improvement it needs."), Length(max=20)],
    )
    reason = TextAreaField(
        "Why does it need that one first?",
        description="For example, the online forms need the new customer account to be live.",
        validators=[DataRequired("Say why it needs that improvement first."), Length(max=2000)],
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])


class RemoveDependencyForm(PageForm):
    reason = TextAreaField(
        "Why is it no longer needed first?",
        description="The owner and the audit log keep this reason.",
        validators=[DataRequired("Say why the dependency is being removed."), Length(max=2000)],
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])
