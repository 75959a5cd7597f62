"""Forms on the profile pages."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from changeauth.services.users import API_TOKEN_DEFAULT_DAYS, API_TOKEN_LIFETIMES
from changeauth.web.forms import PageForm


class NewTokenForm(PageForm):
    name = StringField(
        "Token name",
        description="Say what will use it, for example “Power BI refresh”.",
        validators=[
            DataRequired("Enter a name for the token."),
            Length(max=100, message="Use 100 characters or fewer."),
        ],
    )
    days = SelectField(
        "How long it lasts",
        description="It stops working after this; make a new one then.",
        choices=[SelectChoice(str(days), f"{days} days") for days in API_TOKEN_LIFETIMES],
        default=str(API_TOKEN_DEFAULT_DAYS),
        validate_choice=True,
    )


class RevokeTokenForm(PageForm):
    """Only the CSRF token: revoking takes no input."""
