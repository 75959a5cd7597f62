"""The G0 decision form. Which fields a decision needs is checked by the transition service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
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
from changeauth.domain.lifecycle import DECISION_LABELS, Decision, Gate, decisions_at

G0_HINTS = {
    Decision.GO: "Worth a business case: it moves to Business case with the owner you choose.",
    Decision.QUICK_WIN: "Small and clear: straight into delivery on the quick-win route, with an owner.",
    Decision.MERGE: "The same as existing work: supporters move across and the submitter is told where.",
    Decision.RECYCLE: "Needs more information: it goes back to the submitter, who answers and resubmits.",
    Decision.HOLD: "Not now: on hold until the date you give.",
    Decision.STOP: "Not going ahead: the submitter will read your reasons.",
}


class TriageForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice(d.value, DECISION_LABELS[d]) for d in decisions_at(Gate.G0)],
        validators=[DataRequired("Choose a decision.")],
    )
    rationale = TextAreaField(
        "Reasons",
        description="The submitter and supporters will read this, so write it in plain words.",
        validators=[DataRequired("Give the reasons for the decision."), Length(max=TEXT_MAX)],
    )
    owner_id = SelectField("Owner (for go and quick win)", coerce=str, validators=[Optional()])
    duplicate_of = StringField(
        "Merge into (for merge)",
        description="The reference of the improvement, like IMP-2026-0042.",
        validators=[Optional(), Length(max=20)],
    )
    hold_until = DateField("On hold until (for hold)", validators=[Optional()], format="%Y-%m-%d")
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])
