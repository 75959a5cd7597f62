"""The form for creating an account (no password field: the person sets their own, AUTH-06)."""

from __future__ import annotations

from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from changeauth.domain.roles import ROLE_LABELS
from changeauth.web.forms import PageForm


class NewUserForm(PageForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter the person's email address."), Length(max=254)],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)])
    roles = SelectMultipleField(
        "Roles",
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choose at least one role.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    team = SelectField("Team (optional)", choices=[SelectChoice("", "No team")], default="")


class PersonForm(PageForm):
    """Correct a person's name, roles and team (the email changes on their own account page)."""

    name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)])
    roles = SelectMultipleField(
        "Roles",
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choose at least one role.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    team = SelectField("Team (optional)", choices=[SelectChoice("", "No team")], default="")
