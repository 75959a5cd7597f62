"""The decision register's filters."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from changeauth.web.forms import DayMonthYearField, PageForm


class RegisterFilterForm(PageForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    gate = SelectField("Gate", validators=[Optional()])
    decision = SelectField("Decision", validators=[Optional()])
    date_from = DayMonthYearField("From", validators=[Optional()], format="%Y-%m-%d")
    date_to = DayMonthYearField("To", validators=[Optional()], format="%Y-%m-%d")
