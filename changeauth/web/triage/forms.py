"""The G0 decision form. Which fields a decision needs is checked by the transition service."""

from __future__ import annotations

from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from changeauth.domain.gate_decisions import REASONS_MAX
from changeauth.domain.lifecycle import DECISION_LABELS, Decision, Gate, decisions_at
from changeauth.web.forms import DATE_HINT, DayMonthYearField, PageForm

G0_HINTS = {
    Decision.GO: "Worth a business case: it moves to Business case with the owner you choose.",
    Decision.QUICK_WIN: "Small and clear: straight into delivery on the quick-win route, with an owner.",
    Decision.MERGE: "The same as existing work: supporters move across and the submitter is told where.",
    Decision.RECYCLE: "Needs more information: it goes back to the submitter, who answers and resubmits.",
    Decision.HOLD: "Not now: on hold until the date you give.",
    Decision.STOP: "Not going ahead: the submitter will read your reasons.",
}


# One label per decision everywhere (the register and minutes read the same words); the hint under each
# says what it does to the idea.
G0_LABELS = DECISION_LABELS


class TriageForm(PageForm):
    """Each decision's own question is shown under it (owner for go and quick win, the work to merge
    into for merge, a date for hold); without script they are all shown, and only the chosen
    decision's answers are read."""

    decision = RadioField(
        "Decision",
        choices=[SelectChoice(d.value, G0_LABELS[d]) for d in decisions_at(Gate.G0)],
        validators=[DataRequired("Choose a decision.")],
    )
    rationale = TextAreaField(
        "Reasons",
        description="The submitter and supporters will read this, so write it in plain words.",
        validators=[DataRequired("Give the reasons for the decision."), Length(max=REASONS_MAX)],
    )
    owner_id = SelectField("Who will own the business case?", coerce=str, validators=[Optional()])
    quick_win_owner_id = SelectField("Who will deliver the quick win?", coerce=str, validators=[Optional()])
    merge_target = RadioField("Which work does it join?", validators=[Optional()], validate_choice=False)
    duplicate_of = StringField(
        "Or give another improvement's reference",
        description="For example IMP-2026-0042.",
        validators=[Optional(), Length(max=20)],
    )
    hold_until = DayMonthYearField(
        "On hold until",
        description=f"A date in the future. {DATE_HINT}",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])
