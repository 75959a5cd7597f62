"""Forms on the profile pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        description="Say what will use it, for example “Power BI refresh”.",
        validators=[
            DataRequired("Enter a name for the token."),
            Length(max=100, message="Use 100 characters or fewer."),
        ],
    )


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: revoking takes no input."""
