"""Forms on the account pages."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from changeauth.web.forms import NewPasswordForm, PageForm


class ConfirmIdentityForm(PageForm):
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        "Code from your authenticator app",
        description="Or one of your recovery codes.",
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class ConfirmCodeForm(PageForm):
    """Step-up after the council's sign-in service has confirmed the person: the code is still needed."""

    code = StringField(
        "Code from your authenticator app",
        description="Or one of your recovery codes.",
        validators=[DataRequired("Enter the code from your authenticator app."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangeEmailForm(PageForm):
    email = EmailField(
        "New email address",
        validators=[DataRequired("Enter your new email address."), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class TotpSetupForm(PageForm):
    code = StringField(
        "Code from your authenticator app",
        description="The 6 digits the app shows for this service once you have added it.",
        validators=[DataRequired("Enter the 6-digit code from your authenticator app."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class StaySignedInForm(PageForm):
    """The idle warning's button, with the page to return to when it is sent without script."""

    next = StringField(validators=[Optional(), Length(max=2000)])
