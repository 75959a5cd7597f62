"""Forms for the portfolio optimiser. Shape only: the rules (ranges, forced ids, limits) live in the
domain and the services, which name their errors by these field names."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectChoice, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from changeauth.domain.portfolio import OBJECTIVE_LABELS, SCENARIO_NAME_MAX, CostBasis, Objective
from changeauth.web.forms import CheckboxesField, DecimalTextField, MoneyField, PageForm

OBJECTIVE_CHOICES = [SelectChoice(objective.value, OBJECTIVE_LABELS[objective]) for objective in Objective]
COST_BASIS_CHOICES = [
    SelectChoice(
        CostBasis.FIRST_YEAR.value, "Capital plus first-year revenue: all capital, and year 0's revenue"
    ),
    SelectChoice(
        CostBasis.WHOLE_LIFE.value, "Whole-life cost: capital and revenue over every year of the case"
    ),
]


class RunFields(PageForm):
    """The optimiser's inputs: the page's form (in the query string) and the save form share them."""

    budget_pence = MoneyField(
        "Budget", description="In pounds, for example 1,500,000.", validators=[Optional()]
    )
    capacity = DecimalTextField(
        "Delivery capacity in person-months (optional)",
        description="Leave blank not to limit delivery capacity.",
        places=1,
        example="36.5",
        validators=[Optional()],
    )
    objective = RadioField("Make as large as possible", choices=OBJECTIVE_CHOICES, default="score")
    cost_basis = RadioField("Cost to count", choices=COST_BASIS_CHOICES, default=CostBasis.FIRST_YEAR.value)
    force_in = CheckboxesField("Always include", coerce=int, validators=[Optional()])
    force_out = CheckboxesField("Leave out", coerce=int, validators=[Optional()])


class RunForm(RunFields):
    """Running the optimiser changes nothing, so its inputs travel in the query string, without CSRF.
    The search narrows the candidates shown; it is not an input of the run."""

    q = StringField(
        "Search by reference or title",
        description="For example IMP-2026-0012, or a word from the title such as ‘waste’.",
        validators=[Optional()],
    )

    class Meta:
        csrf = False


class SaveScenarioForm(RunFields):
    """Save the run shown under a name; the run's inputs come back in hidden fields, as typed."""

    name = StringField(
        "Scenario name",
        description="For example ‘2027/28 at £1.5m, by score’.",
        validators=[DataRequired("Give the scenario a name."), Length(max=SCENARIO_NAME_MAX)],
    )


class AgreeForm(PageForm):
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


class DeliveryEstimateForm(PageForm):
    delivery_person_months = DecimalTextField(
        "Delivery estimate in person-months",
        description="The staff time delivering it will take, for example 4.5. Leave blank to clear it.",
        places=1,
        example="4.5",
        validators=[Optional()],
    )
    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])
