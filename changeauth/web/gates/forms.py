"""Forms for gate decisions, manual criteria, closing conditions and the administration of gate criteria."""

from __future__ import annotations

from datetime import date

from wtforms import (
    BooleanField,
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

from changeauth.domain.gate_decisions import CONDITION_TEXT_MAX, REASONS_MAX, ConditionInput, DecisionRequest
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Decision, Gate
from changeauth.web.forms import DATE_HINT, CheckboxesField, DayMonthYearField, PageForm

CONDITION_ROWS = 3


class ConditionRowForm(PageForm):
    class Meta:
        csrf = False

    text = StringField("What must be done", validators=[Optional(), Length(max=CONDITION_TEXT_MAX)])
    owner_id = SelectField("Owner", validators=[Optional()])
    due_date = DayMonthYearField("Due by", validators=[Optional()], format="%Y-%m-%d")


class GateDecisionForm(PageForm):
    decision = RadioField("Decision", validators=[DataRequired("Choose a decision.")])
    rationale = TextAreaField(
        "Reasons",
        description="Recorded in the decision register and read by the submitter.",
        validators=[DataRequired("Give the reasons for the decision."), Length(max=REASONS_MAX)],
    )
    attendee_ids = CheckboxesField(
        "Design authority members attending",
        description="You count as attending. Members with an interest in this improvement are not listed.",
        coerce=int,
        validators=[Optional()],
    )
    hold_until = DayMonthYearField(
        "On hold until",
        description=DATE_HINT,
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    meeting_id = SelectField(
        "Meeting (optional)",
        description="Choosing a meeting ticks its members below.",
        validators=[Optional()],
    )
    conditions = FieldList(
        FormField(ConditionRowForm), min_entries=CONDITION_ROWS, max_entries=CONDITION_ROWS
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])

    def decision_request(self, gate: Gate, *, meeting_members: dict[str, list[int]]) -> DecisionRequest:
        """The decision as asked for. Only the chosen decision's own answers count: the others may be
        filled in and hidden. Nobody ticked, with a meeting chosen, means its members who may attend."""
        decision = self.decision.data or ""
        meeting = self.meeting_id.data or ""
        return DecisionRequest(
            gate=gate.value,
            decision=decision,
            rationale=self.rationale.data or "",
            version=self.version.data,
            attendee_ids=tuple(self.attendee_ids.data or meeting_members.get(meeting, [])),
            hold_until=self.hold_until.data if decision == Decision.HOLD.value else None,
            meeting_id=int(meeting) if meeting else None,
            conditions=self._conditions() if decision == Decision.GO_WITH_CONDITIONS.value else (),
        )

    def _conditions(self) -> tuple[ConditionInput, ...]:
        """Filled-in condition rows; a missing owner or date is left for the service to name."""
        return tuple(
            ConditionInput(
                text=row.text.data or "",
                owner_id=int(row.owner_id.data) if (row.owner_id.data or "").isdigit() else 0,
                due_date=row.due_date.data or date.min,
            )
            for row in self.conditions
            if (row.text.data or "").strip()
        )


class TickForm(PageForm):
    is_met = BooleanField("The criterion is met")
    evidence = TextAreaField(
        "Evidence", validators=[DataRequired("Say what shows the criterion is met."), Length(max=TEXT_MAX)]
    )


class CloseConditionForm(PageForm):
    status = RadioField(
        "Close as",
        choices=[SelectChoice("met", "Met"), SelectChoice("waived", "Waived")],
        validators=[DataRequired("Choose met or waived.")],
    )
    note = TextAreaField("Note", validators=[DataRequired("Add a note."), Length(max=TEXT_MAX)])


class CriterionForm(PageForm):
    text = TextAreaField("Criterion", validators=[DataRequired("Describe the criterion."), Length(max=1000)])
    kind = RadioField(
        "Kind",
        choices=[SelectChoice("must", "Must"), SelectChoice("should", "Should")],
        validators=[DataRequired()],
    )
    check = SelectField("Checked by", validators=[DataRequired()])
    is_active = BooleanField("In use")
    version = IntegerField(widget=widgets.HiddenInput(), validators=[DataRequired()])
